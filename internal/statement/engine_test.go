package statement

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rsdata/rsdata/internal/engines"
)

var (
	alice = Owner{Principal: "arn:aws:iam::123456789012:user/alice", UserID: "AIDAALICE"}
	bob   = Owner{Principal: "arn:aws:iam::123456789012:user/bob"}
	local = Target{Kind: engines.Cluster, Name: "local"}
)

// start returns an engine over an in-memory store and a fake executor,
// closed when the test ends. Inside a synctest bubble its clock and
// timers are the bubble's.
func start(t *testing.T, opts Options) (*Engine, *memStore, *fakeExec) {
	t.Helper()
	st, x := newMemStore(), &fakeExec{}
	e := New(opts, st, st, x)
	t.Cleanup(func() {
		if err := e.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e, st, x
}

func req(sqls ...string) ExecuteRequest {
	return ExecuteRequest{Owner: alice, Target: local, Database: "dev", DbUser: "awsuser", SQLs: sqls}
}

func execute(t *testing.T, e *Engine, r ExecuteRequest) *Statement {
	t.Helper()
	st, err := e.Execute(context.Background(), r)
	if err != nil {
		t.Fatalf("Execute(%q): %v", r.SQLs, err)
	}
	return st
}

func get(t *testing.T, e *Engine, id string) *Statement {
	t.Helper()
	st, err := e.Get(context.Background(), id, alice)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return st
}

func wantStatus(t *testing.T, e *Engine, id string, want Status, wantErr string) *Statement {
	t.Helper()
	st := get(t, e, id)
	if st.Status != want || st.Error != wantErr {
		t.Fatalf("statement %s is %s %q, want %s %q", id, st.Status, st.Error, want, wantErr)
	}
	return st
}

func dur(d time.Duration) *time.Duration { return &d }

func TestSelect1Finishes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, store, x := start(t, Options{})
		st := execute(t, e, req("select 1"))
		if st.Status != Submitted || st.ResultRows != -1 || st.Duration() != -1 {
			t.Fatalf("as submitted: %s rows %d duration %d", st.Status, st.ResultRows, st.Duration())
		}
		synctest.Wait()
		got := wantStatus(t, e, st.ID, Finished, "")
		if !got.HasResultSet || got.ResultRows != 1 || got.Pages != 1 || got.RedshiftPid == 0 || got.Duration() < 0 {
			t.Fatalf("finished: %+v", got)
		}
		// A short statement costs two store writes: its submission and its
		// end; PICKED and STARTED are never written.
		if s := store.statuses(st.ID); !slices.Equal(s, []Status{Finished}) {
			t.Fatalf("store writes %v, want [FINISHED]", s)
		}
		p, err := e.Result(context.Background(), st.ID, alice, FormatJSON, "")
		if err != nil || string(p.Records) != `[{"longValue":1}]` || p.NextToken != "" {
			t.Fatalf("Result: %v %q %q", err, p.Records, p.NextToken)
		}
		if _, err := e.Result(context.Background(), st.ID, alice, FormatCSV, ""); !errors.Is(err, ErrWrongFormat) {
			t.Fatalf("CSV result of a JSON statement: %v", err)
		}
		if !slices.Equal(x.released, []bool{true}) {
			t.Fatalf("connection releases %v, want one reset", x.released)
		}
		if _, err := e.Get(context.Background(), st.ID, bob); !errors.Is(err, ErrNotFound) {
			t.Fatalf("another principal's Get: %v", err)
		}
		if _, err := e.Get(context.Background(), st.ID, Owner{Principal: alice.Principal, UserID: "other"}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("another role session's Get: %v", err)
		}
	})
}

func TestStatesAndTheDeferredStartedWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, store, x := start(t, Options{})
		x.acquireFor = time.Second
		st := execute(t, e, req("sleep 10s"))
		synctest.Wait()
		wantStatus(t, e, st.ID, Picked, "")
		time.Sleep(time.Second)
		synctest.Wait()
		got := wantStatus(t, e, st.ID, Started, "")
		if got.RedshiftPid == 0 || got.StartedAt.IsZero() {
			t.Fatalf("STARTED without pid or start: %+v", got)
		}
		if s := store.statuses(st.ID); len(s) != 0 {
			t.Fatalf("written before %v: %v", startedWriteDelay, s)
		}
		time.Sleep(startedWriteDelay - time.Nanosecond)
		synctest.Wait()
		if s := store.statuses(st.ID); len(s) != 0 {
			t.Fatalf("written before %v: %v", startedWriteDelay, s)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if s := store.statuses(st.ID); !slices.Equal(s, []Status{Started}) {
			t.Fatalf("store writes after %v: %v, want [STARTED]", startedWriteDelay, s)
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		got = wantStatus(t, e, st.ID, Finished, "")
		if got.HasResultSet || got.ResultRows != 0 || got.Duration() != (10*time.Second).Nanoseconds() {
			t.Fatalf("finished: rows %d duration %d", got.ResultRows, got.Duration())
		}
		if s := store.statuses(st.ID); !slices.Equal(s, []Status{Started, Finished}) {
			t.Fatalf("store writes %v", s)
		}
	})
}

