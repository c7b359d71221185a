package redshiftdata_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// records returns a finished statement's rows as corpus text.
func records(t *testing.T, env *apptest.Env, id string) [][]string {
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
			row = append(row, fieldText(t, f))
		}
		out = append(out, row)
	}
	return out
}

// runIn runs one statement (in session sid when not "") and returns its id.
func runIn(t *testing.T, env *apptest.Env, sid, sql string) string {
	t.Helper()
	in := &redshiftdata.ExecuteStatementInput{Sql: aws.String(sql)}
	if sid != "" {
		in.SessionId = aws.String(sid)
	} else {
		in.ClusterIdentifier, in.Database, in.DbUser = aws.String("local"), aws.String(env.Database), aws.String("awsuser")
		in.SessionKeepAliveSeconds = aws.Int32(60)
	}
	out, err := env.Client.ExecuteStatement(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return *out.Id
}

// TestInstalledAfterSearchPath: installed functions and system views keep
// resolving after SET search_path TO a schema of the user's, in a Data API
// session and inside a transaction (a batch), because the translator
// qualifies them.
func TestInstalledAfterSearchPath(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	first := runIn(t, env, "", "create schema myschema")
	d := env.Wait(t, first)
	if d.Status != types.StatusStringFinished || d.SessionId == nil {
		t.Fatalf("create schema: %s %q", d.Status, aws.ToString(d.Error))
	}
	sid := *d.SessionId
	env.Wait(t, runIn(t, env, sid, "set search_path to myschema"))
	env.Wait(t, runIn(t, env, sid, "create table t (a int)"))
	query := `select dateadd(month, 18, '2008-02-28'), datediff(week,'2009-01-01','2009-12-31'), crc32('Amazon Redshift'),
json_extract_path_text('{"f4":{"f6":"star"}}', 'f4', 'f6'), trunc(timestamp '2011-07-21 10:32:38'),
(select count(*) from svv_tables where table_schema = 'myschema' and table_name = 't'), current_schema(),
last_day(date '2004-01-25'), replicate('ab', 3)`
	want := [][]string{{"2009-08-28 00:00:00", "52", "f2726906", "star", "2011-07-21", "1", "myschema", "2004-01-31", "ababab"}}
	if got := records(t, env, runIn(t, env, sid, query)); !sameRows(want, got, false) {
		t.Errorf("in a session after SET search_path:\n got %q\nwant %q", got, want)
	}

	batch, err := env.Client.BatchExecuteStatement(ctx, &redshiftdata.BatchExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"),
		Sqls: []string{"set search_path to myschema", query}})
	if err != nil {
		t.Fatal(err)
	}
	bd := env.Wait(t, *batch.Id)
	if bd.Status != types.StatusStringFinished {
		t.Fatalf("batch: %s %q", bd.Status, aws.ToString(bd.Error))
	}
	if got := records(t, env, *bd.SubStatements[1].Id); !sameRows(want, got, false) {
		t.Errorf("in a transaction after SET search_path:\n got %q\nwant %q", got, want)
	}
}

