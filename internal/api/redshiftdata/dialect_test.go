package redshiftdata_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"

	"github.com/rsdata/rsdata/internal/config"
	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// rows returns a finished statement's records as strings (SQL NULL as "NULL").
func rows(t *testing.T, env *apptest.Env, id string) ([][]string, []types.ColumnMetadata) {
	t.Helper()
	if d := env.Wait(t, id); d.Status != types.StatusStringFinished {
		t.Fatalf("statement %s: %s %q", id, d.Status, aws.ToString(d.Error))
	}
	r, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: &id})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, rec := range r.Records {
		var row []string
		for _, f := range rec {
			switch v := f.(type) {
			case *types.FieldMemberStringValue:
				row = append(row, v.Value)
			case *types.FieldMemberLongValue:
				row = append(row, strconv.FormatInt(v.Value, 10))
			case *types.FieldMemberIsNull:
				row = append(row, "NULL")
			default:
				t.Fatalf("field %#v", f)
			}
		}
		out = append(out, row)
	}
	return out, r.ColumnMetadata
}

// TestRedshiftDialect runs the examples of AWS's Redshift SQL reference
// through the Data API (a batch, a session, bound parameters) and compares
// the results with the reference's.
func TestRedshiftDialect(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})

	// r_CREATE_TABLE_examples.html, r_Character_types.html: Redshift's
	// storage attributes are accepted (and dropped), VARCHAR(MAX) is 65535.
	batch, err := env.Client.BatchExecuteStatement(ctx, &redshiftdata.BatchExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"),
		SessionKeepAliveSeconds: aws.Int32(60),
		Sqls: []string{
			`create table category(
catid smallint not null distkey,
catgroup varchar(10) encode lzo,
catname varchar(max) encode zstd,
catdesc varchar(50) encode bytedict)
diststyle key backup yes
compound sortkey(catid, catgroup)`,
			`insert into category values (1, 'Sports', 'MLB', 'Major League Baseball'), (2, 'Sports', 'NHL', 'National Hockey League'),
(3, 'Sports', 'NFL', 'National Football League'), (4, 'Sports', 'NBA', 'National Basketball Association'),
(5, 'Sports', 'MLS', 'Major League Soccer'), (6, 'Shows', 'Musicals', 'Musical theatre')`,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := env.Wait(t, *batch.Id); d.Status != types.StatusStringFinished {
		t.Fatalf("batch: %s %q", d.Status, aws.ToString(d.Error))
	}
	sid := aws.ToString(batch.SessionId)
	if sid == "" {
		t.Fatal("no session")
	}
	inSession := func(sql string, params ...types.SqlParameter) string {
		out, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{SessionId: &sid, Sql: &sql, Parameters: params})
		if err != nil {
			t.Fatalf("%q: %v", sql, err)
		}
		return *out.Id
	}

	got, _ := rows(t, env, inSession(`select data_type, character_maximum_length from information_schema.columns
where table_name = 'category' and column_name = 'catname'`))
	if want := "character varying 65535"; got[0][0]+" "+got[0][1] != want {
		t.Errorf("varchar(max) column: %v, want %s", got, want)
	}

	// r_DECODE_expression.html's example, with one search bound as a
	// parameter: its result column is catid, then the full names.
	got, _ = rows(t, env, inSession(`select catid, decode(catname, :nhl, 'National Hockey League', 'MLB', 'Major League Baseball',
'MLS', 'Major League Soccer', 'NFL', 'National Football League', 'NBA', 'National Basketball Association', 'Unknown')
from category order by catid`, types.SqlParameter{Name: aws.String("nhl"), Value: aws.String("NHL")}))
	want := []string{"Major League Baseball", "National Hockey League", "National Football League",
		"National Basketball Association", "Major League Soccer", "Unknown"}
	if len(got) != len(want) {
		t.Fatalf("decode: %v", got)
	}
	for i, w := range want {
		if got[i][1] != w {
			t.Errorf("decode row %d: %v, want %q", i+1, got[i], w)
		}
	}

	// NVL, NVL2 (r_NVL_function.html, r_NVL2.html), LEN (r_LEN.html:
	// len('français') is 8), DECODE matching NULL with NULL, after
	// SET search_path TO another schema: nothing depends on search_path.
	if d := env.Wait(t, inSession("create schema myschema; set search_path to myschema")); d.Status != types.StatusStringFinished {
		t.Fatalf("set search_path: %s %q", d.Status, aws.ToString(d.Error))
	}
	got, cols := rows(t, env, inSession(`select nvl(null::int, :seven::int), nvl2(null::text, 'a', 'b'), nvl2(:x::text, 'a', 'b'),
len('français'), decode(null::int, 1, 'one', null, 'null', 'other'), getdate(), sysdate, pg_typeof(getdate())::text,
current_setting('search_path')`, types.SqlParameter{Name: aws.String("seven"), Value: aws.String("7")},
		types.SqlParameter{Name: aws.String("x"), Value: aws.String("x")}))
	row := got[0]
	for i, w := range []string{"7", "b", "a", "8", "null"} {
		if row[i] != w {
			t.Errorf("column %d (%s) = %q, want %q", i+1, aws.ToString(cols[i].Name), row[i], w)
		}
	}
	// r_GETDATE.html: "2008-12-04 16:10:43", a timestamp to the second
	// (the Data API writes a timestamp's fraction, here ".0");
	// r_SYSDATE.html: a timestamp.
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.0$`).MatchString(row[5]) || aws.ToString(cols[5].TypeName) != "timestamp" {
		t.Errorf("getdate() = %q (%s), want a timestamp without fractional seconds", row[5], aws.ToString(cols[5].TypeName))
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`).MatchString(row[6]) || aws.ToString(cols[6].TypeName) != "timestamp" {
		t.Errorf("sysdate = %q (%s), want a timestamp", row[6], aws.ToString(cols[6].TypeName))
	}
	// Their result columns are named as Redshift names them: len,
	// timestamp (r_LEN.html, r_GETDATE.html, r_SYSDATE.html).
	for i, w := range map[int]string{3: "len", 5: "timestamp", 6: "timestamp"} {
		if got := aws.ToString(cols[i].Name); got != w {
			t.Errorf("column %d is named %q, want %q", i+1, got, w)
		}
	}
	if row[7] != "timestamp without time zone" || row[8] != "myschema" {
		t.Errorf("pg_typeof(getdate()), search_path = %q, %q", row[7], row[8])
	}

	// DescribeStatement shows the SQL as sent, not as translated.
	id := inSession("select len('abc')")
	if d := env.Wait(t, id); aws.ToString(d.QueryString) != "select len('abc')" {
		t.Errorf("QueryString = %q", aws.ToString(d.QueryString))
	}
}

