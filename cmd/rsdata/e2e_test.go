package main

// End-to-end tests through the real binary (built once per run by
// rsdataBinary): each test starts `rsdata serve` as a child process with its
// own data dir and free ports and drives it the way users do, with the AWS
// CLI, boto3, psql, aws-sdk-go-v2 and signals. Tests run in parallel; each
// owns its servers, so none depends on another's statements.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/scram"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// interruptedText is what statement.Engine reports for a statement rsdata
// stopped (or was killed) before it finished.
const interruptedText = "ERROR: The statement was interrupted because rsdata stopped before it finished. Run it again."

// cliStatement is the part of describe-statement's output the tests read.
type cliStatement struct {
	Id                string
	Status            string
	Error             string
	QueryString       string
	ClusterIdentifier string
	WorkgroupName     string
	DbUser            string
	Database          string
	ResultRows        int64
	HasResultSet      bool
	RedshiftPid       int64
}

// cliResult is get-statement-result's output.
type cliResult struct {
	Records        json.RawMessage
	ColumnMetadata []struct {
		Name     string `json:"name"`
		Label    string `json:"label"`
		TypeName string `json:"typeName"`
	}
	TotalNumRows int64
}

func compactJSON(t testing.TB, raw []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatalf("compact %s: %v", raw, err)
	}
	return b.String()
}

