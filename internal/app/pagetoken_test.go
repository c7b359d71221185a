package app_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// forgeries are what an attacker makes of a genuine token: the plain
// base64 payloads rsdata used to issue (read from the token format it
// used), the token truncated, with one bit flipped, with a character
// appended, and the token of another listing.
func forgeries(genuine, other string, plain ...string) map[string]string {
	f := map[string]string{
		"truncated":      genuine[:len(genuine)-1],
		"appended":       genuine + "A",
		"other listing":  other,
		"last char bits": genuine[:len(genuine)-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[(indexB64(genuine[len(genuine)-1])+1)%64]),
	}
	if raw, err := base64.RawURLEncoding.DecodeString(genuine); err == nil {
		for _, i := range []int{0, len(raw) / 2, len(raw) - 1} {
			b := append([]byte(nil), raw...)
			b[i] ^= 0x01
			f[fmt.Sprintf("bit flipped at byte %d", i)] = base64.RawURLEncoding.EncodeToString(b)
		}
	}
	for i, p := range plain {
		f[fmt.Sprintf("plain %d %q", i, p)] = base64.RawURLEncoding.EncodeToString([]byte(p))
	}
	return f
}

func indexB64(c byte) int {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(alphabet) {
		if alphabet[i] == c {
			return i
		}
	}
	return 0
}

func wantAPIError(t *testing.T, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || ae.ErrorMessage() != message {
		t.Fatalf("got %v; want %s %q", err, code, message)
	}
}

