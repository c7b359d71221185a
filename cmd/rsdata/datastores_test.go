package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
)

// The seed's requests, verbatim but for the host, port, role ARN and token
// (seedRequest substitutes them).
const (
	seedHost = "your-cluster.abc123.us-east-1.redshift.amazonaws.com"

	seedSourceBasic = `{
    "name": "Redshift Production",
    "connection": {
      "name": "redshift_production",
      "type": "redshift",
      "host": "your-cluster.abc123.us-east-1.redshift.amazonaws.com",
      "port": 5439,
      "username": "your_user",
      "password": "your_password",
      "parameters": {
        "authentication_type": "BASIC"
      }
    },
    "database": "your_database",
    "schema": "public",
    "teams": ["Data Platform"],
    "enrichment_only": false,
    "trigger_catalog": true
  }`
	seedSourceReuse = `{
    "name": "Redshift Finance",
    "connection_id": 7,
    "database": "your_database",
    "schema": "finance",
    "teams": ["Finance Team"],
    "enrichment_only": false,
    "trigger_catalog": true
  }`
	seedEnrichmentBasic = `{
    "name": "Redshift Enrichment",
    "connection": {
      "name": "redshift_enrichment",
      "type": "redshift",
      "host": "your-cluster.abc123.us-east-1.redshift.amazonaws.com",
      "port": 5439,
      "username": "qualytics_readwrite",
      "password": "your_password",
      "parameters": {
        "authentication_type": "BASIC"
      }
    },
    "database": "your_database",
    "schema": "qualytics_enrichment",
    "teams": ["Data Platform"],
    "enrichment_only": true,
    "trigger_catalog": true
  }`
	seedEnrichmentReuse = `{
    "name": "Redshift Enrichment",
    "connection_id": 7,
    "database": "your_database",
    "schema": "qualytics_enrichment",
    "teams": ["Data Platform"],
    "enrichment_only": true,
    "trigger_catalog": true
  }`
)

// seedBody changes only the host and port of a seed body.
func seedBody(body string, port int) string {
	body = strings.ReplaceAll(body, seedHost, "127.0.0.1")
	return strings.ReplaceAll(body, `"port": 5439`, `"port": `+strconv.Itoa(port))
}

// apiResult is a curl answer: the status and the JSON body.
type apiResult struct {
	Status int
	Body   string
}

func (r apiResult) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("answer %d is not JSON: %v\n%s", r.Status, err, r.Body)
	}
}

// curl sends a request the way the seed's examples do.
func curl(t testing.TB, s *server, method, path, token, body string) apiResult {
	t.Helper()
	args := []string{"-sS", "-X", method, s.Endpoint + path, "-w", "\n%{http_code}"}
	if token != "" {
		args = append(args, "-H", "Authorization: Bearer "+token)
	}
	if body != "" {
		args = append(args, "-H", "Content-Type: application/json", "-d", body)
	}
	res := runCommand(t, cleanEnv("CURL", "HTTP"), "curl", args...)
	if res.Code != 0 {
		t.Fatalf("curl %s %s: exit %d: %s", method, path, res.Code, res.Stderr)
	}
	out := strings.TrimRight(res.Stdout, "\n")
	i := strings.LastIndexByte(out, '\n')
	code, _ := strconv.Atoi(out[i+1:])
	return apiResult{Status: code, Body: out[:max(i, 0)]}
}