func TestCLITour(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})

	// The README's first step: paste the printed export line.
	printed := s.PrintedEnv()
	rc := s.RootCredentials()
	if printed["AWS_ACCESS_KEY_ID"] != rc.AccessKeyID || printed["AWS_SECRET_ACCESS_KEY"] != rc.SecretAccessKey {
		t.Fatalf("printed credentials %s/%s differ from root-credentials.json %s/...", printed["AWS_ACCESS_KEY_ID"], printed["AWS_SECRET_ACCESS_KEY"], rc.AccessKeyID)
	}
	if got := printed["AWS_ENDPOINT_URL"]; got != s.Endpoint {
		t.Errorf("printed AWS_ENDPOINT_URL = %q, want %q", got, s.Endpoint)
	}
	if printed["AWS_REGION"] != "us-east-1" || printed["AWS_DEFAULT_REGION"] != "us-east-1" {
		t.Errorf("printed regions %q/%q, want us-east-1", printed["AWS_REGION"], printed["AWS_DEFAULT_REGION"])
	}
	env := awsEnv(t, printed)

	submit := func(args ...string) string {
		t.Helper()
		var out struct{ Id string }
		awsJSON(t, env, &out, append([]string{"redshift-data", "execute-statement"}, args...)...)
		if out.Id == "" {
			t.Fatalf("execute-statement %v returned no Id", args)
		}
		return out.Id
	}
	result := func(id string) cliResult {
		t.Helper()
		var r cliResult
		awsJSON(t, env, &r, "redshift-data", "get-statement-result", "--id", id)
		return r
	}

	// A cluster statement, from submission to its rows.
	answer := submit("--cluster-identifier", "local", "--database", "dev", "--db-user", "awsuser", "--sql", "select 41 + 1 as answer")
	d := cliWait(t, env, answer)
	if d.Status != "FINISHED" || d.ResultRows != 1 || !d.HasResultSet || d.RedshiftPid <= 0 {
		t.Fatalf("describe-statement %s = %+v; want FINISHED, ResultRows 1, HasResultSet, RedshiftPid > 0", answer, d)
	}
	if d.ClusterIdentifier != "local" || d.DbUser != "awsuser" || d.Database != "dev" || d.QueryString != "select 41 + 1 as answer" {
		t.Errorf("describe-statement %s = %+v; want cluster local, awsuser, dev and the SQL", answer, d)
	}
	r := result(answer)
	if got := compactJSON(t, r.Records); got != `[[{"longValue":42}]]` {
		t.Errorf("Records = %s, want [[{\"longValue\":42}]]", got)
	}
	if len(r.ColumnMetadata) != 1 || r.ColumnMetadata[0].Name != "answer" || r.ColumnMetadata[0].TypeName != "int4" {
		t.Errorf("ColumnMetadata = %+v, want one column answer of type int4", r.ColumnMetadata)
	}
	if r.TotalNumRows != 1 {
		t.Errorf("TotalNumRows = %d, want 1", r.TotalNumRows)
	}

	// A workgroup statement runs as the workgroup's admin user.
	wg := submit("--workgroup-name", "default", "--database", "dev", "--sql", "select current_user")
	d = cliWait(t, env, wg)
	if d.Status != "FINISHED" || d.WorkgroupName != "default" || d.ClusterIdentifier != "" {
		t.Fatalf("describe-statement %s = %+v; want FINISHED on workgroup default", wg, d)
	}
	if got := compactJSON(t, result(wg).Records); got != `[[{"stringValue":"admin"}]]` {
		t.Errorf("workgroup current_user Records = %s, want [[{\"stringValue\":\"admin\"}]]", got)
	}

	// A failing statement reports PostgreSQL's error, and the cluster keeps
	// working afterwards.
	failing := submit("--cluster-identifier", "local", "--database", "dev", "--db-user", "awsuser", "--sql", "select * from no_such_table")
	d = cliWait(t, env, failing)
	if d.Status != "FAILED" {
		t.Fatalf("describe-statement %s = %+v; want FAILED", failing, d)
	}
	if want := "ERROR: relation \"no_such_table\" does not exist\n  Position: 15"; d.Error != want {
		t.Errorf("Error = %q, want %q", d.Error, want)
	}
	if d.HasResultSet {
		t.Errorf("failed statement has HasResultSet true")
	}
	res := awsCLI(t, env, "redshift-data", "get-statement-result", "--id", failing)
	if res.Code == 0 || !strings.Contains(res.Stderr, "ResourceNotFoundException") {
		t.Errorf("get-statement-result of a failed statement: exit %d, stderr %q; want ResourceNotFoundException", res.Code, res.Stderr)
	}
	next := submit("--cluster-identifier", "local", "--database", "dev", "--db-user", "awsuser", "--sql", "select 'still alive' as s")
	if d = cliWait(t, env, next); d.Status != "FINISHED" {
		t.Fatalf("statement after a failure = %+v; want FINISHED", d)
	}
	if got := compactJSON(t, result(next).Records); got != `[[{"stringValue":"still alive"}]]` {
		t.Errorf("Records after a failure = %s", got)
	}

	// Refused calls: the CLI exits non-zero with the AWS error code.
	res = awsCLI(t, env, "redshift-data", "execute-statement", "--cluster-identifier", "nope", "--database", "dev", "--db-user", "awsuser", "--sql", "select 1")
	if res.Code == 0 || !strings.Contains(res.Stderr, "ValidationException") || !strings.Contains(res.Stderr, "Redshift endpoint doesn't exist in this region.") {
		t.Errorf("execute-statement on cluster nope: exit %d, stderr %q; want ValidationException: Redshift endpoint doesn't exist in this region.", res.Code, res.Stderr)
	}
	wrongSecret := map[string]string{}
	for k, v := range printed {
		wrongSecret[k] = v
	}
	wrongSecret["AWS_SECRET_ACCESS_KEY"] = strings.Repeat("x", 40)
	res = awsCLI(t, awsEnv(t, wrongSecret), "redshift-data", "execute-statement", "--cluster-identifier", "local", "--database", "dev", "--db-user", "awsuser", "--sql", "select 1")
	if res.Code == 0 || !strings.Contains(res.Stderr, "InvalidSignatureException") {
		t.Errorf("wrong secret key: exit %d, stderr %q; want InvalidSignatureException", res.Code, res.Stderr)
	}
	unknownKey := map[string]string{}
	for k, v := range printed {
		unknownKey[k] = v
	}
	unknownKey["AWS_ACCESS_KEY_ID"] = "AKIAUNKNOWNUNKNOWN00"
	res = awsCLI(t, awsEnv(t, unknownKey), "redshift-data", "execute-statement", "--cluster-identifier", "local", "--database", "dev", "--db-user", "awsuser", "--sql", "select 1")
	if res.Code == 0 || !strings.Contains(res.Stderr, "UnrecognizedClientException") {
		t.Errorf("unknown access key: exit %d, stderr %q; want UnrecognizedClientException", res.Code, res.Stderr)
	}

	// Every statement this server ran, newest first; the refused calls
	// created none.
	var list struct {
		Statements []struct{ Id, Status, QueryString string }
	}
	awsJSON(t, env, &list, "redshift-data", "list-statements", "--status", "ALL")
	var got []string
	for _, st := range list.Statements {
		got = append(got, st.Id+" "+st.Status)
	}
	want := []string{next + " FINISHED", failing + " FAILED", wg + " FINISHED", answer + " FINISHED"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("list-statements --status ALL =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Without --status, AWS lists FINISHED statements only.
	awsJSON(t, env, &list, "redshift-data", "list-statements")
	for _, st := range list.Statements {
		if st.Status != "FINISHED" {
			t.Errorf("list-statements without --status lists %s statement %s", st.Status, st.Id)
		}
	}
	if len(list.Statements) != 3 {
		t.Errorf("list-statements without --status listed %d statements, want the 3 FINISHED ones", len(list.Statements))
	}
}

// boto3Summary is what testdata/boto3_tour.py prints.
type boto3Summary struct {
	Boto3Version string        `json:"boto3_version"`
	Series       boto3ReadInfo `json:"series"`
	Wide         boto3ReadInfo `json:"wide"`
	Cancel       struct {
		ID                 string  `json:"id"`
		StatusBeforeCancel string  `json:"status_before_cancel"`
		CancelStatus       bool    `json:"cancel_status"`
		EndedAfterSeconds  float64 `json:"ended_after_seconds"`
		FinalStatus        string  `json:"final_status"`
		FinalError         string  `json:"final_error"`
		SecondCancel       struct {
			Code       *string `json:"code"`
			Message    string  `json:"message"`
			HTTPStatus int     `json:"http_status"`
		} `json:"second_cancel"`
	} `json:"cancel"`
}

type boto3ReadInfo struct {
	ID                   string `json:"id"`
	ExecuteCreatedAtType string `json:"execute_created_at_type"`
	Status               string `json:"status"`
	Error                string `json:"error"`
	ResultRows           int64  `json:"result_rows"`
	HasResultSet         bool   `json:"has_result_set"`
	CreatedAtType        string `json:"created_at_type"`
	CreatedAtISO         string `json:"created_at_iso"`
	Records              [][]struct {
		LongValue   *int64  `json:"longValue"`
		StringValue *string `json:"stringValue"`
	} `json:"records"`
	Pages          int    `json:"pages"`
	TotalNumRows   *int64 `json:"total_num_rows"`
	ColumnMetadata []struct {
		Name     string `json:"name"`
		TypeName string `json:"typeName"`
	} `json:"column_metadata"`
}

func TestBoto3(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})
	rc := s.RootCredentials()
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_tour.py"))
	if err != nil {
		t.Fatal(err)
	}
	env := awsEnv(t, map[string]string{"RSD_ENDPOINT": s.Endpoint, "RSD_ACCESS_KEY_ID": rc.AccessKeyID,
		"RSD_SECRET_ACCESS_KEY": rc.SecretAccessKey})
	res := runCommand(t, env, "python3", script)
	if res.Code != 0 {
		t.Fatalf("python3 %s: exit %d (is boto3 installed? pip install boto3)\nstderr:\n%s", script, res.Code, res.Stderr)
	}
	var sum boto3Summary
	if err := json.Unmarshal([]byte(res.Stdout), &sum); err != nil {
		t.Fatalf("boto3 script output is not its JSON summary: %v\n%.2000s", err, res.Stdout)
	}
	t.Logf("boto3 %s", sum.Boto3Version)

	// 5000 rows on the paginator, values intact and in order.
	se := sum.Series
	if se.Status != "FINISHED" || se.ResultRows != 5000 || !se.HasResultSet {
		t.Fatalf("series statement: status %s (%q), ResultRows %d, HasResultSet %v; want FINISHED, 5000, true", se.Status, se.Error, se.ResultRows, se.HasResultSet)
	}
	if se.CreatedAtType != "datetime" || se.ExecuteCreatedAtType != "datetime" {
		t.Errorf("botocore parsed CreatedAt as %s (describe) and %s (execute), want datetime", se.CreatedAtType, se.ExecuteCreatedAtType)
	}
	created, err := time.Parse(time.RFC3339Nano, se.CreatedAtISO)
	if err != nil {
		t.Errorf("CreatedAt isoformat %q: %v", se.CreatedAtISO, err)
	} else if d := time.Since(created); d < -time.Minute || d > 10*time.Minute {
		t.Errorf("CreatedAt %s is not about now (%s ago)", created, d)
	}
	if se.TotalNumRows == nil || *se.TotalNumRows != 5000 {
		t.Errorf("TotalNumRows = %v, want 5000", se.TotalNumRows)
	}
	if len(se.ColumnMetadata) != 2 || se.ColumnMetadata[0].Name != "g" || se.ColumnMetadata[0].TypeName != "int4" ||
		se.ColumnMetadata[1].Name != "label" || se.ColumnMetadata[1].TypeName != "text" {
		t.Errorf("ColumnMetadata = %+v, want g int4, label text", se.ColumnMetadata)
	}
	if len(se.Records) != 5000 {
		t.Fatalf("paginator returned %d records over %d pages, want 5000", len(se.Records), se.Pages)
	}
	var total int64
	bad := 0
	for i, rec := range se.Records {
		if len(rec) != 2 || rec[0].LongValue == nil || rec[1].StringValue == nil {
			t.Fatalf("record %d = %+v, want a longValue and a stringValue", i, rec)
		}
		g, label := *rec[0].LongValue, *rec[1].StringValue
		total += g
		if (g != int64(i+1) || label != "row "+strconv.FormatInt(g, 10)) && bad < 5 {
			bad++
			t.Errorf("record %d = (%d, %q), want (%d, %q)", i, g, label, i+1, "row "+strconv.Itoa(i+1))
		}
	}
	if total != 12502500 {
		t.Errorf("sum of g = %d, want 12502500", total)
	}
	if got := *se.Records[4999][1].StringValue; got != "row 5000" {
		t.Errorf("label of record 4999 = %q, want \"row 5000\"", got)
	}

	// A result of several pages: NextToken travels through botocore.
	w := sum.Wide
	if w.Status != "FINISHED" || len(w.Records) != 3000 {
		t.Fatalf("wide statement: status %s (%q), %d records; want FINISHED, 3000", w.Status, w.Error, len(w.Records))
	}
	if w.Pages < 2 {
		t.Errorf("a ~3 MB result came back in %d page(s); want several (pages are about 1 MiB)", w.Pages)
	}
	pad := strings.Repeat("x", 1000)
	for i, rec := range w.Records {
		if len(rec) != 2 || rec[0].LongValue == nil || *rec[0].LongValue != int64(i+1) || rec[1].StringValue == nil || *rec[1].StringValue != pad {
			t.Fatalf("wide record %d is wrong: %+v", i, rec)
		}
	}

	// Cancel a running statement, then cancel it again.
	c := sum.Cancel
	if c.StatusBeforeCancel != "STARTED" {
		t.Errorf("pg_sleep(60) was %s before the cancel, want STARTED", c.StatusBeforeCancel)
	}
	if !c.CancelStatus {
		t.Errorf("cancel_statement Status = false, want true")
	}
	if c.FinalStatus != "ABORTED" {
		t.Errorf("cancelled statement ended %s (%q), want ABORTED", c.FinalStatus, c.FinalError)
	}
	if !strings.Contains(c.FinalError, "cancelled on user's request") {
		t.Errorf("cancelled statement Error = %q, want it to say cancelled on user's request", c.FinalError)
	}
	if c.EndedAfterSeconds > 5 {
		t.Errorf("cancelled statement took %.1fs to end, want a few seconds at most", c.EndedAfterSeconds)
	}
	sc := c.SecondCancel
	if sc.Code == nil || *sc.Code != "ValidationException" || sc.HTTPStatus != 400 {
		t.Errorf("second cancel: code %v, HTTP %d, message %q; want ValidationException, 400", sc.Code, sc.HTTPStatus, sc.Message)
	}
	wantMsg := "Could not cancel a query that is already in ABORTED state with ID: " + c.ID
	if !strings.HasPrefix(sc.Message, "Could not cancel a query that is already in ABORTED state with ID:") || sc.Message != wantMsg {
		t.Errorf("second cancel message = %q, want %q", sc.Message, wantMsg)
	}
}

