package statement

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

func TestSessionKeepAlive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, store, x := start(t, Options{})
		r := req("select 1")
		r.KeepAlive = dur(time.Minute)
		first := execute(t, e, r)
		if first.SessionID == "" {
			t.Fatal("no session for a statement with a keep-alive")
		}
		id := first.SessionID
		synctest.Wait()
		if got := store.session(id); got.Status != SessionAvailable || !got.TTL.Equal(time.Now().UTC().Add(time.Minute)) {
			t.Fatalf("session after its statement: %s TTL %v", got.Status, got.TTL)
		}
		if target, owner, ok := e.SessionInfo(id); !ok || target != local || owner != alice {
			t.Fatalf("SessionInfo: %v %v %v", target, owner, ok)
		}

		// A statement in the session runs on its connection, and its
		// target, database and user are the session's.
		time.Sleep(50 * time.Second)
		in := ExecuteRequest{Owner: alice, SessionID: id, SQLs: []string{"select 1"}}
		second := execute(t, e, in)
		if second.Target != local || second.Database != "dev" || second.DbUser != "awsuser" || second.SessionID != id {
			t.Fatalf("statement in the session: %+v", second)
		}
		synctest.Wait()
		wantStatus(t, e, second.ID, Finished, "")
		if x.acquired != 1 {
			t.Fatalf("%d connections acquired, want the session's one", x.acquired)
		}

		// The keep-alive counts from the last statement's end.
		time.Sleep(time.Minute - time.Nanosecond)
		synctest.Wait()
		if got := store.session(id); got.Status != SessionAvailable {
			t.Fatalf("session closed before its keep-alive: %s", got.Status)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if got := store.session(id); got.Status != SessionClosed {
			t.Fatalf("session after its keep-alive: %s", got.Status)
		}
		if _, _, ok := e.SessionInfo(id); ok {
			t.Fatal("a closed session is still open")
		}
		if !slices.Equal(x.released, []bool{false}) {
			t.Fatalf("connection releases %v, want one close", x.released)
		}
		var unavailable *SessionUnavailableError
		if _, err := e.Execute(context.Background(), in); !errors.As(err, &unavailable) {
			t.Fatalf("Execute in a closed session: %v", err)
		}
		var invalid *SessionInvalidError
		in.SessionID = "no-such-session"
		if _, err := e.Execute(context.Background(), in); !errors.As(err, &invalid) {
			t.Fatalf("Execute in an unknown session: %v", err)
		}
	})
}

func TestSessionBusyAndOwner(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _, _ := start(t, Options{})
		r := req("sleep 10s")
		r.KeepAlive = dur(time.Hour)
		st := execute(t, e, r)
		in := ExecuteRequest{Owner: alice, SessionID: st.SessionID, SQLs: []string{"select 1"}}
		var busy *SessionBusyError
		if _, err := e.Execute(context.Background(), in); !errors.As(err, &busy) || busy.Statement != st.ID {
			t.Fatalf("Execute in a busy session: %v", err)
		}
		if got, _, _ := e.ListSessions(context.Background(), SessionListRequest{Owner: alice, Status: "BUSY"}); len(got) != 1 {
			t.Fatalf("%d BUSY sessions listed", len(got))
		}
		mallory := in
		mallory.Owner = bob
		var invalid *SessionInvalidError
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if _, err := e.Execute(context.Background(), mallory); !errors.As(err, &invalid) {
			t.Fatalf("another principal's Execute in the session: %v", err)
		}
		next := execute(t, e, in)
		synctest.Wait()
		wantStatus(t, e, next.ID, Finished, "")
	})
}

func TestSessionLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _, _ := start(t, Options{MaxSessions: 1})
		r := req("select 1")
		r.KeepAlive = dur(time.Minute)
		execute(t, e, r)
		if _, err := e.Execute(context.Background(), r); !errors.Is(err, ErrTooManySessions) {
			t.Fatalf("second session: %v", err)
		}
		// A statement without keep-alive needs no session.
		execute(t, e, req("select 1"))
		synctest.Wait()
		time.Sleep(time.Minute)
		synctest.Wait()
		execute(t, e, r)
		synctest.Wait()
	})
}

func TestSessionClosesWhenItsConnectionDies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, store, _ := start(t, Options{})
		r := req("die")
		r.KeepAlive = dur(time.Hour)
		st := execute(t, e, r)
		synctest.Wait()
		wantStatus(t, e, st.ID, Failed, "ERROR: terminating connection")
		if got := store.session(st.SessionID); got.Status != SessionClosed {
			t.Fatalf("session whose connection died: %s", got.Status)
		}
	})
}

func TestSessionKeepAliveZeroCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, store, _ := start(t, Options{})
		r := req("select 1")
		r.KeepAlive = dur(time.Hour)
		st := execute(t, e, r)
		synctest.Wait()
		in := ExecuteRequest{Owner: alice, SessionID: st.SessionID, SQLs: []string{"select 1"}, KeepAlive: dur(0)}
		execute(t, e, in)
		synctest.Wait()
		if got := store.session(st.SessionID); got.Status != SessionClosed {
			t.Fatalf("session after a keep-alive of 0: %s", got.Status)
		}
	})
}

func TestSession24HourLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, store, _ := start(t, Options{MaxRunTime: 48 * time.Hour})

		// Idle: the keep-alive never reaches past 24 h from creation.
		r := req("select 1")
		r.KeepAlive = dur(MaxSessionKeepAlive)
		idle := execute(t, e, r)
		synctest.Wait()
		time.Sleep(time.Hour)
		execute(t, e, ExecuteRequest{Owner: alice, SessionID: idle.SessionID, SQLs: []string{"select 1"}})
		synctest.Wait()

		// Busy: its statement is stopped at 24 h and the session closes.
		r = req("sleep 30h")
		r.KeepAlive = dur(time.Minute)
		busy := execute(t, e, r)
		synctest.Wait()

		time.Sleep(MaxSessionKeepAlive - time.Hour)
		synctest.Wait()
		if got := store.session(idle.SessionID); got.Status != SessionClosed {
			t.Fatalf("idle session after 24 h: %s", got.Status)
		}
		if got := store.session(busy.SessionID); got.Status == SessionClosed {
			t.Fatalf("busy session closed an hour early")
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		if got := store.session(busy.SessionID); got.Status != SessionClosed {
			t.Fatalf("busy session after 24 h: %s", got.Status)
		}
		if got := get(t, e, busy.ID); got.Status != Failed || got.EndedAt.Sub(got.CreatedAt) != MaxSessionKeepAlive {
			t.Fatalf("statement running at the session's 24 h: %s %q after %v", got.Status, got.Error, got.EndedAt.Sub(got.CreatedAt))
		}
	})
}

func TestListSessions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _, _ := start(t, Options{})
		var ids []string
		for range 3 {
			r := req("select 1")
			r.KeepAlive = dur(time.Hour)
			ids = append(ids, execute(t, e, r).SessionID)
			synctest.Wait()
			time.Sleep(time.Second)
		}
		ctx := context.Background()
		page, next, err := e.ListSessions(ctx, SessionListRequest{Owner: alice, MaxResults: 2})
		if err != nil || len(page) != 2 || next == "" || page[0].ID != ids[2] || page[1].ID != ids[1] {
			t.Fatalf("first page: %v %d %q", err, len(page), next)
		}
		page, next, err = e.ListSessions(ctx, SessionListRequest{Owner: alice, MaxResults: 2, NextToken: next})
		if err != nil || len(page) != 1 || next != "" || page[0].ID != ids[0] {
			t.Fatalf("second page: %v %d %q", err, len(page), next)
		}
		if _, _, err := e.ListSessions(ctx, SessionListRequest{Owner: alice, SessionID: "nope"}); !errors.Is(err, ErrSessionNotFound) {
			t.Fatalf("ListSessions of an unknown id: %v", err)
		}
		if got, _, _ := e.ListSessions(ctx, SessionListRequest{Owner: bob}); len(got) != 0 {
			t.Fatalf("bob sees %d of alice's sessions", len(got))
		}
	})
}

// TestSessionFreeWhenItsStatementEnds: when a session's statement is
// recorded ended (what DescribeStatement reads, from any replica), the
// session is already AVAILABLE, so a client that sees the end and sends
// the session's next statement at once never finds it busy.
func TestSessionFreeWhenItsStatementEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, store, _ := start(t, Options{})
		r := req("sleep 1s")
		r.KeepAlive = dur(time.Hour)
		st := execute(t, e, r)
		time.Sleep(2 * time.Second)
		synctest.Wait()
		wantStatus(t, e, st.ID, Finished, "")
		store.mu.Lock()
		defer store.mu.Unlock()
		if n := len(store.sessionAtWrite); n == 0 || store.sessionAtWrite[n-1] != SessionAvailable {
			t.Fatalf("the session's status as each update was stored: %v; want AVAILABLE at the last (the end)", store.sessionAtWrite)
		}
	})
}
