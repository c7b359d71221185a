package store_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/identity"
	"github.com/rsdata/rsdata/internal/policy"
	"github.com/rsdata/rsdata/internal/seal"
)

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift-data:*","Resource":"*"}]}`

func newIdentity(t *testing.T) (*identity.Service, testDB) {
	t.Helper()
	db := openTestDB(t)
	sealer, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return base }
	return identity.New(identity.Options{AccountID: "123456789012", Clock: clock}, db.store.Identities("123456789012"), sealer), db
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want %v", err, target)
	}
}

func TestIdentityUsersAndKeys(t *testing.T) {
	ctx := context.Background()
	svc, db := newIdentity(t)

	u, err := svc.CreateUser(ctx, identity.CreateUserInput{UserName: "alice", Path: "/eng/", Tags: []identity.Tag{{Key: "team", Value: "data"}, {Key: "env", Value: "dev"}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.GetUser(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, u) || got.ARN != "arn:aws:iam::123456789012:user/eng/alice" || !got.CreatedAt.Equal(base) {
		t.Fatalf("GetUser = %+v, created %+v", got, u)
	}
	if want := []identity.Tag{{Key: "env", Value: "dev"}, {Key: "team", Value: "data"}}; !reflect.DeepEqual(got.Tags, want) {
		t.Errorf("Tags = %v, want %v", got.Tags, want)
	}
	_, err = svc.CreateUser(ctx, identity.CreateUserInput{UserName: "ALICE"})
	wantErr(t, err, identity.ErrEntityAlreadyExists)
	_, err = svc.GetUser(ctx, "bob")
	wantErr(t, err, identity.ErrNoSuchEntity)

	k1, err := svc.CreateAccessKey(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	// The secret is stored sealed, never in clear.
	var stored []byte
	if err := db.conn.QueryRow(ctx, `SELECT sealed_secret FROM iam_access_keys WHERE id = $1`, k1.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored, []byte(k1.Secret)) {
		t.Error("the access key secret is stored in clear")
	}
	secret, owner, err := svc.LookupKey(ctx, k1.ID)
	if err != nil || secret != k1.Secret || owner.Name != "alice" {
		t.Fatalf("LookupKey = %q, %+v, %v", secret, owner, err)
	}
	if _, err := svc.CreateAccessKey(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreateAccessKey(ctx, "alice")
	wantErr(t, err, identity.ErrLimitExceeded)
	_, err = svc.CreateAccessKey(ctx, "nobody")
	wantErr(t, err, identity.ErrNoSuchEntity)

	if err := svc.UpdateAccessKey(ctx, identity.UpdateAccessKeyInput{UserName: "alice", AccessKeyID: k1.ID, Status: identity.Inactive}); err != nil {
		t.Fatal(err)
	}
	_, _, err = svc.LookupKey(ctx, k1.ID)
	wantErr(t, err, identity.ErrUnknownKey)
	keys, err := svc.ListAccessKeys(ctx, "alice")
	if err != nil || len(keys) != 2 {
		t.Fatalf("ListAccessKeys = %+v, %v", keys, err)
	}
	for _, k := range keys {
		if want := k.ID == k1.ID; (k.Status == identity.Inactive) != want {
			t.Errorf("key %s status %s", k.ID, k.Status)
		}
	}

	wantErr(t, svc.DeleteUser(ctx, "alice"), identity.ErrDeleteConflict)
	for _, k := range keys {
		if err := svc.DeleteAccessKey(ctx, "alice", k.ID); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, svc.DeleteAccessKey(ctx, "alice", k1.ID), identity.ErrNoSuchEntity)

	if err := svc.PutUserPolicy(ctx, "alice", "p1", allowAll); err != nil {
		t.Fatal(err)
	}
	wantErr(t, svc.DeleteUser(ctx, "alice"), identity.ErrDeleteConflict)
	if err := svc.DeleteUserPolicy(ctx, "alice", "p1"); err != nil {
		t.Fatal(err)
	}
	if err := svc.AttachUserPolicy(ctx, "alice", policy.AmazonRedshiftDataFullAccessARN); err != nil {
		t.Fatal(err)
	}
	wantErr(t, svc.DeleteUser(ctx, "alice"), identity.ErrDeleteConflict)
	if err := svc.DetachUserPolicy(ctx, "alice", policy.AmazonRedshiftDataFullAccessARN); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetUser(ctx, "alice")
	wantErr(t, err, identity.ErrNoSuchEntity)
	var tags int
	if err := db.conn.QueryRow(ctx, `SELECT count(*) FROM iam_tags`).Scan(&tags); err != nil || tags != 0 {
		t.Errorf("tags left after DeleteUser: %d, %v", tags, err)
	}
}

func TestIdentityPoliciesAndTags(t *testing.T) {
	ctx := context.Background()
	svc, _ := newIdentity(t)
	if _, err := svc.CreateUser(ctx, identity.CreateUserInput{UserName: "bob"}); err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},"Action":"sts:AssumeRole"}]}`
	role, err := svc.CreateRole(ctx, identity.CreateRoleInput{RoleName: "analyst", Path: "/svc/", AssumeRolePolicyDocument: trust})
	if err != nil {
		t.Fatal(err)
	}
	if role.MaxSessionDuration != 3600 || role.ARN != "arn:aws:iam::123456789012:role/svc/analyst" {
		t.Errorf("role = %+v", role)
	}
	if r, err := svc.GetRoleByARN(ctx, role.ARN); err != nil || r.TrustPolicy != trust {
		t.Errorf("GetRoleByARN = %+v, %v", r, err)
	}
	_, err = svc.GetRoleByARN(ctx, "arn:aws:iam::123456789012:role/analyst")
	wantErr(t, err, identity.ErrNoSuchEntity)

	mp, err := svc.CreatePolicy(ctx, identity.CreatePolicyInput{PolicyName: "DataRead", PolicyDocument: allowAll})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreatePolicy(ctx, identity.CreatePolicyInput{PolicyName: "dataread", PolicyDocument: allowAll})
	wantErr(t, err, identity.ErrEntityAlreadyExists)
	for _, o := range []func() error{
		func() error { return svc.AttachUserPolicy(ctx, "bob", mp.ARN) },
		func() error { return svc.AttachUserPolicy(ctx, "bob", mp.ARN) }, // idempotent
		func() error { return svc.AttachRolePolicy(ctx, "analyst", mp.ARN) },
	} {
		if err := o(); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, svc.AttachUserPolicy(ctx, "bob", "arn:aws:iam::123456789012:policy/Missing"), identity.ErrNoSuchEntity)
	got, err := svc.GetPolicy(ctx, mp.ARN)
	if err != nil || got.AttachmentCount != 2 || got.Document != allowAll {
		t.Fatalf("GetPolicy = %+v, %v", got, err)
	}
	wantErr(t, svc.DeletePolicy(ctx, mp.ARN), identity.ErrDeleteConflict)
	ps, err := svc.RolePolicies(ctx, "analyst")
	if err != nil || len(ps) != 1 {
		t.Fatalf("RolePolicies = %v, %v", ps, err)
	}
	wantErr(t, svc.DeleteRole(ctx, "analyst"), identity.ErrDeleteConflict)
	if err := svc.DetachRolePolicy(ctx, "analyst", mp.ARN); err != nil {
		t.Fatal(err)
	}
	wantErr(t, svc.DetachRolePolicy(ctx, "analyst", mp.ARN), identity.ErrNoSuchEntity)
	if err := svc.DetachUserPolicy(ctx, "bob", mp.ARN); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeletePolicy(ctx, mp.ARN); err != nil {
		t.Fatal(err)
	}
	wantErr(t, svc.DeletePolicy(ctx, mp.ARN), identity.ErrNoSuchEntity)

	// Tags: replace, remove, and the 50-tag limit.
	if err := svc.TagRole(ctx, "analyst", []identity.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.TagRole(ctx, "analyst", []identity.Tag{{Key: "a", Value: "9"}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.UntagRole(ctx, "analyst", []string{"b", "absent"}); err != nil {
		t.Fatal(err)
	}
	tags, err := svc.ListRoleTags(ctx, "analyst")
	if want := []identity.Tag{{Key: "a", Value: "9"}}; err != nil || !reflect.DeepEqual(tags, want) {
		t.Fatalf("ListRoleTags = %v, %v; want %v", tags, err, want)
	}
	many := make([]identity.Tag, 50)
	for i := range many {
		many[i] = identity.Tag{Key: "k" + string(rune('A'+i%26)) + string(rune('a'+i/26)), Value: "v"}
	}
	wantErr(t, svc.TagRole(ctx, "analyst", many), identity.ErrLimitExceeded)
	if tags, _ := svc.ListRoleTags(ctx, "analyst"); len(tags) != 1 {
		t.Errorf("a refused TagRole left %d tags", len(tags))
	}
	_, err = svc.ListUserTags(ctx, "nobody")
	wantErr(t, err, identity.ErrNoSuchEntity)
	if err := svc.DeleteRole(ctx, "analyst"); err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetRole(ctx, "analyst")
	wantErr(t, err, identity.ErrNoSuchEntity)
}
