package config_test

import (
	"strings"
	"testing"

	"github.com/rsdata/rsdata/internal/config"
)

// TestOpsOptions: --log-format and --metrics-listen default to text and
// none, and bad values are refused. (Where each may be set, and which
// source wins, is TestEveryFlagFromEveryPlace's.)
func TestOpsOptions(t *testing.T) {
	noEnv := func(string) string { return "" }
	dir := t.TempDir()
	cfg, err := config.Load([]string{"--data-dir", dir}, noEnv)
	if err != nil || cfg.LogFormat != "text" || cfg.MetricsListen != "" {
		t.Fatalf("defaults: %q %q %v, want text and none", cfg.LogFormat, cfg.MetricsListen, err)
	}
	for _, args := range [][]string{{"--log-format", "xml"}, {"--metrics-listen", "9100"}} {
		_, err := config.Load(append([]string{"--data-dir", dir}, args...), noEnv)
		if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(args[0], "--")[:3]) {
			t.Errorf("%v: %v, want refused", args, err)
		}
	}
}
