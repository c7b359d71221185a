// Package sigv4 verifies AWS Signature Version 4 (AWS4-HMAC-SHA256) request
// signatures, as sent by AWS SDKs and the AWS CLI, in both forms: the
// Authorization header and the presigned query string.
//
// It is a pure core package with no knowledge of net/http: the HTTP layer
// converts its request into a Request (method, escaped path, raw query, Host,
// headers, and the hex SHA-256 of the body it read) and maps the returned
// errors, with errors.Is against the sentinel errors below, onto AWS error
// codes. Secrets are obtained through a KeyLookup; nothing is stored here.
//
// The canonicalisation follows the AWS specification for services other
// than S3 and matches the aws-sdk-go-v2 signer: the escaped request path is
// URI-encoded once more and never normalised, the query is decoded and
// re-encoded with RFC 3986 rules and sorted, header values are trimmed with
// runs of spaces collapsed, and the host comes from the Host header.
package sigv4

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	algorithm       = "AWS4-HMAC-SHA256"
	terminator      = "aws4_request"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	amzDateLayout   = "20060102T150405Z"
	scopeDateLayout = "20060102"
	// httpDateLayout is RFC 1123 with the GMT zone required by HTTP.
	httpDateLayout = "Mon, 02 Jan 2006 15:04:05 GMT"

	// defaultMaxSkew is the clock skew tolerated when Options.MaxSkew is 0 (15m).
	defaultMaxSkew = 15 * time.Minute
	// maxPresignExpires is the largest X-Amz-Expires accepted (seven days).
	maxPresignExpires = 604800 * time.Second

	hdrAuthorization = "authorization"
	hdrAmzDate       = "x-amz-date"
	hdrDate          = "date"
	hdrSecurityToken = "x-amz-security-token"
	hdrContentSHA256 = "x-amz-content-sha256"

	qAlgorithm     = "X-Amz-Algorithm"
	qCredential    = "X-Amz-Credential"
	qDate          = "X-Amz-Date"
	qExpires       = "X-Amz-Expires"
	qSignedHeaders = "X-Amz-SignedHeaders"
	qSignature     = "X-Amz-Signature"
	qSecurityToken = "X-Amz-Security-Token"
	qContentSHA256 = "X-Amz-Content-Sha256"
)

// Request is the part of an HTTP request that SigV4 signs. The caller builds
// it from *http.Request.
type Request struct {
	Method   string
	Path     string // URL path as received (r.URL.EscapedPath()), e.g. "/"
	RawQuery string // r.URL.RawQuery, undecoded
	Host     string // r.Host (the Host header value)
	// Header is the request's header map; http.Header is assignable to it.
	// Content-Length must be present when the client signed it (a Go server
	// keeps it in r.Header for requests that are not chunked).
	Header map[string][]string
	// PayloadSHA256 is the lowercase hex SHA-256 of the body, computed by
	// the caller.
	PayloadSHA256 string
}

// Credentials is what a key lookup returns.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is "" for long-term keys; when non-empty the request must
	// carry an equal X-Amz-Security-Token.
	SessionToken string
}

// KeyLookup returns the secret for an access key id, or ErrUnknownAccessKey
// (wrapped or not) when there is none. Any other error is returned by Verify
// wrapped, unchanged in meaning (typically an internal failure).
type KeyLookup func(accessKeyID string) (Credentials, error)

// Result describes a verified request.
type Result struct {
	AccessKeyID  string
	Date         time.Time // the request's X-Amz-Date (or Date), UTC
	Region       string    // from the credential scope
	Service      string    // from the credential scope, e.g. "redshift-data"
	SessionToken string
	Presigned    bool
}

// Options configures a Verifier. The zero value is usable.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew is the tolerated difference between X-Amz-Date and Now;
	// 0 (or negative) means 15 minutes.
	MaxSkew time.Duration
	// AllowedServices lists the acceptable credential-scope services;
	// empty means any.
	AllowedServices []string
	// Region is the required credential-scope region; empty means any.
	Region string
}

// Verifier checks SigV4 signatures. It is safe for concurrent use.
type Verifier struct {
	now      func() time.Time
	maxSkew  time.Duration
	services []string
	region   string
	lookup   KeyLookup
	keys     keyCache
}

