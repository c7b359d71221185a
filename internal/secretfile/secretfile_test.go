package secretfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRoundTripAndMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	var missing map[string]string
	if err := Read(path, &missing); err != nil || missing != nil {
		t.Fatalf("missing file: %v %v", missing, err)
	}
	if err := Write(path, map[string]string{"password": "p"}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want 0600", st.Mode().Perm(), err)
	}
	var got map[string]string
	if err := Read(path, &got); err != nil || got["password"] != "p" {
		t.Fatalf("read back %v, %v", got, err)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Fatalf("temporary file left behind: %v", err)
	}
}
