package config_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/rsdata/rsdata/internal/config"
)

// TestPeerAccounts reads peer accounts from the flag (repeatable) and the
// environment, and refuses malformed or repeated ones.
func TestPeerAccounts(t *testing.T) {
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	cfg, err := config.Load([]string{"--data-dir", t.TempDir(), "--peer-account", "210987654321", "--peer-account", "111122223333"}, env(nil))
	if err != nil || !slices.Equal(cfg.PeerAccounts, []string{"210987654321", "111122223333"}) {
		t.Fatalf("from flags: %v, %v", cfg.PeerAccounts, err)
	}
	cfg, err = config.Load([]string{"--data-dir", t.TempDir()}, env(map[string]string{"RSDATA_PEER_ACCOUNTS": "210987654321,111122223333"}))
	if err != nil || !slices.Equal(cfg.PeerAccounts, []string{"210987654321", "111122223333"}) {
		t.Fatalf("from the environment: %v, %v", cfg.PeerAccounts, err)
	}
	for _, bad := range [][]string{{"21098765432"}, {"123456789012"}, {"210987654321", "210987654321"}} {
		args := []string{"--data-dir", t.TempDir()}
		for _, p := range bad {
			args = append(args, "--peer-account", p)
		}
		if _, err := config.Load(args, env(nil)); err == nil || !strings.Contains(err.Error(), "peer account id") {
			t.Errorf("peer accounts %v: %v", bad, err)
		}
	}
}
