// Package sts implements the AWS Security Token Service operations rsdata
// serves, over the Query protocol.
package sts

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"time"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/awsquery"
	"github.com/rsdata/rsdata/internal/identity"
)

// Service is STS's Query-protocol identity.
var Service = awsquery.Service{Name: "sts", Version: "2011-06-15", Namespace: "https://sts.amazonaws.com/doc/2011-06-15/",
	Errors: toAWS}

// Directory applies AssumeRole's rules and mints the credentials.
type Directory interface {
	// AssumeRole returns a session of the role for c, or an
	// *identity.ValidationError, *identity.MalformedError or
	// *identity.AssumeRoleDeniedError.
	AssumeRole(ctx context.Context, c *identity.Caller, req identity.AssumeRoleRequest) (*identity.RoleSession, error)
}

// API holds STS's dependencies.
type API struct {
	dir   Directory
	authz auth.Authorizer
}

// New returns the STS API.
func New(dir Directory, authz auth.Authorizer) *API {
	return &API{dir: dir, authz: authz}
}

// Register adds the implemented operations to r.
func (a *API) Register(r *awsquery.Router) {
	awsquery.Register(r, Service, "GetCallerIdentity", a.GetCallerIdentity)
	awsquery.Register(r, Service, "AssumeRole", a.AssumeRole)
}

type GetCallerIdentityInput struct{}

type GetCallerIdentityOutput struct {
	UserId  string `xml:"UserId"`
	Account string `xml:"Account"`
	Arn     string `xml:"Arn"`
}

// GetCallerIdentity tells the caller who it is. Like AWS, it needs no
// permission.
func (a *API) GetCallerIdentity(ctx context.Context, _ *GetCallerIdentityInput) (*GetCallerIdentityOutput, error) {
	p := auth.PrincipalFrom(ctx)
	if p == nil {
		return nil, awserr.MissingAuthenticationToken()
	}
	return &GetCallerIdentityOutput{UserId: p.UserID, Account: p.AccountID, Arn: p.ARN}, nil
}

type AssumeRoleInput struct {
	RoleArn         string `query:"RoleArn"`
	RoleSessionName string `query:"RoleSessionName"`
	DurationSeconds *int64 `query:"DurationSeconds"`
	ExternalId      string `query:"ExternalId"`
	Policy          string `query:"Policy"`
}

type Credentials struct {
	AccessKeyId     string    `xml:"AccessKeyId"`
	SecretAccessKey string    `xml:"SecretAccessKey"`
	SessionToken    string    `xml:"SessionToken"`
	Expiration      time.Time `xml:"Expiration"`
}

type AssumedRoleUser struct {
	AssumedRoleId string `xml:"AssumedRoleId"`
	Arn           string `xml:"Arn"`
}

type AssumeRoleOutput struct {
	Credentials      Credentials     `xml:"Credentials"`
	AssumedRoleUser  AssumedRoleUser `xml:"AssumedRoleUser"`
	PackedPolicySize int             `xml:"PackedPolicySize"`
}

// AssumeRole returns temporary credentials for a role (see
// identity.Directory.AssumeRole for the rules).
func (a *API) AssumeRole(ctx context.Context, in *AssumeRoleInput) (*AssumeRoleOutput, error) {
	p := auth.PrincipalFrom(ctx)
	if p == nil {
		return nil, awserr.MissingAuthenticationToken()
	}
	if err := checkAssumeRole(in); err != nil {
		return nil, err
	}
	req := identity.AssumeRoleRequest{RoleARN: in.RoleArn, SessionName: in.RoleSessionName, ExternalID: in.ExternalId,
		Policy: in.Policy, IdentityAllows: a.identityAllows}
	if in.DurationSeconds != nil {
		req.Duration = time.Duration(*in.DurationSeconds) * time.Second
		if req.Duration == 0 {
			// Zero is below the minimum, not "the default".
			req.Duration = -1
		}
	}
	s, err := a.dir.AssumeRole(ctx, p, req)
	if err != nil {
		return nil, err
	}
	out := &AssumeRoleOutput{
		Credentials:     Credentials{AccessKeyId: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken, Expiration: s.Expires},
		AssumedRoleUser: AssumedRoleUser{AssumedRoleId: s.AssumedRoleID, Arn: s.ARN},
	}
	if in.Policy != "" {
		out.PackedPolicySize = min(100, len(in.Policy)*100/2048)
	}
	return out, nil
}

// identityAllows asks the authorizer whether the caller's own policies
// allow sts:AssumeRole on the role.
func (a *API) identityAllows(ctx context.Context, roleARN string) (bool, error) {
	err := auth.Require(ctx, a.authz, "sts:AssumeRole", roleARN)
	if errors.Is(err, auth.ErrDenied) {
		return false, nil
	}
	return err == nil, err
}

// externalID is the model's pattern for ExternalId.
var externalID = regexp.MustCompile(`^[\w+=,.@:/-]*$`)

// checkAssumeRole applies the model's constraints that identity does not:
// AWS checks them before it looks at the role, so a value outside them is
// a ValidationError, never an AccessDenied.
func checkAssumeRole(in *AssumeRoleInput) error {
	constraint := func(value, member, rule string) error {
		return awserr.ValidationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, rule)
	}
	switch {
	case len(in.RoleArn) < 20:
		return constraint(in.RoleArn, "roleArn", "Member must have length greater than or equal to 20")
	case in.DurationSeconds != nil && *in.DurationSeconds > 43200:
		return constraint(strconv.FormatInt(*in.DurationSeconds, 10), "durationSeconds", "Member must have value less than or equal to 43200")
	case in.ExternalId != "" && len(in.ExternalId) < 2:
		return constraint(in.ExternalId, "externalId", "Member must have length greater than or equal to 2")
	case len(in.ExternalId) > 1224:
		return constraint(in.ExternalId, "externalId", "Member must have length less than or equal to 1224")
	case !externalID.MatchString(in.ExternalId):
		return constraint(in.ExternalId, "externalId", `Member must satisfy regular expression pattern: [\w+=,.@:\/-]*`)
	}
	return nil
}
