// Package auth authenticates every request (SigV4, against the keys rsdata
// knows) and authorizes each operation. The verified caller travels in the
// request context as a Principal; handlers call Require before acting.
package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/rsdata/rsdata/internal/identity"
)

// Principal is an authenticated caller. Package identity owns who callers
// are (root, IAM users, assumed-role sessions); auth carries them.
type Principal = identity.Caller

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
	// PolicyType names the kind of policy that decided ("identity-based",
	// "session", "resource-based"); empty when no policy was evaluated,
	// and the message then ends at the resource.
	PolicyType string
	// Explicit reports a Deny statement, rather than no Allow.
	Explicit bool
}

// Error is IAM's wording since 2021, which the JSON services and IAM send:
//
//	User: <arn> is not authorized to perform: <action> on resource: <arn> because no identity-based policy allows the <action> action
//	User: <arn> is not authorized to perform: <action> on resource: <arn> with an explicit deny in an identity-based policy
func (e *DeniedError) Error() string {
	msg := e.base()
	switch {
	case e.PolicyType == "":
	case e.Explicit:
		msg += " with an explicit deny in " + article(e.PolicyType) + " " + e.PolicyType + " policy"
	default:
		msg += " because no " + e.PolicyType + " policy allows the " + e.Action + " action"
	}
	return msg
}

// Short is the older wording Redshift (provisioned) still sends: no reason
// for an implicit deny, " with an explicit deny" for an explicit one.
func (e *DeniedError) Short() string {
	if e.Explicit {
		return e.base() + " with an explicit deny"
	}
	return e.base()
}

// base names the resource unless it is empty: Secrets Manager's
// ListSecrets, for one, names none.
func (e *DeniedError) base() string {
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s", e.Principal, e.Action)
	if e.Resource != "" {
		msg += " on resource: " + e.Resource
	}
	return msg
}

func article(word string) string {
	if word != "" && (word[0] == 'a' || word[0] == 'e' || word[0] == 'i' || word[0] == 'o' || word[0] == 'u') {
		return "an"
	}
	return "a"
}

func (e *DeniedError) Is(target error) bool { return target == ErrDenied }

// Request is one authorization question: may the caller perform Action on
// Resource? Context adds condition keys the operation knows (such as
// redshift-data:statement-owner-iam-userid) to those of the caller.
type Request struct {
	Action   string
	Resource string
	Context  map[string][]string
}

// Authorizer decides whether a principal may make a request. It returns
// nil, or a *DeniedError.
type Authorizer interface {
	Authorize(ctx context.Context, p *Principal, req Request) error
}

func denied(p *Principal, req Request) error {
	name := "anonymous"
	if p != nil {
		name = p.ARN
	}
	return &DeniedError{Principal: name, Action: req.Action, Resource: req.Resource}
}

// RootOnly authorizes the account's root credentials for everything and
// nobody else.
type RootOnly struct{}

// Authorize implements Authorizer.
func (RootOnly) Authorize(_ context.Context, p *Principal, req Request) error {
	if p != nil && p.Root {
		return nil
	}
	return denied(p, req)
}

// Require authorizes the caller in ctx to perform action on resource.
func Require(ctx context.Context, az Authorizer, action, resource string) error {
	return az.Authorize(ctx, PrincipalFrom(ctx), Request{Action: action, Resource: resource})
}

// RequireWith authorizes the caller in ctx for req.
func RequireWith(ctx context.Context, az Authorizer, req Request) error {
	return az.Authorize(ctx, PrincipalFrom(ctx), req)
}
