package bench

import (
	"context"
	"testing"

	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// BenchmarkRoundTripSelect1DialectOff is BenchmarkRoundTripSelect1 on
// engines whose dialect is postgres: no translation, no installed schema,
// no query history. The two side by side are the cost of the Redshift
// layer on the `select 1` round trip.
func BenchmarkRoundTripSelect1DialectOff(b *testing.B) {
	env := apptest.Start(b, apptest.Options{Dialect: dialect.Postgres})
	c := sdkClient(env)
	ctx := context.Background()
	measureOps(b, 10, func() (int, error) { return roundTripSelect1(ctx, c, env) })
}