// With the postgres dialect an engine runs SQL untouched: no Redshift
// function, no refusal, PostgreSQL's own type names.
func TestPostgresDialect(t *testing.T) {
	env := apptest.Start(t, apptest.Options{Dialect: dialect.Postgres})
	d := env.Run(t, "select nvl(1, 2)")
	if d.Status != types.StatusStringFailed || !strings.HasPrefix(aws.ToString(d.Error), "ERROR: function nvl(integer, integer) does not exist") {
		t.Errorf("nvl on a postgres engine: %s %q", d.Status, aws.ToString(d.Error))
	}
	for _, sql := range []string{"create table pg_t (a int primary key, b text)", "create index pg_t_b on pg_t (b)",
		"insert into pg_t values (1, 'x') on conflict do nothing returning a"} {
		if d := env.Run(t, sql); d.Status != types.StatusStringFinished {
			t.Errorf("%q on a postgres engine: %s %q", sql, d.Status, aws.ToString(d.Error))
		}
	}
	_, cols := rows(t, env, *env.Run(t, `select '{"a": 1}'::jsonb, b from pg_t`).Id)
	if aws.ToString(cols[0].TypeName) != "jsonb" || aws.ToString(cols[1].TypeName) != "text" {
		t.Errorf("type names on a postgres engine: %s %s", aws.ToString(cols[0].TypeName), aws.ToString(cols[1].TypeName))
	}
}

