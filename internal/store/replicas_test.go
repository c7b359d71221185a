package store_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/statement"
	"github.com/rsdata/rsdata/internal/store"
)

// TestReplicaLeases: a lease renewed is live, one not renewed in time is
// expired and can be forgotten; the background duty has one holder at a
// time and passes on when its holder's lease runs out.
func TestReplicaLeases(t *testing.T) {
	db := openTestDB(t)
	r, ctx := db.store.Replicas(), context.Background()
	if err := r.Renew(ctx, "i1", "10.0.0.1:7439", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := r.Join(ctx, "i2", "10.0.0.2:7439", 0); err != nil {
		t.Fatal(err)
	}
	if n, err := r.LiveOthers(ctx, "i2"); err != nil || n != 1 {
		t.Errorf("LiveOthers(i2) = %d, %v; want 1 (i1)", n, err)
	}
	if n, err := r.LiveOthers(ctx, "i1"); err != nil || n != 0 {
		t.Errorf("LiveOthers(i1) = %d, %v; want 0 (i2's lease ran out)", n, err)
	}
	if addr, live, err := r.Address(ctx, "i1"); err != nil || !live || addr != "10.0.0.1:7439" {
		t.Errorf("Address(i1) = %q %v %v; want its address, live", addr, live, err)
	}
	if _, live, err := r.Address(ctx, "i2"); err != nil || live {
		t.Errorf("Address(i2), lease run out: live %v, %v", live, err)
	}
	if got, err := r.Expired(ctx); err != nil || len(got) != 1 || got[0] != "i2" {
		t.Fatalf("Expired = %v, %v; want [i2]", got, err)
	}
	if err := r.Forget(ctx, "i2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Expired(ctx); len(got) != 0 {
		t.Errorf("Expired after Forget = %v", got)
	}
	if addr, _, _ := r.Address(ctx, "i2"); addr != "" {
		t.Errorf("a forgotten replica still has address %q", addr)
	}

	held := func(inst string, lease time.Duration) bool {
		t.Helper()
		ok, err := r.HoldDuty(ctx, "background", inst, lease)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !held("i1", time.Hour) || held("i2", time.Hour) || !held("i1", 0) {
		t.Fatalf("the duty: i1 takes and keeps it, i2 is refused")
	}
	// i1 renewed with a lease of 0: it has run out, i2 takes it.
	if !held("i2", time.Hour) || held("i1", time.Hour) {
		t.Fatalf("the duty did not pass to i2 when i1's lease ran out")
	}
}

// TestReplicaNotifications: watch requests, ends, cancel requests and the
// ends FailUnfinished stores reach a listener.
func TestReplicaNotifications(t *testing.T) {
	db := openTestDB(t)
	s := db.store
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan [2]string, 10)
	connected := make(chan struct{}, 1)
	go s.Replicas().Listen(ctx, slog.New(slog.DiscardHandler), []string{store.EndedChannel, store.CancelChannel, store.WatchChannel},
		func(ch, payload string) {
			if ch != "" {
				got <- [2]string{ch, payload}
			}
		}, func() { connected <- struct{}{} })
	select {
	case <-connected:
	case <-time.After(30 * time.Second):
		t.Fatal("Listen did not connect")
	}
	next := func() [2]string {
		t.Helper()
		select {
		case n := <-got:
			return n
		case <-time.After(30 * time.Second):
			t.Fatal("no notification")
		}
		return [2]string{}
	}
	if err := s.Replicas().Watch(ctx, "i1", "some-id"); err != nil {
		t.Fatal(err)
	}
	if n := next(); n != [2]string{store.WatchChannel, "i1 some-id"} {
		t.Fatalf("notification %v; want the watch request", n)
	}
	if err := s.Replicas().AnnounceEnded(ctx, "some-id"); err != nil {
		t.Fatal(err)
	}
	if n := next(); n != [2]string{store.EndedChannel, "some-id"} {
		t.Fatalf("notification %v; want the end", n)
	}
	if err := s.Replicas().RequestCancel(ctx, "some-id"); err != nil {
		t.Fatal(err)
	}
	if n := next(); n != [2]string{store.CancelChannel, "some-id"} {
		t.Fatalf("notification %v; want the cancel request", n)
	}
	// FailUnfinished announces the statements it ends.
	other := submitted("00000000-0000-0000-0000-0000000000bb", "", cluster, false)
	create(t, s, other)
	if n, err := s.Statements().FailUnfinished(ctx, "i1", statement.ReplicaStoppedMessage, base); err != nil || n != 1 {
		t.Fatalf("FailUnfinished = %d, %v", n, err)
	}
	if n := next(); n != [2]string{store.EndedChannel, other.ID} {
		t.Fatalf("notification %v; want the failed statement's end", n)
	}
}
