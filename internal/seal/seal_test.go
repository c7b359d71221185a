package seal_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rsdata/rsdata/internal/seal"
)

func newSealer(t *testing.T, b byte) *seal.Sealer {
	t.Helper()
	s, err := seal.New(bytes.Repeat([]byte{b}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := seal.New(make([]byte, n)); err == nil {
			t.Errorf("New(%d-byte key) succeeded", n)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	s := newSealer(t, 1)
	for _, pt := range [][]byte{nil, []byte("x"), []byte("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), bytes.Repeat([]byte{0}, 4096)} {
		sealed, err := s.Seal(pt)
		if err != nil {
			t.Fatal(err)
		}
		if len(pt) >= 8 && bytes.Contains(sealed, pt) {
			t.Errorf("sealed text contains the plaintext")
		}
		got, err := s.Open(sealed)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, pt) {
			t.Errorf("Open = %q, want %q", got, pt)
		}
	}
}

func TestFreshNonce(t *testing.T) {
	s := newSealer(t, 1)
	a, _ := s.Seal([]byte("same"))
	b, _ := s.Seal([]byte("same"))
	if bytes.Equal(a, b) {
		t.Error("two seals of one plaintext are identical")
	}
}

func TestOpenRejects(t *testing.T) {
	s := newSealer(t, 1)
	sealed, err := s.Seal([]byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		c := bytes.Clone(sealed)
		c[i] ^= 0x01
		return c
	}
	cases := []struct {
		name   string
		sealer *seal.Sealer
		in     []byte
	}{
		{"empty", s, nil},
		{"short", s, sealed[:10]},
		{"truncated tag", s, sealed[:len(sealed)-1]},
		{"nonce flipped", s, flip(0)},
		{"ciphertext flipped", s, flip(13)},
		{"tag flipped", s, flip(len(sealed) - 1)},
		{"appended", s, append(bytes.Clone(sealed), 0)},
		{"other key", newSealer(t, 2), sealed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.sealer.Open(c.in)
			if !errors.Is(err, seal.ErrOpen) {
				t.Errorf("Open = %q, %v; want ErrOpen", got, err)
			}
		})
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seal.key")
	k1, err := seal.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != seal.KeySize || bytes.Equal(k1, make([]byte, seal.KeySize)) {
		t.Fatalf("key = %x", k1)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	k2, err := seal.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1, k2) {
		t.Error("second load returned a different key")
	}
	// A secret sealed under the loaded key opens under the reloaded one.
	a, _ := seal.New(k1)
	b, _ := seal.New(k2)
	sealed, _ := a.Seal([]byte("kept"))
	if got, err := b.Open(sealed); err != nil || string(got) != "kept" {
		t.Errorf("Open with reloaded key = %q, %v", got, err)
	}

	bad := filepath.Join(t.TempDir(), "bad.key")
	if err := os.WriteFile(bad, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := seal.LoadOrCreateKey(bad); err == nil {
		t.Error("a key file of the wrong size was accepted")
	}
	if data, _ := os.ReadFile(bad); string(data) != "short" {
		t.Error("a key file of the wrong size was replaced")
	}
	if _, err := seal.LoadOrCreateKey(filepath.Join(t.TempDir(), "missing-dir", "k")); err == nil {
		t.Error("LoadOrCreateKey in a missing directory succeeded")
	}
}
