package iam_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	iamapi "github.com/rsdata/rsdata/internal/api/iam"
	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awsquery"
	"github.com/rsdata/rsdata/internal/identity"
	"github.com/rsdata/rsdata/internal/policy"
	"github.com/rsdata/rsdata/internal/seal"
	"github.com/rsdata/rsdata/internal/store"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

const account = "123456789012"

var created = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

type env struct {
	svc    *identity.Service
	client *iam.Client // as root
	alice  *iam.Client // as the IAM user alice, whom RootOnly refuses
}

func setup(t *testing.T) env {
	t.Helper()
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	st, err := store.Open(context.Background(), srv.ConnString("postgres", db), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	sealer, err := seal.New(bytes.Repeat([]byte{3}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc := identity.New(identity.Options{AccountID: account, Clock: func() time.Time { return created }}, st.Identities(account), sealer)
	r := awsquery.NewRouter(slog.New(slog.DiscardHandler))
	iamapi.New(map[string]*identity.Service{account: svc}, account, auth.RootOnly{}, nil).Register(r)
	// The caller is chosen by access key id, standing in for the auth layer.
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		p := &auth.Principal{AccountID: account, ARN: "arn:aws:iam::" + account + ":root", UserID: account, Root: true}
		if bytes.Contains([]byte(req.Header.Get("Authorization")), []byte("Credential=alice/")) {
			p = &auth.Principal{AccountID: account, ARN: "arn:aws:iam::" + account + ":user/alice", UserID: "AIDAALICE"}
		}
		ctx := awsquery.WithService(auth.WithPrincipal(req.Context(), p), "iam")
		r.ServeHTTP(w, req.WithContext(ctx))
	})
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	client := func(key string) *iam.Client {
		return iam.NewFromConfig(aws.Config{
			Region:       "us-east-1",
			Credentials:  credentials.NewStaticCredentialsProvider(key, "y", ""),
			BaseEndpoint: aws.String(hs.URL),
			Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
			HTTPClient:   hs.Client(),
		})
	}
	return env{svc: svc, client: client("root"), alice: client("alice")}
}

// mustFailure carries a failed call out of must to failOnMust.
type mustFailure struct {
	err  error
	file string
	line int
}

// must returns v, or stops the test when err is set; every test that uses
// it defers failOnMust. (A multi-value call can only be the sole argument,
// so must cannot take t.)
func must[T any](v T, err error) T {
	if err != nil {
		_, file, line, _ := runtime.Caller(1)
		panic(mustFailure{err, filepath.Base(file), line})
	}
	return v
}

func failOnMust(t *testing.T) {
	if r := recover(); r != nil {
		f, ok := r.(mustFailure)
		if !ok {
			panic(r)
		}
		t.Fatalf("%s:%d: %v", f.file, f.line, f.err)
	}
}

// wantCode asserts that err is the AWS error code, with the message when msg != "".
func wantCode(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("err = %s: %s; want %s: %s", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("err = %v, want HTTP %d", err, status)
	}
}

const (
	readStatements = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["redshift-data:DescribeStatement","redshift-data:ListStatements"],"Resource":"*"}]}`
	denyCancel     = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"redshift-data:CancelStatement","Resource":"*"}]}`
	trust          = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]}`
)

func TestUsersKeysAndInlinePolicies(t *testing.T) {
	defer failOnMust(t)
	ctx := context.Background()
	e := setup(t)
	c := e.client

	out := must(c.CreateUser(ctx, &iam.CreateUserInput{
		UserName: aws.String("alice"), Path: aws.String("/eng/"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("data")}},
	}))
	u := out.User
	if aws.ToString(u.UserName) != "alice" || aws.ToString(u.Path) != "/eng/" ||
		aws.ToString(u.Arn) != "arn:aws:iam::123456789012:user/eng/alice" || len(aws.ToString(u.UserId)) != 20 ||
		aws.ToString(u.UserId)[:4] != "AIDA" || u.CreateDate == nil || !u.CreateDate.Equal(created) {
		t.Fatalf("CreateUser = %+v", u)
	}
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	wantCode(t, err, "EntityAlreadyExists", "User with name alice already exists.")
	wantStatus(t, err, 409)
	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bad name")})
	wantCode(t, err, "ValidationError", "")
	wantStatus(t, err, 400)

	got := must(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")}))
	if aws.ToString(got.User.UserId) != aws.ToString(u.UserId) || len(got.User.Tags) != 1 || aws.ToString(got.User.Tags[0].Value) != "data" {
		t.Errorf("GetUser = %+v", got.User)
	}
	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
	wantCode(t, err, "NoSuchEntity", "The user with name nobody cannot be found.")
	wantStatus(t, err, 404)
	users := must(c.ListUsers(ctx, &iam.ListUsersInput{}))
	if len(users.Users) != 1 || aws.ToString(users.Users[0].UserName) != "alice" || users.IsTruncated {
		t.Errorf("ListUsers = %+v", users)
	}

	// Access keys: the secret comes back once, and LookupKey returns it.
	key := must(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})).AccessKey
	id, secret := aws.ToString(key.AccessKeyId), aws.ToString(key.SecretAccessKey)
	if len(id) != 20 || id[:4] != "AKIA" || len(secret) != 40 || key.Status != iamtypes.StatusTypeActive || aws.ToString(key.UserName) != "alice" {
		t.Fatalf("CreateAccessKey = %+v", key)
	}
	gotSecret, owner, err := e.svc.LookupKey(ctx, id)
	if err != nil || gotSecret != secret || owner.Name != "alice" || owner.ARN != aws.ToString(u.Arn) {
		t.Fatalf("LookupKey = %q, %+v, %v", gotSecret, owner, err)
	}
	if _, _, err := e.svc.LookupKey(ctx, "AKIANOTAKEY000000000"); !errors.Is(err, identity.ErrUnknownKey) {
		t.Errorf("LookupKey(unknown) err = %v", err)
	}
	must(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")}))
	_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	wantCode(t, err, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
	wantStatus(t, err, 409)
	keys := must(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("alice")}))
	if len(keys.AccessKeyMetadata) != 2 {
		t.Fatalf("ListAccessKeys = %+v", keys.AccessKeyMetadata)
	}
	must(c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: key.AccessKeyId, Status: iamtypes.StatusTypeInactive}))
	if _, _, err := e.svc.LookupKey(ctx, id); !errors.Is(err, identity.ErrUnknownKey) {
		t.Errorf("LookupKey(inactive) err = %v", err)
	}
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	wantCode(t, err, "DeleteConflict", "Cannot delete entity, must delete access keys first.")
	for _, k := range keys.AccessKeyMetadata {
		must(c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: k.AccessKeyId}))
	}
	_, err = c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: key.AccessKeyId})
	wantCode(t, err, "NoSuchEntity", "")

	// Inline policies.
	must(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("read"), PolicyDocument: aws.String(readStatements)}))
	must(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("nocancel"), PolicyDocument: aws.String(denyCancel)}))
	gp := must(c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("read")}))
	if doc, err := url.QueryUnescape(aws.ToString(gp.PolicyDocument)); err != nil || doc != readStatements || aws.ToString(gp.PolicyDocument) == readStatements {
		t.Errorf("GetUserPolicy document = %q (decoded %q, %v)", aws.ToString(gp.PolicyDocument), doc, err)
	}
	names := must(c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("alice")}))
	if want := []string{"nocancel", "read"}; !reflect.DeepEqual(names.PolicyNames, want) {
		t.Errorf("ListUserPolicies = %v, want %v", names.PolicyNames, want)
	}
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("bad"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}`)})
	wantCode(t, err, "MalformedPolicyDocument", "Policy statement must contain resources.")
	wantStatus(t, err, 400)
	_, err = c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("absent")})
	wantCode(t, err, "NoSuchEntity", "The user policy with name absent cannot be found.")

	// UserPolicies feeds policy.Decide: read allowed, cancel explicitly denied, the rest implicitly.
	ps, err := e.svc.UserPolicies(ctx, "alice")
	if err != nil || len(ps) != 2 {
		t.Fatalf("UserPolicies = %v, %v", ps, err)
	}
	for action, want := range map[string]policy.Decision{
		"redshift-data:DescribeStatement": policy.Allow,
		"redshift-data:CancelStatement":   policy.Deny,
		"redshift-data:ExecuteStatement":  policy.NoDecision,
	} {
		if d := policy.Decide(&policy.Request{Action: action, Resource: "*", Principal: aws.ToString(u.Arn)}, ps...); d != want {
			t.Errorf("Decide(%s) = %v, want %v", action, d, want)
		}
	}

	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	wantCode(t, err, "DeleteConflict", "Cannot delete entity, must delete policies first.")
	for _, n := range names.PolicyNames {
		must(c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String(n)}))
	}
	if names := must(c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("alice")})); len(names.PolicyNames) != 0 {
		t.Errorf("ListUserPolicies after delete = %v", names.PolicyNames)
	}

	// Tags.
	must(c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("alice"), Tags: []iamtypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}))
	must(c.UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String("alice"), TagKeys: []string{"team"}}))
	tags := must(c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("alice")}))
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" || aws.ToString(tags.Tags[0].Value) != "prod" {
		t.Errorf("ListUserTags = %+v", tags.Tags)
	}

	must(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")}))
	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
	wantCode(t, err, "NoSuchEntity", "")
}

