package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/config"
)

// TestReplicaSettings: the sealing key comes from the environment or a
// file, not both and never a flag; the lease has a floor; the replica
// address is a host:port.
func TestReplicaSettings(t *testing.T) {
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	cfg, err := config.Load([]string{"--data-dir", t.TempDir()}, env(map[string]string{"RSDATA_SEAL_KEY": "k1,k2"}))
	if err != nil || cfg.SealKey != "k1,k2" || time.Duration(cfg.ReplicaLease) != 30*time.Second {
		t.Fatalf("RSDATA_SEAL_KEY and the default lease: %q %v, %v", cfg.SealKey, cfg.ReplicaLease, err)
	}
	if _, err := config.Load([]string{"--data-dir", t.TempDir(), "--seal-key", "k"}, env(nil)); err == nil {
		t.Error("--seal-key was accepted as a flag: a key would show in the process list")
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--seal-key-file", "/k"}, map[string]string{"RSDATA_SEAL_KEY": "k"}, "not both"},
		{[]string{"--replica-lease", "500ms"}, nil, "replica lease must be at least 1s"},
		{[]string{"--replica-address", "no-port"}, nil, "replica address"},
	} {
		_, err := config.Load(append([]string{"--data-dir", t.TempDir()}, tc.args...), env(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: %v; want %q", tc.args, tc.env, err, tc.want)
		}
	}
}