// New returns a Verifier using lookup to find secrets.
func New(opts Options, lookup KeyLookup) *Verifier {
	v := &Verifier{
		now:      opts.Now,
		maxSkew:  opts.MaxSkew,
		services: append([]string(nil), opts.AllowedServices...),
		region:   opts.Region,
		lookup:   lookup,
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.maxSkew <= 0 {
		v.maxSkew = defaultMaxSkew
	}
	return v
}

// keyCache keeps derived signing keys: a client signs every request of a
// day with the same one, and deriving it is four HMACs, a good part of a
// request's verification cost. It is bounded by emptying it when full.
type keyCache struct {
	mu   sync.Mutex
	keys map[scopeKey][]byte
}

// scopeKey names one signing key.
type scopeKey struct{ secret, date, region, service string }

// keyCacheSize bounds the cache; one entry is one secret, day, region and
// service.
const keyCacheSize = 1024

func (c *keyCache) get(secret, date, region, service string) []byte {
	id := scopeKey{secret, date, region, service}
	c.mu.Lock()
	key, ok := c.keys[id]
	c.mu.Unlock()
	if ok {
		return key
	}
	key = signingKey(secret, date, region, service)
	c.mu.Lock()
	if c.keys == nil || len(c.keys) >= keyCacheSize {
		c.keys = make(map[scopeKey][]byte)
	}
	c.keys[id] = key
	c.mu.Unlock()
	return key
}

// auth is the signature information extracted from a request.
type auth struct {
	presigned     bool
	accessKeyID   string
	scopeDate     string
	region        string
	service       string
	terminator    string
	signedHeaders []string
	signature     string
	date          time.Time
	// amzDate is date as the client wrote it in the ISO 8601 basic format
	// (parseAmzDate accepts only the exact form), or "" for a Date header.
	amzDate    string
	expires    time.Duration
	hasExpires bool
	token      string
	hasToken   bool
}

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

func hasKey(pairs []queryPair, key string) bool {
	for _, p := range pairs {
		if p.key == key {
			return true
		}
	}
	return false
}

// queryValues returns all values of key, in order.
func queryValues(pairs []queryPair, key string) []string {
	var out []string
	for _, p := range pairs {
		if p.key == key {
			out = append(out, p.value)
		}
	}
	return out
}

// parseHeaderAuth parses
//
//	AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/svc/aws4_request, SignedHeaders=host;x-amz-date, Signature=hex
func parseHeaderAuth(values []string, headers headerSet) (*auth, error) {
	if len(values) != 1 {
		return nil, newError(ErrMalformedAuth, "The request must contain exactly one Authorization header.")
	}
	h := strings.TrimSpace(values[0])
	alg, rest, _ := strings.Cut(h, " ")
	if alg != algorithm {
		return nil, newError(ErrMalformedAuth, "Unsupported authorization algorithm '%s'; only %s is supported.", clip(alg), algorithm)
	}
	var cred, signed, sig string
	var haveCred, haveSigned, haveSig bool
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, newError(ErrMalformedAuth, "Authorization header parameter '%s' is not of the form key=value.", clip(part))
		}
		var dst *string
		var seen *bool
		switch k {
		case "Credential":
			dst, seen = &cred, &haveCred
		case "SignedHeaders":
			dst, seen = &signed, &haveSigned
		case "Signature":
			dst, seen = &sig, &haveSig
		default:
			return nil, newError(ErrMalformedAuth, "Authorization header contains the unknown parameter '%s'.", clip(k))
		}
		if *seen {
			return nil, newError(ErrMalformedAuth, "Authorization header contains the parameter '%s' more than once.", k)
		}
		*dst, *seen = val, true
	}
	var missing []string
	if !haveCred {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if !haveSig {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	if !haveSigned {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	dateVals := headers.get(hdrAmzDate)
	dateName := "X-Amz-Date"
	if len(dateVals) == 0 {
		dateVals = headers.get(hdrDate)
		dateName = "Date"
	}
	if len(dateVals) == 0 {
		missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(missing) > 0 {
		return nil, newError(ErrMalformedAuth, "%s", strings.Join(missing, " "))
	}

	a := &auth{}
	if err := a.setCredential(cred, "Authorization header"); err != nil {
		return nil, err
	}
	if err := a.setSignedHeaders(signed); err != nil {
		return nil, err
	}
	if err := a.setSignature(sig); err != nil {
		return nil, err
	}
	if len(dateVals) != 1 {
		return nil, newError(ErrMalformedAuth, "The request must contain exactly one %s header.", dateName)
	}
	var ok bool
	if dateName == "X-Amz-Date" {
		a.date, ok = parseAmzDate(dateVals[0])
		a.amzDate = dateVals[0]
	} else {
		a.date, ok = parseHTTPDate(dateVals[0])
	}
	if !ok {
		return nil, newError(ErrMalformedAuth, "The %s header '%s' is not a valid date.", dateName, clip(dateVals[0]))
	}
	if toks := headers.get(hdrSecurityToken); len(toks) > 0 {
		if len(toks) != 1 {
			return nil, newError(ErrMalformedAuth, "The request must contain at most one X-Amz-Security-Token header.")
		}
		a.token, a.hasToken = toks[0], true
	}
	return a, nil
}

// parseQueryAuth parses the presigned form's X-Amz-* query parameters.
func parseQueryAuth(query []queryPair, headers headerSet) (*auth, error) {
	get := func(key string, required bool) (string, bool, error) {
		vals := queryValues(query, key)
		switch {
		case len(vals) == 1:
			return vals[0], true, nil
		case len(vals) > 1:
			return "", false, newError(ErrMalformedAuth, "The query parameter '%s' must not be repeated.", key)
		case required:
			return "", false, newError(ErrMalformedAuth, "AWS query-string parameters must include '%s'.", key)
		}
		return "", false, nil
	}
	var p [5]string
	for i, key := range [...]string{qAlgorithm, qCredential, qDate, qSignedHeaders, qSignature} {
		val, _, err := get(key, true)
		if err != nil {
			return nil, err
		}
		p[i] = val
	}
	alg, cred, date, signed, sig := p[0], p[1], p[2], p[3], p[4]
	if alg != algorithm {
		return nil, newError(ErrMalformedAuth, "X-Amz-Algorithm only supports '%s', not '%s'.", algorithm, clip(alg))
	}
	a := &auth{presigned: true}
	if err := a.setCredential(cred, "X-Amz-Credential"); err != nil {
		return nil, err
	}
	if err := a.setSignedHeaders(signed); err != nil {
		return nil, err
	}
	if err := a.setSignature(sig); err != nil {
		return nil, err
	}
	var ok bool
	if a.date, ok = parseAmzDate(date); !ok {
		return nil, newError(ErrMalformedAuth, "X-Amz-Date '%s' must be in the ISO8601 long format yyyyMMdd'T'HHmmss'Z'.", clip(date))
	}
	a.amzDate = date
	exp, hasExp, err := get(qExpires, false)
	if err != nil {
		return nil, err
	}
	if hasExp {
		n, ok := parseSeconds(exp)
		if !ok {
			return nil, newError(ErrMalformedAuth, "X-Amz-Expires should be a number of seconds, not '%s'.", clip(exp))
		}
		if n > int64(maxPresignExpires/time.Second) {
			return nil, newError(ErrMalformedAuth, "X-Amz-Expires must be less than a week (in seconds) that is 604800.")
		}
		a.expires, a.hasExpires = time.Duration(n)*time.Second, true
	}
	tok, hasTok, err := get(qSecurityToken, false)
	if err != nil {
		return nil, err
	}
	if hasTok {
		a.token, a.hasToken = tok, true
	} else if toks := headers.get(hdrSecurityToken); len(toks) > 0 {
		if len(toks) != 1 {
			return nil, newError(ErrMalformedAuth, "The request must contain at most one X-Amz-Security-Token header.")
		}
		a.token, a.hasToken = toks[0], true
	}
	return a, nil
}

func (a *auth) setCredential(cred, where string) error {
	if strings.Count(cred, "/") != 4 {
		return newError(ErrMalformedAuth, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'.", clip(cred))
	}
	var parts [5]string
	rest := cred
	for i := range parts[:4] {
		parts[i], rest, _ = strings.Cut(rest, "/")
	}
	parts[4] = rest
	if parts[0] == "" {
		return newError(ErrMalformedAuth, "%s has an empty access key id.", where)
	}
	a.accessKeyID, a.scopeDate, a.region, a.service, a.terminator = parts[0], parts[1], parts[2], parts[3], parts[4]
	return nil
}

// setSignedHeaders requires a ";"-separated list of distinct, lower-case,
// sorted header names that includes host.
func (a *auth) setSignedHeaders(s string) error {
	names := strings.Split(s, ";")
	hasHost := false
	for i, n := range names {
		if n == "" || n != strings.ToLower(n) || strings.ContainsAny(n, " \t:") {
			return newError(ErrMalformedAuth, "SignedHeaders '%s' must be a ';'-separated list of lower-case header names.", clip(s))
		}
		if i > 0 && names[i-1] >= n {
			return newError(ErrMalformedAuth, "SignedHeaders '%s' must be sorted and without duplicates.", clip(s))
		}
		if n == "host" {
			hasHost = true
		}
	}
	if !hasHost {
		return newError(ErrMalformedAuth, "Signed headers must include the 'host' header.")
	}
	a.signedHeaders = names
	return nil
}

func (a *auth) setSignature(sig string) error {
	if sig == "" {
		return newError(ErrMalformedAuth, "The Signature must not be empty.")
	}
	a.signature = sig
	return nil
}

// longDate is the request time in the ISO 8601 basic format.
func (a *auth) longDate() string {
	if a.amzDate != "" {
		return a.amzDate
	}
	return formatAmzDate(a.date)
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

// parseAmzDate parses the ISO 8601 basic format 20060102T150405Z strictly.
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(amzDateLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(amzDateLayout, s)
	if err != nil || t.Format(amzDateLayout) != s {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// parseHTTPDate parses an RFC 1123 date ("Mon, 02 Jan 2006 15:04:05 GMT",
// or with a numeric zone).
func parseHTTPDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{httpDateLayout, time.RFC1123Z} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func formatAmzDate(t time.Time) string {
	return t.UTC().Format(amzDateLayout)
}

// parseSeconds parses a non-negative decimal integer of at most 10 digits.
func parseSeconds(s string) (int64, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
