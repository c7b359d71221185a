package pgexec

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/statement"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// installExecutor is an Executor over an embedded engine whose master user
// is db+"_m" (a plain login: rsdata never logs a user in as a superuser).
func installExecutor(t *testing.T, srv *pgtest.Server, db string, mode dialect.Mode) *Executor {
	t.Helper()
	srv.Exec(t, "postgres", "DO $$ BEGIN CREATE ROLE "+db+"_m LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
	t.Cleanup(func() { srv.Exec(t, "postgres", "DROP ROLE IF EXISTS "+db+"_m") })
	reg := engines.NewRegistry()
	if err := reg.Add(&engines.Endpoint{Kind: engines.Cluster, Name: "c", Host: "127.0.0.1", Port: srv.Port(),
		SocketDir: srv.SocketDir(), AdminUser: "postgres", MasterUser: db + "_m", Database: db, Embedded: true,
		Dialect: mode}); err != nil {
		t.Fatal(err)
	}
	x := New(Options{}, reg)
	t.Cleanup(x.Close)
	return x
}

func acquire(t *testing.T, x *Executor, db, user string) statement.Conn {
	t.Helper()
	c, err := x.Acquire(context.Background(), statement.ConnRequest{Target: statement.Target{Kind: engines.Cluster, Name: "c"}, Database: db, DbUser: user})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Release(true) })
	return c
}

func scalar(t *testing.T, srv *pgtest.Server, db, sql string) string {
	t.Helper()
	c, err := pgx.Connect(context.Background(), srv.ConnString("postgres", db))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var v *string
	if err := c.QueryRow(context.Background(), sql).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if v == nil {
		return "NULL"
	}
	return *v
}

