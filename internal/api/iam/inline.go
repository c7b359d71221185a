// Handlers for the inline policies of users and roles.

package iam

import (
	"context"

	"github.com/rsdata/rsdata/internal/pagetoken"
)

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
