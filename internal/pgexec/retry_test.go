package pgexec

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/statement"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// TestLostConnectionIsNotRetried kills a statement's backend while the
// statement runs. The statement reached the server, so it may have had
// effects (here: a row committed); running it again on a new
// connection would apply them twice. It must end with the connection
// error, and the table it writes to must show one call.
func TestLostConnectionIsNotRetried(t *testing.T) {
	ctx := context.Background()
	srv := privateServer(t, "retry")
	db := srv.NewDatabase(t)
	// The statement commits a row before it sleeps; the rows counted after
	// the crash are the times it ran.
	// The test server commits asynchronously, and crash recovery would
	// lose such commits: these two are synchronous.
	srv.Exec(t, db, "SET synchronous_commit = on; CREATE TABLE calls (n int)")
	x := newCallsExecutor(t, srv, db)

	// A fresh connection that has run nothing yet: the case the retry for
	// dead pooled connections applies to.
	conn, err := x.Acquire(ctx, statement.ConnRequest{Target: statement.Target{Kind: engines.Cluster, Name: "c"}, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release(true)
	pid := int(conn.PID())

	type result struct {
		res statement.RunResult
		err error
	}
	ended := make(chan result, 1)
	go func() {
		res, err := conn.Run(ctx, "set synchronous_commit = on; insert into calls values (1); commit; select pg_sleep(20)", nil, statement.FormatJSON, discard{})
		ended <- result{res, err}
	}()
	waitForSleep(t, srv, db, pid)
	killBackend(t, srv, db, pid)
	var r result
	select {
	case r = <-ended:
	case <-time.After(60 * time.Second):
		t.Fatal("the statement did not end after its backend was killed")
	}
	if r.err == nil {
		t.Fatal("the statement succeeded after its backend was killed: it was run again")
	}
	var dbErr *statement.DatabaseError
	if !errors.As(r.err, &dbErr) {
		t.Fatalf("error = %T %v, want a DatabaseError", r.err, r.err)
	}
	if n := countCalls(t, srv, db); n != 1 {
		t.Fatalf("the statement ran %d times, want 1", n)
	}
}

// waitForSleep waits until backend pid is inside pg_sleep: past whatever
// its query string does first (the query text alone names pg_sleep from
// the moment the query arrives).
func waitForSleep(t *testing.T, srv *pgtest.Server, db string, pid int) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, srv.ConnString("postgres", db))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := c.QueryRow(ctx, `select count(*) from pg_stat_activity where pid = $1 and state = 'active' and wait_event = 'PgSleep'`,
			pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("backend %d never reached pg_sleep", pid)
}

// countCalls reads the table the statement writes to, waiting for the
// server to accept connections again after its crash recovery.
func countCalls(t *testing.T, srv *pgtest.Server, db string) int {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := pgx.Connect(ctx, srv.ConnString("postgres", db))
		if err == nil {
			var n int
			err = c.QueryRow(ctx, "select count(*) from calls").Scan(&n)
			c.Close(ctx)
			if err == nil {
				return n
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come back: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// retryableSinkError is an error from a result sink that pgconn would call
// safe to retry, as an error of the control store's own connection pool
// can be.
type retryableSinkError struct{}

func (retryableSinkError) Error() string     { return "result store unavailable" }
func (retryableSinkError) SafeToRetry() bool { return true }

// failingSink refuses the first row.
type failingSink struct{ discard }

func (failingSink) AddRecord(context.Context, []byte) error { return retryableSinkError{} }

// TestSinkFailureIsNotRetried: a statement whose result could not be stored
// has already run; the error that stopped it must not make Run send it
// again, whatever the error says about its own connection.
func TestSinkFailureIsNotRetried(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	srv.Exec(t, db, "CREATE TABLE calls (n int)")
	x := newCallsExecutor(t, srv, db)
	ctx := context.Background()
	conn, err := x.Acquire(ctx, statement.ConnRequest{Target: statement.Target{Kind: engines.Cluster, Name: "c"}, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release(true)
	_, err = conn.Run(ctx, "insert into calls values (1) returning n", nil, statement.FormatJSON, failingSink{})
	if err == nil {
		t.Fatal("Run succeeded although the sink refused the row")
	}
	if n := countCalls(t, srv, db); n != 1 {
		t.Fatalf("the statement ran %d times, want 1", n)
	}
}

// killBackend kills backend pid with SIGKILL and returns once the server
// has begun its crash cycle (it ends every other backend, then recovers),
// so that no later connection of the test reaches the server before the
// cycle and is cut by it.
func killBackend(t *testing.T, srv *pgtest.Server, db string, pid int) {
	t.Helper()
	ctx := context.Background()
	witness, err := pgx.Connect(ctx, srv.ConnString("postgres", db))
	if err != nil {
		t.Fatal(err)
	}
	defer witness.Close(ctx)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; {
		if _, err := witness.Exec(ctx, "select 1"); err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not end its other backends after one was killed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newCallsExecutor is an Executor over srv whose master user (no
// superuser: rsdata never logs a user in as one) may write to calls.
func newCallsExecutor(t *testing.T, srv *pgtest.Server, db string) *Executor {
	t.Helper()
	master := db + "_master"
	srv.Exec(t, db, "SET synchronous_commit = on; CREATE ROLE "+master+" LOGIN; GRANT ALL ON calls TO "+master)
	t.Cleanup(func() { srv.Exec(t, db, "DROP OWNED BY "+master+"; DROP ROLE "+master) })
	reg := engines.NewRegistry()
	if err := reg.Add(&engines.Endpoint{Kind: engines.Cluster, Name: "c", Host: "127.0.0.1", Port: srv.Port(),
		SocketDir: srv.SocketDir(), AdminUser: "postgres", MasterUser: master, Database: db, Embedded: true}); err != nil {
		t.Fatal(err)
	}
	x := New(Options{}, reg)
	t.Cleanup(x.Close)
	return x
}

// TestDeadIdleConnectionIsReplaced: a connection whose server restarted
// while it sat idle fails when the statement is written, before any byte
// reaches a server; that statement is sent once, on a new connection.
func TestDeadIdleConnectionIsReplaced(t *testing.T) {
	ctx := context.Background()
	srv := privateServer(t, "idle")
	db := srv.NewDatabase(t)
	srv.Exec(t, db, "SET synchronous_commit = on; CREATE TABLE calls (n int)")
	x := newCallsExecutor(t, srv, db)
	conn, err := x.Acquire(ctx, statement.ConnRequest{Target: statement.Target{Kind: engines.Cluster, Name: "c"}, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release(true)
	dead := int(conn.PID())
	// Killing a backend makes PostgreSQL end every other one and start
	// afresh: the idle connection's socket is closed under it.
	killBackend(t, srv, db, dead)
	countCalls(t, srv, db) // waits until the server accepts connections again
	if _, err := conn.Run(ctx, "set synchronous_commit = on; insert into calls values (1)", nil, statement.FormatJSON, discard{}); err != nil {
		t.Fatalf("statement on a connection that died while idle: %v", err)
	}
	if pid := int(conn.PID()); pid == dead || pid == 0 {
		t.Fatalf("backend pid = %d, want a new one (the dead one was %d)", pid, dead)
	}
	if n := countCalls(t, srv, db); n != 1 {
		t.Fatalf("the statement ran %d times, want 1", n)
	}
}

// privateServer starts a PostgreSQL of the test's own: killing a backend
// makes PostgreSQL restart every other backend, which would disturb the
// package's other tests on the shared server.
func privateServer(t *testing.T, name string) *pgtest.Server {
	t.Helper()
	srv, err := pgtest.StartNew(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = srv.Stop(stopCtx)
		srv.Remove()
	})
	return srv
}
