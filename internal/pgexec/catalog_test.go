package pgexec

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

var (
	_ Catalog = (*pgx.Conn)(nil)
	_ Catalog = (*pgxpool.Pool)(nil)
)

// catalogDDL builds the objects the catalog tests list. Schema names are
// chosen to exercise LIKE: "_" and "%" wildcards, escaping, quotes and case.
var catalogDDL = []string{
	`CREATE SCHEMA my_schema`,
	`CREATE SCHEMA myxschema`,
	`CREATE SCHEMA "o'brien"`,
	`CREATE SCHEMA "o'brien2"`,
	`CREATE SCHEMA publish`,
	`CREATE SCHEMA sales`,
	`CREATE SCHEMA "Sales"`,

	`CREATE TABLE my_schema.t_plain (id int4 PRIMARY KEY, label text)`,
	`CREATE VIEW my_schema.v_plain AS SELECT id FROM my_schema.t_plain`,
	`CREATE MATERIALIZED VIEW my_schema.mv AS SELECT id FROM my_schema.t_plain`,
	`CREATE TABLE my_schema.parted (k int4, v text) PARTITION BY RANGE (k)`,
	`CREATE TABLE my_schema.parted_1 PARTITION OF my_schema.parted FOR VALUES FROM (0) TO (10)`,
	`CREATE UNLOGGED TABLE my_schema.unlogged_t (a int4)`,
	`CREATE FOREIGN DATA WRAPPER dummy_fdw`,
	`CREATE SERVER dummy_srv FOREIGN DATA WRAPPER dummy_fdw`,
	`CREATE FOREIGN TABLE my_schema.ft (a int4) SERVER dummy_srv`,
	// Not tables: never listed.
	`CREATE SEQUENCE my_schema.a_seq`,
	`CREATE INDEX t_plain_label_idx ON my_schema.t_plain (label)`,
	`CREATE TYPE my_schema.comp AS (x int4, y int4)`,
	// The same name in another schema matching "my_schema" as a pattern.
	`CREATE TABLE myxschema.t_plain (other int8)`,

	`CREATE TABLE sales.item (lower_id int4)`,
	`CREATE TABLE "Sales"."Item" (upper_id int8)`,
	`CREATE TABLE public."it's" ("o'clock" int4)`,
	`CREATE TABLE public.t_plain (pub_id int2 NOT NULL)`,

	`CREATE DOMAIN my_schema.short_text AS varchar(20)`,
	`CREATE DOMAIN my_schema.posint AS int4 CHECK (VALUE > 0)`,
	`CREATE DOMAIN my_schema.nested AS my_schema.short_text`,
	`CREATE TABLE my_schema.cols (
		id serial,
		name varchar(200) NOT NULL DEFAULT 'x',
		amount numeric(12,2) DEFAULT 0,
		created timestamp DEFAULT now(),
		flag bool NOT NULL DEFAULT false,
		note text,
		code char(3),
		gone int4,
		ts3 timestamp(3),
		big int8,
		small int2,
		f8 float8,
		cash money,
		arr int4[],
		d my_schema.short_text,
		p my_schema.posint NOT NULL,
		nd my_schema.nested,
		doubled int4 GENERATED ALWAYS AS (id * 2) STORED,
		ident int8 GENERATED ALWAYS AS IDENTITY
	)`,
	`ALTER TABLE my_schema.cols DROP COLUMN gone`,
}

