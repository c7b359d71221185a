package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readmeBlock returns the first fenced block of lang ("sh", "python") that
// follows the first line of README.md containing after, so a test runs
// the README's commands as written.
func readmeBlock(t testing.TB, after, lang string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, after)
	if i < 0 {
		t.Fatalf("README.md has no %q", after)
	}
	text = text[i:]
	start := strings.Index(text, "```"+lang+"\n")
	if start < 0 {
		t.Fatalf("README.md has no %s block after %q", lang, after)
	}
	text = text[start+len("```"+lang+"\n"):]
	end := strings.Index(text, "```")
	if end < 0 {
		t.Fatalf("README.md: unterminated block after %q", after)
	}
	return text[:end]
}

// TestReset: with --allow-reset, the README's signed POST (curl, then
// botocore) returns rsdata to a clean state: a running statement is
// cancelled; statements, IAM users and keys, secrets, tags, a database,
// a schema, a table and a temporary database user are gone; root still
// works, dev exists and the master user logs in. Only root may reset, and
// without the flag there is nothing to call.
func TestReset(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{Args: []string{"--allow-reset"}})
	printed := s.PrintedEnv()
	root := awsEnv(t, printed)
	master := s.MasterLogins()["cluster/local"]
	conninfo := "host=127.0.0.1 port=" + strconv.Itoa(s.EnginePort("cluster", "local")) + " user=awsuser dbname=dev"
	onLocal := []string{"--cluster-identifier", "local", "--database", "dev", "--db-user", "awsuser"}
	mustAWS := func(env []string, args ...string) string {
		t.Helper()
		res := awsCLI(t, env, args...)
		if res.Code != 0 {
			t.Fatalf("aws %s: exit %d\nstderr: %s", strings.Join(args, " "), res.Code, res.Stderr)
		}
		return res.Stdout
	}

	// What a test run leaves behind.
	d, _ := cliSingleString(t, root, "create table t (a int); insert into t values (1); select 'made'", onLocal...)
	finished := d.Id
	for _, sql := range []string{"create schema sales", "create database scratch"} {
		cliSingleStringOrNone(t, root, sql, onLocal...)
	}
	var running struct{ Id string }
	awsJSON(t, root, &running, append([]string{"redshift-data", "execute-statement", "--sql", "select pg_sleep(300)"}, onLocal...)...)
	mustAWS(root, "iam", "create-user", "--user-name", "alice")
	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	awsJSON(t, root, &key, "iam", "create-access-key", "--user-name", "alice")
	mustAWS(root, "iam", "attach-user-policy", "--user-name", "alice", "--policy-arn", managedDataFull)
	mustAWS(root, "secretsmanager", "create-secret", "--name", "app/db", "--secret-string", `{"username":"awsuser"}`)
	mustAWS(root, "redshift", "create-tags", "--resource-name", "arn:aws:redshift:us-east-1:"+accessAccount+":cluster:local", "--tags", "Key=team,Value=a")
	mustAWS(root, "redshift", "get-cluster-credentials", "--cluster-identifier", "local", "--db-user", "reporter", "--db-name", "dev", "--auto-create")
	deadline := time.Now().Add(statementWait)
	for mustPsql(t, conninfo, master.Password, "select count(*) from pg_stat_activity where query = 'select pg_sleep(300)'") != "1" {
		if time.Now().After(deadline) {
			t.Fatal("the long statement never started")
		}
		time.Sleep(pollInterval)
	}

	for sql, want := range map[string]string{
		"select count(*) from pg_roles where rolname = 'IAMA:reporter'": "1",
		"select count(*) from pg_database where datname = 'scratch'":    "1",
		"select count(*) from pg_namespace where nspname = 'sales'":     "1",
	} {
		if got := mustPsql(t, conninfo, master.Password, sql); got != want {
			t.Fatalf("before the reset, %s = %q, want %q", sql, got, want)
		}
	}

	curl := readmeBlock(t, "## Resetting between test runs", "sh")
	// Anyone but root is refused, before anything is touched.
	alice := withKeys(t, printed, key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey, "")
	if res := runCommand(t, alice, "sh", "-c", curl); res.Code == 0 || !strings.Contains(res.Stdout, "AccessDenied") {
		t.Fatalf("reset as an IAM user: exit %d, stdout %q, stderr %q; want a 403 AccessDenied", res.Code, res.Stdout, res.Stderr)
	}
	if got := mustPsql(t, conninfo, master.Password, "select count(*) from t"); got != "1" {
		t.Fatalf("a refused reset touched table t: %s rows", got)
	}

	res := runCommand(t, root, "sh", "-c", curl)
	if res.Code != 0 || !strings.Contains(res.Stdout, `"Reset":true`) {
		t.Fatalf("README's reset: exit %d\nstdout: %s\nstderr: %s", res.Code, res.Stdout, res.Stderr)
	}

	for _, id := range []string{finished, running.Id} {
		awsDenied(t, root, "ResourceNotFoundException", "redshift-data", "describe-statement", "--id", id)
	}
	if out := mustAWS(root, "redshift-data", "list-statements", "--status", "ALL"); strings.Contains(out, `"Id"`) {
		t.Errorf("list-statements after the reset: %s", out)
	}
	awsDenied(t, root, "NoSuchEntity", "iam", "get-user", "--user-name", "alice")
	awsDenied(t, alice, "InvalidClientTokenId", "sts", "get-caller-identity")
	if out := mustAWS(root, "secretsmanager", "list-secrets"); strings.Contains(out, "app/db") {
		t.Errorf("list-secrets after the reset: %s", out)
	}
	if out := mustAWS(root, "redshift", "describe-tags", "--resource-name", "arn:aws:redshift:us-east-1:"+accessAccount+":cluster:local"); strings.Contains(out, "team") {
		t.Errorf("describe-tags after the reset: %s", out)
	}
	// The master logs in to dev with its stored password; what users made
	// is gone, and public is as a fresh dev has it.
	checks := map[string]string{
		"select to_regclass('public.t') is null":                                             "t",
		"select count(*) from pg_namespace where nspname = 'sales'":                          "0",
		"select count(*) from pg_database where datname = 'scratch'":                         "0",
		"select count(*) from pg_roles where rolname like 'IAMA:%'":                          "0",
		"select count(*) from pg_stat_activity where query = 'select pg_sleep(300)'":         "0",
		"select has_schema_privilege('public', 'public', 'CREATE')":                          "t",
		"select pg_get_userbyid(datdba) from pg_database where datname = current_database()": "awsuser",
	}
	for sql, want := range checks {
		if got := mustPsql(t, conninfo, master.Password, sql); got != want {
			t.Errorf("after the reset, %s = %q, want %q", sql, got, want)
		}
	}
	// Root and the Data API work on: a fresh table of the same name.
	if _, got := cliSingleString(t, root, "create table t (a int); select 'again'", onLocal...); got != "again" {
		t.Errorf("after the reset: %q", got)
	}
	mustAWS(root, "sts", "get-caller-identity")

	// botocore, as the README shows it.
	script := filepath.Join(t.TempDir(), "reset.py")
	if err := os.WriteFile(script, []byte(readmeBlock(t, "## Resetting between test runs", "python")), 0o600); err != nil {
		t.Fatal(err)
	}
	if res := runCommand(t, root, "python3", script); res.Code != 0 {
		t.Fatalf("README's Python reset: exit %d\n%s", res.Code, res.Stderr)
	}
	if got := mustPsql(t, conninfo, master.Password, "select to_regclass('public.t') is null"); got != "t" {
		t.Errorf("the Python reset left table t")
	}

	// Without the flag, there is no reset to call.
	off := startServe(t, serveOptions{})
	res = runCommand(t, awsEnv(t, off.PrintedEnv()), "sh", "-c", curl)
	if res.Code == 0 || !strings.Contains(res.Stdout, "404") {
		t.Errorf("reset without --allow-reset: exit %d, stdout %q; want a 404", res.Code, res.Stdout)
	}
}

// cliSingleStringOrNone runs sql with env, which must finish; it has no
// result set.
func cliSingleStringOrNone(t testing.TB, env []string, sql string, args ...string) {
	t.Helper()
	var sub struct{ Id string }
	awsJSON(t, env, &sub, append([]string{"redshift-data", "execute-statement", "--sql", sql}, args...)...)
	if d := cliWait(t, env, sub.Id); d.Status != "FINISHED" {
		t.Fatalf("statement %q ended %s: %s", sql, d.Status, d.Error)
	}
}