// TestRecordedTableLayout: the DISTSTYLE, DISTKEY and SORTKEY of CREATE
// TABLE, removed before PostgreSQL sees the statement, are recorded and
// reported by SVV_TABLE_INFO and PG_TABLE_DEF; a rolled-back CREATE TABLE
// leaves nothing behind.
func TestRecordedTableLayout(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	// AWS's CREATE TABLE examples (r_CREATE_TABLE_examples.html).
	ddl := []string{
		`create table sales(salesid integer not null, listid integer not null, sellerid integer not null,
buyerid integer not null, eventid integer not null encode mostly16, dateid smallint not null,
qtysold smallint not null encode mostly8, pricepaid decimal(8,2) encode delta32k,
commission decimal(8,2) encode delta32k, saletime timestamp, primary key(salesid))
distkey(listid) compound sortkey(listid,sellerid)`,
		`create table customer_interleaved (c_custkey integer not null, c_name varchar(25) not null,
c_address varchar(25) not null, c_city varchar(10) not null)
diststyle all interleaved sortkey (c_custkey, c_city)`,
		`create table t_even (a int distkey, b varchar(30) sortkey)`,
		`create table t_plain (a int)`,
		`insert into sales values (1, 2, 3, 4, 5, 6, 7, 8, 9, '2008-01-01')`,
		`insert into customer_interleaved values (1, 'n', 'a', 'c')`,
		`insert into t_even values (1, 'x')`,
		`insert into t_plain values (1)`,
	}
	batch, err := env.Client.BatchExecuteStatement(ctx, &redshiftdata.BatchExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"), Sqls: ddl})
	if err != nil {
		t.Fatal(err)
	}
	if d := env.Wait(t, *batch.Id); d.Status != types.StatusStringFinished {
		t.Fatalf("batch: %s %q", d.Status, aws.ToString(d.Error))
	}
	got := records(t, env, runIn(t, env, "", `select "table", diststyle, sortkey1, sortkey_num, tbl_rows from svv_table_info order by 1`))
	want := [][]string{
		{"customer_interleaved", "ALL", "INTERLEAVED", "2", "1"},
		{"sales", "KEY(listid)", "listid", "2", "1"},
		{"t_even", "KEY(a)", "b", "1", "1"},
		{"t_plain", "AUTO(ALL)", "AUTO(SORTKEY)", "0", "1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("svv_table_info:\n got %q\nwant %q", got, want)
	}
	// AWS's PG_TABLE_DEF example: the sort key columns, in order; an
	// interleaved key alternates the sign.
	got = records(t, env, runIn(t, env, "", `select tablename, "column", type, distkey, sortkey, "notnull" from pg_table_def
where tablename in ('sales', 'customer_interleaved') and sortkey <> 0 order by tablename, abs(sortkey)`))
	want = [][]string{
		{"customer_interleaved", "c_custkey", "integer", "f", "1", "t"},
		{"customer_interleaved", "c_city", "character varying(10)", "f", "-2", "t"},
		{"sales", "listid", "integer", "t", "1", "t"},
		{"sales", "sellerid", "integer", "f", "2", "t"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pg_table_def:\n got %q\nwant %q", got, want)
	}

	// Rolled back: neither the table nor its layout remains.
	rb, err := env.Client.BatchExecuteStatement(ctx, &redshiftdata.BatchExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"),
		Sqls: []string{"create table t_gone (a int) diststyle even", "select 1/0"}})
	if err != nil {
		t.Fatal(err)
	}
	if d := env.Wait(t, *rb.Id); d.Status != types.StatusStringFailed {
		t.Fatalf("failing batch: %s", d.Status)
	}
	admin := adminConn(t, env)
	var n int
	if err := admin.QueryRow(ctx, "select count(*) from rsdata_redshift.table_layout where reloid not in (select oid from pg_class)").Scan(&n); err != nil || n != 0 {
		t.Errorf("layout rows of no table: %d %v", n, err)
	}
}

func adminConn(t *testing.T, env *apptest.Env) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(ctx, env.PG.ConnString("postgres", env.Database))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// TestInstalledForTemporaryUsers: a database user from
// GetClusterCredentials calls the installed functions and reads the system
// views, and can neither change them nor write the tables behind them.
func TestInstalledForTemporaryUsers(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	// The first statement installs the schema in the database.
	if got := records(t, env, runIn(t, env, "", "select crc32('Amazon Redshift')")); !sameRows([][]string{{"f2726906"}}, got, false) {
		t.Fatalf("crc32: %q", got)
	}
	rs := redshift.NewFromConfig(env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey))
	creds, err := rs.GetClusterCredentials(ctx, &redshift.GetClusterCredentialsInput{ClusterIdentifier: aws.String("local"),
		DbUser: aws.String("reporter"), DbName: aws.String(env.Database), AutoCreate: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(ctx, fmt.Sprintf("host=127.0.0.1 port=%d dbname=%s user='%s' password='%s' sslmode=disable",
		env.PG.Port(), env.Database, *creds.DbUser, *creds.DbPassword))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var added, part string
	var tables int
	if err := c.QueryRow(ctx, `select rsdata_redshift.date_add('month', 18, '2008-02-28')::text,
rsdata_redshift.json_extract_path_text('{"a":"b"}', 'a'), (select count(*) from rsdata_redshift.svv_tables)`).Scan(&added, &part, &tables); err != nil {
		t.Fatalf("a temporary user calling installed functions: %v", err)
	}
	if added != "2009-08-28 00:00:00" || part != "b" || tables == 0 {
		t.Errorf("got %q %q %d", added, part, tables)
	}
	for _, v := range []string{"pg_table_def", "svv_table_info", "svv_columns", "svv_all_schemas", "svv_all_tables",
		"svv_all_columns", "stv_sessions", "stv_recents", "stl_query", "svl_qlog", "sys_query_history"} {
		if _, err := c.Exec(ctx, "select * from rsdata_redshift."+v+" limit 1"); err != nil {
			t.Errorf("a temporary user reading %s: %v", v, err)
		}
	}
	attacks := []string{
		"insert into rsdata_redshift.table_layout values (1, 'EVEN', null, null, null)",
		"delete from rsdata_redshift.query_history",
		"select * from rsdata_redshift.query_history",
		"update rsdata_redshift.install set version = 'x'",
		"create function rsdata_redshift.crc32(int) returns int language sql as 'select 1'",
		"create or replace function rsdata_redshift.crc32(s text) returns varchar language sql as 'select ''pwned''::varchar'",
		"drop view rsdata_redshift.svv_tables",
		"alter schema rsdata_redshift rename to x",
		"insert into rsdata_redshift.query_history values (1, 'x', 1, 'awsuser', 'd', 'forged', 'FINISHED', null, now(), now(), 0, false)",
	}
	for _, sql := range attacks {
		if _, err := c.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "permission denied") && !strings.Contains(err.Error(), "must be owner") {
			t.Errorf("a temporary user ran %q: %v", sql, err)
		}
	}
	// record_layout only records tables the caller owns.
	admin := adminConn(t, env)
	if _, err := admin.Exec(ctx, "create table owned_by_admin (a int)"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, "select rsdata_redshift.record_layout('public.owned_by_admin'::regclass, 'EVEN', null, null, null)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := admin.QueryRow(ctx, "select count(*) from rsdata_redshift.table_layout where reloid = 'public.owned_by_admin'::regclass").Scan(&n); err != nil || n != 0 {
		t.Errorf("a temporary user recorded the layout of another's table: %d %v", n, err)
	}
}

// TestSystemViewsInLists: every system view of a FROM list and of a
// GRANT's ON list resolves, not only the first.
func TestSystemViewsInLists(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.Wait(t, runIn(t, env, "", "create table listed (a int, b varchar(10))"))
	got := records(t, env, runIn(t, env, "", `select trim(t.table_name), trim(c.column_name) from svv_tables t, svv_columns c
where t.table_schema = 'public' and t.table_name = 'listed' and c.table_schema = t.table_schema and c.table_name = t.table_name
order by c.ordinal_position`))
	if want := [][]string{{"listed", "a"}, {"listed", "b"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("svv_tables, svv_columns in one FROM list:\n got %q\nwant %q", got, want)
	}
	if d := env.Wait(t, runIn(t, env, "", "grant select on svv_tables, svv_columns to plainuser")); d.Status != types.StatusStringFinished {
		t.Errorf("grant on two system views: %s %q", d.Status, aws.ToString(d.Error))
	}
}

// TestVersion: SELECT VERSION() answers Redshift's documented string
// ("PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2
// 20041017 (Red Hat 3.4.2-6.fc3), Redshift 1.0.<revision>") in a column
// named version; in postgres mode it is PostgreSQL's own.
func TestVersion(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	want := "PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017 (Red Hat 3.4.2-6.fc3), Redshift 1.0." + dialect.Revision
	id := runIn(t, env, "", "select version()")
	if got := records(t, env, id); len(got) != 1 || len(got[0]) != 1 || got[0][0] != want {
		t.Errorf("select version() = %q, want %q", got, want)
	}
	res, err := env.Client.GetStatementResult(context.Background(), &redshiftdata.GetStatementResultInput{Id: aws.String(id)})
	if err != nil || len(res.ColumnMetadata) != 1 || aws.ToString(res.ColumnMetadata[0].Name) != "version" ||
		aws.ToString(res.ColumnMetadata[0].TypeName) != "varchar" {
		t.Errorf("column metadata %+v, %v", res, err)
	}
	pg := apptest.Start(t, apptest.Options{Dialect: dialect.Postgres})
	if got := records(t, pg, runIn(t, pg, "", "select version()")); len(got) != 1 || !strings.HasPrefix(got[0][0], "PostgreSQL 15") {
		t.Errorf("postgres mode: select version() = %q, want PostgreSQL's own", got)
	}
}

// TestQueryHistory: the Data API's statements appear in STL_QUERY,
// SVL_QLOG and SYS_QUERY_HISTORY under the query id DescribeStatement
// shows, with their user, text, status and timings.
func TestQueryHistory(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	ok := env.Wait(t, runIn(t, env, "", "select 41 + 1 as answer"))
	bad := env.Wait(t, runIn(t, env, "", "select * from no_such_table"))
	if ok.Status != types.StatusStringFinished || bad.Status != types.StatusStringFailed {
		t.Fatalf("statuses %s %s", ok.Status, bad.Status)
	}
	okID, badID := ok.RedshiftQueryId, bad.RedshiftQueryId
	if okID <= 0 || badID <= okID {
		t.Fatalf("query ids %d, %d: want positive and increasing", okID, badID)
	}
	// The history row is written after the statement ends; wait for it.
	query := fmt.Sprintf(`select query, trim(querytxt), aborted, endtime >= starttime, trim(database) = current_database()
from stl_query where query in (%d, %d) order by query`, okID, badID)
	want := [][]string{
		{fmt.Sprint(okID), "select 41 + 1 as answer", "0", "t", "t"},
		{fmt.Sprint(badID), "select * from no_such_table", "0", "t", "t"},
	}
	var got [][]string
	for range 100 {
		if got = records(t, env, runIn(t, env, "", query)); len(got) == 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stl_query:\n got %q\nwant %q", got, want)
	}
	got = records(t, env, runIn(t, env, "", fmt.Sprintf(`select query_id, trim(status), trim(query_type), returned_rows,
trim(error_message) like '%%no_such_table%%' from sys_query_history where query_id in (%d, %d) order by query_id`, okID, badID)))
	want = [][]string{
		{fmt.Sprint(okID), "success", "SELECT", "1", `\N`},
		{fmt.Sprint(badID), "failed", "SELECT", "0", "t"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sys_query_history:\n got %q\nwant %q", got, want)
	}
	got = records(t, env, runIn(t, env, "", fmt.Sprintf(`select query, trim(substring), elapsed >= 0 from svl_qlog where query = %d`, okID)))
	if want := [][]string{{fmt.Sprint(okID), "select 41 + 1 as answer", "t"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("svl_qlog:\n got %q\nwant %q", got, want)
	}
}

// TestSystemViewColumns: each installed system view has the columns AWS
// documents for it, in order (SYS_QUERY_HISTORY: its first documented
// columns), and the session, table and column views show what this
// database holds.
func TestSystemViewColumns(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	views := map[string]string{
		"pg_table_def":      "schemaname tablename column type encoding distkey sortkey notnull",
		"svv_table_info":    "database schema table_id table encoded diststyle sortkey1 max_varchar sortkey1_enc sortkey_num size pct_used empty unsorted stats_off tbl_rows skew_sortkey1 skew_rows estimated_visible_rows risk_event vacuum_sort_benefit create_time",
		"svv_tables":        "table_catalog table_schema table_name table_type remarks",
		"svv_columns":       "table_catalog table_schema table_name column_name ordinal_position column_default is_nullable data_type character_maximum_length numeric_precision numeric_precision_radix numeric_scale datetime_precision interval_type interval_precision character_set_catalog character_set_schema character_set_name domain_name remarks",
		"svv_all_schemas":   "database_name schema_name schema_owner schema_type schema_acl source_database schema_option",
		"svv_all_tables":    "database_name schema_name table_name table_type table_acl remarks",
		"svv_all_columns":   "database_name schema_name table_name column_name ordinal_position column_default is_nullable data_type character_maximum_length numeric_precision numeric_scale remarks",
		"stv_sessions":      "starttime process user_name db_name timeout_sec",
		"stv_recents":       "userid status starttime duration user_name db_name query pid",
		"stl_query":         "userid query label xid pid database querytxt starttime endtime aborted insert_pristine concurrency_scaling_status",
		"svl_qlog":          "userid query xid pid starttime endtime elapsed aborted label substring source_query concurrency_scaling_status_txt from_sp_call",
		"sys_query_history": "user_id query_id query_label transaction_id session_id database_name query_type status result_cache_hit start_time end_time elapsed_time queue_time execution_time error_message returned_rows returned_bytes query_text",
	}
	for view, cols := range views {
		id := runIn(t, env, "", "select * from "+view+" limit 0")
		if d := env.Wait(t, id); d.Status != types.StatusStringFinished {
			t.Errorf("%s: %s %q", view, d.Status, aws.ToString(d.Error))
			continue
		}
		r, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: &id})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(columnNames(r.ColumnMetadata), " "); got != cols {
			t.Errorf("%s columns:\n got %s\nwant %s", view, got, cols)
		}
	}

	env.Wait(t, runIn(t, env, "", "create table sv_t (a int not null, b varchar(30)); create view sv_v as select a from sv_t"))
	got := records(t, env, runIn(t, env, "", `select table_name, table_type from svv_tables where table_schema = 'public' and table_name like 'sv\_%' order by 1`))
	if want := [][]string{{"sv_t", "BASE TABLE"}, {"sv_v", "VIEW"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("svv_tables: %q", got)
	}
	got = records(t, env, runIn(t, env, "", `select column_name, ordinal_position, is_nullable, data_type, character_maximum_length
from svv_columns where table_name = 'sv_t' order by ordinal_position`))
	if want := [][]string{{"a", "1", "NO", "integer", `\N`}, {"b", "2", "YES", "character varying", "30"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("svv_columns: %q", got)
	}
	got = records(t, env, runIn(t, env, "", `select schema_name, schema_type from svv_all_schemas where schema_name = 'public'`))
	if want := [][]string{{"public", "local"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("svv_all_schemas: %q", got)
	}
	got = records(t, env, runIn(t, env, "", `select count(*) from svv_all_columns where table_name = 'sv_t'`))
	if want := [][]string{{"2"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("svv_all_columns: %q", got)
	}
	// The statement's own session and query.
	got = records(t, env, runIn(t, env, "", `select trim(user_name), trim(db_name) = current_database() from stv_sessions where process = pg_backend_pid()`))
	if want := [][]string{{"awsuser", "t"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("stv_sessions: %q", got)
	}
	got = records(t, env, runIn(t, env, "", `select trim(status), trim(user_name), trim(query) like 'select trim(status)%' from stv_recents where pid = pg_backend_pid()`))
	if want := [][]string{{"Running", "awsuser", "t"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("stv_recents: %q", got)
	}
}

// TestInstalledWithParameters: installed functions take bound Data API
// parameters (sent untyped, as text) like literals.
func TestInstalledWithParameters(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	out, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"),
		Sql: aws.String("select dateadd(month, :n, :d), datediff(day, :d, '2008-03-31'), json_extract_path_text(:j, 'a')"),
		Parameters: []types.SqlParameter{{Name: aws.String("n"), Value: aws.String("18")},
			{Name: aws.String("d"), Value: aws.String("2008-02-28")}, {Name: aws.String("j"), Value: aws.String(`{"a":"b"}`)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// AWS's DATEADD example, with its arguments bound.
	if got, want := records(t, env, *out.Id), [][]string{{"2009-08-28 00:00:00.0", "32", "b"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
