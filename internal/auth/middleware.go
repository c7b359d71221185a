package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/httpx"
	"github.com/rsdata/rsdata/internal/identity"
	"github.com/rsdata/rsdata/internal/sigv4"
)

// KeyStore finds the secret and the principal behind an access key id.
type KeyStore interface {
	// LookupKey returns the key's credentials and owner, or an error
	// satisfying errors.Is(err, sigv4.ErrUnknownAccessKey), or ErrExpiredToken
	// for temporary credentials past their expiry. sessionToken is the
	// request's X-Amz-Security-Token ("" when absent), which temporary
	// credentials need to be resolved.
	LookupKey(ctx context.Context, accessKeyID, sessionToken string) (sigv4.Credentials, *Principal, error)
}

// ErrExpiredToken reports temporary credentials past their expiry.
var ErrExpiredToken = identity.ErrExpiredToken

// Options configures the Authenticator.
type Options struct {
	Region string
	// Services are the SigV4 signing names accepted ("redshift-data", ...).
	Services []string
	Now      func() time.Time
	Logger   *slog.Logger
}

// Authenticator verifies the SigV4 signature of every request and puts the
// caller in the request context.
type Authenticator struct {
	opts     Options
	keys     KeyStore
	writeErr httpx.ErrorWriter
	verifier *sigv4.Verifier
}

// NewAuthenticator returns an Authenticator; writeErr sends refusals in the
// protocol of the request.
func NewAuthenticator(opts Options, keys KeyStore, writeErr httpx.ErrorWriter) *Authenticator {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	v := sigv4.New(sigv4.Options{Now: opts.Now, Region: opts.Region, AllowedServices: opts.Services}, nil)
	return &Authenticator{opts: opts, keys: keys, writeErr: writeErr, verifier: v}
}

// Wrap authenticates requests before next sees them. The body is read
// whole (it is bounded by httpx) to hash it, then handed on unchanged (a
// reader over the same bytes, which httpx.ReadBody returns again). A
// body larger than httpx.SmallBody is read only after the parts of the
// signature that do not depend on it (its form, scope, date, access key
// and session token) have been checked, so a caller without a valid key
// cannot make the server read and hold it.
func (a *Authenticator) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := r.Header.Get("X-Amz-Security-Token")
		if token == "" {
			token = r.URL.Query().Get("X-Amz-Security-Token")
		}
		if r.ContentLength < 0 || r.ContentLength > httpx.SmallBody {
			if err := a.precheck(r, token); err != nil {
				a.writeErr(w, r, a.refusal(r, err))
				return
			}
		}
		body, err := httpx.ReadBody(r)
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				a.writeErr(w, r, awserr.RequestEntityTooLarge(tooBig.Limit))
				return
			}
			a.writeErr(w, r, awserr.SerializationException("Could not read request body"))
			return
		}
		sum := sha256.Sum256(body)
		var principal *Principal
		res, err := a.verifier.VerifyWith(&sigv4.Request{
			Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Host: r.Host,
			Header: r.Header, PayloadSHA256: hex.EncodeToString(sum[:]),
		}, func(id string) (sigv4.Credentials, error) {
			creds, p, err := a.keys.LookupKey(r.Context(), id, token)
			principal = p
			return creds, err
		})
		if err != nil {
			a.writeErr(w, r, a.refusal(r, err))
			return
		}
		if principal != nil {
			httpx.SetPrincipal(r.Context(), principal.ARN)
		}
		httpx.SetService(r.Context(), res.Service)
		ctx := context.WithValue(WithPrincipal(r.Context(), principal), serviceKey{}, res.Service)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// precheck verifies r's signature with no payload hash: the errors that
// do not depend on the body are final; a signature mismatch (expected, the
// body's hash being unknown yet) and a failing key look-up are left to the
// full check after the body is read.
func (a *Authenticator) precheck(r *http.Request, token string) error {
	_, err := a.verifier.VerifyWith(&sigv4.Request{
		Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Host: r.Host, Header: r.Header,
	}, func(id string) (sigv4.Credentials, error) {
		creds, _, err := a.keys.LookupKey(r.Context(), id, token)
		return creds, err
	})
	for _, final := range []error{sigv4.ErrMissingAuth, sigv4.ErrMalformedAuth, sigv4.ErrUnknownAccessKey,
		sigv4.ErrTokenMismatch, sigv4.ErrRequestExpired, sigv4.ErrWrongScope, ErrExpiredToken} {
		if errors.Is(err, final) {
			return err
		}
	}
	return nil
}

type serviceKey struct{}

// ServiceFrom returns the service a verified request was signed for (its
// credential scope's service, such as "redshift-data" or "iam").
func ServiceFrom(ctx context.Context) string {
	s, _ := ctx.Value(serviceKey{}).(string)
	return s
}

// refusal maps a verification failure to the error AWS sends for it.
func (a *Authenticator) refusal(r *http.Request, err error) error {
	msg := err.Error()
	switch {
	case errors.Is(err, ErrExpiredToken):
		return awserr.ExpiredToken()
	case errors.Is(err, sigv4.ErrMissingAuth):
		return awserr.MissingAuthenticationToken()
	case errors.Is(err, sigv4.ErrMalformedAuth):
		return awserr.IncompleteSignature(msg)
	case errors.Is(err, sigv4.ErrUnknownAccessKey), errors.Is(err, sigv4.ErrTokenMismatch):
		return awserr.UnrecognizedClient()
	case errors.Is(err, sigv4.ErrSignatureMismatch), errors.Is(err, sigv4.ErrRequestExpired),
		errors.Is(err, sigv4.ErrWrongScope):
		return awserr.InvalidSignature(msg)
	default:
		a.opts.Logger.Error("authentication failed internally", "request_id", httpx.RequestID(r.Context()), "err", err)
		return awserr.InternalFailure()
	}
}
