package pgexec

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rsdata/rsdata/internal/records"
	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// connect opens a connection to db with the session settings the executor
// uses, which fix the text format of dates, times, intervals and bytea.
func connect(tb testing.TB, srv *pgtest.Server, db string) *pgx.Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(srv.ConnString("postgres", db))
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	for _, set := range []string{
		`SET DateStyle = 'ISO, MDY'`,
		`SET TimeZone = 'UTC'`,
		`SET IntervalStyle = 'postgres'`,
		`SET bytea_output = 'hex'`,
		`SET extra_float_digits = 1`,
	} {
		if _, err := conn.Exec(ctx, set); err != nil {
			tb.Fatalf("%s: %v", set, err)
		}
	}
	return conn
}

func testContext(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// countingCatalog counts the catalog queries DescribeColumns makes.
type countingCatalog struct {
	cat     Catalog
	queries int
}

func (c *countingCatalog) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.queries++
	return c.cat.Query(ctx, sql, args...)
}

// stream runs sql the way the executor does: through the simple query
// protocol on conn, describing the columns through cat (another connection,
// since conn is busy streaming) and encoding each row as it arrives. It
// returns the metadata, the kinds and the page as a JSON array of records.
func stream(tb testing.TB, conn *pgx.Conn, cat Catalog, sql string) ([]results.Column, []records.Kind, []byte) {
	tb.Helper()
	ctx := testContext(tb)
	mrr := conn.PgConn().Exec(ctx, sql)
	defer mrr.Close()
	var cols []results.Column
	var kinds []records.Kind
	var page []byte
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		fds := rr.FieldDescriptions()
		if len(fds) == 0 { // a command without a result set
			if _, err := rr.Close(); err != nil {
				tb.Fatalf("%s: %v", sql, err)
			}
			continue
		}
		if page != nil {
			tb.Fatalf("%s: more than one result set", sql)
		}
		var err error
		cols, kinds, err = DescribeColumns(ctx, cat, fds)
		if err != nil {
			tb.Fatalf("DescribeColumns(%s): %v", sql, err)
		}
		page = []byte{'['}
		for n := 0; rr.NextRow(); n++ {
			if n > 0 {
				page = append(page, ',')
			}
			page = records.AppendRecord(page, kinds, rr.Values())
		}
		if _, err := rr.Close(); err != nil {
			tb.Fatalf("%s: %v", sql, err)
		}
	}
	if err := mrr.Close(); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
	if page == nil {
		tb.Fatalf("%s: no result set", sql)
	}
	return cols, kinds, append(page, ']')
}

// decodeRecords parses a page with encoding/json, keeping numbers as their
// exact text so that a JSON number and a JSON string stay distinguishable.
func decodeRecords(tb testing.TB, page []byte) [][]map[string]any {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(page))
	dec.UseNumber()
	var recs [][]map[string]any
	if err := dec.Decode(&recs); err != nil {
		tb.Fatalf("page is not valid JSON: %v\n%s", err, page)
	}
	if dec.More() {
		tb.Fatalf("trailing data after page: %s", page)
	}
	return recs
}

func longF(n string) map[string]any   { return map[string]any{"longValue": json.Number(n)} }
func doubleF(n string) map[string]any { return map[string]any{"doubleValue": json.Number(n)} }
func doubleS(s string) map[string]any { return map[string]any{"doubleValue": s} }
func stringF(s string) map[string]any { return map[string]any{"stringValue": s} }
func boolF(b bool) map[string]any     { return map[string]any{"booleanValue": b} }
func blobF(b64 string) map[string]any { return map[string]any{"blobValue": b64} }
func nullF() map[string]any           { return map[string]any{"isNull": true} }
func blobOf(b []byte) map[string]any  { return blobF(base64.StdEncoding.EncodeToString(b)) }
func repeatBytes(n int) (out []byte) {
	for i := range n {
		out = append(out, byte(i*7+3))
	}
	return out
}

