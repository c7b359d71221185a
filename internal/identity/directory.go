package identity

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/policy"
	"github.com/rsdata/rsdata/internal/sessiontoken"
	"github.com/rsdata/rsdata/internal/sigv4"
)

// Caller is an authenticated caller: an account's root, an IAM user, or a
// session of an assumed role. The Directory resolves it from an access
// key; the authenticator carries it in the request context.
type Caller struct {
	AccountID   string
	ARN         string // arn:aws:iam::123456789012:root, ...:user/alice, ...:assumed-role/r/s
	UserID      string // aws:userid
	AccessKeyID string
	// OwnerARN is the identity that owns what this caller creates: the user,
	// or the role for every session of an assumed role.
	OwnerARN string
	Root     bool
	// UserName is the IAM user's name (aws:username); "" for root and roles.
	UserName string
	// RoleName and SessionPolicy describe an assumed-role session: its
	// role's policies apply, further limited by the session policy.
	RoleName      string
	SessionPolicy string
}

// RootKey is an account's root access key.
type RootKey struct {
	AccountID, AccessKeyID, SecretAccessKey string
}

// ErrExpiredToken reports temporary credentials past their expiry.
var ErrExpiredToken = errors.New("the security token included in the request is expired")

// DirectoryOptions configures a Directory.
type DirectoryOptions struct {
	// Home is rsdata's own account; its keys are looked up first.
	Home string
	// Accounts are the identities of every account served, Home included.
	Accounts map[string]*Service
	// Roots are the accounts' root keys.
	Roots []RootKey
	// Sessions mints and verifies assumed-role credentials.
	Sessions *sessiontoken.Minter
	// Clock returns the current time; time.Now when nil.
	Clock func() time.Time
}

// Directory answers "who is calling" for every account rsdata serves: it
// owns root keys, IAM users' keys and assumed-role session keys, finds
// roles across accounts, and applies STS's AssumeRole rules.
type Directory struct {
	roots    map[string]RootKey // by access key id
	accounts map[string]*Service
	// order is the accounts' ids, Home first: the order in which an IAM
	// user's access key is looked for, so the usual case costs one query.
	order    []string
	sessions *sessiontoken.Minter
	clock    func() time.Time
}

// NewDirectory returns the directory of opts' accounts.
func NewDirectory(opts DirectoryOptions) *Directory {
	d := &Directory{roots: map[string]RootKey{}, accounts: opts.Accounts, sessions: opts.Sessions, clock: opts.Clock}
	if d.clock == nil {
		d.clock = time.Now
	}
	for _, k := range opts.Roots {
		d.roots[k.AccessKeyID] = k
	}
	for id := range opts.Accounts {
		if id != opts.Home {
			d.order = append(d.order, id)
		}
	}
	slices.Sort(d.order)
	d.order = append([]string{opts.Home}, d.order...)
	return d
}

// LookupKey returns the secret behind an access key id and its caller, or
// an error satisfying errors.Is(err, sigv4.ErrUnknownAccessKey), or
// ErrExpiredToken for session credentials past their expiry. sessionToken
// is the request's X-Amz-Security-Token, which session keys need.
func (d *Directory) LookupKey(ctx context.Context, id, sessionToken string) (sigv4.Credentials, *Caller, error) {
	if k, ok := d.roots[id]; ok {
		rootARN := arn.IAMRoot(k.AccountID)
		return sigv4.Credentials{AccessKeyID: id, SecretAccessKey: k.SecretAccessKey}, &Caller{
			AccountID: k.AccountID, ARN: rootARN, OwnerARN: rootARN, UserID: k.AccountID, AccessKeyID: id, Root: true,
		}, nil
	}
	if strings.HasPrefix(id, "ASIA") {
		return d.sessionKey(id, sessionToken)
	}
	for _, account := range d.order {
		svc := d.accounts[account]
		if svc == nil {
			continue
		}
		secret, u, err := svc.LookupKey(ctx, id)
		if errors.Is(err, ErrUnknownKey) {
			continue
		}
		if err != nil {
			return sigv4.Credentials{}, nil, err
		}
		return sigv4.Credentials{AccessKeyID: id, SecretAccessKey: secret}, &Caller{
			AccountID: account, ARN: u.ARN, UserID: u.ID, AccessKeyID: id, OwnerARN: u.ARN, UserName: u.Name,
		}, nil
	}
	return sigv4.Credentials{}, nil, sigv4.ErrUnknownAccessKey
}

