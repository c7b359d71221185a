// Inline policies of users and roles: put, get, list, delete.

package identity

import (
	"context"
	"errors"

	"github.com/rsdata/rsdata/internal/policy"
)

func (s *Service) putInline(ctx context.Context, o Owner, name, doc string) error {
	if err := checkName(name, "policyName", 128); err != nil {
		return err
	}
	max := maxUserPolicySize
	if o.Kind == KindRole {
		max = maxRolePolicySize
	}
	if err := checkDocument(doc, policy.Identity, max, string(o.Kind)+" "+o.Name); err != nil {
		return err
	}
	return ownerErr(o, s.store.PutInlinePolicy(ctx, o, InlinePolicy{Name: name, Document: doc}))
}

func (s *Service) getInline(ctx context.Context, o Owner, name string) (*InlinePolicy, error) {
	if _, err := s.owner(ctx, o); err != nil {
		return nil, err
	}
	p, err := s.store.GetInlinePolicy(ctx, o, name)
	return p, s.noSuchInline(o, name, err)
}

func (s *Service) listInline(ctx context.Context, o Owner) ([]string, error) {
	ps, err := s.store.ListInlinePolicies(ctx, o)
	if err != nil {
		return nil, ownerErr(o, err)
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return names, nil
}

func (s *Service) deleteInline(ctx context.Context, o Owner, name string) error {
	if _, err := s.owner(ctx, o); err != nil {
		return err
	}
	return s.noSuchInline(o, name, s.store.DeleteInlinePolicy(ctx, o, name))
}

func (s *Service) noSuchInline(o Owner, name string, err error) error {
	if errors.Is(err, ErrNoSuchEntity) && !hasMessage(err) {
		return errorf(ErrNoSuchEntity, "The %s policy with name %s cannot be found.", o.Kind, name)
	}
	return err
}

// owner checks that a user or role exists and returns its ARN.
func (s *Service) owner(ctx context.Context, o Owner) (string, error) {
	if o.Kind == KindRole {
		r, err := s.GetRole(ctx, o.Name)
		if err != nil {
			return "", err
		}
		return r.ARN, nil
	}
	u, err := s.GetUser(ctx, o.Name)
	if err != nil {
		return "", err
	}
	return u.ARN, nil
}

// PutUserPolicy creates or replaces a user's inline policy.
func (s *Service) PutUserPolicy(ctx context.Context, userName, policyName, document string) error {
	return s.putInline(ctx, Owner{KindUser, userName}, policyName, document)
}

// GetUserPolicy returns a user's inline policy.
func (s *Service) GetUserPolicy(ctx context.Context, userName, policyName string) (*InlinePolicy, error) {
	return s.getInline(ctx, Owner{KindUser, userName}, policyName)
}

// ListUserPolicies returns the names of a user's inline policies.
func (s *Service) ListUserPolicies(ctx context.Context, userName string) ([]string, error) {
	return s.listInline(ctx, Owner{KindUser, userName})
}

// DeleteUserPolicy deletes a user's inline policy.
func (s *Service) DeleteUserPolicy(ctx context.Context, userName, policyName string) error {
	return s.deleteInline(ctx, Owner{KindUser, userName}, policyName)
}

// PutRolePolicy creates or replaces a role's inline policy.
func (s *Service) PutRolePolicy(ctx context.Context, roleName, policyName, document string) error {
	return s.putInline(ctx, Owner{KindRole, roleName}, policyName, document)
}

// GetRolePolicy returns a role's inline policy.
func (s *Service) GetRolePolicy(ctx context.Context, roleName, policyName string) (*InlinePolicy, error) {
	return s.getInline(ctx, Owner{KindRole, roleName}, policyName)
}

// ListRolePolicies returns the names of a role's inline policies.
func (s *Service) ListRolePolicies(ctx context.Context, roleName string) ([]string, error) {
	return s.listInline(ctx, Owner{KindRole, roleName})
}

// DeleteRolePolicy deletes a role's inline policy.
func (s *Service) DeleteRolePolicy(ctx context.Context, roleName, policyName string) error {
	return s.deleteInline(ctx, Owner{KindRole, roleName}, policyName)
}
