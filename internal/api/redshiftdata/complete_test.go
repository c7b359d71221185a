package redshiftdata_test

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/config"
	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

func onCluster(env *apptest.Env, sql string) *redshiftdata.ExecuteStatementInput {
	return &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database),
		DbUser: aws.String("awsuser"), Sql: aws.String(sql)}
}

func mustExecute(t *testing.T, env *apptest.Env, in *redshiftdata.ExecuteStatementInput) *redshiftdata.ExecuteStatementOutput {
	t.Helper()
	out, err := env.Client.ExecuteStatement(ctx, in)
	if err != nil {
		t.Fatalf("ExecuteStatement %q: %v", aws.ToString(in.Sql), err)
	}
	return out
}

func firstValue(t *testing.T, env *apptest.Env, id string) types.Field {
	t.Helper()
	r, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: &id})
	if err != nil {
		t.Fatalf("GetStatementResult %s: %v", id, err)
	}
	if len(r.Records) == 0 {
		t.Fatalf("statement %s returned no rows", id)
	}
	return r.Records[0][0]
}

func batch(t *testing.T, env *apptest.Env, sqls ...string) *redshiftdata.DescribeStatementOutput {
	t.Helper()
	out, err := env.Client.BatchExecuteStatement(ctx, &redshiftdata.BatchExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"),
		Sqls: sqls, StatementName: aws.String("batch"),
	})
	if err != nil {
		t.Fatalf("BatchExecuteStatement: %v", err)
	}
	return env.Wait(t, *out.Id)
}

func TestBatchTransaction(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	d := batch(t, env, "create table b1(x int)", "insert into b1 values (1), (2)", "select x from b1 order by x")
	if d.Status != types.StatusStringFinished || len(d.SubStatements) != 3 || !aws.ToBool(d.HasResultSet) {
		t.Fatalf("batch: %s, %d subs, result set %v", d.Status, len(d.SubStatements), aws.ToBool(d.HasResultSet))
	}
	// AWS reports no query string, no counts and query id 0 for the parent.
	if d.QueryString != nil || d.ResultRows != -1 || d.ResultSize != -1 || d.RedshiftQueryId != 0 || d.RedshiftPid <= 0 {
		t.Errorf("parent fields: query %v rows %d size %d qid %d pid %d", d.QueryString, d.ResultRows, d.ResultSize, d.RedshiftQueryId, d.RedshiftPid)
	}
	for i, sub := range d.SubStatements {
		if *sub.Id != fmt.Sprintf("%s:%d", *d.Id, i+1) || sub.Status != types.StatementStatusStringFinished {
			t.Errorf("sub %d: %s %s", i, *sub.Id, sub.Status)
		}
	}
	if d.SubStatements[1].ResultRows != 2 || d.SubStatements[2].ResultRows != 2 || !aws.ToBool(d.SubStatements[2].HasResultSet) {
		t.Errorf("sub counts: insert %d, select %d", d.SubStatements[1].ResultRows, d.SubStatements[2].ResultRows)
	}
	// Sub-statements are described and read on their own ids.
	sub := env.Wait(t, *d.SubStatements[2].Id)
	if *sub.QueryString != "select x from b1 order by x" {
		t.Errorf("sub describe: %q", aws.ToString(sub.QueryString))
	}
	if v := firstValue(t, env, *d.SubStatements[2].Id).(*types.FieldMemberLongValue).Value; v != 1 {
		t.Errorf("sub result first row = %d", v)
	}
	// A batch's own id has no result: AWS answers with a ValidationException
	// that applications (Airflow's Redshift operator among them) branch on.
	_, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: d.Id})
	apiError(t, err, "ValidationException", "BatchExecuteStatement result can only be retrieved with sub-statement id.")
	_, err = env.Client.GetStatementResultV2(ctx, &redshiftdata.GetStatementResultV2Input{Id: d.Id})
	apiError(t, err, "ValidationException", "BatchExecuteStatement result can only be retrieved with sub-statement id.")

	// One failure rolls the whole batch back.
	f := batch(t, env, "insert into b1 values (3)", "insert into b1 values ('nope')", "insert into b1 values (4)")
	if f.Status != types.StatusStringFailed || !strings.Contains(aws.ToString(f.Error), "invalid input syntax for type integer") {
		t.Fatalf("failed batch: %s %q", f.Status, aws.ToString(f.Error))
	}
	want := []types.StatementStatusString{types.StatementStatusStringFinished, types.StatementStatusStringFailed, types.StatementStatusStringAborted}
	for i, s := range f.SubStatements {
		if s.Status != want[i] {
			t.Errorf("failed batch sub %d: %s, want %s", i+1, s.Status, want[i])
		}
	}
	count := env.Run(t, "select count(*) from b1")
	if v := firstValue(t, env, *count.Id).(*types.FieldMemberLongValue).Value; v != 2 {
		t.Errorf("rows after a failed transaction batch = %d, want 2 (rolled back)", v)
	}

	list, err := env.Client.ListStatements(ctx, &redshiftdata.ListStatementsInput{Status: types.StatusStringAll, StatementName: aws.String("batch")})
	if err != nil || len(list.Statements) != 2 {
		t.Fatalf("list batches: %v %v", list, err)
	}
	if b := list.Statements[1]; !aws.ToBool(b.IsBatchStatement) || len(b.QueryStrings) != 3 || b.QueryString != nil {
		t.Errorf("listed batch: batch %v, %d query strings, query string %v", aws.ToBool(b.IsBatchStatement), len(b.QueryStrings), b.QueryString)
	}
}

