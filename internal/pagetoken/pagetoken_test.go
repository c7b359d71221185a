package pagetoken_test

import (
	"encoding/base64"
	"testing"

	"github.com/rsdata/rsdata/internal/pagetoken"
)

func TestRoundTripAndRefusals(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	c := pagetoken.New(secret)
	tok := c.Encode("svc/List", "o1:100")
	if got, ok := c.Decode("svc/List", tok); !ok || got != "o1:100" {
		t.Fatalf("Decode = %q, %v", got, ok)
	}
	// The same secret (a restart) reads it; another key, another kind does not.
	if got, ok := pagetoken.New(secret).Decode("svc/List", tok); !ok || got != "o1:100" {
		t.Fatalf("after a restart: %q, %v", got, ok)
	}
	for name, ok := range map[string]bool{
		"other key":  second(pagetoken.New([]byte("another secret")).Decode("svc/List", tok)),
		"random key": second(pagetoken.Random().Decode("svc/List", tok)),
		"other kind": second(c.Decode("svc/Other", tok)),
	} {
		if ok {
			t.Errorf("%s: accepted", name)
		}
	}
	// Forged plain payloads, as rsdata used to issue them, are refused.
	forged := []string{"", "x", base64.RawURLEncoding.EncodeToString([]byte("o1:5")), base64.RawURLEncoding.EncodeToString([]byte("o1:-1")),
		tok[:len(tok)-1], tok + "A", tok[1:], "\x00"}
	for _, f := range forged {
		if _, ok := c.Decode("svc/List", f); ok {
			t.Errorf("forged %q accepted", f)
		}
	}
	// Every single-bit flip of the decoded token is refused.
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	for i := range len(raw) * 8 {
		b := append([]byte(nil), raw...)
		b[i/8] ^= 1 << (i % 8)
		if _, ok := c.Decode("svc/List", base64.RawURLEncoding.EncodeToString(b)); ok {
			t.Errorf("bit %d flipped: accepted", i)
		}
	}
	// Every other last character is refused: one spelling per token.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for _, ch := range alphabet {
		v := tok[:len(tok)-1] + string(ch)
		if _, ok := c.Decode("svc/List", v); ok != (v == tok) {
			t.Errorf("last-character variant %q: ok = %v", v, ok)
		}
	}
}

func second(_ string, ok bool) bool { return ok }
