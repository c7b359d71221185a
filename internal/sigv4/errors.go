package sigv4

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// publicText is a sentinel whose text is AWS's own wording, sent to
// clients as it is: data, not a Go error string. Each is a distinct
// pointer, so two with the same words are still different errors.
type publicText struct{ text string }

func (p *publicText) Error() string { return p.text }

// Sentinel errors. Every error returned by Verify, apart from a failure of the
// KeyLookup itself, matches exactly one of them with errors.Is. Their Error
// text is a client-safe generic message (AWS's own wording where AWS has a
// fixed one); the error actually returned usually carries a more specific
// public message (see Error and ExpiredError) that is equally safe to send.
// The AWS error code each one corresponds to is given below.
var (
	// ErrMissingAuth: the request carries neither an Authorization header nor
	// presigned query parameters.
	// AWS: 403 MissingAuthenticationTokenException.
	ErrMissingAuth error = &publicText{"Missing Authentication Token"}

	// ErrMalformedAuth: the Authorization header or the presigned query
	// parameters are present but incomplete or unparsable, use an
	// unsupported algorithm, lack the host in SignedHeaders, or the request
	// has no usable X-Amz-Date/Date.
	// AWS: 400 IncompleteSignatureException.
	ErrMalformedAuth error = &publicText{"The request signature is incomplete or malformed."}

	// ErrUnknownAccessKey: the KeyLookup does not know the access key id.
	// AWS: 403 UnrecognizedClientException.
	ErrUnknownAccessKey error = &publicText{"The security token included in the request is invalid."}

	// ErrSignatureMismatch: the signature does not match the request.
	// AWS: 403 InvalidSignatureException.
	ErrSignatureMismatch error = &publicText{"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}

	// ErrRequestExpired: X-Amz-Date is too far from the server clock, or a
	// presigned request is past its X-Amz-Expires. The returned error is an
	// *ExpiredError carrying the times involved.
	// AWS: 403 InvalidSignatureException ("Signature expired: ...").
	ErrRequestExpired error = &publicText{"Signature expired."}

	// ErrWrongScope: the credential scope does not fit the request or this
	// server: wrong date, terminator, region or service.
	// AWS: 403 InvalidSignatureException (SignatureDoesNotMatch in query APIs).
	ErrWrongScope error = &publicText{"Credential should be scoped to a valid region and service."}

	// ErrTokenMismatch: the credentials require a session token and the
	// request's X-Amz-Security-Token is missing or different, or the request
	// carries a token the credentials do not have.
	// AWS: 403 UnrecognizedClientException (InvalidClientTokenId in query APIs).
	ErrTokenMismatch error = &publicText{"The security token included in the request is invalid."}
)

// Error is the error type returned by Verify for every failure except expiry
// (see ExpiredError). Kind is one of the sentinel errors of this package and
// is what errors.Is matches; Message is a specific, client-safe description.
type Error struct {
	Kind    error
	Message string
}

// Error returns the public message.
func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	if e.Kind != nil {
		return e.Kind.Error()
	}
	return "sigv4: verification failed"
}

// Unwrap returns Kind, so that errors.Is(err, ErrXxx) works.
func (e *Error) Unwrap() error { return e.Kind }

func newError(kind error, format string, args ...any) *Error {
	msg := kind.Error()
	if format != "" {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Kind: kind, Message: msg}
}

// ExpiredError is returned (as a pointer) when the request time lies outside
// the accepted window. It matches ErrRequestExpired with errors.Is and carries
// everything needed to phrase the AWS message; Error already does so, e.g.
//
//	Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z (20240101T002000Z - 15 min.)
type ExpiredError struct {
	// RequestTime is the request's X-Amz-Date (or Date).
	RequestTime time.Time
	// Now is the server time the request was checked against.
	Now time.Time
	// Window is the tolerance that was exceeded: the maximum clock skew, or
	// for a presigned request that expired, its X-Amz-Expires.
	Window time.Duration
	// NotYetValid reports a request time later than Now+Window (clock skew
	// into the future) rather than an expired one.
	NotYetValid bool
	// Presigned reports a presigned (query-string) request.
	Presigned bool
}

// Limit returns the earliest (or, when NotYetValid, latest) acceptable
// request time: Now - Window (or Now + Window).
func (e *ExpiredError) Limit() time.Time {
	if e.NotYetValid {
		return e.Now.Add(e.Window)
	}
	return e.Now.Add(-e.Window)
}

// Error formats the AWS-style message.
func (e *ExpiredError) Error() string {
	if e.NotYetValid {
		return fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s)",
			formatAmzDate(e.RequestTime), formatAmzDate(e.Limit()), formatAmzDate(e.Now), formatWindow(e.Window))
	}
	return fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s)",
		formatAmzDate(e.RequestTime), formatAmzDate(e.Limit()), formatAmzDate(e.Now), formatWindow(e.Window))
}

// Unwrap returns ErrRequestExpired.
func (e *ExpiredError) Unwrap() error { return ErrRequestExpired }

func formatWindow(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min.", d/time.Minute)
	}
	return fmt.Sprintf("%d sec.", d/time.Second)
}

// clip makes client-supplied text safe and short enough to quote in an error
// message.
func clip(s string) string {
	const max = 128
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strings.Map(func(r rune) rune {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, s)
}

// CheckService reports whether a request whose credential scope names the
// service signed may call an API whose signing name is want
// ("redshift-data", "iam", ...). The scope's service must be the API's own:
// a signature scoped to another service is refused, as AWS refuses it, with
// an ErrWrongScope error reading "Credential should be scoped to correct
// service: 'want'. " (AWS's text, trailing space included). Verify cannot
// check this alone when one endpoint serves several APIs: which API is
// called is known only to the protocol router.
func CheckService(signed, want string) error {
	if signed == want {
		return nil
	}
	return newError(ErrWrongScope, "Credential should be scoped to correct service: '%s'. ", want)
}
