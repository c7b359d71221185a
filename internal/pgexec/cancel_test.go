package pgexec

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/statement"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// discard is a RowSink that keeps nothing.
type discard struct{}

func (discard) Reset(context.Context) error             { return nil }
func (discard) SetColumns([]results.Column) error       { return nil }
func (discard) AddRecord(context.Context, []byte) error { return nil }

// TestCancelReachesAnUnreadQuery cancels a statement whose backend has not
// yet read it: the backend is stopped (SIGSTOP) while the query and the
// first cancel request arrive, so PostgreSQL, reading its next command
// when it resumes, ignores the cancel and starts the query. The statement
// must still end promptly, cancelled, with its connection alive, because
// the cancel request is repeated; a single request leaves it running until
// the connection's deadline closes the connection ten seconds later.
func TestCancelReachesAnUnreadQuery(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	// The master user is no superuser: rsdata never logs a user in as one.
	master := db + "_master"
	srv.Exec(t, db, "CREATE ROLE "+master+" LOGIN")
	t.Cleanup(func() { srv.Exec(t, "postgres", "DROP ROLE IF EXISTS "+master) })
	reg := engines.NewRegistry()
	if err := reg.Add(&engines.Endpoint{Kind: engines.Cluster, Name: "c", Host: "127.0.0.1", Port: srv.Port(),
		SocketDir: srv.SocketDir(), AdminUser: "postgres", MasterUser: master, Database: db, Embedded: true}); err != nil {
		t.Fatal(err)
	}
	x := New(Options{}, reg)
	t.Cleanup(x.Close)
	ctx := context.Background()
	conn, err := x.Acquire(ctx, statement.ConnRequest{Target: statement.Target{Kind: engines.Cluster, Name: "c"}, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release(true)
	if _, err := conn.Run(ctx, "select 1", nil, statement.FormatJSON, discard{}); err != nil {
		t.Fatal(err)
	}
	pid := int(conn.PID())

	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
				t.Error(err)
			}
		}
	}
	defer resume()

	runCtx, cancel := context.WithCancel(ctx)
	type result struct {
		err error
		at  time.Time
	}
	ended := make(chan result, 1)
	go func() {
		_, err := conn.Run(runCtx, "select pg_sleep(30)", nil, statement.FormatJSON, discard{})
		ended <- result{err, time.Now()}
	}()
	time.Sleep(100 * time.Millisecond) // the query sits unread in the stopped backend's socket
	cancel()
	time.Sleep(50 * time.Millisecond) // the first cancel request is delivered, pending
	resume()
	start := time.Now()

	var r result
	select {
	case r = <-ended:
	case <-time.After(20 * time.Second):
		t.Fatal("the cancelled statement did not end")
	}
	if took := r.at.Sub(start); took > 3*time.Second {
		t.Errorf("the cancelled statement ended %v after its backend resumed; the cancel was lost", took)
	}
	var dbErr *statement.DatabaseError
	if !errors.As(r.err, &dbErr) || dbErr.Message != "ERROR: canceling statement due to user request" {
		t.Errorf("cancelled statement ended with %v, want PostgreSQL's cancel error", r.err)
	}
	if !conn.Alive() || conn.InTransaction() {
		t.Fatalf("connection after the cancel: alive %v, in a transaction %v", conn.Alive(), conn.InTransaction())
	}
	if _, err := conn.Run(ctx, "select 1", nil, statement.FormatJSON, discard{}); err != nil {
		t.Fatalf("the connection is not usable after the cancel: %v", err)
	}
}