const schemaDDL = `
CREATE SCHEMA sales;
CREATE DOMAIN short_code AS varchar(8);
CREATE DOMAIN posint AS int4 CHECK (VALUE > 0);
CREATE DOMAIN region_code AS short_code;
CREATE DOMAIN stamp AS timestamp;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE every (
    c_int2 int2 NOT NULL,
    c_int4 int4,
    c_int8 int8 NOT NULL,
    c_float4 float4,
    c_float8 float8,
    c_numeric numeric(12,2) NOT NULL,
    c_numeric_free numeric,
    c_numeric_neg numeric(4,-2),
    c_bool bool,
    c_varchar varchar(200) NOT NULL,
    c_varchar_free varchar,
    c_bpchar bpchar(320),
    c_text text,
    c_name name,
    c_char "char",
    c_date date,
    c_time time,
    c_time3 time(3),
    c_timetz timetz,
    c_ts timestamp NOT NULL,
    c_ts3 timestamp(3),
    c_tstz timestamptz,
    c_bytea bytea,
    c_json json,
    c_jsonb jsonb,
    c_uuid uuid,
    c_oid oid,
    c_interval interval,
    c_money money,
    c_short short_code,
    c_pos posint NOT NULL,
    c_region region_code,
    c_stamp stamp,
    c_mood mood,
    c_int4s int4[],
    c_moods mood[]
);
CREATE TABLE sales.orders (id int8 PRIMARY KEY, note text);
INSERT INTO every VALUES (
    -32768, 2147483647, 9223372036854775807, 0.1, 1.5,
    12345.67, 0.000001, 1200, true,
    'v', 'free', 'b', 't', 'n', 'c',
    '2020-08-21', '17:33:51', '17:33:51.125', '15:04:05+02',
    '2022-02-22 00:00:00', '2020-08-21 17:33:51.887', '2020-08-21 17:33:51.88712+00',
    '\x00ff10', '{"a": [1, "x"]}', '{"a": [1, "x"]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    4294967295, '1 day 02:03:04', 12.5,
    'ab', 7, 'eu', '2022-02-22 01:02:03', 'happy', '{1,NULL,3}', '{sad,happy}'
);
INSERT INTO sales.orders VALUES (1, NULL);
`

// col builds the expected metadata of a column; zero fields stay zero.
func col(name, typ string, prec, scale int32, nullable int32, schema, table string, flags ...string) results.Column {
	c := results.Column{
		Name: name, Label: name, TypeName: typ,
		Precision: prec, Scale: scale, Nullable: nullable,
		SchemaName: schema, TableName: table,
	}
	for _, f := range flags {
		switch f {
		case "signed":
			c.IsSigned = true
		case "case":
			c.IsCaseSensitive = true
		case "currency":
			c.IsCurrency = true
		default:
			panic("unknown flag " + f)
		}
	}
	return c
}

