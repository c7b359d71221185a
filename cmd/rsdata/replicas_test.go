package main

// Several `rsdata serve` replicas on one control store: the harness starts
// them (each with its own data dir and port) on a throwaway PostgreSQL as
// --store-dsn and another as the external cluster "ext", with one sealing
// key and one set of root credentials, as an operator runs them behind a
// load balancer; TestReplicas spreads every flow over them.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/scram"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// testLease is the replicas' --replica-lease in these tests: short, so a
// killed replica is taken over within seconds, yet long enough that a
// replica starved of CPU on a loaded machine still renews in time.
const testLease = 6 * time.Second

// replicaSet is N rsdata replicas on one store and one external engine.
type replicaSet struct {
	t        testing.TB
	Replicas []*server
	Root     rootCredentials
	// StoreDSN is the control store; EngineDSN the external cluster "ext"
	// (database postgres, user postgres, password EnginePassword).
	StoreDSN       string
	EngineDSN      string
	EnginePassword string
	KeyFile        string
	// Env is more environment every replica starts with.
	Env []string
}

// startReplicas starts n replicas (no embedded servers) on a fresh control
// store and a fresh external PostgreSQL registered as cluster "ext".
func startReplicas(t *testing.T, n int, extraArgs ...string) *replicaSet {
	t.Helper()
	return startReplicasEnv(t, n, nil, extraArgs...)
}

// startReplicasEnv is startReplicas with more environment for every
// replica (RSDATA_ADMIN_TOKEN, which replicas must share).
func startReplicasEnv(t *testing.T, n int, env []string, extraArgs ...string) *replicaSet {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	start := func(name string) *pgtest.Server {
		pg, err := pgtest.StartNew(ctx, name)
		if err != nil {
			t.Fatalf("start a throwaway PostgreSQL: %v", err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
			defer cancel()
			_ = pg.Stop(sctx)
			pg.Remove()
		})
		return pg
	}
	storePG, enginePG := start("store"), start("ext")
	rs := &replicaSet{t: t, EnginePassword: "ext-" + randomHex(t, 12), Env: env}
	verifier, err := scram.Verifier(rs.EnginePassword)
	if err != nil {
		t.Fatal(err)
	}
	enginePG.Exec(t, "postgres", "ALTER ROLE postgres PASSWORD '"+verifier+"'")
	storePG.Exec(t, "postgres", "CREATE DATABASE rsdata_store")
	rs.StoreDSN = storePG.ConnString("postgres", "rsdata_store")
	rs.EngineDSN = fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/postgres?sslmode=disable", rs.EnginePassword, enginePG.Port())

	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	rs.KeyFile = filepath.Join(newDataDir(t), "seal-key")
	if err := os.WriteFile(rs.KeyFile, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rs.Root = rootCredentials{AccessKeyID: "AKIAREPLICAS" + strings.ToUpper(randomHex(t, 4)), SecretAccessKey: randomHex(t, 20)}
	servers := make([]*server, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			servers[i] = rs.start(extraArgs...)
		}()
	}
	wg.Wait()
	for _, s := range servers {
		if s == nil {
			t.FailNow()
		}
	}
	rs.Replicas = servers
	return rs
}

// start runs one more replica of the set.
func (rs *replicaSet) start(extraArgs ...string) *server {
	return rs.startIn("", extraArgs...)
}

// startIn runs a replica on data dir dir ("" for a new one); a later
// --replica-lease in extraArgs overrides the test's.
func (rs *replicaSet) startIn(dir string, extraArgs ...string) *server {
	args := append([]string{"--no-embedded", "--store-dsn", rs.StoreDSN, "--cluster", "ext=" + rs.EngineDSN,
		"--seal-key-file", rs.KeyFile, "--replica-lease", testLease.String()}, extraArgs...)
	s := startServe(rs.t, serveOptions{NoEmbedded: true, Args: args, DataDir: dir,
		Env: append([]string{"RSDATA_ROOT_ACCESS_KEY_ID=" + rs.Root.AccessKeyID, "RSDATA_ROOT_SECRET_ACCESS_KEY=" + rs.Root.SecretAccessKey}, rs.Env...)})
	// As a load balancer does, send it calls once it is ready: its lease
	// is held and it listens for the other replicas' notifications.
	deadline := time.Now().Add(readyTimeout)
	for {
		resp, err := http.Get(s.Endpoint + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
			if time.Now().After(deadline) {
				rs.t.Fatalf("replica %s not ready after %s: %s %s", s.Endpoint, readyTimeout, resp.Status, body)
			}
		} else if time.Now().After(deadline) {
			rs.t.Fatalf("replica %s not ready after %s: %v", s.Endpoint, readyTimeout, err)
		}
		time.Sleep(pollInterval)
	}
}

