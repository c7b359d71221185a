// Verification: recomputing the signature and checking scope, time, session token and payload hash.

package sigv4

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Verify checks req's signature. On success it returns what was verified; on
// failure the error matches one of the package's sentinel errors, or wraps
// the KeyLookup's own error when the lookup failed for another reason.
// Verify never panics, whatever the input.
func (v *Verifier) Verify(req *Request) (*Result, error) {
	return v.VerifyWith(req, v.lookup)
}

// VerifyWith is Verify with the secret found by lookup, for callers whose
// look-up depends on the request (its context, its session token); the
// Verifier's cache of signing keys is shared across calls all the same.
func (v *Verifier) VerifyWith(req *Request, lookup KeyLookup) (*Result, error) {
	if req == nil {
		return nil, newError(ErrMissingAuth, "")
	}
	headers := newHeaderSet(req.Header)
	query, qerr := parseQuery(req.RawQuery)

	authValues := headers.get(hdrAuthorization)
	hasHeader := len(authValues) > 1 || len(authValues) == 1 && strings.TrimSpace(authValues[0]) != ""
	var hasQuery bool
	if qerr != nil {
		hasQuery = strings.Contains(req.RawQuery, "X-Amz-")
	} else {
		hasQuery = hasKey(query, qAlgorithm) || hasKey(query, qSignature)
	}
	switch {
	case !hasHeader && !hasQuery:
		return nil, newError(ErrMissingAuth, "")
	case hasHeader && hasQuery:
		return nil, newError(ErrMalformedAuth, "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.")
	case qerr != nil:
		return nil, newError(ErrMalformedAuth, "The query string is malformed and cannot be canonicalised.")
	}

	var a *auth
	var err error
	if hasHeader {
		a, err = parseHeaderAuth(authValues, headers)
	} else {
		a, err = parseQueryAuth(query, headers)
	}
	if err != nil {
		return nil, err
	}
	if err := v.checkScope(a); err != nil {
		return nil, err
	}
	if err := v.checkTime(a); err != nil {
		return nil, err
	}

	if lookup == nil {
		return nil, newError(ErrUnknownAccessKey, "")
	}
	creds, err := lookup(a.accessKeyID)
	if err != nil {
		if errors.Is(err, ErrUnknownAccessKey) {
			return nil, newError(ErrUnknownAccessKey, "")
		}
		return nil, fmt.Errorf("sigv4: looking up access key: %w", err)
	}
	if !tokenMatches(creds.SessionToken, a) {
		return nil, newError(ErrTokenMismatch, "")
	}

	payloadHashes, err := payloadCandidates(req, a, headers, query)
	if err != nil {
		return nil, err
	}

	host := req.Host
	if host == "" {
		if h := headers.get("host"); len(h) > 0 {
			host = h[0]
		}
	}
	skip := ""
	if a.presigned {
		skip = qSignature
	}
	uri := canonicalURI(req.Path)
	cq := canonicalQuery(query, skip)
	amzDate := a.longDate()
	scope := a.scopeDate + "/" + a.region + "/" + a.service + "/" + terminator
	key := v.keys.get(creds.SecretAccessKey, a.scopeDate, a.region, a.service)
	given := []byte(strings.ToLower(a.signature))

	matched := false
	for _, ph := range payloadHashes {
		cr := canonicalRequest(req.Method, uri, cq, a.signedHeaders, headers, host, ph)
		sig := hmacSHA256(key, stringToSign(amzDate, scope, cr))
		var want [2 * sha256.Size]byte
		hexEncode(want[:], sig)
		if subtle.ConstantTimeCompare(want[:], given) == 1 {
			matched = true
		}
	}
	if !matched {
		return nil, newError(ErrSignatureMismatch, "")
	}
	return &Result{
		AccessKeyID:  a.accessKeyID,
		Date:         a.date,
		Region:       a.region,
		Service:      a.service,
		SessionToken: a.token,
		Presigned:    a.presigned,
	}, nil
}

