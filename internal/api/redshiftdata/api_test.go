package redshiftdata_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/aws/smithy-go"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

var ctx = context.Background()

// apiError asserts err is an AWS error with the given code and message,
// sent with the HTTP status the service model gives the code (500 for the
// server faults, 400 for the rest, ResourceNotFoundException included).
func apiError(t *testing.T, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s %q, got %v", code, message, err)
	}
	if ae.ErrorCode() != code || ae.ErrorMessage() != message {
		t.Fatalf("want %s %q, got %s %q", code, message, ae.ErrorCode(), ae.ErrorMessage())
	}
	want := http.StatusBadRequest
	switch code {
	case "ExecuteStatementException", "BatchExecuteStatementException", "DatabaseConnectionException", "InternalServerException":
		want = http.StatusInternalServerError
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != want {
		t.Fatalf("%s sent with HTTP status %v, want %d", code, re, want)
	}
}

func execute(t *testing.T, env *apptest.Env, sql string) string {
	t.Helper()
	out, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"),
		Sql: aws.String(sql),
	})
	if err != nil {
		t.Fatalf("ExecuteStatement: %v", err)
	}
	return *out.Id
}

func TestRoundTrip(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	out, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"),
		Sql: aws.String("select 41 + 1 as answer"), StatementName: aws.String("tour"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if *out.ClusterIdentifier != "local" || *out.Database != env.Database || *out.DbUser != "awsuser" || out.CreatedAt == nil {
		t.Fatalf("execute echo: %+v", out)
	}
	if time.Since(*out.CreatedAt) > time.Minute || time.Since(*out.CreatedAt) < -time.Minute {
		t.Fatalf("CreatedAt %v is not now", out.CreatedAt)
	}
	d := env.Wait(t, *out.Id)
	if d.Status != types.StatusStringFinished || d.ResultRows != 1 || !aws.ToBool(d.HasResultSet) || d.RedshiftPid <= 0 ||
		d.Duration <= 0 || *d.QueryString != "select 41 + 1 as answer" || d.ResultSize <= 0 || *d.DbUser != "awsuser" {
		t.Fatalf("describe: %+v", d)
	}
	if d.UpdatedAt.Before(*d.CreatedAt) {
		t.Fatalf("UpdatedAt %v before CreatedAt %v", d.UpdatedAt, d.CreatedAt)
	}
	r, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: out.Id})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Records) != 1 || len(r.Records[0]) != 1 || r.TotalNumRows != 1 || r.NextToken != nil {
		t.Fatalf("result: %+v", r)
	}
	if v, ok := r.Records[0][0].(*types.FieldMemberLongValue); !ok || v.Value != 42 {
		t.Fatalf("field = %#v, want longValue 42", r.Records[0][0])
	}
	c := r.ColumnMetadata[0]
	if *c.Name != "answer" || *c.Label != "answer" || *c.TypeName != "int4" || !c.IsSigned || c.Precision != 10 || c.Nullable != 2 {
		t.Fatalf("column: %+v", c)
	}
}