// TestRedshiftRefusals: PostgreSQL-only syntax Redshift refuses fails as
// the statement's error (Unsupported PostgreSQL features), alone, in a
// batch (whose transaction it aborts), in a session's open transaction
// and with bound parameters; the new rewrites bind parameters too.
func TestRedshiftRefusals(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})

	d := env.Run(t, "create table rf_t (a int)")
	if d.Status != types.StatusStringFinished {
		t.Fatalf("create: %s %q", d.Status, aws.ToString(d.Error))
	}
	d = env.Run(t, "create index rf_t_a on rf_t (a)")
	if d.Status != types.StatusStringFailed || aws.ToString(d.Error) != `ERROR: SQL command "create index rf_t_a on rf_t (a)" not supported on Redshift tables.` {
		t.Errorf("create index: %s %q", d.Status, aws.ToString(d.Error))
	}
	// DescribeStatement shows the statement as sent.
	if aws.ToString(d.QueryString) != "create index rf_t_a on rf_t (a)" {
		t.Errorf("QueryString = %q", aws.ToString(d.QueryString))
	}

	// A batch: the refused statement fails, the transaction rolls back
	// (rf_b is never created), and what follows is not run.
	batch, err := env.Client.BatchExecuteStatement(ctx, &redshiftdata.BatchExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"),
		Sqls: []string{"create table rf_b (a int primary key)", "insert into rf_b values (1) on conflict do nothing", "select 1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	d = env.Wait(t, *batch.Id)
	if d.Status != types.StatusStringFailed || aws.ToString(d.Error) != `ERROR: syntax error at or near "on"` {
		t.Errorf("batch: %s %q", d.Status, aws.ToString(d.Error))
	}
	if len(d.SubStatements) != 3 || d.SubStatements[1].Status != types.StatementStatusStringFailed || d.SubStatements[2].Status != types.StatementStatusStringAborted {
		t.Errorf("sub-statements: %+v", d.SubStatements)
	}
	if d := env.Run(t, "select * from rf_b"); d.Status != types.StatusStringFailed || !strings.Contains(aws.ToString(d.Error), `relation "rf_b" does not exist`) {
		t.Errorf("after the batch: %s %q", d.Status, aws.ToString(d.Error))
	}

	// A session's open transaction is aborted by the refusal, as by any
	// error: its COMMIT rolls back.
	first, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"),
		Sql: aws.String("begin"), SessionKeepAliveSeconds: aws.Int32(60),
	})
	if err != nil {
		t.Fatal(err)
	}
	env.Wait(t, *first.Id)
	inSession := func(sql string, params ...types.SqlParameter) *redshiftdata.DescribeStatementOutput {
		out, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{SessionId: first.SessionId, Sql: &sql, Parameters: params})
		if err != nil {
			t.Fatalf("%q: %v", sql, err)
		}
		return env.Wait(t, *out.Id)
	}
	inSession("insert into rf_t values (1)")
	d = inSession("insert into rf_t values (:v) returning a", types.SqlParameter{Name: aws.String("v"), Value: aws.String("2")})
	if d.Status != types.StatusStringFailed || aws.ToString(d.Error) != `ERROR: syntax error at or near "returning"` {
		t.Errorf("returning with a parameter: %s %q", d.Status, aws.ToString(d.Error))
	}
	inSession("commit")
	got, _ := rows(t, env, *inSession("select count(*) from rf_t").Id)
	if got[0][0] != "0" {
		t.Errorf("rows after the aborted transaction: %v, want 0", got)
	}

	// SELECT TOP with a bound parameter, LISTAGG with a bound delimiter.
	inSession("insert into rf_t values (3), (1), (2)")
	got, _ = rows(t, env, *inSession("select top 2 a from rf_t where a > :min order by a", types.SqlParameter{Name: aws.String("min"), Value: aws.String("0")}).Id)
	if len(got) != 2 || got[0][0] != "1" || got[1][0] != "2" {
		t.Errorf("top 2: %v", got)
	}
	got, cols := rows(t, env, *inSession("select listagg(a, :sep) within group (order by a desc) from rf_t", types.SqlParameter{Name: aws.String("sep"), Value: aws.String("+")}).Id)
	if got[0][0] != "3+2+1" || aws.ToString(cols[0].Name) != "listagg" || aws.ToString(cols[0].TypeName) != "varchar" {
		t.Errorf("listagg: %v %s %s", got, aws.ToString(cols[0].Name), aws.ToString(cols[0].TypeName))
	}

	// QUALIFY with a SELECT list and a bound parameter in its condition,
	// over r_QUALIFY_clause's data: the first example's rows, one column.
	inSession("create table rf_sales (ss_sold_date date, ss_sold_time time, ss_item text, ss_sales_price float)")
	inSession(`insert into rf_sales values ('2022-01-01', '09:00:00', 'Product 1', 100.0), ('2022-01-01', '11:00:00', 'Product 2', 500.0),
('2022-01-01', '15:00:00', 'Product 3', 20.0), ('2022-01-01', '17:00:00', 'Product 4', 1000.0), ('2022-01-01', '18:00:00', 'Product 5', 30.0),
('2022-01-02', '10:00:00', 'Product 6', 5000.0), ('2022-01-02', '16:00:00', 'Product 7', 5.0)`)
	got, cols = rows(t, env, *inSession(`select ss.ss_item from rf_sales ss where ss_sold_time > time '12:00:00'
qualify row_number() over (partition by ss_sold_date order by ss_sales_price desc) <= :n order by ss_item`,
		types.SqlParameter{Name: aws.String("n"), Value: aws.String("2")}).Id)
	if len(got) != 3 || got[0][0] != "Product 4" || got[1][0] != "Product 5" || got[2][0] != "Product 7" || aws.ToString(cols[0].Name) != "ss_item" {
		t.Errorf("qualify: %v (%s)", got, aws.ToString(cols[0].Name))
	}
}

