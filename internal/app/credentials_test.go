package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/aws/aws-sdk-go-v2/service/redshiftserverless"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// TestSecretArnLogin runs statements with a Secrets Manager secret's
// credentials: they really log in, a wrong password fails as the database
// says, and the managed policy only reaches tagged secrets.
func TestSecretArnLogin(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.PG.Exec(t, env.Database, `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app') THEN CREATE ROLE app LOGIN; END IF; END $$;
		ALTER ROLE app PASSWORD 'app-secret-pw'`)
	sm := secretsmanager.NewFromConfig(env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey))
	create := func(name, value string, tagged bool) string {
		in := &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)}
		if tagged {
			in.Tags = []smtypes.Tag{{Key: aws.String("RedshiftDataFullAccess"), Value: aws.String("yes")}}
		}
		out, err := sm.CreateSecret(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return *out.ARN
	}
	good := create("app/good", `{"username":"app","password":"app-secret-pw","dbClusterIdentifier":"local"}`, true)
	bad := create("app/bad", `{"username":"app","password":"wrong"}`, true)
	untagged := create("app/untagged", `{"username":"app","password":"app-secret-pw"}`, false)
	other := create("app/other-cluster", `{"username":"app","password":"app-secret-pw","dbClusterIdentifier":"elsewhere"}`, true)

	run := func(c *redshiftdata.Client, secret string) (*redshiftdata.ExecuteStatementOutput, error) {
		return c.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"),
			Database: aws.String(env.Database), SecretArn: aws.String(secret), Sql: aws.String("select current_user")})
	}
	out, err := run(env.Client, "app/good") // by name
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.SecretArn) != good || aws.ToString(out.DbUser) != "app" {
		t.Errorf("execute echo: secret %q, user %q", aws.ToString(out.SecretArn), aws.ToString(out.DbUser))
	}
	if d := env.Wait(t, *out.Id); d.Status != types.StatusStringFinished || aws.ToString(d.SecretArn) != good {
		t.Fatalf("statement with the secret: %s %q", d.Status, aws.ToString(d.Error))
	}
	r, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: out.Id})
	if err != nil || r.Records[0][0].(*types.FieldMemberStringValue).Value != "app" {
		t.Fatalf("current_user with the secret: %v %v", r, err)
	}
	out, err = run(env.Client, bad)
	if err != nil {
		t.Fatal(err)
	}
	if d := env.Wait(t, *out.Id); d.Status != types.StatusStringFailed || aws.ToString(d.Error) != `FATAL: password authentication failed for user "app"` {
		t.Fatalf("statement with a wrong password: %s %q", d.Status, aws.ToString(d.Error))
	}
	if _, err := run(env.Client, other); errorCode(err) != "ValidationException" {
		t.Fatalf("secret for another cluster: %v", err)
	}

	// A user with the managed policy reaches tagged secrets only.
	admin := iam.NewFromConfig(env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey))
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("carol"),
		PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonRedshiftDataFullAccess")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("carol")})
	if err != nil {
		t.Fatal(err)
	}
	carol := redshiftdata.NewFromConfig(env.AWSConfig(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey))
	if _, err := run(carol, untagged); errorCode(err) != "AccessDeniedException" {
		t.Fatalf("untagged secret under the managed policy: %v", err)
	}
	out, err = run(carol, good)
	if err != nil {
		t.Fatalf("tagged secret under the managed policy: %v", err)
	}
	if d := env.WaitWith(t, carol, *out.Id); d.Status != types.StatusStringFinished {
		t.Fatalf("carol's statement: %s %q", d.Status, aws.ToString(d.Error))
	}
}

// TestTemporaryCredentials issues cluster and serverless credentials with
// the unmodified SDKs and logs in with them over TCP.
func TestTemporaryCredentials(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	login := func(user, password string) error {
		conn, err := pgx.Connect(context.Background(), fmt.Sprintf("host=127.0.0.1 port=%d dbname=%s user='%s' password='%s' sslmode=disable",
			env.PG.Port(), env.Database, user, password))
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		var who string
		if err := conn.QueryRow(context.Background(), "select current_user").Scan(&who); err != nil {
			return err
		}
		if who != user {
			return fmt.Errorf("logged in as %s, not %s", who, user)
		}
		return nil
	}
	rs := redshift.NewFromConfig(env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey))
	clusters, err := rs.DescribeClusters(ctx, &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("local")})
	if err != nil || len(clusters.Clusters) != 1 || aws.ToInt32(clusters.Clusters[0].Endpoint.Port) != int32(env.PG.Port()) {
		t.Fatalf("DescribeClusters: %v %v", clusters, err)
	}
	creds, err := rs.GetClusterCredentials(ctx, &redshift.GetClusterCredentialsInput{ClusterIdentifier: aws.String("local"),
		DbUser: aws.String("reporter"), DbName: aws.String(env.Database), AutoCreate: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if *creds.DbUser != "IAMA:reporter" || len(*creds.DbPassword) < 16 {
		t.Fatalf("GetClusterCredentials: %s", *creds.DbUser)
	}
	if err := login(*creds.DbUser, *creds.DbPassword); err != nil {
		t.Fatalf("logging in with issued cluster credentials: %v", err)
	}
	if err := login(*creds.DbUser, "not-the-password"); err == nil || !strings.Contains(err.Error(), "password authentication failed") {
		t.Fatalf("a wrong password logged in: %v", err)
	}
	_, err = rs.GetClusterCredentials(ctx, &redshift.GetClusterCredentialsInput{ClusterIdentifier: aws.String("nope"), DbUser: aws.String("x")})
	if errorCode(err) != "ClusterNotFound" {
		t.Fatalf("unknown cluster: %v", err)
	}

	// Serverless credentials for an IAM user map to IAM:<name>.
	admin := iam.NewFromConfig(env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey))
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dave")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dave"), PolicyName: aws.String("creds"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift-serverless:GetCredentials","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dave")})
	if err != nil {
		t.Fatal(err)
	}
	sl := redshiftserverless.NewFromConfig(env.AWSConfig(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey))
	sc, err := sl.GetCredentials(ctx, &redshiftserverless.GetCredentialsInput{WorkgroupName: aws.String("default"), DbName: aws.String(env.Database)})
	if err != nil {
		t.Fatal(err)
	}
	if *sc.DbUser != "IAM:dave" {
		t.Fatalf("serverless DbUser %s", *sc.DbUser)
	}
	if err := login(*sc.DbUser, *sc.DbPassword); err != nil {
		t.Fatalf("logging in with serverless credentials: %v", err)
	}
	wg, err := sl.GetWorkgroup(ctx, &redshiftserverless.GetWorkgroupInput{WorkgroupName: aws.String("default")})
	if errorCode(err) != "AccessDeniedException" {
		t.Fatalf("GetWorkgroup without permission: %v %v", wg, err)
	}
}
