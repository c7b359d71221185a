// Package sessiontoken mints and verifies the temporary credentials STS
// hands out (AssumeRole). They are stateless: the session token carries
// its claims (role, session name, expiry, session policy) with an HMAC
// over them, and the secret key is derived from the access key id with the
// same server key, so any rsdata holding the key can verify them and
// nothing needs to be stored. Changing the key invalidates every session.
package sessiontoken

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/rsdata/rsdata/internal/ids"
)

// Claims are what a session token asserts.
type Claims struct {
	AccessKeyID string    `json:"k"`
	AccountID   string    `json:"a"`
	RoleARN     string    `json:"r"`
	RoleID      string    `json:"i"`
	SessionName string    `json:"s"`
	Expires     time.Time `json:"e"`
	// SessionPolicy is the policy passed to AssumeRole, if any; it further
	// limits what the session may do.
	SessionPolicy string `json:"p,omitempty"`
}

// Errors Verify returns.
var (
	ErrInvalid = errors.New("the security token included in the request is invalid")
	ErrExpired = errors.New("the security token included in the request is expired")
)

// tokenEncoding is how tokens are written and read. Strict decoding refuses
// a final character whose unused low bits are set, so that each token has
// exactly one spelling: a lenient decoder accepts several last-character
// variants of a genuine token.
var tokenEncoding = base64.RawURLEncoding.Strict()

// Minter mints and verifies session credentials with one server key.
type Minter struct{ key []byte }

// New returns a Minter; key should be 32 random bytes kept secret.
func New(key []byte) *Minter { return &Minter{key: key} }

func (m *Minter) mac(parts ...string) []byte {
	h := hmac.New(sha256.New, m.key)
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// Secret derives the secret access key of a session access key id.
func (m *Minter) Secret(accessKeyID string) string {
	return base64.RawStdEncoding.EncodeToString(m.mac("secret", accessKeyID))[:40]
}

// Mint fills c.AccessKeyID with a new "ASIA" key id and returns the
// credentials: key id, secret and session token.
func (m *Minter) Mint(c Claims) (accessKeyID, secret, token string, err error) {
	c.AccessKeyID = "ASIA" + ids.Token(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
	payload, err := json.Marshal(c)
	if err != nil {
		return "", "", "", err
	}
	body := tokenEncoding.EncodeToString(payload)
	token = body + "." + tokenEncoding.EncodeToString(m.mac("token", body))
	return c.AccessKeyID, m.Secret(c.AccessKeyID), token, nil
}

// Verify checks a session token's signature and expiry at now and returns
// its claims. A token whose claims were altered is ErrInvalid; a genuine one
// past its expiry is ErrExpired.
func (m *Minter) Verify(token string, now time.Time) (*Claims, error) {
	body, sig, ok := strings.Cut(token, ".")
	if !ok {
		return nil, ErrInvalid
	}
	got, err := tokenEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, m.mac("token", body)) {
		return nil, ErrInvalid
	}
	payload, err := tokenEncoding.DecodeString(body)
	if err != nil {
		return nil, ErrInvalid
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil || !strings.HasPrefix(c.AccessKeyID, "ASIA") {
		return nil, ErrInvalid
	}
	if !now.Before(c.Expires) {
		return nil, ErrExpired
	}
	return &c, nil
}
