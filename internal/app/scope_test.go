package app_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftserverless"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyauth "github.com/aws/smithy-go/auth"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// signAs makes an SDK client sign for another service: the credential
// scope names service instead of the client's own signing name.
func signAs[P any](service, region string) func(context.Context, P) ([]*smithyauth.Option, error) {
	return func(context.Context, P) ([]*smithyauth.Option, error) {
		var props smithy.Properties
		smithyhttp.SetSigV4SigningName(&props, service)
		smithyhttp.SetSigV4SigningRegion(&props, region)
		return []*smithyauth.Option{{SchemeID: smithyauth.SchemeIDSigV4, SignerProperties: props}}, nil
	}
}

type resolverFunc[P any] func(context.Context, P) ([]*smithyauth.Option, error)

func (f resolverFunc[P]) ResolveAuthSchemes(ctx context.Context, p P) ([]*smithyauth.Option, error) {
	return f(ctx, p)
}

// TestCredentialScopeMustNameTheAPI calls each API with real SDK clients
// whose signatures are scoped to another service (a Data API call signed
// for "iam" was served): each is refused with AWS's text, and the same
// clients signing for their own service are served.
func TestCredentialScopeMustNameTheAPI(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	cfg := env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey)
	refused := func(t *testing.T, err error, code, service string) {
		t.Helper()
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != code || ae.ErrorMessage() != "Credential should be scoped to correct service: '"+service+"'. " {
			t.Fatalf("got %v; want %s for %s", err, code, service)
		}
	}
	t.Run("data api signed for iam", func(t *testing.T) {
		c := redshiftdata.NewFromConfig(cfg, func(o *redshiftdata.Options) {
			o.AuthSchemeResolver = resolverFunc[*redshiftdata.AuthResolverParameters](signAs[*redshiftdata.AuthResolverParameters]("iam", apptest.Region))
		})
		_, err := c.ListStatements(ctx, &redshiftdata.ListStatementsInput{})
		refused(t, err, "InvalidSignatureException", "redshift-data")
		if _, err := redshiftdata.NewFromConfig(cfg).ListStatements(ctx, &redshiftdata.ListStatementsInput{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("secrets manager signed for redshift-data", func(t *testing.T) {
		c := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
			o.AuthSchemeResolver = resolverFunc[*secretsmanager.AuthResolverParameters](signAs[*secretsmanager.AuthResolverParameters]("redshift-data", apptest.Region))
		})
		_, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
		refused(t, err, "InvalidSignatureException", "secretsmanager")
	})
	t.Run("serverless signed for redshift", func(t *testing.T) {
		c := redshiftserverless.NewFromConfig(cfg, func(o *redshiftserverless.Options) {
			o.AuthSchemeResolver = resolverFunc[*redshiftserverless.AuthResolverParameters](signAs[*redshiftserverless.AuthResolverParameters]("redshift", apptest.Region))
		})
		_, err := c.ListWorkgroups(ctx, &redshiftserverless.ListWorkgroupsInput{})
		refused(t, err, "InvalidSignatureException", "redshift-serverless")
	})
	t.Run("iam signed for sts", func(t *testing.T) {
		c := iam.NewFromConfig(cfg, func(o *iam.Options) {
			o.AuthSchemeResolver = resolverFunc[*iam.AuthResolverParameters](signAs[*iam.AuthResolverParameters]("sts", apptest.Region))
		})
		_, err := c.ListUsers(ctx, &iam.ListUsersInput{})
		refused(t, err, "SignatureDoesNotMatch", "iam")
		if _, err := iam.NewFromConfig(cfg).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("sts signed for redshift-data", func(t *testing.T) {
		c := sts.NewFromConfig(cfg, func(o *sts.Options) {
			o.AuthSchemeResolver = resolverFunc[*sts.AuthResolverParameters](signAs[*sts.AuthResolverParameters]("redshift-data", apptest.Region))
		})
		_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		refused(t, err, "SignatureDoesNotMatch", "sts")
	})
}
