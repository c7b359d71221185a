package statement

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rsdata/rsdata/internal/results"
)

// memBus connects engines sharing one memStore as the control store's
// LISTEN/NOTIFY connects replicas: ends are announced when stored, cancel
// requests reach every engine.
type memBus struct {
	mu      sync.Mutex
	subs    map[string][]chan struct{}
	engines []*Engine
	shared  bool
}

func (b *memBus) Ended(id string) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	b.mu.Lock()
	b.subs[id] = append(b.subs[id], ch)
	b.mu.Unlock()
	return ch, func() {}
}

func (b *memBus) announce(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ch := range b.subs[id] {
		close(ch)
	}
	delete(b.subs, id)
}

func (b *memBus) RequestCancel(_ context.Context, id string) error {
	for _, e := range b.engines {
		e.CancelRequested(id)
	}
	return nil
}

func (b *memBus) Shared() bool { return b.shared }

// Watch and Finished: announcingStore announces every end.
func (b *memBus) Watch(context.Context, string, string) error { return nil }
func (b *memBus) Finished(string)                             {}

// announcingStore announces terminal updates on its bus, as the control
// store does in the transaction that stores them.
type announcingStore struct {
	*memStore
	bus *memBus
	// admitting serialises CreateAdmitted, as the control store's
	// admission lock does.
	admitting *sync.Mutex
}

func (s announcingStore) Update(ctx context.Context, st *Statement, last *results.LastPage) error {
	err := s.memStore.Update(ctx, st, last)
	if err == nil && st.Status.Terminal() {
		s.bus.announce(st.ID)
	}
	return err
}

// CreateAdmitted makes announcingStore a SharedAdmitter.
func (s announcingStore) CreateAdmitted(ctx context.Context, req AdmitRequest) (string, error) {
	s.admitting.Lock()
	defer s.admitting.Unlock()
	st := req.Statement
	s.mu.Lock()
	if u, ok := s.tokens[st.Owner.Principal+"\x00"+req.Token]; req.Token != "" && ok && u.at.After(req.TokenSince) {
		s.mu.Unlock()
		return u.id, nil
	}
	active, open := 0, 0
	for _, x := range s.stmts {
		if x.Target == st.Target && x.Parent == "" && !x.Status.Terminal() {
			active++
		}
	}
	for _, ss := range s.sessions {
		if ss.Target == st.Target && ss.Status != SessionClosed {
			open++
		}
	}
	s.mu.Unlock()
	if active >= req.MaxActive {
		return "", ErrTooManyActive
	}
	if req.Session != nil && open >= req.MaxSessions {
		return "", ErrTooManySessions
	}
	existing, err := s.Create(ctx, st, req.Token, req.TokenSince)
	if err == nil && existing == "" && req.Session != nil {
		err = s.PutSession(ctx, req.Session)
	}
	return existing, err
}

// twoReplicas starts engines a and b on one store and bus.
func twoReplicas(t *testing.T, opts Options) (a, b *Engine, store announcingStore) {
	t.Helper()
	bus := &memBus{subs: map[string][]chan struct{}{}, shared: true}
	store = announcingStore{newMemStore(), bus, &sync.Mutex{}}
	x := &fakeExec{}
	for _, inst := range []string{"a", "b"} {
		o := opts
		o.Instance, o.Bus = inst, bus
		e := New(o, store, store, x)
		t.Cleanup(func() { _ = e.Close(context.Background()) })
		bus.engines = append(bus.engines, e)
	}
	return bus.engines[0], bus.engines[1], store
}

func TestWaitOnAnotherReplica(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b, _ := twoReplicas(t, Options{})
		st := execute(t, a, req("sleep 5s"))
		begin := time.Now()
		if err := b.Wait(context.Background(), st.ID, MaxWait); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(begin); waited != 5*time.Second {
			t.Fatalf("Wait on b returned after %v; want 5s, when a ends it", waited)
		}
		wantStatus(t, b, st.ID, Finished, "")
		// DescribeStatement's short settle does not subscribe.
		other := execute(t, a, req("sleep 5s"))
		begin = time.Now()
		if err := b.Wait(context.Background(), other.ID, 2*time.Millisecond); err != nil || time.Since(begin) != 0 {
			t.Fatalf("a 2 ms wait on b: %v after %v; want none", err, time.Since(begin))
		}
	})
}

