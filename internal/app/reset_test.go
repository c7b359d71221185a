package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/config"
	"github.com/rsdata/rsdata/internal/datastore"
	"github.com/rsdata/rsdata/internal/scram"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// resetCall sends method /_rsdata/reset signed by key for service, or
// unsigned when key is empty, and returns the status and body.
func resetCall(t *testing.T, env *apptest.Env, method, key, secret, service string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, env.Server.URL+"/_rsdata/reset", nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		sum := sha256.Sum256(nil)
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
			req, hex.EncodeToString(sum[:]), service, apptest.Region, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestResetEndpoint: POST /_rsdata/reset is 404 without --allow-reset;
// with it, only this account's root, signing for "rsdata", may reset
// (not an IAM user, not a peer account's root, not another service's
// signature, nobody unsigned), and a reset removes statements and the IAM
// users of every account while root keeps working.
func TestResetEndpoint(t *testing.T) {
	off := apptest.Start(t, apptest.Options{})
	if status, body := resetCall(t, off, http.MethodPost, apptest.AccessKeyID, apptest.SecretAccessKey, "rsdata"); status != http.StatusNotFound {
		t.Errorf("reset without --allow-reset: %d %s, want 404", status, body)
	}
	off.Stop()

	env := apptest.Start(t, apptest.Options{Configure: func(c *config.Config) {
		c.AllowReset = true
		c.PeerAccounts = []string{peerAccount}
	}})
	homeIAM := iam.NewFromConfig(env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey))
	peerKey, peerSecret, _ := env.App.PeerRootCredentials(peerAccount)
	peerIAM := iam.NewFromConfig(env.AWSConfig(peerKey, peerSecret))
	for _, c := range []*iam.Client{homeIAM, peerIAM} {
		if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
			t.Fatal(err)
		}
	}
	key, err := homeIAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	id := *env.Run(t, "select 1").Id

	for _, c := range []struct {
		what, method, key, secret, service string
	}{
		{"unsigned", http.MethodPost, "", "", ""},
		{"an IAM user", http.MethodPost, *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "rsdata"},
		{"the peer account's root", http.MethodPost, peerKey, peerSecret, "rsdata"},
		{"root signing for redshift-data", http.MethodPost, apptest.AccessKeyID, apptest.SecretAccessKey, "redshift-data"},
		{"root with GET", http.MethodGet, apptest.AccessKeyID, apptest.SecretAccessKey, "rsdata"},
	} {
		if status, body := resetCall(t, env, c.method, c.key, c.secret, c.service); status < 400 || status >= 500 {
			t.Errorf("reset by %s: %d %s, want a refusal", c.what, status, body)
		}
	}
	if _, err := homeIAM.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatalf("a refused reset removed bob: %v", err)
	}

	if status, body := resetCall(t, env, http.MethodPost, apptest.AccessKeyID, apptest.SecretAccessKey, "rsdata"); status != http.StatusOK {
		t.Fatalf("reset by root: %d %s", status, body)
	}
	for what, c := range map[string]*iam.Client{"home": homeIAM, "peer": peerIAM} {
		if users, err := c.ListUsers(ctx, &iam.ListUsersInput{}); err != nil || len(users.Users) != 0 {
			t.Errorf("the %s account lists %v (%v) after the reset; want no user", what, users, err)
		}
	}
	var notFound *types.ResourceNotFoundException
	if _, err := env.Client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: aws.String(id)}); !errors.As(err, &notFound) {
		t.Errorf("DescribeStatement of a statement made before the reset: %v, want ResourceNotFoundException", err)
	}
	if d := env.Run(t, "select 1"); d.Status != types.StatusStringFinished {
		t.Errorf("root after the reset: %s", d.Status)
	}
}

