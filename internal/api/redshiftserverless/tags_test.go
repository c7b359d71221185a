package redshiftserverless_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	rss "github.com/aws/aws-sdk-go-v2/service/redshiftserverless"
	rsstypes "github.com/aws/aws-sdk-go-v2/service/redshiftserverless/types"
	"github.com/aws/smithy-go"

	"github.com/rsdata/rsdata/internal/api/redshiftserverless"
	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awsjson"
	"github.com/rsdata/rsdata/internal/dbcreds"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/pgexec"
	"github.com/rsdata/rsdata/internal/policy"
	"github.com/rsdata/rsdata/internal/sdkhttp"
	"github.com/rsdata/rsdata/internal/store"
	"github.com/rsdata/rsdata/internal/tags"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// managedOnly gives every IAM user the managed policy
// AmazonRedshiftDataFullAccess and nothing else.
type managedOnly struct{}

func (managedOnly) PoliciesFor(context.Context, *auth.Principal) ([]*policy.Policy, error) {
	return []*policy.Policy{policy.AmazonRedshiftDataFullAccess()}, nil
}

// setupTagged serves the API with a tag store and real policy evaluation;
// requests signed with the key "ROOT" come from the account's root user,
// all others from the IAM user alice. It returns root's and alice's clients.
func setupTagged(t *testing.T) (wg string, root, alice *rss.Client) {
	t.Helper()
	return setupTaggedWith(t, managedOnly{})
}

// parsedPolicies gives every IAM user the identity policies in docs.
type parsedPolicies []string

func (docs parsedPolicies) PoliciesFor(context.Context, *auth.Principal) ([]*policy.Policy, error) {
	var out []*policy.Policy
	for _, d := range docs {
		p, err := policy.Parse(d, policy.Identity)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// setupTaggedWith is setupTagged with alice's policies from src.
func setupTaggedWith(t *testing.T, src auth.PolicySource) (wg string, root, alice *rss.Client) {
	t.Helper()
	ctx := context.Background()
	srv := pgtest.Start(t)
	db, ctlDB := srv.NewDatabase(t), srv.NewDatabase(t)
	s, err := store.Open(ctx, srv.ConnString("postgres", ctlDB), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	reg := engines.NewRegistry()
	wg = "wg-" + strings.ReplaceAll(db, "_", "-")
	if err := reg.Add(&engines.Endpoint{Kind: engines.Workgroup, Name: wg, Host: "127.0.0.1", Port: srv.Port(),
		SocketDir: srv.SocketDir(), AdminUser: "postgres", MasterUser: "admin", Database: db, Embedded: true}); err != nil {
		t.Fatal(err)
	}
	issuer := dbcreds.New(dbcreds.Options{}, s.Leases(), pgexec.NewRoles(reg))
	router := awsjson.NewRouter(slog.New(slog.DiscardHandler))
	redshiftserverless.New(redshiftserverless.Options{AccountID: account, Region: "us-east-1", Tags: tags.New(s.Tags(), "us-east-1", account)}, reg, issuer,
		auth.Policies{Source: src}).Register(router)
	rootP := &auth.Principal{AccountID: account, ARN: "arn:aws:iam::" + account + ":root", UserID: account, Root: true}
	aliceP := &auth.Principal{AccountID: account, ARN: "arn:aws:iam::" + account + ":user/alice", UserName: "alice", UserID: "AIDAALICE"}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := aliceP
		if strings.Contains(r.Header.Get("Authorization"), "Credential=ROOT/") {
			p = rootP
		}
		router.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	}))
	t.Cleanup(hs.Close)
	client := func(key string) *rss.Client {
		return rss.New(rss.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(hs.URL),
			Credentials: credentials.NewStaticCredentialsProvider(key, "secret", ""),
			HTTPClient:  &http.Client{Transport: sdkhttp.BufferedBodies{Next: http.DefaultTransport}},
		})
	}
	return wg, client("ROOT"), client("ALICE")
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestTagsGateManagedPolicyCredentials(t *testing.T) {
	ctx := context.Background()
	wg, root, alice := setupTagged(t)
	got, err := root.GetWorkgroup(ctx, &rss.GetWorkgroupInput{WorkgroupName: aws.String(wg)})
	if err != nil {
		t.Fatal(err)
	}
	arn := got.Workgroup.WorkgroupArn

	getCreds := func() error {
		_, err := alice.GetCredentials(ctx, &rss.GetCredentialsInput{WorkgroupName: aws.String(wg)})
		return err
	}
	if err := getCreds(); apiCode(err) != "AccessDeniedException" {
		t.Fatalf("GetCredentials on an untagged workgroup: %v", err)
	}
	// The managed policy does not allow tagging.
	if _, err := alice.TagResource(ctx, &rss.TagResourceInput{ResourceArn: arn,
		Tags: []rsstypes.Tag{{Key: aws.String("RedshiftDataFullAccess"), Value: aws.String("x")}}}); apiCode(err) != "AccessDeniedException" {
		t.Fatalf("TagResource by alice: %v", err)
	}

	if _, err := root.TagResource(ctx, &rss.TagResourceInput{ResourceArn: arn, Tags: []rsstypes.Tag{
		{Key: aws.String("team"), Value: aws.String("data")},
		{Key: aws.String("RedshiftDataFullAccess"), Value: aws.String("")},
	}}); err != nil {
		t.Fatal(err)
	}
	list, err := root.ListTagsForResource(ctx, &rss.ListTagsForResourceInput{ResourceArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Tags) != 2 || aws.ToString(list.Tags[0].Key) != "RedshiftDataFullAccess" || aws.ToString(list.Tags[0].Value) != "" ||
		aws.ToString(list.Tags[1].Key) != "team" || aws.ToString(list.Tags[1].Value) != "data" {
		t.Fatalf("tags = %+v", list.Tags)
	}
	// StringLike "*" matches the empty value too.
	out, err := alice.GetCredentials(ctx, &rss.GetCredentialsInput{WorkgroupName: aws.String(wg)})
	if err != nil || aws.ToString(out.DbUser) != "IAM:alice" {
		t.Fatalf("GetCredentials on a tagged workgroup: %+v %v", out, err)
	}

	if _, err := root.UntagResource(ctx, &rss.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"RedshiftDataFullAccess", "absent"}}); err != nil {
		t.Fatal(err)
	}
	list, err = root.ListTagsForResource(ctx, &rss.ListTagsForResourceInput{ResourceArn: arn})
	if err != nil || len(list.Tags) != 1 || aws.ToString(list.Tags[0].Key) != "team" {
		t.Fatalf("tags after untag = %+v %v", list, err)
	}
	if err := getCreds(); apiCode(err) != "AccessDeniedException" {
		t.Fatalf("GetCredentials after untagging: %v", err)
	}
}