// awsConfig is an SDK configuration for replica s with the given keys.
func awsConfig(s *server, accessKeyID, secret, token string) aws.Config {
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(s.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(accessKeyID, secret, token)}
}

// rootConfig is awsConfig with the root credentials.
func (rs *replicaSet) rootConfig(s *server) aws.Config {
	return awsConfig(s, rs.Root.AccessKeyID, rs.Root.SecretAccessKey, "")
}

// data is a root Data API client of replica i.
func (rs *replicaSet) data(i int) *redshiftdata.Client {
	return redshiftdata.NewFromConfig(rs.rootConfig(rs.Replicas[i]))
}

// engineQuery runs sql on the external engine and returns the first column
// of its rows as text.
func (rs *replicaSet) engineQuery(sql string, args ...any) []string {
	rs.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, rs.EngineDSN)
	if err != nil {
		rs.t.Fatalf("connect to the engine: %v", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		rs.t.Fatalf("%s: %v", sql, err)
	}
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			rs.t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals[0]))
	}
	if err := rows.Err(); err != nil {
		rs.t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// dataAPICall sends one Data API request as raw JSON signed with root
// credentials (for members the Go SDK lacks, such as WaitTimeSeconds) and
// returns the HTTP status and the decoded reply.
func (rs *replicaSet) dataAPICall(s *server, operation, body string) (int, map[string]any) {
	rs.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.Endpoint+"/", bytes.NewReader([]byte(body)))
	if err != nil {
		rs.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "RedshiftData."+operation)
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: rs.Root.AccessKeyID, SecretAccessKey: rs.Root.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "redshift-data", "us-east-1", time.Now()); err != nil {
		rs.t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		rs.t.Fatalf("%s on %s: %v", operation, s.Endpoint, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		rs.t.Fatalf("%s on %s: reply is not JSON: %s", operation, s.Endpoint, b)
	}
	return resp.StatusCode, out
}

// onExt is an ExecuteStatementInput for cluster "ext" as postgres.
func onExt(sql string) redshiftdata.ExecuteStatementInput {
	return redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("ext"), Database: aws.String("postgres"),
		DbUser: aws.String("postgres"), Sql: aws.String(sql)}
}

