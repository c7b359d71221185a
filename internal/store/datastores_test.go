package store_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/datastore"
	"github.com/rsdata/rsdata/internal/store"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// TestDatastoresView: a datastore and its connection are created together;
// a connection in use cannot be deleted; deleting a datastore removes its
// containers and operations and clears links to it; catalog syncs add,
// update and prune; tokens are found by hash and revoked once.
func TestDatastoresView(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Start(t)
	s, err := store.Open(ctx, srv.ConnString("postgres", srv.NewDatabase(t)), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	v := s.Datastores()

	conn := &datastore.Connection{Name: "c", Type: "redshift", Host: "h", Port: 5439, AuthType: datastore.AuthBasic,
		Username: "u", SealedPassword: []byte{1, 2, 3}}
	src := &datastore.Datastore{Name: "src", Database: "dev", Schema: "public", Teams: []string{"T"}}
	if err := v.CreateDatastore(ctx, src, conn); err != nil {
		t.Fatal(err)
	}
	if conn.ID == 0 || src.ConnectionID != conn.ID {
		t.Fatalf("ids: connection %d, datastore's %d", conn.ID, src.ConnectionID)
	}
	enr := &datastore.Datastore{Name: "enr", ConnectionID: conn.ID, Database: "dev", Schema: "e", EnrichmentOnly: true}
	if err := v.CreateDatastore(ctx, enr, nil); err != nil {
		t.Fatal(err)
	}
	src.EnrichmentDatastoreID = enr.ID
	if err := v.UpdateDatastore(ctx, src); err != nil {
		t.Fatal(err)
	}
	got, err := v.GetConnection(ctx, conn.ID)
	if err != nil || string(got.SealedPassword) != "\x01\x02\x03" || got.Username != "u" {
		t.Fatalf("GetConnection: %+v %v", got, err)
	}
	var conflict *datastore.ConflictError
	if err := v.DeleteConnection(ctx, conn.ID); !errors.As(err, &conflict) {
		t.Errorf("deleting a connection in use: %v", err)
	}

	found := []datastore.Container{
		{Name: "a", Type: "table", Fields: []datastore.Field{{Name: "x", Type: "integer", Nullable: true, Position: 1}}},
		{Name: "v", Type: "view", Fields: []datastore.Field{{Name: "x", Type: "integer", Position: 1}}},
	}
	sync := func(types []string, found []datastore.Container, prune bool, want [3]int) {
		t.Helper()
		a, u, r, err := v.SyncContainers(ctx, enr.ID, types, found, prune)
		if err != nil || [3]int{a, u, r} != want {
			t.Fatalf("SyncContainers: %d %d %d %v, want %v", a, u, r, err, want)
		}
	}
	sync([]string{"table", "view"}, found, false, [3]int{2, 0, 0})
	sync([]string{"table", "view"}, found, false, [3]int{0, 0, 0})
	found[0].Fields = append(found[0].Fields, datastore.Field{Name: "y", Type: "text", Position: 2})
	sync([]string{"table"}, found[:1], true, [3]int{0, 1, 0}) // the view is not a table: kept
	sync([]string{"table", "view"}, found[:1], false, [3]int{0, 0, 0})
	sync([]string{"table", "view"}, found[:1], true, [3]int{0, 0, 1})
	cs, err := v.ListContainers(ctx, enr.ID)
	if err != nil || len(cs) != 1 || len(cs[0].Fields) != 2 {
		t.Fatalf("ListContainers: %+v %v", cs, err)
	}
	op := &datastore.Operation{Type: "catalog", DatastoreID: enr.ID, Status: datastore.OpRunning}
	if err := v.CreateOperation(ctx, op); err != nil {
		t.Fatal(err)
	}
	if err := v.FailUnfinished(ctx, "", "restarted"); err != nil {
		t.Fatal(err)
	}
	if o, err := v.GetOperation(ctx, op.ID); err != nil || o.Status != datastore.OpFailure || o.Message != "restarted" {
		t.Errorf("after FailUnfinished: %+v %v", o, err)
	}
	// An ended operation keeps its end.
	op.Status = datastore.OpSuccess
	if err := v.UpdateOperation(ctx, op); err != nil {
		t.Fatal(err)
	}
	if o, _ := v.GetOperation(ctx, op.ID); o.Status != datastore.OpFailure {
		t.Errorf("an ended operation was overwritten: %+v", o)
	}

	if err := v.DeleteDatastore(ctx, enr.ID); err != nil {
		t.Fatal(err)
	}
	if d, err := v.GetDatastore(ctx, src.ID); err != nil || d.EnrichmentDatastoreID != 0 || len(d.Teams) != 1 {
		t.Errorf("the source after its enrichment datastore went: %+v %v", d, err)
	}
	var nf *datastore.NotFoundError
	if _, err := v.GetContainer(ctx, cs[0].ID); !errors.As(err, &nf) {
		t.Errorf("a deleted datastore's container: %v", err)
	}
	if _, err := v.GetOperation(ctx, op.ID); !errors.As(err, &nf) {
		t.Errorf("a deleted datastore's operation: %v", err)
	}

	tok := &datastore.Token{Name: "t", Role: datastore.Editor, Hash: datastore.HashToken("secret")}
	if err := v.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	first := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := v.RevokeToken(ctx, tok.ID, first); err != nil {
		t.Fatal(err)
	}
	if err := v.RevokeToken(ctx, tok.ID, first.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, err := v.TokenByHash(ctx, datastore.HashToken("secret")); err != nil || got.Role != datastore.Editor || !got.RevokedAt.Equal(first) {
		t.Errorf("TokenByHash: %+v %v", got, err)
	}
	if _, err := v.TokenByHash(ctx, datastore.HashToken("other")); !errors.As(err, &nf) {
		t.Errorf("an unknown token: %v", err)
	}
}

// TestDatastoreNotifications: creating, updating and deleting a datastore,
// and updating the connection datastores use, announce the datastores on
// DatastoreChannel; aborting an operation that runs announces it on
// OperationAbortChannel, an ended one is left alone and announced to
// nobody; a second token with one hash is a conflict (replicas started
// together with one RSDATA_ADMIN_TOKEN).
func TestDatastoreNotifications(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := pgtest.Start(t)
	s, err := store.Open(ctx, srv.ConnString("postgres", srv.NewDatabase(t)), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	v := s.Datastores()
	got := make(chan string, 20)
	connected := make(chan struct{}, 1)
	go s.Replicas().Listen(ctx, slog.New(slog.DiscardHandler), []string{store.DatastoreChannel, store.OperationAbortChannel},
		func(ch, payload string) {
			if ch != "" {
				got <- ch + " " + payload
			}
		}, func() { connected <- struct{}{} })
	select {
	case <-connected:
	case <-time.After(30 * time.Second):
		t.Fatal("Listen did not connect")
	}
	expect := func(want ...string) {
		t.Helper()
		var all []string
		for range want {
			select {
			case n := <-got:
				all = append(all, n)
			case <-time.After(30 * time.Second):
				t.Fatalf("notifications %q; want %q", all, want)
			}
		}
		slices.Sort(all)
		slices.Sort(want)
		if !slices.Equal(all, want) {
			t.Fatalf("notifications %q; want %q", all, want)
		}
	}
	ds := func(id int64) string { return store.DatastoreChannel + " " + strconv.FormatInt(id, 10) }

	conn := &datastore.Connection{Name: "c", Type: "redshift", Host: "h", Port: 5439, AuthType: datastore.AuthBasic, Username: "u"}
	one := &datastore.Datastore{Name: "one", Database: "dev", Schema: "public"}
	if err := v.CreateDatastore(ctx, one, conn); err != nil {
		t.Fatal(err)
	}
	expect(ds(one.ID))
	two := &datastore.Datastore{Name: "two", ConnectionID: conn.ID, Database: "dev", Schema: "public"}
	if err := v.CreateDatastore(ctx, two, nil); err != nil {
		t.Fatal(err)
	}
	expect(ds(two.ID))
	one.Schema = "other"
	if err := v.UpdateDatastore(ctx, one); err != nil {
		t.Fatal(err)
	}
	expect(ds(one.ID))
	conn.Host = "elsewhere"
	if err := v.UpdateConnection(ctx, conn); err != nil {
		t.Fatal(err)
	}
	expect(ds(one.ID), ds(two.ID))
	if err := v.DeleteDatastore(ctx, two.ID); err != nil {
		t.Fatal(err)
	}
	expect(ds(two.ID))
	var nf *datastore.NotFoundError
	if err := v.UpdateDatastore(ctx, two); !errors.As(err, &nf) {
		t.Fatalf("updating a deleted datastore: %v", err)
	}

	op := &datastore.Operation{Type: "catalog", DatastoreID: one.ID, Status: datastore.OpRunning}
	if err := v.CreateOperation(ctx, op); err != nil {
		t.Fatal(err)
	}
	if aborted, err := v.AbortOperation(ctx, op.ID, time.Now(), "the operation was aborted"); err != nil || !aborted {
		t.Fatalf("AbortOperation = %v, %v", aborted, err)
	}
	expect(store.OperationAbortChannel + " " + strconv.FormatInt(op.ID, 10))
	if aborted, err := v.AbortOperation(ctx, op.ID, time.Now(), "again"); err != nil || aborted {
		t.Fatalf("aborting an ended operation = %v, %v", aborted, err)
	}
	if o, err := v.GetOperation(ctx, op.ID); err != nil || o.Status != datastore.OpAborted || o.Message != "the operation was aborted" {
		t.Fatalf("aborted operation: %+v, %v", o, err)
	}

	// A replica fails only its own unfinished operations (restarted or
	// taken over); another replica's worker runs on and records its end.
	mine := &datastore.Operation{Type: "catalog", DatastoreID: one.ID, Status: datastore.OpRunning, Instance: "replica-a"}
	theirs := &datastore.Operation{Type: "catalog", DatastoreID: one.ID, Status: datastore.OpRunning, Instance: "replica-b"}
	for _, o := range []*datastore.Operation{mine, theirs} {
		if err := v.CreateOperation(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if err := v.FailUnfinished(ctx, "replica-a", datastore.RestartedMessage); err != nil {
		t.Fatal(err)
	}
	if o, err := v.GetOperation(ctx, mine.ID); err != nil || o.Status != datastore.OpFailure || o.Message != datastore.RestartedMessage {
		t.Fatalf("the restarted replica's operation: %+v, %v", o, err)
	}
	if o, err := v.GetOperation(ctx, theirs.ID); err != nil || o.Status != datastore.OpRunning {
		t.Fatalf("another replica's running operation after FailUnfinished: %+v, %v", o, err)
	}
	theirs.Status, theirs.Message = datastore.OpSuccess, "1 containers added"
	if err := v.UpdateOperation(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	if o, err := v.GetOperation(ctx, theirs.ID); err != nil || o.Status != datastore.OpSuccess {
		t.Fatalf("the other replica's end: %+v, %v", o, err)
	}
	// The restarted replica's dead worker cannot overwrite its failure.
	mine.Status = datastore.OpSuccess
	if err := v.UpdateOperation(ctx, mine); err != nil {
		t.Fatal(err)
	}
	if o, _ := v.GetOperation(ctx, mine.ID); o.Status != datastore.OpFailure {
		t.Fatalf("a failed operation was overwritten: %+v", o)
	}
	if err := v.FailUnfinished(ctx, "replica-a", datastore.RestartedMessage); err != nil {
		t.Fatal(err)
	}
	if o, err := v.GetOperation(ctx, op.ID); err != nil || o.Status != datastore.OpAborted {
		t.Fatalf("an aborted operation after FailUnfinished: %+v, %v", o, err)
	}
	op.Status = datastore.OpSuccess
	if err := v.UpdateOperation(ctx, op); err != nil {
		t.Fatal(err)
	}
	if o, err := v.GetOperation(ctx, op.ID); err != nil || o.Status != datastore.OpAborted {
		t.Fatalf("a worker's end after an abort: %+v, %v", o, err)
	}

	// Only committed changes were announced: nothing is left over (the
	// failed update and the second abort sent nothing).
	if err := v.DeleteDatastore(ctx, one.ID); err != nil {
		t.Fatal(err)
	}
	expect(ds(one.ID))

	tok := &datastore.Token{Name: "a", Role: datastore.Admin, Hash: "same"}
	if err := v.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	var ce *datastore.ConflictError
	if err := v.CreateToken(ctx, &datastore.Token{Name: "b", Role: datastore.Admin, Hash: "same"}); !errors.As(err, &ce) {
		t.Fatalf("a second token with one hash: %v", err)
	}
}
