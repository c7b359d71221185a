package store_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/datastore"
	"github.com/rsdata/rsdata/internal/identity"
	"github.com/rsdata/rsdata/internal/seal"
)

// TestReset: each view's Reset empties what it keeps; Identities' only its
// own account's.
func TestReset(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	s := db.store
	sealer, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	const home, peer = "123456789012", "210987654321"
	clock := func() time.Time { return base }
	a := identity.New(identity.Options{AccountID: home, Clock: clock}, s.Identities(home), sealer)
	b := identity.New(identity.Options{AccountID: peer, Clock: clock}, s.Identities(peer), sealer)
	if _, err := a.CreateUser(ctx, identity.CreateUserInput{UserName: "alice", Tags: []identity.Tag{{Key: "team", Value: "x"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateAccessKey(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	pol, err := a.CreatePolicy(ctx, identity.CreatePolicyInput{PolicyName: "p", PolicyDocument: allowAll})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.AttachUserPolicy(ctx, "alice", pol.ARN); err != nil {
		t.Fatal(err)
	}
	if err := a.PutUserPolicy(ctx, "alice", "inline", allowAll); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateRole(ctx, identity.CreateRoleInput{RoleName: "r",
		AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.CreateUser(ctx, identity.CreateUserInput{UserName: "bob"}); err != nil {
		t.Fatal(err)
	}
	create(t, s, submitted("s1", "", cluster, true))
	if err := s.Tags().TagResource(ctx, "arn:aws:redshift:us-east-1:123456789012:cluster:local", map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	for _, reset := range []func(context.Context) error{s.Statements().Reset, s.Events().Reset, s.Leases().Reset,
		s.Secrets().Reset, s.Tags().Reset, s.Identities(home).Reset} {
		if err := reset(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range []string{"statements", "result_pages", "client_tokens", "sessions", "events", "dbcred_leases",
		"sm_secrets", "sm_secret_versions", "resource_tags", "iam_policy_versions"} {
		var n int
		if err := db.conn.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows left (%v)", table, n, err)
		}
	}
	for _, table := range []string{"iam_users", "iam_access_keys", "iam_roles", "iam_policies", "iam_inline_policies", "iam_attachments", "iam_tags"} {
		var n int
		if err := db.conn.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE account = $1`, home).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows of the reset account left (%v)", table, n, err)
		}
	}
	if _, err := b.GetUser(ctx, "bob"); err != nil {
		t.Errorf("the other account's user is gone: %v", err)
	}
	if _, err := s.Statements().Get(ctx, "s1"); err == nil {
		t.Errorf("statement s1 is still there")
	}
}

// TestDatastoresReset: with the first Admin token's hash given, every
// other token goes; with none known, every Admin token stays.
func TestDatastoresReset(t *testing.T) {
	ctx := context.Background()
	v := openTestDB(t).store.Datastores()
	for _, tok := range []*datastore.Token{{Name: "first", Role: datastore.Admin, Hash: "h-first"},
		{Name: "other admin", Role: datastore.Admin, Hash: "h-admin"}, {Name: "member", Role: datastore.Member, Hash: "h-member"}} {
		if err := v.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	names := func() []string {
		list, err := v.ListTokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tok := range list {
			out = append(out, tok.Name)
		}
		slices.Sort(out)
		return out
	}
	if err := v.Reset(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got := names(); !slices.Equal(got, []string{"first", "other admin"}) {
		t.Errorf("tokens after a reset knowing no secret: %q, want the Admin ones", got)
	}
	if err := v.Reset(ctx, []string{"h-first"}); err != nil {
		t.Fatal(err)
	}
	if got := names(); !slices.Equal(got, []string{"first"}) {
		t.Errorf("tokens after a reset keeping the first: %q", got)
	}
}
