package main

// End-to-end tests of the README's "Access control" section: IAM users,
// policies, roles, STS, Secrets Manager secrets and temporary database
// credentials, driven by the unmodified AWS CLI and boto3 against a real
// `rsdata serve`.

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const (
	accessAccount   = "123456789012"
	managedDataFull = "arn:aws:iam::aws:policy/AmazonRedshiftDataFullAccess"
)

// withKeys is env (the printed root environment) with other credentials;
// a session token is set only when given.
func withKeys(t testing.TB, base map[string]string, keyID, secret, token string) []string {
	t.Helper()
	vars := maps.Clone(base)
	vars["AWS_ACCESS_KEY_ID"], vars["AWS_SECRET_ACCESS_KEY"] = keyID, secret
	delete(vars, "AWS_SESSION_TOKEN")
	if token != "" {
		vars["AWS_SESSION_TOKEN"] = token
	}
	return awsEnv(t, vars)
}

// policyJSON renders a policy document.
func policyJSON(t testing.TB, statements ...map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// awsDenied runs a CLI command that must fail with the given error code.
func awsDenied(t testing.TB, env []string, code string, args ...string) cmdResult {
	t.Helper()
	res := awsCLI(t, env, args...)
	if res.Code == 0 || !strings.Contains(res.Stderr, "("+code+")") {
		t.Fatalf("aws %s: exit %d, stderr %q; want a failure with (%s)", strings.Join(args, " "), res.Code, res.Stderr, code)
	}
	return res
}

// cliSingleString runs sql with env and the extra execute-statement
// arguments, requires FINISHED and one string cell, and returns the
// statement and that cell.
func cliSingleString(t testing.TB, env []string, sql string, args ...string) (cliStatement, string) {
	t.Helper()
	var sub struct{ Id, DbUser, SecretArn string }
	awsJSON(t, env, &sub, append([]string{"redshift-data", "execute-statement", "--sql", sql}, args...)...)
	if sub.Id == "" {
		t.Fatalf("execute-statement %q returned no Id", sql)
	}
	d := cliWait(t, env, sub.Id)
	if d.Status != "FINISHED" {
		t.Fatalf("statement %q (%v) ended %s: %s", sql, args, d.Status, d.Error)
	}
	var r struct {
		Records [][]struct{ StringValue *string }
	}
	awsJSON(t, env, &r, "redshift-data", "get-statement-result", "--id", sub.Id)
	if len(r.Records) != 1 || len(r.Records[0]) != 1 || r.Records[0][0].StringValue == nil {
		t.Fatalf("statement %q: records %+v, want one string cell", sql, r.Records)
	}
	return d, *r.Records[0][0].StringValue
}

// TestCLIAccessControl walks the README's access-control flows with the AWS
// CLI: users and keys, inline and managed policies, ownership, explicit
// Deny, roles with ExternalId, secrets, and temporary database credentials
// used with psql.
func TestCLIAccessControl(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})
	printed := s.PrintedEnv()
	root := awsEnv(t, printed)
	master := s.MasterLogins()["cluster/local"]
	if master.User != "awsuser" || master.Password == "" {
		t.Fatalf("master-users.json cluster/local = %+v", master)
	}
	clusterPort, wgPort := s.EnginePort("cluster", "local"), s.EnginePort("workgroup", "default")
	onLocal := []string{"--cluster-identifier", "local", "--database", "dev"}

	// --- a user, its key and a narrow inline policy ---
	var user struct {
		User struct{ UserName, UserId, Arn string }
	}
	awsJSON(t, root, &user, "iam", "create-user", "--user-name", "alice")
	if user.User.UserName != "alice" || user.User.Arn != "arn:aws:iam::"+accessAccount+":user/alice" || !strings.HasPrefix(user.User.UserId, "AIDA") {
		t.Fatalf("create-user: %+v", user.User)
	}
	var key struct {
		AccessKey struct{ UserName, AccessKeyId, SecretAccessKey, Status string }
	}
	awsJSON(t, root, &key, "iam", "create-access-key", "--user-name", "alice")
	if key.AccessKey.UserName != "alice" || key.AccessKey.Status != "Active" || !strings.HasPrefix(key.AccessKey.AccessKeyId, "AKIA") || len(key.AccessKey.SecretAccessKey) < 30 {
		t.Fatalf("create-access-key: id %q status %q secret of %d chars", key.AccessKey.AccessKeyId, key.AccessKey.Status, len(key.AccessKey.SecretAccessKey))
	}
	// The secret is shown once: listing the keys does not repeat it.
	keys := awsCLI(t, root, "iam", "list-access-keys", "--user-name", "alice")
	if keys.Code != 0 || !strings.Contains(keys.Stdout, key.AccessKey.AccessKeyId) || strings.Contains(keys.Stdout, key.AccessKey.SecretAccessKey) {
		t.Fatalf("list-access-keys: exit %d\n%s%s", keys.Code, keys.Stdout, keys.Stderr)
	}
	mustAWS := func(env []string, args ...string) {
		t.Helper()
		if res := awsCLI(t, env, args...); res.Code != 0 {
			t.Fatalf("aws %s: exit %d\nstderr: %s", strings.Join(args, " "), res.Code, res.Stderr)
		}
	}
	mustAWS(root, "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "run-on-local", "--policy-document", policyJSON(t,
		map[string]any{"Effect": "Allow", "Action": "redshift-data:ExecuteStatement", "Resource": "arn:aws:redshift:*:*:cluster:local"},
		map[string]any{"Effect": "Allow", "Action": "redshift:GetClusterCredentialsWithIAM", "Resource": "arn:aws:redshift:*:*:dbname:local/*"},
		map[string]any{"Effect": "Allow", "Action": []string{"redshift-data:DescribeStatement", "redshift-data:GetStatementResult"}, "Resource": "*",
			"Condition": map[string]any{"StringEquals": map[string]string{"redshift-data:statement-owner-iam-userid": "${aws:userid}"}}}))
	alice := withKeys(t, printed, key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey, "")
	// A malformed document is refused and leaves the user's policies alone.
	awsDenied(t, root, "MalformedPolicyDocument", "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "broken",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Perhaps","Action":"redshift-data:*","Resource":"*"}]}`)

	var who struct{ UserId, Account, Arn string }
	awsJSON(t, alice, &who, "sts", "get-caller-identity")
	if who.Arn != "arn:aws:iam::"+accessAccount+":user/alice" || who.Account != accessAccount || who.UserId != user.User.UserId {
		t.Fatalf("alice's get-caller-identity: %+v", who)
	}

	d, got := cliSingleString(t, alice, "select current_user", onLocal...)
	if d.DbUser != "IAM:alice" || got != "IAM:alice" {
		t.Fatalf("alice's statement ran as DbUser %q, current_user %q; want IAM:alice", d.DbUser, got)
	}
	aliceStmt := d.Id
	res := awsDenied(t, alice, "AccessDeniedException", "redshift-data", "list-statements", "--status", "ALL")
	if !strings.Contains(res.Stderr, "User: arn:aws:iam::"+accessAccount+":user/alice is not authorized to perform: redshift-data:ListStatements") {
		t.Errorf("list-statements refusal message: %q", res.Stderr)
	}
	// Naming another database user needs redshift:GetClusterCredentials.
	awsDenied(t, alice, "AccessDeniedException", append([]string{"redshift-data", "execute-statement", "--sql", "select 1", "--db-user", "awsuser"}, onLocal...)...)
	// IAM refuses alice in the Query protocol's terms.
	awsDenied(t, alice, "AccessDenied", "iam", "create-user", "--user-name", "mallory")

	// Root's statement is not alice's: she cannot describe it.
	rootStmt, rootUser := cliSingleString(t, root, "select current_user", onLocal...)
	if rootUser != "awsuser" {
		t.Errorf("root without --db-user ran as %q, want the master user awsuser", rootUser)
	}
	res = awsDenied(t, alice, "ResourceNotFoundException", "redshift-data", "describe-statement", "--id", rootStmt.Id)
	if !strings.Contains(res.Stderr, "Query does not exist.") {
		t.Errorf("alice describing root's statement: %q", res.Stderr)
	}

	// --- the managed policy, and an explicit Deny that still wins ---
	mustAWS(root, "iam", "attach-user-policy", "--user-name", "alice", "--policy-arn", managedDataFull)
	mustAWS(root, "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "no-cancel", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"redshift-data:CancelStatement","Resource":"*"}]}`)
	var attached struct {
		AttachedPolicies []struct{ PolicyName, PolicyArn string }
	}
	awsJSON(t, root, &attached, "iam", "list-attached-user-policies", "--user-name", "alice")
	if len(attached.AttachedPolicies) != 1 || attached.AttachedPolicies[0].PolicyArn != managedDataFull {
		t.Errorf("list-attached-user-policies: %+v", attached)
	}
	var inline struct{ PolicyNames []string }
	awsJSON(t, root, &inline, "iam", "list-user-policies", "--user-name", "alice")
	if strings.Join(inline.PolicyNames, ",") != "no-cancel,run-on-local" {
		t.Errorf("list-user-policies: %v, want no-cancel and run-on-local", inline.PolicyNames)
	}
	var list struct {
		Statements []struct{ Id, Status, QueryString string }
	}
	awsJSON(t, alice, &list, "redshift-data", "list-statements", "--status", "ALL")
	if len(list.Statements) != 1 || list.Statements[0].Id != aliceStmt {
		t.Fatalf("alice's list-statements under the managed policy: %+v; want only %s", list.Statements, aliceStmt)
	}
	res = awsDenied(t, alice, "AccessDeniedException", "redshift-data", "cancel-statement", "--id", aliceStmt)
	if !strings.Contains(res.Stderr, "redshift-data:CancelStatement") {
		t.Errorf("cancel-statement refusal message: %q", res.Stderr)
	}

	// --- a role with a trust policy asking for an ExternalId ---
	trust := policyJSON(t, map[string]any{"Effect": "Allow", "Principal": map[string]string{"AWS": "arn:aws:iam::" + accessAccount + ":root"},
		"Action": "sts:AssumeRole", "Condition": map[string]any{"StringEquals": map[string]string{"sts:ExternalId": "ext-42"}}})
	var role struct {
		Role struct{ RoleName, RoleId, Arn string }
	}
	awsJSON(t, root, &role, "iam", "create-role", "--role-name", "analyst", "--assume-role-policy-document", trust)
	if role.Role.Arn != "arn:aws:iam::"+accessAccount+":role/analyst" || !strings.HasPrefix(role.Role.RoleId, "AROA") {
		t.Fatalf("create-role: %+v", role.Role)
	}
	mustAWS(root, "iam", "attach-role-policy", "--role-name", "analyst", "--policy-arn", managedDataFull)
	// Trust alone is not enough for alice: she needs an identity policy too.
	assume := []string{"sts", "assume-role", "--role-arn", role.Role.Arn, "--role-session-name", "cli-session"}
	awsDenied(t, alice, "AccessDenied", append(assume, "--external-id", "ext-42")...)
	mustAWS(root, "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "assume-analyst", "--policy-document",
		policyJSON(t, map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role.Role.Arn}))
	awsDenied(t, alice, "AccessDenied", assume...)
	awsDenied(t, alice, "AccessDenied", append(assume, "--external-id", "wrong")...)
	var assumed struct {
		Credentials struct {
			AccessKeyId, SecretAccessKey, SessionToken string
			Expiration                                 time.Time
		}
		AssumedRoleUser struct{ AssumedRoleId, Arn string }
	}
	awsJSON(t, alice, &assumed, append(assume, "--external-id", "ext-42")...)
	c := assumed.Credentials
	if !strings.HasPrefix(c.AccessKeyId, "ASIA") || c.SecretAccessKey == "" || c.SessionToken == "" {
		t.Fatalf("assume-role credentials: id %q, secret set %v, token set %v", c.AccessKeyId, c.SecretAccessKey != "", c.SessionToken != "")
	}
	if until := time.Until(c.Expiration); until < 55*time.Minute || until > 65*time.Minute {
		t.Errorf("assume-role Expiration %v is not the default hour away", c.Expiration)
	}
	sessionArn := "arn:aws:sts::" + accessAccount + ":assumed-role/analyst/cli-session"
	if assumed.AssumedRoleUser.Arn != sessionArn || assumed.AssumedRoleUser.AssumedRoleId != role.Role.RoleId+":cli-session" {
		t.Errorf("AssumedRoleUser: %+v", assumed.AssumedRoleUser)
	}
	session := withKeys(t, printed, c.AccessKeyId, c.SecretAccessKey, c.SessionToken)
	awsJSON(t, session, &who, "sts", "get-caller-identity")
	if who.Arn != sessionArn || who.UserId != role.Role.RoleId+":cli-session" {
		t.Fatalf("the role session's get-caller-identity: %+v", who)
	}
	d, got = cliSingleString(t, session, "select current_user", onLocal...)
	if d.DbUser != "IAMR:analyst" || got != "IAMR:analyst" {
		t.Fatalf("the role's statement ran as DbUser %q, current_user %q; want IAMR:analyst", d.DbUser, got)
	}
	// Without the session token the temporary key is not accepted.
	noToken := withKeys(t, printed, c.AccessKeyId, c.SecretAccessKey, "")
	if res := awsCLI(t, noToken, "sts", "get-caller-identity"); res.Code == 0 {
		t.Errorf("a session key without its token was accepted: %s", res.Stdout)
	}
	// The role's statement is the role's, not alice's.
	awsDenied(t, alice, "ResourceNotFoundException", "redshift-data", "describe-statement", "--id", d.Id)
	// A tampered session token is refused.
	tampered := withKeys(t, printed, c.AccessKeyId, c.SecretAccessKey, c.SessionToken+"x")
	awsDenied(t, tampered, "InvalidClientTokenId", "sts", "get-caller-identity")
	// A session policy narrows the session below the role's policies.
	var narrow struct {
		Credentials struct{ AccessKeyId, SecretAccessKey, SessionToken string }
	}
	awsJSON(t, alice, &narrow, "sts", "assume-role", "--role-arn", role.Role.Arn, "--role-session-name", "narrow",
		"--external-id", "ext-42", "--duration-seconds", "900", "--policy",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift-data:DescribeStatement","Resource":"*"}]}`)
	narrowEnv := withKeys(t, printed, narrow.Credentials.AccessKeyId, narrow.Credentials.SecretAccessKey, narrow.Credentials.SessionToken)
	var described cliStatement
	awsJSON(t, narrowEnv, &described, "redshift-data", "describe-statement", "--id", d.Id)
	if described.Id != d.Id || described.DbUser != "IAMR:analyst" {
		t.Errorf("another session of the role describing the role's statement: %+v", described)
	}
	awsDenied(t, narrowEnv, "AccessDeniedException", "redshift-data", "list-statements")

	// --- secrets ---
	secretString := func(password string) string {
		b, err := json.Marshal(map[string]string{"username": "awsuser", "password": password, "dbClusterIdentifier": "local"})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var secret struct{ ARN, Name, VersionId string }
	awsJSON(t, root, &secret, "secretsmanager", "create-secret", "--name", "app/db", "--tags", "Key=RedshiftDataFullAccess,Value=yes",
		"--secret-string", secretString(master.Password))
	if secret.Name != "app/db" || !regexp.MustCompile(`^arn:aws:secretsmanager:us-east-1:`+accessAccount+`:secret:app/db-[A-Za-z0-9]{6}$`).MatchString(secret.ARN) {
		t.Fatalf("create-secret: %+v", secret)
	}
	d, got = cliSingleString(t, root, "select current_user", append(onLocal, "--secret-arn", "app/db")...)
	if got != "awsuser" || d.DbUser != "awsuser" {
		t.Errorf("statement with secret app/db ran as DbUser %q, current_user %q; want awsuser", d.DbUser, got)
	}
	// The role session (managed policy: tagged secrets only) may use it too.
	if _, got = cliSingleString(t, session, "select current_user", append(onLocal, "--secret-arn", secret.ARN)...); got != "awsuser" {
		t.Errorf("the role session with the tagged secret ran as %q, want awsuser", got)
	}
	awsJSON(t, root, &secret, "secretsmanager", "create-secret", "--name", "app/db-wrong", "--tags", "Key=RedshiftDataFullAccess,Value=yes",
		"--secret-string", secretString("not-the-password"))
	var sub struct{ Id string }
	awsJSON(t, root, &sub, append([]string{"redshift-data", "execute-statement", "--sql", "select 1", "--secret-arn", "app/db-wrong"}, onLocal...)...)
	if d := cliWait(t, root, sub.Id); d.Status != "FAILED" || d.Error != `FATAL: password authentication failed for user "awsuser"` {
		t.Errorf("statement with a wrong password: %s %q; want FAILED with the database's FATAL", d.Status, d.Error)
	}
	// A secret naming another cluster is refused up front.
	awsJSON(t, root, &secret, "secretsmanager", "create-secret", "--name", "app/elsewhere", "--tags", "Key=RedshiftDataFullAccess,Value=yes",
		"--secret-string", `{"username":"awsuser","password":"x","dbClusterIdentifier":"elsewhere"}`)
	awsDenied(t, root, "ValidationException", append([]string{"redshift-data", "execute-statement", "--sql", "select 1", "--secret-arn", "app/elsewhere"}, onLocal...)...)
	if strings.Contains(s.Stderr.String(), master.Password) {
		t.Error("rsdata logged the master password from a secret")
	}

	// --- temporary cluster credentials and psql ---
	var cc struct {
		DbUser, DbPassword string
		Expiration         time.Time
	}
	awsJSON(t, root, &cc, "redshift", "get-cluster-credentials", "--cluster-identifier", "local", "--db-user", "reporter", "--db-name", "dev", "--auto-create")
	if cc.DbUser != "IAMA:reporter" || len(cc.DbPassword) < 16 {
		t.Fatalf("get-cluster-credentials: DbUser %q, password of %d chars", cc.DbUser, len(cc.DbPassword))
	}
	if until := time.Until(cc.Expiration); until < 10*time.Minute || until > 61*time.Minute {
		t.Errorf("get-cluster-credentials Expiration %v is not 900-3600 s away", cc.Expiration)
	}
	var clusters struct {
		Clusters []struct {
			ClusterIdentifier string
			Endpoint          struct {
				Address string
				Port    int
			}
		}
	}
	awsJSON(t, root, &clusters, "redshift", "describe-clusters")
	if len(clusters.Clusters) != 1 || clusters.Clusters[0].ClusterIdentifier != "local" || clusters.Clusters[0].Endpoint.Port != clusterPort {
		t.Fatalf("describe-clusters: %+v; want cluster local on port %d", clusters, clusterPort)
	}
	addr := clusters.Clusters[0].Endpoint.Address
	if addr == "" {
		t.Fatal("describe-clusters: no endpoint address")
	}
	conninfo := fmt.Sprintf("host=%s port=%d dbname=dev user=%s sslmode=disable", addr, clusters.Clusters[0].Endpoint.Port, cc.DbUser)
	if got := mustPsql(t, conninfo, cc.DbPassword, "select current_user"); got != "IAMA:reporter" {
		t.Errorf("psql with issued credentials: current_user %q, want IAMA:reporter", got)
	}
	if res := psql(t, conninfo, "not-the-password", "select 1"); res.Code == 0 || !strings.Contains(res.Stderr, "password authentication failed") {
		t.Errorf("psql with a wrong password: exit %d, stderr %q", res.Code, res.Stderr)
	}
	if strings.Contains(s.Stderr.String(), cc.DbPassword) {
		t.Error("rsdata logged an issued database password")
	}

	// --- serverless credentials for alice ---
	getCreds := []string{"redshift-serverless", "get-credentials", "--workgroup-name", "default", "--db-name", "dev"}
	// The managed policy's tag condition cannot be met for the workgroup.
	awsDenied(t, alice, "AccessDeniedException", getCreds...)
	mustAWS(root, "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "serverless-creds", "--policy-document",
		policyJSON(t, map[string]any{"Effect": "Allow", "Action": "redshift-serverless:GetCredentials", "Resource": "*"}))
	var sc struct {
		DbUser     string `json:"dbUser"`
		DbPassword string `json:"dbPassword"`
	}
	awsJSON(t, alice, &sc, getCreds...)
	if sc.DbUser != "IAM:alice" || len(sc.DbPassword) < 16 {
		t.Fatalf("redshift-serverless get-credentials: dbUser %q, password of %d chars", sc.DbUser, len(sc.DbPassword))
	}
	wgConn := fmt.Sprintf("host=127.0.0.1 port=%d dbname=dev user=%s sslmode=disable", wgPort, sc.DbUser)
	if got := mustPsql(t, wgConn, sc.DbPassword, "select current_user"); got != "IAM:alice" {
		t.Errorf("psql to the workgroup: current_user %q, want IAM:alice", got)
	}
	if res := psql(t, wgConn, "not-the-password", "select 1"); res.Code == 0 || !strings.Contains(res.Stderr, "password authentication failed") {
		t.Errorf("psql to the workgroup with a wrong password: exit %d, stderr %q", res.Code, res.Stderr)
	}
	var wg struct {
		Workgroup struct {
			WorkgroupName string `json:"workgroupName"`
			Endpoint      struct {
				Address string `json:"address"`
				Port    int    `json:"port"`
			} `json:"endpoint"`
		} `json:"workgroup"`
	}
	awsJSON(t, root, &wg, "redshift-serverless", "get-workgroup", "--workgroup-name", "default")
	if wg.Workgroup.WorkgroupName != "default" || wg.Workgroup.Endpoint.Port != wgPort || wg.Workgroup.Endpoint.Address == "" {
		t.Errorf("get-workgroup: %+v; want default on port %d", wg.Workgroup, wgPort)
	}

	// A deleted key stops working at once.
	mustAWS(root, "iam", "delete-access-key", "--user-name", "alice", "--access-key-id", key.AccessKey.AccessKeyId)
	awsDenied(t, alice, "InvalidClientTokenId", "sts", "get-caller-identity")
	awsDenied(t, alice, "UnrecognizedClientException", "redshift-data", "list-statements")
}

// boto3AccessSummary is what testdata/access_boto3.py prints.
type boto3AccessSummary struct {
	Boto3Version string `json:"boto3_version"`
	User         struct {
		Arn              string   `json:"arn"`
		UserID           string   `json:"user_id"`
		CallerArn        string   `json:"caller_arn"`
		CallerUserID     string   `json:"caller_user_id"`
		StatementID      string   `json:"statement_id"`
		Status           string   `json:"status"`
		Error            string   `json:"error"`
		DbUser           string   `json:"db_user"`
		CurrentUser      string   `json:"current_user"`
		DeniedCode       string   `json:"denied_code"`
		DeniedMessage    string   `json:"denied_message"`
		DeniedHTTP       int      `json:"denied_http"`
		IAMDeniedCode    string   `json:"iam_denied_code"`
		ListedAfterAllow []string `json:"listed_after_allow"`
		DenyWinsCode     string   `json:"deny_wins_code"`
	} `json:"user"`
	Role struct {
		Arn              string `json:"arn"`
		RoleID           string `json:"role_id"`
		NoExternalIDCode string `json:"no_external_id_code"`
		WrongIDCode      string `json:"wrong_external_id_code"`
		AccessKeyPrefix  string `json:"access_key_prefix"`
		HasSessionToken  bool   `json:"has_session_token"`
		AssumedArn       string `json:"assumed_arn"`
		CallerArn        string `json:"caller_arn"`
		CallerUserID     string `json:"caller_user_id"`
		Status           string `json:"status"`
		Error            string `json:"error"`
		DbUser           string `json:"db_user"`
		CurrentUser      string `json:"current_user"`
		UserSeesRoleCode string `json:"user_sees_role_statement_code"`
	} `json:"role"`
	Secret struct {
		Arn           string `json:"arn"`
		ExecSecretArn string `json:"exec_secret_arn"`
		Status        string `json:"status"`
		Error         string `json:"error"`
		DbUser        string `json:"db_user"`
		CurrentUser   string `json:"current_user"`
		UntaggedCode  string `json:"untagged_code"`
		WrongStatus   string `json:"wrong_password_status"`
		WrongError    string `json:"wrong_password_error"`
	} `json:"secret"`
	Credentials struct {
		DbUser      string  `json:"db_user"`
		DbPassword  string  `json:"db_password"`
		ExpiresIn   float64 `json:"expires_in_seconds"`
		ClusterPort int     `json:"cluster_port"`
		Address     string  `json:"cluster_address"`
	} `json:"credentials"`
}

// TestBoto3AccessControl runs the same flows through boto3 clients.
func TestBoto3AccessControl(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})
	rc := s.RootCredentials()
	master := s.MasterLogins()["cluster/local"]
	if master.Password == "" {
		t.Fatal("master-users.json has no password for cluster/local")
	}
	script, err := filepath.Abs(filepath.Join("testdata", "access_boto3.py"))
	if err != nil {
		t.Fatal(err)
	}
	env := awsEnv(t, map[string]string{"RSD_ENDPOINT": s.Endpoint, "RSD_ACCESS_KEY_ID": rc.AccessKeyID,
		"RSD_SECRET_ACCESS_KEY": rc.SecretAccessKey, "RSD_MASTER_PASSWORD": master.Password})
	res := runCommand(t, env, "python3", script)
	if res.Code != 0 {
		t.Fatalf("python3 %s: exit %d (is boto3 installed? pip install boto3)\nstderr:\n%s", script, res.Code, res.Stderr)
	}
	var sum boto3AccessSummary
	if err := json.Unmarshal([]byte(res.Stdout), &sum); err != nil {
		t.Fatalf("boto3 script output is not its JSON summary: %v\n%.2000s", err, res.Stdout)
	}
	t.Logf("boto3 %s", sum.Boto3Version)

	u := sum.User
	userArn := "arn:aws:iam::" + accessAccount + ":user/pyuser"
	if u.Arn != userArn || !strings.HasPrefix(u.UserID, "AIDA") || u.CallerArn != userArn || u.CallerUserID != u.UserID {
		t.Errorf("user: arn %q id %q, caller %q %q", u.Arn, u.UserID, u.CallerArn, u.CallerUserID)
	}
	if u.StatementID == "" || u.Status != "FINISHED" || u.DbUser != "IAM:pyuser" || u.CurrentUser != "IAM:pyuser" {
		t.Errorf("the user's statement %s: %s (%q) as DbUser %q, current_user %q; want FINISHED as IAM:pyuser", u.StatementID, u.Status, u.Error, u.DbUser, u.CurrentUser)
	}
	if u.DeniedCode != "AccessDeniedException" || u.DeniedHTTP != 400 ||
		u.DeniedMessage != "User: "+userArn+" is not authorized to perform: redshift-data:ListStatements on resource: * because no identity-based policy allows the redshift-data:ListStatements action" {
		t.Errorf("not-allowed list_statements: code %q, HTTP %d, message %q", u.DeniedCode, u.DeniedHTTP, u.DeniedMessage)
	}
	if u.IAMDeniedCode != "AccessDenied" {
		t.Errorf("the user's iam create_user: code %q, want AccessDenied", u.IAMDeniedCode)
	}
	if len(u.ListedAfterAllow) != 1 || u.ListedAfterAllow[0] != u.StatementID {
		t.Errorf("list_statements once allowed: %v, want only %s", u.ListedAfterAllow, u.StatementID)
	}
	if u.DenyWinsCode != "AccessDeniedException" {
		t.Errorf("list_statements under Allow and an explicit Deny: code %q, want AccessDeniedException", u.DenyWinsCode)
	}

	r := sum.Role
	roleArn := "arn:aws:iam::" + accessAccount + ":role/pyrole"
	sessionArn := "arn:aws:sts::" + accessAccount + ":assumed-role/pyrole/py-session"
	if r.Arn != roleArn || !strings.HasPrefix(r.RoleID, "AROA") {
		t.Errorf("role: %q %q", r.Arn, r.RoleID)
	}
	if r.NoExternalIDCode != "AccessDenied" || r.WrongIDCode != "AccessDenied" {
		t.Errorf("assume_role without / with a wrong ExternalId: codes %q / %q, want AccessDenied", r.NoExternalIDCode, r.WrongIDCode)
	}
	if r.AccessKeyPrefix != "ASIA" || !r.HasSessionToken || r.AssumedArn != sessionArn {
		t.Errorf("assume_role: key prefix %q, token %v, assumed ARN %q", r.AccessKeyPrefix, r.HasSessionToken, r.AssumedArn)
	}
	if r.CallerArn != sessionArn || r.CallerUserID != r.RoleID+":py-session" {
		t.Errorf("the session's get_caller_identity: %q %q", r.CallerArn, r.CallerUserID)
	}
	if r.Status != "FINISHED" || r.DbUser != "IAMR:pyrole" || r.CurrentUser != "IAMR:pyrole" {
		t.Errorf("the role's statement: %s (%q) as DbUser %q, current_user %q; want FINISHED as IAMR:pyrole", r.Status, r.Error, r.DbUser, r.CurrentUser)
	}
	if r.UserSeesRoleCode != "ResourceNotFoundException" {
		t.Errorf("the user describing the role's statement: code %q, want ResourceNotFoundException", r.UserSeesRoleCode)
	}

	sc := sum.Secret
	if !regexp.MustCompile(`^arn:aws:secretsmanager:us-east-1:`+accessAccount+`:secret:py/db-[A-Za-z0-9]{6}$`).MatchString(sc.Arn) || sc.ExecSecretArn != sc.Arn {
		t.Errorf("secret ARN %q, echoed by execute_statement as %q", sc.Arn, sc.ExecSecretArn)
	}
	if sc.Status != "FINISHED" || sc.DbUser != "awsuser" || sc.CurrentUser != "awsuser" {
		t.Errorf("the role session's statement with the tagged secret: %s (%q) as %q, current_user %q; want FINISHED as awsuser", sc.Status, sc.Error, sc.DbUser, sc.CurrentUser)
	}
	if sc.UntaggedCode != "AccessDeniedException" {
		t.Errorf("the role session with an untagged secret: code %q, want AccessDeniedException", sc.UntaggedCode)
	}
	if sc.WrongStatus != "FAILED" || sc.WrongError != `FATAL: password authentication failed for user "awsuser"` {
		t.Errorf("secret with a wrong password: %s %q", sc.WrongStatus, sc.WrongError)
	}

	cr := sum.Credentials
	if cr.DbUser != "IAMA:pyreporter" || len(cr.DbPassword) < 16 || cr.ExpiresIn < 800 || cr.ExpiresIn > 1000 {
		t.Fatalf("get_cluster_credentials: DbUser %q, password of %d chars, expiring in %.0f s; want IAMA:pyreporter, 900 s", cr.DbUser, len(cr.DbPassword), cr.ExpiresIn)
	}
	if cr.ClusterPort != s.EnginePort("cluster", "local") || cr.Address == "" {
		t.Fatalf("describe_clusters endpoint %s:%d, want port %d", cr.Address, cr.ClusterPort, s.EnginePort("cluster", "local"))
	}
	conninfo := fmt.Sprintf("host=%s port=%d dbname=dev user=%s sslmode=disable", cr.Address, cr.ClusterPort, cr.DbUser)
	if got := mustPsql(t, conninfo, cr.DbPassword, "select current_user"); got != cr.DbUser {
		t.Errorf("psql with boto3's credentials: current_user %q, want %s", got, cr.DbUser)
	}
}
