package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/rsdata/rsdata/internal/api/sts"
	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/identity"
	"github.com/rsdata/rsdata/internal/policy"
	"github.com/rsdata/rsdata/internal/sessiontoken"
	"github.com/rsdata/rsdata/internal/sigv4"
)

// principals resolves access keys to principals (the accounts' root keys,
// IAM users' keys, and STS session keys) and principals to their policies,
// for the authenticator and the authorizer. Each account, rsdata's own and
// every peer account, has its own identities.
type principals struct {
	root     auth.StaticKeys
	accounts map[string]*identity.Service // by account id
	// order is the accounts' ids, rsdata's own first: the order in which
	// an IAM user's access key is looked for, so the usual case costs one
	// store query.
	order    []string
	sessions *sessiontoken.Minter
	now      func() time.Time
}

// LookupKey implements auth.KeyStore.
func (p principals) LookupKey(ctx context.Context, id, token string) (sigv4.Credentials, *auth.Principal, error) {
	if creds, pr, err := p.root.LookupKey(ctx, id, token); err == nil {
		return creds, pr, nil
	}
	if strings.HasPrefix(id, "ASIA") {
		return p.sessionKey(id, token)
	}
	for _, account := range p.order {
		secret, u, err := p.accounts[account].LookupKey(ctx, id)
		if errors.Is(err, identity.ErrUnknownKey) {
			continue
		}
		if err != nil {
			return sigv4.Credentials{}, nil, err
		}
		return sigv4.Credentials{AccessKeyID: id, SecretAccessKey: secret}, &auth.Principal{
			AccountID: account, ARN: u.ARN, UserID: u.ID, AccessKeyID: id, OwnerARN: u.ARN, UserName: u.Name,
		}, nil
	}
	return sigv4.Credentials{}, nil, sigv4.ErrUnknownAccessKey
}

// sessionKey resolves temporary credentials from their session token.
func (p principals) sessionKey(id, token string) (sigv4.Credentials, *auth.Principal, error) {
	c, err := p.sessions.Verify(token, p.now())
	switch {
	case errors.Is(err, sessiontoken.ErrExpired):
		return sigv4.Credentials{}, nil, auth.ErrExpiredToken
	case err != nil || c.AccessKeyID != id:
		return sigv4.Credentials{}, nil, sigv4.ErrUnknownAccessKey
	}
	role := c.RoleARN[strings.LastIndexByte(c.RoleARN, '/')+1:]
	return sigv4.Credentials{AccessKeyID: id, SecretAccessKey: p.sessions.Secret(id), SessionToken: token}, &auth.Principal{
		AccountID: c.AccountID, ARN: sts.AssumedRoleARN(c.AccountID, role, c.SessionName),
		UserID: c.RoleID + ":" + c.SessionName, AccessKeyID: id,
		// Statements belong to the role, so every session of it sees them.
		OwnerARN: c.RoleARN, RoleName: role, SessionPolicy: c.SessionPolicy,
	}, nil
}

// PoliciesFor implements auth.PolicySource.
func (p principals) PoliciesFor(ctx context.Context, pr *auth.Principal) ([]*policy.Policy, error) {
	ids, ok := p.accounts[pr.AccountID]
	if !ok {
		return nil, nil
	}
	if pr.RoleName != "" {
		return ids.RolePolicies(ctx, pr.RoleName)
	}
	return ids.UserPolicies(ctx, pr.UserName)
}

// RoleByARN implements sts.Roles: the role of any account rsdata serves.
func (p principals) RoleByARN(ctx context.Context, arn string) (*sts.Role, error) {
	// arn:aws:iam::<account>:role/<path><name>
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" {
		return nil, sts.ErrNoSuchRole
	}
	ids, ok := p.accounts[parts[4]]
	if !ok {
		return nil, sts.ErrNoSuchRole
	}
	r, err := ids.GetRoleByARN(ctx, arn)
	if errors.Is(err, identity.ErrNoSuchEntity) {
		return nil, sts.ErrNoSuchRole
	}
	if err != nil {
		return nil, err
	}
	return &sts.Role{Account: parts[4], ARN: r.ARN, ID: r.ID, Name: r.Name, TrustPolicy: r.TrustPolicy,
		MaxSessionDuration: time.Duration(r.MaxSessionDuration) * time.Second}, nil
}
