package pgfront_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/ids"
	"github.com/rsdata/rsdata/internal/pgexec"
	"github.com/rsdata/rsdata/internal/pgfront"
)

// startWithRoles is a front whose Options.Roles runs role statements as
// rsdata's app does, with alice as the engine's master user, on an admin
// connection to the package's PostgreSQL.
func startWithRoles(t *testing.T) *env {
	t.Helper()
	var e *env
	e = start(t, pgfront.Options{Roles: func(ctx context.Context, who string, cmd *dialect.RoleCommand) error {
		c, err := pgx.Connect(ctx, e.pg.ConnString("postgres", e.db))
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		err = pgexec.RunRoleDDL(ctx, c, pgexec.RoleSession{Master: user, User: who}, cmd)
		if re, ok := errors.AsType[*pgexec.RoleError](err); ok {
			return &pgfront.Refusal{Code: re.Code, Message: re.Message}
		}
		if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
			return &pgfront.Refusal{Code: pe.Code, Message: pe.Message}
		}
		return err
	}})
	return e
}

// uniqueName is a role name no other test uses: roles are the server's,
// shared by every database of the package's PostgreSQL.
func uniqueName(prefix string) string {
	return prefix + "_" + strings.ToLower(ids.Token(8, "abcdefghijklmnopqrstuvwxyz"))
}

func TestRoleStatementsThroughPsql(t *testing.T) {
	e := startWithRoles(t)
	carol := uniqueName("carol")
	if got := e.mustPsql(t, "create user "+carol+" password 'Carol-pw-1'"); got != "CREATE ROLE" {
		t.Errorf("tag %q, want CREATE ROLE", got)
	}
	if got := e.adminQuery(t, "select rolcanlogin::text || rolsuper::text || rolcreaterole::text from pg_roles where rolname = $1", carol); got != "truefalsefalse" {
		t.Errorf("pg_roles: %q", got)
	}
	if res := e.psql(t, carol, "Carol-pw-1", "-c", "select current_user"); res.Code != 0 || strings.TrimSpace(res.Stdout) != carol {
		t.Errorf("%s logs in: exit %d, %q %q", carol, res.Code, res.Stdout, res.Stderr)
	}
	if got := e.mustPsql(t, "drop user "+carol); got != "DROP ROLE" {
		t.Errorf("tag %q, want DROP ROLE", got)
	}
	// carol is gone, and no superuser any more either.
	res := e.psql(t, user, password, "-c", "drop user "+carol)
	if res.Code == 0 || !strings.Contains(res.Stderr, `user "`+carol+`" does not exist`) {
		t.Errorf("drop again: exit %d, %q", res.Code, res.Stderr)
	}
}

func TestRoleStatementsKeepTheSessionInStep(t *testing.T) {
	e := startWithRoles(t)
	c := e.connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dave := uniqueName("dave")
	// Idle: answered by the front, the session idle after it.
	if tag, err := c.Exec(ctx, "create user "+dave+" password 'Dave-pw-12'"); err != nil || tag.String() != "CREATE ROLE" {
		t.Fatalf("create user: %q, %v", tag, err)
	}
	if st := c.PgConn().TxStatus(); st != 'I' {
		t.Errorf("status after create user %c, want I", st)
	}
	// A refusal while idle leaves the session idle and working.
	_, err := c.Exec(ctx, "create user "+dave+" password 'Dave-pw-12'")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42710" || pe.Message != `user "`+dave+`" already exists` {
		t.Errorf("create again: %v", err)
	}
	// In a transaction: it runs at once and the transaction goes on.
	mustExec(t, c, "begin")
	if tag, err := c.Exec(ctx, "alter user "+dave+" createdb"); err != nil || tag.String() != "ALTER ROLE" {
		t.Fatalf("alter user in a transaction: %q, %v", tag, err)
	}
	if st := c.PgConn().TxStatus(); st != 'T' {
		t.Errorf("status after alter user in a transaction %c, want T", st)
	}
	mustExec(t, c, "rollback")
	if got := e.adminQuery(t, "select rolcreatedb::text from pg_roles where rolname = $1", dave); got != "true" {
		t.Errorf("rolcreatedb after the rollback: %s, want true (it committed on its own)", got)
	}
	// A failure in a transaction aborts it, as the server's error would.
	mustExec(t, c, "begin")
	_, err = c.Exec(ctx, "alter user "+dave+" rename to pg_x")
	if !errors.As(err, &pe) || pe.Code != "42939" {
		t.Errorf("rename to pg_x: %v", err)
	}
	if st := c.PgConn().TxStatus(); st != 'E' {
		t.Errorf("status after the failure %c, want E", st)
	}
	_, err = c.Exec(ctx, "drop user "+dave)
	if !errors.As(err, &pe) || pe.Code != "25P02" {
		t.Errorf("drop user in a failed transaction: %v, want 25P02", err)
	}
	mustExec(t, c, "rollback")
	// Prepared (the extended protocol): refused in band.
	_, err = c.Prepare(ctx, "s", "drop user "+dave)
	if !errors.As(err, &pe) || pe.Code != "0A000" || pe.Message != "DROP USER cannot be prepared: send it as a simple query" {
		t.Errorf("prepare drop user: %v", err)
	}
	if tag, err := c.Exec(ctx, "drop user "+dave); err != nil || tag.String() != "DROP ROLE" {
		t.Errorf("drop user: %q, %v", tag, err)
	}
	var one int
	if err := c.QueryRow(ctx, "select 1").Scan(&one); err != nil || one != 1 {
		t.Errorf("select 1 after: %d, %v", one, err)
	}
}

func mustExec(t *testing.T, c *pgx.Conn, sql string) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