// TestInstallConcurrentAndVersioned: several executors (as several rsdata
// processes would) installing into one new database at once leave one
// installation at the script's version; a database at an older version is
// brought up to date, keeping its recorded layouts and history and putting
// back what was changed.
func TestInstallConcurrentAndVersioned(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	var wg sync.WaitGroup
	for range 4 {
		x := installExecutor(t, srv, db, dialect.Redshift)
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := x.Acquire(context.Background(), statement.ConnRequest{Target: statement.Target{Kind: engines.Cluster, Name: "c"}, Database: db})
			if err != nil {
				t.Error(err)
				return
			}
			c.Release(true)
		}()
	}
	wg.Wait()
	if got := scalar(t, srv, db, "select string_agg(version, ',') from rsdata_redshift.install"); got != dialect.InstallVersion {
		t.Fatalf("installed versions %q, want %q", got, dialect.InstallVersion)
	}
	if got := scalar(t, srv, db, "select rsdata_redshift.crc32('Amazon Redshift')::text"); got != "f2726906" {
		t.Fatalf("crc32 = %q", got)
	}

	// An older installation (from before query ids came in blocks), with a
	// function changed by hand.
	srv.Exec(t, db, `update rsdata_redshift.install set version = 'old';
drop sequence rsdata_redshift.query_blocks;
create table kept (a int);
insert into rsdata_redshift.table_layout values ('kept'::regclass, 'EVEN', null, null, null);
insert into rsdata_redshift.query_history values (7, 's', 1, 'u', 'd', 'select 1', 'FINISHED', null, now(), now(), 1, false);
insert into rsdata_redshift.query_history values (1500, 's', 1, 'u', 'd', 'select 1', 'FINISHED', null, now(), now(), 1, false);
create or replace function rsdata_redshift.crc32(s text) returns varchar language sql as $$ select 'stale'::varchar $$`)
	acquire(t, installExecutor(t, srv, db, dialect.Redshift), db, "")
	if got := scalar(t, srv, db, "select version from rsdata_redshift.install"); got != dialect.InstallVersion {
		t.Errorf("version after upgrade %q", got)
	}
	if got := scalar(t, srv, db, "select rsdata_redshift.crc32('Amazon Redshift')::text"); got != "f2726906" {
		t.Errorf("crc32 after upgrade = %q", got)
	}
	if got := scalar(t, srv, db, "select diststyle || ',' || (select count(*) from rsdata_redshift.query_history) from rsdata_redshift.table_layout where reloid = 'kept'::regclass"); got != "EVEN,2" {
		t.Errorf("layout and history after upgrade: %q", got)
	}
	// A new executor hands out query ids after the highest recorded one.
	x := installExecutor(t, srv, db, dialect.Redshift)
	c, err := x.Acquire(context.Background(), statement.ConnRequest{Target: statement.Target{Kind: engines.Cluster, Name: "c"}, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	id := c.(statement.QueryRecorder).RecordQuery(statement.QueryRecord{StatementID: "s2", SQL: "select 2", Status: statement.Finished})
	if id <= 1500 {
		t.Errorf("next query id %d, want one above the history's 1500", id)
	}
	c.Release(true)
	x.Close() // waits for the history write
	if got := scalar(t, srv, db, fmt.Sprintf("select query_text || ',' || user_name from rsdata_redshift.query_history where query = %d", id)); got != "select 2,"+db+"_m" {
		t.Errorf("history row: %q", got)
	}
}

// TestUpgradeKeepsUsersViews: a user's view that calls an installed
// function and one that reads an installed system view live through a
// re-install of the schema (a new rsdata version): the installer replaces
// its functions and views in place and never drops, so nothing that
// depends on them goes with them.
func TestUpgradeKeepsUsersViews(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	acquire(t, installExecutor(t, srv, db, dialect.Redshift), db, "")
	srv.Exec(t, db, `create view user_dates as select rsdata_redshift.date_add('month', 18, date '2008-02-28') as d;
create view user_tables as select "table" from rsdata_redshift.svv_table_info;
update rsdata_redshift.install set version = 'old'`)
	acquire(t, installExecutor(t, srv, db, dialect.Redshift), db, "")
	if got := scalar(t, srv, db, "select version from rsdata_redshift.install"); got != dialect.InstallVersion {
		t.Fatalf("version after the re-install %q, want %q", got, dialect.InstallVersion)
	}
	if got := scalar(t, srv, db, "select d::text from user_dates"); got != "2009-08-28 00:00:00" {
		t.Errorf("the user's view over date_add after the re-install: %q", got)
	}
	if got := scalar(t, srv, db, "select count(*)::text from user_tables"); got != "0" {
		t.Errorf("the user's view over svv_table_info after the re-install: %q", got)
	}
}

// TestNewDatabasesStartInstalled: a database created by a statement rsdata
// runs (CREATE DATABASE through the Data API) has the schema as soon as the
// statement ends, before anyone connects to it.
func TestNewDatabasesStartInstalled(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	x := installExecutor(t, srv, db, dialect.Redshift)
	srv.Exec(t, "postgres", "ALTER ROLE "+db+"_m CREATEDB")
	fresh := db + "_new"
	t.Cleanup(func() { srv.Exec(t, "postgres", "DROP DATABASE IF EXISTS "+fresh+" WITH (FORCE)") })
	c := acquire(t, x, db, "")
	if _, err := c.Run(context.Background(), "create database "+fresh+" template template0", nil, statement.FormatJSON, discard{}); err != nil {
		t.Fatal(err)
	}
	if got := scalar(t, srv, fresh, "select version from rsdata_redshift.install"); got != dialect.InstallVersion {
		t.Errorf("a new database's version %q", got)
	}
}

// TestInstallNotPossible: on an engine whose admin may not create the
// schema (an external PostgreSQL with a plain login), statements still
// run; only calls of installed functions fail, with PostgreSQL's error,
// and no query history is kept. An engine in postgres mode gets nothing.
func TestInstallNotPossible(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	srv.Exec(t, db, "CREATE ROLE "+db+"_plain LOGIN PASSWORD 'plain-pw'; REVOKE CREATE ON DATABASE "+db+" FROM PUBLIC")
	t.Cleanup(func() { srv.Exec(t, "postgres", "DROP ROLE IF EXISTS "+db+"_plain") })
	reg := engines.NewRegistry()
	if err := reg.Add(&engines.Endpoint{Kind: engines.Cluster, Name: "c", Host: "127.0.0.1", Port: srv.Port(),
		AdminUser: db + "_plain", AdminPassword: "plain-pw", MasterUser: db + "_plain", Database: db, SSLMode: "disable"}); err != nil {
		t.Fatal(err)
	}
	x := New(Options{}, reg)
	t.Cleanup(x.Close)
	c := acquire(t, x, db, db+"_plain")
	if _, err := c.Run(context.Background(), "select 1", nil, statement.FormatJSON, discard{}); err != nil {
		t.Fatalf("a statement on an engine without the schema: %v", err)
	}
	_, err := c.Run(context.Background(), "select rsdata_redshift.crc32('x')", nil, statement.FormatJSON, discard{})
	if err == nil || !strings.Contains(err.Error(), `schema "rsdata_redshift" does not exist`) {
		t.Errorf("an installed function without the schema: %v", err)
	}
	if id := c.(statement.QueryRecorder).RecordQuery(statement.QueryRecord{SQL: "select 1"}); id != 0 {
		t.Errorf("query id %d without a history", id)
	}

	pdb := srv.NewDatabase(t)
	acquire(t, installExecutor(t, srv, pdb, dialect.Postgres), pdb, "")
	if got := scalar(t, srv, pdb, "select to_regnamespace('rsdata_redshift')::text"); got != "NULL" {
		t.Errorf("postgres mode installed %s", got)
	}
}

// TestQueryHistoryBatches: rows queued faster than they are written all
// arrive, in inserts of at most historyBatch rows, each with its own
// increasing query id, once Close has written what was queued.
func TestQueryHistoryBatches(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	x := installExecutor(t, srv, db, dialect.Redshift)
	c, err := x.Acquire(context.Background(), statement.ConnRequest{Target: statement.Target{Kind: engines.Cluster, Name: "c"}, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	rec := c.(statement.QueryRecorder)
	const n = 2*historyBatch + 7
	var last int64
	for i := range n {
		q := statement.QueryRecord{StatementID: "s", SQL: "select 1", Status: statement.Finished, Rows: 1}
		if i%2 == 1 {
			q.Status, q.Error = statement.Failed, "ERROR: boom"
		}
		id := rec.RecordQuery(q)
		if id <= last {
			t.Fatalf("query id %d after %d", id, last)
		}
		last = id
	}
	c.Release(true)
	x.Close()
	want := fmt.Sprintf("%d,%d,%d,%d", n, n/2, n-n/2, last) // odd rows failed
	if got := scalar(t, srv, db, `select count(*) || ',' || count(*) filter (where error is not null) || ',' ||
count(*) filter (where aborted is false and status = 'FINISHED') || ',' || max(query) from rsdata_redshift.query_history`); got != want {
		t.Errorf("history: %s, want %s", got, want)
	}
}

// TestQueryIDsAcrossProcesses: two executors on one database (two rsdata
// replicas on one engine) recording statements in turn, past the end of
// their first blocks of ids, never hand out the same id, and every history
// row arrives.
func TestQueryIDsAcrossProcesses(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	var recs []statement.QueryRecorder
	var xs []*Executor
	var conns []statement.Conn
	for range 2 {
		x := installExecutor(t, srv, db, dialect.Redshift)
		c, err := x.Acquire(context.Background(), statement.ConnRequest{Target: statement.Target{Kind: engines.Cluster, Name: "c"}, Database: db})
		if err != nil {
			t.Fatal(err)
		}
		recs, xs, conns = append(recs, c.(statement.QueryRecorder)), append(xs, x), append(conns, c)
	}
	const each = queryBlock + queryBlock/2
	seen := map[int64]int{}
	for i := range 2 * each {
		who := i % 2
		id := recs[who].RecordQuery(statement.QueryRecord{StatementID: fmt.Sprint(i), SQL: "select 1", Status: statement.Finished})
		if id <= 0 {
			t.Fatalf("statement %d of executor %d got no query id", i, who)
		}
		if other, dup := seen[id]; dup {
			t.Fatalf("query id %d handed out twice (statement %d of executor %d, and before by executor %d)", id, i, who, other)
		}
		seen[id] = who
	}
	for i, x := range xs {
		conns[i].Release(true)
		x.Close() // waits for the history write
	}
	if got := scalar(t, srv, db, "select count(distinct query)::text from rsdata_redshift.query_history"); got != fmt.Sprint(2*each) {
		t.Errorf("history rows %s, want %d", got, 2*each)
	}
}
