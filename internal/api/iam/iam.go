// Package iam serves the IAM Query API over identity.Service: users and
// their access keys, roles, managed and inline policies, attachments and
// tags. Handlers translate IAM's wire shapes to the domain and back; every
// operation authorizes the caller first, and errors are mapped to IAM's
// codes in errors.go.
package iam

import (
	"context"
	"strings"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awsquery"
	"github.com/rsdata/rsdata/internal/identity"
	"github.com/rsdata/rsdata/internal/pagetoken"
)

// Service is IAM's Query protocol description.
var Service = awsquery.Service{Name: "iam", Version: "2010-05-08", Namespace: "https://iam.amazonaws.com/doc/2010-05-08/",
	Errors: toAWS}

// API is the IAM API.
type API struct {
	accounts map[string]*identity.Service
	home     string
	authz    auth.Authorizer
	tokens   *pagetoken.Codec
}

// New returns the IAM API over the identity services of accounts (by
// account id), authorizing callers with authz. Each caller works in its own
// account's IAM; home is the account of callers the map does not know.
// tokens mints and reads the lists' Markers; nil means a random key, whose
// Markers die with the API.
func New(accounts map[string]*identity.Service, home string, authz auth.Authorizer, tokens *pagetoken.Codec) *API {
	if tokens == nil {
		tokens = pagetoken.Random()
	}
	return &API{accounts: accounts, home: home, authz: authz, tokens: tokens}
}

// svc is the identity service of the caller's account.
func (a *API) svc(ctx context.Context) *identity.Service {
	if p := auth.PrincipalFrom(ctx); p != nil {
		if s, ok := a.accounts[p.AccountID]; ok {
			return s
		}
	}
	return a.accounts[a.home]
}

func register[In, Out any](r *awsquery.Router, action string, fn func(ctx context.Context, in *In) (*Out, error)) {
	awsquery.Register(r, Service, action, func(ctx context.Context, in *In) (*Out, error) {
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	})
}

// Register adds every IAM operation to r.
func (a *API) Register(r *awsquery.Router) {
	register(r, "CreateUser", a.createUser)
	register(r, "GetUser", a.getUser)
	register(r, "ListUsers", a.listUsers)
	register(r, "DeleteUser", a.deleteUser)
	register(r, "CreateAccessKey", a.createAccessKey)
	register(r, "ListAccessKeys", a.listAccessKeys)
	register(r, "UpdateAccessKey", a.updateAccessKey)
	register(r, "DeleteAccessKey", a.deleteAccessKey)
	register(r, "PutUserPolicy", a.putUserPolicy)
	register(r, "GetUserPolicy", a.getUserPolicy)
	register(r, "ListUserPolicies", a.listUserPolicies)
	register(r, "DeleteUserPolicy", a.deleteUserPolicy)
	register(r, "CreateRole", a.createRole)
	register(r, "GetRole", a.getRole)
	register(r, "ListRoles", a.listRoles)
	register(r, "DeleteRole", a.deleteRole)
	register(r, "PutRolePolicy", a.putRolePolicy)
	register(r, "GetRolePolicy", a.getRolePolicy)
	register(r, "ListRolePolicies", a.listRolePolicies)
	register(r, "DeleteRolePolicy", a.deleteRolePolicy)
	register(r, "CreatePolicy", a.createPolicy)
	register(r, "GetPolicy", a.getPolicy)
	register(r, "GetPolicyVersion", a.getPolicyVersion)
	register(r, "CreatePolicyVersion", a.createPolicyVersion)
	register(r, "ListPolicyVersions", a.listPolicyVersions)
	register(r, "SetDefaultPolicyVersion", a.setDefaultPolicyVersion)
	register(r, "DeletePolicyVersion", a.deletePolicyVersion)
	register(r, "ListPolicies", a.listPolicies)
	register(r, "DeletePolicy", a.deletePolicy)
	register(r, "AttachUserPolicy", a.attachUserPolicy)
	register(r, "DetachUserPolicy", a.detachUserPolicy)
	register(r, "ListAttachedUserPolicies", a.listAttachedUserPolicies)
	register(r, "AttachRolePolicy", a.attachRolePolicy)
	register(r, "DetachRolePolicy", a.detachRolePolicy)
	register(r, "ListAttachedRolePolicies", a.listAttachedRolePolicies)
	register(r, "TagUser", a.tagUser)
	register(r, "UntagUser", a.untagUser)
	register(r, "ListUserTags", a.listUserTags)
	register(r, "TagRole", a.tagRole)
	register(r, "UntagRole", a.untagRole)
	register(r, "ListRoleTags", a.listRoleTags)
}

// --- authorization helpers ---

func (a *API) require(ctx context.Context, action, resource string) error {
	return auth.Require(ctx, a.authz, "iam:"+action, resource)
}

// userResource is the ARN a user operation is authorized on: the user's
// own, path included, or the path-less ARN of a user that does not exist
// (so that only authorized callers learn that it does not).
func (a *API) userResource(ctx context.Context, name string) string {
	if u, err := a.svc(ctx).GetUser(ctx, name); err == nil {
		return u.ARN
	}
	return a.svc(ctx).UserARN("/", name)
}

func (a *API) roleResource(ctx context.Context, name string) string {
	if r, err := a.svc(ctx).GetRole(ctx, name); err == nil {
		return r.ARN
	}
	return a.svc(ctx).RoleARN("/", name)
}

func (a *API) requireUser(ctx context.Context, action, name string) error {
	return a.require(ctx, action, a.userResource(ctx, name))
}

func (a *API) requireRole(ctx context.Context, action, name string) error {
	return a.require(ctx, action, a.roleResource(ctx, name))
}

// callerUser resolves an optional UserName: IAM applies such operations to
// the calling user when it is absent.
func callerUser(ctx context.Context, name *string) (string, error) {
	if name != nil && *name != "" {
		return *name, nil
	}
	if p := auth.PrincipalFrom(ctx); p != nil {
		if _, rest, ok := strings.Cut(p.ARN, ":user/"); ok {
			return rest[strings.LastIndexByte(rest, '/')+1:], nil
		}
	}
	return "", validation("Must specify userName when calling with non-User credentials")
}
