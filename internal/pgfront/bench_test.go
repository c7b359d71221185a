package pgfront_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/pgfront"
)

// BenchmarkSelect1 is the `select 1` round trip of one pgx connection over
// loopback TCP, straight to PostgreSQL (direct: the floor) and through the
// front with the Redshift dialect (front), in pgx's default extended
// protocol (a cached prepared statement: Bind, Execute, Sync) and in the
// simple protocol (one Query message, translated on every call), and
// through the front over TLS (front-tls: sslmode=require; the link behind
// the front stays plain). Compare p50-ns/op of front and front-tls with
// direct's within one run.
func BenchmarkSelect1(b *testing.B) {
	_, cfg := generatedCert(b)
	e := start(b, pgfront.Options{TLS: cfg})
	for _, mode := range []struct {
		name string
		exec pgx.QueryExecMode
	}{{"extended", pgx.QueryExecModeCacheStatement}, {"simple", pgx.QueryExecModeSimpleProtocol}} {
		for _, via := range []struct {
			name, sslmode string
			port          int
		}{{"direct", "disable", e.pg.Port()}, {"front", "disable", e.port}, {"front-tls", "require", e.port}} {
			b.Run(mode.name+"/"+via.name, func(b *testing.B) {
				cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=%s", user, password,
					net.JoinHostPort("127.0.0.1", strconv.Itoa(via.port)), e.db, via.sslmode))
				if err != nil {
					b.Fatal(err)
				}
				cfg.DefaultQueryExecMode = mode.exec
				ctx := context.Background()
				c, err := pgx.ConnectConfig(ctx, cfg)
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close(ctx)
				if _, isTLS := c.PgConn().Conn().(*tls.Conn); isTLS != (via.sslmode == "require") {
					b.Fatalf("%s: TLS %v", via.name, isTLS)
				}
				one := func() {
					var v int
					if err := c.QueryRow(ctx, "select 1").Scan(&v); err != nil || v != 1 {
						b.Fatalf("select 1: %d, %v", v, err)
					}
				}
				for range 20 {
					one()
				}
				var durs []time.Duration
				for b.Loop() {
					t0 := time.Now()
					one()
					durs = append(durs, time.Since(t0))
				}
				slices.Sort(durs)
				at := func(q float64) time.Duration { return durs[max(0, int(math.Ceil(q*float64(len(durs))))-1)] }
				b.ReportMetric(float64(at(0.50).Nanoseconds()), "p50-ns/op")
				b.ReportMetric(float64(at(0.90).Nanoseconds()), "p90-ns/op")
			})
		}
	}
}
