package ids

import (
	"regexp"
	"strings"
	"testing"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestUUID(t *testing.T) {
	a, b := UUID(), UUID()
	if !uuidV4.MatchString(a) || a == b {
		t.Fatalf("UUID() = %q, %q", a, b)
	}
}

// TestTokenIsUnbiased draws from a 57-character alphabet, whose size does
// not divide 256. Reducing bytes modulo 57 makes the first 256%57 = 28
// characters 5/4 as likely as the others; drawn uniformly, both groups
// average the same count (within a few per cent over half a million draws).
func TestTokenIsUnbiased(t *testing.T) {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	if len(alphabet) != 57 {
		t.Fatalf("alphabet has %d characters", len(alphabet))
	}
	tok := Token(500_000, alphabet)
	if len(tok) != 500_000 {
		t.Fatalf("len = %d", len(tok))
	}
	counts := map[byte]int{}
	for i := 0; i < len(tok); i++ {
		if strings.IndexByte(alphabet, tok[i]) < 0 {
			t.Fatalf("character %q is not in the alphabet", tok[i])
		}
		counts[tok[i]]++
	}
	low, high := 0, 0
	for i := 0; i < len(alphabet); i++ {
		if i < 256%57 {
			low += counts[alphabet[i]]
		} else {
			high += counts[alphabet[i]]
		}
	}
	ratio := (float64(low) / 28) / (float64(high) / 29)
	if ratio < 0.97 || ratio > 1.03 {
		t.Fatalf("first 28 characters are drawn %.3f times as often as the rest, want 1", ratio)
	}
}
