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
