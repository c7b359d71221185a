// Package seal encrypts small secrets at rest (access key secrets) with
// AES-256-GCM under one key held outside the database, so a copy of the
// control database alone does not reveal them.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// KeySize is the length of a sealing key: AES-256.
const KeySize = 32

// ErrOpen is returned by Open for sealed text that is truncated, was
// tampered with, or was sealed under another key. GCM cannot tell these
// apart, and callers should not try to.
var ErrOpen = errors.New("seal: message authentication failed")

// Sealer seals and opens secrets with one key. It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// New returns a Sealer for a 32-byte key.
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("seal: key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
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

// Open authenticates and decrypts what Seal returned; any other input is
// ErrOpen.
func (s *Sealer) Open(sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, ErrOpen
	}
	pt, err := s.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
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