func TestBatchLimits(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	sqls := make([]string, 41)
	for i := range sqls {
		sqls[i] = "select 1"
	}
	_, err := env.Client.BatchExecuteStatement(ctx, &redshiftdata.BatchExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"), Sqls: sqls})
	apiError(t, err, "ValidationException", "1 validation error detected: Value at 'sqls' failed to satisfy constraint: Member must have length between 1 and 40")
	if d := batch(t, env, sqls[:40]...); d.Status != types.StatusStringFinished || len(d.SubStatements) != 40 {
		t.Fatalf("40-statement batch: %s, %d subs", d.Status, len(d.SubStatements))
	}
}

func TestParameters(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.Run(t, "create table p(id int2, name text, born date)")
	params := []types.SqlParameter{
		{Name: aws.String("id"), Value: aws.String("7")},
		{Name: aws.String("name"), Value: aws.String("O'Brien; drop table p; --")},
		{Name: aws.String("born"), Value: aws.String("2020-02-29")},
	}
	in := onCluster(env, "insert into p values (:id::smallint, :name, :born)")
	in.Parameters = params
	if d := env.Wait(t, *mustExecute(t, env, in).Id); d.Status != types.StatusStringFinished || d.ResultRows != 1 {
		t.Fatalf("insert with parameters: %s %q", d.Status, aws.ToString(d.Error))
	}
	in = onCluster(env, "select name, born, :id + 1 as next, ':id' as literal /* :id */ from p where id = :id")
	in.Parameters = params[:1]
	d := env.Wait(t, *mustExecute(t, env, in).Id)
	if d.Status != types.StatusStringFinished || len(d.QueryParameters) != 1 || *d.QueryParameters[0].Name != "id" {
		t.Fatalf("select with parameters: %s %q %v", d.Status, aws.ToString(d.Error), d.QueryParameters)
	}
	if *d.QueryString != *in.Sql {
		t.Errorf("QueryString = %q, want the SQL as sent", *d.QueryString)
	}
	r, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: d.Id})
	if err != nil {
		t.Fatal(err)
	}
	row := r.Records[0]
	if row[0].(*types.FieldMemberStringValue).Value != "O'Brien; drop table p; --" ||
		row[1].(*types.FieldMemberStringValue).Value != "2020-02-29" ||
		row[2].(*types.FieldMemberLongValue).Value != 8 ||
		row[3].(*types.FieldMemberStringValue).Value != ":id" {
		t.Errorf("row = %#v", row)
	}

	in = onCluster(env, "select :id")
	in.Parameters = params
	_, err = env.Client.ExecuteStatement(ctx, in)
	apiError(t, err, "ValidationException", "Parameters list contains unused parameters. Unused parameters: [name, born]")

	// A placeholder nobody supplied stays in the SQL, which then fails.
	in = onCluster(env, "select :missing")
	in.Parameters = params[:1]
	_, err = env.Client.ExecuteStatement(ctx, in)
	apiError(t, err, "ValidationException", "Parameters list contains unused parameters. Unused parameters: [id]")

	// Batches share the parameters; each must be used by some statement.
	out, err := env.Client.BatchExecuteStatement(ctx, &redshiftdata.BatchExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"),
		Sqls:       []string{"delete from p where id = :id", "insert into p (id, name) values (:id, :name)"},
		Parameters: params[:2],
	})
	if err != nil {
		t.Fatal(err)
	}
	if b := env.Wait(t, *out.Id); b.Status != types.StatusStringFinished || b.SubStatements[0].ResultRows != 1 {
		t.Fatalf("parameterised batch: %s %q", b.Status, aws.ToString(b.Error))
	}
}

