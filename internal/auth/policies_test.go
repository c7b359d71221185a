package auth_test

import (
	"context"
	"errors"
	"testing"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/policy"
)

// staticSource hands out fixed policies, standing in for the IAM store.
type staticSource struct {
	pols []*policy.Policy
	err  error
}

func (s staticSource) PoliciesFor(context.Context, *auth.Principal) ([]*policy.Policy, error) {
	return s.pols, s.err
}

func mustParse(t *testing.T, doc string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse(doc, policy.Identity)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPoliciesAuthorizer(t *testing.T) {
	allowOwn := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"redshift-data:*","Resource":"*","Condition":{"StringEquals":{"redshift-data:statement-owner-iam-userid":"${aws:userid}"}}},
		{"Effect":"Allow","Action":"redshift-data:ExecuteStatement","Resource":"arn:aws:redshift:*:*:cluster:${aws:username}"}]}`)
	denyCancel := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"redshift-data:CancelStatement","Resource":"*"}]}`)
	alice := &auth.Principal{AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:user/alice", UserID: "AIDAALICE", UserName: "alice"}
	own := map[string][]string{"redshift-data:statement-owner-iam-userid": {"AIDAALICE"}}
	other := map[string][]string{"redshift-data:statement-owner-iam-userid": {"AIDABOB"}}
	cases := []struct {
		name    string
		p       *auth.Principal
		src     staticSource
		req     auth.Request
		allowed bool
	}{
		{"root needs no policy", &auth.Principal{Root: true, ARN: "arn:aws:iam::123456789012:root"}, staticSource{}, auth.Request{Action: "iam:CreateUser", Resource: "*"}, true},
		{"nobody", nil, staticSource{}, auth.Request{Action: "sts:GetCallerIdentity", Resource: "*"}, false},
		{"no policies", alice, staticSource{}, auth.Request{Action: "redshift-data:ListStatements", Resource: "*"}, false},
		{"own statement", alice, staticSource{pols: []*policy.Policy{allowOwn}}, auth.Request{Action: "redshift-data:DescribeStatement", Resource: "*", Context: own}, true},
		{"another's statement", alice, staticSource{pols: []*policy.Policy{allowOwn}}, auth.Request{Action: "redshift-data:DescribeStatement", Resource: "*", Context: other}, false},
		{"username variable in resource", alice, staticSource{pols: []*policy.Policy{allowOwn}}, auth.Request{Action: "redshift-data:ExecuteStatement", Resource: "arn:aws:redshift:us-east-1:123456789012:cluster:alice"}, true},
		{"another cluster", alice, staticSource{pols: []*policy.Policy{allowOwn}}, auth.Request{Action: "redshift-data:ExecuteStatement", Resource: "arn:aws:redshift:us-east-1:123456789012:cluster:bob"}, false},
		{"explicit deny wins", alice, staticSource{pols: []*policy.Policy{allowOwn, denyCancel}}, auth.Request{Action: "redshift-data:CancelStatement", Resource: "*", Context: own}, false},
		{"session policy narrows", &auth.Principal{AccountID: "123456789012", ARN: "arn:aws:sts::123456789012:assumed-role/r/s", UserID: "AROAR:s", RoleName: "r",
			SessionPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift-data:DescribeStatement","Resource":"*"}]}`},
			staticSource{pols: []*policy.Policy{mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift-data:*","Resource":"*"}]}`)}},
			auth.Request{Action: "redshift-data:ListStatements", Resource: "*"}, false},
		{"session policy allows within the role", &auth.Principal{AccountID: "123456789012", ARN: "arn:aws:sts::123456789012:assumed-role/r/s", UserID: "AROAR:s", RoleName: "r",
			SessionPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift-data:*","Resource":"*"}]}`},
			staticSource{pols: []*policy.Policy{mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift-data:ListStatements","Resource":"*"}]}`)}},
			auth.Request{Action: "redshift-data:ListStatements", Resource: "*"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := auth.Policies{Source: c.src}.Authorize(context.Background(), c.p, c.req)
			if c.allowed && err != nil {
				t.Fatalf("denied: %v", err)
			}
			if !c.allowed && !errors.Is(err, auth.ErrDenied) {
				t.Fatalf("want a denial, got %v", err)
			}
		})
	}
	// A store failure fails closed.
	boom := errors.New("store down")
	if err := (auth.Policies{Source: staticSource{err: boom}}).Authorize(context.Background(), alice, auth.Request{Action: "x:y", Resource: "*"}); !errors.Is(err, boom) {
		t.Fatalf("store failure: %v", err)
	}
}

// TestPoliciesAcrossAccounts checks that a principal is never allowed on
// another account's resource (no resource rsdata serves has a resource-based
// policy), root included, while IAM and STS requests on "*" stay in the
// caller's account and sts:AssumeRole is left to the role's trust policy.
func TestPoliciesAcrossAccounts(t *testing.T) {
	const home, peer = "123456789012", "210987654321"
	allowAll := staticSource{pols: []*policy.Policy{mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}}
	peerRoot := &auth.Principal{Root: true, AccountID: peer, ARN: "arn:aws:iam::" + peer + ":root"}
	peerUser := &auth.Principal{AccountID: peer, ARN: "arn:aws:iam::" + peer + ":user/bob", UserID: "AIDABOB", UserName: "bob"}
	homeUser := &auth.Principal{AccountID: home, ARN: "arn:aws:iam::" + home + ":user/alice", UserID: "AIDAALICE", UserName: "alice"}
	cases := []struct {
		name    string
		p       *auth.Principal
		req     auth.Request
		allowed bool
	}{
		{"peer root, home account's statements", peerRoot, auth.Request{Action: "redshift-data:ListStatements", Resource: "*"}, false},
		{"peer root, home cluster", peerRoot, auth.Request{Action: "redshift:GetClusterCredentials", Resource: "arn:aws:redshift:us-east-1:" + home + ":dbuser:local/awsuser"}, false},
		{"peer root, its own IAM", peerRoot, auth.Request{Action: "iam:CreateUser", Resource: "*"}, true},
		{"peer root, its own user", peerRoot, auth.Request{Action: "iam:GetUser", Resource: "arn:aws:iam::" + peer + ":user/bob"}, true},
		{"peer user allowed everything, home cluster", peerUser, auth.Request{Action: "redshift-data:ExecuteStatement", Resource: "arn:aws:redshift:us-east-1:" + home + ":cluster:local"}, false},
		{"peer user allowed everything, home secrets", peerUser, auth.Request{Action: "secretsmanager:ListSecrets", Resource: "*"}, false},
		{"peer user, a home role to assume", peerUser, auth.Request{Action: "sts:AssumeRole", Resource: "arn:aws:iam::" + home + ":role/analyst"}, true},
		{"home user, an AWS managed policy", homeUser, auth.Request{Action: "iam:AttachUserPolicy", Resource: "arn:aws:iam::aws:policy/AmazonRedshiftDataFullAccess"}, true},
		{"home user, a peer account's secret", homeUser, auth.Request{Action: "secretsmanager:GetSecretValue", Resource: "arn:aws:secretsmanager:us-east-1:" + peer + ":secret:x"}, false},
		{"home user, home statements", homeUser, auth.Request{Action: "redshift-data:ListStatements", Resource: "*"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := auth.Policies{Source: allowAll, HomeAccount: home}.Authorize(context.Background(), c.p, c.req)
			if c.allowed && err != nil {
				t.Fatalf("denied: %v", err)
			}
			if !c.allowed && !errors.Is(err, auth.ErrDenied) {
				t.Fatalf("want a denial, got %v", err)
			}
		})
	}
	err := auth.Policies{Source: allowAll, HomeAccount: home}.Authorize(context.Background(), peerUser, auth.Request{Action: "redshift-data:ListStatements", Resource: "*"})
	if want := "User: arn:aws:iam::" + peer + ":user/bob is not authorized to perform: redshift-data:ListStatements on resource: * because no resource-based policy allows the redshift-data:ListStatements action"; err == nil || err.Error() != want {
		t.Fatalf("message %v, want %q", err, want)
	}
}
