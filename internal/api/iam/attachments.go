// Handlers that attach managed policies to users and roles.

package iam

import (
	"context"

	"github.com/rsdata/rsdata/internal/identity"
	"github.com/rsdata/rsdata/internal/pagetoken"
)

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