// TestReplicas runs three replicas on one store and spreads every flow
// over them; it ends by killing one with SIGKILL mid-statement.
func TestReplicas(t *testing.T) {
	t.Parallel()
	eventsFile := filepath.Join(newDataDir(t), "events.jsonl")
	rs := startReplicas(t, 3, "--events-file", eventsFile)
	a, b, c := rs.Replicas[0], rs.Replicas[1], rs.Replicas[2]
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	t.Run("each replica reports its lease on /readyz", func(t *testing.T) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := http.Get(b.Endpoint + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var report struct {
				Components []struct {
					Kind string
					Up   bool
				}
			}
			_ = json.Unmarshal(body, &report)
			replicaUp := false
			for _, c := range report.Components {
				replicaUp = replicaUp || c.Kind == "replica" && c.Up
			}
			if resp.StatusCode == http.StatusOK && replicaUp {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("/readyz on B: %s %s; want 200 with a replica component", resp.Status, body)
			}
			time.Sleep(pollInterval)
		}
	})

	t.Run("keys created on one replica sign requests to the others", func(t *testing.T) {
		admin := iam.NewFromConfig(rs.rootConfig(a))
		if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
			t.Fatal(err)
		}
		key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
		if err != nil {
			t.Fatal(err)
		}
		id, secret := aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
		for _, s := range []*server{b, c} {
			who, err := sts.NewFromConfig(awsConfig(s, id, secret, "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil || aws.ToString(who.Arn) != "arn:aws:iam::123456789012:user/alice" {
				t.Errorf("GetCallerIdentity with alice's key (made on A) on %s: %v, %v", s.Endpoint, who, err)
			}
		}
		// The AWS CLI signs with it too.
		env := awsEnv(t, map[string]string{"AWS_ACCESS_KEY_ID": id, "AWS_SECRET_ACCESS_KEY": secret,
			"AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": c.Endpoint})
		var who struct{ Arn string }
		awsJSON(t, env, &who, "sts", "get-caller-identity")
		if who.Arn != "arn:aws:iam::123456789012:user/alice" {
			t.Errorf("aws sts get-caller-identity with alice's key on C: %q", who.Arn)
		}
	})

	t.Run("STS credentials from one replica work on another", func(t *testing.T) {
		admin := iam.NewFromConfig(rs.rootConfig(a))
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
		if _, err := admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("etl"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
			t.Fatal(err)
		}
		out, err := sts.NewFromConfig(rs.rootConfig(a)).AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::123456789012:role/etl"), RoleSessionName: aws.String("nightly")})
		if err != nil {
			t.Fatal(err)
		}
		cr := out.Credentials
		who, err := sts.NewFromConfig(awsConfig(b, aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))).
			GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(who.Arn) != "arn:aws:sts::123456789012:assumed-role/etl/nightly" {
			t.Errorf("GetCallerIdentity on B with a role session from A: %v, %v", who, err)
		}
	})

	t.Run("a secret made on one replica runs a statement on another", func(t *testing.T) {
		sm := secretsmanager.NewFromConfig(rs.rootConfig(a))
		made, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("ext-login"),
			SecretString: aws.String(`{"username":"postgres","password":"` + rs.EnginePassword + `"}`)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := secretsmanager.NewFromConfig(rs.rootConfig(b)).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: made.ARN})
		if err != nil || !strings.Contains(aws.ToString(got.SecretString), rs.EnginePassword) {
			t.Fatalf("GetSecretValue on B of a secret made on A: %v", err)
		}
		id := execute(t, rs.data(2), redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("ext"),
			Database: aws.String("postgres"), SecretArn: made.ARN, Sql: aws.String("select current_user")})
		mustFinish(t, rs.data(2), id)
		rows, _, _ := allRecords(t, rs.data(0), id)
		if len(rows) != 1 || stringValue(t, rows[0][0]) != "postgres" {
			t.Errorf("select current_user with the secret = %v, want postgres", rows)
		}
	})

	t.Run("execute on A, describe on B, page on C", func(t *testing.T) {
		// About 3 MB: three pages of about 1 MiB.
		id := execute(t, rs.data(0), onExt("select g, repeat('x', 1000) as pad from generate_series(1, 3000) g"))
		d := mustFinish(t, rs.data(1), id)
		if d.ResultRows != 3000 || !aws.ToBool(d.HasResultSet) {
			t.Errorf("DescribeStatement on B: %d rows, HasResultSet %v", d.ResultRows, aws.ToBool(d.HasResultSet))
		}
		rows, pages, total := allRecords(t, rs.data(2), id)
		if len(rows) != 3000 || total != 3000 || pages < 2 {
			t.Fatalf("paging on C: %d rows in %d pages (TotalNumRows %d); want 3000 rows over several pages", len(rows), pages, total)
		}
		for i, r := range rows {
			if longValue(t, r[0]) != int64(i+1) {
				t.Fatalf("row %d is %d", i, longValue(t, r[0]))
			}
		}
		// A NextToken minted by C reads on A.
		first, err := rs.data(2).GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		second, err := rs.data(0).GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: aws.String(id), NextToken: first.NextToken})
		if err != nil || len(second.Records) == 0 || longValue(t, second.Records[0][0]) != int64(len(first.Records)+1) {
			t.Errorf("C's NextToken on A: %v", err)
		}
		// ListStatements on B lists it.
		list, err := rs.data(1).ListStatements(ctx, &redshiftdata.ListStatementsInput{Status: types.StatusStringAll})
		if err != nil || !listed(list.Statements, id) {
			t.Errorf("ListStatements on B does not list %s (made on A): %v", id, err)
		}
	})

	t.Run("a long poll on B wakes when the statement ends on A", func(t *testing.T) {
		id := execute(t, rs.data(0), onExt("select pg_sleep(2)"))
		start := time.Now()
		code, out := rs.dataAPICall(b, "DescribeStatement", `{"Id":"`+id+`","WaitTimeSeconds":20}`)
		took := time.Since(start)
		if code != http.StatusOK || out["Status"] != "FINISHED" {
			t.Fatalf("DescribeStatement WaitTimeSeconds 20 on B: %d %v; want FINISHED", code, out)
		}
		// Woken by the end, not by the wait running out.
		if took > 15*time.Second {
			t.Errorf("the long poll on B answered after %s: it was not woken by the statement's end on A", took)
		}
	})

	t.Run("cancel on B a statement running on A", func(t *testing.T) {
		id := execute(t, rs.data(0), onExt("select pg_sleep(60)"))
		waitStatus(t, rs.data(0), id, func(s types.StatusString) bool { return s == types.StatusStringStarted })
		out, err := rs.data(1).CancelStatement(ctx, &redshiftdata.CancelStatementInput{Id: aws.String(id)})
		if err != nil || !aws.ToBool(out.Status) {
			t.Fatalf("CancelStatement on B: %v, %v", out, err)
		}
		d := waitDone(t, rs.data(2), id)
		if d.Status != types.StatusStringAborted {
			t.Errorf("statement cancelled through B: %s %q on C; want ABORTED", d.Status, aws.ToString(d.Error))
		}
		_, err = rs.data(1).CancelStatement(ctx, &redshiftdata.CancelStatementInput{Id: aws.String(id)})
		if !isAPIError(err, "ValidationException") || !strings.Contains(err.Error(), "Could not cancel a query that is already in ABORTED state") {
			t.Errorf("cancelling it again on B: %v", err)
		}
	})

	t.Run("a ClientToken repeated on two replicas at once gives one statement", func(t *testing.T) {
		token := "tok-" + randomHex(t, 8)
		ids := make([]string, 4)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := onExt("select 1")
				in.ClientToken = aws.String(token)
				ids[i] = execute(t, rs.data(i%2), in)
			}()
		}
		wg.Wait()
		for _, id := range ids[1:] {
			if id != ids[0] {
				t.Fatalf("one ClientToken on A and B gave statements %v; want one", ids)
			}
		}
	})

	t.Run("events of statements on every replica are delivered once, by one", func(t *testing.T) {
		var ids []string
		for i := range rs.Replicas {
			in := onExt("select " + strconv.Itoa(i))
			in.WithEvent = aws.Bool(true)
			id := execute(t, rs.data(i), in)
			mustFinish(t, rs.data(i), id)
			ids = append(ids, id)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			b, _ := os.ReadFile(eventsFile)
			seen := map[string]int{}
			for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				var ev struct {
					Detail struct{ StatementID string } `json:"detail"`
				}
				if json.Unmarshal([]byte(line), &ev) == nil {
					seen[ev.Detail.StatementID]++
				}
			}
			all := true
			for _, id := range ids {
				if seen[id] > 1 {
					t.Fatalf("statement %s's event was delivered %d times", id, seen[id])
				}
				all = all && seen[id] == 1
			}
			if all {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("events of %v not all in %s after 30s:\n%s", ids, eventsFile, b)
			}
			time.Sleep(pollInterval)
		}
	})

	t.Run("a session opened on A is used through B and C", func(t *testing.T) {
		in := onExt("create temp table scratch as select 42 as x")
		in.SessionKeepAliveSeconds = aws.Int32(300)
		out, err := rs.data(0).ExecuteStatement(ctx, &in)
		if err != nil {
			t.Fatal(err)
		}
		sid := aws.ToString(out.SessionId)
		mustFinish(t, rs.data(0), aws.ToString(out.Id))
		for i := range []int{1, 2} {
			c := rs.data(i + 1)
			next, err := c.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{SessionId: aws.String(sid),
				Sql: aws.String("select x from scratch")})
			if err != nil {
				t.Fatalf("ExecuteStatement in A's session through replica %d: %v", i+1, err)
			}
			if aws.ToString(next.SessionId) != sid {
				t.Errorf("through replica %d: SessionId %q, want %q", i+1, aws.ToString(next.SessionId), sid)
			}
			mustFinish(t, c, aws.ToString(next.Id))
			rows, _, _ := allRecords(t, c, aws.ToString(next.Id))
			if len(rows) != 1 || longValue(t, rows[0][0]) != 42 {
				t.Errorf("the session's temporary table through replica %d = %v, want 42", i+1, rows)
			}
		}
		// The hop mark is no credential: unsigned, a request carrying
		// one is refused like any other.
		req, _ := http.NewRequest(http.MethodPost, b.Endpoint+"/", strings.NewReader(`{"SessionId":"`+sid+`","Sql":"select 1"}`))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "RedshiftData.ExecuteStatement")
		req.Header.Set("X-Rsdata-Replica-Hop", strconv.FormatInt(time.Now().Unix(), 10)+" "+strings.Repeat("0", 64))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if code := awsErrorCode(t, resp); resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusForbidden || code != "MissingAuthenticationTokenException" {
			t.Errorf("an unsigned session call with a forged hop mark: %s %s; want MissingAuthenticationTokenException", resp.Status, code)
		}
	})

	t.Run("a replica killed mid-statement is taken over", func(t *testing.T) {
		in := onExt("select 1")
		in.SessionKeepAliveSeconds = aws.Int32(300)
		opened, err := rs.data(0).ExecuteStatement(ctx, &in)
		if err != nil {
			t.Fatal(err)
		}
		mustFinish(t, rs.data(0), aws.ToString(opened.Id))
		id := execute(t, rs.data(0), onExt("select pg_sleep(600)"))
		// Wait until the store holds the backend pid (written once the
		// statement has run a moment), as B sees it.
		d := waitStatus(t, rs.data(1), id, func(s types.StatusString) bool { return s == types.StatusStringStarted })
		for d.RedshiftPid == 0 {
			time.Sleep(pollInterval)
			d = waitStatus(t, rs.data(1), id, func(s types.StatusString) bool { return true })
		}
		pid := d.RedshiftPid
		if got := rs.engineQuery("select pid from pg_stat_activity where pid = $1", pid); len(got) != 1 {
			t.Fatalf("backend %d of the statement is not running on the engine: %v", pid, got)
		}
		a.Kill9()
		killed := time.Now()
		d = waitDone(t, rs.data(1), id)
		if d.Status != types.StatusStringFailed || !strings.Contains(aws.ToString(d.Error), "replica running it stopped") {
			t.Fatalf("the killed replica's statement on B: %s %q; want FAILED, replica stopped", d.Status, aws.ToString(d.Error))
		}
		// The bound: the lease, a renewal period, and slack for a busy machine.
		took := time.Since(killed)
		if took > testLease+20*time.Second {
			t.Errorf("taken over %s after the kill; want within the lease (%s) and a little", took, testLease)
		}
		t.Logf("the killed replica's statement was FAILED on B %s after the kill (lease %s)", took.Round(time.Millisecond), testLease)
		if d2 := waitDone(t, rs.data(2), id); d2.Status != types.StatusStringFailed {
			t.Errorf("the killed replica's statement on C: %s", d2.Status)
		}
		// The session A held is closed, and said so on B.
		_, err = rs.data(1).ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{SessionId: opened.SessionId, Sql: aws.String("select 1")})
		if !isAPIError(err, "ValidationException") || !strings.Contains(err.Error(), "Session is not available") {
			t.Errorf("a statement on B in the killed replica's session: %v; want Session is not available", err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for len(rs.engineQuery("select pid from pg_stat_activity where pid = $1", pid)) != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("backend %d still in pg_stat_activity 30s after the statement was taken over", pid)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

func listed(list []types.StatementData, id string) bool {
	for _, s := range list {
		if aws.ToString(s.Id) == id {
			return true
		}
	}
	return false
}

// The Data API's texts for its limits, as one server sends them.
const (
	tooManyActiveText   = "Active statements exceeded the limit for this cluster or workgroup. Wait for running statements to finish, or cancel some, and try again."
	tooManySessionsText = "Active sessions exceeded the limit for this cluster or workgroup. Close idle sessions or wait for them to expire, and try again."
)

// executeAtOnce sends every input at once, alternating between the
// replicas, and returns the ids of the admitted statements and the errors
// of the refused ones.
func (rs *replicaSet) executeAtOnce(ctx context.Context, ins []redshiftdata.ExecuteStatementInput) (ids []string, refused []error) {
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for i := range ins {
		c := rs.data(i % len(rs.Replicas))
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out, err := c.ExecuteStatement(ctx, &ins[i])
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				refused = append(refused, err)
				return
			}
			ids = append(ids, aws.ToString(out.Id))
		}()
	}
	close(start)
	wg.Wait()
	return ids, refused
}

// wantRefused requires every error to be the exception code with text.
func wantRefused(t *testing.T, what string, refused []error, code, text string) {
	t.Helper()
	for _, err := range refused {
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code || apiErr.ErrorMessage() != text {
			t.Errorf("%s: %v; want %s: %s", what, err, code, text)
		}
	}
}

// TestReplicaLimits: the limits on active statements and open sessions
// count every replica's, exactly, when statements arrive on both replicas
// at the same instant.
func TestReplicaLimits(t *testing.T) {
	t.Parallel()
	const maxActive, maxSessions, sent = 3, 2, 16
	rs := startReplicas(t, 2, "--max-active-statements", strconv.Itoa(maxActive), "--max-active-sessions", strconv.Itoa(maxSessions))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	ins := make([]redshiftdata.ExecuteStatementInput, sent)
	for i := range ins {
		ins[i] = onExt("select pg_sleep(60)")
	}
	long, refused := rs.executeAtOnce(ctx, ins)
	if len(long) != maxActive {
		t.Fatalf("%d of %d long statements sent at once to A and B admitted with a limit of %d (refused: %v)", len(long), sent, maxActive, refused)
	}
	wantRefused(t, "a statement over the limit", refused, "ActiveStatementsExceededException", tooManyActiveText)
	// The admitted ones run; the refused ones never reach the engine.
	deadline := time.Now().Add(30 * time.Second)
	const sleeping = "select count(*) from pg_stat_activity where query like '%pg_sleep(60)%' and pid <> pg_backend_pid()"
	for rs.engineQuery(sleeping)[0] != strconv.Itoa(maxActive) {
		if time.Now().After(deadline) {
			t.Fatalf("%s backends run pg_sleep(60) on the engine 30s after submission; want %d", rs.engineQuery(sleeping)[0], maxActive)
		}
		time.Sleep(pollInterval)
	}
	// Cancelled (through B, wherever they run), they free their places.
	for _, id := range long {
		if _, err := rs.data(1).CancelStatement(ctx, &redshiftdata.CancelStatementInput{Id: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range long {
		waitDone(t, rs.data(0), id)
	}
	mustFinish(t, rs.data(1), execute(t, rs.data(1), onExt("select 1")))

	// Statements opening sessions, at once: exactly maxSessions open; each
	// other one is refused for its session (the active limit has room).
	for i := range ins {
		ins[i] = onExt("select 1")
		ins[i].SessionKeepAliveSeconds = aws.Int32(300)
	}
	opened, refused := rs.executeAtOnce(ctx, ins)
	if len(opened) != maxSessions {
		t.Fatalf("%d of %d statements opening sessions at once on A and B admitted with a limit of %d sessions (refused: %v)", len(opened), sent, maxSessions, refused)
	}
	wantRefused(t, "a session over the limit", refused, "ActiveSessionsExceededException", tooManySessionsText)
	for _, id := range opened {
		mustFinish(t, rs.data(0), id)
	}
	// A fresh input: the SDK filled each one's ClientToken, and a repeat
	// of an admitted one returns its statement.
	another := onExt("select 1")
	another.SessionKeepAliveSeconds = aws.Int32(300)
	_, err := rs.data(1).ExecuteStatement(ctx, &another)
	if !isAPIError(err, "ActiveSessionsExceededException") {
		t.Errorf("another session while %d are open (limit %d): %v; want ActiveSessionsExceededException", maxSessions, maxSessions, err)
	}
}

// TestSealKeyRotation follows the rotation documented in
// docs/DEPLOYMENT.md on a replica: an access key and a secret made under
// the old key work once the new key is primary and the old one still
// listed, and after that start (which reseals them) with the new key
// alone.
func TestSealKeyRotation(t *testing.T) {
	t.Parallel()
	rs := startReplicas(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := rs.Replicas[0]
	admin := iam.NewFromConfig(rs.rootConfig(s))
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := secretsmanager.NewFromConfig(rs.rootConfig(s)).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("kept"), SecretString: aws.String("before the rotation")}); err != nil {
		t.Fatal(err)
	}
	check := func(s *server, when string) {
		t.Helper()
		who, err := sts.NewFromConfig(awsConfig(s, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")).
			GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(who.Arn) != "arn:aws:iam::123456789012:user/bob" {
			t.Errorf("%s: bob's access key: %v", when, err)
		}
		got, err := secretsmanager.NewFromConfig(rs.rootConfig(s)).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("kept")})
		if err != nil || aws.ToString(got.SecretString) != "before the rotation" {
			t.Errorf("%s: the secret: %v", when, err)
		}
	}
	s.Stop()
	oldKey, err := os.ReadFile(rs.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	newKey := make([]byte, 32)
	if _, err := rand.Read(newKey); err != nil {
		t.Fatal(err)
	}
	newLine := base64.StdEncoding.EncodeToString(newKey) + "\n"
	// Step 1: the new key first, the old one still accepted.
	if err := os.WriteFile(rs.KeyFile, []byte("# new primary\n"+newLine+"# old, until every value is resealed\n"+string(oldKey)), 0o600); err != nil {
		t.Fatal(err)
	}
	s = rs.start()
	check(s, "new key primary, old key listed")
	s.waitForOutput(s.Stderr, regexp.MustCompile(`resealed under the primary sealing key.* values=2`), "reseal log line")
	s.Stop()
	// Step 2: the new key alone.
	if err := os.WriteFile(rs.KeyFile, []byte(newLine), 0o600); err != nil {
		t.Fatal(err)
	}
	check(rs.start(), "new key alone")
}

// TestRestartedReplicaEndsItsBackends: a replica killed and started again
// on its data dir before any other took it over ends what it left running,
// on the engine too.
func TestRestartedReplicaEndsItsBackends(t *testing.T) {
	t.Parallel()
	rs := startReplicas(t, 1, "--replica-lease", "10m")
	s := rs.Replicas[0]
	id := execute(t, rs.data(0), onExt("select pg_sleep(600)"))
	d := waitStatus(t, rs.data(0), id, func(s types.StatusString) bool { return s == types.StatusStringStarted })
	pid := d.RedshiftPid
	// The pid reaches the store once the statement has run a moment.
	deadline := time.Now().Add(30 * time.Second)
	for rs.storePid(id) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("statement %s's pid never reached the store", id)
		}
		time.Sleep(pollInterval)
	}
	s.Kill9()
	if got := rs.engineQuery("select pid from pg_stat_activity where pid = $1", pid); len(got) != 1 {
		t.Fatalf("backend %d is not running after the kill (%v): the test would prove nothing", pid, got)
	}
	again := rs.startIn(s.DataDir, "--replica-lease", "10m")
	d = waitDone(t, redshiftdata.NewFromConfig(rs.rootConfig(again)), id)
	if d.Status != types.StatusStringFailed || !strings.Contains(aws.ToString(d.Error), "interrupted because rsdata stopped") {
		t.Errorf("the statement after the restart: %s %q; want FAILED, interrupted", d.Status, aws.ToString(d.Error))
	}
	// pg_terminate_backend signals; the backend exits a moment later.
	deadline = time.Now().Add(30 * time.Second)
	for len(rs.engineQuery("select pid from pg_stat_activity where pid = $1", pid)) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("backend %d still runs on the engine 30s after the replica restarted", pid)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// storePid reads statement id's recorded backend pid from the store.
func (rs *replicaSet) storePid(id string) int64 {
	rs.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, rs.StoreDSN)
	if err != nil {
		rs.t.Fatalf("connect to the store: %v", err)
	}
	defer conn.Close(ctx)
	var pid int64
	if err := conn.QueryRow(ctx, "SELECT redshift_pid FROM statements WHERE id = $1", id).Scan(&pid); err != nil {
		rs.t.Fatal(err)
	}
	return pid
}