func TestManagedPoliciesAndRoles(t *testing.T) {
	defer failOnMust(t)
	ctx := context.Background()
	e := setup(t)
	c := e.client
	must(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}))

	cp := must(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Read"), PolicyDocument: aws.String(readStatements)})).Policy
	arn := aws.ToString(cp.Arn)
	if arn != "arn:aws:iam::123456789012:policy/Read" || aws.ToString(cp.DefaultVersionId) != "v1" || aws.ToString(cp.PolicyId)[:4] != "ANPA" {
		t.Fatalf("CreatePolicy = %+v", cp)
	}
	_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Read"), PolicyDocument: aws.String(readStatements)})
	wantCode(t, err, "EntityAlreadyExists", "")
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Bad"), PolicyDocument: aws.String(`{"Statement":[`)})
	wantCode(t, err, "MalformedPolicyDocument", "")

	must(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: aws.String(arn)}))
	must(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: aws.String(policy.AmazonRedshiftDataFullAccessARN)}))
	_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: aws.String("arn:aws:iam::123456789012:policy/Nope")})
	wantCode(t, err, "NoSuchEntity", "Policy arn:aws:iam::123456789012:policy/Nope does not exist or is not attachable.")
	att := must(c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("bob")}))
	var attached []string
	for _, p := range att.AttachedPolicies {
		attached = append(attached, aws.ToString(p.PolicyName)+"="+aws.ToString(p.PolicyArn))
	}
	if want := []string{"Read=" + arn, "AmazonRedshiftDataFullAccess=" + policy.AmazonRedshiftDataFullAccessARN}; !reflect.DeepEqual(attached, want) {
		t.Errorf("ListAttachedUserPolicies = %v, want %v", attached, want)
	}
	if gp := must(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})).Policy; aws.ToInt32(gp.AttachmentCount) != 1 {
		t.Errorf("AttachmentCount = %d", aws.ToInt32(gp.AttachmentCount))
	}
	aws1 := must(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(policy.AmazonRedshiftDataFullAccessARN)})).Policy
	if aws.ToString(aws1.PolicyName) != "AmazonRedshiftDataFullAccess" || aws.ToString(aws1.DefaultVersionId) != policy.AmazonRedshiftDataFullAccessVersionID {
		t.Errorf("GetPolicy(AWS) = %+v", aws1)
	}
	pv := must(c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})).PolicyVersion
	if doc, _ := url.QueryUnescape(aws.ToString(pv.Document)); doc != readStatements || !pv.IsDefaultVersion {
		t.Errorf("GetPolicyVersion = %+v", pv)
	}
	_, err = c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")})
	wantCode(t, err, "NoSuchEntity", "")
	for scope, want := range map[iamtypes.PolicyScopeType][]string{
		iamtypes.PolicyScopeTypeAll:   {"AmazonRedshiftDataFullAccess", "Read"},
		iamtypes.PolicyScopeTypeAws:   {"AmazonRedshiftDataFullAccess"},
		iamtypes.PolicyScopeTypeLocal: {"Read"},
	} {
		lp := must(c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: scope}))
		var got []string
		for _, p := range lp.Policies {
			got = append(got, aws.ToString(p.PolicyName))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ListPolicies(%s) = %v, want %v", scope, got, want)
		}
	}

	// The AWS managed policy applies: ExecuteStatement allowed, CreateClusterUser of the API user denied.
	ps := must(e.svc.UserPolicies(ctx, "bob"))
	if d := policy.Decide(&policy.Request{Action: "redshift-data:ExecuteStatement", Resource: "arn:aws:redshift:us-east-1:123456789012:cluster:c1"}, ps...); d != policy.Allow {
		t.Errorf("Decide(ExecuteStatement) = %v", d)
	}
	if d := policy.Decide(&policy.Request{Action: "redshift:CreateClusterUser", Resource: "arn:aws:redshift:us-east-1:123456789012:dbuser:c1/redshift_data_api_user"}, ps...); d != policy.Deny {
		t.Errorf("Decide(CreateClusterUser) = %v", d)
	}

	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	wantCode(t, err, "DeleteConflict", "Cannot delete a policy attached to entities.")
	wantStatus(t, err, 409)
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bob")})
	wantCode(t, err, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
	must(c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: aws.String(arn)}))
	_, err = c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: aws.String(arn)})
	wantCode(t, err, "NoSuchEntity", "")
	must(c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)}))
	_, err = c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	wantCode(t, err, "NoSuchEntity", "")
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(policy.AmazonRedshiftDataFullAccessARN)})
	wantCode(t, err, "ValidationError", "")

	// Roles.
	cr := must(c.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String("analyst"), Path: aws.String("/svc/"), AssumeRolePolicyDocument: aws.String(trust),
		MaxSessionDuration: aws.Int32(7200), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
	})).Role
	if aws.ToString(cr.Arn) != "arn:aws:iam::123456789012:role/svc/analyst" || aws.ToString(cr.RoleId)[:4] != "AROA" ||
		aws.ToInt32(cr.MaxSessionDuration) != 7200 || len(cr.Tags) != 1 {
		t.Fatalf("CreateRole = %+v", cr)
	}
	if doc, _ := url.QueryUnescape(aws.ToString(cr.AssumeRolePolicyDocument)); doc != trust {
		t.Errorf("AssumeRolePolicyDocument = %q", doc)
	}
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("analyst"), AssumeRolePolicyDocument: aws.String(trust)})
	wantCode(t, err, "EntityAlreadyExists", "Role with name analyst already exists.")
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r2"), AssumeRolePolicyDocument: aws.String(readStatements)})
	wantCode(t, err, "MalformedPolicyDocument", "")
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r3"), AssumeRolePolicyDocument: aws.String(trust), MaxSessionDuration: aws.Int32(60)})
	wantCode(t, err, "ValidationError", "")
	if r := must(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("analyst")})).Role; aws.ToString(r.RoleId) != aws.ToString(cr.RoleId) {
		t.Errorf("GetRole = %+v", r)
	}
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("nope")})
	wantCode(t, err, "NoSuchEntity", "The role with name nope cannot be found.")
	if lr := must(c.ListRoles(ctx, &iam.ListRolesInput{})); len(lr.Roles) != 1 || aws.ToString(lr.Roles[0].RoleName) != "analyst" {
		t.Errorf("ListRoles = %+v", lr.Roles)
	}
	must(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("analyst"), PolicyName: aws.String("read"), PolicyDocument: aws.String(readStatements)}))
	rp := must(c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("analyst"), PolicyName: aws.String("read")}))
	if doc, _ := url.QueryUnescape(aws.ToString(rp.PolicyDocument)); doc != readStatements {
		t.Errorf("GetRolePolicy = %q", doc)
	}
	if n := must(c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("analyst")})); !reflect.DeepEqual(n.PolicyNames, []string{"read"}) {
		t.Errorf("ListRolePolicies = %v", n.PolicyNames)
	}
	must(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("analyst"), PolicyArn: aws.String(policy.AmazonRedshiftDataFullAccessARN)}))
	if a := must(c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("analyst")})); len(a.AttachedPolicies) != 1 {
		t.Errorf("ListAttachedRolePolicies = %+v", a.AttachedPolicies)
	}
	if rps := must(e.svc.RolePolicies(ctx, "analyst")); len(rps) != 2 {
		t.Errorf("RolePolicies = %d policies, want 2", len(rps))
	}
	role := must(e.svc.GetRoleByARN(ctx, aws.ToString(cr.Arn)))
	tp := must(policy.Parse(role.TrustPolicy, policy.Trust))
	if d := policy.Decide(&policy.Request{Action: "sts:AssumeRole", Resource: role.ARN, Principal: "arn:aws:iam::123456789012:user/alice"}, tp); d != policy.Allow {
		t.Errorf("trust Decide(alice) = %v", d)
	}
	if d := policy.Decide(&policy.Request{Action: "sts:AssumeRole", Resource: role.ARN, Principal: "arn:aws:iam::123456789012:user/mallory"}, tp); d == policy.Allow {
		t.Errorf("trust Decide(mallory) = %v", d)
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("analyst")})
	wantCode(t, err, "DeleteConflict", "")
	must(c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("analyst"), Tags: []iamtypes.Tag{{Key: aws.String("k2"), Value: aws.String("v2")}}}))
	must(c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("analyst"), TagKeys: []string{"k"}}))
	if rt := must(c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("analyst")})); len(rt.Tags) != 1 || aws.ToString(rt.Tags[0].Key) != "k2" {
		t.Errorf("ListRoleTags = %+v", rt.Tags)
	}
	many := make([]iamtypes.Tag, 50)
	for i := range many {
		many[i] = iamtypes.Tag{Key: aws.String("t" + string(rune('a'+i%26)) + string(rune('a'+i/26))), Value: aws.String("v")}
	}
	_, err = c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("analyst"), Tags: many})
	wantCode(t, err, "LimitExceeded", "")
	must(c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("analyst"), PolicyName: aws.String("read")}))
	must(c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("analyst"), PolicyArn: aws.String(policy.AmazonRedshiftDataFullAccessARN)}))
	must(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("analyst")}))
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("analyst")})
	wantCode(t, err, "NoSuchEntity", "")
}

