// Roles: create, get, list, delete.

package identity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/policy"
)

// CreateRoleInput is CreateRole's request.
type CreateRoleInput struct {
	RoleName                 string
	Path                     string // "" means "/"
	AssumeRolePolicyDocument string
	Description              string
	MaxSessionDuration       int32 // 0 means 3600
	Tags                     []Tag
}

// CreateRole creates a role; its trust policy must parse as one.
func (s *Service) CreateRole(ctx context.Context, in CreateRoleInput) (*Role, error) {
	if err := checkName(in.RoleName, "roleName", 64); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	msd := in.MaxSessionDuration
	if msd == 0 {
		msd = minSessionDuration
	}
	if msd < minSessionDuration || msd > maxSessionDuration {
		return nil, constraint(fmt.Sprint(msd), "maxSessionDuration", "Member must have value less than or equal to 43200 and greater than or equal to 3600")
	}
	if len(in.Description) > 1000 {
		return nil, constraint(in.Description, "description", "Member must have length less than or equal to 1000")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := checkDocument(in.AssumeRolePolicyDocument, policy.Trust, maxRolePolicySize, "role "+in.RoleName); err != nil {
		return nil, err
	}
	r := &Role{
		Name: in.RoleName, ID: newID("AROA"), ARN: s.RoleARN(path, in.RoleName), Path: path,
		Description: in.Description, TrustPolicy: in.AssumeRolePolicyDocument, MaxSessionDuration: msd,
		CreatedAt: s.now(), Tags: sortedTags(in.Tags),
	}
	if err := s.store.CreateRole(ctx, r); err != nil {
		if errors.Is(err, ErrEntityAlreadyExists) {
			return nil, errorf(ErrEntityAlreadyExists, "Role with name %s already exists.", in.RoleName)
		}
		return nil, err
	}
	return r, nil
}

// GetRole returns a role with its tags.
func (s *Service) GetRole(ctx context.Context, name string) (*Role, error) {
	r, err := s.store.GetRole(ctx, name)
	return r, ownerErr(Owner{KindRole, name}, err)
}

// GetRoleByARN returns the role an ARN of this account names, with the
// same path; ErrNoSuchEntity otherwise.
func (s *Service) GetRoleByARN(ctx context.Context, roleARN string) (*Role, error) {
	prefix := arn.IAMRole(s.account, "/", "")
	if !strings.HasPrefix(roleARN, prefix) {
		return nil, errorf(ErrNoSuchEntity, "The role with ARN %s cannot be found.", roleARN)
	}
	name := roleARN[strings.LastIndexByte(roleARN, '/')+1:]
	r, err := s.store.GetRole(ctx, name)
	if errors.Is(err, ErrNoSuchEntity) || (err == nil && r.ARN != roleARN) {
		return nil, errorf(ErrNoSuchEntity, "The role with ARN %s cannot be found.", roleARN)
	}
	return r, err
}

// ListRolesInput is ListRoles' request.
type ListRolesInput struct {
	PathPrefix string
}

// ListRoles returns the roles whose path starts with PathPrefix, by name.
func (s *Service) ListRoles(ctx context.Context, in ListRolesInput) ([]*Role, error) {
	roles, err := s.store.ListRoles(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(roles, func(r *Role) bool { return !strings.HasPrefix(r.Path, in.PathPrefix) }), nil
}

// DeleteRole deletes a role that has no policies.
func (s *Service) DeleteRole(ctx context.Context, name string) error {
	o := Owner{KindRole, name}
	if err := s.checkNoPolicies(ctx, o); err != nil {
		return err
	}
	return s.deleteConflict(ownerErr(o, s.store.DeleteRole(ctx, name)))
}
