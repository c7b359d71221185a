// Handlers for the tags of users and roles.

package iam

import (
	"context"

	"github.com/rsdata/rsdata/internal/identity"
	"github.com/rsdata/rsdata/internal/pagetoken"
)

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
