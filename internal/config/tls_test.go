package config_test

import (
	"strings"
	"testing"

	"github.com/rsdata/rsdata/internal/config"
)

// TestPGTLSSettings: the PostgreSQL endpoints' certificate and key are
// given together or not at all, from flags or the environment.
func TestPGTLSSettings(t *testing.T) {
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	cfg, err := config.Load([]string{"--data-dir", t.TempDir()}, env(map[string]string{
		"RSDATA_PG_TLS_CERT_FILE": "/c.pem", "RSDATA_PG_TLS_KEY_FILE": "/k.pem", "RSDATA_PG_REQUIRE_TLS": "true"}))
	if err != nil || cfg.PGTLSCertFile != "/c.pem" || cfg.PGTLSKeyFile != "/k.pem" || !cfg.PGRequireTLS {
		t.Fatalf("both from the environment: %q %q %v, %v", cfg.PGTLSCertFile, cfg.PGTLSKeyFile, cfg.PGRequireTLS, err)
	}
	if cfg, err := config.Load([]string{"--data-dir", t.TempDir()}, env(nil)); err != nil || cfg.PGTLSCertFile != "" || cfg.PGRequireTLS {
		t.Fatalf("the defaults: %q %v, %v; want a generated certificate and TLS optional", cfg.PGTLSCertFile, cfg.PGRequireTLS, err)
	}
	for _, args := range [][]string{{"--pg-tls-cert-file", "/c.pem"}, {"--pg-tls-key-file", "/k.pem"}} {
		_, err := config.Load(append([]string{"--data-dir", t.TempDir()}, args...), env(nil))
		if err == nil || !strings.Contains(err.Error(), "set both --pg-tls-cert-file and --pg-tls-key-file, or neither") {
			t.Errorf("%v alone: %v; want both or neither", args, err)
		}
	}
}
