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

// --- users ---

func (a *API) createUser(ctx context.Context, in *createUserInput) (*userOutput, error) {
	if err := a.require(ctx, "CreateUser", a.svc(ctx).UserARN(str(in.Path), in.UserName)); err != nil {
		return nil, err
	}
	u, err := a.svc(ctx).CreateUser(ctx, identity.CreateUserInput{UserName: in.UserName, Path: str(in.Path), Tags: tagsIn(in.Tags)})
	if err != nil {
		return nil, err
	}
	return &userOutput{User: userOut(u, true)}, nil
}

func (a *API) getUser(ctx context.Context, in *optionalUserInput) (*userOutput, error) {
	if in.UserName == nil || *in.UserName == "" {
		if p := auth.PrincipalFrom(ctx); p != nil && p.Root {
			if err := a.require(ctx, "GetUser", p.ARN); err != nil {
				return nil, err
			}
			return &userOutput{User: user{UserId: p.AccountID, Arn: p.ARN}}, nil
		}
	}
	name, err := callerUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	if err := a.requireUser(ctx, "GetUser", name); err != nil {
		return nil, err
	}
	u, err := a.svc(ctx).GetUser(ctx, name)
	if err != nil {
		return nil, err
	}
	return &userOutput{User: userOut(u, true)}, nil
}

func (a *API) listUsers(ctx context.Context, in *listInput) (*listUsersOutput, error) {
	if err := a.require(ctx, "ListUsers", a.svc(ctx).UserARN("/", "*")); err != nil {
		return nil, err
	}
	users, err := a.svc(ctx).ListUsers(ctx, identity.ListUsersInput{PathPrefix: str(in.PathPrefix)})
	if err != nil {
		return nil, err
	}
	users, next, err := pageOf(a.tokens, users, func(u *identity.User) string { return u.Name }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &listUsersOutput{Users: make([]user, len(users)), IsTruncated: next != "", Marker: next}
	for i, u := range users {
		out.Users[i] = userOut(u, false)
	}
	return out, nil
}

func (a *API) deleteUser(ctx context.Context, in *userNameInput) (*empty, error) {
	if err := a.requireUser(ctx, "DeleteUser", in.UserName); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).DeleteUser(ctx, in.UserName)
}

// --- access keys ---

func (a *API) createAccessKey(ctx context.Context, in *optionalUserInput) (*accessKeyOutput, error) {
	name, err := callerUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	if err := a.requireUser(ctx, "CreateAccessKey", name); err != nil {
		return nil, err
	}
	k, err := a.svc(ctx).CreateAccessKey(ctx, name)
	if err != nil {
		return nil, err
	}
	return &accessKeyOutput{AccessKey: accessKey{
		UserName: k.UserName, AccessKeyId: k.ID, Status: string(k.Status), SecretAccessKey: k.Secret, CreateDate: k.CreatedAt,
	}}, nil
}

func (a *API) listAccessKeys(ctx context.Context, in *listAccessKeysInput) (*listAccessKeysOutput, error) {
	name, err := callerUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	if err := a.requireUser(ctx, "ListAccessKeys", name); err != nil {
		return nil, err
	}
	keys, err := a.svc(ctx).ListAccessKeys(ctx, name)
	if err != nil {
		return nil, err
	}
	keys, next, err := pageOf(a.tokens, keys, func(k *identity.AccessKey) string { return k.ID }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &listAccessKeysOutput{AccessKeyMetadata: make([]accessKey, len(keys)), IsTruncated: next != "", Marker: next}
	for i, k := range keys {
		out.AccessKeyMetadata[i] = accessKey{UserName: k.UserName, AccessKeyId: k.ID, Status: string(k.Status), CreateDate: k.CreatedAt}
	}
	return out, nil
}

func (a *API) updateAccessKey(ctx context.Context, in *updateAccessKeyInput) (*empty, error) {
	name, err := callerUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	if err := a.requireUser(ctx, "UpdateAccessKey", name); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).UpdateAccessKey(ctx, identity.UpdateAccessKeyInput{
		UserName: name, AccessKeyID: in.AccessKeyId, Status: identity.AccessKeyStatus(in.Status),
	})
}