func TestTypesThroughSDK(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.Run(t, `create table typed (id int4 not null, big int8, f float8, n numeric(12,2), b bool, d date,
		ts timestamp, tz timestamptz, v varchar(200), c char(3), raw bytea, nothing text)`)
	env.Run(t, `insert into typed values (1, 9223372036854775807, 1.5, 12345.67, true, '2020-08-21',
		'2020-08-21 17:33:51.88712', '2022-02-22 00:00:00+00', 'it''s "quoted"', 'ab', '\x00ff10', null)`)
	id := execute(t, env, "select * from typed")
	env.Wait(t, id)
	r, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: &id})
	if err != nil {
		t.Fatal(err)
	}
	row := r.Records[0]
	want := []types.Field{
		&types.FieldMemberLongValue{Value: 1},
		&types.FieldMemberLongValue{Value: 9223372036854775807},
		&types.FieldMemberDoubleValue{Value: 1.5},
		&types.FieldMemberStringValue{Value: "12345.67"},
		&types.FieldMemberBooleanValue{Value: true},
		&types.FieldMemberStringValue{Value: "2020-08-21"},
		&types.FieldMemberStringValue{Value: "2020-08-21 17:33:51.88712"},
		&types.FieldMemberStringValue{Value: "2022-02-22 00:00:00+00"},
		&types.FieldMemberStringValue{Value: `it's "quoted"`},
		&types.FieldMemberStringValue{Value: "ab "},
		&types.FieldMemberBlobValue{Value: []byte{0, 0xff, 0x10}},
		&types.FieldMemberIsNull{Value: true},
	}
	if len(row) != len(want) {
		t.Fatalf("row has %d fields, want %d", len(row), len(want))
	}
	for i := range want {
		if fmt.Sprintf("%#v", row[i]) != fmt.Sprintf("%#v", want[i]) {
			t.Errorf("field %d (%s) = %#v, want %#v", i, *r.ColumnMetadata[i].Name, row[i], want[i])
		}
	}
	meta := map[string]types.ColumnMetadata{}
	for _, c := range r.ColumnMetadata {
		meta[*c.Name] = c
	}
	if c := meta["id"]; *c.TypeName != "int4" || c.Nullable != 0 || *c.TableName != "typed" || *c.SchemaName != "public" {
		t.Errorf("id metadata: %+v", c)
	}
	if c := meta["v"]; *c.TypeName != "varchar" || c.Precision != 200 || !c.IsCaseSensitive || c.Nullable != 1 {
		t.Errorf("v metadata: %+v", c)
	}
	if c := meta["n"]; *c.TypeName != "numeric" || c.Precision != 12 || c.Scale != 2 {
		t.Errorf("n metadata: %+v", c)
	}
	if c := meta["ts"]; *c.TypeName != "timestamp" || c.Precision != 29 || c.Scale != 6 {
		t.Errorf("ts metadata: %+v", c)
	}
}

func TestFailedStatementKeepsServing(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	d := env.Run(t, "select * from no_such_table")
	if d.Status != types.StatusStringFailed || !strings.HasPrefix(*d.Error, `ERROR: relation "no_such_table" does not exist`) {
		t.Fatalf("describe: status %s error %q", d.Status, aws.ToString(d.Error))
	}
	if aws.ToBool(d.HasResultSet) {
		t.Fatal("a failed statement reports a result set")
	}
	_, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: d.Id})
	apiError(t, err, "ResourceNotFoundException", "Query does not have result. Please check query status with DescribeStatement.")
	if d := env.Run(t, "select 1"); d.Status != types.StatusStringFinished {
		t.Fatalf("server did not keep serving: %s", d.Status)
	}
}

func TestWorkgroupRunsAsAdmin(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	out, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
		WorkgroupName: aws.String("default"), Database: aws.String(env.Database), Sql: aws.String("select current_user"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if *out.WorkgroupName != "default" || out.ClusterIdentifier != nil || *out.DbUser != "admin" {
		t.Fatalf("execute echo: %+v", out)
	}
	env.Wait(t, *out.Id)
	r, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: out.Id})
	if err != nil {
		t.Fatal(err)
	}
	if v := r.Records[0][0].(*types.FieldMemberStringValue).Value; v != "admin" {
		t.Fatalf("current_user = %q, want admin", v)
	}
}

func TestDbUserIsTheSessionUser(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	out, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("plainuser"),
		Sql: aws.String("select session_user, current_user"),
	})
	if err != nil {
		t.Fatal(err)
	}
	env.Wait(t, *out.Id)
	r, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: out.Id})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range r.Records[0] {
		if v := f.(*types.FieldMemberStringValue).Value; v != "plainuser" {
			t.Fatalf("column %d = %q, want plainuser", i, v)
		}
	}
	// A plain user really lacks superuser rights.
	out, err = env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("plainuser"),
		Sql: aws.String("create role sneaky superuser"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := env.Wait(t, *out.Id); d.Status != types.StatusStringFailed || *d.Error != "ERROR: must be superuser to create superusers" {
		t.Fatalf("plainuser created a superuser: %s %q", d.Status, aws.ToString(d.Error))
	}
}

