package app_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// TestIAMUserPermissions sets a user up with the unmodified IAM API and
// sees exactly the calls its policies allow succeed, its own statements
// only, and an explicit Deny win.
func TestIAMUserPermissions(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	admin := iam.NewFromConfig(env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey))
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	aliceCfg := env.AWSConfig(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey)
	alice := redshiftdata.NewFromConfig(aliceCfg)

	who, err := sts.NewFromConfig(aliceCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *who.Arn != "arn:aws:iam::123456789012:user/alice" || *who.Account != apptest.AccountID || !strings.HasPrefix(*who.UserId, "AIDA") {
		t.Fatalf("GetCallerIdentity: %s %s %s", *who.Arn, *who.Account, *who.UserId)
	}

	exec := &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database),
		Sql: aws.String("select current_user")}
	_, err = alice.ExecuteStatement(ctx, exec)
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" || ae.ErrorMessage() != "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: redshift-data:ExecuteStatement on resource: arn:aws:redshift:us-east-1:123456789012:cluster:local because no identity-based policy allows the redshift-data:ExecuteStatement action" {
		t.Fatalf("ExecuteStatement without a policy: %v", err)
	}

	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("run-on-local"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"redshift-data:ExecuteStatement","Resource":"arn:aws:redshift:*:*:cluster:local"},
			{"Effect":"Allow","Action":"redshift:GetClusterCredentialsWithIAM","Resource":"arn:aws:redshift:*:*:dbname:local/*"},
			{"Effect":"Allow","Action":["redshift-data:DescribeStatement","redshift-data:GetStatementResult"],"Resource":"*",
			 "Condition":{"StringEquals":{"redshift-data:statement-owner-iam-userid":"${aws:userid}"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	out, err := alice.ExecuteStatement(ctx, exec)
	if err != nil {
		t.Fatalf("ExecuteStatement allowed by the inline policy: %v", err)
	}
	if d := env.WaitWith(t, alice, *out.Id); d.Status != types.StatusStringFinished {
		t.Fatalf("alice's statement: %s %q", d.Status, aws.ToString(d.Error))
	}
	// Without DbUser the statement runs as alice's own database user.
	r, err := alice.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: out.Id})
	if err != nil || r.Records[0][0].(*types.FieldMemberStringValue).Value != "IAM:alice" {
		t.Fatalf("GetStatementResult: %v %v", r, err)
	}
	// Naming another database user needs redshift:GetClusterCredentials on it.
	withUser := *exec
	withUser.DbUser = aws.String("awsuser")
	_, err = alice.ExecuteStatement(ctx, &withUser)
	if !errors.As(err, &ae) || ae.ErrorMessage() != "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: redshift:GetClusterCredentials on resource: arn:aws:redshift:us-east-1:123456789012:dbuser:local/awsuser because no identity-based policy allows the redshift:GetClusterCredentials action" {
		t.Fatalf("ExecuteStatement as awsuser without GetClusterCredentials: %v", err)
	}
	// The workgroup is not in the policy's resources.
	_, err = alice.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{WorkgroupName: aws.String("default"),
		Database: aws.String(env.Database), Sql: aws.String("select 1")})
	if errorCode(err) != "AccessDeniedException" {
		t.Fatalf("ExecuteStatement on the workgroup: %v", err)
	}
	if _, err := alice.ListStatements(ctx, &redshiftdata.ListStatementsInput{}); errorCode(err) != "AccessDeniedException" {
		t.Fatalf("ListStatements without permission: %v", err)
	}

	// Statements belong to who ran them: root's are invisible to alice.
	rootRun := env.Run(t, "select 'root'")
	_, err = alice.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: rootRun.Id})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) || aws.ToString(rnf.Message) != "Query does not exist." {
		t.Fatalf("alice describing root's statement: %v", err)
	}

	// The AWS managed policy grants the rest; an explicit Deny still wins.
	if _, err := admin.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("alice"),
		PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonRedshiftDataFullAccess")}); err != nil {
		t.Fatal(err)
	}
	list, err := alice.ListStatements(ctx, &redshiftdata.ListStatementsInput{Status: types.StatusStringAll})
	if err != nil || len(list.Statements) != 1 || *list.Statements[0].Id != *out.Id {
		t.Fatalf("alice's ListStatements under the managed policy: %v %v", list, err)
	}
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("no-cancel"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"redshift-data:CancelStatement","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.CancelStatement(ctx, &redshiftdata.CancelStatementInput{Id: out.Id}); errorCode(err) != "AccessDeniedException" {
		t.Fatalf("CancelStatement under an explicit Deny: %v", err)
	}

	// IAM itself refuses alice, in the Query protocol's terms.
	_, err = iam.NewFromConfig(aliceCfg).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mallory")})
	if errorCode(err) != "AccessDenied" {
		t.Fatalf("alice creating a user: %v", err)
	}
	// A deleted key stops working.
	if _, err := admin.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: key.AccessKey.AccessKeyId}); err != nil {
		t.Fatal(err)
	}
	if _, err := sts.NewFromConfig(aliceCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); errorCode(err) != "InvalidClientTokenId" {
		t.Fatalf("a deleted key: %v", err)
	}
	if _, err := alice.ListStatements(ctx, &redshiftdata.ListStatementsInput{}); errorCode(err) != "UnrecognizedClientException" {
		t.Fatalf("a deleted key on the Data API: %v", err)
	}
}

