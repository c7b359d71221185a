// Handlers for users and their access keys.

package iam

import (
	"context"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/identity"
)

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