func (a *API) deleteAccessKey(ctx context.Context, in *deleteAccessKeyInput) (*empty, error) {
	name, err := callerUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	if err := a.requireUser(ctx, "DeleteAccessKey", name); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).DeleteAccessKey(ctx, name, in.AccessKeyId)
}

// --- user inline policies ---

func (a *API) putUserPolicy(ctx context.Context, in *putUserPolicyInput) (*empty, error) {
	if err := a.requireUser(ctx, "PutUserPolicy", in.UserName); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).PutUserPolicy(ctx, in.UserName, in.PolicyName, in.PolicyDocument)
}

func (a *API) getUserPolicy(ctx context.Context, in *userPolicyInput) (*getUserPolicyOutput, error) {
	if err := a.requireUser(ctx, "GetUserPolicy", in.UserName); err != nil {
		return nil, err
	}
	p, err := a.svc(ctx).GetUserPolicy(ctx, in.UserName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &getUserPolicyOutput{UserName: in.UserName, PolicyName: p.Name, PolicyDocument: encodeDocument(p.Document)}, nil
}

func (a *API) listUserPolicies(ctx context.Context, in *userListInput) (*policyNamesOutput, error) {
	if err := a.requireUser(ctx, "ListUserPolicies", in.UserName); err != nil {
		return nil, err
	}
	names, err := a.svc(ctx).ListUserPolicies(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	return policyNamesPage(a.tokens, names, in.Marker, in.MaxItems)
}

// policyNamesPage is one page of inline policy names.
func policyNamesPage(tokens *pagetoken.Codec, names []string, marker *string, maxItems *int32) (*policyNamesOutput, error) {
	names, next, err := pageOf(tokens, names, func(n string) string { return n }, marker, maxItems)
	if err != nil {
		return nil, err
	}
	return &policyNamesOutput{PolicyNames: names, IsTruncated: next != "", Marker: next}, nil
}

func (a *API) deleteUserPolicy(ctx context.Context, in *userPolicyInput) (*empty, error) {
	if err := a.requireUser(ctx, "DeleteUserPolicy", in.UserName); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).DeleteUserPolicy(ctx, in.UserName, in.PolicyName)
}

// --- roles ---

func (a *API) createRole(ctx context.Context, in *createRoleInput) (*roleOutput, error) {
	if err := a.require(ctx, "CreateRole", a.svc(ctx).RoleARN(str(in.Path), in.RoleName)); err != nil {
		return nil, err
	}
	req := identity.CreateRoleInput{
		RoleName: in.RoleName, Path: str(in.Path), AssumeRolePolicyDocument: in.AssumeRolePolicyDocument,
		Description: str(in.Description), Tags: tagsIn(in.Tags),
	}
	if in.MaxSessionDuration != nil {
		if *in.MaxSessionDuration == 0 {
			return nil, validation("1 validation error detected: Value '0' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600")
		}
		req.MaxSessionDuration = *in.MaxSessionDuration
	}
	r, err := a.svc(ctx).CreateRole(ctx, req)
	if err != nil {
		return nil, err
	}
	return &roleOutput{Role: roleOut(r, true)}, nil
}

func (a *API) getRole(ctx context.Context, in *roleNameInput) (*roleOutput, error) {
	if err := a.requireRole(ctx, "GetRole", in.RoleName); err != nil {
		return nil, err
	}
	r, err := a.svc(ctx).GetRole(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	return &roleOutput{Role: roleOut(r, true)}, nil
}

func (a *API) listRoles(ctx context.Context, in *listInput) (*listRolesOutput, error) {
	if err := a.require(ctx, "ListRoles", a.svc(ctx).RoleARN("/", "*")); err != nil {
		return nil, err
	}
	roles, err := a.svc(ctx).ListRoles(ctx, identity.ListRolesInput{PathPrefix: str(in.PathPrefix)})
	if err != nil {
		return nil, err
	}
	roles, next, err := pageOf(a.tokens, roles, func(r *identity.Role) string { return r.Name }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &listRolesOutput{Roles: make([]role, len(roles)), IsTruncated: next != "", Marker: next}
	for i, r := range roles {
		out.Roles[i] = roleOut(r, false)
	}
	return out, nil
}

func (a *API) deleteRole(ctx context.Context, in *roleNameInput) (*empty, error) {
	if err := a.requireRole(ctx, "DeleteRole", in.RoleName); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).DeleteRole(ctx, in.RoleName)
}

// --- role inline policies ---

func (a *API) putRolePolicy(ctx context.Context, in *putRolePolicyInput) (*empty, error) {
	if err := a.requireRole(ctx, "PutRolePolicy", in.RoleName); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).PutRolePolicy(ctx, in.RoleName, in.PolicyName, in.PolicyDocument)
}

func (a *API) getRolePolicy(ctx context.Context, in *rolePolicyInput) (*getRolePolicyOutput, error) {
	if err := a.requireRole(ctx, "GetRolePolicy", in.RoleName); err != nil {
		return nil, err
	}
	p, err := a.svc(ctx).GetRolePolicy(ctx, in.RoleName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &getRolePolicyOutput{RoleName: in.RoleName, PolicyName: p.Name, PolicyDocument: encodeDocument(p.Document)}, nil
}

func (a *API) listRolePolicies(ctx context.Context, in *roleListInput) (*policyNamesOutput, error) {
	if err := a.requireRole(ctx, "ListRolePolicies", in.RoleName); err != nil {
		return nil, err
	}
	names, err := a.svc(ctx).ListRolePolicies(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	return policyNamesPage(a.tokens, names, in.Marker, in.MaxItems)
}

func (a *API) deleteRolePolicy(ctx context.Context, in *rolePolicyInput) (*empty, error) {
	if err := a.requireRole(ctx, "DeleteRolePolicy", in.RoleName); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).DeleteRolePolicy(ctx, in.RoleName, in.PolicyName)
}

// --- managed policies ---

func (a *API) createPolicy(ctx context.Context, in *createPolicyInput) (*policyOutput, error) {
	if err := a.require(ctx, "CreatePolicy", a.svc(ctx).PolicyARN(str(in.Path), in.PolicyName)); err != nil {
		return nil, err
	}
	p, err := a.svc(ctx).CreatePolicy(ctx, identity.CreatePolicyInput{
		PolicyName: in.PolicyName, Path: str(in.Path), PolicyDocument: in.PolicyDocument, Description: str(in.Description),
	})
	if err != nil {
		return nil, err
	}
	return &policyOutput{Policy: policyOut(p)}, nil
}

func (a *API) getPolicy(ctx context.Context, in *policyArnInput) (*policyOutput, error) {
	if err := a.require(ctx, "GetPolicy", in.PolicyArn); err != nil {
		return nil, err
	}
	p, err := a.svc(ctx).GetPolicy(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return &policyOutput{Policy: policyOut(p)}, nil
}

func (a *API) getPolicyVersion(ctx context.Context, in *getPolicyVersionInput) (*getPolicyVersionOutput, error) {
	if err := a.require(ctx, "GetPolicyVersion", in.PolicyArn); err != nil {
		return nil, err
	}
	v, err := a.svc(ctx).GetPolicyVersion(ctx, in.PolicyArn, in.VersionId)
	if err != nil {
		return nil, err
	}
	return &getPolicyVersionOutput{PolicyVersion: policyVersion{
		Document: encodeDocument(v.Document), VersionId: v.VersionID, IsDefaultVersion: v.IsDefault, CreateDate: v.CreatedAt,
	}}, nil
}

func (a *API) createPolicyVersion(ctx context.Context, in *createPolicyVersionInput) (*getPolicyVersionOutput, error) {
	if err := a.require(ctx, "CreatePolicyVersion", in.PolicyArn); err != nil {
		return nil, err
	}
	v, err := a.svc(ctx).CreatePolicyVersion(ctx, in.PolicyArn, in.PolicyDocument, in.SetAsDefault)
	if err != nil {
		return nil, err
	}
	// Only GetPolicyVersion returns the document.
	return &getPolicyVersionOutput{PolicyVersion: policyVersion{VersionId: v.VersionID, IsDefaultVersion: v.IsDefault, CreateDate: v.CreatedAt}}, nil
}

func (a *API) listPolicyVersions(ctx context.Context, in *listPolicyVersionsInput) (*listPolicyVersionsOutput, error) {
	if err := a.require(ctx, "ListPolicyVersions", in.PolicyArn); err != nil {
		return nil, err
	}
	versions, err := a.svc(ctx).ListPolicyVersions(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	versions, next, err := pageOf(a.tokens, versions, func(v identity.PolicyVersion) string { return v.VersionID }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &listPolicyVersionsOutput{Versions: make([]policyVersion, len(versions)), IsTruncated: next != "", Marker: next}
	for i, v := range versions {
		out.Versions[i] = policyVersion{VersionId: v.VersionID, IsDefaultVersion: v.IsDefault, CreateDate: v.CreatedAt}
	}
	return out, nil
}

func (a *API) setDefaultPolicyVersion(ctx context.Context, in *getPolicyVersionInput) (*empty, error) {
	if err := a.require(ctx, "SetDefaultPolicyVersion", in.PolicyArn); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).SetDefaultPolicyVersion(ctx, in.PolicyArn, in.VersionId)
}

func (a *API) deletePolicyVersion(ctx context.Context, in *getPolicyVersionInput) (*empty, error) {
	if err := a.require(ctx, "DeletePolicyVersion", in.PolicyArn); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).DeletePolicyVersion(ctx, in.PolicyArn, in.VersionId)
}

func (a *API) listPolicies(ctx context.Context, in *listPoliciesInput) (*listPoliciesOutput, error) {
	if err := a.require(ctx, "ListPolicies", a.svc(ctx).PolicyARN("/", "*")); err != nil {
		return nil, err
	}
	ps, err := a.svc(ctx).ListPolicies(ctx, identity.ListPoliciesInput{Scope: str(in.Scope), OnlyAttached: in.OnlyAttached, PathPrefix: str(in.PathPrefix)})
	if err != nil {
		return nil, err
	}
	ps, next, err := pageOf(a.tokens, ps, func(p *identity.ManagedPolicy) string { return p.ARN }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &listPoliciesOutput{Policies: make([]managedPolicy, len(ps)), IsTruncated: next != "", Marker: next}
	for i, p := range ps {
		out.Policies[i] = policyOut(p)
	}
	return out, nil
}

func (a *API) deletePolicy(ctx context.Context, in *policyArnInput) (*empty, error) {
	if err := a.require(ctx, "DeletePolicy", in.PolicyArn); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).DeletePolicy(ctx, in.PolicyArn)
}

// --- attachments ---

func (a *API) attachUserPolicy(ctx context.Context, in *userPolicyArnInput) (*empty, error) {
	if err := a.requireUser(ctx, "AttachUserPolicy", in.UserName); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).AttachUserPolicy(ctx, in.UserName, in.PolicyArn)
}

func (a *API) detachUserPolicy(ctx context.Context, in *userPolicyArnInput) (*empty, error) {
	if err := a.requireUser(ctx, "DetachUserPolicy", in.UserName); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).DetachUserPolicy(ctx, in.UserName, in.PolicyArn)
}

func (a *API) listAttachedUserPolicies(ctx context.Context, in *userListInput) (*attachedPoliciesOutput, error) {
	if err := a.requireUser(ctx, "ListAttachedUserPolicies", in.UserName); err != nil {
		return nil, err
	}
	ps, err := a.svc(ctx).ListAttachedUserPolicies(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	return attachedPage(a.tokens, ps, in.Marker, in.MaxItems)
}

// attachedPage is one page of attached managed policies.
func attachedPage(tokens *pagetoken.Codec, ps []identity.AttachedPolicy, marker *string, maxItems *int32) (*attachedPoliciesOutput, error) {
	ps, next, err := pageOf(tokens, ps, func(p identity.AttachedPolicy) string { return p.ARN }, marker, maxItems)
	if err != nil {
		return nil, err
	}
	return &attachedPoliciesOutput{AttachedPolicies: attachedOut(ps), IsTruncated: next != "", Marker: next}, nil
}

func (a *API) attachRolePolicy(ctx context.Context, in *rolePolicyArnInput) (*empty, error) {
	if err := a.requireRole(ctx, "AttachRolePolicy", in.RoleName); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).AttachRolePolicy(ctx, in.RoleName, in.PolicyArn)
}

func (a *API) detachRolePolicy(ctx context.Context, in *rolePolicyArnInput) (*empty, error) {
	if err := a.requireRole(ctx, "DetachRolePolicy", in.RoleName); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).DetachRolePolicy(ctx, in.RoleName, in.PolicyArn)
}

