package redshiftserverless_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	rss "github.com/aws/aws-sdk-go-v2/service/redshiftserverless"
	rsstypes "github.com/aws/aws-sdk-go-v2/service/redshiftserverless/types"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rsdata/rsdata/internal/api/redshiftserverless"
	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awsjson"
	"github.com/rsdata/rsdata/internal/dbcreds"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/pgexec"
	"github.com/rsdata/rsdata/internal/sdkhttp"
	"github.com/rsdata/rsdata/internal/store"
	"github.com/rsdata/rsdata/internal/testutil/authtest"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const account = "123456789012"

type env struct {
	srv    *pgtest.Server
	db, wg string
	client *rss.Client
	authz  *authtest.Recorder
	logs   *bytes.Buffer
}

func setup(t *testing.T, principal *auth.Principal, opts dbcreds.Options) *env {
	t.Helper()
	ctx := context.Background()
	srv := pgtest.Start(t)
	db, ctlDB := srv.NewDatabase(t), srv.NewDatabase(t)
	s, err := store.Open(ctx, srv.ConnString("postgres", ctlDB), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ctl, err := pgx.Connect(ctx, srv.ConnString("postgres", ctlDB))
	if err != nil {
		t.Fatal(err)
	}
	defer ctl.Close(ctx)
	reg := engines.NewRegistry()
	wg := "wg-" + strings.ReplaceAll(db, "_", "-")
	if err := reg.Add(&engines.Endpoint{Kind: engines.Workgroup, Name: wg, Host: "127.0.0.1", Port: srv.Port(),
		SocketDir: srv.SocketDir(), AdminUser: "postgres", MasterUser: "admin", Database: db, Embedded: true}); err != nil {
		t.Fatal(err)
	}
	issuer := dbcreds.New(opts, s.Leases(), pgexec.NewRoles(reg))
	az := &authtest.Recorder{}
	logs := &bytes.Buffer{}
	router := awsjson.NewRouter(slog.New(slog.NewTextHandler(logs, nil)))
	redshiftserverless.New(redshiftserverless.Options{AccountID: account, Region: "us-east-1"}, reg, issuer, az).Register(router)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		router.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), principal)))
	}))
	t.Cleanup(hs.Close)
	client := rss.New(rss.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(hs.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:  &http.Client{Transport: sdkhttp.BufferedBodies{Next: http.DefaultTransport}},
	})
	return &env{srv: srv, db: db, wg: wg, client: client, authz: az, logs: logs}
}

func (e *env) login(user, password string) error {
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=127.0.0.1 port=%d sslmode=disable", e.srv.Port()))
	if err != nil {
		return err
	}
	cfg.User, cfg.Password, cfg.Database = user, password, e.db
	ctx := context.Background()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	var who string
	err = conn.QueryRow(ctx, "SELECT current_user").Scan(&who)
	conn.Close(ctx)
	if err == nil && who != user {
		err = fmt.Errorf("current_user = %q", who)
	}
	return err
}

func wantAPIError(t *testing.T, err error, code string, status int) smithy.APIError {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("err = %v, want HTTP %d", err, status)
	}
	return api
}

