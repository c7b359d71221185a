// What the auth layer asks: the policies that apply to a user or role.

package identity

import (
	"context"
	"errors"
	"fmt"

	"github.com/rsdata/rsdata/internal/policy"
)

// UserPolicies returns every policy that applies to a user: inline policies and attached managed policies, parsed.
func (s *Service) UserPolicies(ctx context.Context, userName string) ([]*policy.Policy, error) {
	return s.policiesOf(ctx, Owner{KindUser, userName})
}

// RolePolicies returns every policy that applies to a role: inline policies and attached managed policies, parsed.
func (s *Service) RolePolicies(ctx context.Context, roleName string) ([]*policy.Policy, error) {
	return s.policiesOf(ctx, Owner{KindRole, roleName})
}

func (s *Service) policiesOf(ctx context.Context, o Owner) ([]*policy.Policy, error) {
	inline, err := s.store.ListInlinePolicies(ctx, o)
	if err != nil {
		return nil, ownerErr(o, err)
	}
	arns, err := s.store.ListAttached(ctx, o)
	if err != nil {
		return nil, ownerErr(o, err)
	}
	out := make([]*policy.Policy, 0, len(inline)+len(arns))
	for _, ip := range inline {
		p, err := policy.Parse(ip.Document, policy.Identity)
		if err != nil {
			// Documents are validated on the way in: this is corruption.
			return nil, fmt.Errorf("%s %s inline policy %s: %w", o.Kind, o.Name, ip.Name, err)
		}
		out = append(out, p)
	}
	for _, arn := range arns {
		if arn == policy.AmazonRedshiftDataFullAccessARN {
			out = append(out, policy.AmazonRedshiftDataFullAccess())
			continue
		}
		mp, err := s.store.GetPolicy(ctx, arn)
		if errors.Is(err, ErrNoSuchEntity) {
			// Deleted between the two reads: it no longer applies.
			continue
		}
		if err != nil {
			return nil, err
		}
		p, err := policy.Parse(mp.Document, policy.Identity)
		if err != nil {
			return nil, fmt.Errorf("managed policy %s: %w", arn, err)
		}
		out = append(out, p)
	}
	return out, nil
}