// TestResetAcrossReplicas: a reset sent to one replica ends the statement
// and the session the other one runs (their backend is gone), and removes
// the datastores, their Data API targets and every token but the first
// Admin token on both.
func TestResetAcrossReplicas(t *testing.T) {
	conf := func(c *config.Config) {
		c.AllowReset = true
		c.SealKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	}
	a := apptest.Start(t, apptest.Options{Configure: conf})
	b := apptest.Start(t, apptest.Options{StoreDB: a.StoreDB, Database: a.Database, Configure: conf})
	verifier, err := scram.Verifier("ds-password")
	if err != nil {
		t.Fatal(err)
	}
	a.PG.Exec(t, a.Database, `CREATE ROLE resetds LOGIN PASSWORD '`+verifier+`'`)
	port := a.PG.Port()
	created, err := a.App.Datastores().Create(ctx, &datastore.CreateInput{Name: "reset", Database: a.Database, Schema: "public",
		Connection: &datastore.ConnectionInput{Type: "redshift", Host: "127.0.0.1", Port: &port, Username: "resetds", Password: "ds-password"}})
	if err != nil {
		t.Fatal(err)
	}
	cluster := datastore.ClusterIdentifier(created.Datastore.ID)
	_, member, err := b.App.Datastores().CreateToken(ctx, "member", datastore.Member)
	if err != nil {
		t.Fatal(err)
	}
	// The datastore is a target on b once b has heard of it.
	onDatastore := func() error {
		_, err := b.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String(cluster),
			Database: aws.String(a.Database), Sql: aws.String("select 1")})
		return err
	}
	waitFor(t, "b to register the datastore", func() bool { return onDatastore() == nil })

	long, err := b.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"),
		Database: aws.String(a.Database), DbUser: aws.String("awsuser"), Sql: aws.String("select pg_sleep(600) -- reset across replicas")})
	if err != nil {
		t.Fatal(err)
	}
	watch, err := pgx.Connect(ctx, a.PG.ConnString("postgres", "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close(ctx)
	sleeping := func() int {
		var n int
		if err := watch.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%-- reset across replicas%'
			AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor(t, "b's statement to start", func() bool { return sleeping() == 1 })
	opened, err := b.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"),
		Database: aws.String(a.Database), DbUser: aws.String("awsuser"), Sql: aws.String("select 1"), SessionKeepAliveSeconds: aws.Int32(600)})
	if err != nil {
		t.Fatal(err)
	}
	b.Wait(t, aws.ToString(opened.Id))

	if status, body := resetCall(t, a, http.MethodPost, apptest.AccessKeyID, apptest.SecretAccessKey, "rsdata"); status != http.StatusOK {
		t.Fatalf("reset through a: %d %s", status, body)
	}
	if n := sleeping(); n != 0 {
		t.Errorf("b's statement still runs on the engine after the reset (%d backends)", n)
	}
	var notFound *types.ResourceNotFoundException
	if _, err := b.Client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: long.Id}); !errors.As(err, &notFound) {
		t.Errorf("DescribeStatement through b of its statement from before the reset: %v, want ResourceNotFoundException", err)
	}
	if _, err := b.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{SessionId: opened.SessionId,
		Sql: aws.String("select 1")}); err == nil {
		t.Errorf("b's session from before the reset still runs statements")
	}
	waitFor(t, "b to drop the reset datastore's target", func() bool {
		err := onDatastore()
		return err != nil && strings.Contains(err.Error(), "Redshift endpoint doesn't exist in this region.")
	})
	for name, env := range map[string]*apptest.Env{"a": a, "b": b} {
		if list, _, err := env.App.Datastores().List(ctx, datastore.ListQuery{}); err != nil || len(list) != 0 {
			t.Errorf("%s lists %d datastores after the reset (%v)", name, len(list), err)
		}
		if _, err := env.App.Datastores().Authenticate(ctx, member); err == nil {
			t.Errorf("%s still accepts a Member token made before the reset", name)
		}
		if _, err := env.App.Datastores().Authenticate(ctx, a.App.AdminToken()); err != nil {
			t.Errorf("%s refuses the first Admin token after the reset: %v", name, err)
		}
	}
	if d := b.Run(t, "select 1"); d.Status != types.StatusStringFinished {
		t.Errorf("b after the reset: %s %s", d.Status, aws.ToString(d.Error))
	}
}

// waitFor polls cond for up to 15 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 15s for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
