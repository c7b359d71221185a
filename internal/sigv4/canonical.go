package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/textproto"
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
	if len(pairs) == 0 {
		return ""
	}
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

// headerSet looks request headers up by lower-case name. Names are matched
// case-insensitively; keys that differ only in case are merged, in sorted
// key order, so the result does not depend on map iteration order.
type headerSet struct {
	raw map[string][]string
	// folded maps lower-cased names to their merged values. It is built
	// only when some key of raw is not in canonical MIME form; a Go server
	// canonicalises every well-formed key, so on the hot path raw is
	// looked up directly and nothing is allocated.
	folded map[string][]string
}

func newHeaderSet(h map[string][]string) headerSet {
	for k := range h {
		if !isTokenString(k) || textproto.CanonicalMIMEHeaderKey(k) != k {
			return headerSet{raw: h, folded: foldHeaders(h)}
		}
	}
	return headerSet{raw: h}
}

// get returns the values of the header named name (lower case).
func (s headerSet) get(name string) []string {
	if s.folded != nil {
		return s.folded[name]
	}
	// Every key is canonical and made of token bytes, so the one key that
	// can match name case-insensitively is name's canonical form.
	var buf [64]byte
	if len(name) > len(buf) {
		return s.raw[textproto.CanonicalMIMEHeaderKey(name)]
	}
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		buf[i] = c
		upper = c == '-'
	}
	return s.raw[string(buf[:len(name)])]
}

func foldHeaders(h map[string][]string) map[string][]string {
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

// isTokenString reports whether s is made of RFC 9110 token bytes only.
func isTokenString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// writeHeaderValue writes values in canonical form: each trimmed, runs of
// spaces collapsed to one, the values joined with ",".
func writeHeaderValue(b *strings.Builder, values []string) {
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		v = strings.TrimSpace(v)
		if !strings.Contains(v, "  ") {
			b.WriteString(v)
			continue
		}
		for j := 0; j < len(v); j++ {
			if v[j] == ' ' && j > 0 && v[j-1] == ' ' {
				continue
			}
			b.WriteByte(v[j])
		}
	}
}

// canonicalRequest assembles the SigV4 canonical request.
func canonicalRequest(method, uri, query string, signedHeaders []string, headers headerSet, host, payloadHash string) string {
	n := len(method) + len(uri) + len(query) + len(payloadHash) + 8
	for _, name := range signedHeaders {
		n += 2*len(name) + 3
		if name == "host" {
			n += len(host)
		} else {
			for _, v := range headers.get(name) {
				n += len(v) + 1
			}
		}
	}
	var b strings.Builder
	b.Grow(n)
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
			writeHeaderValue(&b, []string{host})
		} else {
			writeHeaderValue(&b, headers.get(name))
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	for i, name := range signedHeaders {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(name)
	}
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

func hmacSHA256[T string | []byte](key []byte, data T) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signingKey derives the SigV4 signing key for a credential scope.
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, terminator)
}

// stringToSign assembles the SigV4 string to sign.
func stringToSign(amzDate, scope, canonical string) []byte {
	sum := sha256.Sum256([]byte(canonical))
	b := make([]byte, 0, len(algorithm)+len(amzDate)+len(scope)+3+2*sha256.Size)
	b = append(b, algorithm+"\n"...)
	b = append(b, amzDate...)
	b = append(b, '\n')
	b = append(b, scope...)
	b = append(b, '\n')
	return hex.AppendEncode(b, sum[:])
}