func TestCSVResults(t *testing.T) {
	env := apptest.Start(t, apptest.Options{Limits: results.Limits{PageBytes: 64 << 10, MaxRowBytes: 64 << 10, MaxResultBytes: 500 << 20}})
	in := onCluster(env, `select g, 'say "hi", ' || g as text, null::int as nothing, '' as empty
		from generate_series(1, 5000) g`)
	in.ResultFormat = types.ResultFormatStringCsv
	d := env.Wait(t, *mustExecute(t, env, in).Id)
	if d.Status != types.StatusStringFinished || d.ResultFormat != types.ResultFormatStringCsv {
		t.Fatalf("CSV statement: %s %s", d.Status, d.ResultFormat)
	}
	var text strings.Builder
	pages := 0
	p := redshiftdata.NewGetStatementResultV2Paginator(env.Client, &redshiftdata.GetStatementResultV2Input{Id: d.Id})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if page.TotalNumRows != 5000 || len(page.ColumnMetadata) != 4 || page.ResultFormat != types.ResultFormatStringCsv {
			t.Fatalf("page %d: %d rows, %d columns, format %q", pages, page.TotalNumRows, len(page.ColumnMetadata), page.ResultFormat)
		}
		for _, rec := range page.Records {
			chunk := rec.(*types.QueryRecordsMemberCSVRecords).Value
			if len(chunk) > 64<<10 {
				t.Fatalf("CSV chunk of %d bytes exceeds the page size", len(chunk))
			}
			if !strings.HasSuffix(chunk, "\r\n") {
				t.Fatalf("chunk does not end a record: %q", chunk[len(chunk)-10:])
			}
			text.WriteString(chunk)
		}
		pages++
	}
	if pages < 2 {
		t.Fatalf("5000 CSV rows came in %d page(s)", pages)
	}
	if !strings.HasPrefix(text.String(), "g,text,nothing,empty\r\n1,\"say \"\"hi\"\", 1\",,\"\"\r\n") {
		t.Fatalf("CSV starts %q", text.String()[:60])
	}
	recs, err := csv.NewReader(strings.NewReader(text.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5001 || recs[5000][0] != "5000" || recs[5000][1] != `say "hi", 5000` {
		t.Fatalf("parsed %d records, last %v", len(recs), recs[len(recs)-1])
	}
	// Each result API refuses the other format.
	_, err = env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: d.Id})
	apiError(t, err, "ValidationException", "The statement's result format does not match this API: use GetStatementResult for JSON results and GetStatementResultV2 for CSV results.")
	j := env.Run(t, "select 1")
	_, err = env.Client.GetStatementResultV2(ctx, &redshiftdata.GetStatementResultV2Input{Id: j.Id})
	apiError(t, err, "ValidationException", "The statement's result format does not match this API: use GetStatementResult for JSON results and GetStatementResultV2 for CSV results.")
}

