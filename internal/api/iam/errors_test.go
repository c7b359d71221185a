package iam_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestIAMErrors: the rows of docs/ERRORS.md's IAM section, each through
// aws-sdk-go-v2's IAM client, asserting code, text and HTTP status. The
// rows run in order on one account: each sets up what the next refuses.
func TestIAMErrors(t *testing.T) {
	defer failOnMust(t)
	ctx := context.Background()
	c := setup(t).client
	const policyDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift-data:*","Resource":"*"}]}`
	const trustDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	must(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}))
	must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("analyst"), AssumeRolePolicyDocument: aws.String(trustDoc)}))
	pol := must(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("run"), PolicyDocument: aws.String(policyDoc)}))
	policyARN := aws.ToString(pol.Policy.Arn)
	rows := []struct {
		name    string
		call    func() error
		code    string
		status  int
		message string
	}{
		{"GetUser/unknown user", func() error {
			_, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
			return err
		}, "NoSuchEntity", 404, "The user with name nobody cannot be found."},
		{"GetRole/unknown role", func() error {
			_, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("nope")})
			return err
		}, "NoSuchEntity", 404, "The role with name nope cannot be found."},
		{"GetUserPolicy/unknown inline policy", func() error {
			_, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("absent")})
			return err
		}, "NoSuchEntity", 404, "The user policy with name absent cannot be found."},
		{"AttachUserPolicy/unknown managed policy", func() error {
			_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String("arn:aws:iam::123456789012:policy/Nope")})
			return err
		}, "NoSuchEntity", 404, "Policy arn:aws:iam::123456789012:policy/Nope does not exist or is not attachable."},
		{"DetachRolePolicy/policy not attached", func() error {
			_, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("analyst"), PolicyArn: aws.String(policyARN)})
			return err
		}, "NoSuchEntity", 404, "Policy " + policyARN + " was not found."},
		{"CreateUser/name taken", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
			return err
		}, "EntityAlreadyExists", 409, "User with name alice already exists."},
		{"CreateRole/name taken", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("analyst"), AssumeRolePolicyDocument: aws.String(trustDoc)})
			return err
		}, "EntityAlreadyExists", 409, "Role with name analyst already exists."},
		{"CreatePolicy/name taken", func() error {
			_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("run"), PolicyDocument: aws.String(policyDoc)})
			return err
		}, "EntityAlreadyExists", 409, "A policy called run already exists. Duplicate names are not allowed."},
		{"CreateUser/name not [\\w+=,.@-]+", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bad name")})
			return err
		}, "ValidationError", 400, "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"},
		{"PutUserPolicy/statement without Resource", func() error {
			_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`)})
			return err
		}, "MalformedPolicyDocument", 400, "Policy statement must contain resources."},
		{"CreateAccessKey/third key", func() error {
			must(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")}))
			must(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")}))
			_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
			return err
		}, "LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2"},
		{"DeleteUser/user with access keys", func() error {
			_, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
			return err
		}, "DeleteConflict", 409, "Cannot delete entity, must delete access keys first."},
		{"DeleteRole/role with an inline policy", func() error {
			must(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("analyst"), PolicyName: aws.String("inline"), PolicyDocument: aws.String(policyDoc)}))
			_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("analyst")})
			return err
		}, "DeleteConflict", 409, "Cannot delete entity, must delete policies first."},
		{"DeleteRole/role with an attached policy", func() error {
			must(c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("analyst"), PolicyName: aws.String("inline")}))
			must(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("analyst"), PolicyArn: aws.String(policyARN)}))
			_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("analyst")})
			return err
		}, "DeleteConflict", 409, "Cannot delete entity, must detach all policies first."},
		{"DeletePolicy/policy attached", func() error {
			_, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(policyARN)})
			return err
		}, "DeleteConflict", 409, "Cannot delete a policy attached to entities."},
		{"ListUsers/MaxItems 1001", func() error {
			_, err := c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(1001)})
			return err
		}, "ValidationError", 400, "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"ListUsers/Marker not issued", func() error {
			_, err := c.ListUsers(ctx, &iam.ListUsersInput{Marker: aws.String("bogus")})
			return err
		}, "ValidationError", 400, "Invalid Marker."},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			err := r.call()
			wantCode(t, err, r.code, r.message)
			wantStatus(t, err, r.status)
		})
	}
}