func TestGetCredentials(t *testing.T) {
	ctx := context.Background()
	role := "etl-" + fmt.Sprint(time.Now().UnixNano())
	p := &auth.Principal{AccountID: account, ARN: "arn:aws:sts::" + account + ":assumed-role/" + role + "/s1", UserID: "AROAEXAMPLE:s1"}
	e := setup(t, p, dbcreds.Options{MinDuration: time.Second, Buffer: -1})

	before := time.Now().Truncate(time.Second)
	out, err := e.client.GetCredentials(ctx, &rss.GetCredentialsInput{WorkgroupName: aws.String(e.wg), DbName: aws.String(e.db), DurationSeconds: aws.Int32(1000)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.DbUser) != "IAMR:"+role || aws.ToString(out.DbPassword) == "" || out.NextRefreshTime == nil {
		t.Fatalf("out = %+v", out)
	}
	if exp := aws.ToTime(out.Expiration); exp.Before(before.Add(1000*time.Second)) || exp.After(time.Now().Add(1000*time.Second)) {
		t.Fatalf("expiration = %v", exp)
	}
	req := e.authz.Requests()[0]
	if req.Action != "redshift-serverless:GetCredentials" || !strings.HasPrefix(req.Resource, "arn:aws:redshift-serverless:us-east-1:"+account+":workgroup/") || req.Context == nil {
		t.Fatalf("authorization = %+v", req)
	}
	if err := e.login(aws.ToString(out.DbUser), aws.ToString(out.DbPassword)); err != nil {
		t.Fatal(err)
	}
	if err := e.login(aws.ToString(out.DbUser), "nope"); err == nil {
		t.Fatal("wrong password logged in")
	}

	// A short one ends by itself.
	short, err := e.client.GetCredentials(ctx, &rss.GetCredentialsInput{WorkgroupName: aws.String(e.wg), DurationSeconds: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := e.login(aws.ToString(short.DbUser), aws.ToString(short.DbPassword))
		if err != nil {
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
				t.Fatalf("login error = %v", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("credential works 10 s after its 2 s lifetime")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if strings.Contains(e.logs.String(), aws.ToString(out.DbPassword)) {
		t.Fatal("password logged")
	}
}

func TestGetCredentialsErrors(t *testing.T) {
	ctx := context.Background()
	p := &auth.Principal{AccountID: account, ARN: "arn:aws:iam::" + account + ":user/u1", UserName: "u1"}
	e := setup(t, p, dbcreds.Options{})
	_, err := e.client.GetCredentials(ctx, &rss.GetCredentialsInput{WorkgroupName: aws.String("no-such-wg")})
	wantAPIError(t, err, "ResourceNotFoundException", 400)
	var nf *rsstypes.ResourceNotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.ResourceName) != "no-such-wg" {
		t.Fatalf("err = %#v, want resourceName no-such-wg", err)
	}
	_, err = e.client.GetCredentials(ctx, &rss.GetCredentialsInput{WorkgroupName: aws.String(e.wg), DurationSeconds: aws.Int32(600)})
	wantAPIError(t, err, "ValidationException", 400)
	_, err = e.client.GetCredentials(ctx, &rss.GetCredentialsInput{WorkgroupName: aws.String("Bad_Name")})
	wantAPIError(t, err, "ValidationException", 400)
	e.authz.SetDeny(true)
	_, err = e.client.GetCredentials(ctx, &rss.GetCredentialsInput{WorkgroupName: aws.String(e.wg)})
	wantAPIError(t, err, "AccessDeniedException", 400)
}

func TestGetAndListWorkgroups(t *testing.T) {
	ctx := context.Background()
	e := setup(t, &auth.Principal{AccountID: account, ARN: "arn:aws:iam::" + account + ":root", Root: true}, dbcreds.Options{})
	out, err := e.client.GetWorkgroup(ctx, &rss.GetWorkgroupInput{WorkgroupName: aws.String(e.wg)})
	if err != nil {
		t.Fatal(err)
	}
	w := out.Workgroup
	if aws.ToString(w.WorkgroupName) != e.wg || w.Status != rsstypes.WorkgroupStatusAvailable || w.Endpoint == nil ||
		aws.ToString(w.Endpoint.Address) != "127.0.0.1" || aws.ToInt32(w.Endpoint.Port) != int32(e.srv.Port()) ||
		len(aws.ToString(w.WorkgroupId)) != 36 || aws.ToString(w.WorkgroupArn) != "arn:aws:redshift-serverless:us-east-1:"+account+":workgroup/"+aws.ToString(w.WorkgroupId) {
		t.Fatalf("workgroup = %+v", w)
	}
	again, err := e.client.GetWorkgroup(ctx, &rss.GetWorkgroupInput{WorkgroupName: aws.String(e.wg)})
	if err != nil || aws.ToString(again.Workgroup.WorkgroupId) != aws.ToString(w.WorkgroupId) {
		t.Fatalf("workgroupId not stable: %v, %v", again, err)
	}
	list, err := e.client.ListWorkgroups(ctx, &rss.ListWorkgroupsInput{})
	if err != nil || len(list.Workgroups) != 1 || aws.ToString(list.Workgroups[0].WorkgroupArn) != aws.ToString(w.WorkgroupArn) {
		t.Fatalf("ListWorkgroups = %+v, %v", list, err)
	}
	_, err = e.client.GetWorkgroup(ctx, &rss.GetWorkgroupInput{WorkgroupName: aws.String("missing-wg")})
	wantAPIError(t, err, "ResourceNotFoundException", 400)
}
