package app_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rsdata/rsdata/internal/config"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// peerAccount is the peer account of TestCrossAccountAssumeRole.
const peerAccount = "210987654321"

// TestCrossAccountAssumeRole runs rsdata with a peer account: its root and
// users have an IAM of their own, cannot reach the data account's
// resources, and get in by assuming a data-account role whose trust policy
// names their account, with the permission to do so granted in their own
// account, both as AWS requires.
func TestCrossAccountAssumeRole(t *testing.T) {
	env := apptest.Start(t, apptest.Options{Configure: func(c *config.Config) { c.PeerAccounts = []string{peerAccount} }})
	peerKey, peerSecret, ok := env.App.PeerRootCredentials(peerAccount)
	if !ok {
		t.Fatal("no root credentials for the peer account")
	}
	peerRoot := env.AWSConfig(peerKey, peerSecret)
	who, err := sts.NewFromConfig(peerRoot).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *who.Account != peerAccount || *who.Arn != "arn:aws:iam::"+peerAccount+":root" {
		t.Fatalf("GetCallerIdentity of the peer root: %v %v", who, err)
	}

	// Each account has its own IAM: the same user name in both, listed
	// only in its own.
	homeIAM, peerIAM := iam.NewFromConfig(env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey)), iam.NewFromConfig(peerRoot)
	for _, c := range []*iam.Client{homeIAM, peerIAM} {
		if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
			t.Fatal(err)
		}
	}
	peerBob, err := peerIAM.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")})
	if err != nil || *peerBob.User.Arn != "arn:aws:iam::"+peerAccount+":user/bob" {
		t.Fatalf("the peer account's bob: %v %v", peerBob, err)
	}
	if _, err := peerIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")}); err != nil {
		t.Fatal(err)
	}
	if users, err := homeIAM.ListUsers(ctx, &iam.ListUsersInput{}); err != nil || len(users.Users) != 1 {
		t.Fatalf("the data account lists %v (%v); want bob alone", users, err)
	}

	// The peer root is no one in the data account.
	peerData := redshiftdata.NewFromConfig(peerRoot)
	exec := &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database),
		Sql: aws.String("select current_user")}
	_, err = peerData.ExecuteStatement(ctx, exec)
	if errorCode(err) != "AccessDeniedException" || !strings.Contains(err.Error(), "because no resource-based policy allows the redshift-data:ExecuteStatement action") {
		t.Fatalf("ExecuteStatement by the peer root: %v", err)
	}
	if _, err := secretsmanager.NewFromConfig(peerRoot).ListSecrets(ctx, &secretsmanager.ListSecretsInput{}); errorCode(err) != "AccessDeniedException" {
		t.Fatalf("ListSecrets by the peer root: %v", err)
	}

	// A data-account role trusting the peer account.
	role, err := homeIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("analyst"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Principal":{"AWS":"arn:aws:iam::` + peerAccount + `:root"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := homeIAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("analyst"),
		PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonRedshiftDataFullAccess")}); err != nil {
		t.Fatal(err)
	}
	// A role of the data account that does not trust the peer account.
	private, err := homeIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("private"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Principal":{"AWS":"arn:aws:iam::` + apptest.AccountID + `:root"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	stsAs := func(user string) *sts.Client {
		t.Helper()
		key, err := peerIAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
		if err != nil {
			t.Fatal(err)
		}
		return sts.NewFromConfig(env.AWSConfig(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey))
	}
	assume := func(c *sts.Client, roleARN *string) (*sts.AssumeRoleOutput, error) {
		return c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: roleARN, RoleSessionName: aws.String("from-peer")})
	}
	// Carol's own account never allowed her sts:AssumeRole.
	if _, err := assume(stsAs("carol"), role.Role.Arn); errorCode(err) != "AccessDenied" {
		t.Fatalf("AssumeRole without the peer account's permission: %v", err)
	}
	if _, err := peerIAM.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::` + apptest.AccountID + `:role/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	bob := stsAs("bob")
	if _, err := assume(bob, private.Role.Arn); errorCode(err) != "AccessDenied" {
		t.Fatalf("AssumeRole of a role not trusting the peer account: %v", err)
	}
	out, err := assume(bob, role.Role.Arn)
	if err != nil {
		t.Fatalf("cross-account AssumeRole: %v", err)
	}
	if *out.AssumedRoleUser.Arn != "arn:aws:sts::"+apptest.AccountID+":assumed-role/analyst/from-peer" {
		t.Fatalf("AssumedRoleUser %s", *out.AssumedRoleUser.Arn)
	}
	session := env.AWSConfig(*out.Credentials.AccessKeyId, *out.Credentials.SecretAccessKey)
	session.Credentials = credentials.NewStaticCredentialsProvider(*out.Credentials.AccessKeyId, *out.Credentials.SecretAccessKey, *out.Credentials.SessionToken)
	if who, err := sts.NewFromConfig(session).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil || *who.Account != apptest.AccountID {
		t.Fatalf("GetCallerIdentity of the role session: %v %v", who, err)
	}
	asRole := redshiftdata.NewFromConfig(session)
	run, err := asRole.ExecuteStatement(ctx, exec)
	if err != nil {
		t.Fatalf("ExecuteStatement as the data-account role: %v", err)
	}
	if d := env.WaitWith(t, asRole, *run.Id); d.Status != types.StatusStringFinished || aws.ToString(d.DbUser) != "IAMR:analyst" {
		t.Fatalf("the role session's statement: %s as %q (%q)", d.Status, aws.ToString(d.DbUser), aws.ToString(d.Error))
	}
	// Back in its own account the session is no one.
	if _, err := iam.NewFromConfig(session).ListUsers(ctx, &iam.ListUsersInput{}); errorCode(err) != "AccessDenied" {
		t.Fatalf("ListUsers as the role session, which has no IAM permission: %v", err)
	}
}
