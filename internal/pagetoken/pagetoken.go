// Package pagetoken mints and reads the pagination tokens rsdata hands out
// (NextToken, IAM's Marker). A token is opaque to callers and
// tamper-evident: it carries its payload (an offset, a cursor) with an
// HMAC-SHA256 under a key only the server holds, bound to the listing it
// was issued for, so a forged, truncated, bit-flipped or borrowed token is
// refused rather than read. Every lister mints and reads its tokens here;
// none spells out its own encoding.
//
// The key is derived from the server's sealing key (internal/seal, kept in
// the data directory), so tokens, GetStatementResult's among them, survive
// a restart just as the results they page through do. A Codec made by
// Random holds a key of its own that dies with it, for components run
// without a data directory (unit tests).
package pagetoken

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// macSize is how much of the HMAC-SHA256 a token carries: 128 bits, far
// beyond guessing within any rate a server answers at.
const macSize = 16

// encoding writes and reads tokens. Strict decoding gives each token one
// spelling: a lenient decoder accepts several final characters.
var encoding = base64.RawURLEncoding.Strict()

// Codec mints and reads tokens with one key. It is safe for concurrent use.
type Codec struct{ key []byte }

// New returns a Codec whose key is derived from secret (the sealing key):
// the same secret gives the same key, and the secret itself is never used
// for anything but the derivation.
func New(secret []byte) *Codec {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("rsdata pagetoken v1"))
	return &Codec{key: h.Sum(nil)}
}

// Random returns a Codec with a fresh random key: its tokens are refused by
// every other Codec, including one made after a restart.
func Random() *Codec {
	key := make([]byte, sha256.Size)
	if _, err := rand.Read(key); err != nil {
		panic("pagetoken: no randomness: " + err.Error())
	}
	return &Codec{key: key}
}

func (c *Codec) mac(kind string, payload []byte) []byte {
	h := hmac.New(sha256.New, c.key)
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write(payload)
	return h.Sum(nil)[:macSize]
}

// Encode returns the token for payload in the listing kind (such as
// "redshift-data/ListStatements"); kind is not in the token, but a token
// opens only for the kind it was made for.
func (c *Codec) Encode(kind, payload string) string {
	b := c.mac(kind, []byte(payload))
	return encoding.EncodeToString(append(b, payload...))
}

// Decode returns the payload of a token Encode made for kind with this
// Codec's key; ok is false for anything else: a token that is not base64url
// written strictly, too short, altered, made for another kind or under
// another key.
func (c *Codec) Decode(kind, token string) (payload string, ok bool) {
	raw, err := encoding.DecodeString(token)
	if err != nil || len(raw) < macSize {
		return "", false
	}
	sum, body := raw[:macSize], raw[macSize:]
	if !hmac.Equal(sum, c.mac(kind, body)) {
		return "", false
	}
	return string(body), true
}