func TestSessionStateDoesNotLeak(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.Run(t, "set search_path to pg_catalog; create temp table scratch(x int)")
	id := execute(t, env, "select current_setting('search_path'), to_regclass('pg_temp.scratch') is null")
	env.Wait(t, id)
	r, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: &id})
	if err != nil {
		t.Fatal(err)
	}
	if v := r.Records[0][0].(*types.FieldMemberStringValue).Value; v != `"$user", public` {
		t.Errorf("search_path leaked into the next statement: %q", v)
	}
	if v := r.Records[0][1].(*types.FieldMemberBooleanValue).Value; !v {
		t.Errorf("temporary table leaked into the next statement")
	}
}

func TestCancel(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	id := execute(t, env, "select pg_sleep(60)")
	deadline := time.Now().Add(30 * time.Second)
	var backend int64
	for {
		d, err := env.Client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: &id})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status == types.StatusStringStarted {
			backend = d.RedshiftPid
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("statement never STARTED: %s", d.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	c, err := env.Client.CancelStatement(ctx, &redshiftdata.CancelStatementInput{Id: &id})
	if err != nil || c.Status == nil || !*c.Status {
		t.Fatalf("cancel: %+v %v", c, err)
	}
	d := env.Wait(t, id)
	if d.Status != types.StatusStringAborted || time.Since(start) > 20*time.Second {
		t.Fatalf("after cancel: %s after %v", d.Status, time.Since(start))
	}
	// The cancel request stopped the query, not the connection: the backend
	// is still connected, back in the pool (or on its way there).
	alive := env.Run(t, fmt.Sprintf("select count(*) from pg_stat_activity where pid = %d", backend))
	r, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: alive.Id})
	if err != nil {
		t.Fatal(err)
	}
	if n := r.Records[0][0].(*types.FieldMemberLongValue).Value; n != 1 {
		t.Fatalf("backend %d of the cancelled statement is gone: the cancel closed its connection", backend)
	}
	_, err = env.Client.CancelStatement(ctx, &redshiftdata.CancelStatementInput{Id: &id})
	apiError(t, err, "ValidationException", "Could not cancel a query that is already in ABORTED state with ID: "+id)
	done := env.Run(t, "select 1")
	_, err = env.Client.CancelStatement(ctx, &redshiftdata.CancelStatementInput{Id: done.Id})
	apiError(t, err, "ValidationException", "Could not cancel a query that is already in FINISHED state with ID: "+*done.Id)
}

func TestResultErrors(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	ddl := env.Run(t, "create table nothing_returned(x int)")
	if aws.ToBool(ddl.HasResultSet) || ddl.Status != types.StatusStringFinished {
		t.Fatalf("DDL: %+v", ddl)
	}
	_, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: ddl.Id})
	apiError(t, err, "ResourceNotFoundException", "Query does not have result. Please check query status with DescribeStatement.")

	running := execute(t, env, "select pg_sleep(2)")
	_, err = env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: &running})
	apiError(t, err, "ResourceNotFoundException", "Query does not have result. Please check query status with DescribeStatement.")

	unknown := "00000000-0000-0000-0000-000000000000"
	_, err = env.Client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: &unknown})
	apiError(t, err, "ResourceNotFoundException", "Query does not exist.")
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) || aws.ToString(rnf.ResourceId) != unknown {
		t.Fatalf("ResourceNotFoundException without ResourceId: %#v", err)
	}
	_, err = env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: &unknown})
	apiError(t, err, "ResourceNotFoundException", "Query does not exist.")
	_, err = env.Client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: aws.String("not-an-id")})
	apiError(t, err, "ValidationException", `id must satisfy regex pattern: ^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\d+)?$`)

	insert := env.Run(t, "insert into nothing_returned select generate_series(1, 7)")
	if insert.ResultRows != 7 || aws.ToBool(insert.HasResultSet) {
		t.Fatalf("INSERT reports %d rows, result set %v; want 7 affected rows", insert.ResultRows, insert.HasResultSet)
	}
}

