package redshiftdata_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// The rows of docs/ERRORS.md that no other test covers: each names its
// operation and condition, and asserts AWS's code and text.

const (
	msgNotExist   = "Query does not exist."
	msgIDPattern  = `id must satisfy regex pattern: ^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\d+)?$`
	msgNoEndpoint = "Redshift endpoint doesn't exist in this region."
	msgNoTarget   = "Either ClusterIdentifier or WorkgroupName needs to be specified."
	unknownID     = "00000000-0000-0000-0000-000000000000"
	badID         = "not-an-id"
)

// TestStatementIdErrors: every operation that takes a statement Id refuses
// a malformed one and reports an unknown one as not existing.
func TestStatementIdErrors(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	c := env.Client
	ops := []struct {
		name string
		call func(id string) error
	}{
		{"DescribeStatement", func(id string) error {
			_, err := c.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: &id})
			return err
		}},
		{"CancelStatement", func(id string) error {
			_, err := c.CancelStatement(ctx, &redshiftdata.CancelStatementInput{Id: &id})
			return err
		}},
		{"GetStatementResult", func(id string) error {
			_, err := c.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: &id})
			return err
		}},
		{"GetStatementResultV2", func(id string) error {
			_, err := c.GetStatementResultV2(ctx, &redshiftdata.GetStatementResultV2Input{Id: &id})
			return err
		}},
	}
	parent := *batch(t, env, "select 1", "select 2").Id
	single := *env.Run(t, "select 1").Id
	for _, op := range ops {
		t.Run(op.name+"/sub-statement past the batch's end", func(t *testing.T) {
			apiError(t, op.call(parent+":3"), "ResourceNotFoundException", msgNotExist)
		})
		t.Run(op.name+"/sub-statement 0", func(t *testing.T) {
			apiError(t, op.call(parent+":0"), "ResourceNotFoundException", msgNotExist)
		})
		t.Run(op.name+"/sub-statement of a single statement", func(t *testing.T) {
			apiError(t, op.call(single+":1"), "ResourceNotFoundException", msgNotExist)
		})
		t.Run(op.name+"/unknown", func(t *testing.T) {
			apiError(t, op.call(unknownID), "ResourceNotFoundException", msgNotExist)
		})
		t.Run(op.name+"/unknown sub-statement", func(t *testing.T) {
			apiError(t, op.call(unknownID+":1"), "ResourceNotFoundException", msgNotExist)
		})
		t.Run(op.name+"/malformed", func(t *testing.T) {
			apiError(t, op.call(badID), "ValidationException", msgIDPattern)
		})
	}
}

// TestTargetErrors: the operations that name a cluster or workgroup refuse
// a request naming neither, and look up every well-formed name or ARN
// (aws-eusc's included) before saying it does not exist.
func TestTargetErrors(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	c := env.Client
	db := aws.String(env.Database)
	eusc := "arn:aws-eusc:redshift-serverless:eusc-de-east-1:123456789012:workgroup/0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
	type target struct{ cluster, workgroup *string }
	ops := []struct {
		name string
		call func(target) error
	}{
		{"ExecuteStatement", func(tg target) error {
			_, err := c.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{ClusterIdentifier: tg.cluster, WorkgroupName: tg.workgroup, Database: db, Sql: aws.String("select 1")})
			return err
		}},
		{"BatchExecuteStatement", func(tg target) error {
			_, err := c.BatchExecuteStatement(ctx, &redshiftdata.BatchExecuteStatementInput{ClusterIdentifier: tg.cluster, WorkgroupName: tg.workgroup, Database: db, Sqls: []string{"select 1"}})
			return err
		}},
		{"ListDatabases", func(tg target) error {
			_, err := c.ListDatabases(ctx, &redshiftdata.ListDatabasesInput{ClusterIdentifier: tg.cluster, WorkgroupName: tg.workgroup, Database: db})
			return err
		}},
		{"ListSchemas", func(tg target) error {
			_, err := c.ListSchemas(ctx, &redshiftdata.ListSchemasInput{ClusterIdentifier: tg.cluster, WorkgroupName: tg.workgroup, Database: db})
			return err
		}},
		{"ListTables", func(tg target) error {
			_, err := c.ListTables(ctx, &redshiftdata.ListTablesInput{ClusterIdentifier: tg.cluster, WorkgroupName: tg.workgroup, Database: db})
			return err
		}},
		{"DescribeTable", func(tg target) error {
			_, err := c.DescribeTable(ctx, &redshiftdata.DescribeTableInput{ClusterIdentifier: tg.cluster, WorkgroupName: tg.workgroup, Database: db})
			return err
		}},
	}
	for _, op := range ops {
		t.Run(op.name+"/no target", func(t *testing.T) {
			apiError(t, op.call(target{}), "ValidationException", msgNoTarget)
		})
		t.Run(op.name+"/unknown cluster", func(t *testing.T) {
			apiError(t, op.call(target{cluster: aws.String("nope")}), "ValidationException", msgNoEndpoint)
		})
		t.Run(op.name+"/unknown workgroup", func(t *testing.T) {
			apiError(t, op.call(target{workgroup: aws.String("nope")}), "ValidationException", msgNoEndpoint)
		})
		t.Run(op.name+"/aws-eusc workgroup ARN", func(t *testing.T) {
			apiError(t, op.call(target{workgroup: &eusc}), "ValidationException", msgNoEndpoint)
		})
		t.Run(op.name+"/malformed workgroup", func(t *testing.T) {
			apiError(t, op.call(target{workgroup: aws.String("Bad_WG")}), "ValidationException",
				"1 validation error detected: Value 'Bad_WG' at 'workgroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: "+
					`^(([a-z0-9-]{3,63})|(arn:(aws(-[a-z]+)*):redshift-serverless:[a-z]{2}(-gov|(-iso[a-z]?)|(sc-[a-z]{2}))?-[a-z]+-\d{1}:\d{12}:workgroup/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))$`)
		})
		t.Run(op.name+"/own workgroup ARN", func(t *testing.T) {
			own := arn.Workgroup(apptest.Region, apptest.AccountID, "default")
			if err := op.call(target{workgroup: &own}); err != nil {
				t.Fatalf("the workgroup's own ARN: %v", err)
			}
		})
	}
}

