package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

const ciAdminToken = "ci-admin-token-0123456789"

// rsdataCmd runs the rsdata binary with args and the environment given.
func rsdataCmd(t testing.TB, env []string, args ...string) cmdResult {
	t.Helper()
	return runCommand(t, append(cleanEnv("RSDATA_"), env...), rsdataBinary(t), args...)
}

// TestDatastoreAPITokensAndErrors: 401 and 403, tokens made, listed and
// revoked with `rsdata token`, validation errors naming the field, the
// OpenAPI document matching the router, enrichment links, connection
// updates and catalog re-syncs.
func TestDatastoreAPITokensAndErrors(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{Env: []string{"RSDATA_ADMIN_TOKEN=" + ciAdminToken}})
	if _, err := os.Stat(filepath.Join(s.DataDir, "admin-token.json")); !os.IsNotExist(err) {
		t.Errorf("with RSDATA_ADMIN_TOKEN, admin-token.json exists: %v", err)
	}
	if !strings.Contains(s.Stdout.String(), "admin token from RSDATA_ADMIN_TOKEN") {
		t.Errorf("banner: %s", s.Stdout.String())
	}
	admin := ciAdminToken

	// 401: no token, a malformed header, an unknown token.
	for _, tok := range []string{"", "rsdt_unknown"} {
		r := mustCurl(t, s, 401, "GET", "/api/datastores", tok, "")
		var e struct{ Detail, Message string }
		r.decode(t, &e)
		if !strings.Contains(e.Detail, "bearer token") || e.Message != e.Detail {
			t.Errorf("401 body: %s", r.Body)
		}
	}

	// Tokens through `rsdata token`, which finds the server by its data dir.
	flags := []string{"--data-dir", s.DataDir}
	env := []string{"RSDATA_ADMIN_TOKEN=" + ciAdminToken}
	res := rsdataCmd(t, env, append([]string{"token", "create", "reader", "Member"}, flags...)...)
	m := regexp.MustCompile(`token (\d+) \(reader, Member\), shown only now:\n(rsdt_\w+)\n`).FindStringSubmatch(res.Stdout)
	if res.Code != 0 || m == nil {
		t.Fatalf("token create: %d %s %s", res.Code, res.Stdout, res.Stderr)
	}
	memberID, member := m[1], m[2]
	res = rsdataCmd(t, env, append([]string{"token", "create", "editor", "editor"}, flags...)...)
	editor := regexp.MustCompile(`rsdt_\w+`).FindString(res.Stdout)
	if res.Code != 0 || editor == "" {
		t.Fatalf("token create editor: %s %s", res.Stdout, res.Stderr)
	}
	if res := rsdataCmd(t, env, append([]string{"token", "create", "x", "Owner"}, flags...)...); res.Code == 0 || !strings.Contains(res.Stderr, "role") {
		t.Errorf("an unknown role: %d %s", res.Code, res.Stderr)
	}
	mustCurl(t, s, 200, "GET", "/api/datastores", member, "")
	r := mustCurl(t, s, 403, "POST", "/api/datastores", member, seedBody(seedSourceBasic, 1))
	if !strings.Contains(r.Body, "requires the Manager role") {
		t.Errorf("403 body: %s", r.Body)
	}
	mustCurl(t, s, 403, "POST", "/api/datastores", editor, seedBody(seedSourceBasic, 1))
	mustCurl(t, s, 403, "GET", "/api/tokens", editor, "")
	var toks []struct {
		ID      int64
		Name    string
		Role    string
		Revoked *string
		Token   string
	}
	mustCurl(t, s, 200, "GET", "/api/tokens", admin, "").decode(t, &toks)
	if len(toks) != 3 || toks[1].Name != "reader" || toks[1].Role != "Member" || toks[1].Token != "" || strings.Contains(r.Body, member) {
		t.Errorf("tokens: %+v", toks)
	}
	res = rsdataCmd(t, env, append([]string{"token", "revoke", memberID}, flags...)...)
	if res.Code != 0 {
		t.Fatalf("token revoke: %s", res.Stderr)
	}
	mustCurl(t, s, 401, "GET", "/api/datastores", member, "")
	res = rsdataCmd(t, env, append([]string{"token", "list"}, flags...)...)
	if !regexp.MustCompile(`(?m)^` + memberID + `\s+reader\s+Member\s+\S+\s+20\d\d-`).MatchString(res.Stdout) {
		t.Errorf("token list does not show the revocation:\n%s", res.Stdout)
	}

	// Validation: 422 naming the field.
	setUpSeedDatabase(t, s)
	port := s.EnginePort("cluster", "local")
	basic := seedBody(seedSourceBasic, port)
	iamBody := seedBody(seedSourceIAM, port)
	for _, c := range []struct{ body, want string }{
		{strings.Replace(basic, `"username": "your_user",`, "", 1), "connection.username: is required"},
		{strings.Replace(iamBody, `"port": `, `"password": "x", "port": `, 1), "connection.password: must be omitted"},
		{strings.Replace(iamBody, `"role_arn": "arn:aws:iam::123456789012:role/QualyticsRedshiftRole",`, "", 1), "connection.parameters.role_arn: is required"},
		{strings.Replace(basic, `"type": "redshift"`, `"type": "oracle"`, 1), "connection.type: unknown connection type"},
		{strings.Replace(basic, fmt.Sprintf(`"port": %d`, port), `"port": 70000`, 1), "connection.port: 70000 is out of range"},
		{strings.Replace(basic, fmt.Sprintf(`"port": %d`, port), `"port": "5439"`, 1), "connection.port: must be of type integer"},
		{strings.Replace(seedSourceReuse, `"connection_id": 7`, `"connection_id": 4242`, 1), "connection_id: connection 4242 does not exist"},
		{strings.Replace(basic, `"database": "your_database",`, "", 1), "database: is required"},
		{`{"name": `, "body: is not valid JSON"},
	} {
		r := mustCurl(t, s, 422, "POST", "/api/datastores", admin, c.body)
		if !strings.Contains(r.Body, c.want) {
			t.Errorf("want %q in %s", c.want, r.Body)
		}
	}

	// The OpenAPI document: served without a token, 3.1, and every route
	// it documents answers (a 404 there is a missing row, not a missing
	// route).
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	mustCurl(t, s, 200, "GET", "/api/openapi.json", "", "").decode(t, &doc)
	if doc.OpenAPI != "3.1.0" || len(doc.Paths) < 15 {
		t.Fatalf("openapi %q with %d paths", doc.OpenAPI, len(doc.Paths))
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			p := strings.NewReplacer("{id}", "424242", "{enrich_id}", "424243").Replace(path)
			if method == "get" && path == "/api/containers" {
				p += "?datastore=424242"
			}
			body := ""
			if method == "post" || method == "put" || method == "patch" {
				body = "{}"
			}
			r := curl(t, s, strings.ToUpper(method), p, admin, body)
			if r.Status == 405 || strings.Contains(r.Body, "no such route") || r.Status >= 500 {
				t.Errorf("%s %s: %d %s", method, p, r.Status, r.Body)
			}
		}
	}
	if r := curl(t, s, "GET", "/api/nothing-here", admin, ""); r.Status != 404 || !strings.Contains(r.Body, "no such route") {
		t.Errorf("unknown route: %d %s", r.Status, r.Body)
	}

	// Datastores to link, update and re-catalog.
	var src, enr createdDatastore
	mustCurl(t, s, 200, "POST", "/api/datastores", admin, strings.Replace(basic, `"schema": "public"`, `"schema": "finance"`, 1)).decode(t, &src)
	mustCurl(t, s, 200, "POST", "/api/datastores", admin, seedBody(seedEnrichmentBasic, port)).decode(t, &enr)
	waitOperation(t, s, admin, src.OperationID)

	// Enrichment link: to an enrichment datastore only; idempotent; unlink.
	mustCurl(t, s, 422, "PATCH", fmt.Sprintf("/api/datastores/%d/enrichment/%d", enr.ID, src.ID), admin, "")
	for range 2 {
		var got struct {
			EnrichmentDatastoreID *int64 `json:"enrichment_datastore_id"`
		}
		mustCurl(t, s, 200, "PATCH", fmt.Sprintf("/api/datastores/%d/enrichment/%d", src.ID, enr.ID), editor, "").decode(t, &got)
		if got.EnrichmentDatastoreID == nil || *got.EnrichmentDatastoreID != enr.ID {
			t.Errorf("linked: %+v", got)
		}
	}
	mustCurl(t, s, 204, "DELETE", fmt.Sprintf("/api/datastores/%d/enrichment", src.ID), editor, "")

	// Get: the connection, teams and metrics; never a password.
	var got struct {
		Connection struct {
			ID   int64
			Name string
			Type string
		}
		Teams   []string
		Metrics struct{ Containers, Tables, Views, Fields int }
	}
	r = mustCurl(t, s, 200, "GET", fmt.Sprintf("/api/datastores/%d", src.ID), admin, "")
	r.decode(t, &got)
	if got.Connection.Name != "redshift_production" || got.Connection.Type != "redshift" || len(got.Teams) != 1 ||
		got.Metrics.Containers != 2 || got.Metrics.Views != 1 || got.Metrics.Fields != 3 {
		t.Errorf("get: %+v", got)
	}
	conns := mustCurl(t, s, 200, "GET", "/api/connections", admin, "").Body
	if strings.Contains(conns+r.Body, "your_password") || strings.Contains(conns, "password") {
		t.Errorf("a password is shown: %s", conns)
	}
	var list struct {
		Items []struct{ Name string }
		Total int
	}
	mustCurl(t, s, 200, "GET", "/api/datastores?enrichment_only=true", editor, "").decode(t, &list)
	if list.Total != 1 || list.Items[0].Name != "Redshift Enrichment" {
		t.Errorf("enrichment_only filter: %+v", list)
	}

	// A wrong password: the test says what the database said.
	mustCurl(t, s, 200, "PUT", fmt.Sprintf("/api/connections/%d", src.ConnectionID), admin, `{"password": "wrong"}`)
	var test testResultOut
	mustCurl(t, s, 200, "POST", fmt.Sprintf("/api/datastores/%d/connection", src.ID), admin, "").decode(t, &test)
	if test.Connected || !strings.Contains(test.Message, "password authentication failed") {
		t.Errorf("test with a wrong password: %+v", test)
	}
	mustCurl(t, s, 200, "PUT", fmt.Sprintf("/api/connections/%d", src.ConnectionID), admin, `{"password": "your_password"}`)
	mustCurl(t, s, 200, "POST", fmt.Sprintf("/api/datastores/%d/connection", src.ID), admin, "").decode(t, &test)
	if !test.Connected {
		t.Errorf("test after fixing the password: %+v", test)
	}

	// Re-sync: a new table is added, a changed one updated, a dropped one
	// removed only with prune.
	s.adminPsql("cluster-local", "your_database", "create table finance.extra (x int); alter table finance.ledger add column amount int")
	run := func(body string) operationOut {
		t.Helper()
		var op operationOut
		mustCurl(t, s, 200, "POST", "/api/operations/run", editor, body).decode(t, &op)
		return waitOperation(t, s, admin, op.ID)
	}
	if op := run(fmt.Sprintf(`{"type": "catalog", "datastore_id": %d, "include": ["table", "view"], "prune": false}`, src.ID)); op.Result != "success" ||
		op.Added != 1 || op.Updated != 1 || op.Removed != 0 {
		t.Errorf("re-sync: %+v", op)
	}
	s.adminPsql("cluster-local", "your_database", "drop table finance.extra")
	if op := run(fmt.Sprintf(`{"type": "catalog", "datastore_id": %d, "include": ["table"]}`, src.ID)); op.Removed != 0 {
		t.Errorf("without prune: %+v", op)
	}
	if op := run(fmt.Sprintf(`{"type": "catalog", "datastore_id": %d, "include": ["table"], "prune": true}`, src.ID)); op.Removed != 1 {
		t.Errorf("with prune: %+v", op)
	}
	if got := containerNames(t, s, admin, src.ID); got != "ledger:table:3,ledger_view:view:1" {
		t.Errorf("containers after prune: %s", got)
	}
	mustCurl(t, s, 422, "POST", "/api/operations/run", editor, `{"type": "profile", "datastore_id": 1}`)
	mustCurl(t, s, 422, "POST", "/api/operations/run", editor, fmt.Sprintf(`{"type": "catalog", "datastore_id": %d, "include": ["index"]}`, src.ID))
	// An ended operation cannot be aborted.
	op := run(fmt.Sprintf(`{"type": "catalog", "datastore_id": %d}`, src.ID))
	mustCurl(t, s, 409, "PUT", fmt.Sprintf("/api/operations/abort/%d", op.ID), editor, "")
	// Container fields.
	var cl containerList
	mustCurl(t, s, 200, "GET", fmt.Sprintf("/api/containers?datastore=%d", src.ID), editor, "").decode(t, &cl)
	var fields struct {
		Items []struct {
			Name, Type string
			Nullable   bool
		}
	}
	mustCurl(t, s, 200, "GET", fmt.Sprintf("/api/containers/%d/fields", cl.Items[0].ID), editor, "").decode(t, &fields)
	if len(fields.Items) != 3 || fields.Items[1].Name != "entry" || fields.Items[1].Type != "character varying(20)" || fields.Items[1].Nullable {
		t.Errorf("ledger fields: %+v", fields)
	}

	// Abort: a catalog that hangs on a server that never answers ends
	// "aborted" when aborted.
	hang := hangingServer(t)
	var stuck createdDatastore
	body := strings.Replace(strings.Replace(basic, `"trigger_catalog": true`, `"trigger_catalog": false`, 1),
		fmt.Sprintf(`"port": %d`, port), fmt.Sprintf(`"port": %d`, hang), 1)
	mustCurl(t, s, 200, "POST", "/api/datastores", admin, body).decode(t, &stuck)
	if stuck.Connected {
		t.Errorf("a server that closes at once: connected")
	}
	var running operationOut
	mustCurl(t, s, 200, "POST", "/api/operations/run", editor, fmt.Sprintf(`{"type": "catalog", "datastore_id": %d}`, stuck.ID)).decode(t, &running)
	mustCurl(t, s, 200, "PUT", fmt.Sprintf("/api/operations/abort/%d", running.ID), editor, "")
	if op := waitOperation(t, s, admin, running.ID); op.Result != "aborted" {
		t.Errorf("an aborted catalog: %+v", op)
	}

	// IAM on datastores: an IAM user allowed on one datastore's cluster
	// ARN runs there (as the datastore's login) and is refused on another.
	rc := s.RootCredentials()
	iamc := iam.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(s.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(rc.AccessKeyID, rc.SecretAccessKey, "")})
	ctx := context.Background()
	if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("analyst")}); err != nil {
		t.Fatal(err)
	}
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["redshift-data:ExecuteStatement"],"Resource":"arn:aws:redshift:us-east-1:123456789012:cluster:%[1]s"},
		{"Effect":"Allow","Action":["redshift-data:DescribeStatement","redshift-data:GetStatementResult"],"Resource":"*"},
		{"Effect":"Allow","Action":"redshift:GetClusterCredentialsWithIAM","Resource":"arn:aws:redshift:us-east-1:123456789012:dbname:%[1]s/your_database"}]}`,
		src.ClusterIdentifier)
	if _, err := iamc.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("analyst"), PolicyName: aws.String("one-datastore"),
		PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	key, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("analyst")})
	if err != nil {
		t.Fatal(err)
	}
	analyst := s.Client(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))
	if got := queryString(t, analyst, onDatastore(src.ClusterIdentifier, "select current_user, current_schema()")); got != "your_user|finance" {
		t.Errorf("the analyst on her datastore: %q", got)
	}
	if _, err := analyst.ExecuteStatement(ctx, ptr(onDatastore(enr.ClusterIdentifier, "select 1"))); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("the analyst on another datastore: %v", err)
	}
}

// hangingServer listens on a free port: it closes its first connection at
// once and holds every later one open without a word.
func hangingServer(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if i == 0 {
				c.Close()
				continue
			}
			held = append(held, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range held {
			c.Close()
		}
	})
	return ln.Addr().(*net.TCPAddr).Port
}