// sessionKey resolves session credentials from their token.
func (d *Directory) sessionKey(id, token string) (sigv4.Credentials, *Caller, error) {
	c, err := d.sessions.Verify(token, d.clock())
	switch {
	case errors.Is(err, sessiontoken.ErrExpired):
		return sigv4.Credentials{}, nil, ErrExpiredToken
	case err != nil || c.AccessKeyID != id:
		return sigv4.Credentials{}, nil, sigv4.ErrUnknownAccessKey
	}
	role := c.RoleARN[strings.LastIndexByte(c.RoleARN, '/')+1:]
	return sigv4.Credentials{AccessKeyID: id, SecretAccessKey: d.sessions.Secret(id), SessionToken: token}, &Caller{
		AccountID: c.AccountID, ARN: arn.AssumedRole(c.AccountID, role, c.SessionName),
		UserID: c.RoleID + ":" + c.SessionName, AccessKeyID: id,
		// Statements belong to the role, so every session of it sees them.
		OwnerARN: c.RoleARN, RoleName: role, SessionPolicy: c.SessionPolicy,
	}, nil
}

// PoliciesFor returns the identity policies of c: its user's or its
// role's. Root has none (it needs none in its own account).
func (d *Directory) PoliciesFor(ctx context.Context, c *Caller) ([]*policy.Policy, error) {
	svc, ok := d.accounts[c.AccountID]
	if !ok || c.Root {
		return nil, nil
	}
	if c.RoleName != "" {
		return svc.RolePolicies(ctx, c.RoleName)
	}
	return svc.UserPolicies(ctx, c.UserName)
}

// RoleByARN returns the role roleARN names in any account served, or an
// error satisfying errors.Is(err, ErrNoSuchEntity).
func (d *Directory) RoleByARN(ctx context.Context, roleARN string) (*Role, string, error) {
	// arn:aws:iam::<account>:role/<path><name>
	parts := strings.SplitN(roleARN, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" {
		return nil, "", errorf(ErrNoSuchEntity, "The role with ARN %s cannot be found.", roleARN)
	}
	svc, ok := d.accounts[parts[4]]
	if !ok {
		return nil, "", errorf(ErrNoSuchEntity, "The role with ARN %s cannot be found.", roleARN)
	}
	r, err := svc.GetRoleByARN(ctx, roleARN)
	if err != nil {
		return nil, "", err
	}
	return r, parts[4], nil
}

// AssumeRoleRequest is an sts:AssumeRole call.
type AssumeRoleRequest struct {
	RoleARN     string
	SessionName string
	// Duration is the requested lifetime; 0 means one hour.
	Duration   time.Duration
	ExternalID string
	// Policy is the session policy, "" for none.
	Policy string
	// IdentityAllows reports whether the caller's own policies allow
	// sts:AssumeRole on the role. The authorizer answers it; the
	// Directory asks only after the trust policy let the caller in.
	IdentityAllows func(ctx context.Context, roleARN string) (bool, error)
}

// RoleSession is the result of AssumeRole: credentials and who they act as.
type RoleSession struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	Expires                                    time.Time
	// AssumedRoleID is "<role id>:<session name>"; ARN the session's ARN.
	AssumedRoleID, ARN string
}