// TestForgedPageTokensAreRefused: every NextToken and Marker rsdata issues
// was plain base64 ("o1:<offset>", "l1:<time>:<id>", "p1:<id>:<n>",
// "o:<offset>", "m1:<key>") and a forged one was served. Each lister now
// accepts only the tokens it issued, unaltered, and refuses the rest with
// its service's bad-token error; GetStatementResult's tokens survive a
// restart, as the results do.
func TestForgedPageTokensAreRefused(t *testing.T) {
	dataDir := t.TempDir()
	limits := results.Limits{PageBytes: 16 << 10, MaxRowBytes: 64 << 10, MaxResultBytes: 500 << 20}
	env := apptest.Start(t, apptest.Options{DataDir: dataDir, Limits: limits})
	cfg := env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey)
	const invalidToken = "Invalid NextToken. Pass the NextToken from the previous response unchanged."

	big := env.Run(t, "select repeat('x', 1000) from generate_series(1, 100)")
	env.Run(t, "select 1")
	res, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: big.Id})
	if err != nil || res.NextToken == nil {
		t.Fatalf("first page: %v, NextToken %v", err, res.NextToken)
	}
	pageToken := *res.NextToken
	list, err := env.Client.ListStatements(ctx, &redshiftdata.ListStatementsInput{MaxResults: 1})
	if err != nil || list.NextToken == nil {
		t.Fatalf("ListStatements: %v", err)
	}
	listToken := *list.NextToken
	catalog := func(token *string) (*redshiftdata.ListSchemasOutput, error) {
		return env.Client.ListSchemas(ctx, &redshiftdata.ListSchemasInput{ClusterIdentifier: aws.String("local"),
			Database: aws.String(env.Database), DbUser: aws.String("awsuser"), MaxResults: 1, NextToken: token})
	}
	schemas, err := catalog(nil)
	if err != nil || schemas.NextToken == nil {
		t.Fatalf("ListSchemas: %v", err)
	}
	schemaToken := *schemas.NextToken

	t.Run("GetStatementResult", func(t *testing.T) {
		for name, tok := range forgeries(pageToken, listToken, "p1:"+*big.Id+":1", "p1:"+*big.Id+":2") {
			_, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: big.Id, NextToken: aws.String(tok)})
			t.Run(name, func(t *testing.T) { wantAPIError(t, err, "ValidationException", invalidToken) })
		}
	})
	t.Run("ListStatements", func(t *testing.T) {
		for name, tok := range forgeries(listToken, pageToken, "l1:0:x", "l1:9999999999999999:"+*big.Id) {
			_, err := env.Client.ListStatements(ctx, &redshiftdata.ListStatementsInput{NextToken: aws.String(tok)})
			t.Run(name, func(t *testing.T) { wantAPIError(t, err, "ValidationException", invalidToken) })
		}
		if _, err := env.Client.ListStatements(ctx, &redshiftdata.ListStatementsInput{NextToken: aws.String(listToken)}); err != nil {
			t.Fatalf("genuine token: %v", err)
		}
		// ListSessions (which no SDK of this version sends) pages the same
		// way, with tokens of its own.
		r := rootCall(t, env, "RedshiftData.ListSessions", `{"NextToken":"`+listToken+`"}`)
		expectError(t, r, 400, "ValidationException", invalidToken)
	})
	t.Run("ListSchemas", func(t *testing.T) {
		for name, tok := range forgeries(schemaToken, listToken, "o1:1", "o1:0") {
			_, err := catalog(aws.String(tok))
			t.Run(name, func(t *testing.T) { wantAPIError(t, err, "ValidationException", invalidToken) })
		}
		if _, err := catalog(aws.String(schemaToken)); err != nil {
			t.Fatalf("genuine token: %v", err)
		}
		// A ListSchemas token is not a ListTables one.
		_, err := env.Client.ListTables(ctx, &redshiftdata.ListTablesInput{ClusterIdentifier: aws.String("local"),
			Database: aws.String(env.Database), DbUser: aws.String("awsuser"), NextToken: aws.String(schemaToken)})
		wantAPIError(t, err, "ValidationException", invalidToken)
	})
	t.Run("ListSecrets", func(t *testing.T) {
		sm := secretsmanager.NewFromConfig(cfg)
		for _, name := range []string{"a", "b"} {
			if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("x")}); err != nil {
				t.Fatal(err)
			}
		}
		page, err := sm.ListSecrets(ctx, &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(1)})
		if err != nil || page.NextToken == nil {
			t.Fatalf("ListSecrets: %v", err)
		}
		for name, tok := range forgeries(*page.NextToken, listToken, "o:1", "o:0") {
			_, err := sm.ListSecrets(ctx, &secretsmanager.ListSecretsInput{NextToken: aws.String(tok)})
			t.Run(name, func(t *testing.T) {
				wantAPIError(t, err, "InvalidNextTokenException", "The NextToken value is invalid.")
			})
		}
		if _, err := sm.ListSecrets(ctx, &secretsmanager.ListSecretsInput{NextToken: page.NextToken}); err != nil {
			t.Fatalf("genuine token: %v", err)
		}
	})
	t.Run("IAM Marker", func(t *testing.T) {
		ic := iam.NewFromConfig(cfg)
		for _, name := range []string{"u1", "u2"} {
			if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
				t.Fatal(err)
			}
		}
		page, err := ic.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(1)})
		if err != nil || page.Marker == nil {
			t.Fatalf("ListUsers: %v", err)
		}
		for name, tok := range forgeries(*page.Marker, listToken, "m1:u1", "m1:") {
			_, err := ic.ListUsers(ctx, &iam.ListUsersInput{Marker: aws.String(tok)})
			t.Run(name, func(t *testing.T) { wantAPIError(t, err, "ValidationError", "Invalid Marker.") })
		}
		if _, err := ic.ListUsers(ctx, &iam.ListUsersInput{Marker: page.Marker}); err != nil {
			t.Fatalf("genuine marker: %v", err)
		}
	})

	// The genuine result-page token still reads its page after a restart.
	env.Stop()
	again := apptest.Start(t, apptest.Options{DataDir: dataDir, Limits: limits, StoreDB: env.StoreDB, Database: env.Database})
	page2, err := again.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: big.Id, NextToken: aws.String(pageToken)})
	if err != nil || len(page2.Records) == 0 {
		t.Fatalf("page 2 after a restart: %v", err)
	}
}
