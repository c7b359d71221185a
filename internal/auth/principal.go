// Package auth authenticates every request (SigV4, against the keys rsdata
// knows) and authorizes each operation. The verified caller travels in the
// request context as a Principal; handlers call Require before acting.
package auth

import (
	"context"
	"errors"
	"fmt"
)

// Principal is an authenticated caller.
type Principal struct {
	AccountID   string
	ARN         string // arn:aws:iam::123456789012:root, ...:user/alice, ...:assumed-role/r/s
	UserID      string // aws:userid
	AccessKeyID string
	// OwnerARN is the identity that owns what this caller creates: the user,
	// or the role for every session of an assumed role.
	OwnerARN string
	Root     bool
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller carried by ctx, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// ErrDenied is returned by Require when the caller may not act.
var ErrDenied = errors.New("access denied")

// DeniedError says who was refused what, in AWS's message form.
type DeniedError struct {
	Principal, Action, Resource string
}

func (e *DeniedError) Error() string {
	return fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", e.Principal, e.Action, e.Resource)
}

func (e *DeniedError) Is(target error) bool { return target == ErrDenied }

// Authorizer decides whether a principal may perform an action on a
// resource. It returns nil, or a *DeniedError.
type Authorizer interface {
	Authorize(ctx context.Context, p *Principal, action, resource string) error
}

// RootOnly authorizes the account's root credentials for everything and
// nobody else: the policy for a server whose only identity is root, until IAM
// principals and policies are configured.
type RootOnly struct{}

// Authorize implements Authorizer.
func (RootOnly) Authorize(_ context.Context, p *Principal, action, resource string) error {
	if p != nil && p.Root {
		return nil
	}
	name := "anonymous"
	if p != nil {
		name = p.ARN
	}
	return &DeniedError{Principal: name, Action: action, Resource: resource}
}

// Require authorizes the caller in ctx with az.
func Require(ctx context.Context, az Authorizer, action, resource string) error {
	return az.Authorize(ctx, PrincipalFrom(ctx), action, resource)
}