func TestSessions(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	in := onCluster(env, "create temp table scratch(x int); set search_path to pg_temp, public")
	in.SessionKeepAliveSeconds = aws.Int32(60)
	out := mustExecute(t, env, in)
	if out.SessionId == nil {
		t.Fatal("no SessionId for a statement with SessionKeepAliveSeconds")
	}
	sid := *out.SessionId
	first := env.Wait(t, *out.Id)
	if aws.ToString(first.SessionId) != sid {
		t.Fatalf("DescribeStatement SessionId = %q, want %q", aws.ToString(first.SessionId), sid)
	}
	next := mustExecute(t, env, &redshiftdata.ExecuteStatementInput{SessionId: &sid,
		Sql: aws.String("insert into scratch values (42); select x, current_setting('search_path'), pg_backend_pid() from scratch")})
	if aws.ToString(next.ClusterIdentifier) != "local" || aws.ToString(next.Database) != env.Database || aws.ToString(next.DbUser) != "awsuser" {
		t.Errorf("session statement echo: %+v", next)
	}
	d := env.Wait(t, *next.Id)
	if d.Status != types.StatusStringFinished {
		t.Fatalf("statement in session: %s %q", d.Status, aws.ToString(d.Error))
	}
	r, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: next.Id})
	if err != nil {
		t.Fatal(err)
	}
	row := r.Records[0]
	if row[0].(*types.FieldMemberLongValue).Value != 42 || row[1].(*types.FieldMemberStringValue).Value != "pg_temp, public" ||
		row[2].(*types.FieldMemberLongValue).Value != first.RedshiftPid {
		t.Errorf("session state did not persist: %#v (first pid %d)", row, first.RedshiftPid)
	}
	list, err := env.Client.ListStatements(ctx, &redshiftdata.ListStatementsInput{Status: types.StatusStringAll})
	if err != nil || aws.ToString(list.Statements[0].SessionId) != sid {
		t.Errorf("ListStatements SessionId: %v", err)
	}

	// One statement at a time.
	busy := mustExecute(t, env, &redshiftdata.ExecuteStatementInput{SessionId: &sid, Sql: aws.String("select pg_sleep(2)")})
	_, err = env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{SessionId: &sid, Sql: aws.String("select 1")})
	apiError(t, err, "ValidationException", fmt.Sprintf("Session %s is busy running statement %s; a session runs one statement at a time.", sid, *busy.Id))
	env.Wait(t, *busy.Id)

	// A session cannot be combined with a target.
	_, err = env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{SessionId: &sid, ClusterIdentifier: aws.String("local"), Sql: aws.String("select 1")})
	apiError(t, err, "ValidationException", "SessionId cannot be combined with ClusterIdentifier or WorkgroupName: a session already names its cluster or workgroup.")

	unknown := "00000000-0000-0000-0000-000000000001"
	_, err = env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{SessionId: &unknown, Sql: aws.String("select 1")})
	apiError(t, err, "ValidationException", "Session with Id: "+unknown+" is invalid")

	// A keep-alive of 1 s closes the session soon after its statement.
	short := onCluster(env, "select 1")
	short.SessionKeepAliveSeconds = aws.Int32(1)
	so := mustExecute(t, env, short)
	env.Wait(t, *so.Id)
	// Watch the recorded status rather than probe with statements, which
	// would keep the session alive.
	store, err := pgx.Connect(ctx, env.PG.ConnString("postgres", env.StoreDB))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(ctx)
	deadline := time.Now().Add(20 * time.Second)
	for {
		var status string
		if err := store.QueryRow(ctx, "select status from sessions where id = $1", *so.SessionId).Scan(&status); err != nil {
			t.Fatal(err)
		}
		if status == "CLOSED" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a session with a 1 s keep-alive is still %s after 20 s", status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, err = env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{SessionId: so.SessionId, Sql: aws.String("select 1")})
	apiError(t, err, "ValidationException", "Session is not available")
}