// TestRedshiftTypeNames: a SUPER column (stored as jsonb) and a VARBYTE
// column (bytea) are "super" and "varbyte" in ColumnMetadata, for a
// result and for DescribeTable, as the Data API shows them on Redshift.
func TestRedshiftTypeNames(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	if d := env.Run(t, "create table tn_t (s super, b varbyte(8), v varchar(5))"); d.Status != types.StatusStringFinished {
		t.Fatalf("create: %s %q", d.Status, aws.ToString(d.Error))
	}
	_, cols := rows(t, env, *env.Run(t, "select s, b, v from tn_t").Id)
	got := []string{aws.ToString(cols[0].TypeName), aws.ToString(cols[1].TypeName), aws.ToString(cols[2].TypeName)}
	if strings.Join(got, " ") != "super varbyte varchar" {
		t.Errorf("result type names %v, want super varbyte varchar", got)
	}
	out, err := env.Client.DescribeTable(ctx, &redshiftdata.DescribeTableInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"),
		Schema: aws.String("public"), Table: aws.String("tn_t"),
	})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, c := range out.ColumnList {
		got = append(got, aws.ToString(c.TypeName))
	}
	if strings.Join(got, " ") != "super varbyte varchar" {
		t.Errorf("DescribeTable type names %v, want super varbyte varchar", got)
	}
}

