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
