// Package sts implements the AWS Security Token Service operations rsdata
// serves, over the Query protocol.
package sts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/awsquery"
	"github.com/rsdata/rsdata/internal/policy"
	"github.com/rsdata/rsdata/internal/sessiontoken"
)

// Service is STS's Query-protocol identity.
var Service = awsquery.Service{Name: "sts", Version: "2011-06-15", Namespace: "https://sts.amazonaws.com/doc/2011-06-15/"}

// Role is what AssumeRole needs to know of a role.
type Role struct {
	// Account owns the role: rsdata's account or a peer account.
	Account            string
	ARN, ID, Name      string
	TrustPolicy        string
	MaxSessionDuration time.Duration
}

// Roles finds roles by ARN.
type Roles interface {
	// RoleByARN returns the role, or ErrNoSuchRole.
	RoleByARN(ctx context.Context, arn string) (*Role, error)
}

// ErrNoSuchRole is returned by Roles for an unknown role.
var ErrNoSuchRole = errors.New("no such role")

// Options configures the API.
type Options struct {
	Clock func() time.Time
}

// API holds STS's dependencies.
type API struct {
	opts   Options
	roles  Roles
	minter *sessiontoken.Minter
	authz  auth.Authorizer
}

// New returns the STS API.
func New(opts Options, roles Roles, minter *sessiontoken.Minter, authz auth.Authorizer) *API {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &API{opts: opts, roles: roles, minter: minter, authz: authz}
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

var sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

func validation(format string, args ...any) error {
	return &awserr.Error{Code: "ValidationError", Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

func accessDenied(p *auth.Principal, roleARN string) error {
	return &awserr.Error{Code: "AccessDenied", Status: http.StatusForbidden,
		Message: fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", p.ARN, roleARN)}
}

// AssumeRole returns temporary credentials for a role whose trust policy
// lets the caller in. Callers other than the account's root also need an
// identity policy allowing sts:AssumeRole on the role (rsdata asks for both
// even where AWS would accept a trust policy naming the user alone). The
// role may belong to another account than the caller's: the credentials
// are then the other account's.
func (a *API) AssumeRole(ctx context.Context, in *AssumeRoleInput) (*AssumeRoleOutput, error) {
	p := auth.PrincipalFrom(ctx)
	if p == nil {
		return nil, awserr.MissingAuthenticationToken()
	}
	if !sessionNamePattern.MatchString(in.RoleSessionName) {
		return nil, validation("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", in.RoleSessionName)
	}
	role, err := a.roles.RoleByARN(ctx, in.RoleArn)
	if errors.Is(err, ErrNoSuchRole) {
		return nil, accessDenied(p, in.RoleArn)
	}
	if err != nil {
		return nil, err
	}
	duration := time.Hour
	if in.DurationSeconds != nil {
		duration = time.Duration(*in.DurationSeconds) * time.Second
		if *in.DurationSeconds < 900 {
			return nil, validation("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", *in.DurationSeconds)
		}
		if max := role.MaxSessionDuration; max > 0 && duration > max {
			return nil, validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
		}
	}
	if in.Policy != "" {
		if _, err := policy.Parse(in.Policy, policy.Identity); err != nil {
			var mal *policy.MalformedError
			if errors.As(err, &mal) {
				return nil, &awserr.Error{Code: "MalformedPolicyDocument", Message: mal.Message, Status: http.StatusBadRequest}
			}
			return nil, err
		}
	}
	trust, err := policy.Parse(role.TrustPolicy, policy.Trust)
	if err != nil {
		return nil, accessDenied(p, role.ARN)
	}
	keys := map[string][]string{"aws:principalarn": {p.ARN}, "aws:userid": {p.UserID}, "aws:principalaccount": {p.AccountID}}
	if p.UserName != "" {
		keys["aws:username"] = []string{p.UserName}
	}
	if in.ExternalId != "" {
		keys["sts:externalid"] = []string{in.ExternalId}
	}
	if trust.Evaluate(&policy.Request{Action: "sts:AssumeRole", Resource: role.ARN, Principal: p.ARN,
		PrincipalAccount: p.AccountID, Context: keys}) != policy.Allow {
		return nil, accessDenied(p, role.ARN)
	}
	if err := auth.Require(ctx, a.authz, "sts:AssumeRole", role.ARN); err != nil {
		if errors.Is(err, auth.ErrDenied) {
			return nil, accessDenied(p, role.ARN)
		}
		return nil, err
	}
	expires := a.opts.Clock().UTC().Add(duration).Truncate(time.Second)
	akid, secret, token, err := a.minter.Mint(sessiontoken.Claims{AccountID: role.Account, RoleARN: role.ARN,
		RoleID: role.ID, SessionName: in.RoleSessionName, Expires: expires, SessionPolicy: in.Policy})
	if err != nil {
		return nil, err
	}
	out := &AssumeRoleOutput{
		Credentials:     Credentials{AccessKeyId: akid, SecretAccessKey: secret, SessionToken: token, Expiration: expires},
		AssumedRoleUser: AssumedRoleUser{AssumedRoleId: role.ID + ":" + in.RoleSessionName, Arn: AssumedRoleARN(role.Account, role.Name, in.RoleSessionName)},
	}
	if in.Policy != "" {
		out.PackedPolicySize = min(100, len(in.Policy)*100/2048)
	}
	return out, nil
}

// AssumedRoleARN is the ARN of a role session.
func AssumedRoleARN(account, role, session string) string {
	return arn.AssumedRole(account, role, session)
}
