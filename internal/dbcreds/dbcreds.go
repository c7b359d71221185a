// Package dbcreds issues temporary database credentials, as Redshift's
// GetClusterCredentials, GetClusterCredentialsWithIAM and Redshift
// Serverless's GetCredentials do, and revokes them when they expire.
//
// A credential is a PostgreSQL login role whose name is the DbUser the API
// returns ("IAM:alice", "IAMA:bob", "IAMR:etl", "IAMA:bob:grp1:grp2"), with a
// random password set as a SCRAM-SHA-256 verifier. Each credential has two
// expiries:
//
//   - the lease: the Expiration the caller is told. A lease row (engine,
//     role, expiry, VALID UNTIL) is written for every credential, and Reap
//     disables the role of each lease past its expiry;
//   - VALID UNTIL on the role, set to the expiry plus Options.Buffer (60 s
//     by default). PostgreSQL itself refuses the password after it, so a
//     credential stops working even when no reaper runs; the buffer absorbs
//     clock skew between rsdata and the engine so that a credential works
//     until its expiry and not after VALID UNTIL.
//
// Mapping onto PostgreSQL, which has one password per role:
//
//   - GetClusterCredentials(DbUser "bob") does not touch the password of the
//     role "bob". It sets the password of the login role "IAM:bob" (or
//     "IAMA:bob" with AutoCreate), which is granted membership in "bob" when
//     "bob" exists, so it has bob's privileges (inherited, and SET ROLE bob
//     for the rest; role attributes such as SUPERUSER are not inherited).
//     When "bob" does not exist and AutoCreate is false, the call succeeds
//     but no role is made, so logging in fails, as Redshift documents.
//     With AutoCreate a missing "bob" is not created: the login role alone
//     exists, with PUBLIC's privileges.
//   - DbGroups are part of the role name, colon-joined as Redshift returns
//     them ("IAMA:bob:grp1:grp2"), and that role is granted the groups, which
//     must exist. Different group sets therefore get different roles, the
//     closest PostgreSQL comes to Redshift's per-session groups.
//   - IAM identities (GetClusterCredentialsWithIAM, GetCredentials) get
//     "IAM:<user name>" or "IAMR:<role name>", always created, never tied to
//     a database user of the same name.
//   - Issuing again for the same role replaces its password: unlike
//     Redshift, an earlier password of that role stops working.
//   - PostgreSQL truncates names to 63 bytes, so longer role names are
//     refused (ErrInvalidDbUser) rather than silently shortened.
//
// The package holds no SQL and no wire: it declares the Store (leases) and
// Roles (role DDL on an engine) it needs. Errors it returns never carry a
// password.
package dbcreds

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/rsdata/rsdata/internal/engines"
)

// Durations AWS accepts for temporary credentials.
const (
	MinDuration     = 900 * time.Second
	MaxDuration     = 3600 * time.Second
	DefaultDuration = 900 * time.Second
	// DefaultBuffer is how long after its expiry a role's VALID UNTIL is.
	DefaultBuffer = 60 * time.Second
	// DefaultReapBatch bounds the leases one Reap call revokes.
	DefaultReapBatch = 100
	// maxRoleName is PostgreSQL's identifier limit (NAMEDATALEN - 1 bytes).
	maxRoleName = 63
)

// Engine names a registered cluster or workgroup.
type Engine struct {
	Kind engines.Kind
	Name string
}

// Identity says whose credentials are issued, which decides the prefix of
// the returned DbUser.
type Identity int

const (
	// DatabaseUser is GetClusterCredentials: DbUser names a database user;
	// the login role is "IAM:<user>", or "IAMA:<user>" with AutoCreate.
	DatabaseUser Identity = iota
	// IAMUser is an IAM user: "IAM:<user name>".
	IAMUser
	// IAMRole is an IAM role (an assumed-role session): "IAMR:<role name>".
	IAMRole
)

// Request asks for one credential.
type Request struct {
	Engine   Engine
	Database string
	// DbUser is the database user name (DatabaseUser) or the IAM user or
	// role name (IAMUser, IAMRole), without prefix.
	DbUser   string
	Identity Identity
	// AutoCreate applies to DatabaseUser only; IAM identities always get
	// their role.
	AutoCreate bool
	// Groups are existing database groups the role joins.
	Groups []string
	// Duration is the credential's lifetime; 0 means DefaultDuration.
	Duration time.Duration
}

// Credentials is an issued credential.
type Credentials struct {
	// DbUser is the login name, prefix included ("IAMA:bob").
	DbUser     string
	Password   string
	Expiration time.Time
}

// String hides the password, so that logging a Credentials is harmless.
func (c Credentials) String() string {
	return fmt.Sprintf("{DbUser:%s Password:<redacted> Expiration:%s}", c.DbUser, c.Expiration.Format(time.RFC3339))
}

