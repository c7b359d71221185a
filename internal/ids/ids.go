// Package ids mints the random identifiers rsdata hands out: statement and
// request ids (lowercase UUIDv4, as AWS uses) and secrets.
package ids

import (
	"crypto/rand"

	"github.com/google/uuid"
)

// UUID returns a random lowercase RFC 4122 version 4 UUID.
func UUID() string { return uuid.NewString() }

// Token returns n characters drawn uniformly from alphabet with
// crypto/rand. Bytes that would favour the alphabet's first characters
// (those at or above the largest multiple of its size below 256) are
// drawn again, so every character is equally likely whatever the
// alphabet's size. For the 32-character base32 alphabet, crypto/rand.Text
// does the same.
func Token(n int, alphabet string) string {
	size := len(alphabet)
	if size == 0 || size > 256 {
		panic("ids: alphabet must have 1 to 256 characters")
	}
	limit := 256 - 256%size
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4+8)
	for len(out) < n {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails on supported platforms
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%size])
			}
		}
	}
	return string(out)
}