func (a *API) listAttachedRolePolicies(ctx context.Context, in *roleListInput) (*attachedPoliciesOutput, error) {
	if err := a.requireRole(ctx, "ListAttachedRolePolicies", in.RoleName); err != nil {
		return nil, err
	}
	ps, err := a.svc(ctx).ListAttachedRolePolicies(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	return attachedPage(a.tokens, ps, in.Marker, in.MaxItems)
}

// --- tags ---

func (a *API) tagUser(ctx context.Context, in *tagUserInput) (*empty, error) {
	if err := a.requireUser(ctx, "TagUser", in.UserName); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).TagUser(ctx, in.UserName, tagsIn(in.Tags))
}

func (a *API) untagUser(ctx context.Context, in *untagUserInput) (*empty, error) {
	if err := a.requireUser(ctx, "UntagUser", in.UserName); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).UntagUser(ctx, in.UserName, in.TagKeys)
}

func (a *API) listUserTags(ctx context.Context, in *userListInput) (*tagsOutput, error) {
	if err := a.requireUser(ctx, "ListUserTags", in.UserName); err != nil {
		return nil, err
	}
	tags, err := a.svc(ctx).ListUserTags(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	return tagsPage(a.tokens, tags, in.Marker, in.MaxItems)
}

// tagsPage is one page of tags.
func tagsPage(tokens *pagetoken.Codec, tags []identity.Tag, marker *string, maxItems *int32) (*tagsOutput, error) {
	tags, next, err := pageOf(tokens, tags, func(t identity.Tag) string { return t.Key }, marker, maxItems)
	if err != nil {
		return nil, err
	}
	return &tagsOutput{Tags: tagsOut(tags), IsTruncated: next != "", Marker: next}, nil
}

func (a *API) tagRole(ctx context.Context, in *tagRoleInput) (*empty, error) {
	if err := a.requireRole(ctx, "TagRole", in.RoleName); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).TagRole(ctx, in.RoleName, tagsIn(in.Tags))
}

func (a *API) untagRole(ctx context.Context, in *untagRoleInput) (*empty, error) {
	if err := a.requireRole(ctx, "UntagRole", in.RoleName); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).UntagRole(ctx, in.RoleName, in.TagKeys)
}

func (a *API) listRoleTags(ctx context.Context, in *roleListInput) (*tagsOutput, error) {
	if err := a.requireRole(ctx, "ListRoleTags", in.RoleName); err != nil {
		return nil, err
	}
	tags, err := a.svc(ctx).ListRoleTags(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	return tagsPage(a.tokens, tags, in.Marker, in.MaxItems)
}
