// Attaching managed policies to users and roles.

package identity

import (
	"context"
	"errors"
	"strings"
)

func (s *Service) attach(ctx context.Context, o Owner, arn string) error {
	if _, err := s.owner(ctx, o); err != nil {
		return err
	}
	err := s.store.Attach(ctx, o, arn, builtinARNs)
	if errors.Is(err, ErrNoSuchEntity) && !hasMessage(err) {
		// The owner existed a moment ago: the policy is what is missing,
		// unless the owner went meanwhile, which owner() tells apart.
		if _, oerr := s.owner(ctx, o); oerr != nil {
			return oerr
		}
		return noSuchPolicy(arn)
	}
	return err
}

func (s *Service) detach(ctx context.Context, o Owner, arn string) error {
	if _, err := s.owner(ctx, o); err != nil {
		return err
	}
	err := s.store.Detach(ctx, o, arn)
	if errors.Is(err, ErrNoSuchEntity) && !hasMessage(err) {
		return errorf(ErrNoSuchEntity, "Policy %s was not found.", arn)
	}
	return err
}

// AttachedPolicy names a managed policy attached to a user or role.
type AttachedPolicy struct {
	Name, ARN string
}

func (s *Service) listAttached(ctx context.Context, o Owner) ([]AttachedPolicy, error) {
	arns, err := s.store.ListAttached(ctx, o)
	if err != nil {
		return nil, ownerErr(o, err)
	}
	out := make([]AttachedPolicy, len(arns))
	for i, a := range arns {
		out[i] = AttachedPolicy{Name: a[strings.LastIndexByte(a, '/')+1:], ARN: a}
	}
	return out, nil
}

// AttachUserPolicy attaches a managed policy to a user.
func (s *Service) AttachUserPolicy(ctx context.Context, userName, policyARN string) error {
	return s.attach(ctx, Owner{KindUser, userName}, policyARN)
}

// DetachUserPolicy detaches a managed policy from a user.
func (s *Service) DetachUserPolicy(ctx context.Context, userName, policyARN string) error {
	return s.detach(ctx, Owner{KindUser, userName}, policyARN)
}

// ListAttachedUserPolicies returns the managed policies attached to a user.
func (s *Service) ListAttachedUserPolicies(ctx context.Context, userName string) ([]AttachedPolicy, error) {
	return s.listAttached(ctx, Owner{KindUser, userName})
}

// AttachRolePolicy attaches a managed policy to a role.
func (s *Service) AttachRolePolicy(ctx context.Context, roleName, policyARN string) error {
	return s.attach(ctx, Owner{KindRole, roleName}, policyARN)
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, roleName, policyARN string) error {
	return s.detach(ctx, Owner{KindRole, roleName}, policyARN)
}

// ListAttachedRolePolicies returns the managed policies attached to a role.
func (s *Service) ListAttachedRolePolicies(ctx context.Context, roleName string) ([]AttachedPolicy, error) {
	return s.listAttached(ctx, Owner{KindRole, roleName})
}
