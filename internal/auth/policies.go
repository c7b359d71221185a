package auth

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/rsdata/rsdata/internal/policy"
)

// PolicySource returns the identity policies that apply to a principal.
type PolicySource interface {
	// PoliciesFor returns the parsed policies of p: for an IAM user its
	// inline and attached managed policies. An error fails the request
	// closed (denied as an internal failure), never open.
	PoliciesFor(ctx context.Context, p *Principal) ([]*policy.Policy, error)
}

// Policies authorizes as IAM does within one account: the root user may do
// everything; anyone else needs an Allow in their policies and no Deny.
type Policies struct {
	Source PolicySource
	Now    func() time.Time
}

// Authorize implements Authorizer.
func (a Policies) Authorize(ctx context.Context, p *Principal, req Request) error {
	if p == nil {
		return denied(p, req)
	}
	if p.Root {
		return nil
	}
	pols, err := a.Source.PoliciesFor(ctx, p)
	if err != nil {
		return err
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	t := now().UTC()
	keys := map[string][]string{
		"aws:username":         {p.UserName},
		"aws:userid":           {p.UserID},
		"aws:principalarn":     {p.ARN},
		"aws:principalaccount": {p.AccountID},
		"aws:principaltype":    {principalType(p)},
		"aws:currenttime":      {t.Format(time.RFC3339)},
		"aws:epochtime":        {strconv.FormatInt(t.Unix(), 10)},
		"aws:securetransport":  {"false"},
	}
	if p.UserName == "" {
		delete(keys, "aws:username")
	}
	for k, v := range req.Context {
		keys[strings.ToLower(k)] = v
	}
	preq := &policy.Request{Action: req.Action, Resource: req.Resource, Principal: p.ARN,
		PrincipalAccount: p.AccountID, Context: keys}
	if policy.Decide(preq, pols...) != policy.Allow {
		return denied(p, req)
	}
	if p.SessionPolicy != "" {
		// A session policy can only take away: the request must be
		// allowed by it too.
		session, err := policy.Parse(p.SessionPolicy, policy.Identity)
		if err != nil || session.Evaluate(preq) != policy.Allow {
			return denied(p, req)
		}
	}
	return nil
}

func principalType(p *Principal) string {
	switch {
	case p.Root:
		return "Account"
	case strings.Contains(p.ARN, ":assumed-role/"):
		return "AssumedRole"
	default:
		return "User"
	}
}
