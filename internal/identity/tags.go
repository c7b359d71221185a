// Tags on users and roles.

package identity

import (
	"context"
	"errors"
	"slices"
	"strings"
)

func (s *Service) tag(ctx context.Context, o Owner, tags []Tag) error {
	if len(tags) == 0 {
		return constraint("[]", "tags", "Member must have length greater than or equal to 1")
	}
	if err := checkTags(tags); err != nil {
		return err
	}
	err := s.store.Tag(ctx, o, tags, maxTags)
	if errors.Is(err, ErrLimitExceeded) {
		return errorf(ErrLimitExceeded, "The number of tags has reached the maximum limit.")
	}
	return ownerErr(o, err)
}

func (s *Service) untag(ctx context.Context, o Owner, keys []string) error {
	if len(keys) == 0 {
		return constraint("[]", "tagKeys", "Member must have length greater than or equal to 1")
	}
	return ownerErr(o, s.store.Untag(ctx, o, keys))
}

func (s *Service) listTags(ctx context.Context, o Owner) ([]Tag, error) {
	tags, err := s.store.ListTags(ctx, o)
	return tags, ownerErr(o, err)
}

// TagUser adds or replaces tags on a user.
func (s *Service) TagUser(ctx context.Context, userName string, tags []Tag) error {
	return s.tag(ctx, Owner{KindUser, userName}, tags)
}

// UntagUser removes tags from a user.
func (s *Service) UntagUser(ctx context.Context, userName string, keys []string) error {
	return s.untag(ctx, Owner{KindUser, userName}, keys)
}

// ListUserTags returns a user's tags by key.
func (s *Service) ListUserTags(ctx context.Context, userName string) ([]Tag, error) {
	return s.listTags(ctx, Owner{KindUser, userName})
}

// TagRole adds or replaces tags on a role.
func (s *Service) TagRole(ctx context.Context, roleName string, tags []Tag) error {
	return s.tag(ctx, Owner{KindRole, roleName}, tags)
}

// UntagRole removes tags from a role.
func (s *Service) UntagRole(ctx context.Context, roleName string, keys []string) error {
	return s.untag(ctx, Owner{KindRole, roleName}, keys)
}

// ListRoleTags returns a role's tags by key.
func (s *Service) ListRoleTags(ctx context.Context, roleName string) ([]Tag, error) {
	return s.listTags(ctx, Owner{KindRole, roleName})
}

func sortedTags(tags []Tag) []Tag {
	if len(tags) == 0 {
		return nil
	}
	out := slices.Clone(tags)
	slices.SortFunc(out, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
	return out
}
