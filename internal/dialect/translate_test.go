package dialect

import (
	"strings"
	"testing"
)

// Each rule's test: the input is the example in AWS's Redshift SQL
// reference (docs.aws.amazon.com/redshift/latest/dg/<page>) where there
// is one, the output what rsdata sends PostgreSQL.
func TestTranslateRules(t *testing.T) {
	for _, tc := range []struct {
		rule, in, want string
	}{
		// r_GETDATE.html
		{"getdate", "select getdate();", "select date_trunc('second', statement_timestamp()::timestamp) AS timestamp;"},
		{"getdate", "select trunc(getdate( ));", "select rsdata_redshift.trunc(date_trunc('second', statement_timestamp()::timestamp));"},
		// r_SYSDATE.html
		{"sysdate", "select sysdate;", "select LOCALTIMESTAMP AS timestamp;"},
		{"sysdate", "select salesid, pricepaid from sales where saletime < sysdate - 120;",
			"select salesid, pricepaid from sales where saletime < LOCALTIMESTAMP - 120;"},
		// r_NVL_function.html
		{"nvl", "select nvl(start_date, end_date) from datetable order by 1;",
			"select COALESCE(start_date, end_date) from datetable order by 1;"},
		{"nvl", "SELECT NVL(a, b, c), nvl (x,y)", "SELECT COALESCE(a, b, c), COALESCE(x,y)"},
		// r_NVL2.html
		{"nvl2", "select nvl2(email, email, phone) AS contact_info from t;",
			"select CASE WHEN email IS NOT NULL THEN email ELSE phone END AS contact_info from t;"},
		{"nvl2", "select nvl2(a + 1, 'x' || b, 0)", "select CASE WHEN (a + 1) IS NOT NULL THEN ('x' || b) ELSE 0 END"},
		// r_DECODE_expression.html
		{"decode", "select decode(caldate, '2008-06-01', 'June 1st, 2008') from datetable where month='JUN' order by caldate;",
			"select CASE caldate WHEN '2008-06-01' THEN 'June 1st, 2008' END from datetable where month='JUN' order by caldate;"},
		{"decode", "select catid, decode(catname, 'NHL', 'National Hockey League', 'MLB', 'Major League Baseball', 'Unknown') from category order by catid;",
			"select catid, CASE catname WHEN 'NHL' THEN 'National Hockey League' WHEN 'MLB' THEN 'Major League Baseball' ELSE 'Unknown' END from category order by catid;"},
		{"decode: a NULL search matches a NULL expression", "select decode(x, null, 'none', -1, 'neg')",
			"select CASE WHEN x IS NOT DISTINCT FROM null THEN 'none' WHEN x IS NOT DISTINCT FROM (-1) THEN 'neg' END"},
		{"decode: PostgreSQL's own two-argument decode is left alone", "select decode('aGk=', 'base64')",
			"select decode('aGk=', 'base64')"},
		// r_LEN.html
		{"len", "select len('français');", "select length('français') AS len;"},
		{"len", "select len(cast('cat' as char(10))) as n;", "select length(cast('cat' as char(10))) as n;"},
		{"len", "select len('cat'), len('cat   ')", "select length('cat') AS len, length('cat   ') AS len"},
		// r_CREATE_TABLE_examples.html
		{"create table", `create table sales(
salesid integer not null,
eventid integer not null encode mostly16,
pricepaid decimal(8,2) encode delta32k,
saletime timestamp,
primary key(salesid))
distkey(listid)
compound sortkey(listid,sellerid);`, `create table sales(
salesid integer not null,
eventid integer not null,
pricepaid decimal(8,2),
saletime timestamp,
primary key(salesid));`},
		{"create table", "create table t1(col1 int distkey, col2 int) diststyle key;", "create table t1(col1 int, col2 int);"},
		{"create table", "create table t2(col1 int sortkey distkey encode az64, col2 int) diststyle even;",
			"create table t2(col1 int, col2 int);"},
		{"create table", "create table customer_interleaved (c_custkey integer not null, c_city varchar(10) not null) diststyle all interleaved sortkey (c_custkey, c_city);",
			"create table customer_interleaved (c_custkey integer not null, c_city varchar(10) not null);"},
		{"create table", "create table t3 (a int) backup no encode auto sortkey auto diststyle auto;", "create table t3 (a int);"},
		{"create table", "CREATE TEMP TABLE t4 DISTSTYLE EVEN SORTKEY(a) AS SELECT a FROM t;", "CREATE TEMP TABLE t4 AS SELECT a FROM t;"},
		{"create table: columns named like attributes stay",
			"create table t5 (distkey int, sortkey int, encode varchar(10) encode zstd, backup int)",
			"create table t5 (distkey int, sortkey int, encode varchar(10), backup int)"},
		{"create table: only CREATE TABLE statements", "select 1 as diststyle; create table t6 (a int) diststyle all",
			"select 1 as diststyle; create table t6 (a int)"},
		// r_Character_types.html
		{"varchar(max)", "create table t7 (a varchar(max), b character varying (MAX));",
			"create table t7 (a varchar(65535), b character varying (65535));"},
		{"varchar(max)", "select cast(x as varchar(max)), max(y) from t", "select cast(x as varchar(65535)), max(y) from t"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			if got := Translate(Redshift, tc.in); got != tc.want {
				t.Errorf("Translate(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// Nothing a rule starts at inside a string, comment, dollar quote or
// quoted identifier, nor a qualified or user-defined name, is touched.
func TestTranslateLeavesAlone(t *testing.T) {
	for _, in := range []string{
		"select 'nvl(a, b)', E'getdate()\\'', $$ len(x) $$, $f$ decode(a,b,c) $f$",
		"select 1 -- sysdate\n/* nvl(a,b) /* nested len(x) */ */",
		`select "nvl"(a, b), "LEN"(x), "sysdate" from "varchar(max)"`,
		"select myschema.nvl(a, b), pg_catalog.len(x), t.sysdate from t",
		"create function nvl2(int, int, int) returns int language sql as 'select 1'; drop function len(text)",
		"select len, nvl from t; select len(a, b), getdate(1), nvl(a)",
		"create table t (a int) -- diststyle all",
		"create table t (a int) \u212Aey \u017Fortkey(a)", // Kelvin sign, long s: not k, not s
		"create table t (a int) diststyle \u212Aey",
		"select 1",
		"",
	} {
		if got := Translate(Redshift, in); got != in {
			t.Errorf("Translate(%q) = %q, want it unchanged", in, got)
		}
	}
}

func TestTranslateNested(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"select nvl(len(nvl(a, 'x')), decode(b, 1, getdate(), sysdate))",
			"select COALESCE(length(COALESCE(a, 'x')), CASE b WHEN 1 THEN (date_trunc('second', statement_timestamp()::timestamp)) ELSE LOCALTIMESTAMP END)"},
		{"select nvl2(f(a, (b, c)), g(1, 2), ')')", "select CASE WHEN (f(a, (b, c))) IS NOT NULL THEN (g(1, 2)) ELSE ')' END"},
		{"select decode(:x, :a, :b, 'z')", "select CASE WHEN :x IS NOT DISTINCT FROM :a THEN :b ELSE 'z' END"},
		{"select nvl(/* c */ a, $1)", "select COALESCE(/* c */ a, $1)"},
		{"select decode(a, 'x,(y', $$),$$, -- ,)\n 'z')", "select CASE a WHEN 'x,(y' THEN $$),$$ ELSE -- ,)\n 'z' END"},
		{"select nvl2(a, b, c -- x\n) + 1, getdate(/* now */)", "select CASE WHEN a IS NOT NULL THEN b ELSE c -- x\n END + 1, date_trunc('second', statement_timestamp()::timestamp) AS timestamp"},
		{"select len(arr[1:2]), nvl(m[1][2], 0)", "select length(arr[1:2]) AS len, COALESCE(m[1][2], 0)"},
		{"select nvl(a, (b", "select nvl(a, (b"}, // unbalanced: left to PostgreSQL
	} {
		if got := Translate(Redshift, tc.in); got != tc.want {
			t.Errorf("Translate(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestPostgresModeIsIdentity(t *testing.T) {
	in := "select nvl(a, b), getdate(); create table t (a varchar(max)) diststyle all"
	if got := Translate(Postgres, in); got != in {
		t.Errorf("Translate(Postgres) = %q", got)
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": Redshift, "redshift": Redshift, "postgres": Postgres} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseMode("Redshift "); err == nil {
		t.Error("ParseMode accepted a bad mode")
	}
}

// statementOf repeats a typical Redshift query until it is n bytes long.
func statementOf(n int) string {
	const unit = "SELECT nvl(a.col1, 'x') AS c1, decode(b.kind, 1, 'one', 2, 'two', 'many'), len(a.name), getdate() -- note\n" +
		"FROM schema1.table_a a JOIN \"Table B\" b ON a.id = b.id WHERE a.s = 'it''s' AND b.t > $1 UNION ALL\n"
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(unit)
	}
	b.WriteString("SELECT 1, 2, 3, 4, 5, 6")
	return b.String()
}

func benchmarkTranslate(b *testing.B, n int) {
	sql := statementOf(n)
	b.SetBytes(int64(len(sql)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Translate(Redshift, sql)
	}
}

func BenchmarkTranslate1KB(b *testing.B)   { benchmarkTranslate(b, 1<<10) }
func BenchmarkTranslate100KB(b *testing.B) { benchmarkTranslate(b, 100<<10) }

// A statement no rule touches costs only the lexing.
func BenchmarkTranslateUntouched100KB(b *testing.B) {
	sql := strings.Repeat("SELECT a.col1, b.col2 FROM t a JOIN u b ON a.id = b.id WHERE a.s = 'x' UNION ALL\n", 100<<10/80) + "SELECT 1, 2"
	b.SetBytes(int64(len(sql)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Translate(Redshift, sql)
	}
}
