// Package iamrole obtains the database logins of IAM_ROLE datastores the
// way Redshift's JDBC driver does: STS AssumeRole with the connection's
// role ARN and external id, then, with the role's credentials,
// GetClusterCredentialsWithIAM (a provisioned cluster) or Redshift
// Serverless GetCredentials (a workgroup), whose database user is
// "IAMR:<role>". The calls go to an AWS endpoint: rsdata's own by default,
// so trust policies, ExternalId conditions and permissions are evaluated
// for real, or real AWS.
package iamrole

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshiftserverless"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/rsdata/rsdata/internal/datastore"
)

// Target is the cluster or workgroup behind a host and port.
type Target struct {
	Workgroup bool
	Name      string
}

// Options configure an Issuer.
type Options struct {
	// Endpoint returns the URL of the STS, Redshift and Redshift
	// Serverless APIs ("" : AWS's own endpoints for Region).
	Endpoint func() string
	Region   string
	// Credentials returns the base credentials that assume the roles:
	// rsdata's own identity, or real AWS credentials.
	Credentials func(ctx context.Context) (aws.Credentials, error)
	// Resolve names the cluster or workgroup at host:port, when it is one
	// of rsdata's own; other hosts are read as AWS endpoint names.
	Resolve func(host string, port int) (Target, bool)
	// SessionName names the role sessions (CloudTrail shows it).
	SessionName string
}

// Issuer implements datastore.CredentialIssuer.
type Issuer struct{ opts Options }

var _ datastore.CredentialIssuer = (*Issuer)(nil)

// New returns an Issuer.
func New(opts Options) *Issuer {
	if opts.SessionName == "" {
		opts.SessionName = "rsdata-datastore"
	}
	return &Issuer{opts: opts}
}

// credentialSeconds is how long database credentials last (GetClusterCredentials' default).
const credentialSeconds = 900

func (i *Issuer) config(creds aws.CredentialsProvider) aws.Config {
	cfg := aws.Config{Region: i.opts.Region, Credentials: creds, RetryMaxAttempts: 2}
	if i.opts.Endpoint != nil {
		if e := i.opts.Endpoint(); e != "" {
			cfg.BaseEndpoint = aws.String(e)
		}
	}
	return cfg
}

// Issue implements datastore.CredentialIssuer.
func (i *Issuer) Issue(ctx context.Context, req datastore.IssueRequest) (datastore.Issued, error) {
	target, err := i.target(req.Host, req.Port)
	if err != nil {
		return datastore.Issued{}, err
	}
	base, err := i.opts.Credentials(ctx)
	if err != nil {
		return datastore.Issued{}, fmt.Errorf("rsdata's base credentials: %w", err)
	}
	in := &sts.AssumeRoleInput{RoleArn: aws.String(req.RoleARN), RoleSessionName: aws.String(i.opts.SessionName)}
	if req.ExternalID != "" {
		in.ExternalId = aws.String(req.ExternalID)
	}
	stsClient := sts.NewFromConfig(i.config(credentials.NewStaticCredentialsProvider(base.AccessKeyID, base.SecretAccessKey, base.SessionToken)))
	assumed, err := stsClient.AssumeRole(ctx, in)
	if err != nil {
		return datastore.Issued{}, awsReason("STS AssumeRole", err)
	}
	c := assumed.Credentials
	roleCreds := credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	if target.Workgroup {
		out, err := redshiftserverless.NewFromConfig(i.config(roleCreds)).GetCredentials(ctx, &redshiftserverless.GetCredentialsInput{
			WorkgroupName: aws.String(target.Name), DbName: aws.String(req.Database), DurationSeconds: aws.Int32(credentialSeconds)})
		if err != nil {
			return datastore.Issued{}, awsReason("Redshift Serverless GetCredentials", err)
		}
		return datastore.Issued{User: aws.ToString(out.DbUser), Password: aws.ToString(out.DbPassword), Expiration: aws.ToTime(out.Expiration)}, nil
	}
	out, err := redshift.NewFromConfig(i.config(roleCreds)).GetClusterCredentialsWithIAM(ctx, &redshift.GetClusterCredentialsWithIAMInput{
		ClusterIdentifier: aws.String(target.Name), DbName: aws.String(req.Database), DurationSeconds: aws.Int32(credentialSeconds)})
	if err != nil {
		return datastore.Issued{}, awsReason("Redshift GetClusterCredentialsWithIAM", err)
	}
	return datastore.Issued{User: aws.ToString(out.DbUser), Password: aws.ToString(out.DbPassword), Expiration: aws.ToTime(out.Expiration)}, nil
}

// target maps host:port to a cluster or workgroup: one of rsdata's own,
// else the first label of an AWS endpoint name
// (<cluster>.<id>.<region>.redshift.amazonaws.com,
// <workgroup>.<account>.<region>.redshift-serverless.amazonaws.com).
func (i *Issuer) target(host string, port int) (Target, error) {
	if i.opts.Resolve != nil {
		if t, ok := i.opts.Resolve(host, port); ok {
			return t, nil
		}
	}
	label, rest, ok := strings.Cut(strings.ToLower(host), ".")
	switch {
	case ok && strings.HasSuffix(rest, ".redshift-serverless.amazonaws.com"):
		return Target{Workgroup: true, Name: label}, nil
	case ok && strings.HasSuffix(rest, ".redshift.amazonaws.com"):
		return Target{Name: label}, nil
	}
	return Target{}, fmt.Errorf("%s:%d is neither one of this server's clusters or workgroups nor an Amazon Redshift endpoint name, so IAM credentials cannot be requested for it", host, port)
}

// awsReason is an AWS error as its service words it: "STS AssumeRole:
// AccessDenied: User: ... is not authorized to perform: sts:AssumeRole".
func awsReason(call string, err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		return fmt.Errorf("%s: %s: %s", call, api.ErrorCode(), api.ErrorMessage())
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: timed out", call)
	}
	return fmt.Errorf("%s: the AWS endpoint could not be reached", call)
}
