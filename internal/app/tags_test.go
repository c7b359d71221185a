package app_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/aws/aws-sdk-go-v2/service/redshiftserverless"
	sltypes "github.com/aws/aws-sdk-go-v2/service/redshiftserverless/types"

	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// TestManagedPolicyNeedsTaggedWorkgroup runs a statement on a workgroup as a
// user whose only policy is AmazonRedshiftDataFullAccess: refused until the
// workgroup carries the RedshiftDataFullAccess tag the policy's
// GetCredentials statement requires.
func TestManagedPolicyNeedsTaggedWorkgroup(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	rootCfg := env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey)
	admin := iam.NewFromConfig(rootCfg)
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("bob"),
		PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonRedshiftDataFullAccess")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	bob := redshiftdata.NewFromConfig(env.AWSConfig(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey))
	exec := &redshiftdata.ExecuteStatementInput{WorkgroupName: aws.String("default"), Database: aws.String(env.Database),
		Sql: aws.String("select current_user")}
	if _, err := bob.ExecuteStatement(ctx, exec); errorCode(err) != "AccessDeniedException" {
		t.Fatalf("ExecuteStatement on an untagged workgroup: %v", err)
	}

	sl := redshiftserverless.NewFromConfig(rootCfg)
	wg, err := sl.GetWorkgroup(ctx, &redshiftserverless.GetWorkgroupInput{WorkgroupName: aws.String("default")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sl.TagResource(ctx, &redshiftserverless.TagResourceInput{ResourceArn: wg.Workgroup.WorkgroupArn,
		Tags: []sltypes.Tag{{Key: aws.String("RedshiftDataFullAccess"), Value: aws.String("true")}}}); err != nil {
		t.Fatal(err)
	}
	out, err := bob.ExecuteStatement(ctx, exec)
	if err != nil {
		t.Fatalf("ExecuteStatement on the tagged workgroup: %v", err)
	}
	if d := env.WaitWith(t, bob, *out.Id); d.Status != types.StatusStringFinished {
		t.Fatalf("bob's statement: %s %q", d.Status, aws.ToString(d.Error))
	}
	r, err := bob.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: out.Id})
	if err != nil || r.Records[0][0].(*types.FieldMemberStringValue).Value != "IAM:bob" {
		t.Fatalf("GetStatementResult: %v %v", r, err)
	}
}
