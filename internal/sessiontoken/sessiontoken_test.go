package sessiontoken_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/sessiontoken"
)

func TestMintAndVerify(t *testing.T) {
	m := sessiontoken.New([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	akid, secret, token, err := m.Mint(sessiontoken.Claims{AccountID: "123456789012", RoleARN: "arn:aws:iam::123456789012:role/r",
		RoleID: "AROAEXAMPLE", SessionName: "s1", Expires: now.Add(time.Hour), SessionPolicy: `{"x":1}`})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(akid, "ASIA") || len(akid) != 20 || len(secret) != 40 || secret != m.Secret(akid) {
		t.Fatalf("credentials %s / %s", akid, secret)
	}
	c, err := m.Verify(token, now.Add(59*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKeyID != akid || c.RoleARN != "arn:aws:iam::123456789012:role/r" || c.SessionName != "s1" || c.SessionPolicy != `{"x":1}` {
		t.Fatalf("claims %+v", c)
	}
	if _, err := m.Verify(token, now.Add(time.Hour)); !errors.Is(err, sessiontoken.ErrExpired) {
		t.Fatalf("at expiry: %v", err)
	}
	// Another key, an altered claim, or garbage: invalid.
	if _, err := sessiontoken.New([]byte("another key of thirty-two bytes!")).Verify(token, now); !errors.Is(err, sessiontoken.ErrInvalid) {
		t.Fatalf("other key: %v", err)
	}
	body, sig, _ := strings.Cut(token, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(body)
	forged := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), "role/r", "role/admin", 1))) + "." + sig
	if _, err := m.Verify(forged, now); !errors.Is(err, sessiontoken.ErrInvalid) {
		t.Fatalf("forged claims: %v", err)
	}
	for _, bad := range []string{"", "x", "a.b", token + "x"} {
		if _, err := m.Verify(bad, now); !errors.Is(err, sessiontoken.ErrInvalid) {
			t.Errorf("Verify(%q) = %v", bad, err)
		}
	}
	if m.Secret(akid) == sessiontoken.New([]byte("another key of thirty-two bytes!")).Secret(akid) {
		t.Fatal("secrets do not depend on the key")
	}
}

// TestVerifyOneSpelling changes the last character of a genuine token to
// every other base64url character: with lenient decoding the variants that
// differ only in the unused low bits decoded to the same signature and
// were accepted. Only the token as minted may verify.
func TestVerifyOneSpelling(t *testing.T) {
	m := sessiontoken.New([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	_, _, token, err := m.Mint(sessiontoken.Claims{AccountID: "123456789012", RoleARN: "arn:aws:iam::123456789012:role/r",
		RoleID: "AROAEXAMPLE", SessionName: "s1", Expires: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	body, sig, _ := strings.Cut(token, ".")
	for _, part := range []struct{ name, body, sig string }{{"signature", body, sig}, {"claims", body, sig}} {
		accepted := 0
		for _, c := range alphabet {
			b, s := part.body, part.sig
			if part.name == "signature" {
				s = s[:len(s)-1] + string(c)
			} else {
				b = b[:len(b)-1] + string(c)
			}
			variant := b + "." + s
			if _, err := m.Verify(variant, now); err == nil {
				accepted++
				if variant != token {
					t.Errorf("%s variant %q accepted", part.name, variant)
				}
			} else if variant == token {
				t.Errorf("the genuine token was refused: %v", err)
			}
		}
		if accepted != 1 {
			t.Errorf("%s: %d spellings accepted, want 1", part.name, accepted)
		}
	}
}