// TestConstraintErrors: members out of the model's range, in AWS's
// standard constraint text, and the list operations' own refusals.
func TestConstraintErrors(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	c := env.Client
	exec := func(mod func(*redshiftdata.ExecuteStatementInput)) func() error {
		return func() error {
			in := &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database),
				DbUser: aws.String("awsuser"), Sql: aws.String("select 1")}
			mod(in)
			_, err := c.ExecuteStatement(ctx, in)
			return err
		}
	}
	long := strings.Repeat("n", 2049)
	token := strings.Repeat("t", 65)
	cases := []struct {
		name string
		call func() error
		msg  string
	}{
		{"ExecuteStatement/StatementName over 2048", exec(func(in *redshiftdata.ExecuteStatementInput) { in.StatementName = &long }),
			"1 validation error detected: Value '" + long + "' at 'statementName' failed to satisfy constraint: Member must have length less than or equal to 2048"},
		{"ExecuteStatement/ResultFormat not an enum value", exec(func(in *redshiftdata.ExecuteStatementInput) { in.ResultFormat = "XML" }),
			"1 validation error detected: Value 'XML' at 'resultFormat' failed to satisfy constraint: Member must satisfy enum value set: [JSON, CSV]"},
		{"ExecuteStatement/ClientToken over 64", exec(func(in *redshiftdata.ExecuteStatementInput) { in.ClientToken = &token }),
			"1 validation error detected: Value '" + token + "' at 'clientToken' failed to satisfy constraint: Member must have length between 1 and 64"},
		{"ExecuteStatement/SessionKeepAliveSeconds over 86400", exec(func(in *redshiftdata.ExecuteStatementInput) { in.SessionKeepAliveSeconds = aws.Int32(86401) }),
			"1 validation error detected: Value '86401' at 'sessionKeepAliveSeconds' failed to satisfy constraint: Member must have value between 0 and 86400"},
		{"ExecuteStatement/parameter name not [0-9a-zA-Z_]+", exec(func(in *redshiftdata.ExecuteStatementInput) {
			in.Sql = aws.String("select :id")
			in.Parameters = []types.SqlParameter{{Name: aws.String("@id"), Value: aws.String("1")}}
		}), "1 validation error detected: Value '@id' at 'parameters.1.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z_]+"},
		{"ListStatements/Status not an enum value", func() error {
			_, err := c.ListStatements(ctx, &redshiftdata.ListStatementsInput{Status: "DONE"})
			return err
		}, "1 validation error detected: Value 'DONE' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [SUBMITTED, PICKED, STARTED, FINISHED, ABORTED, FAILED, ALL]"},
		{"ListStatements/ClusterIdentifier and WorkgroupName", func() error {
			_, err := c.ListStatements(ctx, &redshiftdata.ListStatementsInput{ClusterIdentifier: aws.String("local"), WorkgroupName: aws.String("default")})
			return err
		}, "ClusterIdentifier and WorkgroupName are mutually exclusive; specify one."},
		{"ListDatabases/MaxResults over 1000", func() error {
			_, err := c.ListDatabases(ctx, &redshiftdata.ListDatabasesInput{ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database),
				DbUser: aws.String("awsuser"), MaxResults: 1001})
			return err
		}, "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"ListTables/NextToken not issued", func() error {
			_, err := c.ListTables(ctx, &redshiftdata.ListTablesInput{ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database),
				DbUser: aws.String("awsuser"), NextToken: aws.String("forged")})
			return err
		}, "Invalid NextToken. Pass the NextToken from the previous response unchanged."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			apiError(t, tc.call(), "ValidationException", tc.msg)
		})
	}
}