func TestFailures(t *testing.T) {
	for _, tc := range []struct {
		name, sql string
		opts      Options
		acqErr    error
		status    Status
		message   string
	}{
		{"database error", "fail", Options{}, nil, Failed, "ERROR: boom"},
		{"run time", "sleep 2h", Options{MaxRunTime: time.Hour}, nil, Failed,
			"ERROR: Query exceeded the maximum run time of 1h0m0s and was cancelled"},
		{"login", "select 1", Options{}, &ConnectionError{Message: "no such role"}, Failed, "ERROR: no such role"},
		{"panic", "panic", Options{}, nil, Failed, "ERROR: internal error while running the statement"},
		{"result too large", "rows 9", Options{Limits: limits(64, 1024, 40)}, nil, Failed,
			"ERROR: Query result exceeds the maximum result size of 40 bytes; use UNLOAD or a narrower query"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e, _, x := start(t, tc.opts)
				x.failAcq = tc.acqErr
				st := execute(t, e, req(tc.sql))
				time.Sleep(3 * time.Hour)
				synctest.Wait()
				got := wantStatus(t, e, st.ID, tc.status, tc.message)
				if got.EndedAt.IsZero() || got.StartedAt.IsZero() {
					t.Fatalf("ended without times: %+v", got)
				}
				if _, err := e.Result(context.Background(), st.ID, alice, FormatJSON, ""); !errors.Is(err, ErrNoResult) {
					t.Fatalf("Result of a failed statement: %v", err)
				}
			})
		})
	}
}

func TestCancelAtEachStage(t *testing.T) {
	const cancelled = "ERROR: Query cancelled on user's request"
	synctest.Test(t, func(t *testing.T) {
		e, _, x := start(t, Options{})
		ctx := context.Background()

		// SUBMITTED: the worker has not run yet.
		st := execute(t, e, req("sleep 1h"))
		if err := e.Cancel(ctx, st.ID, alice); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, e, st.ID, Aborted, cancelled)

		// PICKED: waiting for a connection.
		x.acquireFor = time.Minute
		st = execute(t, e, req("sleep 1h"))
		synctest.Wait()
		wantStatus(t, e, st.ID, Picked, "")
		if err := e.Cancel(ctx, st.ID, alice); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, e, st.ID, Aborted, cancelled)

		// STARTED: running.
		x.acquireFor = 0
		st = execute(t, e, req("sleep 1h"))
		synctest.Wait()
		wantStatus(t, e, st.ID, Started, "")
		if err := e.Cancel(ctx, st.ID, bob); !errors.Is(err, ErrNotFound) {
			t.Fatalf("another principal's Cancel: %v", err)
		}
		if err := e.Cancel(ctx, st.ID, alice); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, e, st.ID, Aborted, cancelled)

		// Terminal: nothing to cancel.
		var nc *NotCancellableError
		if err := e.Cancel(ctx, st.ID, alice); !errors.As(err, &nc) || nc.Status != Aborted {
			t.Fatalf("Cancel of an aborted statement: %v", err)
		}
		st = execute(t, e, req("select 1"))
		synctest.Wait()
		if err := e.Cancel(ctx, st.ID, alice); !errors.As(err, &nc) || nc.Status != Finished {
			t.Fatalf("Cancel of a finished statement: %v", err)
		}
	})
}