func TestClientTokenIdempotency(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.Run(t, "create table once(x int)")
	in := onCluster(env, "insert into once values (1)")
	in.ClientToken = aws.String("retry-me-0001")
	var wg sync.WaitGroup
	ids := make([]string, 4)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := env.Client.ExecuteStatement(ctx, in)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = *out.Id
		}()
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("the same ClientToken produced statements %v", ids)
		}
	}
	env.Wait(t, ids[0])
	again, err := env.Client.ExecuteStatement(ctx, in)
	if err != nil || *again.Id != ids[0] {
		t.Fatalf("repeat after completion: %v %v", again, err)
	}
	c := env.Run(t, "select count(*) from once")
	if v := firstValue(t, env, *c.Id).(*types.FieldMemberLongValue).Value; v != 1 {
		t.Fatalf("statement with one ClientToken ran %d times", v)
	}
	// A new token is a new statement; after 8 hours the old one is too.
	in.ClientToken = aws.String("retry-me-0002")
	if out := mustExecute(t, env, in); *out.Id == ids[0] {
		t.Fatal("a different token returned the same statement")
	}
	env.Clock.Advance(8*time.Hour + time.Minute)
	in.ClientToken = aws.String("retry-me-0001")
	if out := mustExecute(t, env, in); *out.Id == ids[0] {
		t.Fatal("a token older than 8 hours still returned its statement")
	}
}

