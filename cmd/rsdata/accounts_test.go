package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCLIPeerAccount walks the README's "Several accounts" flow with the AWS
// CLI against `rsdata serve --peer-account`: the peer account's root
// credentials are printed once and stored, the peer root cannot reach the
// data account's cluster, and a peer user gets in by assuming a
// data-account role.
func TestCLIPeerAccount(t *testing.T) {
	t.Parallel()
	const peer = "210987654321"
	s := startServe(t, serveOptions{Args: []string{"--peer-account", peer}})
	printed := s.PrintedEnv()
	root := awsEnv(t, printed)

	var peerCreds rootCredentials
	readJSON(t, filepath.Join(s.DataDir, "root-credentials-"+peer+".json"), &peerCreds)
	line := regexp.MustCompile(`(?m)^\s*export AWS_ACCESS_KEY_ID=` + peerCreds.AccessKeyID + ` .*$`).FindString(s.Stdout.String())
	if peerCreds.AccessKeyID == "" || line == "" {
		t.Fatalf("the peer account's root credentials are not printed; stdout:\n%s", s.Stdout.String())
	}
	if got := shellExport(t, line)["AWS_SECRET_ACCESS_KEY"]; got != peerCreds.SecretAccessKey {
		t.Fatalf("the peer account's export line sets AWS_SECRET_ACCESS_KEY=%q, not the key in its file", got)
	}
	peerRoot := withKeys(t, printed, peerCreds.AccessKeyID, peerCreds.SecretAccessKey, "")
	var who struct{ Account, Arn string }
	awsJSON(t, peerRoot, &who, "sts", "get-caller-identity")
	if who.Account != peer || who.Arn != "arn:aws:iam::"+peer+":root" {
		t.Fatalf("get-caller-identity of the peer root: %+v", who)
	}
	res := awsDenied(t, peerRoot, "AccessDeniedException", "redshift-data", "execute-statement",
		"--cluster-identifier", "local", "--database", "dev", "--sql", "select 1")
	if !strings.Contains(res.Stderr, "because no resource-based policy allows the redshift-data:ExecuteStatement action") {
		t.Fatalf("peer root's execute-statement refused with %q", res.Stderr)
	}

	mustAWS := func(env []string, args ...string) {
		t.Helper()
		if res := awsCLI(t, env, args...); res.Code != 0 {
			t.Fatalf("aws %s: exit %d\nstderr: %s", strings.Join(args, " "), res.Code, res.Stderr)
		}
	}
	mustAWS(root, "iam", "create-role", "--role-name", "analyst", "--assume-role-policy-document", policyJSON(t,
		map[string]any{"Effect": "Allow", "Principal": map[string]string{"AWS": "arn:aws:iam::" + peer + ":root"}, "Action": "sts:AssumeRole"}))
	mustAWS(root, "iam", "attach-role-policy", "--role-name", "analyst", "--policy-arn", managedDataFull)
	mustAWS(peerRoot, "iam", "create-user", "--user-name", "bob")
	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	awsJSON(t, peerRoot, &key, "iam", "create-access-key", "--user-name", "bob")
	bob := withKeys(t, printed, key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey, "")
	roleARN := "arn:aws:iam::" + accessAccount + ":role/analyst"
	awsDenied(t, bob, "AccessDenied", "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "bob")
	mustAWS(peerRoot, "iam", "put-user-policy", "--user-name", "bob", "--policy-name", "assume", "--policy-document", policyJSON(t,
		map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": roleARN}))

	var assumed struct {
		Credentials     struct{ AccessKeyId, SecretAccessKey, SessionToken string }
		AssumedRoleUser struct{ Arn string }
	}
	awsJSON(t, bob, &assumed, "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "bob")
	if assumed.AssumedRoleUser.Arn != "arn:aws:sts::"+accessAccount+":assumed-role/analyst/bob" {
		t.Fatalf("assume-role: %+v", assumed.AssumedRoleUser)
	}
	session := withKeys(t, printed, assumed.Credentials.AccessKeyId, assumed.Credentials.SecretAccessKey, assumed.Credentials.SessionToken)
	if _, user := cliSingleString(t, session, "select current_user", "--cluster-identifier", "local", "--database", "dev"); user != "IAMR:analyst" {
		t.Fatalf("the role session ran as %q", user)
	}

	// The same through boto3.
	script, err := filepath.Abs(filepath.Join("testdata", "peer_boto3.py"))
	if err != nil {
		t.Fatal(err)
	}
	res = runCommand(t, awsEnv(t, map[string]string{"RSD_ENDPOINT": s.Endpoint, "RSD_ROLE_ARN": roleARN,
		"RSD_USER_KEY": key.AccessKey.AccessKeyId, "RSD_USER_SECRET": key.AccessKey.SecretAccessKey,
		"RSD_PEER_ROOT_KEY": peerCreds.AccessKeyID, "RSD_PEER_ROOT_SECRET": peerCreds.SecretAccessKey}), "python3", script)
	if res.Code != 0 {
		t.Fatalf("python3 %s: exit %d\nstderr:\n%s", script, res.Code, res.Stderr)
	}
	var py struct {
		PeerRootAccount     string `json:"peer_root_account"`
		PeerRootListSecrets string `json:"peer_root_list_secrets"`
		AssumedArn          string `json:"assumed_arn"`
		SessionAccount      string `json:"session_account"`
		Status, Error       string
		CurrentUser         string `json:"current_user"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &py); err != nil {
		t.Fatalf("boto3 script output is not its JSON summary: %v\n%.2000s", err, res.Stdout)
	}
	if py.PeerRootAccount != peer || py.PeerRootListSecrets != "AccessDeniedException" {
		t.Errorf("boto3 as the peer root: account %q, list_secrets %q", py.PeerRootAccount, py.PeerRootListSecrets)
	}
	if py.AssumedArn != "arn:aws:sts::"+accessAccount+":assumed-role/analyst/py-peer" || py.SessionAccount != accessAccount {
		t.Errorf("boto3 assume_role: %q, session in account %q", py.AssumedArn, py.SessionAccount)
	}
	if py.Status != "FINISHED" || py.CurrentUser != "IAMR:analyst" {
		t.Errorf("boto3 role session's statement: %s (%q) as %q", py.Status, py.Error, py.CurrentUser)
	}
}
