// Redshift's user and group DDL (dialect.RoleCommand), run on an embedded
// engine's admin connection on behalf of a session user who is a Redshift
// superuser there: the master user, or a user made WITH CREATEUSER. The
// master is not a PostgreSQL superuser and has no CREATEROLE (on
// PostgreSQL 15 a CREATEROLE role can grant itself
// pg_execute_server_program), so rsdata runs the statement itself, and
// gives nobody more than Redshift would:
//
//   - roles are created and altered NOSUPERUSER NOCREATEROLE NOREPLICATION
//     NOBYPASSRLS; CREATEDB is PostgreSQL's CREATEDB;
//   - CREATEUSER (Redshift's superuser) is the master's predefined roles
//     (dbcreds.MasterGrants) and a comment on the role, superuserComment,
//     which is how rsdata recognises one. A comment rather than a marker
//     role: a role could be granted (a DbGroups group of temporary
//     credentials, an IN GROUP), a comment on a role only a CREATEROLE
//     role or a superuser can set, and nobody but rsdata's admin has either;
//   - roles initdb made, superusers, rsdata's own roles, the master user
//     and the temporary users of internal/dbcreds ("IAM:...") are never
//     changed; names PostgreSQL reserves ("pg_...", "public") and rsdata's
//     are refused;
//   - passwords are written only as SCRAM verifiers; literals are E'...'
//     strings, right whatever standard_conforming_strings says.

package pgexec

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rsdata/rsdata/internal/dbcreds"
	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/scram"
	"github.com/rsdata/rsdata/internal/statement"
)

// superuserComment marks a user made or altered WITH CREATEUSER.
const superuserComment = "rsdata: Redshift superuser (CREATEUSER)"

// RoleError is a role statement refused by rsdata, with the SQLSTATE and
// message the client sees.
type RoleError struct {
	Code, Message string
}

func (e *RoleError) Error() string { return e.Message }

// RoleSession names who runs a role statement on an engine.
type RoleSession struct {
	// Master is the engine's master user.
	Master string
	// User is the session's user, authenticated by the server.
	User string
}

// createdRoleAttrs are spelled out on every role rsdata creates or alters
// for a role statement.
const createdRoleAttrs = "NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS"

// roleLockTimeout bounds a role statement's wait for a lock. It runs on a
// connection of its own, so it can wait for the client's own open
// transaction (a GRANT to the user it drops, earlier in a transaction
// block or in the same multi-statement SQL), which would wait for it in
// turn; a clear error then beats a hang.
const roleLockTimeout = "10s"

// RunRoleDDL runs cmd on conn, an admin connection, in one transaction
// holding the advisory lock of every role it names. A refusal is a
// *RoleError, as is a wait for a lock longer than roleLockTimeout (55P03);
// the server's own errors (a role that owns objects cannot be dropped) are
// *pgconn.PgError. Errors never contain the password.
func RunRoleDDL(ctx context.Context, conn RoleConn, s RoleSession, cmd *dialect.RoleCommand) error {
	err := runRoleDDL(ctx, conn, s, cmd)
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok && pe.Code == "55P03" {
		return &RoleError{Code: pe.Code, Message: cmd.Verb.String() + " waited " + roleLockTimeout +
			" for a lock on a role it names, which another transaction holds, and was not run (it runs on a connection of its own, so the session's own open transaction can hold that lock)"}
	}
	return err
}

func runRoleDDL(ctx context.Context, conn RoleConn, s RoleSession, cmd *dialect.RoleCommand) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '"+roleLockTimeout+"'"); err != nil {
		return err
	}
	names := slices.Concat([]string{cmd.Name}, cmd.Names, cmd.InGroups, cmd.AddUsers, cmd.DropUsers)
	if cmd.RenameTo != "" {
		names = append(names, cmd.RenameTo)
	}
	slices.Sort(names)
	for _, n := range slices.Compact(names) {
		if err := lockRole(ctx, tx, n); err != nil {
			return err
		}
	}
	r := &roleRun{ctx: ctx, tx: tx, s: s, cmd: cmd}
	super, err := r.isSuper(s.User)
	if err != nil {
		return err
	}
	if !super && !r.ownPassword() {
		return &RoleError{Code: "42501", Message: "permission denied to " + strings.ToLower(strings.Fields(cmd.Verb.String())[0]) + " role"}
	}
	if err := r.run(); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

type roleRun struct {
	ctx context.Context
	tx  pgx.Tx
	s   RoleSession
	cmd *dialect.RoleCommand
}

// ownPassword: any user may change its own password, as in Redshift.
func (r *roleRun) ownPassword() bool {
	c := r.cmd
	only := dialect.RoleCommand{Verb: c.Verb, Name: c.Name, Password: c.Password}
	return c.Verb == dialect.AlterUser && c.Name == r.s.User && c.Password != nil &&
		reflect.DeepEqual(*c, only)
}