func mustCurl(t testing.TB, s *server, want int, method, path, token, body string) apiResult {
	t.Helper()
	r := curl(t, s, method, path, token, body)
	if r.Status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

type createdDatastore struct {
	ID                int64  `json:"id"`
	Name              string `json:"name"`
	Type              string `json:"type"`
	StoreType         string `json:"store_type"`
	Database          string `json:"database"`
	Schema            string `json:"schema"`
	EnrichmentOnly    bool   `json:"enrichment_only"`
	Connected         bool   `json:"connected"`
	ClusterIdentifier string `json:"cluster_identifier"`
	ConnectionID      int64  `json:"connection_id"`
	OperationID       int64  `json:"operation_id"`
}

// adminTokenOf reads the generated admin token from the data dir (mode 0600).
func adminTokenOf(t testing.TB, s *server) string {
	t.Helper()
	path := filepath.Join(s.DataDir, "admin-token.json")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("admin token file: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, st.Mode().Perm())
	}
	var v struct{ Token string }
	readJSON(t, path, &v)
	if v.Token == "" {
		t.Fatalf("%s holds no token", path)
	}
	return v.Token
}

// setUpSeedDatabase makes on cluster "local" what the seed's requests
// name: database your_database, a read-only user your_user, a read-write
// user qualytics_readwrite (both with password your_password), schemas
// public, finance and qualytics_enrichment. qualytics_readwrite may write
// finance: a source datastore using it must still not.
func setUpSeedDatabase(t testing.TB, s *server) {
	t.Helper()
	s.adminPsql("cluster-local", "dev", `create user your_user password 'your_password'`)
	s.adminPsql("cluster-local", "dev", `create user qualytics_readwrite password 'your_password'`)
	s.adminPsql("cluster-local", "dev", `create database your_database`)
	s.adminPsql("cluster-local", "your_database", `
		create table public.orders (id int primary key, amount numeric(10,2));
		insert into public.orders values (1, 10.50), (2, 20.25);
		grant select on public.orders to your_user;
		create schema finance authorization qualytics_readwrite;
		create table finance.ledger (id int, entry varchar(20) not null);
		insert into finance.ledger values (1, 'opening'), (2, 'closing');
		create view finance.ledger_view as select id from finance.ledger;
		create sequence finance.ledger_seq;
		create function finance.bump() returns int language sql as 'insert into finance.ledger values (99, ''bumped'') returning id';
		alter table finance.ledger owner to qualytics_readwrite;
		alter view finance.ledger_view owner to qualytics_readwrite;
		alter sequence finance.ledger_seq owner to qualytics_readwrite;
		alter function finance.bump() owner to qualytics_readwrite;
		create schema qualytics_enrichment authorization qualytics_readwrite;
		grant usage on schema finance to your_user;`)
}

type operationOut struct {
	ID      int64  `json:"id"`
	Result  string `json:"result"`
	Message string `json:"message"`
	Added   int    `json:"containers_added"`
	Updated int    `json:"containers_updated"`
	Removed int    `json:"containers_removed"`
}

func waitOperation(t testing.TB, s *server, token string, id int64) operationOut {
	t.Helper()
	deadline := time.Now().Add(statementWait)
	for {
		var op operationOut
		mustCurl(t, s, 200, "GET", fmt.Sprintf("/api/operations/%d", id), token, "").decode(t, &op)
		if op.Result == "success" || op.Result == "failure" || op.Result == "aborted" {
			return op
		}
		if time.Now().After(deadline) {
			t.Fatalf("operation %d still %s", id, op.Result)
		}
		time.Sleep(pollInterval)
	}
}

type containerList struct {
	Items []struct {
		ID            int64  `json:"id"`
		Name          string `json:"name"`
		ContainerType string `json:"container_type"`
		FieldCount    int    `json:"field_count"`
	} `json:"items"`
	Total int `json:"total"`
}

func containerNames(t testing.TB, s *server, token string, datastoreID int64) string {
	t.Helper()
	var l containerList
	mustCurl(t, s, 200, "GET", fmt.Sprintf("/api/containers?datastore=%d", datastoreID), token, "").decode(t, &l)
	var names []string
	for _, c := range l.Items {
		names = append(names, fmt.Sprintf("%s:%s:%d", c.Name, c.ContainerType, c.FieldCount))
	}
	return strings.Join(names, ",")
}

// onDatastore is an ExecuteStatementInput for a datastore's Data API target.
func onDatastore(id string, sql string) redshiftdata.ExecuteStatementInput {
	return redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String(id), Database: aws.String("your_database"), Sql: aws.String(sql)}
}