func TestPaging(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	const n = 120000
	id := execute(t, env, fmt.Sprintf("select g, 'row ' || g as label from generate_series(1, %d) g", n))
	env.Wait(t, id)
	var rows, pages int
	var sum int64
	p := redshiftdata.NewGetStatementResultPaginator(env.Client, &redshiftdata.GetStatementResultInput{Id: &id})
	var firstToken *string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if page.TotalNumRows != n || len(page.ColumnMetadata) != 2 {
			t.Fatalf("page %d: TotalNumRows %d, %d columns", pages, page.TotalNumRows, len(page.ColumnMetadata))
		}
		if pages == 0 {
			firstToken = page.NextToken
		}
		for _, rec := range page.Records {
			g := rec[0].(*types.FieldMemberLongValue).Value
			if label := rec[1].(*types.FieldMemberStringValue).Value; label != fmt.Sprintf("row %d", g) {
				t.Fatalf("row %d has label %q", g, label)
			}
			sum += g
			rows++
		}
		pages++
	}
	if rows != n || sum != int64(n)*(n+1)/2 {
		t.Fatalf("read %d rows summing to %d", rows, sum)
	}
	if pages < 2 || firstToken == nil {
		t.Fatalf("a %d-row result came in %d page(s)", n, pages)
	}
	// A token is bound to its statement.
	other := env.Run(t, "select 1")
	_, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: other.Id, NextToken: firstToken})
	apiError(t, err, "ValidationException", "Invalid NextToken. Pass the NextToken from the previous response unchanged.")
}

func TestListStatements(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	var ids []string
	for i, name := range []string{"Report-a", "report-b", "Report-c", ""} {
		in := &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database),
			DbUser: aws.String("awsuser"), Sql: aws.String(fmt.Sprintf("select %d", i))}
		if name != "" {
			in.StatementName = aws.String(name)
		}
		out, err := env.Client.ExecuteStatement(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		env.Wait(t, *out.Id)
		ids = append(ids, *out.Id)
	}
	failed := env.Run(t, "select broken from nowhere")
	wg, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
		WorkgroupName: aws.String("default"), Database: aws.String(env.Database), Sql: aws.String("select 'wg'")})
	if err != nil {
		t.Fatal(err)
	}
	env.Wait(t, *wg.Id)

	list := func(in *redshiftdata.ListStatementsInput) []string {
		t.Helper()
		out, err := env.Client.ListStatements(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range out.Statements {
			got = append(got, *s.Id)
		}
		return got
	}
	eq := func(what string, got, want []string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}
	eq("ALL, newest first", list(&redshiftdata.ListStatementsInput{Status: types.StatusStringAll}),
		[]string{*wg.Id, *failed.Id, ids[3], ids[2], ids[1], ids[0]})
	eq("default is FINISHED", list(&redshiftdata.ListStatementsInput{}), []string{*wg.Id, ids[3], ids[2], ids[1], ids[0]})
	eq("FAILED", list(&redshiftdata.ListStatementsInput{Status: types.StatusStringFailed}), []string{*failed.Id})
	eq("case-sensitive name prefix", list(&redshiftdata.ListStatementsInput{StatementName: aws.String("Report")}), []string{ids[2], ids[0]})
	eq("cluster filter", list(&redshiftdata.ListStatementsInput{ClusterIdentifier: aws.String("local")}), []string{ids[3], ids[2], ids[1], ids[0]})
	eq("workgroup filter", list(&redshiftdata.ListStatementsInput{WorkgroupName: aws.String("default")}), []string{*wg.Id})
	eq("workgroup filter by ARN", list(&redshiftdata.ListStatementsInput{WorkgroupName: aws.String(arn.Workgroup(apptest.Region, apptest.AccountID, "default"))}), []string{*wg.Id})
	eq("another workgroup's ARN", list(&redshiftdata.ListStatementsInput{WorkgroupName: aws.String(arn.Workgroup(apptest.Region, apptest.AccountID, "other"))}), nil)
	eq("database filter", list(&redshiftdata.ListStatementsInput{ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database)}),
		[]string{ids[3], ids[2], ids[1], ids[0]})
	eq("other database", list(&redshiftdata.ListStatementsInput{ClusterIdentifier: aws.String("local"), Database: aws.String("elsewhere")}), nil)

	var paged []string
	p := redshiftdata.NewListStatementsPaginator(env.Client, &redshiftdata.ListStatementsInput{Status: types.StatusStringAll, MaxResults: 2})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Statements) > 2 {
			t.Fatalf("page of %d statements with MaxResults 2", len(page.Statements))
		}
		for _, s := range page.Statements {
			paged = append(paged, *s.Id)
		}
	}
	eq("paged with MaxResults 2", paged, []string{*wg.Id, *failed.Id, ids[3], ids[2], ids[1], ids[0]})

	_, err = env.Client.ListStatements(ctx, &redshiftdata.ListStatementsInput{MaxResults: 101})
	apiError(t, err, "ValidationException", "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100")
}

