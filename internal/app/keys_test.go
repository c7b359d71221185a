package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/app"
	"github.com/rsdata/rsdata/internal/config"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// TestBadSealingKeyIsRefused: a sealing key that is not 32 bytes in base64
// or hex stops the start with a message that names the setting and does
// not echo the key's text.
func TestBadSealingKeyIsRefused(t *testing.T) {
	pg := pgtest.Start(t)
	cfg := config.Default(func(string) string { return "" })
	cfg.Embedded, cfg.DataDir = false, t.TempDir()
	cfg.StoreDSN = pg.ConnString("postgres", pg.NewDatabase(t))
	cfg.RootAccessKeyID, cfg.RootSecretAccessKey = "AKIATESTROOT00000001", "test-root-secret"
	const secretish = "c2VjcmV0LWJ1dC10b28tc2hvcnQ="
	cfg.SealKey = secretish
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := app.New(ctx, app.Options{Config: cfg})
	if err == nil {
		a.Shutdown(ctx)
		t.Fatal("New with a 20-byte sealing key succeeded")
	}
	if !strings.Contains(err.Error(), "RSDATA_SEAL_KEY") || !strings.Contains(err.Error(), "not 32 bytes") || strings.Contains(err.Error(), secretish) {
		t.Errorf("New with a bad RSDATA_SEAL_KEY: %v; want the setting named, the key not echoed", err)
	}
}