func TestDescribeColumnsTable(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	srv.Exec(t, db, schemaDDL)
	conn := connect(t, srv, db)
	catConn := connect(t, srv, db)
	cat := &countingCatalog{cat: catConn}

	cols, kinds, page := stream(t, conn, cat, `SELECT * FROM every`)
	// One query for the domain and enum types, one for all table columns.
	if cat.queries != 2 {
		t.Errorf("catalog queries = %d, want 2", cat.queries)
	}

	const p, e = "public", "every"
	want := []struct {
		col  results.Column
		kind records.Kind
	}{
		{col("c_int2", "int2", 5, 0, 0, p, e, "signed"), records.KindLong},
		{col("c_int4", "int4", 10, 0, 1, p, e, "signed"), records.KindLong},
		{col("c_int8", "int8", 19, 0, 0, p, e, "signed"), records.KindLong},
		{col("c_float4", "float4", 8, 8, 1, p, e, "signed"), records.KindDouble},
		{col("c_float8", "float8", 17, 17, 1, p, e, "signed"), records.KindDouble},
		{col("c_numeric", "numeric", 12, 2, 0, p, e, "signed"), records.KindString},
		{col("c_numeric_free", "numeric", 0, 0, 1, p, e, "signed"), records.KindString},
		{col("c_numeric_neg", "numeric", 4, -2, 1, p, e, "signed"), records.KindString},
		{col("c_bool", "bool", 1, 0, 1, p, e), records.KindBool},
		{col("c_varchar", "varchar", 200, 0, 0, p, e, "case"), records.KindString},
		{col("c_varchar_free", "varchar", 2147483647, 0, 1, p, e, "case"), records.KindString},
		{col("c_bpchar", "bpchar", 320, 0, 1, p, e, "case"), records.KindString},
		{col("c_text", "text", 2147483647, 0, 1, p, e, "case"), records.KindString},
		{col("c_name", "name", 64, 0, 1, p, e, "case"), records.KindString},
		{col("c_char", "char", 1, 0, 1, p, e, "case"), records.KindString},
		{col("c_date", "date", 13, 0, 1, p, e), records.KindString},
		{col("c_time", "time", 15, 6, 1, p, e), records.KindString},
		{col("c_time3", "time", 15, 3, 1, p, e), records.KindString},
		{col("c_timetz", "timetz", 21, 6, 1, p, e), records.KindString},
		{col("c_ts", "timestamp", 29, 6, 0, p, e), records.KindTimestamp},
		{col("c_ts3", "timestamp", 29, 3, 1, p, e), records.KindTimestamp},
		{col("c_tstz", "timestamptz", 35, 6, 1, p, e), records.KindString},
		{col("c_bytea", "bytea", 0, 0, 1, p, e), records.KindBlob},
		{col("c_json", "json", 0, 0, 1, p, e), records.KindString},
		{col("c_jsonb", "jsonb", 0, 0, 1, p, e), records.KindString},
		{col("c_uuid", "uuid", 0, 0, 1, p, e), records.KindString},
		{col("c_oid", "oid", 10, 0, 1, p, e), records.KindLong},
		{col("c_interval", "interval", 0, 0, 1, p, e), records.KindString},
		{col("c_money", "money", 19, 2, 1, p, e, "signed", "currency"), records.KindString},
		// Domains keep their own name but take everything else from the
		// base type, the domain's typmod included.
		{col("c_short", "short_code", 8, 0, 1, p, e, "case"), records.KindString},
		{col("c_pos", "posint", 10, 0, 0, p, e, "signed"), records.KindLong},
		{col("c_region", "region_code", 8, 0, 1, p, e, "case"), records.KindString},
		{col("c_stamp", "stamp", 29, 6, 1, p, e), records.KindTimestamp},
		{col("c_mood", "mood", 0, 0, 1, p, e), records.KindString},
		{col("c_int4s", "_int4", 0, 0, 1, p, e), records.KindString},
		{col("c_moods", "_mood", 0, 0, 1, p, e), records.KindString},
	}
	if len(cols) != len(want) || len(kinds) != len(want) {
		t.Fatalf("got %d columns and %d kinds, want %d", len(cols), len(kinds), len(want))
	}
	for i, w := range want {
		if cols[i] != w.col {
			t.Errorf("column %d:\n got %+v\nwant %+v", i, cols[i], w.col)
		}
		if kinds[i] != w.kind {
			t.Errorf("column %s: kind %v, want %v", w.col.Name, kinds[i], w.kind)
		}
	}

	recs := decodeRecords(t, page)
	wantRec := []map[string]any{
		longF("-32768"), longF("2147483647"), longF("9223372036854775807"),
		doubleF("0.1"), doubleF("1.5"),
		stringF("12345.67"), stringF("0.000001"), stringF("1200"), boolF(true),
		stringF("v"), stringF("free"), stringF("b" + strings.Repeat(" ", 319)), stringF("t"),
		stringF("n"), stringF("c"),
		stringF("2020-08-21"), stringF("17:33:51"), stringF("17:33:51.125"), stringF("15:04:05+02"),
		stringF("2022-02-22 00:00:00.0"), stringF("2020-08-21 17:33:51.887"),
		stringF("2020-08-21 17:33:51.88712+00"),
		blobF("AP8Q"), stringF(`{"a": [1, "x"]}`), stringF(`{"a": [1, "x"]}`),
		stringF("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
		longF("4294967295"), stringF("1 day 02:03:04"), stringF("$12.50"),
		stringF("ab"), longF("7"), stringF("eu"), stringF("2022-02-22 01:02:03.0"),
		stringF("happy"), stringF("{1,NULL,3}"), stringF("{sad,happy}"),
	}
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1", len(recs))
	}
	for i, w := range wantRec {
		if i >= len(recs[0]) {
			t.Fatalf("record has %d fields, want %d", len(recs[0]), len(wantRec))
		}
		if !reflect.DeepEqual(recs[0][i], w) {
			t.Errorf("field %s = %#v, want %#v", want[i].col.Name, recs[0][i], w)
		}
	}
}