// TestEngineDialects: an external engine's dialect comes from its URL's
// dialect parameter or its engines object's key (config), and the App
// gives each engine its own: the same database behind a postgres engine
// and a redshift one.
func TestEngineDialects(t *testing.T) {
	pg := pgtest.Start(t)
	db := pg.NewDatabase(t)
	pg.Exec(t, db, `DO $$ BEGIN
		IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'extadmin') THEN CREATE ROLE extadmin LOGIN PASSWORD 'ext-password'; END IF;
	END $$; GRANT ALL ON DATABASE `+db+` TO extadmin; GRANT CREATE, USAGE ON SCHEMA public TO extadmin`)
	byURL, err := config.ParseEngineURL("cluster", "ext-pg",
		"postgres://extadmin:ext-password@127.0.0.1:"+strconv.Itoa(pg.Port())+"/"+db+"?sslmode=disable&dialect=postgres")
	if err != nil || byURL.Dialect != "postgres" {
		t.Fatalf("ParseEngineURL: %+v %v", byURL, err)
	}
	env := apptest.Start(t, apptest.Options{Configure: func(c *config.Config) {
		c.Engines = append(c.Engines, byURL, config.Engine{Kind: "cluster", Name: "ext-rs", Host: "127.0.0.1", Port: pg.Port(),
			User: "extadmin", Password: "ext-password", Database: db, SSLMode: "disable", Dialect: "redshift"})
	}})
	run := func(cluster, sql string) *redshiftdata.DescribeStatementOutput {
		out, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
			ClusterIdentifier: aws.String(cluster), Database: aws.String(db), DbUser: aws.String("extadmin"), Sql: aws.String(sql)})
		if err != nil {
			t.Fatalf("%s: %v", cluster, err)
		}
		return env.Wait(t, *out.Id)
	}
	if d := run("ext-pg", "select nvl(1, 2)"); d.Status != types.StatusStringFailed || !strings.Contains(aws.ToString(d.Error), "function nvl(integer, integer) does not exist") {
		t.Errorf("nvl on the postgres engine: %s %q", d.Status, aws.ToString(d.Error))
	}
	if d := run("ext-rs", "select nvl(1, 2)"); d.Status != types.StatusStringFinished {
		t.Errorf("nvl on the redshift engine: %s %q", d.Status, aws.ToString(d.Error))
	}
	if d := run("ext-rs", "create table ext_t (a int); create index ext_i on ext_t (a)"); d.Status != types.StatusStringFailed ||
		!strings.Contains(aws.ToString(d.Error), "not supported on Redshift tables") {
		t.Errorf("create index on the redshift engine: %s %q", d.Status, aws.ToString(d.Error))
	}
	if d := run("ext-pg", "create table ext_t2 (a int); create index ext_i2 on ext_t2 (a)"); d.Status != types.StatusStringFinished {
		t.Errorf("create index on the postgres engine: %s %q", d.Status, aws.ToString(d.Error))
	}
}