// TestListRunningStatements lists a running statement by status as soon as
// DescribeStatement shows it STARTED: the listing sees the live state even
// before the store has it (the engine writes STARTED only to statements
// still running a while later).
func TestListRunningStatements(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	id := execute(t, env, "select pg_sleep(30)")
	t.Cleanup(func() { _, _ = env.Client.CancelStatement(ctx, &redshiftdata.CancelStatementInput{Id: &id}) })
	for {
		d, err := env.Client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: &id})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status == types.StatusStringStarted {
			break
		}
		if d.Status != types.StatusStringSubmitted && d.Status != types.StatusStringPicked {
			t.Fatalf("pg_sleep(30) is %s", d.Status)
		}
	}
	// Without WaitTimeSeconds, DescribeStatement gives a running statement
	// 2 ms to end before it answers.
	for range 3 {
		start := time.Now()
		d, err := env.Client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: &id})
		if err != nil || d.Status != types.StatusStringStarted {
			t.Fatalf("describing pg_sleep(30): %v %v", d, err)
		}
		if took := time.Since(start); took < 2*time.Millisecond {
			t.Fatalf("DescribeStatement of a running statement answered after %v, before its 2 ms settle", took)
		}
	}
	listed := func(c *redshiftdata.Client, status types.StatusString) bool {
		t.Helper()
		out, err := c.ListStatements(ctx, &redshiftdata.ListStatementsInput{Status: status})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out.Statements {
			if *s.Id == id {
				if status != types.StatusStringAll && s.Status != status {
					t.Fatalf("listed under %s with status %s", status, s.Status)
				}
				return true
			}
		}
		return false
	}
	for round := range 2 {
		if !listed(env.Client, types.StatusStringStarted) || !listed(env.Client, types.StatusStringAll) {
			t.Fatalf("round %d: a running statement is missing from the STARTED or ALL listing", round)
		}
		if listed(env.Client, types.StatusStringSubmitted) || listed(env.Client, types.StatusStringPicked) || listed(env.Client, types.StatusStringFinished) {
			t.Fatalf("round %d: a running statement is listed under another status", round)
		}
		// The second round runs after the store has been told.
		time.Sleep(300 * time.Millisecond)
	}
	// Another rsdata sharing the store, which knows the statement only from
	// it, lists it as STARTED too.
	other := apptest.Start(t, apptest.Options{StoreDB: env.StoreDB, Database: env.Database})
	if !listed(other.Client, types.StatusStringStarted) || listed(other.Client, types.StatusStringSubmitted) {
		t.Fatal("the store does not hold the running statement as STARTED")
	}
}

