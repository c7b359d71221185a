// Role DDL: login roles for temporary database credentials
// (internal/dbcreds) with a password and VALID UNTIL, granted a database
// user's role and groups and disabled when their lease ends, and the
// password-less login roles of IAM identities (ensureLogin).
//
// Passwords reach the server only as SCRAM-SHA-256 verifiers: the verifier
// is the one value written into SQL text (DDL takes no bind parameters), so
// neither the statement log nor pg_stat_statements ever holds a password.
// Identifiers are quoted with pgx.Identifier.
//
// Every change to a role runs in one transaction holding an advisory lock
// on the role's name, so that an Issue and a Reap of the same role on
// several rsdata processes serialize on the engine.

package pgexec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rsdata/rsdata/internal/dbcreds"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/scram"
)

// RoleConn is an admin connection to an engine: a *pgx.Conn or a
// *pgxpool.Pool of a role that may create roles.
type RoleConn interface {
	Begin(ctx context.Context) (pgx.Tx, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// TempUser is a login role with a temporary password.
type TempUser struct {
	Name string
	// Verifier is the password's SCRAM verifier (scram.Verifier).
	Verifier string
	// ValidUntil is when PostgreSQL stops accepting the password.
	ValidUntil time.Time
	// Inherit, when set, is an existing role granted to Name.
	Inherit string
	// Groups are existing roles granted to Name.
	Groups []string
}

// tempUserAttrs are the attributes of every temporary login role: none
// that lets a session reach beyond the privileges it is granted.
const tempUserAttrs = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"

// firstNormalOID is PostgreSQL's FirstNormalObjectId: roles with a lower
// oid were made by initdb (the bootstrap superuser, the pg_* roles).
const firstNormalOID = "16384"

// PrivilegedRoleError says EnsureTempUser was asked to grant a superuser
// or a role initdb made.
type PrivilegedRoleError struct{ Role string }

func (e *PrivilegedRoleError) Error() string {
	return fmt.Sprintf("role %q is a superuser or reserved by the database and is never granted", e.Role)
}

// ErrNotVerifier is returned for a TempUser whose Verifier is not a SCRAM
// verifier, so that a plaintext password is never written into SQL.
var ErrNotVerifier = errors.New("password is not a SCRAM-SHA-256 verifier")

// RoleNotFoundError says a role to be granted does not exist.
type RoleNotFoundError struct{ Role string }

func (e *RoleNotFoundError) Error() string { return fmt.Sprintf("role %q does not exist", e.Role) }

// EnsureTempUser creates u.Name as a login role with u's verifier and VALID
// UNTIL, or, when it exists, gives it LOGIN, the new verifier and VALID
// UNTIL. It then grants it u.Inherit and u.Groups (already granted roles
// are left as they are; none is revoked). A missing role to grant is a
// *RoleNotFoundError and nothing is changed. The error never contains the
// verifier.
func EnsureTempUser(ctx context.Context, conn RoleConn, u TempUser) error {
	if !strings.HasPrefix(u.Verifier, "SCRAM-SHA-256$") || strings.ContainsAny(u.Verifier, `'\`) {
		return ErrNotVerifier
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := lockRole(ctx, tx, u.Name); err != nil {
		return err
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)`, u.Name).Scan(&exists); err != nil {
		return err
	}
	ident := pgx.Identifier{u.Name}.Sanitize()
	verb := "CREATE ROLE "
	if exists {
		verb = "ALTER ROLE "
	}
	// The attributes are spelled out on ALTER too, so a role of that name
	// made by someone else cannot keep SUPERUSER or the like.
	ddl := verb + ident + " LOGIN INHERIT " + tempUserAttrs + " PASSWORD '" + u.Verifier + "' VALID UNTIL '" + timestampLiteral(u.ValidUntil) + "'"
	if _, err := tx.Exec(ctx, ddl); err != nil {
		return fmt.Errorf("%s%s: %w", verb, ident, err)
	}
	grants := u.Groups
	if u.Inherit != "" {
		grants = append([]string{u.Inherit}, grants...)
	}
	for _, g := range grants {
		// dbcreds decides which roles may be granted (CheckDbUser,
		// CheckGroup); this is the last line: never a superuser or a role
		// initdb made, even if a caller forgot to ask.
		var privileged bool
		err := tx.QueryRow(ctx, `SELECT rolsuper OR oid < `+firstNormalOID+` FROM pg_roles WHERE rolname = $1`, g).Scan(&privileged)
		if errors.Is(err, pgx.ErrNoRows) {
			return &RoleNotFoundError{Role: g}
		}
		if err != nil {
			return err
		}
		if privileged {
			return &PrivilegedRoleError{Role: g}
		}
		if _, err := tx.Exec(ctx, "GRANT "+pgx.Identifier{g}.Sanitize()+" TO "+ident); err != nil {
			return fmt.Errorf("GRANT %s: %w", g, err)
		}
	}
	return tx.Commit(ctx)
}

// ExpireUser disables the login role name: NOLOGIN, no password, VALID
// UNTIL the epoch. With validBefore set it does so only when the role's
// VALID UNTIL is not after validBefore, so a role issued again since is
// left working. It is idempotent; a missing role is not an error. Sessions
// already open are not ended, as with an expiring Redshift credential.
func ExpireUser(ctx context.Context, conn RoleConn, name string, validBefore time.Time) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := lockRole(ctx, tx, name); err != nil {
		return err
	}
	var until *time.Time
	err = tx.QueryRow(ctx, `SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1`, name).Scan(&until)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if !validBefore.IsZero() && (until == nil || until.After(validBefore)) {
		return nil
	}
	if _, err := tx.Exec(ctx, "ALTER ROLE "+pgx.Identifier{name}.Sanitize()+" NOLOGIN PASSWORD NULL VALID UNTIL 'epoch'"); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// DescribeRole returns what dbcreds.CheckDbUser and dbcreds.CheckGroup
// need to know about the role name: its attributes and every role it is a
// member of, transitively. master names the engine's master user. A missing
// role is a RoleInfo with Exists false.
func DescribeRole(ctx context.Context, conn RoleConn, master, name string) (dbcreds.RoleInfo, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return dbcreds.RoleInfo{}, err
	}
	defer tx.Rollback(ctx)
	info := dbcreds.RoleInfo{Name: name, Master: name == master}
	err = tx.QueryRow(ctx, `SELECT rolcanlogin, rolsuper, oid < `+firstNormalOID+` FROM pg_roles WHERE rolname = $1`, name).
		Scan(&info.Login, &info.Superuser, &info.System)
	if errors.Is(err, pgx.ErrNoRows) {
		return info, nil
	}
	if err != nil {
		return dbcreds.RoleInfo{}, err
	}
	info.Exists = true
	rows, err := tx.Query(ctx, `
		WITH RECURSIVE up(oid) AS (
			SELECT m.roleid FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = $1
			UNION
			SELECT m.roleid FROM pg_auth_members m JOIN up ON m.member = up.oid
		)
		SELECT r.rolname, r.rolcanlogin, r.rolsuper, r.oid < `+firstNormalOID+`
		FROM pg_roles r JOIN up ON up.oid = r.oid ORDER BY r.rolname`, name)
	if err != nil {
		return dbcreds.RoleInfo{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var m dbcreds.RoleInfo
		if err := rows.Scan(&m.Name, &m.Login, &m.Superuser, &m.System); err != nil {
			return dbcreds.RoleInfo{}, err
		}
		m.Exists, m.Master = true, m.Name == master
		info.MemberOf = append(info.MemberOf, m)
	}
	return info, rows.Err()
}

// RoleExists reports whether a role called name exists.
func RoleExists(ctx context.Context, conn RoleConn, name string) (bool, error) {
	var ok bool
	err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)`, name).Scan(&ok)
	return ok, err
}

func lockRole(ctx context.Context, tx pgx.Tx, name string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('rsdata.role:' || $1))`, name)
	return err
}

