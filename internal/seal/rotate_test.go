package seal_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/rsdata/rsdata/internal/seal"
)

// TestRotation follows the documented rotation: what the old key sealed
// opens under a sealer whose primary is the new key and that still accepts
// the old one; Reseal rewrites it under the new key, after which the old
// key is no longer needed (and no longer opens it).
func TestRotation(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{1}, seal.KeySize), bytes.Repeat([]byte{2}, seal.KeySize)
	before, err := seal.New(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := before.Seal([]byte("wJalrXUtnFEMI/K7MDENG"))
	if err != nil {
		t.Fatal(err)
	}
	onlyNew, err := seal.New(newKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := onlyNew.Open(sealed); !errors.Is(err, seal.ErrOpen) {
		t.Fatalf("the new key alone opened a value sealed under the old one: %v", err)
	}
	during, err := seal.NewRotating(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := during.Open(sealed); err != nil || string(got) != "wJalrXUtnFEMI/K7MDENG" {
		t.Fatalf("Open under new+old = %q, %v", got, err)
	}
	resealed, changed, err := during.Reseal(sealed)
	if err != nil || !changed || bytes.Equal(resealed, sealed) {
		t.Fatalf("Reseal of an old-key value: changed %v, err %v", changed, err)
	}
	if got, err := onlyNew.Open(resealed); err != nil || string(got) != "wJalrXUtnFEMI/K7MDENG" {
		t.Fatalf("the resealed value under the new key alone = %q, %v", got, err)
	}
	if _, changed, err := during.Reseal(resealed); err != nil || changed {
		t.Fatalf("Reseal of a value already under the primary: changed %v, err %v; want unchanged", changed, err)
	}
	// New values are sealed under the primary.
	fresh, err := during.Seal([]byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := onlyNew.Open(fresh); err != nil {
		t.Fatalf("a value sealed during the rotation does not open under the new key: %v", err)
	}
	if _, _, err := during.Reseal([]byte("garbage that is long enough to hold a nonce and tag")); !errors.Is(err, seal.ErrOpen) {
		t.Fatalf("Reseal of garbage: %v, want ErrOpen", err)
	}
}

func TestParseKeys(t *testing.T) {
	k1, k2 := bytes.Repeat([]byte{7}, seal.KeySize), bytes.Repeat([]byte{9}, seal.KeySize)
	for name, tc := range map[string]struct {
		in   string
		want [][]byte
	}{
		"raw key file":         {string(k1), [][]byte{k1}},
		"base64":               {base64.StdEncoding.EncodeToString(k1) + "\n", [][]byte{k1}},
		"hex and base64 lines": {"# primary first, then the old one\r\n" + hex.EncodeToString(k2) + "\n\n" + base64.RawURLEncoding.EncodeToString(k1) + "\n", [][]byte{k2, k1}},
		"comma-separated":      {base64.StdEncoding.EncodeToString(k2) + "," + base64.StdEncoding.EncodeToString(k1), [][]byte{k2, k1}},
	} {
		got, err := seal.ParseKeys([]byte(tc.in))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d keys, want %d", name, len(got), len(tc.want))
			continue
		}
		for i := range got {
			if !bytes.Equal(got[i], tc.want[i]) {
				t.Errorf("%s: key %d differs", name, i)
			}
		}
	}
	secretish := base64.StdEncoding.EncodeToString(k1[:20])
	for _, bad := range []string{"", "\n# only a comment\n", secretish, "zz" + hex.EncodeToString(k1)} {
		_, err := seal.ParseKeys([]byte(bad))
		if err == nil {
			t.Errorf("ParseKeys(%q) succeeded", bad)
			continue
		}
		if secretish != "" && strings.Contains(err.Error(), secretish) {
			t.Errorf("ParseKeys' error echoes the key text: %v", err)
		}
	}
}

func TestDerive(t *testing.T) {
	k := bytes.Repeat([]byte{3}, seal.KeySize)
	a, b := seal.Derive(k, "session"), seal.Derive(k, "internal")
	if len(a) != 32 || bytes.Equal(a, b) || bytes.Equal(a, k) {
		t.Fatalf("derived keys must be 32 bytes, distinct per purpose and from the key")
	}
	if !bytes.Equal(a, seal.Derive(bytes.Clone(k), "session")) {
		t.Fatalf("Derive is not deterministic: replicas would disagree")
	}
}
