package scram

import (
	"regexp"
	"testing"
)

// A verifier has PostgreSQL's stored form:
// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>, base64, with a
// fresh salt each time.
func TestVerifierForm(t *testing.T) {
	form := regexp.MustCompile(`^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$`)
	a, err := Verifier("secret")
	if err != nil || !form.MatchString(a) {
		t.Fatalf("Verifier = %q, %v", a, err)
	}
	if b, _ := Verifier("secret"); b == a {
		t.Fatal("two verifiers of one password share a salt")
	}
}