// timestampLiteral writes t as a PostgreSQL timestamptz literal in UTC.
func timestampLiteral(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.000000") + "+00"
}

// Roles implements dbcreds.Roles on the engines of a registry, connecting
// as each engine's admin user: over the trusted socket for embedded
// engines, with the registered admin password otherwise.
type Roles struct {
	reg *engines.Registry
}

var _ dbcreds.Roles = (*Roles)(nil)

// NewRoles returns the role manager of reg's engines.
func NewRoles(reg *engines.Registry) *Roles { return &Roles{reg: reg} }

// AdminConn opens a connection to ep's default database as its admin user.
// The caller closes it.
func AdminConn(ctx context.Context, ep *engines.Endpoint) (*pgx.Conn, error) {
	var cfg *pgx.ConnConfig
	var err error
	if ep.SocketDir != "" {
		cfg, err = pgx.ParseConfig("")
		if err == nil {
			cfg.Host, cfg.Port = ep.SocketDir, uint16(serverPort(ep))
			cfg.TLSConfig, cfg.Fallbacks = nil, nil
		}
	} else {
		cfg, err = pgx.ParseConfig(fmt.Sprintf("host=%s port=%d sslmode=%s", serverHost(ep), serverPort(ep), orDefault(ep.SSLMode, "prefer")))
		if err == nil {
			cfg.Password = ep.AdminPassword
		}
	}
	if err != nil {
		return nil, err
	}
	cfg.User, cfg.Database = ep.AdminUser, ep.Database
	cfg.ConnectTimeout = 15 * time.Second
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		// pgconn's connect errors name host and user, never the password;
		// unwrap to the cause anyway so no DSN text travels further.
		var ce *pgconn.ConnectError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("connect to %s %q as %q: %w", ep.Kind, ep.Name, ep.AdminUser, ce.Unwrap())
		}
		return nil, err
	}
	return conn, nil
}