// Lease is the record of one issued role, holding everything revocation
// needs.
type Lease struct {
	Engine   Engine
	Role     string
	Database string
	// ExpiresAt is the Expiration the caller was told; Reap revokes after it.
	ExpiresAt time.Time
	// ValidUntil is the VALID UNTIL set on the role.
	ValidUntil time.Time
	CreatedAt  time.Time
}

// Store keeps leases.
type Store interface {
	// PutLease records l, replacing the lease of the same (Engine, Role).
	// It is idempotent.
	PutLease(ctx context.Context, l Lease) error
	// DueLeases returns at most limit leases whose ExpiresAt is before now,
	// earliest first.
	DueLeases(ctx context.Context, now time.Time, limit int) ([]Lease, error)
	// DeleteLease deletes the lease of (l.Engine, l.Role) if its ValidUntil
	// still equals l.ValidUntil, and reports whether it deleted one; a
	// lease renewed meanwhile, or already gone, is left alone (false, nil).
	DeleteLease(ctx context.Context, l Lease) (bool, error)
}

// Login is the login role to create or update.
type Login struct {
	Role     string
	Password string
	// ValidUntil is the role's VALID UNTIL.
	ValidUntil time.Time
	// Inherit, when set, is an existing role granted to Role, whose
	// privileges Role then has.
	Inherit string
	// Groups are existing roles granted to Role.
	Groups []string
}

// Expire asks to disable a role.
type Expire struct {
	Role string
	// ValidBefore, when set, makes Expire a no-op if the role's VALID UNTIL
	// is after it: the role was issued again since the lease was read.
	ValidBefore time.Time
}

// Roles runs role DDL on engines. The app implements it with pgexec.
type Roles interface {
	// Describe returns what CheckDbUser and CheckGroup need to know about
	// the role called name on the engine; a missing role is a RoleInfo with
	// Exists false, not an error. Unknown engines are ErrEngineNotFound.
	Describe(ctx context.Context, e Engine, name string) (RoleInfo, error)
	// SetLogin creates l.Role as a login role, or updates it if it exists
	// (LOGIN again, new password, VALID UNTIL), and grants it l.Inherit and
	// l.Groups. The password must reach the engine only as a SCRAM
	// verifier. A missing l.Inherit or group is ErrGroupNotFound (naming
	// it) and leaves nothing changed. Unknown engines are ErrEngineNotFound.
	SetLogin(ctx context.Context, e Engine, l Login) error
	// Expire disables x.Role so its password no longer logs in. It is
	// idempotent and does not error when the role does not exist.
	Expire(ctx context.Context, e Engine, x Expire) error
}

// Domain errors. The API layers map them onto their wire errors.
var (
	ErrInvalidDuration = errors.New("duration out of range")
	ErrInvalidDbUser   = errors.New("invalid database user name")
	ErrInvalidGroup    = errors.New("invalid database group name")
	ErrGroupNotFound   = errors.New("database group not found")
	// ErrRoleNotUsable is a DbUser or DbGroup naming a role that
	// temporary credentials never take on (see CheckDbUser, CheckGroup).
	ErrRoleNotUsable  = errors.New("database role cannot be used")
	ErrEngineNotFound = errors.New("engine not registered")
)

// NotFoundError names the missing role a SetLogin needed.
type NotFoundError struct{ Role string }

func (e *NotFoundError) Error() string        { return fmt.Sprintf("role %q does not exist", e.Role) }
func (e *NotFoundError) Is(target error) bool { return target == ErrGroupNotFound }

// InvalidError says which value broke which rule.
type InvalidError struct {
	Kind   error // ErrInvalidDbUser, ErrInvalidGroup or ErrInvalidDuration
	Value  string
	Reason string
}

func (e *InvalidError) Error() string        { return fmt.Sprintf("%v %q: %s", e.Kind, e.Value, e.Reason) }
func (e *InvalidError) Is(target error) bool { return target == e.Kind }

// Options configures an Issuer.
type Options struct {
	// Clock returns the current time; time.Now by default.
	Clock func() time.Time
	// MinDuration is the shortest Duration accepted, MinDuration (900 s)
	// by default. Tests lower it to get credentials that expire quickly.
	MinDuration time.Duration
	// Buffer is how long after expiry the role's VALID UNTIL is;
	// DefaultBuffer by default, and a negative value means none.
	Buffer time.Duration
	// ReapBatch bounds the leases one Reap revokes; DefaultReapBatch by
	// default.
	ReapBatch int
	// Logger receives revocation failures.
	Logger *slog.Logger
	// OnIssue, when set, is called once for each credentials Issue hands
	// out (metrics); it must return promptly.
	OnIssue func()
}

