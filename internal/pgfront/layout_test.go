package pgfront_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/pgfront"
)

// TestLayoutRecordedThroughQuery: a CREATE TABLE's DISTSTYLE, DISTKEY and
// SORTKEY sent in a simple Query are recorded for SVV_TABLE_INFO, and the
// recording statement the front appends is invisible: the client sees the
// completions of its own statements only, its own DO blocks included, and
// nothing extra when its statement fails.
func TestLayoutRecordedThroughQuery(t *testing.T) {
	e := start(t, pgfront.Options{Authenticated: installSchema(t)})
	c := e.connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tags := func(sql string) ([]string, error) {
		var out []string
		rs, err := c.PgConn().Exec(ctx, sql).ReadAll()
		for _, r := range rs {
			out = append(out, r.CommandTag.String())
		}
		return out, err
	}
	for _, tc := range []struct {
		sql  string
		want []string
	}{
		{"create table lay_key (a int, b int) diststyle key distkey(a) compound sortkey(b, a)", []string{"CREATE TABLE"}},
		{"create table lay_even (a int) diststyle even -- a trailing comment", []string{"CREATE TABLE"}},
		{"create table lay_do (a int) diststyle all; do $$begin end$$", []string{"CREATE TABLE", "DO"}},
		{"do $$begin end$$; create table lay_do2 (a int) distkey(a);", []string{"DO", "CREATE TABLE"}},
	} {
		got, err := tags(tc.sql)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: completions %q (%v), want %q", tc.sql, got, err, tc.want)
		}
	}
	// A failing CREATE TABLE: its error, and no completion of the recording.
	if got, err := tags("create table lay_key (a int) distkey(a)"); err == nil || len(got) != 0 {
		t.Errorf("a second lay_key: completions %q, error %v; want only the error", got, err)
	}
	// SVV_TABLE_INFO shows tables that hold rows, as Redshift's does.
	for _, table := range []string{"lay_key", "lay_even", "lay_do", "lay_do2"} {
		if _, err := c.Exec(ctx, "insert into "+table+" (a) values (1)"); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := c.Query(ctx, `select "table", diststyle, sortkey1 from svv_table_info where "table" like 'lay_%' order by 1`,
		pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([3]string, error) {
		var v [3]string
		err := r.Scan(&v[0], &v[1], &v[2])
		return v, err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]string{{"lay_do", "ALL", "AUTO(SORTKEY)"}, {"lay_do2", "KEY(a)", "AUTO(SORTKEY)"},
		{"lay_even", "EVEN", "AUTO(SORTKEY)"}, {"lay_key", "KEY(a)", "b"}}
	if !slices.Equal(got, want) {
		t.Errorf("svv_table_info: %q, want %q", got, want)
	}
}

// TestLayoutRecordedThroughExtended: a CREATE TABLE's layout sent with the
// extended protocol (Parse, Bind, Execute, Sync, as pgx and JDBC send it,
// alone or in a pipeline) is recorded once the statement has run, and the
// client sees exactly its own responses; a batch whose later statement
// fails rolls back and records nothing, and a failing CREATE TABLE
// records nothing: the client gets its error and the session goes on.
func TestLayoutRecordedThroughExtended(t *testing.T) {
	e := start(t, pgfront.Options{Authenticated: installSchema(t)})
	c := e.connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pc := c.PgConn()

	// The unnamed statement and portal, one Sync.
	res := pc.ExecParams(ctx, "create table ext_key (a int, b int) diststyle key distkey(a) compound sortkey(b, a)",
		nil, nil, nil, nil).Read()
	if res.Err != nil || res.CommandTag.String() != "CREATE TABLE" {
		t.Errorf("ExecParams: %q, %v; want CREATE TABLE", res.CommandTag, res.Err)
	}
	// A named statement: described (Parse, Describe, Sync) records
	// nothing yet; executed, it records.
	if _, err := pc.Prepare(ctx, "ext_stmt", "create table ext_all (a int) diststyle all", nil); err != nil {
		t.Fatal(err)
	}
	res = pc.ExecPrepared(ctx, "ext_stmt", nil, nil, nil).Read()
	if res.Err != nil || res.CommandTag.String() != "CREATE TABLE" {
		t.Errorf("ExecPrepared: %q, %v; want CREATE TABLE", res.CommandTag, res.Err)
	}
	// A pipeline of several statements, the client's own DO among them.
	b := &pgx.Batch{}
	b.Queue("create table ext_even (a int) diststyle even")
	b.Queue("do $$begin end$$")
	b.Queue("select $1::int", 1)
	b.Queue("create table ext_sort (a int, b int) sortkey(b)")
	b.Queue("do $$begin raise notice 'a notice among the held responses'; end$$")
	br := c.SendBatch(ctx, b)
	for i, want := range []string{"CREATE TABLE", "DO", "SELECT 1", "CREATE TABLE", "DO"} {
		tag, err := br.Exec()
		if err != nil || tag.String() != want {
			t.Errorf("batch result %d: %q, %v; want %q", i, tag, err, want)
		}
	}
	if err := br.Close(); err != nil {
		t.Fatalf("batch: %v", err)
	}
	// A batch that fails after its CREATE TABLE: rolled back, nothing
	// recorded, the client sees its error.
	b = &pgx.Batch{}
	b.Queue("create table ext_gone (a int) distkey(a)")
	b.Queue("select 1/0")
	if err := c.SendBatch(ctx, b).Close(); err == nil || !strings.Contains(err.Error(), "division by zero") {
		t.Errorf("failing batch: %v, want division by zero", err)
	}
	// A failing CREATE TABLE with another layout: its error, and the
	// first layout stays.
	res = pc.ExecParams(ctx, "create table ext_key (a int, b int) distkey(b)", nil, nil, nil, nil).Read()
	if res.Err == nil || !strings.Contains(res.Err.Error(), "already exists") {
		t.Errorf("a second ext_key: %q, %v; want its error", res.CommandTag, res.Err)
	}
	for _, table := range []string{"ext_key", "ext_all", "ext_even", "ext_sort"} {
		if _, err := c.Exec(ctx, "insert into "+table+" (a) values ($1)", 1); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := c.Query(ctx, `select "table", diststyle, sortkey1 from svv_table_info where "table" like 'ext_%' order by 1`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([3]string, error) {
		var v [3]string
		err := r.Scan(&v[0], &v[1], &v[2])
		return v, err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]string{{"ext_all", "ALL", "AUTO(SORTKEY)"}, {"ext_even", "EVEN", "AUTO(SORTKEY)"},
		{"ext_key", "KEY(a)", "b"}, {"ext_sort", "AUTO(ALL)", "b"}}
	if !slices.Equal(got, want) {
		t.Errorf("svv_table_info: %q, want %q", got, want)
	}
	var gone bool
	if err := c.QueryRow(ctx, "select to_regclass('ext_gone') is null").Scan(&gone); err != nil || !gone {
		t.Errorf("ext_gone after its batch failed: dropped %v (%v), want dropped", gone, err)
	}
	// The front's own statement and portal are gone from the session.
	var n int
	if err := c.QueryRow(ctx, "select count(*) from pg_prepared_statements where name = 'rsdata_layout'").Scan(&n); err != nil || n != 0 {
		t.Errorf("rsdata_layout prepared statements: %d (%v), want 0", n, err)
	}
}