func TestPsqlLoginAsMasterUser(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})

	st, err := os.Stat(filepath.Join(s.DataDir, "master-users.json"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("master-users.json has mode %v, want 0600", st.Mode().Perm())
	}
	logins := s.MasterLogins()
	master, admin := logins["cluster/local"], logins["workgroup/default"]
	if master.User != "awsuser" || master.Password == "" || admin.User != "admin" || admin.Password == "" {
		t.Fatalf("master-users.json = %+v; want cluster/local awsuser and workgroup/default admin with passwords", logins)
	}
	clusterPort, wgPort := s.EnginePort("cluster", "local"), s.EnginePort("workgroup", "default")
	cluster := fmt.Sprintf("host=127.0.0.1 port=%d user=awsuser dbname=dev", clusterPort)

	if got := mustPsql(t, cluster, master.Password, "select current_user"); got != "awsuser" {
		t.Errorf("psql current_user = %q, want awsuser", got)
	}
	workgroup := fmt.Sprintf("host=127.0.0.1 port=%d user=admin dbname=dev", wgPort)
	if got := mustPsql(t, workgroup, admin.Password, "select current_user"); got != "admin" {
		t.Errorf("psql on the workgroup: current_user = %q, want admin", got)
	}
	// TCP logins need the password: the trust rule is for the socket only.
	res := psql(t, cluster, "not-the-password", "select 1")
	if res.Code == 0 || !strings.Contains(res.Stderr, "password authentication failed") {
		t.Errorf("psql with a wrong password: exit %d, stderr %q; want password authentication failed", res.Code, res.Stderr)
	}

	// What the Data API writes, psql reads.
	c := s.RootClient()
	mustFinish(t, c, execute(t, c, onCluster("create table t(x int)")))
	d := mustFinish(t, c, execute(t, c, onCluster("insert into t values (1), (2), (3)")))
	if d.ResultRows != 3 || aws.ToBool(d.HasResultSet) {
		t.Errorf("insert: ResultRows %d, HasResultSet %v; want 3 rows affected and no result set", d.ResultRows, aws.ToBool(d.HasResultSet))
	}
	if got := mustPsql(t, cluster, master.Password, "select count(*) || '|' || sum(x) from t"); got != "3|6" {
		t.Errorf("psql sees t as %q, want 3 rows summing to 6", got)
	}

	// PUBLIC may create in schema public, as on Redshift. The master user
	// is no PostgreSQL superuser and cannot create roles on PostgreSQL 15,
	// so the operator makes the user over the admin socket.
	plainPassword := "plain-" + randomHex(t, 8)
	s.adminPsql("cluster-local", "dev", "create role e2e_plain login password '"+plainPassword+"'")
	plain := fmt.Sprintf("host=127.0.0.1 port=%d user=e2e_plain dbname=dev", clusterPort)
	if got := mustPsql(t, plain, plainPassword, "select rolsuper from pg_roles where rolname = current_user"); got != "f" {
		t.Fatalf("e2e_plain rolsuper = %q, want f", got)
	}
	mustPsql(t, plain, plainPassword, "create table public.plain_t(x int)")
	mustPsql(t, plain, plainPassword, "insert into plain_t values (7)")

	// Through the Data API the plain user's session really is its own.
	asPlain := func(sql string) redshiftdata.ExecuteStatementInput {
		in := onCluster(sql)
		in.DbUser = aws.String("e2e_plain")
		return in
	}
	mustFinish(t, c, execute(t, c, asPlain("create table plain_api(x int)")))
	mustFinish(t, c, execute(t, c, asPlain("insert into plain_t values (8)")))
	id := execute(t, c, asPlain("select current_user, count(*) from plain_t"))
	mustFinish(t, c, id)
	rows, _, _ := allRecords(t, c, id)
	if len(rows) != 1 || stringValue(t, rows[0][0]) != "e2e_plain" || longValue(t, rows[0][1]) != 2 {
		t.Errorf("as e2e_plain: %+v, want (e2e_plain, 2)", rows)
	}
	if got := mustPsql(t, cluster, master.Password, "select tableowner from pg_tables where tablename = 'plain_api'"); got != "e2e_plain" {
		t.Errorf("owner of plain_api = %q, want e2e_plain", got)
	}
}

