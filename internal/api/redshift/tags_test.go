package redshift_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	rs "github.com/aws/aws-sdk-go-v2/service/redshift"
	rstypes "github.com/aws/aws-sdk-go-v2/service/redshift/types"

	"github.com/rsdata/rsdata/internal/api/redshift"
	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awsquery"
	"github.com/rsdata/rsdata/internal/dbcreds"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/pgexec"
	"github.com/rsdata/rsdata/internal/sdkhttp"
	"github.com/rsdata/rsdata/internal/store"
	"github.com/rsdata/rsdata/internal/tags"
	"github.com/rsdata/rsdata/internal/testutil/authtest"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// setupTagged serves the API for one cluster with a tag store, as an IAM
// user, recording every authorization request.
func setupTagged(t *testing.T) (cluster string, client *rs.Client, az *authtest.Recorder) {
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
	cluster = "rs-" + strings.ReplaceAll(db, "_", "-")
	if err := reg.Add(&engines.Endpoint{Kind: engines.Cluster, Name: cluster, Host: "127.0.0.1", Port: srv.Port(),
		SocketDir: srv.SocketDir(), AdminUser: "postgres", MasterUser: "awsuser", Database: db, Embedded: true}); err != nil {
		t.Fatal(err)
	}
	az = &authtest.Recorder{}
	router := awsquery.NewRouter(slog.New(slog.DiscardHandler))
	redshift.New(redshift.Options{AccountID: account, Region: "us-east-1", Tags: tags.New(s.Tags(), "us-east-1", account)}, reg,
		dbcreds.New(dbcreds.Options{}, s.Leases(), pgexec.NewRoles(reg)), az).Register(router)
	p := &auth.Principal{AccountID: account, ARN: "arn:aws:iam::" + account + ":user/alice", UserName: "alice", UserID: "AIDAALICE"}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		router.ServeHTTP(w, r.WithContext(awsquery.WithService(auth.WithPrincipal(r.Context(), p), "redshift")))
	}))
	t.Cleanup(hs.Close)
	client = rs.New(rs.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(hs.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:  &http.Client{Transport: sdkhttp.BufferedBodies{Next: http.DefaultTransport}},
	})
	return cluster, client, az
}

func TestClusterTags(t *testing.T) {
	ctx := context.Background()
	cluster, client, az := setupTagged(t)
	arn := "arn:aws:redshift:us-east-1:" + account + ":cluster:" + cluster

	if _, err := client.CreateTags(ctx, &rs.CreateTagsInput{ResourceName: aws.String(arn), Tags: []rstypes.Tag{
		{Key: aws.String("team"), Value: aws.String("data")},
		{Key: aws.String("RedshiftDataFullAccess"), Value: aws.String("yes")},
	}}); err != nil {
		t.Fatal(err)
	}
	if !az.Seen("redshift:CreateTags", arn) {
		t.Fatalf("CreateTags not authorized on %s: %+v", arn, az.Requests())
	}
	// The tags a request sets are aws:RequestTag/<key> and aws:TagKeys.
	wantContext(t, az, "redshift:CreateTags", map[string][]string{
		"aws:RequestTag/team": {"data"}, "aws:RequestTag/RedshiftDataFullAccess": {"yes"},
		"aws:TagKeys": {"RedshiftDataFullAccess", "team"},
	})
	described, err := client.DescribeTags(ctx, &rs.DescribeTagsInput{ResourceName: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range described.TaggedResources {
		got = append(got, aws.ToString(r.ResourceName)+" "+aws.ToString(r.ResourceType)+" "+aws.ToString(r.Tag.Key)+"="+aws.ToString(r.Tag.Value))
	}
	if strings.Join(got, ",") != arn+" cluster RedshiftDataFullAccess=yes,"+arn+" cluster team=data" {
		t.Fatalf("DescribeTags = %q", got)
	}
	filtered, err := client.DescribeTags(ctx, &rs.DescribeTagsInput{TagKeys: []string{"team"}})
	if err != nil || len(filtered.TaggedResources) != 1 || aws.ToString(filtered.TaggedResources[0].Tag.Value) != "data" {
		t.Fatalf("DescribeTags by key: %+v %v", filtered, err)
	}
	clusters, err := client.DescribeClusters(ctx, &rs.DescribeClustersInput{ClusterIdentifier: aws.String(cluster)})
	if err != nil || len(clusters.Clusters) != 1 || len(clusters.Clusters[0].Tags) != 2 || aws.ToString(clusters.Clusters[0].Tags[1].Key) != "team" {
		t.Fatalf("DescribeClusters: %+v %v", clusters, err)
	}

	// The credential calls see the cluster's tags as aws:ResourceTag.
	az.SetDeny(true)
	az.Reset()
	if _, err := client.GetClusterCredentialsWithIAM(ctx, &rs.GetClusterCredentialsWithIAMInput{ClusterIdentifier: aws.String(cluster)}); err == nil {
		t.Fatal("denied GetClusterCredentialsWithIAM succeeded")
	}
	if _, err := client.GetClusterCredentials(ctx, &rs.GetClusterCredentialsInput{ClusterIdentifier: aws.String(cluster), DbUser: aws.String("u")}); err == nil {
		t.Fatal("denied GetClusterCredentials succeeded")
	}
	reqs := az.Requests()
	az.SetDeny(false)
	if len(reqs) != 2 {
		t.Fatalf("authorization requests = %+v", reqs)
	}
	for _, r := range reqs {
		if v := r.Context["aws:ResourceTag/RedshiftDataFullAccess"]; len(v) != 1 || v[0] != "yes" {
			t.Fatalf("%s context = %v", r.Action, r.Context)
		}
	}

	if _, err := client.DeleteTags(ctx, &rs.DeleteTagsInput{ResourceName: aws.String(arn), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	// The keys a request removes are aws:TagKeys; the cluster's tags are
	// still aws:ResourceTag/<key>.
	wantContext(t, az, "redshift:DeleteTags", map[string][]string{
		"aws:ResourceTag/team": {"data"}, "aws:ResourceTag/RedshiftDataFullAccess": {"yes"}, "aws:TagKeys": {"team"},
	})
	described, err = client.DescribeTags(ctx, &rs.DescribeTagsInput{ResourceName: aws.String(arn)})
	if err != nil || len(described.TaggedResources) != 1 || aws.ToString(described.TaggedResources[0].Tag.Key) != "RedshiftDataFullAccess" {
		t.Fatalf("DescribeTags after DeleteTags: %+v %v", described, err)
	}

	missing := aws.String("arn:aws:redshift:us-east-1:" + account + ":cluster:nope")
	var nf *rstypes.ResourceNotFoundFault
	if _, err := client.CreateTags(ctx, &rs.CreateTagsInput{ResourceName: missing,
		Tags: []rstypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); !errors.As(err, &nf) {
		t.Fatalf("CreateTags on an unknown cluster: %v", err)
	}
	if _, err := client.DescribeTags(ctx, &rs.DescribeTagsInput{ResourceName: missing}); !errors.As(err, &nf) {
		t.Fatalf("DescribeTags on an unknown cluster: %v", err)
	}
}

// wantContext checks the condition keys of the last recorded request for
// action.
func wantContext(t *testing.T, az *authtest.Recorder, action string, want map[string][]string) {
	t.Helper()
	var last *auth.Request
	for _, r := range az.Requests() {
		if r.Action == action {
			last = &r
		}
	}
	if last == nil {
		t.Fatalf("%s was not authorized", action)
	}
	if !reflect.DeepEqual(last.Context, want) {
		t.Fatalf("%s condition keys = %v, want %v", action, last.Context, want)
	}
}
