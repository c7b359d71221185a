package app_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// TestSessionTokenHasOneSpelling assumes a role and calls the server with
// every last-character variant of the session token: lenient base64
// decoding accepted three variants besides the genuine token. Only the
// token as issued may authenticate.
func TestSessionTokenHasOneSpelling(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	admin := iam.NewFromConfig(env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey))
	role, err := admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
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
	out, err := sts.NewFromConfig(env.AWSConfig(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey)).AssumeRole(ctx,
		&sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("s1")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	token := *c.SessionToken
	accepted := 0
	for _, ch := range alphabet {
		variant := token[:len(token)-1] + string(ch)
		cfg := env.AWSConfig(*c.AccessKeyId, *c.SecretAccessKey)
		cfg.Credentials = credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, variant)
		_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		switch {
		case err == nil && variant != token:
			t.Errorf("variant %q of the session token accepted", variant[len(variant)-8:])
		case err == nil:
			accepted++
		case variant == token:
			t.Fatalf("the genuine token refused: %v", err)
		case errorCode(err) != "InvalidClientTokenId":
			t.Errorf("variant %q: %v", variant[len(variant)-8:], err)
		}
	}
	if accepted != 1 {
		t.Fatalf("%d spellings accepted", accepted)
	}
}