func (r *roleRun) exec(sql string) error {
	_, err := r.tx.Exec(r.ctx, sql)
	return err
}

// isSuper reports whether name is a Redshift superuser of the engine: the
// master user, a user marked by CREATEUSER, or the login of temporary
// credentials issued for one of these (dbcreds makes "IAM:awsuser" a
// member of awsuser; no other way makes a role a member of a user, since
// a user is never a group: dbcreds.CheckGroup).
func (r *roleRun) isSuper(name string) (bool, error) {
	if name == r.s.Master {
		return true, nil
	}
	info, err := DescribeRole(r.ctx, r.tx, r.s.Master, name)
	if err != nil || !info.Exists || !info.Login || info.Superuser || info.System {
		return false, err
	}
	candidates := []string{name}
	for _, m := range info.MemberOf {
		if m.Master {
			return true, nil
		}
		if m.Login && !m.Superuser && !m.System {
			candidates = append(candidates, m.Name)
		}
	}
	var ok bool
	err = r.tx.QueryRow(r.ctx, `SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = ANY($1) AND rolcanlogin
		AND shobj_description(oid, 'pg_authid') IS NOT DISTINCT FROM $2)`, candidates, superuserComment).Scan(&ok)
	return ok, err
}

func (r *roleRun) run() error {
	c := r.cmd
	switch c.Verb {
	case dialect.CreateUser:
		return r.createUser()
	case dialect.AlterUser:
		return r.alterUser()
	case dialect.DropUser:
		for _, n := range c.Names {
			if err := r.dropUser(n); err != nil {
				return err
			}
		}
		return nil
	case dialect.CreateGroup:
		if err := r.checkNew(c.Name, "group"); err != nil {
			return err
		}
		if err := r.exec("CREATE ROLE " + ident(c.Name) + " NOLOGIN NOINHERIT NOCREATEDB " + createdRoleAttrs); err != nil {
			return err
		}
		return r.grant(c.Name, c.AddUsers, true)
	case dialect.AlterGroup:
		if err := r.checkGroup(c.Name); err != nil {
			return err
		}
		if c.RenameTo != "" {
			if err := r.checkNew(c.RenameTo, "group"); err != nil {
				return err
			}
			return r.exec("ALTER ROLE " + ident(c.Name) + " RENAME TO " + ident(c.RenameTo))
		}
		if err := r.grant(c.Name, c.AddUsers, true); err != nil {
			return err
		}
		return r.grant(c.Name, c.DropUsers, false)
	case dialect.DropGroup:
		if err := r.checkGroup(c.Name); err != nil {
			return err
		}
		return r.exec("DROP ROLE " + ident(c.Name))
	}
	return fmt.Errorf("unknown role statement %v", c.Verb)
}

func (r *roleRun) createUser() error {
	c := r.cmd
	if err := r.checkNew(c.Name, "user"); err != nil {
		return err
	}
	for _, g := range c.InGroups {
		if err := r.checkGroup(g); err != nil {
			return err
		}
	}
	createdb := "NOCREATEDB"
	if c.CreateDB != nil && *c.CreateDB {
		createdb = "CREATEDB"
	}
	opts, err := userOptions(c)
	if err != nil {
		return err
	}
	if err := r.exec("CREATE ROLE " + ident(c.Name) + " LOGIN INHERIT " + createdb + " " + createdRoleAttrs + opts); err != nil {
		return err
	}
	if err := r.after(c.Name); err != nil {
		return err
	}
	for _, g := range c.InGroups {
		if err := r.exec("GRANT " + ident(g) + " TO " + ident(c.Name)); err != nil {
			return err
		}
	}
	return nil
}

