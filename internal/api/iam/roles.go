// Handlers for roles.

package iam

import (
	"context"

	"github.com/rsdata/rsdata/internal/identity"
)

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
