package config_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rsdata/rsdata/internal/config"
)

// TestOpsOptions reads --log-format and --metrics-listen from the config
// file, the environment and flags (flags win), and refuses bad values.
func TestOpsOptions(t *testing.T) {
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	dir := t.TempDir()
	cfg, err := config.Load([]string{"--data-dir", dir}, env(nil), io.Discard)
	if err != nil || cfg.LogFormat != "text" || cfg.MetricsListen != "" {
		t.Fatalf("defaults: %q %q %v, want text and none", cfg.LogFormat, cfg.MetricsListen, err)
	}
	file := filepath.Join(dir, "rsdata.json")
	if err := os.WriteFile(file, []byte(`{"log_format": "json", "metrics_listen": "127.0.0.1:9100"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err = config.Load([]string{"--data-dir", dir, "--config", file}, env(nil), io.Discard)
	if err != nil || cfg.LogFormat != "json" || cfg.MetricsListen != "127.0.0.1:9100" {
		t.Fatalf("from the file: %q %q %v", cfg.LogFormat, cfg.MetricsListen, err)
	}
	vars := map[string]string{"RSDATA_LOG_FORMAT": "json", "RSDATA_METRICS_LISTEN": "127.0.0.1:9101"}
	cfg, err = config.Load([]string{"--data-dir", dir}, env(vars), io.Discard)
	if err != nil || cfg.LogFormat != "json" || cfg.MetricsListen != "127.0.0.1:9101" {
		t.Fatalf("from the environment: %q %q %v", cfg.LogFormat, cfg.MetricsListen, err)
	}
	cfg, err = config.Load([]string{"--data-dir", dir, "--log-format", "text", "--metrics-listen", ":9102"}, env(vars), io.Discard)
	if err != nil || cfg.LogFormat != "text" || cfg.MetricsListen != ":9102" {
		t.Fatalf("flags over the environment: %q %q %v", cfg.LogFormat, cfg.MetricsListen, err)
	}
	for _, args := range [][]string{{"--log-format", "xml"}, {"--metrics-listen", "9100"}} {
		_, err := config.Load(append([]string{"--data-dir", dir}, args...), env(nil), io.Discard)
		if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(args[0], "--")[:3]) {
			t.Errorf("%v: %v, want refused", args, err)
		}
	}
}
