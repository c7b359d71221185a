// Reading a signature's parts from the Authorization header or the presigned query string, and the date formats they use.

package sigv4

import (
	"strconv"
	"strings"
	"time"
)

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