func TestDescribeColumnsOtherSchemaAndJoin(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	srv.Exec(t, db, schemaDDL)
	conn := connect(t, srv, db)
	cat := &countingCatalog{cat: connect(t, srv, db)}

	cols, kinds, _ := stream(t, conn, cat, `
		SELECT o.id, o.note AS order_note, e.c_varchar, e.c_int2 + 1 AS next, o.id::text AS id_text
		FROM sales.orders o CROSS JOIN every e`)
	// All types are built in: only the table-column query runs.
	if cat.queries != 1 {
		t.Errorf("catalog queries = %d, want 1", cat.queries)
	}
	want := []results.Column{
		col("id", "int8", 19, 0, 0, "sales", "orders", "signed"),
		// The label is the alias; the table column behind it is still known.
		col("order_note", "text", 2147483647, 0, 1, "sales", "orders", "case"),
		col("c_varchar", "varchar", 200, 0, 0, "public", "every", "case"),
		col("next", "int4", 10, 0, 2, "", "", "signed"),
		col("id_text", "text", 2147483647, 0, 2, "", "", "case"),
	}
	if !reflect.DeepEqual(cols, want) {
		t.Errorf("columns:\n got %+v\nwant %+v", cols, want)
	}
	if want := []records.Kind{records.KindLong, records.KindString, records.KindString, records.KindLong, records.KindString}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("kinds = %v, want %v", kinds, want)
	}
}

func TestDescribeColumnsComputed(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	srv.Exec(t, db, schemaDDL)
	conn := connect(t, srv, db)
	cat := &countingCatalog{cat: connect(t, srv, db)}

	cols, kinds, page := stream(t, conn, cat, `SELECT 1`)
	if cat.queries != 0 {
		t.Errorf("select 1: catalog queries = %d, want 0", cat.queries)
	}
	if want := []results.Column{col("?column?", "int4", 10, 0, 2, "", "", "signed")}; !reflect.DeepEqual(cols, want) {
		t.Errorf("select 1: columns %+v, want %+v", cols, want)
	}
	if !reflect.DeepEqual(kinds, []records.Kind{records.KindLong}) {
		t.Errorf("select 1: kinds %v", kinds)
	}
	if string(page) != `[[{"longValue":1}]]` {
		t.Errorf("select 1: page %s", page)
	}

	cat.queries = 0
	cols, kinds, _ = stream(t, conn, cat, `
		SELECT 'x'::varchar(5) AS v, 1.5::numeric(4,1) AS n, now()::timestamp(0) AS ts,
		       'a'::char AS c, 'sad'::mood AS m, 3::posint AS p`)
	// The enum needs one type query; nothing comes from a table.
	if cat.queries != 1 {
		t.Errorf("computed with user types: catalog queries = %d, want 1", cat.queries)
	}
	wantCols := []results.Column{
		col("v", "varchar", 5, 0, 2, "", "", "case"),
		col("n", "numeric", 4, 1, 2, "", "", "signed"),
		col("ts", "timestamp", 29, 0, 2, "", ""),
		col("c", "bpchar", 1, 0, 2, "", "", "case"),
		col("m", "mood", 0, 0, 2, "", ""),
		// PostgreSQL describes a computed domain value by its base type.
		col("p", "int4", 10, 0, 2, "", "", "signed"),
	}
	if !reflect.DeepEqual(cols, wantCols) {
		t.Errorf("columns:\n got %+v\nwant %+v", cols, wantCols)
	}
	if want := []records.Kind{records.KindString, records.KindString, records.KindTimestamp, records.KindString, records.KindString, records.KindLong}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("kinds = %v, want %v", kinds, want)
	}
}