func TestBatch(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mode   string
		sqls   []string
		status Status
		subs   []Status
		ran    []string
	}{
		{"transaction commits", "", []string{"select 1", "insert"}, Finished,
			[]Status{Finished, Finished}, []string{"BEGIN", "select 1", "insert", "COMMIT"}},
		{"transaction rolls back", ModeTransaction, []string{"select 1", "fail", "select 1"}, Failed,
			[]Status{Finished, Failed, Aborted}, []string{"BEGIN", "select 1", "fail", "ROLLBACK"}},
		{"auto commit goes on", ModeAutoCommit, []string{"select 1", "fail", "select 1"}, Failed,
			[]Status{Finished, Failed, Finished}, []string{"select 1", "fail", "select 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e, store, x := start(t, Options{})
				r := req(tc.sqls...)
				r.Batch, r.Mode = true, tc.mode
				st := execute(t, e, r)
				if len(st.Subs) != len(tc.sqls) || st.Subs[0].ID != st.ID+":1" || st.Subs[0].SubIndex != 1 {
					t.Fatalf("submitted batch: %+v", st.Subs)
				}
				synctest.Wait()
				got := get(t, e, st.ID)
				if got.Status != tc.status || got.ResultRows != -1 || got.RedshiftQueryID != 0 || !got.HasResultSet {
					t.Fatalf("batch parent: %s rows %d has result %v", got.Status, got.ResultRows, got.HasResultSet)
				}
				wantMode := tc.mode
				if wantMode == "" {
					wantMode = ModeTransaction
				}
				if got.ExecutionMode != wantMode || !slices.Equal(got.QueryStrings, tc.sqls) {
					t.Fatalf("batch mode %q sqls %q", got.ExecutionMode, got.QueryStrings)
				}
				for i, want := range tc.subs {
					sub := get(t, e, got.Subs[i].ID)
					if sub.Status != want {
						t.Errorf("sub-statement %d is %s, want %s (%s)", i+1, sub.Status, want, sub.Error)
					}
					if want == Aborted && sub.Error != notRunMessage {
						t.Errorf("sub-statement %d error %q", i+1, sub.Error)
					}
					if stored := store.stored(sub.ID); stored.Status != want {
						t.Errorf("stored sub-statement %d is %s", i+1, stored.Status)
					}
				}
				if ran := x.log(); !slices.Equal(ran, tc.ran) {
					t.Fatalf("ran %q, want %q", ran, tc.ran)
				}
				if _, err := e.Result(context.Background(), st.ID, alice, FormatJSON, ""); !errors.Is(err, ErrBatchParent) {
					t.Fatalf("Result of a batch parent: %v", err)
				}
				p, err := e.Result(context.Background(), st.ID+":1", alice, FormatJSON, "")
				if err != nil || string(p.Records) != `[{"longValue":1}]` {
					t.Fatalf("Result of sub-statement 1: %v %q", err, p.Records)
				}
			})
		})
	}
}

func TestBatchCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _, x := start(t, Options{})
		r := req("select 1", "sleep 1h", "select 1")
		r.Batch = true
		st := execute(t, e, r)
		synctest.Wait()
		if err := e.Cancel(context.Background(), st.ID+":2", alice); err == nil {
			t.Fatal("a sub-statement was cancelled on its own")
		}
		if err := e.Cancel(context.Background(), st.ID, alice); err != nil {
			t.Fatal(err)
		}
		got := wantStatus(t, e, st.ID, Aborted, "ERROR: Query cancelled on user's request")
		want := []Status{Finished, Aborted, Aborted}
		for i, sub := range got.Subs {
			if sub.Status != want[i] {
				t.Errorf("sub-statement %d is %s, want %s", i+1, sub.Status, want[i])
			}
		}
		if ran := x.log(); ran[len(ran)-1] != "ROLLBACK" {
			t.Fatalf("a cancelled batch's transaction did not roll back: %q", ran)
		}
	})
}

func TestValidation(t *testing.T) {
	e, _, _ := start(t, Options{})
	big := make([]byte, MaxSQLBytes+1)
	for i := range big {
		big[i] = 'x'
	}
	for _, tc := range []struct {
		name string
		req  ExecuteRequest
		want string
	}{
		{"no sql", req(), "Sqls must contain at least one statement."},
		{"blank", req("  "), "Sql must not be empty"},
		{"too large", req(string(big)), "Cannot process query string larger than 100kB: the SQL is 102401 bytes, the maximum is 102400"},
		{"unused parameter", func() ExecuteRequest {
			r := req("select 1")
			r.Params = []Param{{Name: "a", Value: "1"}}
			return r
		}(), ""},
		{"keep-alive", func() ExecuteRequest { r := req("select 1"); r.KeepAlive = dur(25 * time.Hour); return r }(),
			"SessionKeepAliveSeconds must be between 0 and 86400."},
	} {
		_, err := e.Execute(context.Background(), tc.req)
		var inv *InvalidError
		if !errors.As(err, &inv) || (tc.want != "" && inv.Message != tc.want) {
			t.Errorf("%s: %v, want InvalidError %q", tc.name, err, tc.want)
		}
	}
	many := make([]string, MaxBatchSQLs+1)
	for i := range many {
		many[i] = "select 1"
	}
	r := req(many...)
	r.Batch = true
	if _, err := e.Execute(context.Background(), r); err == nil {
		t.Error("a batch of 41 statements was accepted")
	}
}

func TestActiveLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _, _ := start(t, Options{MaxActive: 2})
		a := execute(t, e, req("sleep 1h"))
		execute(t, e, req("sleep 1h"))
		if _, err := e.Execute(context.Background(), req("select 1")); !errors.Is(err, ErrTooManyActive) {
			t.Fatalf("third active statement: %v", err)
		}
		other := req("select 1")
		other.Target = Target{Kind: engines.Workgroup, Name: "wg"}
		execute(t, e, other)
		if err := e.Cancel(context.Background(), a.ID, alice); err != nil {
			t.Fatal(err)
		}
		execute(t, e, req("select 1"))
	})
}

func TestStoreFailureOnSubmitReleasesTheSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, store, _ := start(t, Options{MaxActive: 1})
		store.failCreate = errStore
		if _, err := e.Execute(context.Background(), req("select 1")); !errors.Is(err, errStore) {
			t.Fatalf("Execute with a failing store: %v", err)
		}
		store.failCreate = nil
		st := execute(t, e, req("select 1"))
		synctest.Wait()
		wantStatus(t, e, st.ID, Finished, "")
	})
}

func TestClientToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _, _ := start(t, Options{})
		r := req("select 1")
		r.ClientToken = "token-1"
		first := execute(t, e, r)
		synctest.Wait()
		again := execute(t, e, r)
		if again.ID != first.ID || again.Status != Finished {
			t.Fatalf("repeated token: %s %s, want %s FINISHED", again.ID, again.Status, first.ID)
		}
		r.Owner = bob
		if other := execute(t, e, r); other.ID == first.ID {
			t.Fatal("another principal's token returned alice's statement")
		}
		time.Sleep(ClientTokenLifetime + time.Second)
		r.Owner = alice
		if later := execute(t, e, r); later.ID == first.ID {
			t.Fatalf("a token older than %v returned the old statement", ClientTokenLifetime)
		}
		synctest.Wait()
	})
}

func TestExpiryAndReap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, store, _ := start(t, Options{Retention: time.Hour, KeepRecords: time.Hour})
		st := execute(t, e, req("select 1"))
		synctest.Wait()
		time.Sleep(time.Hour + time.Second)
		var exp *ExpiredError
		if _, err := e.Get(context.Background(), st.ID, alice); !errors.As(err, &exp) || !exp.At.Equal(st.ExpiresAt) {
			t.Fatalf("Get after retention: %v", err)
		}
		if err := e.Reap(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Page(context.Background(), st.ID, 0); err == nil {
			t.Fatal("Reap kept an expired result page")
		}
		time.Sleep(time.Hour)
		if err := e.Reap(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Get(context.Background(), st.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Reap kept an expired record: %v", err)
		}
	})
}

func TestRecoverFailsWhatAnEarlierRunLeft(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := newMemStore()
		left := &Statement{ID: "left", Owner: alice, Status: Started, Instance: "i-1", CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
		if _, err := store.Create(context.Background(), left, "", time.Time{}); err != nil {
			t.Fatal(err)
		}
		e := New(Options{Instance: "i-1"}, store, store, &fakeExec{})
		defer e.Close(context.Background())
		if err := e.Recover(context.Background()); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, e, "left", Failed, interruptedMessage)
	})
}

func TestCloseInterruptsAndRefuses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store, x := newMemStore(), &fakeExec{}
		e := New(Options{}, store, store, x)
		st := execute(t, e, req("sleep 1h"))
		r := req("select 1")
		r.KeepAlive = dur(time.Hour)
		sess := execute(t, e, r)
		synctest.Wait()
		if err := e.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := store.stored(st.ID); got.Status != Failed || got.Error != interruptedMessage {
			t.Fatalf("a statement running at Close ended %s %q", got.Status, got.Error)
		}
		if got := store.session(sess.SessionID); got.Status != SessionClosed {
			t.Fatalf("a session open at Close is %s", got.Status)
		}
		if _, err := e.Execute(context.Background(), req("select 1")); !errors.Is(err, ErrShuttingDown) {
			t.Fatalf("Execute after Close: %v", err)
		}
	})
}

func TestOnEventAfterTheFinalWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var events int
		e, store, _ := start(t, Options{OnEvent: func() { events++ }})
		r := req("select 1")
		r.WithEvent = true
		execute(t, e, r)
		execute(t, e, req("select 1"))
		synctest.Wait()
		if events != 1 {
			t.Fatalf("%d events for one statement run WithEvent", events)
		}
		store.mu.Lock()
		store.failUpdate = errStore
		store.mu.Unlock()
		execute(t, e, r)
		synctest.Wait()
		if events != 1 {
			t.Fatal("an event was announced whose final state was not stored")
		}
	})
}
