// Package seal encrypts small secrets at rest (access key secrets) with
// AES-256-GCM under one key held outside the database, so a copy of the
// control database alone does not reveal them.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// KeySize is the length of a sealing key: AES-256.
const KeySize = 32

// ErrOpen is returned by Open for sealed text that is truncated, was
// tampered with, or was sealed under another key. GCM cannot tell these
// apart, and callers should not try to.
var ErrOpen = errors.New("seal: message authentication failed")

// Sealer seals with one key (the primary) and opens with it or with any
// of the older keys it was given, so a sealing key can be rotated without
// making what was sealed before unreadable. It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
	// old are the keys still accepted by Open, tried after the primary.
	old []cipher.AEAD
}

// New returns a Sealer for a 32-byte key.
func New(key []byte) (*Sealer, error) {
	return NewRotating(key)
}

// NewRotating returns a Sealer that seals under primary and opens what
// primary or any of old sealed.
func NewRotating(primary []byte, old ...[]byte) (*Sealer, error) {
	aead, err := newAEAD(primary)
	if err != nil {
		return nil, err
	}
	s := &Sealer{aead: aead}
	for _, k := range old {
		o, err := newAEAD(k)
		if err != nil {
			return nil, err
		}
		s.old = append(s.old, o)
	}
	return s, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("seal: key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Seal encrypts plaintext under a fresh random nonce and returns the nonce
// followed by the ciphertext and its tag. Sealing the same plaintext twice
// gives different output.
func (s *Sealer) Seal(plaintext []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	out := make([]byte, n, n+len(plaintext)+s.aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	return s.aead.Seal(out, out, plaintext, nil), nil
}

// Open authenticates and decrypts what Seal returned, under the primary
// key or an older one; any other input is ErrOpen.
func (s *Sealer) Open(sealed []byte) ([]byte, error) {
	pt, _, err := s.open(sealed)
	return pt, err
}

// Reseal returns sealed as the primary key seals it: changed is false
// when it already was (nothing to write back), and err is ErrOpen when no
// key opens it. Rotating a key ends with every stored value resealed.
func (s *Sealer) Reseal(sealed []byte) (out []byte, changed bool, err error) {
	pt, primary, err := s.open(sealed)
	if err != nil || primary {
		return sealed, false, err
	}
	out, err = s.Seal(pt)
	return out, err == nil, err
}

// open tries the primary key, then the older ones; primary reports which.
func (s *Sealer) open(sealed []byte) (pt []byte, primary bool, err error) {
	for i, aead := range append([]cipher.AEAD{s.aead}, s.old...) {
		n := aead.NonceSize()
		if len(sealed) < n+aead.Overhead() {
			return nil, false, ErrOpen
		}
		if pt, err := aead.Open(nil, sealed[:n], sealed[n:], nil); err == nil {
			return pt, i == 0, nil
		}
	}
	return nil, false, ErrOpen
}

// ParseKeys reads sealing keys as an operator writes them: either the 32
// raw bytes of a generated key file (seal.key), or text holding one key per
// line (or comma-separated), each 32 bytes in base64 or hex. The first key
// is the primary; the others are older keys still accepted for opening.
// Blank lines and lines starting with # are ignored.
func ParseKeys(b []byte) ([][]byte, error) {
	if len(b) == KeySize && !isText(b) {
		return [][]byte{b}, nil
	}
	var keys [][]byte
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, field := range strings.Split(line, ",") {
			if field = strings.TrimSpace(field); field == "" {
				continue
			}
			k, err := decodeKey(field)
			if err != nil {
				return nil, fmt.Errorf("seal: key %d: %w", len(keys)+1, err)
			}
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("seal: no key given")
	}
	return keys, nil
}

// decodeKey reads one 32-byte key in hex or base64 (standard or URL,
// padded or not); nothing of the text is echoed in the error.
func decodeKey(s string) ([]byte, error) {
	if k, err := hex.DecodeString(s); err == nil && len(k) == KeySize {
		return k, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, fmt.Errorf("not %d bytes in base64 or hex (make one with: head -c 32 /dev/urandom | base64)", KeySize)
}

// isText reports whether b looks like a printable key text rather than raw
// key bytes.
func isText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c > 0x7e {
			return false
		}
	}
	return true
}

// Derive returns a key for purpose derived from key (HMAC-SHA-256), so
// replicas sharing one sealing key agree on every key derived from it
// (session tokens, internal calls) without sharing more files.
func Derive(key []byte, purpose string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("rsdata derived key: " + purpose))
	return h.Sum(nil)
}

// LoadOrCreateKey reads the key stored at path, or creates the file with a
// new random key (mode 0600) when it does not exist. A file of the wrong
// size is an error rather than replaced: replacing it would make every
// sealed secret unreadable.
func LoadOrCreateKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) != KeySize {
			return nil, fmt.Errorf("seal: key file %s holds %d bytes, want %d", path, len(key), KeySize)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("seal: read key: %w", err)
	}
	key = make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("seal: generate key: %w", err)
	}
	// O_EXCL: if another process created the file meanwhile, use its key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadOrCreateKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("seal: create key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("seal: write key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("seal: write key: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("seal: write key: %w", err)
	}
	return key, nil
}
