package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/pgexec"
	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/statement"
	"github.com/rsdata/rsdata/internal/store"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// timedStore counts the calls an engine makes to its store and the time
// they take; on the `select 1` path every one of them is on the critical
// path of the statement.
type timedStore struct {
	*store.Statements
	calls atomic.Int64
	nanos atomic.Int64
}

func (s *timedStore) time(start time.Time) {
	s.calls.Add(1)
	s.nanos.Add(int64(time.Since(start)))
}

func (s *timedStore) Create(ctx context.Context, st *statement.Statement, token string, since time.Time) (string, error) {
	defer s.time(time.Now())
	return s.Statements.Create(ctx, st, token, since)
}

func (s *timedStore) Update(ctx context.Context, st *statement.Statement, last *results.LastPage) error {
	defer s.time(time.Now())
	return s.Statements.Update(ctx, st, last)
}

func (s *timedStore) Get(ctx context.Context, id string) (*statement.Statement, error) {
	defer s.time(time.Now())
	return s.Statements.Get(ctx, id)
}

func (s *timedStore) PutPage(ctx context.Context, id string, n int, data []byte) error {
	defer s.time(time.Now())
	return s.Statements.PutPage(ctx, id, n, data)
}

func (s *timedStore) Page(ctx context.Context, id string, n int) ([]byte, error) {
	defer s.time(time.Now())
	return s.Statements.Page(ctx, id, n)
}

// BenchmarkEngineSelect1 is BenchmarkRoundTripSelect1 without HTTP, SigV4
// and the SDK: the statement engine, its PostgreSQL store and executor wired
// as the App wires them, `select 1` submitted, polled with Get every 50µs
// until FINISHED, and its result read. It attributes the round trip's cost
// between the engine (with the store calls it waits for, reported as
// store-calls/op and store-ns/op) and the API layers above it.
func BenchmarkEngineSelect1(b *testing.B) {
	env := apptest.Start(b, apptest.Options{})
	eng, ts := newEngine(b, env)
	ctx := context.Background()
	one := func() error { return engineSelect1(ctx, eng, env) }
	for range 10 {
		if err := one(); err != nil {
			b.Fatal(err)
		}
	}
	ts.calls.Store(0)
	ts.nanos.Store(0)
	ops := measureOps(b, 0, func() (int, error) { return 0, one() })
	b.ReportMetric(float64(ts.calls.Load())/float64(ops), "store-calls/op")
	b.ReportMetric(float64(ts.nanos.Load())/float64(ops), "store-ns/op")
}

// engineOwner owns the statements the engine benchmarks run.
var engineOwner = statement.Owner{Principal: "arn:aws:iam::123456789012:root"}

// newEngine wires a statement engine as the App does, over a fresh store
// database (timed) and an executor reaching env's target database.
func newEngine(tb testing.TB, env *apptest.Env) (*statement.Engine, *timedStore) {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, env.PG.ConnString("postgres", env.PG.NewDatabase(tb)), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(st.Close)
	reg := engines.NewRegistry()
	if err := reg.Add(&engines.Endpoint{Kind: engines.Cluster, Name: "local", Host: "127.0.0.1",
		Port: env.PG.Port(), SocketDir: env.PG.SocketDir(), AdminUser: "postgres", MasterUser: "awsuser",
		Database: env.Database, Embedded: true}); err != nil {
		tb.Fatal(err)
	}
	x := pgexec.New(pgexec.Options{}, reg)
	tb.Cleanup(x.Close)
	ts := &timedStore{Statements: st.Statements()}
	eng := statement.New(statement.Options{Limits: results.DefaultLimits}, ts, ts, x)
	tb.Cleanup(func() { _ = eng.Close(context.Background()) })
	return eng, ts
}

// engineSelect1 submits `select 1`, polls Get every 50µs until FINISHED (a
// short pause keeps the poller from taking a CPU the worker and PostgreSQL
// need; it adds at most ~0.1 ms) and reads the result.
func engineSelect1(ctx context.Context, eng *statement.Engine, env *apptest.Env) error {
	s, err := eng.Execute(ctx, statement.ExecuteRequest{Owner: engineOwner,
		Target:   statement.Target{Kind: engines.Cluster, Name: "local"},
		Database: env.Database, DbUser: "awsuser", SQLs: []string{"select 1"}})
	if err != nil {
		return err
	}
	for {
		g, err := eng.Get(ctx, s.ID, engineOwner)
		if err != nil {
			return err
		}
		if g.Status == statement.Finished {
			break
		}
		if g.Status.Terminal() {
			return fmt.Errorf("select 1 ended %s: %s", g.Status, g.Error)
		}
		time.Sleep(50 * time.Microsecond)
	}
	p, err := eng.Result(ctx, s.ID, engineOwner, statement.FormatJSON, "")
	if err != nil {
		return err
	}
	if string(p.Records) != `[{"longValue":1}]` {
		return fmt.Errorf("select 1 returned %s", p.Records)
	}
	return nil
}