func TestKill9Survival(t *testing.T) {
	t.Parallel()
	dir := newDataDir(t)
	first := startServe(t, serveOptions{DataDir: dir})
	rc := first.RootCredentials()
	masters := first.MasterLogins()
	c := first.RootClient()

	idA := execute(t, c, onCluster("select g from generate_series(1,3000) g"))
	mustFinish(t, c, idA)
	idB := execute(t, c, onCluster("select pg_sleep(600)"))
	if d := waitStatus(t, c, idB, func(s types.StatusString) bool { return s == types.StatusStringStarted || terminal(s) }); d.Status != types.StatusStringStarted {
		t.Fatalf("pg_sleep(600) is %s (%q), want STARTED", d.Status, aws.ToString(d.Error))
	}

	pids := postmasterPIDs(dir)
	if len(pids) != 3 {
		t.Fatalf("postmaster.pid files under %s: %v; want control, cluster-local and workgroup-default", dir, pids)
	}
	first.Kill9()
	// The postmasters get SIGINT through Pdeathsig and shut down fast.
	waitNoPostgres(t, dir, pids)

	second := startServe(t, serveOptions{DataDir: dir})
	out := second.Stdout.String()
	if strings.Contains(out, rc.SecretAccessKey) {
		t.Errorf("second start printed the root secret key:\n%s", out)
	}
	for key, l := range masters {
		if strings.Contains(out, l.Password) {
			t.Errorf("second start printed the master password of %s", key)
		}
	}
	if again := second.RootCredentials(); again != rc {
		t.Errorf("root credentials changed across restarts: %s -> %s", rc.AccessKeyID, again.AccessKeyID)
	}
	c = second.Client(rc.AccessKeyID, rc.SecretAccessKey)

	// The finished statement and all its rows survived.
	d := waitDone(t, c, idA)
	if d.Status != types.StatusStringFinished || d.ResultRows != 3000 || !aws.ToBool(d.HasResultSet) {
		t.Fatalf("after kill -9, statement A = %s, ResultRows %d, HasResultSet %v; want FINISHED, 3000, true", d.Status, d.ResultRows, aws.ToBool(d.HasResultSet))
	}
	rows, pages, total := allRecords(t, c, idA)
	if len(rows) != 3000 || total != 3000 {
		t.Fatalf("after kill -9, statement A returned %d records (TotalNumRows %d, %d pages), want 3000", len(rows), total, pages)
	}
	for i, r := range rows {
		if len(r) != 1 || longValue(t, r[0]) != int64(i+1) {
			t.Fatalf("after kill -9, record %d = %+v, want %d", i, r, i+1)
		}
	}

	// The statement that was running is failed, saying why.
	d = waitDone(t, c, idB)
	if d.Status != types.StatusStringFailed || !strings.Contains(aws.ToString(d.Error), "rsdata stopped before it finished") {
		t.Errorf("after kill -9, statement B = %s %q; want FAILED saying rsdata stopped before it finished", d.Status, aws.ToString(d.Error))
	}
	if _, err := c.CancelStatement(context.Background(), &redshiftdata.CancelStatementInput{Id: aws.String(idB)}); !isAPIError(err, "ValidationException") {
		t.Errorf("cancelling the failed statement B: %v; want ValidationException", err)
	}

	// New statements work.
	id := execute(t, c, onCluster("select count(*) from pg_stat_activity where query like '%pg_sleep(600)%' and pid <> pg_backend_pid()"))
	mustFinish(t, c, id)
	rows, _, _ = allRecords(t, c, id)
	if len(rows) != 1 || longValue(t, rows[0][0]) != 0 {
		t.Errorf("backends still running pg_sleep(600) after the restart: %+v, want 0", rows)
	}

	// Now the cluster's own postmaster dies (the OOM killer, say): the
	// supervisor restarts it and statements work again, on fresh pooled
	// connections.
	old := postmasterPIDs(dir)["cluster-local"]
	if old == 0 || !processAlive(old) {
		t.Fatalf("no live postmaster for cluster-local (pid %d)", old)
	}
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 the cluster's postmaster: %v", err)
	}
	deadline := time.Now().Add(postgresExitWait)
	for {
		if pid := postmasterPIDs(dir)["cluster-local"]; pid != 0 && pid != old && processAlive(pid) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cluster's postmaster was not restarted within %s", postgresExitWait)
		}
		time.Sleep(100 * time.Millisecond)
	}
	id = execute(t, c, onCluster("select 'back' as s"))
	if d := waitDone(t, c, id); d.Status != types.StatusStringFinished {
		t.Errorf("first statement after the postmaster restart = %s %q; want FINISHED", d.Status, aws.ToString(d.Error))
	}
	if !strings.Contains(second.Stderr.String(), "PostgreSQL exited unexpectedly") {
		t.Errorf("rsdata did not log the postmaster's death")
	}
}