func TestLimits(t *testing.T) {
	env := apptest.Start(t, apptest.Options{MaxActiveStatements: 2, Limits: results.Limits{PageBytes: 64 << 10, MaxRowBytes: 64 << 10, MaxResultBytes: 1 << 20}})
	big := "select '" + strings.Repeat("x", 100*1024) + "'"
	_, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"), Sql: aws.String(big)})
	apiError(t, err, "ValidationException", fmt.Sprintf("Cannot process query string larger than 100kB: the SQL is %d bytes, the maximum is 102400", len(big)))

	row := env.Run(t, "select repeat('x', 70000)")
	if row.Status != types.StatusStringFailed || !strings.Contains(*row.Error, "Packet for query is too large") {
		t.Fatalf("70 KB row: %s %q", row.Status, aws.ToString(row.Error))
	}
	res := env.Run(t, "select repeat('x', 1000) from generate_series(1, 2000)")
	if res.Status != types.StatusStringFailed || !strings.Contains(*res.Error, "maximum result size of 1048576 bytes") {
		t.Fatalf("2 MB result: %s %q", res.Status, aws.ToString(res.Error))
	}

	a := execute(t, env, "select pg_sleep(30)")
	b := execute(t, env, "select pg_sleep(30)")
	_, err = env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"), Sql: aws.String("select 1")})
	apiError(t, err, "ActiveStatementsExceededException", "Active statements exceeded the limit for this cluster or workgroup. Wait for running statements to finish, or cancel some, and try again.")
	// The limit is per target: the workgroup still takes statements.
	if _, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
		WorkgroupName: aws.String("default"), Database: aws.String(env.Database), Sql: aws.String("select 1")}); err != nil {
		t.Fatalf("workgroup refused while the cluster was full: %v", err)
	}
	for _, id := range []string{a, b} {
		if _, err := env.Client.CancelStatement(ctx, &redshiftdata.CancelStatementInput{Id: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	if d := env.Run(t, "select 1"); d.Status != types.StatusStringFinished {
		t.Fatalf("cluster did not accept statements after the active ones ended: %s", d.Status)
	}
}

func TestMaxRunTime(t *testing.T) {
	env := apptest.Start(t, apptest.Options{MaxRunTime: 500 * time.Millisecond})
	start := time.Now()
	d := env.Run(t, "select pg_sleep(30)")
	if d.Status != types.StatusStringFailed || !strings.Contains(aws.ToString(d.Error), "maximum run time of 500ms") {
		t.Fatalf("over-long statement: %s %q", d.Status, aws.ToString(d.Error))
	}
	if time.Since(start) > 15*time.Second {
		t.Fatalf("the run-time limit took %v to act", time.Since(start))
	}
	if next := env.Run(t, "select 1"); next.Status != types.StatusStringFinished {
		t.Fatalf("after a timed-out statement: %s", next.Status)
	}
}

func TestExpiry(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	d := env.Run(t, "select 1")
	r, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: d.Id})
	if err != nil || len(r.Records) != 1 {
		t.Fatalf("before expiry: %v", err)
	}
	env.Clock.Advance(24*time.Hour + time.Second)
	expiredAt := d.CreatedAt.Add(24 * time.Hour).Unix()
	msg := fmt.Sprintf("Could not retrieve the query result as it has expired after %d.", expiredAt)
	_, err = env.Client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: d.Id})
	apiError(t, err, "ValidationException", msg)
	_, err = env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: d.Id})
	apiError(t, err, "ValidationException", msg)
	out, err := env.Client.ListStatements(ctx, &redshiftdata.ListStatementsInput{Status: types.StatusStringAll})
	if err != nil || len(out.Statements) != 0 {
		t.Fatalf("expired statements listed: %v %v", out, err)
	}
}

func TestValidation(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	cases := []struct {
		name string
		in   *redshiftdata.ExecuteStatementInput
		msg  string
	}{
		{"no target", &redshiftdata.ExecuteStatementInput{Database: aws.String("dev"), Sql: aws.String("select 1")},
			"Either ClusterIdentifier or WorkgroupName needs to be specified."},
		{"both targets", &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"), WorkgroupName: aws.String("default"), Database: aws.String("dev"), Sql: aws.String("select 1")},
			"ClusterIdentifier and WorkgroupName are mutually exclusive; specify one."},
		{"unknown cluster", &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("nope"), Database: aws.String("dev"), DbUser: aws.String("awsuser"), Sql: aws.String("select 1")},
			"Redshift endpoint doesn't exist in this region."},
		{"unknown workgroup", &redshiftdata.ExecuteStatementInput{WorkgroupName: aws.String("nope"), Database: aws.String("dev"), Sql: aws.String("select 1")},
			"Redshift endpoint doesn't exist in this region."},
		{"bad cluster name", &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("Bad_Name"), Database: aws.String("dev"), Sql: aws.String("select 1")},
			"1 validation error detected: Value 'Bad_Name' at 'clusterIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z][a-z0-9]*(-[a-z0-9]+)*"},
		{"no database", &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"), DbUser: aws.String("awsuser"), Sql: aws.String("select 1")},
			"Database is required when connecting to a cluster."},
		{"empty sql", &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"), Database: aws.String("dev"), DbUser: aws.String("awsuser"), Sql: aws.String("  ")},
			"Sql must not be empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := env.Client.ExecuteStatement(ctx, c.in)
			apiError(t, err, "ValidationException", c.msg)
		})
	}
}
