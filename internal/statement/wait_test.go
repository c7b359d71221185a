package statement

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestWaitWakesOnFinish(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _, _ := start(t, Options{})
		st := execute(t, e, req("sleep 5s"))
		begin := time.Now()
		if err := e.Wait(context.Background(), st.ID, MaxWait); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(begin); waited != 5*time.Second {
			t.Fatalf("Wait returned after %v, want 5s", waited)
		}
		wantStatus(t, e, st.ID, Finished, "")
		// A statement no longer running: no wait at all.
		begin = time.Now()
		if err := e.Wait(context.Background(), st.ID, MaxWait); err != nil || time.Since(begin) != 0 {
			t.Fatalf("Wait on a finished statement: %v after %v", err, time.Since(begin))
		}
	})
}

func TestWaitTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _, _ := start(t, Options{})
		st := execute(t, e, req("sleep 1m"))
		begin := time.Now()
		if err := e.Wait(context.Background(), st.ID, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(begin); waited != 10*time.Second {
			t.Fatalf("Wait returned after %v, want 10s", waited)
		}
		wantStatus(t, e, st.ID, Started, "")
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := e.Wait(ctx, st.ID, MaxWait); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait past its ctx: %v", err)
		}
	})
}

func TestWaitOnASubStatement(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _, _ := start(t, Options{})
		r := req("sleep 2s", "sleep 3s")
		r.Batch = true
		st := execute(t, e, r)
		begin := time.Now()
		if err := e.Wait(context.Background(), st.ID+":1", MaxWait); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(begin); waited != 2*time.Second {
			t.Fatalf("Wait on sub-statement 1 returned after %v, want 2s", waited)
		}
		if err := e.Wait(context.Background(), st.ID, MaxWait); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(begin); waited != 5*time.Second {
			t.Fatalf("Wait on the batch returned after %v, want 5s", waited)
		}
	})
}

func TestTooManyWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _, _ := start(t, Options{MaxWaiters: 2})
		st := execute(t, e, req("sleep 1m"))
		for range 2 {
			go e.Wait(context.Background(), st.ID, MaxWait)
		}
		synctest.Wait()
		if err := e.Wait(context.Background(), st.ID, MaxWait); !errors.Is(err, ErrTooManyWaiters) {
			t.Fatalf("third waiter: %v", err)
		}
		time.Sleep(MaxWait)
		synctest.Wait()
		if err := e.Wait(context.Background(), st.ID, time.Second); err != nil {
			t.Fatalf("waiter after the others left: %v", err)
		}
	})
}

// TestReleaseWaitersEndsLongPolls: at shutdown a long poll returns at
// once, without error and with the statement as it stands, rather than
// holding the server up for the rest of its WaitTimeSeconds.
func TestReleaseWaitersEndsLongPolls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _, _ := start(t, Options{})
		st := execute(t, e, req("sleep 1m"))
		done := make(chan error, 1)
		begin := time.Now()
		go func() { done <- e.Wait(context.Background(), st.ID, MaxWait) }()
		time.Sleep(3 * time.Second)
		e.ReleaseWaiters()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(begin); waited != 3*time.Second {
			t.Fatalf("Wait returned after %v, want 3s (when released)", waited)
		}
		// Later waits do not wait at all.
		begin = time.Now()
		if err := e.Wait(context.Background(), st.ID, MaxWait); err != nil || time.Since(begin) != 0 {
			t.Fatalf("Wait after release: %v after %v", err, time.Since(begin))
		}
		wantStatus(t, e, st.ID, Started, "")
	})
}