// TestMergeRemoveDuplicates runs Redshift's simplified MERGE (r_MERGE:
// REMOVE DUPLICATES) in a batch, which is one transaction, on the data of
// the page's usage note (two target rows with id 101): as the page
// describes the mode, matching target rows take the source's values,
// duplicates collapse into one row, and unmatched source rows are
// inserted. A bound parameter in the condition is carried through.
func TestMergeRemoveDuplicates(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	batch, err := env.Client.BatchExecuteStatement(ctx, &redshiftdata.BatchExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"),
		SessionKeepAliveSeconds: aws.Int32(60),
		Sqls: []string{
			"CREATE TABLE target (id INT, name CHAR(10))",
			"CREATE TABLE source (id INT, name CHAR(10))",
			"INSERT INTO target VALUES (101, 'Bob'), (101, 'John'), (102, 'Susan')",
			"INSERT INTO source VALUES (101, 'Tony'), (103, 'Alice')",
			"MERGE INTO target USING source ON target.id = source.id REMOVE DUPLICATES",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := env.Wait(t, *batch.Id); d.Status != types.StatusStringFinished {
		t.Fatalf("batch: %s %q", d.Status, aws.ToString(d.Error))
	}
	sid := batch.SessionId
	read := func() [][]string {
		out, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
			SessionId: sid, Sql: aws.String("SELECT id, rtrim(name) FROM target ORDER BY id"),
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := rows(t, env, *out.Id)
		return got
	}
	if got, want := read(), [][]string{{"101", "Tony"}, {"102", "Susan"}, {"103", "Alice"}}; !equalRows(got, want) {
		t.Fatalf("after MERGE ... REMOVE DUPLICATES: %q, want %q", got, want)
	}

	// In the session, with a bound parameter and an alias: the source
	// row that the condition leaves unmatched is inserted beside its
	// match, the matched one replaces its target row.
	for _, sql := range []string{
		"INSERT INTO source VALUES (102, 'John')",
		"MERGE INTO target USING source AS s ON target.id = s.id AND s.id <> :keep REMOVE DUPLICATES",
	} {
		in := &redshiftdata.ExecuteStatementInput{SessionId: sid, Sql: aws.String(sql)}
		if strings.Contains(sql, ":keep") {
			in.Parameters = []types.SqlParameter{{Name: aws.String("keep"), Value: aws.String("101")}}
		}
		out, err := env.Client.ExecuteStatement(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if d := env.Wait(t, *out.Id); d.Status != types.StatusStringFinished {
			t.Fatalf("%s: %s %q", sql, d.Status, aws.ToString(d.Error))
		}
	}
	want := [][]string{{"101", "Tony"}, {"101", "Tony"}, {"102", "John"}, {"103", "Alice"}}
	if got := read(); !equalRows(got, want) {
		t.Fatalf("after the second MERGE: %q, want %q", got, want)
	}
}

func equalRows(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") {
			return false
		}
	}
	return true
}

// TestCaseInsensitiveColumns: a COLLATE CASE_INSENSITIVE column groups
// and counts distinct values regardless of case, as AWS describes the
// collation ("all comparison-based string operations, including sorting
// and grouping"), and pattern matching on it fails with PostgreSQL 15's
// error (docs/COMPATIBILITY.md), while it works under COLLATE(x, 'cs').
func TestCaseInsensitiveColumns(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	run := func(sql string) *redshiftdata.DescribeStatementOutput {
		t.Helper()
		out, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
			ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"),
			Sql: aws.String(sql),
		})
		if err != nil {
			t.Fatal(err)
		}
		return env.Wait(t, *out.Id)
	}
	for _, sql := range []string{
		"create table ci_names (name varchar(20) collate case_insensitive)",
		"insert into ci_names values ('john'), ('JOHN'), ('John'), ('bill')",
	} {
		if d := run(sql); d.Status != types.StatusStringFinished {
			t.Fatalf("%s: %s %q", sql, d.Status, aws.ToString(d.Error))
		}
	}
	query := func(sql string) [][]string {
		t.Helper()
		d := run(sql)
		got, _ := rows(t, env, *d.Id)
		return got
	}
	if got := query("select count(distinct name) from ci_names"); !equalRows(got, [][]string{{"2"}}) {
		t.Errorf("count(distinct): %q, want 2", got)
	}
	if got := query("select lower(name), count(*) from ci_names group by name order by 1"); !equalRows(got, [][]string{{"bill", "1"}, {"john", "3"}}) {
		t.Errorf("group by: %q", got)
	}
	if got := query("select count(*) from ci_names where collate(name, 'cs') like 'J%'"); !equalRows(got, [][]string{{"2"}}) {
		t.Errorf("like under COLLATE(name, 'cs'): %q, want 2", got)
	}
	d := run("select count(*) from ci_names where name like 'j%'")
	if d.Status != types.StatusStringFailed || !strings.Contains(aws.ToString(d.Error), "nondeterministic collations are not supported for LIKE") {
		t.Errorf("like on a case-insensitive column: %s %q", d.Status, aws.ToString(d.Error))
	}
}