// lookup finds an engine whose roles rsdata manages: a datastore's login
// is its own (BASIC or IAM role), so temporary users are never made there.
func (r *Roles) lookup(e dbcreds.Engine) (*engines.Endpoint, bool) {
	ep, ok := r.reg.Lookup(e.Kind, e.Name)
	return ep, ok && ep.Login == nil
}

func (r *Roles) conn(ctx context.Context, e dbcreds.Engine) (*pgx.Conn, error) {
	ep, ok := r.lookup(e)
	if !ok {
		return nil, dbcreds.ErrEngineNotFound
	}
	return AdminConn(ctx, ep)
}

// Describe implements dbcreds.Roles.
func (r *Roles) Describe(ctx context.Context, e dbcreds.Engine, name string) (dbcreds.RoleInfo, error) {
	ep, ok := r.lookup(e)
	if !ok {
		return dbcreds.RoleInfo{}, dbcreds.ErrEngineNotFound
	}
	conn, err := AdminConn(ctx, ep)
	if err != nil {
		return dbcreds.RoleInfo{}, err
	}
	defer conn.Close(context.Background())
	return DescribeRole(ctx, conn, ep.MasterUser, name)
}

// SetLogin implements dbcreds.Roles.
func (r *Roles) SetLogin(ctx context.Context, e dbcreds.Engine, l dbcreds.Login) error {
	verifier, err := scram.Verifier(l.Password)
	if err != nil {
		return err
	}
	conn, err := r.conn(ctx, e)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	err = EnsureTempUser(ctx, conn, TempUser{Name: l.Role, Verifier: verifier, ValidUntil: l.ValidUntil, Inherit: l.Inherit, Groups: l.Groups})
	var (
		nf   *RoleNotFoundError
		priv *PrivilegedRoleError
	)
	switch {
	case errors.As(err, &nf):
		return &dbcreds.NotFoundError{Role: nf.Role}
	case errors.As(err, &priv):
		return &dbcreds.UnusableError{Role: priv.Role, Group: priv.Role != l.Inherit, Reason: "it is a superuser or reserved by the database"}
	}
	return err
}

// Expire implements dbcreds.Roles.
func (r *Roles) Expire(ctx context.Context, e dbcreds.Engine, x dbcreds.Expire) error {
	conn, err := r.conn(ctx, e)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return ExpireUser(ctx, conn, x.Role, x.ValidBefore)
}

// ensureLogin creates user as a login role without a password or any
// privilege beyond PUBLIC's, unless it exists: the database user of an IAM
// identity ("IAM:alice", "IAMR:analyst"), which Redshift creates on first
// use. rsdata reaches it over the trusted socket, so it needs no password;
// over TCP it cannot log in until credentials are issued for it.
func ensureLogin(ctx context.Context, admin *pgxpool.Pool, user string) error {
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, user).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err := admin.Exec(ctx, `CREATE ROLE `+pgx.Identifier{user}.Sanitize()+` LOGIN `+tempUserAttrs)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "42710" || pgErr.Code == "23505") {
		return nil // created meanwhile by a concurrent statement
	}
	return err
}

// Ping checks that ep answers a query: it connects as the admin user (a
// fresh connection, so a broken pool does not hide a healthy server or
// the reverse) and runs select 1, within ctx.
func Ping(ctx context.Context, ep *engines.Endpoint) error {
	conn, err := AdminConn(ctx, ep)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var one int
	return conn.QueryRow(ctx, "select 1").Scan(&one)
}

// serverHost and serverPort are where rsdata itself reaches ep's
// PostgreSQL: behind the wire front when ep has one, so that SQL rsdata
// sends (already translated, or its own) is not translated again.
func serverHost(ep *engines.Endpoint) string { h, _ := ep.ServerAddr(); return h }

func serverPort(ep *engines.Endpoint) int { _, p := ep.ServerAddr(); return p }