func TestCancelOnAnotherReplica(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b, _ := twoReplicas(t, Options{})
		st := execute(t, a, req("sleep 1h"))
		time.Sleep(time.Second)
		if err := b.Cancel(context.Background(), st.ID, alice); err != nil {
			t.Fatalf("Cancel on b of a's statement: %v", err)
		}
		// Cancel returns once the statement has ended, as on one server.
		wantStatus(t, b, st.ID, Aborted, "ERROR: Query cancelled on user's request")
		var nc *NotCancellableError
		if err := b.Cancel(context.Background(), st.ID, alice); !errors.As(err, &nc) || nc.Status != Aborted {
			t.Fatalf("cancelling it again on b: %v", err)
		}
		// Another principal's statement is not found, on either replica.
		if err := b.Cancel(context.Background(), execute(t, a, req("sleep 1h")).ID, Owner{Principal: "arn:aws:iam::123456789012:user/mallory"}); err != ErrNotFound {
			t.Fatalf("mallory cancelling alice's statement on b: %v", err)
		}
	})
}

func TestLimitsAcrossReplicas(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b, _ := twoReplicas(t, Options{MaxActive: 1})
		execute(t, a, req("sleep 1h"))
		if _, err := b.Execute(context.Background(), req("select 1")); err != ErrTooManyActive {
			t.Fatalf("a second active statement on b while a runs one (limit 1): %v", err)
		}
	})
}

// TestLimitsAcrossReplicasAtOnce: statements submitted at once to two
// engines on one shared store are admitted by the store, so exactly the
// limit start, and a session opened on one counts on the other.
func TestLimitsAcrossReplicasAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const k, n = 2, 10
		a, b, store := twoReplicas(t, Options{MaxActive: k, MaxSessions: 1})
		errs := make(chan error, n)
		for i := range n {
			e := []*Engine{a, b}[i%2]
			go func() {
				_, err := e.Execute(context.Background(), req("sleep 1h"))
				errs <- err
			}()
		}
		admitted := 0
		for range n {
			switch err := <-errs; err {
			case nil:
				admitted++
			case ErrTooManyActive:
			default:
				t.Fatal(err)
			}
		}
		if admitted != k {
			t.Fatalf("%d of %d statements sent at once to a and b admitted (limit %d)", admitted, n, k)
		}
		store.mu.Lock()
		var ids []string
		for id := range store.stmts {
			ids = append(ids, id)
		}
		store.mu.Unlock()
		for _, id := range ids {
			a.CancelRequested(id)
			b.CancelRequested(id)
		}
		synctest.Wait()
		keep := time.Minute
		opening := req("select 1")
		opening.KeepAlive = &keep
		st := execute(t, a, opening)
		synctest.Wait()
		if ss := store.session(st.SessionID); ss.ID != st.SessionID {
			t.Fatalf("the session a opened is not in the store: %+v", ss)
		}
		if _, err := b.Execute(context.Background(), opening); err != ErrTooManySessions {
			t.Fatalf("a second session on b while a holds one (limit 1): %v", err)
		}
	})
}

func TestTakeOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b, _ := twoReplicas(t, Options{})
		st := execute(t, a, req("sleep 1h"))
		time.Sleep(time.Second)
		if n, err := b.TakeOver(context.Background(), "a"); err != nil || n != 1 {
			t.Fatalf("TakeOver(a) = %d, %v", n, err)
		}
		stored, err := b.store.Get(context.Background(), st.ID)
		if err != nil || stored.Status != Failed || stored.Error != ReplicaStoppedMessage {
			t.Fatalf("a's statement after b took over: %v %v", stored, err)
		}
	})
}
