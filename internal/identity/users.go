// Users: create, get, list, delete.

package identity

import (
	"context"
	"errors"
	"slices"
	"strings"
)

// CreateUserInput is CreateUser's request.
type CreateUserInput struct {
	UserName string
	Path     string // "" means "/"
	Tags     []Tag
}

// CreateUser creates a user.
func (s *Service) CreateUser(ctx context.Context, in CreateUserInput) (*User, error) {
	if err := checkName(in.UserName, "userName", 64); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	u := &User{
		Name: in.UserName, ID: newID("AIDA"), ARN: s.UserARN(path, in.UserName), Path: path,
		CreatedAt: s.now(), Tags: sortedTags(in.Tags),
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, ErrEntityAlreadyExists) {
			return nil, errorf(ErrEntityAlreadyExists, "User with name %s already exists.", in.UserName)
		}
		return nil, err
	}
	return u, nil
}

// GetUser returns a user with its tags.
func (s *Service) GetUser(ctx context.Context, name string) (*User, error) {
	u, err := s.store.GetUser(ctx, name)
	return u, ownerErr(Owner{KindUser, name}, err)
}

// ListUsersInput is ListUsers' request.
type ListUsersInput struct {
	PathPrefix string // "" or "/" lists every user
}

// ListUsers returns the users whose path starts with PathPrefix, by name.
func (s *Service) ListUsers(ctx context.Context, in ListUsersInput) ([]*User, error) {
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(users, func(u *User) bool { return !strings.HasPrefix(u.Path, in.PathPrefix) }), nil
}

// DeleteUser deletes a user that has no access keys and no policies.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	o := Owner{KindUser, name}
	// Look first to give IAM's message for the first dependent found; the
	// Store checks again atomically.
	keys, err := s.store.ListAccessKeys(ctx, name)
	if err != nil {
		return ownerErr(o, err)
	}
	if len(keys) > 0 {
		return errorf(ErrDeleteConflict, "Cannot delete entity, must delete access keys first.")
	}
	if err := s.checkNoPolicies(ctx, o); err != nil {
		return err
	}
	return s.deleteConflict(ownerErr(o, s.store.DeleteUser(ctx, name)))
}

func (s *Service) checkNoPolicies(ctx context.Context, o Owner) error {
	inline, err := s.store.ListInlinePolicies(ctx, o)
	if err != nil {
		return ownerErr(o, err)
	}
	if len(inline) > 0 {
		return errorf(ErrDeleteConflict, "Cannot delete entity, must delete policies first.")
	}
	attached, err := s.store.ListAttached(ctx, o)
	if err != nil {
		return ownerErr(o, err)
	}
	if len(attached) > 0 {
		return errorf(ErrDeleteConflict, "Cannot delete entity, must detach all policies first.")
	}
	return nil
}

func (s *Service) deleteConflict(err error) error {
	if errors.Is(err, ErrDeleteConflict) && !hasMessage(err) {
		return errorf(ErrDeleteConflict, "Cannot delete entity, must remove its dependents first.")
	}
	return err
}
