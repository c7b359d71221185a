package redshiftserverless_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	rss "github.com/aws/aws-sdk-go-v2/service/redshiftserverless"
	rsstypes "github.com/aws/aws-sdk-go-v2/service/redshiftserverless/types"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/dbcreds"
)

// TestServerlessErrors: the rows of docs/ERRORS.md's Redshift Serverless
// section, each through aws-sdk-go-v2's client, asserting code, text and
// status (every Redshift Serverless client error is a 400).
func TestServerlessErrors(t *testing.T) {
	ctx := context.Background()
	p := &auth.Principal{AccountID: account, ARN: "arn:aws:iam::" + account + ":user/u1", UserName: "u1"}
	e := setup(t, p, dbcreds.Options{})
	c := e.client
	wg, tagClient, _ := setupTagged(t)
	wgARN := arn.Workgroup("us-east-1", account, wg)
	missingARN := "arn:aws:redshift-serverless:us-east-1:" + account + ":workgroup/00000000-0000-0000-0000-000000000000"
	rows := []struct {
		name    string
		call    func() error
		code    string
		message string
		// resourceName is the ResourceNotFoundException's member.
		resourceName string
	}{
		{"GetCredentials/unknown workgroup", func() error {
			_, err := c.GetCredentials(ctx, &rss.GetCredentialsInput{WorkgroupName: aws.String("no-such-wg")})
			return err
		}, "ResourceNotFoundException", "Serverless workgroup no-such-wg not found.", "no-such-wg"},
		{"GetWorkgroup/unknown workgroup", func() error {
			_, err := c.GetWorkgroup(ctx, &rss.GetWorkgroupInput{WorkgroupName: aws.String("no-such-wg")})
			return err
		}, "ResourceNotFoundException", "Serverless workgroup no-such-wg not found.", "no-such-wg"},
		{"GetCredentials/workgroupName not [a-z0-9-]+", func() error {
			_, err := c.GetCredentials(ctx, &rss.GetCredentialsInput{WorkgroupName: aws.String("Bad_Name")})
			return err
		}, "ValidationException", "1 validation error detected: Value 'Bad_Name' at 'workgroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9-]+$", ""},
		{"GetWorkgroup/workgroupName shorter than 3", func() error {
			_, err := c.GetWorkgroup(ctx, &rss.GetWorkgroupInput{WorkgroupName: aws.String("ab")})
			return err
		}, "ValidationException", "1 validation error detected: Value 'ab' at 'workgroupName' failed to satisfy constraint: Member must have length greater than or equal to 3", ""},
		{"GetWorkgroup/workgroupName longer than 64", func() error {
			_, err := c.GetWorkgroup(ctx, &rss.GetWorkgroupInput{WorkgroupName: aws.String(strings.Repeat("a", 65))})
			return err
		}, "ValidationException", "1 validation error detected: Value '" + strings.Repeat("a", 65) + "' at 'workgroupName' failed to satisfy constraint: Member must have length less than or equal to 64", ""},
		{"GetCredentials/neither workgroupName nor customDomainName", func() error {
			_, err := c.GetCredentials(ctx, &rss.GetCredentialsInput{})
			return err
		}, "ValidationException", "The custom domain name or the workgroup name must be included in the request.", ""},
		{"GetCredentials/customDomainName", func() error {
			_, err := c.GetCredentials(ctx, &rss.GetCredentialsInput{CustomDomainName: aws.String("db.example.com")})
			return err
		}, "ValidationException", "customDomainName is not supported; pass workgroupName.", ""},
		{"GetCredentials/durationSeconds 600", func() error {
			_, err := c.GetCredentials(ctx, &rss.GetCredentialsInput{WorkgroupName: aws.String(e.wg), DurationSeconds: aws.Int32(600)})
			return err
		}, "ValidationException", "durationSeconds must be between 900 and 3600.", ""},
		{"ListWorkgroups/maxResults 0", func() error {
			_, err := c.ListWorkgroups(ctx, &rss.ListWorkgroupsInput{MaxResults: aws.Int32(0)})
			return err
		}, "ValidationException", "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1", ""},
		{"ListWorkgroups/maxResults 101", func() error {
			_, err := c.ListWorkgroups(ctx, &rss.ListWorkgroupsInput{MaxResults: aws.Int32(101)})
			return err
		}, "ValidationException", "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100", ""},
		{"TagResource/unknown workgroup ARN", func() error {
			_, err := tagClient.TagResource(ctx, &rss.TagResourceInput{ResourceArn: aws.String(missingARN), Tags: []rsstypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		}, "ResourceNotFoundException", "Resource " + missingARN + " not found.", missingARN},
		{"ListTagsForResource/unknown workgroup ARN", func() error {
			_, err := tagClient.ListTagsForResource(ctx, &rss.ListTagsForResourceInput{ResourceArn: aws.String(missingARN)})
			return err
		}, "ResourceNotFoundException", "Resource " + missingARN + " not found.", missingARN},
		{"TagResource/key over 128 characters", func() error {
			_, err := tagClient.TagResource(ctx, &rss.TagResourceInput{ResourceArn: aws.String(wgARN), Tags: []rsstypes.Tag{{Key: aws.String(strings.Repeat("k", 129)), Value: aws.String("v")}}})
			return err
		}, "ValidationException", "Tag keys must be 1 to 128 characters and values at most 256 characters.", ""},
		{"TagResource/tagging off", func() error {
			_, err := c.TagResource(ctx, &rss.TagResourceInput{ResourceArn: aws.String(wgARN), Tags: []rsstypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		}, "ValidationException", "Tagging is not supported by this server.", ""},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			err := r.call()
			api := wantAPIError(t, err, r.code, 400)
			if api.ErrorMessage() != r.message {
				t.Fatalf("message = %q, want %q", api.ErrorMessage(), r.message)
			}
			var nf *rsstypes.ResourceNotFoundException
			if r.resourceName != "" && (!errors.As(err, &nf) || aws.ToString(nf.ResourceName) != r.resourceName) {
				t.Fatalf("resourceName of %v, want %s", err, r.resourceName)
			}
		})
	}
}