func TestAccessDenied(t *testing.T) {
	defer failOnMust(t)
	ctx := context.Background()
	e := setup(t)
	_, err := e.alice.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")})
	wantCode(t, err, "AccessDenied",
		"User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::123456789012:user/carol")
	wantStatus(t, err, 403)
	if _, err := e.client.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("carol")}); err == nil {
		t.Error("a denied CreateUser created the user")
	}
	_, err = e.alice.ListUsers(ctx, &iam.ListUsersInput{})
	wantCode(t, err, "AccessDenied", "")
	// Root calling without UserName gets its own identity.
	me := must(e.client.GetUser(ctx, &iam.GetUserInput{})).User
	if aws.ToString(me.Arn) != "arn:aws:iam::123456789012:root" || aws.ToString(me.UserId) != account {
		t.Errorf("GetUser(root) = %+v", me)
	}
	_, err = e.client.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	wantCode(t, err, "ValidationError", "Must specify userName when calling with non-User credentials")
}

// TestPaging pages IAM listings with MaxItems and Marker through the SDK's
// paginators, across an item removed between pages, and refuses bad paging
// parameters as IAM does.
func TestPaging(t *testing.T) {
	defer failOnMust(t)
	e := setup(t)
	ctx := context.Background()
	names := []string{"u1", "u2", "u3", "u4", "u5"}
	for _, n := range names {
		must(e.client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(n)}))
	}
	var got []string
	pages := 0
	p := iam.NewListUsersPaginator(e.client, &iam.ListUsersInput{MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page := must(p.NextPage(ctx))
		pages++
		if len(page.Users) > 2 || page.IsTruncated != (aws.ToString(page.Marker) != "") {
			t.Fatalf("page %d: %d users, IsTruncated %v, Marker %q", pages, len(page.Users), page.IsTruncated, aws.ToString(page.Marker))
		}
		for _, u := range page.Users {
			got = append(got, *u.UserName)
		}
	}
	if strings.Join(got, ",") != strings.Join(names, ",") || pages != 3 {
		t.Fatalf("paged users %v in %d pages", got, pages)
	}
	// The user a marker names is deleted before the next page is asked for.
	first := must(e.client.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(2)}))
	must(e.client.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("u2")}))
	rest := must(e.client.ListUsers(ctx, &iam.ListUsersInput{Marker: first.Marker}))
	if len(rest.Users) != 3 || *rest.Users[0].UserName != "u3" || rest.IsTruncated || rest.Marker != nil {
		t.Fatalf("after the marker's user went: %+v", rest)
	}
	// Tags and attached policies page the same way.
	must(e.client.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("u1"), Tags: []iamtypes.Tag{
		{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}, {Key: aws.String("c"), Value: aws.String("3")}}}))
	var keys []string
	tp := iam.NewListUserTagsPaginator(e.client, &iam.ListUserTagsInput{UserName: aws.String("u1"), MaxItems: aws.Int32(1)})
	for tp.HasMorePages() {
		for _, tag := range must(tp.NextPage(ctx)).Tags {
			keys = append(keys, *tag.Key)
		}
	}
	if strings.Join(keys, ",") != "a,b,c" {
		t.Fatalf("paged tags %v", keys)
	}
	_, err := e.client.ListUsers(ctx, &iam.ListUsersInput{Marker: aws.String("not-a-marker")})
	wantCode(t, err, "ValidationError", "Invalid Marker.")
	_, err = e.client.ListRoles(ctx, &iam.ListRolesInput{MaxItems: aws.Int32(1001)})
	wantCode(t, err, "ValidationError", "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000")
}