func TestCatalog(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.Run(t, "create schema sales; create table sales.orders(id int4 not null, note varchar(200) default 'none'); create view sales.recent as select * from sales.orders; create table public.other(x int)")
	dbs, err := env.Client.ListDatabases(ctx, &redshiftdata.ListDatabasesInput{ClusterIdentifier: aws.String("local"),
		Database: aws.String(env.Database), DbUser: aws.String("awsuser")})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range dbs.Databases {
		if d == env.Database {
			found = true
		}
		if strings.HasPrefix(d, "template") {
			t.Errorf("ListDatabases lists %s", d)
		}
	}
	if !found {
		t.Errorf("ListDatabases %v lacks %s", dbs.Databases, env.Database)
	}
	schemas, err := env.Client.ListSchemas(ctx, &redshiftdata.ListSchemasInput{ClusterIdentifier: aws.String("local"),
		Database: aws.String(env.Database), DbUser: aws.String("awsuser"), SchemaPattern: aws.String("sal%")})
	if err != nil || strings.Join(schemas.Schemas, ",") != "sales" {
		t.Fatalf("ListSchemas sal%%: %v %v", schemas, err)
	}
	var tables []string
	p := redshiftdata.NewListTablesPaginator(env.Client, &redshiftdata.ListTablesInput{ClusterIdentifier: aws.String("local"),
		Database: aws.String(env.Database), DbUser: aws.String("awsuser"), SchemaPattern: aws.String("sales"), MaxResults: 1})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, tb := range page.Tables {
			tables = append(tables, *tb.Schema+"."+*tb.Name+":"+*tb.Type)
		}
	}
	if strings.Join(tables, ",") != "sales.orders:TABLE,sales.recent:VIEW" {
		t.Fatalf("ListTables paged by 1: %v", tables)
	}
	desc, err := env.Client.DescribeTable(ctx, &redshiftdata.DescribeTableInput{ClusterIdentifier: aws.String("local"),
		Database: aws.String(env.Database), DbUser: aws.String("awsuser"), Schema: aws.String("sales"), Table: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(desc.TableName) != "orders" || len(desc.ColumnList) != 2 {
		t.Fatalf("DescribeTable: %v, %d columns", aws.ToString(desc.TableName), len(desc.ColumnList))
	}
	id, note := desc.ColumnList[0], desc.ColumnList[1]
	if *id.TypeName != "int4" || id.Nullable != 0 || *note.TypeName != "varchar" || note.Length != 200 || note.Nullable != 1 ||
		aws.ToString(note.ColumnDefault) != "'none'::character varying" || *note.SchemaName != "sales" || *note.TableName != "orders" {
		t.Errorf("columns: %+v / %+v", id, note)
	}
	_, err = env.Client.ListSchemas(ctx, &redshiftdata.ListSchemasInput{ClusterIdentifier: aws.String("local"),
		Database: aws.String(env.Database), DbUser: aws.String("awsuser"), SchemaPattern: aws.String("%\\")})
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.HasPrefix(aws.ToString(ve.Message), "ERROR: LIKE pattern must not end with escape character") {
		t.Errorf("an invalid LIKE pattern: %v (want ValidationException with the database's text)", err)
	}
	_, err = env.Client.ListSchemas(ctx, &redshiftdata.ListSchemasInput{ClusterIdentifier: aws.String("local"),
		Database: aws.String("no_such_db"), DbUser: aws.String("awsuser")})
	var dce *types.DatabaseConnectionException
	if !errors.As(err, &dce) || !strings.Contains(aws.ToString(dce.Message), `database "no_such_db" does not exist`) {
		t.Errorf("a missing database: %v (want DatabaseConnectionException naming it)", err)
	}
}

// TestStatementsReadCSVThroughReader guards the CSV chunk boundary: chunks
// cut only between records, so concatenating them is the whole CSV.
func TestCSVChunksConcatenate(t *testing.T) {
	env := apptest.Start(t, apptest.Options{Limits: results.Limits{PageBytes: 1000, MaxRowBytes: 64 << 10, MaxResultBytes: 500 << 20}})
	in := onCluster(env, "select repeat('x', g % 300) from generate_series(1, 200) g")
	in.ResultFormat = types.ResultFormatStringCsv
	d := env.Wait(t, *mustExecute(t, env, in).Id)
	var all strings.Builder
	p := redshiftdata.NewGetStatementResultV2Paginator(env.Client, &redshiftdata.GetStatementResultV2Input{Id: d.Id})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range page.Records {
			chunk := rec.(*types.QueryRecordsMemberCSVRecords).Value
			if len(chunk) > 1000 {
				t.Fatalf("chunk of %d bytes over a 1000-byte page", len(chunk))
			}
			all.WriteString(chunk)
		}
	}
	r := csv.NewReader(strings.NewReader(all.String()))
	n := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 && len(rec[0]) != n%300 {
			t.Fatalf("record %d has %d characters", n, len(rec[0]))
		}
		n++
	}
	if n != 201 {
		t.Fatalf("read %d CSV records, want 201", n)
	}
}

func TestSessionLimit(t *testing.T) {
	env := apptest.Start(t, apptest.Options{Configure: func(c *config.Config) { c.MaxActiveSessions = 1 }})
	in := onCluster(env, "select 1")
	in.SessionKeepAliveSeconds = aws.Int32(60)
	first := mustExecute(t, env, in)
	env.Wait(t, *first.Id)
	_, err := env.Client.ExecuteStatement(ctx, in)
	apiError(t, err, "ActiveSessionsExceededException", "Active sessions exceeded the limit for this cluster or workgroup. Close idle sessions or wait for them to expire, and try again.")
	// Statements without a session, and in the open session, still run.
	if d := env.Run(t, "select 2"); d.Status != types.StatusStringFinished {
		t.Fatalf("sessionless statement at the session limit: %s", d.Status)
	}
	in2 := &redshiftdata.ExecuteStatementInput{SessionId: first.SessionId, Sql: aws.String("select 3")}
	if d := env.Wait(t, *mustExecute(t, env, in2).Id); d.Status != types.StatusStringFinished {
		t.Fatalf("statement in the open session: %s", d.Status)
	}
}