// Issuer issues and revokes temporary credentials.
type Issuer struct {
	opts  Options
	store Store
	roles Roles
}

// New returns an Issuer recording leases in store and managing roles with
// roles.
func New(opts Options, store Store, roles Roles) *Issuer {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.MinDuration <= 0 {
		opts.MinDuration = MinDuration
	}
	switch {
	case opts.Buffer == 0:
		opts.Buffer = DefaultBuffer
	case opts.Buffer < 0:
		opts.Buffer = 0
	}
	if opts.ReapBatch <= 0 {
		opts.ReapBatch = DefaultReapBatch
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Issuer{opts: opts, store: store, roles: roles}
}

// Now is the Issuer's clock, which the API layers use for the times they
// report alongside credentials.
func (is *Issuer) Now() time.Time { return is.opts.Clock() }

// Issue validates req, sets a fresh password on the request's login role
// and records its lease. Validation errors are *InvalidError; see Roles for
// the others. Cancelling ctx abandons the call; a role already updated then
// keeps a password nobody was told, which expires like any other.
func (is *Issuer) Issue(ctx context.Context, req Request) (Credentials, error) {
	creds, err := is.issue(ctx, req)
	if err == nil && is.opts.OnIssue != nil {
		is.opts.OnIssue()
	}
	return creds, err
}

func (is *Issuer) issue(ctx context.Context, req Request) (Credentials, error) {
	d := req.Duration
	if d == 0 {
		d = DefaultDuration
	}
	if d < is.opts.MinDuration || d > MaxDuration {
		return Credentials{}, &InvalidError{Kind: ErrInvalidDuration, Value: d.String(),
			Reason: fmt.Sprintf("must be between %d and %d seconds", int(MinDuration/time.Second), int(MaxDuration/time.Second))}
	}
	var prefix string
	switch req.Identity {
	case DatabaseUser:
		if err := ValidateDbUser(req.DbUser); err != nil {
			return Credentials{}, err
		}
		prefix = "IAM:"
		if req.AutoCreate {
			prefix = "IAMA:"
		}
	case IAMUser, IAMRole:
		if err := validateIAMName(req.DbUser); err != nil {
			return Credentials{}, err
		}
		prefix = "IAM:"
		if req.Identity == IAMRole {
			prefix = "IAMR:"
		}
	default:
		return Credentials{}, fmt.Errorf("dbcreds: unknown identity %d", req.Identity)
	}
	for _, g := range req.Groups {
		if err := ValidateGroup(g); err != nil {
			return Credentials{}, err
		}
	}
	role := prefix + req.DbUser
	if len(req.Groups) > 0 {
		role += ":" + strings.Join(req.Groups, ":")
	}
	if len(role) > maxRoleName {
		return Credentials{}, &InvalidError{Kind: ErrInvalidDbUser, Value: role,
			Reason: fmt.Sprintf("the database user name with its prefix and groups is longer than %d bytes", maxRoleName)}
	}

	password, err := newPassword()
	if err != nil {
		return Credentials{}, err
	}
	now := is.opts.Clock()
	exp := now.Add(d).Truncate(time.Second).UTC()
	creds := Credentials{DbUser: role, Password: password, Expiration: exp}

	// Groups are checked before the user, and every one of them, so that
	// a refused group is refused whatever the DbUser.
	for _, g := range req.Groups {
		info, err := is.roles.Describe(ctx, req.Engine, g)
		if err != nil {
			return Credentials{}, err
		}
		if err := CheckGroup(info); err != nil {
			return Credentials{}, err
		}
	}
	login := Login{Role: role, Password: password, ValidUntil: exp.Add(is.opts.Buffer), Groups: req.Groups}
	if req.Identity == DatabaseUser {
		info, err := is.roles.Describe(ctx, req.Engine, req.DbUser)
		if err != nil {
			return Credentials{}, err
		}
		if err := CheckDbUser(info); err != nil {
			return Credentials{}, err
		}
		exists := info.Exists
		if !exists && !req.AutoCreate {
			// Redshift: "the command succeeds but the connection attempt
			// will fail because the user doesn't exist in the database".
			return creds, nil
		}
		if exists {
			login.Inherit = req.DbUser
		}
	}
	// The lease goes first: a crash between the two leaves a lease for a
	// role that Reap harmlessly finds already expired or missing, never a
	// live role without a lease.
	lease := Lease{Engine: req.Engine, Role: role, Database: req.Database,
		ExpiresAt: exp, ValidUntil: login.ValidUntil, CreatedAt: now.UTC()}
	if err := is.store.PutLease(ctx, lease); err != nil {
		return Credentials{}, fmt.Errorf("record lease: %w", err)
	}
	if err := is.roles.SetLogin(ctx, req.Engine, login); err != nil {
		return Credentials{}, err
	}
	return creds, nil
}

// ReapResult counts what one Reap did.
type ReapResult struct {
	// Revoked leases were expired on their engine and deleted.
	Revoked int
	// Failed leases could not be expired (engine down or gone); they are
	// kept and retried by the next Reap.
	Failed int
}

// Reap disables the roles of at most Options.ReapBatch leases past their
// expiry and deletes those leases. It is idempotent and safe to run from
// several processes at once: a lease renewed by a concurrent Issue is
// neither expired on its engine nor deleted. It returns an error only when
// the store fails; revocation failures are logged and counted.
func (is *Issuer) Reap(ctx context.Context) (ReapResult, error) {
	var res ReapResult
	due, err := is.store.DueLeases(ctx, is.opts.Clock(), is.opts.ReapBatch)
	if err != nil {
		return res, err
	}
	for _, l := range due {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if err := is.roles.Expire(ctx, l.Engine, Expire{Role: l.Role, ValidBefore: l.ValidUntil}); err != nil {
			if !errors.Is(err, ErrEngineNotFound) {
				res.Failed++
				is.opts.Logger.Warn("expiring temporary database user failed", "engine", l.Engine.Name, "role", l.Role, "err", err)
				continue
			}
			// An engine no longer registered holds nothing to revoke.
		}
		ok, err := is.store.DeleteLease(ctx, l)
		if err != nil {
			return res, err
		}
		if ok {
			res.Revoked++
		}
	}
	return res, nil
}

func newPassword() (string, error) {
	b := make([]byte, 30)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ValidateDbUser applies Redshift's DbUser rules: 1 to 64 characters,
// letters, digits, _ + . @ -, starting with a letter, not PUBLIC (reserved
// words beyond PUBLIC are not checked).
func ValidateDbUser(name string) error {
	return validateName(ErrInvalidDbUser, name, true)
}

// ValidateGroup applies Redshift's DbGroups rules (those of DbUser; the
// documented lowercase-only rule is not enforced, as Redshift folds case).
func ValidateGroup(name string) error {
	return validateName(ErrInvalidGroup, name, true)
}

func validateName(kind error, name string, letterFirst bool) error {
	bad := func(reason string) error { return &InvalidError{Kind: kind, Value: name, Reason: reason} }
	switch {
	case name == "" || len(name) > 64:
		return bad("must be 1 to 64 characters")
	case strings.ContainsAny(name, ":/"):
		return bad("must not contain a colon (:) or slash (/)")
	case strings.EqualFold(name, "public"):
		return bad("cannot be PUBLIC")
	case letterFirst && !isLetter(name[0]):
		return bad("must start with a letter")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isLetter(c) && !(c >= '0' && c <= '9') && !strings.ContainsRune("_+.@-", rune(c)) {
			return bad("must contain only letters, numbers, underscore, plus sign, period, at symbol or hyphen")
		}
	}
	return nil
}

// validateIAMName checks an IAM user or role name ([\w+=,.@-]{1,64}).
func validateIAMName(name string) error {
	bad := func(reason string) error { return &InvalidError{Kind: ErrInvalidDbUser, Value: name, Reason: reason} }
	if name == "" || len(name) > 64 {
		return bad("must be 1 to 64 characters")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isLetter(c) && !(c >= '0' && c <= '9') && !strings.ContainsRune("_+=,.@-", rune(c)) {
			return bad("is not an IAM name")
		}
	}
	return nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// CallerIdentity maps an authenticated caller onto the IAM identity its
// database user is named after: IAM user "alice" (any path) is IAMUser
// "alice", a session of role "etl" (arn:aws:sts::…:assumed-role/etl/s) or
// the role itself is IAMRole "etl", and the account root is IAMUser "root"
// (an rsdata choice; AWS documents no mapping for root). userName, when
// set, is the user's name as authenticated. ok is false for an ARN that is
// none of these.
func CallerIdentity(arn, userName string, root bool) (id Identity, name string, ok bool) {
	if root {
		return IAMUser, "root", true
	}
	// arn:aws:iam::123456789012:user/path/alice, arn:aws:sts::…:assumed-role/r/s
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || (parts[2] != "iam" && parts[2] != "sts") {
		return 0, "", false
	}
	res := parts[5]
	last := res[strings.LastIndex(res, "/")+1:]
	switch {
	case strings.HasPrefix(res, "user/"):
		if userName != "" {
			return IAMUser, userName, true
		}
		return IAMUser, last, last != ""
	case strings.HasPrefix(res, "assumed-role/"):
		seg := strings.Split(res, "/")
		if len(seg) >= 3 && seg[1] != "" {
			return IAMRole, seg[1], true
		}
	case strings.HasPrefix(res, "role/"):
		return IAMRole, last, last != ""
	}
	return 0, "", false
}
