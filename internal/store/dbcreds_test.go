package store

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/dbcreds"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// openLeases opens a store on a fresh database and applies dbcredsMigration
// itself, until the migration is in the migrations list.
func openLeases(t *testing.T) *Leases {
	t.Helper()
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	ctx := context.Background()
	s, err := Open(ctx, srv.ConnString("postgres", db), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	conn, err := pgx.Connect(ctx, srv.ConnString("postgres", db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	return s.Leases()
}

func TestLeases(t *testing.T) {
	ctx := context.Background()
	s := openLeases(t)
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	eng := dbcreds.Engine{Kind: engines.Cluster, Name: "c1"}
	lease := func(role string, exp time.Time) dbcreds.Lease {
		return dbcreds.Lease{Engine: eng, Role: role, Database: "dev", ExpiresAt: exp,
			ValidUntil: exp.Add(time.Minute), CreatedAt: t0}
	}
	a, b, c := lease("IAMA:a", t0.Add(10*time.Minute)), lease("IAM:b", t0.Add(5*time.Minute)), lease("IAMR:c", t0.Add(time.Hour))
	for _, l := range []dbcreds.Lease{a, b, c} {
		if err := s.PutLease(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	// Same role on another engine is another lease.
	other := a
	other.Engine.Name = "c2"
	if err := s.PutLease(ctx, other); err != nil {
		t.Fatal(err)
	}

	due, err := s.DueLeases(ctx, t0.Add(11*time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 3 || due[0] != b || due[1] != a || due[2] != other {
		t.Fatalf("DueLeases = %+v, want b, a, other", due)
	}
	if due, _ := s.DueLeases(ctx, t0.Add(11*time.Minute), 1); len(due) != 1 || due[0] != b {
		t.Fatalf("DueLeases limit 1 = %+v", due)
	}
	if due, _ := s.DueLeases(ctx, t0, 10); len(due) != 0 {
		t.Fatalf("DueLeases before any expiry = %+v", due)
	}

	// Renewal replaces the lease; deleting the stale one is a no-op.
	renewed := lease("IAMA:a", t0.Add(2*time.Hour))
	if err := s.PutLease(ctx, renewed); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.DeleteLease(ctx, a); err != nil || ok {
		t.Fatalf("DeleteLease(stale) = %v, %v; want false", ok, err)
	}
	due, _ = s.DueLeases(ctx, t0.Add(3*time.Hour), 10)
	if len(due) != 4 || due[3] != renewed {
		t.Fatalf("after renewal DueLeases = %+v", due)
	}
	if ok, err := s.DeleteLease(ctx, renewed); err != nil || !ok {
		t.Fatalf("DeleteLease = %v, %v; want true", ok, err)
	}
	if ok, err := s.DeleteLease(ctx, renewed); err != nil || ok {
		t.Fatalf("second DeleteLease = %v, %v; want false", ok, err)
	}
	due, _ = s.DueLeases(ctx, t0.Add(3*time.Hour), 10)
	if len(due) != 3 {
		t.Fatalf("after delete DueLeases = %+v", due)
	}
}
