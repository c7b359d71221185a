package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sort"
	"strings"
)

// queryPair is one decoded key=value pair of a query string.
type queryPair struct {
	key, value string
}

var errBadQuery = errors.New("malformed query string")

// parseQuery decodes a raw query string the way form values are decoded
// ("+" is a space, %XX an octet), keeping every pair in order. Empty
// segments ("a=1&&b=2") are skipped. Unlike net/url.ParseQuery it neither
// drops segments containing ';' nor tolerates bad escapes: a pair that could
// not be canonicalised would otherwise travel unsigned.
func parseQuery(raw string) ([]queryPair, error) {
	var pairs []queryPair
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" {
			continue
		}
		k, val, _ := strings.Cut(seg, "=")
		dk, ok := unescapeQuery(k)
		if !ok {
			return nil, errBadQuery
		}
		dv, ok := unescapeQuery(val)
		if !ok {
			return nil, errBadQuery
		}
		pairs = append(pairs, queryPair{dk, dv})
	}
	return pairs, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func unescapeQuery(s string) (string, bool) {
	if !strings.ContainsAny(s, "%+") {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 >= len(s) {
				return "", false
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return "", false
			}
			b = append(b, hi<<4|lo)
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b), true
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// uriEncode percent-encodes every byte except the RFC 3986 unreserved
// characters (and '/' when keepSlash), with upper-case hex digits.
func uriEncode(s string, keepSlash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isUnreserved(c) && !(keepSlash && c == '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || keepSlash && c == '/' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return string(b)
}

// canonicalURI encodes the path as received (already escaped, as returned by
// URL.EscapedPath) once more, segment by segment. This "double encoding" is
// what AWS expects for every service but S3, and what the aws-sdk-go-v2
// signer produces. The path is not normalised: "." and ".." segments and
// repeated slashes are signed verbatim.
func canonicalURI(path string) string {
	if path == "" {
		return "/"
	}
	return uriEncode(path, true)
}

// canonicalQuery encodes pairs with RFC 3986 rules and sorts them by encoded
// key, then encoded value. Pairs whose key is skip are left out.
func canonicalQuery(pairs []queryPair, skip string) string {
	enc := make([]queryPair, 0, len(pairs))
	for _, p := range pairs {
		if skip != "" && p.key == skip {
			continue
		}
		enc = append(enc, queryPair{uriEncode(p.key, false), uriEncode(p.value, false)})
	}
	sort.Slice(enc, func(i, j int) bool {
		if enc[i].key != enc[j].key {
			return enc[i].key < enc[j].key
		}
		return enc[i].value < enc[j].value
	})
	var b strings.Builder
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// headerIndex maps lower-cased header names to their values. Keys that differ
// only in case are merged in sorted key order, so the result does not depend
// on map iteration order.
func headerIndex(h map[string][]string) map[string][]string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	idx := make(map[string][]string, len(h))
	for _, k := range keys {
		lk := strings.ToLower(k)
		idx[lk] = append(idx[lk], h[k]...)
	}
	return idx
}

// canonicalHeaderValue trims a header value and collapses runs of spaces,
// then joins multiple values with ",".
func canonicalHeaderValue(values []string) string {
	var b strings.Builder
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strings.TrimSpace(collapseSpaces(v)))
	}
	return b.String()
}

func collapseSpaces(s string) string {
	if !strings.Contains(s, "  ") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' && i > 0 && s[i-1] == ' ' {
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// canonicalRequest assembles the SigV4 canonical request.
func canonicalRequest(method, uri, query string, signedHeaders []string, headers map[string][]string, host, payloadHash string) string {
	var b strings.Builder
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	for _, name := range signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		if name == "host" {
			b.WriteString(canonicalHeaderValue([]string{host}))
		} else {
			b.WriteString(canonicalHeaderValue(headers[name]))
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// signingKey derives the SigV4 signing key for a credential scope.
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, terminator)
}

// stringToSign assembles the SigV4 string to sign.
func stringToSign(amzDate, scope, canonical string) string {
	return algorithm + "\n" + amzDate + "\n" + scope + "\n" + sha256Hex(canonical)
}
