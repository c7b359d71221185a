package statement

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// TestResetAbortsClosesAndForgets: Reset ends a running statement ABORTED,
// closes an open session, forgets finished statements kept in memory
// (once the store is emptied they are gone), and the engine runs
// statements afterwards.
func TestResetAbortsClosesAndForgets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, store, _ := start(t, Options{})
		done := execute(t, e, req("select 1"))
		running := execute(t, e, req("sleep 1h"))
		r := req("select 1")
		r.KeepAlive = dur(time.Hour)
		sess := execute(t, e, r)
		synctest.Wait()
		wantStatus(t, e, done.ID, Finished, "")
		if err := e.Reset(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := store.stored(running.ID); got.Status != Aborted {
			t.Fatalf("a statement running at Reset ended %s %q, want ABORTED", got.Status, got.Error)
		}
		if got := store.session(sess.SessionID); got.Status != SessionClosed {
			t.Fatalf("a session open at Reset is %s", got.Status)
		}
		if _, ok := e.recent.get(done.ID); ok {
			t.Fatal("a finished statement is still kept in memory after Reset")
		}
		after := execute(t, e, req("select 1"))
		synctest.Wait()
		wantStatus(t, e, after.ID, Finished, "")
	})
}