func TestRoundTrip(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	srv.Exec(t, db, schemaDDL)
	conn := connect(t, srv, db)
	cat := connect(t, srv, db)

	tricky := "say \"hi\"\nback\\slash\ttab\r\x01\x1f ünïcødé 日本 😀 <&> \u2028"
	long := repeatBytes(300) // longer than AppendRecord's decode chunk
	cases := []struct {
		expr string
		want map[string]any
	}{
		{`9223372036854775807::int8`, longF("9223372036854775807")},
		{`(-9223372036854775808)::int8`, longF("-9223372036854775808")},
		{`(-32768)::int2`, longF("-32768")},
		{`-42`, longF("-42")},
		{`0`, longF("0")},
		{`26::oid`, longF("26")},
		{`1.5::float8`, doubleF("1.5")},
		{`-2.25::float8`, doubleF("-2.25")},
		{`1e100::float8`, doubleF("1e+100")},
		{`1.25e-07::float8`, doubleF("1.25e-07")},
		{`0.1::float8 + 0.2`, doubleF("0.30000000000000004")},
		{`'-0'::float8`, doubleF("-0")},
		{`0.1::float4`, doubleF("0.1")},
		{`'NaN'::float8`, doubleS("NaN")},
		{`'Infinity'::float8`, doubleS("Infinity")},
		{`'-Infinity'::float4`, doubleS("-Infinity")},
		{`12345.67::numeric`, stringF("12345.67")},
		{`(-0.5)::numeric(3,2)`, stringF("-0.50")},
		{`'NaN'::numeric`, stringF("NaN")},
		{`true`, boolF(true)},
		{`false`, boolF(false)},
		{`'2020-08-21'::date`, stringF("2020-08-21")},
		{`'2022-02-22 00:00:00'::timestamp`, stringF("2022-02-22 00:00:00.0")},
		{`'2020-08-21 17:33:51.88712'::timestamp`, stringF("2020-08-21 17:33:51.88712")},
		{`'2020-08-21 17:33:51.5'::timestamp`, stringF("2020-08-21 17:33:51.5")},
		{`'0044-03-15 12:00:00 BC'::timestamp`, stringF("0044-03-15 12:00:00.0 BC")},
		{`'10000-01-01 00:00:00'::timestamp`, stringF("10000-01-01 00:00:00.0")},
		{`'infinity'::timestamp`, stringF("infinity")},
		{`'2020-08-21 17:33:51'::timestamptz`, stringF("2020-08-21 17:33:51+00")},
		{`'2020-08-21 19:33:51.25+02'::timestamptz`, stringF("2020-08-21 17:33:51.25+00")},
		{`'15:04:05'::time`, stringF("15:04:05")},
		{`'15:04:05.5'::time`, stringF("15:04:05.5")},
		{`'15:04:05+02'::timetz`, stringF("15:04:05+02")},
		{`'1 day 02:03:04'::interval`, stringF("1 day 02:03:04")},
		{`E'say "hi"\nback\\slash\ttab\r\x01\x1f ünïcødé 日本 😀 <&> \u2028'`, stringF(tricky)},
		{`''::text`, stringF("")},
		{`'x'::name`, stringF("x")},
		{`'ab'::char(4)`, stringF("ab  ")},
		{`'\x00ff10'::bytea`, blobF("AP8Q")},
		{`''::bytea`, blobF("")},
		{`'\xfb'::bytea`, blobF("+w==")},
		{`'\xfbff'::bytea`, blobF("+/8=")},
		{fmt.Sprintf(`'\x%x'::bytea`, long), blobOf(long)},
		{`'{"a": [1, "x\"y"]}'::json`, stringF(`{"a": [1, "x\"y"]}`)},
		{`'{"b":2,  "a":1}'::jsonb`, stringF(`{"a": 1, "b": 2}`)},
		{`'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid`, stringF("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")},
		{`ARRAY[1,2,3]`, stringF("{1,2,3}")},
		{`ARRAY['a b', 'c"d', NULL]`, stringF(`{"a b","c\"d",NULL}`)},
		{`ARRAY['sad'::mood]`, stringF("{sad}")},
		{`'happy'::mood`, stringF("happy")},
		{`5::posint`, longF("5")},
		{`'2022-02-22 01:02:03'::stamp`, stringF("2022-02-22 01:02:03.0")},
		{`12.5::money`, stringF("$12.50")},
		{`NULL::int4`, nullF()},
		{`NULL::int8`, nullF()},
		{`NULL::float8`, nullF()},
		{`NULL::bool`, nullF()},
		{`NULL::text`, nullF()},
		{`NULL::bytea`, nullF()},
		{`NULL::timestamp`, nullF()},
		{`NULL::numeric`, nullF()},
		{`NULL::mood`, nullF()},
		{`NULL`, nullF()},
	}
	for _, c := range cases {
		_, _, page := stream(t, conn, cat, "SELECT "+c.expr)
		recs := decodeRecords(t, page)
		if len(recs) != 1 || len(recs[0]) != 1 {
			t.Errorf("SELECT %s: page %s, want one record of one field", c.expr, page)
			continue
		}
		if !reflect.DeepEqual(recs[0][0], c.want) {
			t.Errorf("SELECT %s: got %#v, want %#v (page %s)", c.expr, recs[0][0], c.want, page)
		}
	}

	// Several fields and rows in one page, NULLs among them.
	_, _, page := stream(t, conn, cat, `
		SELECT i, CASE WHEN i = 2 THEN NULL ELSE 'r' || i END, i % 2 = 0
		FROM generate_series(1, 3) AS i`)
	want := `[[{"longValue":1},{"stringValue":"r1"},{"booleanValue":false}],` +
		`[{"longValue":2},{"isNull":true},{"booleanValue":true}],` +
		`[{"longValue":3},{"stringValue":"r3"},{"booleanValue":false}]]`
	if string(page) != want {
		t.Errorf("multi-row page:\n got %s\nwant %s", page, want)
	}
}

