package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"

	"github.com/rsdata/rsdata/internal/config"
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