func TestTagsUnknownWorkgroup(t *testing.T) {
	ctx := context.Background()
	_, root, _ := setupTagged(t)
	missing := aws.String("arn:aws:redshift-serverless:us-east-1:" + account + ":workgroup/00000000-0000-4000-8000-000000000000")
	_, err := root.TagResource(ctx, &rss.TagResourceInput{ResourceArn: missing,
		Tags: []rsstypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	var nf *rsstypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("TagResource on an unknown workgroup: %v", err)
	}
	if _, err := root.ListTagsForResource(ctx, &rss.ListTagsForResourceInput{ResourceArn: missing}); !errors.As(err, &nf) {
		t.Fatalf("ListTagsForResource on an unknown workgroup: %v", err)
	}
	if _, err := root.UntagResource(ctx, &rss.UntagResourceInput{ResourceArn: missing, TagKeys: []string{"k"}}); !errors.As(err, &nf) {
		t.Fatalf("UntagResource on an unknown workgroup: %v", err)
	}
}

// TestTagRequestConditions: a policy may allow tagging only with certain
// tags (aws:RequestTag/<key>) and untagging only certain keys (aws:TagKeys).
func TestTagRequestConditions(t *testing.T) {
	ctx := context.Background()
	wg, root, alice := setupTaggedWith(t, parsedPolicies{`{"Version": "2012-10-17", "Statement": [
		{"Effect": "Allow", "Action": "redshift-serverless:TagResource", "Resource": "*",
		 "Condition": {"StringEquals": {"aws:RequestTag/team": "bi"}, "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}},
		{"Effect": "Allow", "Action": "redshift-serverless:UntagResource", "Resource": "*",
		 "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}}]}`})
	out, err := root.GetWorkgroup(ctx, &rss.GetWorkgroupInput{WorkgroupName: aws.String(wg)})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.Workgroup.WorkgroupArn
	tag := func(c *rss.Client, tags ...rsstypes.Tag) error {
		_, err := c.TagResource(ctx, &rss.TagResourceInput{ResourceArn: arn, Tags: tags})
		return err
	}
	untag := func(c *rss.Client, keys ...string) error {
		_, err := c.UntagResource(ctx, &rss.UntagResourceInput{ResourceArn: arn, TagKeys: keys})
		return err
	}
	kv := func(k, v string) rsstypes.Tag { return rsstypes.Tag{Key: aws.String(k), Value: aws.String(v)} }
	if err := tag(alice, kv("team", "bi")); err != nil {
		t.Fatalf("TagResource team=bi, which the policy allows: %v", err)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"TagResource team=ops", tag(alice, kv("team", "ops"))},
		{"TagResource team=bi, env=prod", tag(alice, kv("team", "bi"), kv("env", "prod"))},
		{"UntagResource env", untag(alice, "env")},
		{"UntagResource team, env", untag(alice, "team", "env")},
	} {
		if apiCode(tc.err) != "AccessDeniedException" {
			t.Errorf("%s, which the policy does not allow: %v; want AccessDeniedException", tc.name, tc.err)
		}
	}
	if err := untag(alice, "team"); err != nil {
		t.Fatalf("UntagResource team, which the policy allows: %v", err)
	}
	listed, err := root.ListTagsForResource(ctx, &rss.ListTagsForResourceInput{ResourceArn: arn})
	if err != nil || len(listed.Tags) != 0 {
		t.Fatalf("tags left: %+v %v; want none", listed, err)
	}
}