// The legacy escape format of bytea decodes to the same bytes as hex.
func TestBlobEscapeFormat(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	conn := connect(t, srv, db)
	cat := connect(t, srv, db)
	if _, err := conn.Exec(testContext(t), `SET bytea_output = 'escape'`); err != nil {
		t.Fatal(err)
	}
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	_, _, page := stream(t, conn, cat, fmt.Sprintf(`SELECT '\x%x'::bytea, '\x5c'::bytea`, all))
	recs := decodeRecords(t, page)
	want := []map[string]any{blobOf(all), blobF("XA==")}
	if len(recs) != 1 || !reflect.DeepEqual(recs[0], want) {
		t.Errorf("got %#v, want %#v", recs, want)
	}
}

// DescribeColumns may be handed the connection that produced the field
// descriptions, whose slice pgconn reuses for the catalog query's own.
func TestDescribeColumnsOnSameConnection(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	srv.Exec(t, db, schemaDDL)
	conn := connect(t, srv, db)
	ctx := testContext(t)

	mrr := conn.PgConn().Exec(ctx, `SELECT c_pos, c_mood, c_text AS t, 1 AS one FROM every`)
	if !mrr.NextResult() {
		t.Fatal("no result")
	}
	rr := mrr.ResultReader()
	fds := rr.FieldDescriptions()
	before := append([]pgconn.FieldDescription(nil), fds...)
	if _, err := rr.Close(); err != nil {
		t.Fatal(err)
	}
	if err := mrr.Close(); err != nil {
		t.Fatal(err)
	}

	cols, kinds, err := DescribeColumns(ctx, conn, fds)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fds, before) {
		t.Logf("the catalog queries overwrote the field descriptions (as pgconn may)")
	}
	want := []results.Column{
		col("c_pos", "posint", 10, 0, 0, "public", "every", "signed"),
		col("c_mood", "mood", 0, 0, 1, "public", "every"),
		col("t", "text", 2147483647, 0, 1, "public", "every", "case"),
		col("one", "int4", 10, 0, 2, "", "", "signed"),
	}
	if !reflect.DeepEqual(cols, want) {
		t.Errorf("columns:\n got %+v\nwant %+v", cols, want)
	}
	if want := []records.Kind{records.KindLong, records.KindString, records.KindString, records.KindLong}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("kinds = %v, want %v", kinds, want)
	}
}

func TestDescribeColumnsCatalogError(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	srv.Exec(t, db, schemaDDL)
	conn := connect(t, srv, db)
	cat := connect(t, srv, db)
	ctx := testContext(t)

	mrr := conn.PgConn().Exec(ctx, `SELECT c_int4 FROM every`)
	res, err := mrr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	cat.Close(ctx)
	if _, _, err := DescribeColumns(ctx, cat, res[0].FieldDescriptions); err == nil {
		t.Fatal("DescribeColumns with a closed catalog connection succeeded")
	} else if !strings.HasPrefix(err.Error(), "pgexec: ") {
		t.Errorf("error %q lacks the package prefix", err)
	}
}

// A catalog connection cannot see a table or type created in the
// statement's still-open transaction; such columns degrade to computed ones
// (and an unnamed type) instead of failing the statement.
func TestDescribeColumnsUncommittedObjects(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	conn := connect(t, srv, db)
	cat := &countingCatalog{cat: connect(t, srv, db)}

	// The transaction stays open after the string has run.
	cols, kinds, page := stream(t, conn, cat, `
		BEGIN;
		CREATE TYPE fresh AS ENUM ('a');
		CREATE TABLE t_new (id int4 NOT NULL, f fresh);
		INSERT INTO t_new VALUES (1, 'a');
		SELECT id, f FROM t_new`)
	if cat.queries != 2 {
		t.Errorf("catalog queries = %d, want 2", cat.queries)
	}
	want := []results.Column{
		col("id", "int4", 10, 0, 2, "", "", "signed"),
		col("f", "", 0, 0, 2, "", ""),
	}
	if !reflect.DeepEqual(cols, want) {
		t.Errorf("columns:\n got %+v\nwant %+v", cols, want)
	}
	if !reflect.DeepEqual(kinds, []records.Kind{records.KindLong, records.KindString}) {
		t.Errorf("kinds = %v", kinds)
	}
	if string(page) != `[[{"longValue":1},{"stringValue":"a"}]]` {
		t.Errorf("page = %s", page)
	}
}