// userOptions are the attributes of CREATE ROLE and ALTER ROLE that c
// names besides CREATEDB.
func userOptions(c *dialect.RoleCommand) (string, error) {
	var b strings.Builder
	if c.Password != nil {
		v, err := scram.Verifier(*c.Password)
		if err != nil {
			return "", err
		}
		if !strings.HasPrefix(v, "SCRAM-SHA-256$") || strings.ContainsAny(v, `'\`) {
			return "", ErrNotVerifier
		}
		b.WriteString(" PASSWORD '" + v + "'")
	}
	if c.DisablePassword {
		b.WriteString(" PASSWORD NULL")
	}
	if c.ValidUntil != nil {
		b.WriteString(" VALID UNTIL " + literal(*c.ValidUntil))
	}
	if c.ConnLimit != nil {
		fmt.Fprintf(&b, " CONNECTION LIMIT %d", *c.ConnLimit)
	}
	return b.String(), nil
}

// after applies what c says of name besides role attributes: CREATEUSER
// and SESSION TIMEOUT.
func (r *roleRun) after(name string) error {
	c := r.cmd
	if c.CreateUser != nil {
		comment, verb := "NULL", "REVOKE "
		if *c.CreateUser {
			comment, verb = literal(superuserComment), "GRANT "
		}
		if err := r.exec("COMMENT ON ROLE " + ident(name) + " IS " + comment); err != nil {
			return err
		}
		for _, g := range dbcreds.MasterGrants {
			stmt := verb + ident(g) + " TO " + ident(name)
			if verb == "REVOKE " {
				stmt = verb + ident(g) + " FROM " + ident(name)
			}
			if err := r.exec(stmt); err != nil {
				return err
			}
		}
	}
	switch {
	case c.ResetTimeout:
		return r.exec("ALTER ROLE " + ident(name) + " RESET idle_session_timeout")
	case c.SessionTimeout != nil:
		return r.exec(fmt.Sprintf("ALTER ROLE %s SET idle_session_timeout = %d", ident(name), int64(*c.SessionTimeout)*1000))
	}
	return nil
}

func (r *roleRun) alterUser() error {
	c := r.cmd
	if err := r.checkExisting(c.Name, true); err != nil {
		return err
	}
	switch {
	case c.RenameTo != "":
		if err := r.checkNew(c.RenameTo, "user"); err != nil {
			return err
		}
		return r.exec("ALTER ROLE " + ident(c.Name) + " RENAME TO " + ident(c.RenameTo))
	case c.SetParam != "" || c.ResetParam != "":
		return r.setParam()
	}
	attrs := " " + createdRoleAttrs
	if c.CreateDB != nil {
		attrs = map[bool]string{true: " CREATEDB", false: " NOCREATEDB"}[*c.CreateDB] + attrs
	}
	opts, err := userOptions(c)
	if err != nil {
		return err
	}
	if err := r.exec("ALTER ROLE " + ident(c.Name) + attrs + opts); err != nil {
		return err
	}
	return r.after(c.Name)
}

// setParam runs ALTER USER ... SET or RESET for a parameter any user may
// set for itself (context "user"): the admin connection could set the
// ones reserved to superusers.
func (r *roleRun) setParam() error {
	c := r.cmd
	param := c.SetParam + c.ResetParam
	var context string
	err := r.tx.QueryRow(r.ctx, `SELECT context FROM pg_settings WHERE name = lower($1)`, param).Scan(&context)
	if errors.Is(err, pgx.ErrNoRows) {
		return &RoleError{Code: "42704", Message: fmt.Sprintf("unrecognized configuration parameter %q", param)}
	}
	if err != nil {
		return err
	}
	if context != "user" {
		return &RoleError{Code: "42501", Message: fmt.Sprintf("permission denied to set parameter %q", param)}
	}
	stmt := "ALTER ROLE " + ident(c.Name) + " RESET " + ident(strings.ToLower(param))
	if c.SetParam != "" {
		value := literal(c.SetValue)
		if c.SetDefault {
			value = "DEFAULT"
		}
		stmt = "ALTER ROLE " + ident(c.Name) + " SET " + ident(strings.ToLower(param)) + " = " + value
	}
	return r.exec(stmt)
}

func (r *roleRun) dropUser(name string) error {
	exists, err := RoleExists(r.ctx, r.tx, name)
	if err != nil {
		return err
	}
	if !exists && r.cmd.IfExists {
		return nil
	}
	if err := r.checkExisting(name, false); err != nil {
		return err
	}
	return r.exec("DROP ROLE " + ident(name))
}

// checkNew refuses a name for a new user or group (kind) that PostgreSQL
// or rsdata reserves, that PostgreSQL would truncate, or that is taken.
func (r *roleRun) checkNew(name, kind string) error {
	reserved := func(why string) error {
		return &RoleError{Code: "42939", Message: fmt.Sprintf("role name %q is reserved%s", name, why)}
	}
	switch {
	case name == "public" || name == "none":
		return reserved("")
	case strings.HasPrefix(name, "pg_"):
		return reserved(`: names starting with "pg_" are reserved`)
	case strings.HasPrefix(name, "rsdata"):
		return reserved(`: names starting with "rsdata" are rsdata's own`)
	case strings.HasPrefix(name, "IAM:"), strings.HasPrefix(name, "IAMA:"), strings.HasPrefix(name, "IAMR:"):
		return reserved(": it names the temporary user of an IAM identity")
	case len(name) > 63:
		return &RoleError{Code: "42622", Message: fmt.Sprintf("%s name %q is longer than 63 bytes", kind, name)}
	}
	exists, err := RoleExists(r.ctx, r.tx, name)
	if err != nil {
		return err
	}
	if exists {
		return &RoleError{Code: "42710", Message: fmt.Sprintf("%s %q already exists", kind, name)}
	}
	return nil
}

// checkExisting refuses a user that rsdata must not change: missing, a
// group, a superuser, a role initdb made, the master user, rsdata's own,
// or a temporary user of dbcreds (its lease owns it; alter only: dropping
// one is harmless, the reaper finds nothing and an issue makes it again).
func (r *roleRun) checkExisting(name string, alter bool) error {
	info, err := DescribeRole(r.ctx, r.tx, r.s.Master, name)
	if err != nil {
		return err
	}
	denied := func(why string) error {
		return &RoleError{Code: "42501", Message: fmt.Sprintf("permission denied: user %q %s", name, why)}
	}
	switch {
	case !info.Exists || !info.Login:
		return &RoleError{Code: "42704", Message: fmt.Sprintf("user %q does not exist", name)}
	case info.Superuser || info.System || strings.HasPrefix(name, "rsdata"):
		return denied("is reserved by the database")
	case info.Master:
		return denied("is the master user, which rsdata manages")
	case alter && (strings.HasPrefix(name, "IAM:") || strings.HasPrefix(name, "IAMA:") || strings.HasPrefix(name, "IAMR:")):
		return denied("holds temporary credentials, which rsdata manages")
	}
	return nil
}

// checkGroup refuses a group that dbcreds.CheckGroup refuses: missing, a
// user, a superuser, a role initdb made, or a member of one.
func (r *roleRun) checkGroup(name string) error {
	info, err := DescribeRole(r.ctx, r.tx, r.s.Master, name)
	if err != nil {
		return err
	}
	err = dbcreds.CheckGroup(info)
	var (
		nf  *dbcreds.NotFoundError
		bad *dbcreds.UnusableError
	)
	switch {
	case errors.As(err, &nf) || errors.As(err, &bad) && info.Login && !info.Superuser && !info.System && !info.Master:
		return &RoleError{Code: "42704", Message: fmt.Sprintf("group %q does not exist", name)}
	case errors.As(err, &bad):
		return &RoleError{Code: "42501", Message: fmt.Sprintf("permission denied: group %q cannot be used: %s", name, bad.Reason)}
	}
	return err
}

// grant adds (or, with add false, removes) users to group.
func (r *roleRun) grant(group string, users []string, add bool) error {
	for _, u := range users {
		info, err := DescribeRole(r.ctx, r.tx, r.s.Master, u)
		if err != nil {
			return err
		}
		switch {
		case !info.Exists || !info.Login:
			return &RoleError{Code: "42704", Message: fmt.Sprintf("user %q does not exist", u)}
		case info.Superuser || info.System:
			return &RoleError{Code: "42501", Message: fmt.Sprintf("permission denied: user %q is reserved by the database", u)}
		}
		stmt := "GRANT " + ident(group) + " TO " + ident(u)
		if !add {
			stmt = "REVOKE " + ident(group) + " FROM " + ident(u)
		}
		if err := r.exec(stmt); err != nil {
			return err
		}
	}
	return nil
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

// literal quotes s as an E'...' string, which reads the same whatever
// standard_conforming_strings says.
func literal(s string) string {
	return "E'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

var _ statement.RoleRunner = (*conn)(nil)

// RunsRoles implements statement.RoleRunner: rsdata runs role statements
// on the engines it runs itself; an external engine's own server decides,
// as does a datastore's (a connection without an engine).
func (c *conn) RunsRoles() bool { return c.ep != nil && c.ep.Embedded }

// RunRole implements statement.RoleRunner, on the engine's admin pool.
func (c *conn) RunRole(ctx context.Context, cmd *dialect.RoleCommand) error {
	err := RunRoleDDL(ctx, c.catalog, RoleSession{Master: c.ep.MasterUser, User: c.user}, cmd)
	if re, ok := errors.AsType[*RoleError](err); ok {
		return &statement.DatabaseError{Message: "ERROR: " + re.Message}
	}
	if err != nil {
		return c.x.publicError(err)
	}
	return nil
}

// RunRole runs cmd on ep, an embedded engine, for user, a session user
// the server has authenticated (the PostgreSQL endpoint's), on the admin
// pool of ep's default database. Errors are RunRoleDDL's.
func (x *Executor) RunRole(ctx context.Context, ep *engines.Endpoint, user string, cmd *dialect.RoleCommand) error {
	admin, err := x.pool(ctx, ep, ep.Database, catalogUser(ep))
	if err != nil {
		return err
	}
	return RunRoleDDL(ctx, admin, RoleSession{Master: ep.MasterUser, User: user}, cmd)
}
