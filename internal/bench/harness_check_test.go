package bench

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// TestHarness runs every benchmark helper once on small inputs, so the
// benchmarks cannot rot between the runs that measure them.
func TestHarness(t *testing.T) {
	// Small pages make the paging loop follow NextTokens.
	env := apptest.Start(t, apptest.Options{Limits: results.Limits{
		PageBytes: 16 << 10, MaxRowBytes: 64 << 10, MaxResultBytes: 500 << 20,
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// The SDK's default client for one small round trip, the benchmarks'
	// client for the rest.
	polls, err := roundTripSelect1(ctx, env.Client, env)
	if err != nil {
		t.Fatalf("round trip: %v", err)
	}
	if polls < 1 {
		t.Errorf("round trip made %d DescribeStatement calls", polls)
	}

	var buf bytes.Buffer
	if _, err := rawRoundTripSelect1(ctx, newRawPager(env), env, &buf); err != nil {
		t.Fatalf("raw round trip: %v", err)
	}

	const n = 2000
	rows, _, _, err := runAndPage(ctx, env.NewClient(apptest.AccessKeyID, apptest.SecretAccessKey), env, scanSQL(n))
	if err != nil || rows != n {
		t.Fatalf("runAndPage: %v, %d rows, want %d", err, rows, n)
	}

	got, err := floorScan(ctx, floorPool(t, env), scanSQL(n))
	if err != nil || got != n {
		t.Fatalf("floorScan: %v, %d rows, want %d", err, got, n)
	}

	id, err := execute(ctx, env.Client, env, scanSQL(n))
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := waitFinished(ctx, env.Client, id, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// Every page's records plus its envelope.
	read, err := newRawPager(env).pageAll(ctx, id)
	if err != nil || read < d.ResultSize {
		t.Fatalf("raw pager: %v, read %d bytes of a %d-byte result", err, read, d.ResultSize)
	}

	eng, ts := newEngine(t, env)
	if err := engineSelect1(ctx, eng, env); err != nil {
		t.Fatalf("engine: %v", err)
	}
	if ts.calls.Load() == 0 {
		t.Error("the engine made no store calls")
	}
}