// TestSecretErrors: ExecuteStatement with a SecretArn that cannot give a
// login.
func TestSecretErrors(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	sm := secretsmanager.NewFromConfig(env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey))
	create := func(name, value string) {
		t.Helper()
		if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)}); err != nil {
			t.Fatal(err)
		}
	}
	create("no-password", `{"username":"app"}`)
	create("not-json", `app:pw`)
	create("elsewhere", `{"username":"app","password":"pw","dbClusterIdentifier":"elsewhere"}`)
	// A secret that does not exist is Secrets Manager's not-found, on
	// every operation that takes a SecretArn.
	const notFound = "Secrets Manager can't find the specified secret."
	missing := aws.String("missing")
	ops := map[string]func() error{
		"ExecuteStatement": func() error {
			_, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"),
				Database: aws.String(env.Database), SecretArn: missing, Sql: aws.String("select 1")})
			return err
		},
		"BatchExecuteStatement": func() error {
			_, err := env.Client.BatchExecuteStatement(ctx, &redshiftdata.BatchExecuteStatementInput{WorkgroupName: aws.String("default"),
				Database: aws.String(env.Database), SecretArn: missing, Sqls: []string{"select 1"}})
			return err
		},
		"ListDatabases": func() error {
			_, err := env.Client.ListDatabases(ctx, &redshiftdata.ListDatabasesInput{ClusterIdentifier: aws.String("local"),
				Database: aws.String(env.Database), SecretArn: missing})
			return err
		},
		"DescribeTable": func() error {
			_, err := env.Client.DescribeTable(ctx, &redshiftdata.DescribeTableInput{ClusterIdentifier: aws.String("local"),
				Database: aws.String(env.Database), SecretArn: missing, Table: aws.String("t")})
			return err
		},
	}
	for name, call := range ops {
		t.Run("missing/"+name, func(t *testing.T) {
			err := call()
			apiError(t, err, "ResourceNotFoundException", notFound)
			var nf *types.ResourceNotFoundException
			if !errors.As(err, &nf) || aws.ToString(nf.ResourceId) != "missing" {
				t.Fatalf("ResourceId of %v, want missing", err)
			}
		})
	}
	cases := []struct{ secret, msg string }{
		{"no-password", "username and password in secret cannot be empty"},
		{"not-json", "The secret must hold a JSON object with username and password."},
		{"elsewhere", "The dbClusterIdentifier in the secret (elsewhere) does not match the ClusterIdentifier local."},
	}
	for _, c := range cases {
		t.Run(c.secret, func(t *testing.T) {
			_, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"),
				Database: aws.String(env.Database), SecretArn: aws.String(c.secret), Sql: aws.String("select 1")})
			apiError(t, err, "ValidationException", c.msg)
		})
	}
}

// TestCancelTimeout: CancelStatement on a statement that does not stop
// within 10 seconds of the cancel request (a function that catches
// PostgreSQL's query_canceled and carries on) answers
// QueryTimeoutException, the exception the November 2025 model lists on
// CancelStatement.
func TestCancelTimeout(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	// A cancel is caught in the sleep; one that lands between two sleeps
	// (the loop's own interrupt check) by the outer handler, which starts
	// over. Without it, a repeated cancel under load sometimes hit that
	// gap and ended the statement.
	env.PG.Exec(t, env.Database, `CREATE FUNCTION ignore_cancel() RETURNS void LANGUAGE plpgsql AS $$
		BEGIN
			LOOP BEGIN PERFORM pg_sleep(0.05); EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP;
		EXCEPTION WHEN query_canceled THEN
			PERFORM ignore_cancel();
		END $$`)
	id := execute(t, env, "select ignore_cancel()")
	deadline := time.Now().Add(30 * time.Second)
	var pid int64
	for pid == 0 {
		d, err := env.Client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: &id})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status == types.StatusStringStarted && d.RedshiftPid != 0 {
			pid = d.RedshiftPid
		} else if time.Now().After(deadline) {
			t.Fatalf("statement never STARTED: %s", d.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
	_, err := env.Client.CancelStatement(ctx, &redshiftdata.CancelStatementInput{Id: &id})
	apiError(t, err, "QueryTimeoutException", "The request timed out.")
	// End it the hard way, which the function cannot catch.
	env.PG.Exec(t, "postgres", fmt.Sprintf("SELECT pg_terminate_backend(%d)", pid))
	if d := env.Wait(t, id); d.Status == types.StatusStringFinished {
		t.Fatalf("statement whose backend was terminated ended %s", d.Status)
	}
}
