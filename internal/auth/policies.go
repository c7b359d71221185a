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

// Policies authorizes as IAM does: within an account, the root user may do
// everything and anyone else needs an Allow in their policies and no Deny;
// across accounts, nothing is allowed, as none of the resources rsdata
// serves has a resource-based policy (roles are assumed across accounts by
// their trust policies, which STS evaluates, not by this).
type Policies struct {
	Source PolicySource
	Now    func() time.Time
	// HomeAccount owns the resources requests name without an account
	// ("*" for ListStatements, say), other than IAM's and STS's, which
	// belong to the caller's account. Empty: the caller's account.
	HomeAccount string
}

// Authorize implements Authorizer.
func (a Policies) Authorize(ctx context.Context, p *Principal, req Request) error {
	if p == nil {
		return denied(p, req)
	}
	if owner := resourceAccount(req, a.HomeAccount); owner != "" && owner != p.AccountID && req.Action != "sts:AssumeRole" {
		return &DeniedError{Principal: p.ARN, Action: req.Action, Resource: req.Resource, PolicyType: "resource-based"}
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
	if d := policy.Decide(preq, pols...); d != policy.Allow {
		return deniedBy(p, req, "identity-based", d)
	}
	if p.SessionPolicy != "" {
		// A session policy can only take away: the request must be
		// allowed by it too.
		session, err := policy.Parse(p.SessionPolicy, policy.Identity)
		if err != nil {
			return deniedBy(p, req, "session", policy.NoDecision)
		}
		if d := session.Evaluate(preq); d != policy.Allow {
			return deniedBy(p, req, "session", d)
		}
	}
	return nil
}

// deniedBy is the refusal of a request that policies of policyType did not
// allow: an explicit deny when d is policy.Deny, else an implicit one.
func deniedBy(p *Principal, req Request, policyType string, d policy.Decision) error {
	return &DeniedError{Principal: p.ARN, Action: req.Action, Resource: req.Resource,
		PolicyType: policyType, Explicit: d == policy.Deny}
}

// resourceAccount is the account owning req's resource: the account field
// of its ARN, or home for a resource without one outside IAM and STS. ""
// is no account (an AWS managed policy, or an IAM or STS request on "*").
func resourceAccount(req Request, home string) string {
	if rest, ok := strings.CutPrefix(req.Resource, "arn:"); ok {
		parts := strings.SplitN(rest, ":", 5)
		if len(parts) < 5 || parts[3] == "aws" {
			return ""
		}
		return parts[3]
	}
	service, _, _ := strings.Cut(req.Action, ":")
	if service == "iam" || service == "sts" {
		return ""
	}
	return home
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
