// Package ids mints the random identifiers rsdata hands out: statement and
// request ids (lowercase UUIDv4, as AWS uses) and secrets.
package ids

import (
	"crypto/rand"
	"encoding/hex"
)

// UUID returns a random lowercase RFC 4122 version 4 UUID.
func UUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return Format(b)
}

// Format writes 16 bytes in the UUID text form (8-4-4-4-12 lowercase hex).
func Format(b [16]byte) string {
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// Token returns n random bytes as a string drawn from the given alphabet.
func Token(n int, alphabet string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		// The bias from the modulo is irrelevant for alphabets whose size
		// divides 256 and negligible for the short alphabets used here.
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