// TestPolicyVersions creates, lists, switches and deletes versions of a
// customer managed policy through the SDK, checks that evaluation follows
// the default version, and that IAM's version rules hold: at most five,
// numbers never reused, the default never deleted, a policy with other
// versions not deleted.
func TestPolicyVersions(t *testing.T) {
	defer failOnMust(t)
	ctx := context.Background()
	e := setup(t)
	c := e.client
	must(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}))
	arn := aws.ToString(must(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Evolving"), PolicyDocument: aws.String(readStatements)})).Policy.Arn)
	must(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: aws.String(arn)}))
	allowed := func(action string) bool {
		t.Helper()
		pols, err := e.svc.UserPolicies(ctx, "bob")
		if err != nil {
			t.Fatal(err)
		}
		return policy.Decide(&policy.Request{Action: action, Resource: "*", Principal: "arn:aws:iam::" + account + ":user/bob", PrincipalAccount: account}, pols...) == policy.Allow
	}
	const cancelOnly = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift-data:CancelStatement","Resource":"*"}]}`

	v2 := must(c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(cancelOnly)})).PolicyVersion
	if aws.ToString(v2.VersionId) != "v2" || v2.IsDefaultVersion || v2.Document != nil {
		t.Fatalf("CreatePolicyVersion = %+v", v2)
	}
	if !allowed("redshift-data:ListStatements") || allowed("redshift-data:CancelStatement") {
		t.Fatal("a version that is not the default changed what the policy allows")
	}
	versions := func() string {
		t.Helper()
		var got []string
		for _, v := range must(c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})).Versions {
			got = append(got, fmt.Sprintf("%s:%v", aws.ToString(v.VersionId), v.IsDefaultVersion))
		}
		return strings.Join(got, ",")
	}
	if got := versions(); got != "v2:false,v1:true" {
		t.Fatalf("ListPolicyVersions = %s", got)
	}
	must(c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")}))
	if p := must(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})).Policy; aws.ToString(p.DefaultVersionId) != "v2" {
		t.Fatalf("DefaultVersionId after SetDefaultPolicyVersion: %s", aws.ToString(p.DefaultVersionId))
	}
	if allowed("redshift-data:ListStatements") || !allowed("redshift-data:CancelStatement") {
		t.Fatal("evaluation does not follow the new default version")
	}
	pv := must(c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")})).PolicyVersion
	if doc, _ := url.QueryUnescape(aws.ToString(pv.Document)); doc != cancelOnly || !pv.IsDefaultVersion {
		t.Fatalf("GetPolicyVersion v2 = %+v", pv)
	}
	_, err := c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v9")})
	wantCode(t, err, "NoSuchEntity", "Policy "+arn+" version v9 does not exist or is not attachable.")

	for range 3 {
		must(c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(readStatements)}))
	}
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(readStatements)})
	wantCode(t, err, "LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
	_, err = c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")})
	wantCode(t, err, "DeleteConflict", "Cannot delete the default version of a policy.")
	must(c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v5")}))
	v6 := must(c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(readStatements), SetAsDefault: true})).PolicyVersion
	if aws.ToString(v6.VersionId) != "v6" || !v6.IsDefaultVersion || !allowed("redshift-data:ListStatements") {
		t.Fatalf("version after a deleted one: %+v", v6)
	}
	if got := versions(); got != "v6:true,v4:false,v3:false,v2:false,v1:false" {
		t.Fatalf("ListPolicyVersions = %s", got)
	}
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(policy.AmazonRedshiftDataFullAccessARN), PolicyDocument: aws.String(readStatements)})
	wantCode(t, err, "ValidationError", "")

	must(c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: aws.String(arn)}))
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	wantCode(t, err, "DeleteConflict", "This policy has more than one version. Before you delete a policy, you must delete the policy's non-default versions.")
	for _, v := range []string{"v1", "v2", "v3", "v4"} {
		must(c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(v)}))
	}
	must(c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)}))
	_, err = c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	wantCode(t, err, "NoSuchEntity", "")
}