func queryString(t testing.TB, c *redshiftdata.Client, in redshiftdata.ExecuteStatementInput) string {
	t.Helper()
	id := execute(t, c, in)
	mustFinish(t, c, id)
	rows, _, _ := allRecords(t, c, id)
	var out []string
	for _, r := range rows {
		var cells []string
		for _, f := range r {
			switch v := f.(type) {
			case *types.FieldMemberStringValue:
				cells = append(cells, v.Value)
			case *types.FieldMemberLongValue:
				cells = append(cells, strconv.FormatInt(v.Value, 10))
			case *types.FieldMemberBooleanValue:
				cells = append(cells, strconv.FormatBool(v.Value))
			default:
				cells = append(cells, fmt.Sprint(f))
			}
		}
		out = append(out, strings.Join(cells, "|"))
	}
	return strings.Join(out, "\n")
}

// failing runs sql on target and requires it to fail; it returns the error.
func failing(t testing.TB, c *redshiftdata.Client, in redshiftdata.ExecuteStatementInput) string {
	t.Helper()
	id := execute(t, c, in)
	d := waitDone(t, c, id)
	if d.Status != types.StatusStringFailed {
		t.Errorf("%q on %s: ended %s, want FAILED", aws.ToString(in.Sql), aws.ToString(in.ClusterIdentifier), d.Status)
	}
	return aws.ToString(d.Error)
}