// TestInterruptedFirstStart stops the very first `rsdata serve` while it is
// still starting (after the cluster's master user exists, before the
// workgroup is up), then starts again: the master password rsdata then
// stores and prints must be the one PostgreSQL accepts.
func TestInterruptedFirstStart(t *testing.T) {
	t.Parallel()
	dir := newDataDir(t)
	s := startServe(t, serveOptions{DataDir: dir, NoWait: true})
	// pg/workgroup-default appears once the cluster is bootstrapped, just
	// before the workgroup's initdb.
	deadline := time.Now().Add(readyTimeout)
	for {
		if _, err := os.Stat(filepath.Join(dir, "pg", "workgroup-default")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rsdata did not reach the workgroup's start within %s; stderr:\n%s", readyTimeout, s.Stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	st := s.Stop()
	t.Logf("SIGTERM during start-up: %v; stderr tail:\n%s", st, tailLines(s.Stderr.String(), 3))
	if left := postgresProcesses(dir); len(left) > 0 {
		t.Errorf("PostgreSQL processes left after an interrupted start:\n%s", strings.Join(left, "\n"))
	}

	s = startServe(t, serveOptions{DataDir: dir})
	logins := s.MasterLogins()
	for _, e := range []struct{ kind, name, key, user string }{
		{"cluster", "local", "cluster/local", "awsuser"},
		{"workgroup", "default", "workgroup/default", "admin"},
	} {
		l := logins[e.key]
		if l.User != e.user || l.Password == "" {
			t.Errorf("master-users.json %s = %+v, want user %s with a password", e.key, l, e.user)
			continue
		}
		// Its stdout is a pipe: the banner names the file, not the password.
		if printed := "new master user for " + e.key + ": " + l.User + " (password in " + filepath.Join(dir, "master-users.json") + ")"; !strings.Contains(s.Stdout.String(), printed) {
			t.Errorf("banner does not show %q", printed)
		}
		if strings.Contains(s.Stdout.String(), l.Password) {
			t.Errorf("banner printed the master password of %s to a pipe", e.key)
		}
		conn := fmt.Sprintf("host=127.0.0.1 port=%d user=%s dbname=dev", s.EnginePort(e.kind, e.name), l.User)
		res := psql(t, conn, l.Password, "select current_user")
		if res.Code != 0 || strings.TrimSpace(res.Stdout) != l.User {
			t.Errorf("psql as %s on %s %s with the password from master-users.json: exit %d, %q, stderr %q; want to log in",
				l.User, e.kind, e.name, res.Code, strings.TrimSpace(res.Stdout), strings.TrimSpace(res.Stderr))
		}
	}
	// The Data API itself does not need the password (it uses the socket).
	c := s.RootClient()
	mustFinish(t, c, execute(t, c, onCluster("select 1")))
}

// TestListenOnPortZero asks for any free port: what rsdata prints must name
// the port it really listens on, or the printed export line is useless.
func TestListenOnPortZero(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{NoEmbedded: true, Listen: "127.0.0.1:0", Args: []string{
		"--no-embedded", "--cluster", "unused=postgres://nobody:secret@127.0.0.1:1/db",
	}})
	if strings.HasSuffix(s.Listen, ":0") {
		t.Fatalf("rsdata logged %s as its address", s.Listen)
	}
	if got := s.PrintedEnv()["AWS_ENDPOINT_URL"]; got != s.Endpoint {
		t.Errorf("with --listen 127.0.0.1:0, printed AWS_ENDPOINT_URL = %q, but rsdata serves on %s", got, s.Endpoint)
	}
	if want := "Data API endpoint: " + s.Endpoint; !strings.Contains(s.Stdout.String(), want) {
		t.Errorf("banner lacks %q:\n%s", want, s.Stdout.String())
	}
	// The endpoint the log names does serve the API.
	rc := s.RootCredentials()
	_, err := s.Client(rc.AccessKeyID, rc.SecretAccessKey).ListStatements(context.Background(), &redshiftdata.ListStatementsInput{})
	if err != nil {
		t.Errorf("ListStatements on %s: %v", s.Endpoint, err)
	}
}

func isAPIError(err error, code string) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == code
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	dir := newDataDir(t)

	stopAndCheck := func(s *server) {
		t.Helper()
		pids := postmasterPIDs(dir)
		if len(pids) != 3 {
			t.Fatalf("postmaster.pid files under %s: %v; want three", dir, pids)
		}
		start := time.Now()
		st := s.Stop()
		took := time.Since(start)
		if st == nil || !st.Exited() || st.ExitCode() != 0 {
			t.Errorf("rsdata after SIGTERM: %v; want exit status 0", st)
		}
		// --shutdown-timeout 10s bounds HTTP; the rest is stopping
		// statements and three PostgreSQL servers.
		if took > 30*time.Second {
			t.Errorf("rsdata took %s to exit after SIGTERM", took)
		}
		// Stop waits for every postmaster, so none may be left now.
		var left []string
		for name, pid := range pids {
			if processAlive(pid) {
				left = append(left, fmt.Sprintf("postmaster of %s (pid %d)", name, pid))
			}
		}
		left = append(left, postgresProcesses(dir)...)
		if len(left) > 0 {
			t.Errorf("PostgreSQL processes left after rsdata exited:\n%s", strings.Join(left, "\n"))
		}
		t.Logf("rsdata exited %v after SIGTERM", took.Round(time.Millisecond))
	}

	// Idle.
	s := startServe(t, serveOptions{DataDir: dir})
	stopAndCheck(s)

	// With a statement running: it ends FAILED as interrupted, and the
	// shutdown does not wait for it to finish.
	s = startServe(t, serveOptions{DataDir: dir})
	c := s.RootClient()
	id := execute(t, c, onCluster("select pg_sleep(600)"))
	waitStatus(t, c, id, func(st types.StatusString) bool { return st == types.StatusStringStarted || terminal(st) })
	stopAndCheck(s)

	s = startServe(t, serveOptions{DataDir: dir})
	c = s.RootClient()
	d := waitDone(t, c, id)
	if d.Status != types.StatusStringFailed || aws.ToString(d.Error) != interruptedText {
		t.Errorf("statement running at SIGTERM = %s %q; want FAILED %q", d.Status, aws.ToString(d.Error), interruptedText)
	}
	mustFinish(t, c, execute(t, c, onCluster("select 1")))
	stopAndCheck(s)
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func TestExternalEngineRegistration(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	pg, err := pgtest.StartNew(ctx, "ext")
	if err != nil {
		t.Fatalf("start a throwaway PostgreSQL: %v", err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		_ = pg.Stop(sctx)
		pg.Remove()
	})
	password := "ext-" + randomHex(t, 12)
	verifier, err := scram.Verifier(password)
	if err != nil {
		t.Fatal(err)
	}
	pg.Exec(t, "postgres", "ALTER ROLE postgres PASSWORD '"+verifier+"'")
	pg.Exec(t, "postgres", "CREATE DATABASE rsdata_store")
	storeDSN := pg.ConnString("postgres", "rsdata_store")
	wrongPassword := "wrong-" + randomHex(t, 12)

	s := startServe(t, serveOptions{NoEmbedded: true, Args: []string{
		"--no-embedded", "--log-level", "debug",
		"--cluster", fmt.Sprintf("ext=postgres://postgres:%s@127.0.0.1:%d/postgres?sslmode=disable", password, pg.Port()),
		"--cluster", fmt.Sprintf("badpw=postgres://postgres:%s@127.0.0.1:%d/postgres?sslmode=disable", wrongPassword, pg.Port()),
		"--store-dsn", storeDSN,
	}})
	if got := s.EnginePort("cluster", "ext"); got != pg.Port() {
		t.Errorf("banner shows cluster ext on port %d, want %d", got, pg.Port())
	}
	if _, err := os.Stat(filepath.Join(s.DataDir, "pg")); !os.IsNotExist(err) {
		t.Errorf("--no-embedded with --store-dsn still created %s/pg (err %v)", s.DataDir, err)
	}
	c := s.RootClient()
	ext := func(user, sql string) redshiftdata.ExecuteStatementInput {
		return redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("ext"), Database: aws.String("postgres"),
			DbUser: aws.String(user), Sql: aws.String(sql)}
	}

	id := execute(t, c, ext("postgres", "select current_database(), current_user"))
	mustFinish(t, c, id)
	rows, _, _ := allRecords(t, c, id)
	if len(rows) != 1 || stringValue(t, rows[0][0]) != "postgres" || stringValue(t, rows[0][1]) != "postgres" {
		t.Errorf("select current_database(), current_user on ext = %+v, want (postgres, postgres)", rows)
	}

	// Only the registered user can run there; the refusal says so.
	d := waitDone(t, c, execute(t, c, ext("someone_else", "select 1")))
	if d.Status != types.StatusStringFailed || !strings.Contains(aws.ToString(d.Error), "cannot log in to external engine") {
		t.Errorf("statement as an unregistered user = %s %q; want FAILED, cannot log in to external engine", d.Status, aws.ToString(d.Error))
	}
	// A wrong registered password fails the statement without showing it.
	d = waitDone(t, c, execute(t, c, redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("badpw"),
		Database: aws.String("postgres"), DbUser: aws.String("postgres"), Sql: aws.String("select 1")}))
	if d.Status != types.StatusStringFailed || strings.Contains(aws.ToString(d.Error), wrongPassword) {
		t.Errorf("statement on a cluster with a wrong password = %s %q; want FAILED without the password", d.Status, aws.ToString(d.Error))
	}
	// Without embedded engines there is no cluster local.
	_, err = c.ExecuteStatement(context.Background(), &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"),
		Database: aws.String("dev"), DbUser: aws.String("awsuser"), Sql: aws.String("select 1")})
	if !isAPIError(err, "ValidationException") || !strings.Contains(err.Error(), "Redshift endpoint doesn't exist in this region.") {
		t.Errorf("ExecuteStatement on cluster local with --no-embedded: %v; want ValidationException", err)
	}

	// The statements live in the store named by --store-dsn.
	qctx, qcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer qcancel()
	conn, err := pgx.Connect(qctx, storeDSN)
	if err != nil {
		t.Fatalf("connect to the store: %v", err)
	}
	var n int
	err = conn.QueryRow(qctx, "SELECT count(*) FROM statements WHERE id = $1", id).Scan(&n)
	conn.Close(qctx)
	if err != nil || n != 1 {
		t.Errorf("statement %s in the --store-dsn database: count %d, err %v; want 1", id, n, err)
	}

	s.Stop()
	for _, secret := range []string{password, wrongPassword} {
		if strings.Contains(s.Stdout.String(), secret) || strings.Contains(s.Stderr.String(), secret) {
			t.Errorf("rsdata's output contains an engine password")
		}
	}
}