// TestAssumeRole assumes a role with and without the right ExternalId,
// acts as the role session, and sees statements belong to the role.
func TestAssumeRole(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	admin := iam.NewFromConfig(env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey))
	role, err := admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("analyst"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole",
			"Condition":{"StringEquals":{"sts:ExternalId":"ext-1"}}}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("analyst"),
		PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonRedshiftDataFullAccess")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + *role.Role.Arn + `"}]}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	bob := sts.NewFromConfig(env.AWSConfig(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey))
	for _, ext := range []*string{nil, aws.String("wrong")} {
		_, err := bob.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("s1"), ExternalId: ext})
		if errorCode(err) != "AccessDenied" {
			t.Fatalf("AssumeRole with ExternalId %v: %v", aws.ToString(ext), err)
		}
	}
	assume := func(session string, sessionPolicy *string) aws.Config {
		t.Helper()
		out, err := bob.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String(session),
			ExternalId: aws.String("ext-1"), DurationSeconds: aws.Int32(900), Policy: sessionPolicy})
		if err != nil {
			t.Fatalf("AssumeRole %s: %v", session, err)
		}
		if until := time.Until(*out.Credentials.Expiration); until < 14*time.Minute || until > 16*time.Minute {
			t.Errorf("Expiration %v is not 15 minutes away", out.Credentials.Expiration)
		}
		cfg := env.AWSConfig(*out.Credentials.AccessKeyId, *out.Credentials.SecretAccessKey)
		cfg.Credentials = credentials.NewStaticCredentialsProvider(*out.Credentials.AccessKeyId, *out.Credentials.SecretAccessKey, *out.Credentials.SessionToken)
		return cfg
	}
	s1 := assume("s1", nil)
	who, err := sts.NewFromConfig(s1).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *who.Arn != "arn:aws:sts::123456789012:assumed-role/analyst/s1" || *who.UserId != *role.Role.RoleId+":s1" {
		t.Fatalf("GetCallerIdentity as the role: %v %v", who, err)
	}
	asRole := redshiftdata.NewFromConfig(s1)
	out, err := asRole.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"),
		Database: aws.String(env.Database), Sql: aws.String("select current_user")})
	if err != nil {
		t.Fatalf("ExecuteStatement as the role: %v", err)
	}
	if d := env.WaitWith(t, asRole, *out.Id); aws.ToString(d.DbUser) != "IAMR:analyst" || d.Status != types.StatusStringFinished {
		t.Fatalf("the role's statement: %s as %q (%q)", d.Status, aws.ToString(d.DbUser), aws.ToString(d.Error))
	}
	if r, err := asRole.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: out.Id}); err != nil ||
		r.Records[0][0].(*types.FieldMemberStringValue).Value != "IAMR:analyst" {
		t.Fatalf("current_user of the role's statement: %v %v", r, err)
	}
	// Another session of the same role sees the statement; the user does not.
	other := redshiftdata.NewFromConfig(assume("s2", nil))
	if _, err := other.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: out.Id}); err != nil {
		t.Fatalf("another session of the role: %v", err)
	}
	list, err := other.ListStatements(ctx, &redshiftdata.ListStatementsInput{Status: types.StatusStringAll, RoleLevel: aws.Bool(false)})
	if err != nil || len(list.Statements) != 0 {
		t.Fatalf("RoleLevel=false listing of another session: %v %v", list, err)
	}
	// A session policy narrows what the session may do.
	narrow := redshiftdata.NewFromConfig(assume("s3", aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift-data:DescribeStatement","Resource":"*"}]}`)))
	if _, err := narrow.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: out.Id}); err != nil {
		t.Fatalf("session policy allowing DescribeStatement: %v", err)
	}
	_, err = narrow.ListStatements(ctx, &redshiftdata.ListStatementsInput{})
	var denied smithy.APIError
	if !errors.As(err, &denied) || denied.ErrorCode() != "AccessDeniedException" || denied.ErrorMessage() != "User: arn:aws:sts::123456789012:assumed-role/analyst/s3 is not authorized to perform: redshift-data:ListStatements on resource: * because no session policy allows the redshift-data:ListStatements action" {
		t.Fatalf("session policy not allowing ListStatements: %v", err)
	}
	// On the workgroup the role session runs as IAMR:analyst too, and a
	// policy on redshift-data:session-owner-iam-userid keeps one role
	// session out of another's Data API session.
	if _, err := admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("analyst"), PolicyName: aws.String("own-sessions"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"redshift-serverless:GetCredentials","Resource":"*"},
			{"Effect":"Deny","Action":"redshift-data:ExecuteStatement","Resource":"*","Condition":{
				"Null":{"redshift-data:session-owner-iam-userid":"false"},
				"StringNotEquals":{"redshift-data:session-owner-iam-userid":"${aws:userid}"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	opened, err := asRole.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{WorkgroupName: aws.String("default"),
		Database: aws.String(env.Database), Sql: aws.String("select current_user"), SessionKeepAliveSeconds: aws.Int32(60)})
	if err != nil {
		t.Fatalf("opening a session on the workgroup as the role: %v", err)
	}
	env.WaitWith(t, asRole, *opened.Id)
	if r, err := asRole.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: opened.Id}); err != nil ||
		r.Records[0][0].(*types.FieldMemberStringValue).Value != "IAMR:analyst" {
		t.Fatalf("current_user on the workgroup: %v %v", r, err)
	}
	inSession := &redshiftdata.ExecuteStatementInput{SessionId: opened.SessionId, Sql: aws.String("select 1")}
	if out, err := asRole.ExecuteStatement(ctx, inSession); err != nil {
		t.Fatalf("the session's owner using it: %v", err)
	} else {
		env.WaitWith(t, asRole, *out.Id)
	}
	if _, err := other.ExecuteStatement(ctx, inSession); errorCode(err) != "AccessDeniedException" {
		t.Fatalf("another role session using the session: %v", err)
	}

	// A tampered session token is refused.
	bad := s1
	v, _ := s1.Credentials.Retrieve(ctx)
	bad.Credentials = credentials.NewStaticCredentialsProvider(v.AccessKeyID, v.SecretAccessKey, v.SessionToken+"x")
	if _, err := sts.NewFromConfig(bad).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); errorCode(err) != "InvalidClientTokenId" {
		t.Fatalf("tampered token: %v", err)
	}
}
