package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/statement"
	"github.com/rsdata/rsdata/internal/store"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// replicaStores opens n stores, each with its own pool, on one database,
// as n replicas sharing a control store do.
func replicaStores(t *testing.T, n int) []*store.Store {
	t.Helper()
	srv := pgtest.Start(t)
	dsn := srv.ConnString("postgres", srv.NewDatabase(t))
	var out []*store.Store
	for range n {
		s, err := store.Open(context.Background(), dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		out = append(out, s)
	}
	return out
}

// admitAtOnce runs one CreateAdmitted per request, spread over stores,
// all released together, and returns each one's existing id and error.
func admitAtOnce(stores []*store.Store, reqs []statement.AdmitRequest) ([]string, []error) {
	existing, errs := make([]string, len(reqs)), make([]error, len(reqs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			existing[i], errs[i] = stores[i%len(stores)].Statements().CreateAdmitted(context.Background(), reqs[i])
		}()
	}
	close(start)
	wg.Wait()
	return existing, errs
}

func admissionID(round, i int) string {
	return fmt.Sprintf("00000000-0000-0000-%04d-%012d", round, i)
}

// TestAdmissionAcrossReplicas fires many admissions at once from three
// stores (three replicas' pools) on one database against a limit of k, and
// checks that exactly k are admitted, for active statements and for open
// sessions; a client token used by many at once stores one statement, and
// a repeat at the limit returns it rather than counting it again.
func TestAdmissionAcrossReplicas(t *testing.T) {
	stores := replicaStores(t, 3)
	ctx := context.Background()
	const n, k = 24, 3
	since := base.Add(-time.Hour)

	// Active statements: k of n, whatever the interleaving; the other
	// target is counted on its own.
	var reqs []statement.AdmitRequest
	for i := range n {
		reqs = append(reqs, statement.AdmitRequest{Statement: submitted(admissionID(1, i), "", cluster, false),
			TokenSince: since, MaxActive: k, MaxSessions: 100})
	}
	_, errs := admitAtOnce(stores, reqs)
	admitted := 0
	for i, err := range errs {
		switch {
		case err == nil:
			admitted++
		case !errors.Is(err, statement.ErrTooManyActive):
			t.Fatalf("admission %d: %v", i, err)
		}
	}
	if admitted != k {
		t.Fatalf("%d of %d concurrent statements admitted with a limit of %d active", admitted, n, k)
	}
	if active := countActive(t, stores[0], cluster); active != k {
		t.Fatalf("%d active statements stored on %s; want %d", active, cluster.Name, k)
	}
	if _, err := stores[1].Statements().CreateAdmitted(ctx, statement.AdmitRequest{
		Statement: submitted(admissionID(2, 0), "", workgroup, false), MaxActive: k, MaxSessions: 1}); err != nil {
		t.Fatalf("a statement on another target: %v", err)
	}
	// A statement ending frees its place.
	for i, err := range errs {
		if err == nil {
			end(t, stores[2], reqs[i].Statement, statement.Finished, 1, base)
			break
		}
	}
	batch := submitted(admissionID(2, 1), "", cluster, false)
	batch.Batch = true
	sub := *batch
	sub.ID, sub.Parent, sub.SubIndex, sub.Batch = batch.ID+":1", batch.ID, 1, false
	batch.Subs = []*statement.Statement{&sub}
	if _, err := stores[0].Statements().CreateAdmitted(ctx, statement.AdmitRequest{Statement: batch, MaxActive: k, MaxSessions: 1}); err != nil {
		t.Fatalf("a batch once a statement ended: %v", err)
	}
	if _, err := stores[0].Statements().Get(ctx, sub.ID); err != nil {
		t.Fatalf("the admitted batch's sub-statement: %v", err)
	}

	// Open sessions: k of n statements opening one, with room for every
	// statement.
	reqs = reqs[:0]
	for i := range n {
		st := submitted(admissionID(3, i), "", workgroup, false)
		ss := &statement.Session{ID: admissionID(4, i), Owner: st.Owner, Target: st.Target, Database: st.Database,
			DbUser: st.DbUser, KeepAlive: time.Minute, Status: statement.SessionBusy, CreatedAt: base, UpdatedAt: base,
			TTL: base.Add(24 * time.Hour), CurrentStatement: st.ID, Instance: "i1"}
		reqs = append(reqs, statement.AdmitRequest{Statement: st, Session: ss, TokenSince: since, MaxActive: 100, MaxSessions: k})
	}
	_, errs = admitAtOnce(stores, reqs)
	admitted = 0
	for i, err := range errs {
		switch {
		case err == nil:
			admitted++
			if _, err := stores[0].Statements().GetSession(ctx, reqs[i].Session.ID); err != nil {
				t.Fatalf("admitted statement %d's session: %v", i, err)
			}
		case errors.Is(err, statement.ErrTooManySessions):
			if _, err := stores[0].Statements().Get(ctx, reqs[i].Statement.ID); !errors.Is(err, statement.ErrNotFound) {
				t.Fatalf("a statement refused for its session was stored: %v", err)
			}
		default:
			t.Fatalf("admission %d: %v", i, err)
		}
	}
	if admitted != k {
		t.Fatalf("%d of %d concurrent sessions opened with a limit of %d", admitted, n, k)
	}

	// One client token sent n times at once: one statement, every other
	// request returns it.
	reqs = reqs[:0]
	for i := range n {
		reqs = append(reqs, statement.AdmitRequest{Statement: submitted(admissionID(5, i), "", workgroup, false),
			Token: "tok", TokenSince: since, MaxActive: 100, MaxSessions: k})
	}
	existing, errs := admitAtOnce(stores, reqs)
	first := ""
	for i := range reqs {
		if errs[i] != nil {
			t.Fatalf("token request %d: %v", i, errs[i])
		}
		if existing[i] == "" {
			if first != "" {
				t.Fatalf("two statements stored under one client token: %s and %s", first, reqs[i].Statement.ID)
			}
			first = reqs[i].Statement.ID
		}
	}
	for i := range reqs {
		if existing[i] != "" && existing[i] != first {
			t.Fatalf("token request %d returned %s; want %s", i, existing[i], first)
		}
	}
	// A repeat while the target is at its limit returns the first
	// statement: it is not a new one to count.
	got, err := stores[1].Statements().CreateAdmitted(ctx, statement.AdmitRequest{
		Statement: submitted(admissionID(6, 0), "", workgroup, false), Token: "tok", TokenSince: since, MaxActive: 1, MaxSessions: 1})
	if err != nil || got != first {
		t.Fatalf("a repeated token at the limit: %q, %v; want %s", got, err, first)
	}
}

func countActive(t *testing.T, s *store.Store, target statement.Target) int {
	t.Helper()
	list, err := s.Statements().List(context.Background(), statement.ListQuery{Principal: "arn:aws:iam::123456789012:user/myuser", Target: target,
		Statuses: []statement.Status{statement.Submitted, statement.Picked, statement.Started}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}
