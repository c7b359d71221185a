package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/events"
	"github.com/rsdata/rsdata/internal/statement"
	"github.com/rsdata/rsdata/internal/store"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

type testDB struct {
	store *store.Store
	conn  *pgx.Conn // for what the store does not expose
}

func openTestDB(t testing.TB) testDB {
	t.Helper()
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	ctx := context.Background()
	s, err := store.Open(ctx, srv.ConnString("postgres", db), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	conn, err := pgx.Connect(ctx, srv.ConnString("postgres", db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return testDB{store: s, conn: conn}
}

var base = time.Date(2020, 10, 1, 21, 14, 0, 0, time.UTC)

func submitted(id, name string, target statement.Target, withEvent bool) *statement.Statement {
	return &statement.Statement{
		ID: id, Owner: statement.Owner{Principal: "arn:aws:iam::123456789012:user/myuser", UserID: "AIDAEXAMPLE"},
		Target: target, Database: "dev", DbUser: "awsuser", Name: name, SQL: "select 1",
		WithEvent: withEvent, Status: statement.Submitted, CreatedAt: base, UpdatedAt: base,
		ResultRows: -1, ResultSize: -1, ResultFormat: "JSON", ExpiresAt: base.Add(24 * time.Hour), Instance: "i1",
	}
}

func create(t testing.TB, s *store.Store, st *statement.Statement) {
	t.Helper()
	if _, err := s.Statements().Create(context.Background(), st, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
}

func end(t testing.TB, s *store.Store, st *statement.Statement, status statement.Status, rows int64, at time.Time) {
	t.Helper()
	st.Status, st.ResultRows, st.UpdatedAt, st.StartedAt, st.EndedAt = status, rows, at, at, at
	if err := s.Statements().Update(context.Background(), st, nil); err != nil {
		t.Fatal(err)
	}
}

var (
	cluster   = statement.Target{Kind: engines.Cluster, Name: "redshift-cluster-1"}
	workgroup = statement.Target{Kind: engines.Workgroup, Name: "wg-1"}
)

func TestPendingEventsAndMarkDelivered(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	s := db.store

	finished := submitted("dd2e1ec9-2ee3-49a0-819f-905fa7d75a4a", "test.testtable", cluster, true)
	create(t, s, finished)
	failed := submitted("a1", "", workgroup, true)
	create(t, s, failed)
	quiet := submitted("a2", "no event", cluster, false)
	create(t, s, quiet)
	batch := submitted("b1", "batch", cluster, true)
	batch.Batch, batch.SQL, batch.QueryStrings = true, "", []string{"select 1", "select 2"}
	sub := submitted("b1:1", "", cluster, false)
	sub.Parent, sub.SubIndex, sub.WithEvent = "b1", 1, true // sub-statements never queue events
	batch.Subs = []*statement.Statement{sub}
	create(t, s, batch)

	end(t, s, finished, statement.Finished, 1, base.Add(26*time.Second+500*time.Millisecond))
	end(t, s, failed, statement.Failed, -1, base.Add(30*time.Second))
	end(t, s, quiet, statement.Finished, 5, base.Add(31*time.Second))
	end(t, s, sub, statement.Finished, 1, base.Add(32*time.Second))
	end(t, s, batch, statement.Aborted, -1, base.Add(33*time.Second))
	// A terminal statement updated again queues nothing more.
	end(t, s, finished, statement.Finished, 1, base.Add(40*time.Second))

	got, err := s.Events().PendingEvents(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("pending = %+v, want 3 events", got)
	}
	if !(got[0].ID < got[1].ID && got[1].ID < got[2].ID) {
		t.Fatalf("not oldest first: ids %d %d %d", got[0].ID, got[1].ID, got[2].ID)
	}
	want := []events.Pending{
		{ID: got[0].ID, StatementID: finished.ID, State: statement.Finished, Principal: finished.Owner.Principal,
			StatementName: "test.testtable", Rows: 1, ExpiresAt: base.Add(24 * time.Hour), Target: cluster,
			Time: base.Add(26*time.Second + 500*time.Millisecond)},
		{ID: got[1].ID, StatementID: "a1", State: statement.Failed, Principal: failed.Owner.Principal,
			Rows: -1, ExpiresAt: base.Add(24 * time.Hour), Target: workgroup, Time: base.Add(30 * time.Second)},
		{ID: got[2].ID, StatementID: "b1", State: statement.Aborted, Principal: batch.Owner.Principal,
			StatementName: "batch", Rows: -1, ExpiresAt: base.Add(24 * time.Hour), Target: cluster,
			Time: base.Add(33 * time.Second)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("pending =\n%+v\nwant\n%+v", got, want)
	}

	two, err := s.Events().PendingEvents(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(two, want[:2]) {
		t.Fatalf("limit 2 = %+v, want the two oldest", two)
	}
	if _, err := s.Events().PendingEvents(ctx, 0); err == nil {
		t.Fatal("limit 0 accepted")
	}

	at := base.Add(time.Hour)
	if err := s.Events().MarkDelivered(ctx, []int64{want[0].ID, want[2].ID, 999999}, at); err != nil {
		t.Fatal(err)
	}
	if err := s.Events().MarkDelivered(ctx, nil, at); err != nil {
		t.Fatal(err)
	}
	// Marking again keeps the first delivery time.
	if err := s.Events().MarkDelivered(ctx, []int64{want[0].ID}, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err = s.Events().PendingEvents(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want[1:2]) {
		t.Fatalf("pending after marking = %+v, want only %+v", got, want[1])
	}
	var deliveredAt time.Time
	if err := db.conn.QueryRow(ctx, `SELECT delivered_at FROM events WHERE id = $1`, want[0].ID).Scan(&deliveredAt); err != nil {
		t.Fatal(err)
	}
	if !deliveredAt.Equal(at) {
		t.Fatalf("delivered_at = %v, want %v", deliveredAt, at)
	}
}

func TestPendingEventsFromCrashRecovery(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	s := db.store
	running := submitted("r1", "interrupted", workgroup, true)
	create(t, s, running)
	other := submitted("r2", "", workgroup, false)
	create(t, s, other)
	now := base.Add(time.Minute)
	if n, err := s.Statements().FailUnfinished(ctx, "i1", "interrupted", now); err != nil || n != 2 {
		t.Fatalf("FailUnfinished = %d, %v", n, err)
	}
	got, err := s.Events().PendingEvents(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []events.Pending{{StatementID: "r1", State: statement.Failed, Principal: running.Owner.Principal,
		StatementName: "interrupted", Rows: -1, ExpiresAt: base.Add(24 * time.Hour), Target: workgroup, Time: now}}
	if len(got) == 1 {
		want[0].ID = got[0].ID
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("pending = %+v, want %+v", got, want)
	}
}

func TestPendingEventsLeaveOutDeletedStatements(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	s := db.store
	gone := submitted("g1", "", cluster, true)
	create(t, s, gone)
	end(t, s, gone, statement.Finished, 0, base.Add(time.Second))
	kept := submitted("k1", "", cluster, true)
	create(t, s, kept)
	end(t, s, kept, statement.Finished, 0, base.Add(2*time.Second))
	if _, err := db.conn.Exec(ctx, `DELETE FROM statements WHERE id = 'g1'`); err != nil {
		t.Fatal(err)
	}
	got, err := s.Events().PendingEvents(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].StatementID != "k1" {
		t.Fatalf("pending = %+v, want only k1's event", got)
	}
}
