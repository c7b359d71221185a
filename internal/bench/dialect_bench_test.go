package bench

import (
	"bytes"
	"context"
	"testing"

	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// BenchmarkRoundTripSelect1Dialect is BenchmarkRoundTripSelect1Raw with
// both engines' dialect layer on (redshift, the default) and off
// (postgres): the share of the Data API round trip that translation costs.
// Run with -count and compare the sub-benchmarks' medians within each run.
func BenchmarkRoundTripSelect1Dialect(b *testing.B) {
	for _, mode := range []dialect.Mode{dialect.Postgres, dialect.Redshift} {
		b.Run(string(mode), func(b *testing.B) {
			env := apptest.Start(b, apptest.Options{Dialect: mode})
			p := newRawPager(env)
			ctx := context.Background()
			var buf bytes.Buffer
			measureOps(b, 10, func() (int, error) { return rawRoundTripSelect1(ctx, p, env, &buf) })
		})
	}
}