// catalogFixture returns two connections to a fresh database holding
// catalogDDL; the first also has temporary table tmp_t and view tmp_v, in
// the temporary schema whose name is returned.
func catalogFixture(t *testing.T) (conn, other *pgx.Conn, tempSchema string) {
	t.Helper()
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	conn = connect(t, srv, db)
	other = connect(t, srv, db)
	ctx := testContext(t)
	for _, sql := range catalogDDL {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	for _, sql := range []string{
		`CREATE TEMP TABLE tmp_t (a int4)`,
		`CREATE TEMP VIEW tmp_v AS SELECT a FROM tmp_t`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if err := conn.QueryRow(ctx, `SELECT nspname::text FROM pg_namespace WHERE oid = pg_my_temp_schema()`).Scan(&tempSchema); err != nil {
		t.Fatal(err)
	}
	// A temporary table of the other session too, so its temporary schema
	// exists as well and must not be listed.
	if _, err := other.Exec(ctx, `CREATE TEMP TABLE other_tmp (a int4)`); err != nil {
		t.Fatal(err)
	}
	return conn, other, tempSchema
}

// allSchemas is ListSchemas("") on the fixture, in byte order (upper case
// sorts before lower case).
var allSchemas = []string{
	"Sales", "information_schema", "my_schema", "myxschema", "o'brien", "o'brien2",
	"pg_catalog", "public", "publish", "sales",
}

func TestListSchemas(t *testing.T) {
	conn, _, _ := catalogFixture(t)
	ctx := testContext(t)
	for _, tc := range []struct {
		pattern string
		want    []string
	}{
		{"", allSchemas},
		{"%", allSchemas},
		{"pub%", []string{"public", "publish"}},
		// "_" is a wildcard unless escaped.
		{"my_schema", []string{"my_schema", "myxschema"}},
		{`my\_schema`, []string{"my_schema"}},
		{`m_\%`, []string{}},
		// A quote is just a character of the bound parameter.
		{"o'brien%", []string{"o'brien", "o'brien2"}},
		{"o'brien", []string{"o'brien"}},
		{"x' OR '1'='1", []string{}},
		{"%' OR nspname LIKE '%", []string{}},
		// Case-sensitive.
		{"sales", []string{"sales"}},
		{"Sales", []string{"Sales"}},
		{"SALES", []string{}},
		{"_ales", []string{"Sales", "sales"}},
		// Hidden schemas stay hidden even when asked for by name.
		{"pg_toast", []string{}},
		{"pg_temp%", []string{}},
		{"pg%", []string{"pg_catalog"}},
		{"nosuch", []string{}},
	} {
		got, more, err := ListSchemas(ctx, conn, tc.pattern, Page{})
		if err != nil {
			t.Fatalf("ListSchemas(%q): %v", tc.pattern, err)
		}
		if got == nil || !slices.Equal(got, tc.want) || more {
			t.Errorf("ListSchemas(%q) = %q (nil %v), more %v; want %q, false", tc.pattern, got, got == nil, more, tc.want)
		}
	}
}

func TestListSchemasPaging(t *testing.T) {
	conn, _, _ := catalogFixture(t)
	ctx := testContext(t)
	n := len(allSchemas)
	for _, tc := range []struct {
		page Page
		want []string
		more bool
	}{
		{Page{Limit: 3}, allSchemas[:3], true},
		{Page{Offset: 3, Limit: 3}, allSchemas[3:6], true},
		{Page{Offset: n - 3, Limit: 3}, allSchemas[n-3:], false},
		{Page{Offset: n - 3, Limit: 2}, allSchemas[n-3 : n-1], true},
		{Page{Limit: n}, allSchemas, false},
		{Page{Limit: n - 1}, allSchemas[:n-1], true},
		{Page{Offset: 2}, allSchemas[2:], false},
		{Page{Offset: n, Limit: 5}, []string{}, false},
		{Page{Offset: n + 10}, []string{}, false},
		{Page{Offset: -4, Limit: -1}, allSchemas, false},
	} {
		got, more, err := ListSchemas(ctx, conn, "", tc.page)
		if err != nil {
			t.Fatalf("%+v: %v", tc.page, err)
		}
		if got == nil || !slices.Equal(got, tc.want) || more != tc.more {
			t.Errorf("ListSchemas(%+v) = %q, more %v; want %q, %v", tc.page, got, more, tc.want, tc.more)
		}
	}

	// Walking the pages visits every schema once, in order.
	var walked []string
	for p := (Page{Limit: 4}); ; p.Offset += p.Limit {
		got, more, err := ListSchemas(ctx, conn, "", p)
		if err != nil {
			t.Fatal(err)
		}
		walked = append(walked, got...)
		if !more {
			break
		}
	}
	if !slices.Equal(walked, allSchemas) {
		t.Errorf("paged walk = %q, want %q", walked, allSchemas)
	}
}

func TestListSchemasBadPattern(t *testing.T) {
	conn, _, _ := catalogFixture(t)
	ctx := testContext(t)
	_, _, err := ListSchemas(ctx, conn, `%\`, Page{})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "22025" {
		t.Fatalf("ListSchemas(`%%\\`) error = %v, want a PgError with SQLSTATE 22025", err)
	}
	_, _, err = ListTables(ctx, conn, "", `%\`, Page{})
	if !errors.As(err, &pgErr) || pgErr.Code != "22025" {
		t.Fatalf("ListTables(`%%\\`) error = %v, want a PgError with SQLSTATE 22025", err)
	}
	// The connection is still usable.
	if _, _, err := ListSchemas(ctx, conn, "", Page{}); err != nil {
		t.Fatal(err)
	}
}

func TestListTables(t *testing.T) {
	conn, other, temp := catalogFixture(t)
	ctx := testContext(t)
	tbl := func(schema, name, typ string) TableInfo { return TableInfo{Schema: schema, Name: name, Type: typ} }
	mySchema := []TableInfo{
		tbl("my_schema", "cols", "TABLE"),
		tbl("my_schema", "ft", "TABLE"),
		tbl("my_schema", "mv", "VIEW"),
		tbl("my_schema", "parted", "TABLE"),
		tbl("my_schema", "parted_1", "TABLE"),
		tbl("my_schema", "t_plain", "TABLE"),
		tbl("my_schema", "unlogged_t", "TABLE"),
		tbl("my_schema", "v_plain", "VIEW"),
	}
	for _, tc := range []struct {
		cat           Catalog
		schema, table string
		want          []TableInfo
	}{
		{conn, `my\_schema`, "", mySchema},
		{conn, `my\_schema`, "%", mySchema},
		{conn, "my_schema", "t%", []TableInfo{
			tbl("my_schema", "t_plain", "TABLE"),
			tbl("myxschema", "t_plain", "TABLE"),
		}},
		{conn, "", `t\_plain`, []TableInfo{
			tbl("my_schema", "t_plain", "TABLE"),
			tbl("myxschema", "t_plain", "TABLE"),
			tbl("public", "t_plain", "TABLE"),
		}},
		{conn, "%", `parted%`, []TableInfo{
			tbl("my_schema", "parted", "TABLE"),
			tbl("my_schema", "parted_1", "TABLE"),
		}},
		{conn, "", "parted_", []TableInfo{}},
		// Case-sensitive, in both patterns.
		{conn, "", "item", []TableInfo{tbl("sales", "item", "TABLE")}},
		{conn, "", "Item", []TableInfo{tbl("Sales", "Item", "TABLE")}},
		{conn, "", "ITEM", []TableInfo{}},
		{conn, "sales", "Item", []TableInfo{}},
		{conn, "SALES", "", []TableInfo{}},
		{conn, "_ales", "", []TableInfo{
			tbl("Sales", "Item", "TABLE"),
			tbl("sales", "item", "TABLE"),
		}},
		// Quotes are bound, not spliced.
		{conn, "public", "it's", []TableInfo{tbl("public", "it's", "TABLE")}},
		{conn, "public", "x' OR '1'='1", []TableInfo{}},
		{conn, "o'brien%", "", []TableInfo{}},
		// System relations.
		{conn, "information_schema", "sql_features", []TableInfo{tbl("information_schema", "sql_features", "SYSTEM TABLE")}},
		{conn, "information_schema", "tables", []TableInfo{tbl("information_schema", "tables", "SYSTEM VIEW")}},
		{conn, "pg_catalog", "pg_class", []TableInfo{tbl("pg_catalog", "pg_class", "SYSTEM TABLE")}},
		{conn, "pg_catalog", "pg_tables", []TableInfo{tbl("pg_catalog", "pg_tables", "SYSTEM VIEW")}},
		// Indexes, sequences, composite types and toast tables are not tables.
		{conn, "", "t_plain_%", []TableInfo{}},
		{conn, "", "a_seq", []TableInfo{}},
		{conn, "", "comp", []TableInfo{}},
		{conn, "pg_toast", "", []TableInfo{}},
		{conn, "", "pg_toast%", []TableInfo{}},
		// Temporary relations: the session's own, never another's.
		{conn, "pg_temp%", "", []TableInfo{
			tbl(temp, "tmp_t", "LOCAL TEMPORARY"),
			tbl(temp, "tmp_v", "LOCAL TEMPORARY"),
		}},
		{conn, "", "%tmp%", []TableInfo{
			tbl(temp, "tmp_t", "LOCAL TEMPORARY"),
			tbl(temp, "tmp_v", "LOCAL TEMPORARY"),
		}},
		{other, "", "tmp%", []TableInfo{}},
		{other, `my\_schema`, "", mySchema},
		{conn, "nosuch", "", []TableInfo{}},
	} {
		got, more, err := ListTables(ctx, tc.cat, tc.schema, tc.table, Page{})
		if err != nil {
			t.Fatalf("ListTables(%q, %q): %v", tc.schema, tc.table, err)
		}
		if got == nil || !slices.Equal(got, tc.want) || more {
			t.Errorf("ListTables(%q, %q) = %v (nil %v), more %v;\nwant %v", tc.schema, tc.table, got, got == nil, more, tc.want)
		}
	}

	// Without patterns, everything: user tables, system relations, the
	// session's temporary ones, ordered by schema then name.
	all, more, err := ListTables(ctx, conn, "", "", Page{})
	if err != nil || more {
		t.Fatalf("ListTables all: more %v, err %v", more, err)
	}
	if !slices.IsSortedFunc(all, func(a, b TableInfo) int {
		if a.Schema != b.Schema {
			return compareStrings(a.Schema, b.Schema)
		}
		return compareStrings(a.Name, b.Name)
	}) {
		t.Errorf("ListTables all is not ordered by schema, name: %v", all)
	}
	types := map[string]int{}
	for _, ti := range all {
		types[ti.Type]++
	}
	for _, typ := range []string{"TABLE", "VIEW", "SYSTEM TABLE", "SYSTEM VIEW", "LOCAL TEMPORARY"} {
		if types[typ] == 0 {
			t.Errorf("ListTables all has no %q entry", typ)
		}
	}
	if len(types) != 5 {
		t.Errorf("ListTables all types = %v, want exactly the five above", types)
	}
	for _, w := range append(slices.Clone(mySchema), tbl(temp, "tmp_t", "LOCAL TEMPORARY"), tbl("sales", "item", "TABLE")) {
		if !slices.Contains(all, w) {
			t.Errorf("ListTables all lacks %v", w)
		}
	}
	for _, ti := range all {
		if ti.Name == "other_tmp" || ti.Schema == "pg_toast" {
			t.Errorf("ListTables all has %v", ti)
		}
	}
}

// compareStrings orders like PostgreSQL's name type (byte-wise).
func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestListTablesPaging(t *testing.T) {
	conn, _, _ := catalogFixture(t)
	ctx := testContext(t)
	all, more, err := ListTables(ctx, conn, "", "", Page{})
	if err != nil || more {
		t.Fatalf("ListTables all: more %v, err %v", more, err)
	}
	if len(all) < 100 {
		t.Fatalf("only %d relations; the paging test wants many", len(all))
	}
	var walked []TableInfo
	pages := 0
	for p := (Page{Limit: 7}); ; p.Offset += p.Limit {
		got, more, err := ListTables(ctx, conn, "", "", p)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > 7 || (more && len(got) != 7) {
			t.Fatalf("page %+v has %d entries, more %v", p, len(got), more)
		}
		walked = append(walked, got...)
		pages++
		if !more {
			break
		}
	}
	if !slices.Equal(walked, all) {
		t.Errorf("paged walk differs from the full list (%d vs %d entries)", len(walked), len(all))
	}
	if want := (len(all) + 6) / 7; pages != want {
		t.Errorf("walked %d pages, want %d", pages, want)
	}

	got, more, err := ListTables(ctx, conn, `my\_schema`, "", Page{Offset: 2, Limit: 3})
	want := []TableInfo{
		{"my_schema", "mv", "VIEW"},
		{"my_schema", "parted", "TABLE"},
		{"my_schema", "parted_1", "TABLE"},
	}
	if err != nil || !slices.Equal(got, want) || !more {
		t.Errorf("ListTables(my_schema, offset 2, limit 3) = %v, more %v, err %v; want %v, true", got, more, err, want)
	}
	got, more, err = ListTables(ctx, conn, `my\_schema`, "", Page{Offset: 6, Limit: 3})
	want = []TableInfo{
		{"my_schema", "unlogged_t", "TABLE"},
		{"my_schema", "v_plain", "VIEW"},
	}
	if err != nil || !slices.Equal(got, want) || more {
		t.Errorf("ListTables(my_schema, offset 6, limit 3) = %v, more %v, err %v; want %v, false", got, more, err, want)
	}
}

func TestListDatabases(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	db2 := srv.NewDatabase(t)
	tpl, noconn := db+"_tpl", db+"_noconn"
	srv.Exec(t, "postgres", "CREATE DATABASE "+tpl+" IS_TEMPLATE true")
	srv.Exec(t, "postgres", "CREATE DATABASE "+noconn+" ALLOW_CONNECTIONS false")
	t.Cleanup(func() {
		srv.Exec(t, "postgres", "ALTER DATABASE "+tpl+" IS_TEMPLATE false")
		srv.Exec(t, "postgres", "DROP DATABASE "+tpl)
		srv.Exec(t, "postgres", "DROP DATABASE "+noconn)
	})
	conn := connect(t, srv, db)
	ctx := testContext(t)

	all, more, err := ListDatabases(ctx, conn, Page{})
	if err != nil || more {
		t.Fatalf("ListDatabases: more %v, err %v", more, err)
	}
	for _, want := range []string{db, db2} {
		if !slices.Contains(all, want) {
			t.Errorf("ListDatabases = %q, lacks %q", all, want)
		}
	}
	for _, hidden := range []string{"template0", "template1", "postgres", tpl, noconn} {
		if slices.Contains(all, hidden) {
			t.Errorf("ListDatabases = %q, has %q", all, hidden)
		}
	}
	if !slices.IsSorted(all) {
		t.Errorf("ListDatabases = %q, not sorted", all)
	}
	// The list is the server's, whichever database cat is connected to.
	fromPostgres := connect(t, srv, "postgres")
	all2, _, err := ListDatabases(ctx, fromPostgres, Page{})
	if err != nil || !slices.Equal(all2, all) {
		t.Errorf("ListDatabases from postgres = %q, %v; want %q", all2, err, all)
	}

	// A pool is a Catalog too.
	pool, err := pgxpool.New(ctx, srv.ConnString("postgres", db))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	all3, _, err := ListDatabases(ctx, pool, Page{})
	if err != nil || !slices.Equal(all3, all) {
		t.Errorf("ListDatabases through a pool = %q, %v; want %q", all3, err, all)
	}

	first, more, err := ListDatabases(ctx, conn, Page{Limit: 1})
	if err != nil || !slices.Equal(first, all[:1]) || !more {
		t.Errorf("ListDatabases(limit 1) = %q, more %v, err %v; want %q, true", first, more, err, all[:1])
	}
	rest, more, err := ListDatabases(ctx, conn, Page{Offset: 1, Limit: len(all)})
	if err != nil || !slices.Equal(rest, all[1:]) || more {
		t.Errorf("ListDatabases(offset 1) = %q, more %v, err %v; want %q, false", rest, more, err, all[1:])
	}
}

// describeCols is DescribeTable("my_schema", "cols") on the fixture.
func describeCols() []results.Column {
	const s, tb = "my_schema", "cols"
	withDef := func(c results.Column, def string) results.Column { c.ColumnDefault = def; return c }
	return []results.Column{
		withDef(col("id", "int4", 10, 0, 0, s, tb, "signed"), "nextval('my_schema.cols_id_seq'::regclass)"),
		withDef(withLength(col("name", "varchar", 200, 0, 0, s, tb, "case")), "'x'::character varying"),
		withDef(col("amount", "numeric", 12, 2, 1, s, tb, "signed"), "0"),
		withDef(col("created", "timestamp", 29, 6, 1, s, tb), "now()"),
		withDef(col("flag", "bool", 1, 0, 0, s, tb), "false"),
		withLength(col("note", "text", 2147483647, 0, 1, s, tb, "case")),
		withLength(col("code", "bpchar", 3, 0, 1, s, tb, "case")),
		col("ts3", "timestamp", 29, 3, 1, s, tb),
		col("big", "int8", 19, 0, 1, s, tb, "signed"),
		col("small", "int2", 5, 0, 1, s, tb, "signed"),
		col("f8", "float8", 17, 17, 1, s, tb, "signed"),
		col("cash", "money", 19, 2, 1, s, tb, "signed", "currency"),
		col("arr", "_int4", 0, 0, 1, s, tb),
		withLength(col("d", "short_text", 20, 0, 1, s, tb, "case")),
		col("p", "posint", 10, 0, 0, s, tb, "signed"),
		withLength(col("nd", "nested", 20, 0, 1, s, tb, "case")),
		col("doubled", "int4", 10, 0, 1, s, tb, "signed"),
		col("ident", "int8", 19, 0, 0, s, tb, "signed"),
	}
}

func checkColumns(t *testing.T, what string, got, want []results.Column) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: nil columns", what)
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d columns, want %d:\n got %+v\nwant %+v", what, len(got), len(want), got, want)
		return
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: column %d:\n got %+v\nwant %+v", what, i, got[i], want[i])
		}
	}
}

func TestDescribeTable(t *testing.T) {
	conn, other, _ := catalogFixture(t)
	ctx := testContext(t)
	want := describeCols()

	name, cols, more, err := DescribeTable(ctx, conn, "my_schema", "cols", Page{})
	if err != nil || name != "cols" || more {
		t.Fatalf("DescribeTable(my_schema, cols) name %q, more %v, err %v", name, more, err)
	}
	checkColumns(t, "my_schema.cols", cols, want)

	// Paging cuts the column list.
	name, cols, more, err = DescribeTable(ctx, conn, "my_schema", "cols", Page{Offset: 2, Limit: 3})
	if err != nil || name != "cols" || !more {
		t.Errorf("page 2..5: name %q, more %v, err %v", name, more, err)
	}
	checkColumns(t, "my_schema.cols [2:5]", cols, want[2:5])
	name, cols, more, err = DescribeTable(ctx, conn, "my_schema", "cols", Page{Offset: len(want) - 2, Limit: 2})
	if err != nil || name != "cols" || more {
		t.Errorf("last page: name %q, more %v, err %v", name, more, err)
	}
	checkColumns(t, "my_schema.cols last page", cols, want[len(want)-2:])
	name, cols, more, err = DescribeTable(ctx, conn, "my_schema", "cols", Page{Offset: len(want)})
	if err != nil || name != "" || more {
		t.Errorf("past the end: name %q, more %v, err %v", name, more, err)
	}
	checkColumns(t, "my_schema.cols past the end", cols, []results.Column{})

	// Same metadata as a result set read from the table, except that only
	// DescribeTable reports lengths and defaults.
	fromResult, _, _ := stream(t, conn, other, `SELECT * FROM my_schema.cols`)
	for i := range want {
		w := want[i]
		w.Length, w.ColumnDefault = 0, ""
		want[i] = w
	}
	checkColumns(t, "DescribeColumns(SELECT * FROM my_schema.cols)", fromResult, want)
}

func TestDescribeTableLookups(t *testing.T) {
	conn, other, temp := catalogFixture(t)
	ctx := testContext(t)
	for _, tc := range []struct {
		cat           Catalog
		schema, table string
		wantName      string
		want          []results.Column
	}{
		// A view's columns are nullable whatever the base table says.
		{conn, "my_schema", "v_plain", "v_plain", []results.Column{
			col("id", "int4", 10, 0, 1, "my_schema", "v_plain", "signed"),
		}},
		{conn, "my_schema", "mv", "mv", []results.Column{
			col("id", "int4", 10, 0, 1, "my_schema", "mv", "signed"),
		}},
		// Any schema: the table of that name in each, in schema order.
		{conn, "", "t_plain", "t_plain", []results.Column{
			col("id", "int4", 10, 0, 0, "my_schema", "t_plain", "signed"),
			withLength(col("label", "text", 2147483647, 0, 1, "my_schema", "t_plain", "case")),
			col("other", "int8", 19, 0, 1, "myxschema", "t_plain", "signed"),
			col("pub_id", "int2", 5, 0, 0, "public", "t_plain", "signed"),
		}},
		// Any table: every table of the schema, in name order.
		{conn, "sales", "", "item", []results.Column{
			col("lower_id", "int4", 10, 0, 1, "sales", "item", "signed"),
		}},
		// Names are exact and case-sensitive, not patterns.
		{conn, "Sales", "Item", "Item", []results.Column{
			col("upper_id", "int8", 19, 0, 1, "Sales", "Item", "signed"),
		}},
		{conn, "sales", "Item", "", []results.Column{}},
		{conn, "my_schema", "t_plai%", "", []results.Column{}},
		{conn, "my_schema", "t_plai_", "", []results.Column{}},
		{conn, `my\_schema`, "t_plain", "", []results.Column{}},
		{conn, "my%", "t_plain", "", []results.Column{}},
		// Quotes are bound, not spliced.
		{conn, "public", "it's", "it's", []results.Column{
			col("o'clock", "int4", 10, 0, 1, "public", "it's", "signed"),
		}},
		{conn, "public", "x' OR '1'='1", "", []results.Column{}},
		// Not tables, or not there.
		{conn, "my_schema", "nosuch", "", []results.Column{}},
		{conn, "nosuch", "cols", "", []results.Column{}},
		{conn, "my_schema", "a_seq", "", []results.Column{}},
		{conn, "my_schema", "comp", "", []results.Column{}},
		// Temporary tables: only the session's own.
		{conn, "", "tmp_t", "tmp_t", []results.Column{
			col("a", "int4", 10, 0, 1, temp, "tmp_t", "signed"),
		}},
		{other, "", "tmp_t", "", []results.Column{}},
		// information_schema's domains keep their names, as in AWS's example.
		{conn, "information_schema", "sql_features", "sql_features", []results.Column{
			withLength(col("feature_id", "character_data", 2147483647, 0, 1, "information_schema", "sql_features", "case")),
			withLength(col("feature_name", "character_data", 2147483647, 0, 1, "information_schema", "sql_features", "case")),
			withLength(col("sub_feature_id", "character_data", 2147483647, 0, 1, "information_schema", "sql_features", "case")),
			withLength(col("sub_feature_name", "character_data", 2147483647, 0, 1, "information_schema", "sql_features", "case")),
			withLength(col("is_supported", "yes_or_no", 3, 0, 1, "information_schema", "sql_features", "case")),
			withLength(col("is_verified_by", "character_data", 2147483647, 0, 1, "information_schema", "sql_features", "case")),
			withLength(col("comments", "character_data", 2147483647, 0, 1, "information_schema", "sql_features", "case")),
		}},
	} {
		name, cols, more, err := DescribeTable(ctx, tc.cat, tc.schema, tc.table, Page{})
		if err != nil {
			t.Fatalf("DescribeTable(%q, %q): %v", tc.schema, tc.table, err)
		}
		if name != tc.wantName || more {
			t.Errorf("DescribeTable(%q, %q): table name %q, more %v; want %q, false", tc.schema, tc.table, name, more, tc.wantName)
		}
		checkColumns(t, "DescribeTable("+tc.schema+", "+tc.table+")", cols, tc.want)
	}

	// Neither schema nor table: every relation's columns, by schema, table,
	// position; the page's table name is its first column's.
	name, cols, more, err := DescribeTable(ctx, conn, "", "", Page{})
	if err != nil || more || len(cols) < 1000 {
		t.Fatalf("DescribeTable all: %d columns, more %v, err %v", len(cols), more, err)
	}
	if name != cols[0].TableName {
		t.Errorf("DescribeTable all: table name %q, first column's %q", name, cols[0].TableName)
	}
	var seen []string
	for _, c := range cols {
		key := c.SchemaName + "." + c.TableName
		if len(seen) == 0 || seen[len(seen)-1] != key {
			seen = append(seen, key)
		}
	}
	if !slices.Contains(seen, "my_schema.cols") || !slices.Contains(seen, temp+".tmp_v") || slices.Contains(seen, "my_schema.comp") {
		t.Errorf("DescribeTable all covers the wrong relations: %q", seen)
	}
	var fromTables []string
	tables, _, err := ListTables(ctx, conn, "", "", Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ti := range tables {
		fromTables = append(fromTables, ti.Schema+"."+ti.Name)
	}
	if !slices.Equal(seen, fromTables) {
		t.Errorf("DescribeTable all lists %d relations in this order, ListTables %d:\n%q\n%q", len(seen), len(fromTables), seen, fromTables)
	}
	mid, page, more, err := DescribeTable(ctx, conn, "", "", Page{Offset: 500, Limit: 10})
	if err != nil || !more || !reflect.DeepEqual(page, cols[500:510]) || mid != cols[500].TableName {
		t.Errorf("DescribeTable all, offset 500 limit 10: name %q, more %v, err %v; columns differ from the full list's: %v",
			mid, more, err, !reflect.DeepEqual(page, cols[500:510]))
	}
}

func withLength(c results.Column) results.Column { c.Length = c.Precision; return c }

func TestCatalogContextCanceled(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	conn := connect(t, srv, db)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := ListDatabases(ctx, conn, Page{}); !errors.Is(err, context.Canceled) {
		t.Errorf("ListDatabases: %v, want context.Canceled", err)
	}
	if _, _, err := ListSchemas(ctx, conn, "", Page{}); !errors.Is(err, context.Canceled) {
		t.Errorf("ListSchemas: %v, want context.Canceled", err)
	}
	if _, _, err := ListTables(ctx, conn, "", "", Page{}); !errors.Is(err, context.Canceled) {
		t.Errorf("ListTables: %v, want context.Canceled", err)
	}
	if _, _, _, err := DescribeTable(ctx, conn, "", "", Page{}); !errors.Is(err, context.Canceled) {
		t.Errorf("DescribeTable: %v, want context.Canceled", err)
	}
}
