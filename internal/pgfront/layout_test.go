package pgfront_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/pgexec"
	"github.com/rsdata/rsdata/internal/pgfront"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// TestLayoutRecordedThroughQuery: a CREATE TABLE's DISTSTYLE, DISTKEY and
// SORTKEY sent in a simple Query are recorded for SVV_TABLE_INFO, and the
// recording statement the front appends is invisible: the client sees the
// completions of its own statements only, its own DO blocks included, and
// nothing extra when its statement fails.
func TestLayoutRecordedThroughQuery(t *testing.T) {
	pg := pgtest.Start(t)
	e := start(t, pgfront.Options{Authenticated: func(ctx context.Context, database string) {
		c, err := pgx.Connect(ctx, pg.ConnString("postgres", database))
		if err != nil {
			t.Errorf("install: %v", err)
			return
		}
		defer c.Close(ctx)
		if err := pgexec.InstallSchema(ctx, c); err != nil {
			t.Errorf("install: %v", err)
		}
	}})
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