// TestDatastoreSeedBasic replays the seed's BASIC requests (source and
// enrichment, inline and connection_id) against a running rsdata, queries
// the datastores through the Data API with the Go SDK, catalogs them, and
// restarts.
func TestDatastoreSeedBasic(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})
	token := adminTokenOf(t, s)
	// Like the root key: not printed to a pipe, and the banner's export
	// line reads it from the 0600 file.
	banner := s.Stdout.String()
	exportLine := regexp.MustCompile(`(?m)^  (export RSDATA_TOKEN=.*admin-token\.json.*)$`).FindStringSubmatch(banner)
	if strings.Contains(banner, token) || exportLine == nil {
		t.Errorf("the banner shows the admin token to a pipe, or does not say where it is:\n%s", banner)
	} else if res := runCommand(t, nil, "sh", "-c", exportLine[1]+`; printf %s "$RSDATA_TOKEN"`); res.Stdout != token {
		t.Errorf("the banner's export line sets RSDATA_TOKEN=%q", res.Stdout)
	}
	setUpSeedDatabase(t, s)
	port := s.EnginePort("cluster", "local")

	create := func(body string) createdDatastore {
		t.Helper()
		var d createdDatastore
		mustCurl(t, s, 200, "POST", "/api/datastores", token, seedBody(body, port)).decode(t, &d)
		return d
	}
	prod := create(seedSourceBasic)
	if prod.Name != "Redshift Production" || prod.Type != "redshift" || prod.StoreType != "jdbc" || prod.Database != "your_database" ||
		prod.Schema != "public" || prod.EnrichmentOnly || !prod.Connected || prod.ClusterIdentifier != fmt.Sprintf("datastore-%d", prod.ID) {
		t.Errorf("create source: %+v", prod)
	}
	// Connection ids are the installation's: make 7 a read-write one, as
	// the seed's connection_id requests expect.
	var enrich createdDatastore
	for enrich.ConnectionID < 7 {
		enrich = create(seedEnrichmentBasic)
		if !enrich.EnrichmentOnly || !enrich.Connected {
			t.Fatalf("create enrichment: %+v", enrich)
		}
	}
	if enrich.ConnectionID != 7 {
		t.Fatalf("connection ids skipped 7: %+v", enrich)
	}
	finance := create(seedSourceReuse)
	reused := create(seedEnrichmentReuse)
	if finance.ConnectionID != 7 || finance.Schema != "finance" || finance.EnrichmentOnly || !finance.Connected {
		t.Errorf("create source with connection_id: %+v", finance)
	}
	if reused.ConnectionID != 7 || !reused.EnrichmentOnly || !reused.Connected {
		t.Errorf("create enrichment with connection_id: %+v", reused)
	}

	// Catalog: trigger_catalog queued an operation on each create.
	if op := waitOperation(t, s, token, finance.OperationID); op.Result != "success" || op.Added != 2 {
		t.Errorf("finance catalog: %+v", op)
	}
	if got := containerNames(t, s, token, finance.ID); got != "ledger:table:2,ledger_view:view:1" {
		t.Errorf("finance containers: %s", got)
	}
	waitOperation(t, s, token, prod.OperationID)
	if got := containerNames(t, s, token, prod.ID); got != "orders:table:2" {
		t.Errorf("production containers: %s", got)
	}

	// The Data API: the datastore's schema is first on the search path.
	c := s.RootClient()
	if got := queryString(t, c, onDatastore(finance.ClusterIdentifier, "select current_schema(), count(*) from ledger")); got != "finance|2" {
		t.Errorf("finance through the Data API: %q", got)
	}
	if got := queryString(t, c, onDatastore(prod.ClusterIdentifier, "select current_user, sum(amount)::varchar from orders")); got != "your_user|30.75" {
		t.Errorf("production through the Data API: %q", got)
	}
	// DescribeClusters lists the clusters rsdata runs, not datastores.
	var clusters struct {
		Clusters []struct{ ClusterIdentifier string }
	}
	awsJSON(t, awsEnv(t, s.PrintedEnv()), &clusters, "redshift", "describe-clusters")
	if len(clusters.Clusters) != 1 || clusters.Clusters[0].ClusterIdentifier != "local" {
		t.Errorf("describe-clusters: %+v", clusters)
	}
	// rsdata makes no temporary users on a datastore: its login is its own.
	rc := s.RootCredentials()
	rs := redshift.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(s.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(rc.AccessKeyID, rc.SecretAccessKey, "")})
	if _, err := rs.GetClusterCredentials(context.Background(), &redshift.GetClusterCredentialsInput{ClusterIdentifier: aws.String(finance.ClusterIdentifier),
		DbUser: aws.String("intruder"), DbName: aws.String("your_database"), AutoCreate: aws.Bool(true)}); err == nil || !strings.Contains(err.Error(), "ClusterNotFound") {
		t.Errorf("GetClusterCredentials on a datastore: %v", err)
	}
	// The Data API's catalog calls on a datastore.
	tables, err := c.ListTables(context.Background(), &redshiftdata.ListTablesInput{ClusterIdentifier: aws.String(finance.ClusterIdentifier),
		Database: aws.String("your_database"), SchemaPattern: aws.String("finance")})
	if err != nil || len(tables.Tables) != 2 || aws.ToString(tables.Tables[0].Name) != "ledger" || aws.ToString(tables.Tables[1].Type) != "VIEW" {
		t.Errorf("ListTables on a datastore: %+v %v", tables, err)
	}
	desc, err := c.DescribeTable(context.Background(), &redshiftdata.DescribeTableInput{ClusterIdentifier: aws.String(finance.ClusterIdentifier),
		Database: aws.String("your_database"), Schema: aws.String("finance"), Table: aws.String("ledger")})
	if err != nil || len(desc.ColumnList) != 2 || aws.ToString(desc.ColumnList[1].Name) != "entry" {
		t.Errorf("DescribeTable on a datastore: %+v %v", desc, err)
	}
	otherDB := onDatastore(finance.ClusterIdentifier, "select 1")
	otherDB.Database = aws.String("dev")
	if msg := failing(t, c, otherDB); !strings.Contains(msg, `serves database "your_database" only`) {
		t.Errorf("another database on a datastore: %s", msg)
	}

	// The enrichment datastore writes, in its own schema.
	mustFinish(t, c, execute(t, c, onDatastore(reused.ClusterIdentifier, "create table results (id int, note varchar(10))")))
	mustFinish(t, c, execute(t, c, onDatastore(reused.ClusterIdentifier, "insert into results values (1, 'ok')")))
	if got := s.adminPsql("cluster-local", "your_database", "select count(*) from qualytics_enrichment.results"); got != "1" {
		t.Errorf("enrichment rows: %s", got)
	}

	// The source on the same read-write login refuses every write.
	tricks := []string{
		"insert into ledger values (3, 'x')",
		"SET TRANSACTION READ WRITE",
		"set default_transaction_read_only = off",
		"BEGIN READ WRITE",
		"select nextval('ledger_seq')",
		"copy ledger from stdin",
		"create table t2 (a int)",
		"drop table ledger",
		"select bump()",
		"select lo_create(0)",
		"select pg_advisory_lock(1)",
		"select set_config('default_transaction_read_only', 'off', false)",
		"commit; insert into ledger values (4, 'y')",
		"RESET ALL",
		"SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
		"/* hidden */ start transaction read write",
	}
	for _, sql := range tricks {
		failing(t, c, onDatastore(finance.ClusterIdentifier, sql))
	}
	// Batches (one transaction): the transaction's own COMMIT, or a mode
	// change first, let no write through.
	for _, sqls := range [][]string{
		{"select 1", "insert into ledger values (5, 'z')"},
		{"commit", "insert into ledger values (5, 'z')"},
		{"SET TRANSACTION READ WRITE", "insert into ledger values (5, 'z')"},
		{"select 1", "select bump()"},
	} {
		out, err := c.BatchExecuteStatement(context.Background(), &redshiftdata.BatchExecuteStatementInput{
			ClusterIdentifier: aws.String(finance.ClusterIdentifier), Database: aws.String("your_database"), Sqls: sqls})
		if err != nil {
			t.Fatal(err)
		}
		if d := waitDone(t, c, aws.ToString(out.Id)); d.Status != types.StatusStringFailed {
			t.Errorf("batch %q on a source ended %s", sqls, d.Status)
		}
	}
	// A session: BEGIN and COMMIT are allowed, writes and mode changes not.
	sess, err := c.ExecuteStatement(context.Background(), &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String(finance.ClusterIdentifier),
		Database: aws.String("your_database"), Sql: aws.String("BEGIN"), SessionKeepAliveSeconds: aws.Int32(60)})
	if err != nil {
		t.Fatal(err)
	}
	mustFinish(t, c, aws.ToString(sess.Id))
	inSession := func(sql string) redshiftdata.ExecuteStatementInput {
		return redshiftdata.ExecuteStatementInput{SessionId: sess.SessionId, Sql: aws.String(sql)}
	}
	failing(t, c, inSession("SET TRANSACTION READ WRITE"))
	mustFinish(t, c, execute(t, c, inSession("ROLLBACK")))
	failing(t, c, inSession("update ledger set entry = 'changed'"))
	mustFinish(t, c, execute(t, c, inSession("COMMIT")))
	failing(t, c, inSession("select bump()"))
	if got := s.adminPsql("cluster-local", "your_database",
		"select count(*) || ',' || (select last_value || ',' || is_called from finance.ledger_seq) || ',' || (select count(*) from pg_largeobject_metadata) from finance.ledger"); got != "2,1,false,0" {
		t.Errorf("the source changed: rows, sequence, large objects = %s", got)
	}
	if got := s.adminPsql("cluster-local", "your_database", "select string_agg(tablename, ',' order by tablename) from pg_tables where schemaname = 'finance'"); got != "ledger" {
		t.Errorf("finance tables: %s", got)
	}

	// Restart: datastores, connections, tokens and catalogs survive.
	s.Stop()
	s = startServe(t, serveOptions{DataDir: s.DataDir})
	c = s.RootClient()
	if got := containerNames(t, s, token, finance.ID); got != "ledger:table:2,ledger_view:view:1" {
		t.Errorf("finance containers after a restart: %s", got)
	}
	if got := queryString(t, c, onDatastore(finance.ClusterIdentifier, "select count(*) from ledger")); got != "2" {
		t.Errorf("finance after a restart: %q", got)
	}
	failing(t, c, onDatastore(finance.ClusterIdentifier, "insert into ledger values (3, 'x')"))

	// Delete removes the catalog and the Data API target.
	mustCurl(t, s, 204, "DELETE", fmt.Sprintf("/api/datastores/%d", finance.ID), token, "")
	mustCurl(t, s, 404, "GET", fmt.Sprintf("/api/datastores/%d", finance.ID), token, "")
	mustCurl(t, s, 404, "GET", fmt.Sprintf("/api/containers?datastore=%d", finance.ID), token, "")
	if _, err := c.ExecuteStatement(context.Background(), ptr(onDatastore(finance.ClusterIdentifier, "select 1"))); err == nil {
		t.Errorf("a deleted datastore still answers the Data API")
	}
	mustCurl(t, s, 409, "DELETE", "/api/connections/7", token, "")
}

func ptr[T any](v T) *T { return &v }