func hexEncode(dst, src []byte) {
	const digits = "0123456789abcdef"
	for i, c := range src {
		dst[2*i] = digits[c>>4]
		dst[2*i+1] = digits[c&15]
	}
}

func (v *Verifier) checkScope(a *auth) error {
	if a.terminator != terminator {
		return newError(ErrWrongScope, "Credential should be scoped with a valid terminator: '%s', not '%s'.", terminator, clip(a.terminator))
	}
	if a.region == "" || v.region != "" && a.region != v.region {
		return newError(ErrWrongScope, "Credential should be scoped to a valid region, not '%s'.", clip(a.region))
	}
	if a.service == "" || len(v.services) > 0 && !contains(v.services, a.service) {
		want := "a valid service"
		if len(v.services) > 0 {
			want = "'" + strings.Join(v.services, "' or '") + "'"
		}
		return newError(ErrWrongScope, "Credential should be scoped to correct service: %s, not '%s'.", want, clip(a.service))
	}
	if day := a.longDate()[:len(scopeDateLayout)]; a.scopeDate != day {
		return newError(ErrWrongScope, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			clip(a.scopeDate), day, formatAmzDate(a.date))
	}
	return nil
}

func (v *Verifier) checkTime(a *auth) error {
	now := v.now().UTC()
	expired := func(window time.Duration, notYet bool) error {
		return &ExpiredError{RequestTime: a.date, Now: now, Window: window, NotYetValid: notYet, Presigned: a.presigned}
	}
	if a.date.After(now.Add(v.maxSkew)) {
		return expired(v.maxSkew, true)
	}
	if a.presigned && a.hasExpires {
		if now.After(a.date.Add(a.expires)) {
			return expired(a.expires, false)
		}
		return nil
	}
	if a.date.Before(now.Add(-v.maxSkew)) {
		return expired(v.maxSkew, false)
	}
	return nil
}

// tokenMatches reports whether the request's session token agrees with the
// credentials': both absent, or both present and equal.
func tokenMatches(want string, a *auth) bool {
	if want == "" {
		return !a.hasToken || a.token == ""
	}
	return a.hasToken && subtle.ConstantTimeCompare([]byte(want), []byte(a.token)) == 1
}

// payloadCandidates returns the payload hashes the signature may have been
// computed over. An X-Amz-Content-Sha256 header (or, when presigned, query
// parameter) is authoritative; a hex digest in it must equal the body's.
// Without it, a header-signed request uses the body's hash and a presigned
// one UNSIGNED-PAYLOAD, or the body's hash as SDKs presigning for services
// other than S3 do.
func payloadCandidates(req *Request, a *auth, headers headerSet, query []queryPair) ([]string, error) {
	body := strings.ToLower(req.PayloadSHA256)
	vals := headers.get(hdrContentSHA256)
	if len(vals) == 0 && a.presigned {
		vals = queryValues(query, qContentSHA256)
	}
	switch {
	case len(vals) > 1:
		return nil, newError(ErrMalformedAuth, "X-Amz-Content-Sha256 must be given at most once.")
	case len(vals) == 1:
		v := vals[0]
		if v == unsignedPayload {
			return []string{v}, nil
		}
		if !isHexSHA256(v) {
			return nil, newError(ErrMalformedAuth, "X-Amz-Content-Sha256 must be UNSIGNED-PAYLOAD or a hex SHA-256 digest, not '%s'.", clip(v))
		}
		if body != "" && strings.ToLower(v) != body {
			return nil, newError(ErrSignatureMismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.")
		}
		return []string{v}, nil
	case a.presigned:
		if body != "" {
			return []string{unsignedPayload, body}, nil
		}
		return []string{unsignedPayload}, nil
	}
	return []string{body}, nil
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if _, ok := unhex(s[i]); !ok {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