// AssumeRoleDeniedError is an AssumeRole the trust or identity policies
// refuse, or for a role that does not exist (AWS does not tell them
// apart). errors.Is(err, ErrAssumeRoleDenied) holds.
type AssumeRoleDeniedError struct{ Caller, RoleARN string }

// ErrAssumeRoleDenied is the sentinel of AssumeRoleDeniedError.
var ErrAssumeRoleDenied = errors.New("assume role denied")

func (e *AssumeRoleDeniedError) Error() string {
	return fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", e.Caller, e.RoleARN)
}

func (e *AssumeRoleDeniedError) Is(target error) bool { return target == ErrAssumeRoleDenied }

// minAssumeRoleDuration is the shortest session STS grants. (IAM's own
// minimum for a role's MaxSessionDuration is an hour.)
const minAssumeRoleDuration = 900 * time.Second

var sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// AssumeRole applies STS's rules and mints credentials for a session of
// the role: the role may belong to another account served than the
// caller's, and the credentials are then that account's. The role's trust
// policy must let the caller in and, for callers other than the account's
// root, the caller's identity policy must allow sts:AssumeRole on the role
// (rsdata asks for both even where AWS would accept a trust policy naming
// the user alone). Errors: *ValidationError, *MalformedError,
// *AssumeRoleDeniedError.
func (d *Directory) AssumeRole(ctx context.Context, c *Caller, req AssumeRoleRequest) (*RoleSession, error) {
	if !sessionNamePattern.MatchString(req.SessionName) {
		return nil, invalid("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", req.SessionName)
	}
	denied := &AssumeRoleDeniedError{Caller: c.ARN, RoleARN: req.RoleARN}
	role, account, err := d.RoleByARN(ctx, req.RoleARN)
	if errors.Is(err, ErrNoSuchEntity) {
		return nil, denied
	}
	if err != nil {
		return nil, err
	}
	denied.RoleARN = role.ARN
	duration := time.Hour
	if req.Duration != 0 {
		duration = req.Duration
		if duration < minAssumeRoleDuration {
			return nil, invalid("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", int64(duration/time.Second))
		}
		if max := time.Duration(role.MaxSessionDuration) * time.Second; max > 0 && duration > max {
			return nil, invalid("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
		}
	}
	if req.Policy != "" {
		if _, err := policy.Parse(req.Policy, policy.Identity); err != nil {
			var mal *policy.MalformedError
			if errors.As(err, &mal) {
				return nil, &MalformedError{Message: mal.Message}
			}
			return nil, err
		}
	}
	trust, err := policy.Parse(role.TrustPolicy, policy.Trust)
	if err != nil {
		return nil, denied
	}
	keys := map[string][]string{"aws:principalarn": {c.ARN}, "aws:userid": {c.UserID}, "aws:principalaccount": {c.AccountID}}
	if c.UserName != "" {
		keys["aws:username"] = []string{c.UserName}
	}
	if req.ExternalID != "" {
		keys["sts:externalid"] = []string{req.ExternalID}
	}
	if trust.Evaluate(&policy.Request{Action: "sts:AssumeRole", Resource: role.ARN, Principal: c.ARN,
		PrincipalAccount: c.AccountID, Context: keys}) != policy.Allow {
		return nil, denied
	}
	if req.IdentityAllows != nil {
		ok, err := req.IdentityAllows(ctx, role.ARN)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, denied
		}
	}
	expires := d.clock().UTC().Add(duration).Truncate(time.Second)
	akid, secret, token, err := d.sessions.Mint(sessiontoken.Claims{AccountID: account, RoleARN: role.ARN,
		RoleID: role.ID, SessionName: req.SessionName, Expires: expires, SessionPolicy: req.Policy})
	if err != nil {
		return nil, err
	}
	return &RoleSession{AccessKeyID: akid, SecretAccessKey: secret, SessionToken: token, Expires: expires,
		AssumedRoleID: role.ID + ":" + req.SessionName, ARN: arn.AssumedRole(account, role.Name, req.SessionName)}, nil
}
