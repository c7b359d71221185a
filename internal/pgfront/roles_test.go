package pgfront_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

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
	// The front is serving before start returns e: the hook reads it
	// through an atomic, set once start has returned.
	var ep atomic.Pointer[env]
	e := start(t, pgfront.Options{Roles: func(ctx context.Context, who string, cmd *dialect.RoleCommand) error {
		e := ep.Load()
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
	ep.Store(e)
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
	// Prepared (the extended protocol): it runs too.
	if _, err := c.Prepare(ctx, "s", "drop user "+dave); err != nil {
		t.Fatalf("prepare drop user: %v", err)
	}
	if tag, err := c.PgConn().ExecPrepared(ctx, "s", nil, nil, nil).Close(); err != nil || tag.String() != "DROP ROLE" {
		t.Errorf("prepared drop user: %q, %v", tag, err)
	}
	if got := e.adminQuery(t, "select count(*)::text from pg_roles where rolname = $1", dave); got != "0" {
		t.Errorf("%s after the prepared DROP USER: %s roles", dave, got)
	}
	mustExec(t, c, "create user "+dave+" password 'Dave-pw-12'")
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

// wire sends msgs on c as they are, in one write, and returns the
// responses up to the ReadyForQuery of each Sync and Query among them,
// one line each (notices and parameter changes left out).
func wire(t *testing.T, c *pgconn.PgConn, msgs ...pgproto3.FrontendMessage) []string {
	t.Helper()
	f := c.Frontend()
	ready := 0
	for _, m := range msgs {
		switch m.(type) {
		case *pgproto3.Sync, *pgproto3.Query:
			ready++
		}
		f.Send(m)
	}
	_ = c.Conn().SetDeadline(time.Now().Add(30 * time.Second))
	defer func() { _ = c.Conn().SetDeadline(time.Time{}) }()
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	var out []string
	for ready > 0 {
		m, err := f.Receive()
		if err != nil {
			t.Fatalf("after %q: %v", out, err)
		}
		switch m := m.(type) {
		case *pgproto3.NoticeResponse, *pgproto3.ParameterStatus:
		case *pgproto3.ParameterDescription:
			out = append(out, fmt.Sprintf("ParameterDescription %d", len(m.ParameterOIDs)))
		case *pgproto3.CommandComplete:
			out = append(out, "CommandComplete "+string(m.CommandTag))
		case *pgproto3.ErrorResponse:
			out = append(out, "Error "+m.Code)
		case *pgproto3.ReadyForQuery:
			out = append(out, "ReadyForQuery "+string(m.TxStatus))
			ready--
		default:
			out = append(out, strings.TrimPrefix(fmt.Sprintf("%T", m), "*pgproto3."))
		}
	}
	return out
}

// extended is Parse, Bind and Execute of sql, unnamed.
func extended(sql string) []pgproto3.FrontendMessage {
	return []pgproto3.FrontendMessage{&pgproto3.Parse{Query: sql}, &pgproto3.Bind{}, &pgproto3.Execute{}}
}

func pipeline(sqls ...string) []pgproto3.FrontendMessage {
	var out []pgproto3.FrontendMessage
	for _, sql := range sqls {
		out = append(out, extended(sql)...)
	}
	return append(out, &pgproto3.Sync{})
}

// TestRoleStatementsInTheExtendedProtocol: a role statement sent with
// Parse, Bind, Describe, Execute and Sync (as JDBC, pgx and pg8000 send
// every statement) gets the responses PostgreSQL gives a utility
// statement (the oracle: the same messages sent to the server itself as
// its superuser, with CREATE ROLE), runs once per Execute and only then,
// in order with the rest of a pipeline, and an error stops the pipeline
// until the Sync as the server's own would.
func TestRoleStatementsInTheExtendedProtocol(t *testing.T) {
	e := startWithRoles(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := e.connect(t).PgConn()
	su, err := pgconn.Connect(ctx, e.pg.ConnString("postgres", e.db))
	if err != nil {
		t.Fatal(err)
	}
	defer su.Close(context.Background())
	exists := func(name string) bool {
		t.Helper()
		return e.adminQuery(t, "select count(*)::text from pg_roles where rolname = $1", name) == "1"
	}
	same := func(what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", what, got, want)
		}
	}
	mustExec(t, e.connect(t), "create table t (x int)")

	// The shape of each response, against PostgreSQL's own.
	shape := func(sql string) []pgproto3.FrontendMessage {
		return []pgproto3.FrontendMessage{&pgproto3.Parse{Name: "s", Query: sql}, &pgproto3.Describe{ObjectType: 'S', Name: "s"},
			&pgproto3.Bind{PreparedStatement: "s"}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{},
			&pgproto3.Bind{PreparedStatement: "s"}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Close{ObjectType: 'S', Name: "s"}, &pgproto3.Sync{}}
	}
	fay, ref := uniqueName("fay"), uniqueName("ref")
	got := wire(t, c, shape("create user "+fay+" password 'Fay-pw-123'")...)
	same("create user twice", got, wire(t, su, shape("create role "+ref+" login")...))
	same("create user twice", got, []string{"ParseComplete", "ParameterDescription 0", "NoData", "BindComplete", "NoData",
		"CommandComplete CREATE ROLE", "BindComplete", "Error 42710", "ReadyForQuery I", "CloseComplete", "ReadyForQuery I"})
	if res := e.psql(t, fay, "Fay-pw-123", "-c", "select current_user"); res.Code != 0 || strings.TrimSpace(res.Stdout) != fay {
		t.Errorf("%s logs in: exit %d, %q %q", fay, res.Code, res.Stdout, res.Stderr)
	}
	// One portal executed twice runs once, as PostgreSQL runs a portal.
	// (The server rolled ref's CREATE ROLE back with the failure after it
	// in the same implicit transaction; a role statement of the front's
	// commits on its own.)
	if _, err := su.Exec(ctx, "create role "+ref+" login").ReadAll(); err != nil {
		t.Fatal(err)
	}
	twice := func(sql string) []pgproto3.FrontendMessage {
		return []pgproto3.FrontendMessage{&pgproto3.Parse{Query: sql}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Execute{}, &pgproto3.Sync{}}
	}
	got = wire(t, c, twice("alter user "+fay+" createdb")...)
	same("one portal executed twice", got, wire(t, su, twice("alter role "+ref+" createdb")...))
	// A Parse with a parameter type is accepted and a Bind must match it,
	// as the server has it (08P01 for a Bind without the parameter).
	params := []pgproto3.FrontendMessage{&pgproto3.Parse{Name: "p", Query: "alter user " + fay + " nocreatedb", ParameterOIDs: []uint32{23}},
		&pgproto3.Describe{ObjectType: 'S', Name: "p"}, &pgproto3.Bind{PreparedStatement: "p"}, &pgproto3.Execute{}, &pgproto3.Sync{},
		&pgproto3.Close{ObjectType: 'S', Name: "p"}, &pgproto3.Sync{}}
	same("a parameter type", wire(t, c, params...), []string{"ParseComplete", "ParameterDescription 1", "NoData", "Error 08P01", "ReadyForQuery I",
		"CloseComplete", "ReadyForQuery I"})
	if got := e.adminQuery(t, "select rolcreatedb::text from pg_roles where rolname = $1", fay); got != "true" {
		t.Errorf("rolcreatedb after the refused Bind: %s, want true", got)
	}

	// Parsed, bound and described but never executed: never run.
	gus := uniqueName("gus")
	same("never executed", wire(t, c, &pgproto3.Parse{Query: "create user " + gus + " password 'Gus-pw-123'"}, &pgproto3.Bind{},
		&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Sync{}), []string{"ParseComplete", "BindComplete", "NoData", "ReadyForQuery I"})
	if exists(gus) {
		t.Errorf("%s exists, its statement never executed", gus)
	}

	// In order with the server's statements: the GRANT needs the user
	// the statement before it creates, the ALTER GROUP the group.
	hal, grp := uniqueName("hal"), uniqueName("grp")
	same("mixed pipeline", wire(t, c, pipeline("insert into t values (1)", "create user "+hal+" password 'Hal-pw-123'",
		"grant select on t to "+hal, "create group "+grp, "select 1", "alter group "+grp+" add user "+hal, "alter user "+hal+" connection limit 3")...),
		[]string{"ParseComplete", "BindComplete", "CommandComplete INSERT 0 1", "ParseComplete", "BindComplete", "CommandComplete CREATE ROLE",
			"ParseComplete", "BindComplete", "CommandComplete GRANT", "ParseComplete", "BindComplete", "CommandComplete CREATE ROLE",
			"ParseComplete", "BindComplete", "DataRow", "CommandComplete SELECT 1",
			"ParseComplete", "BindComplete", "CommandComplete ALTER ROLE", "ParseComplete", "BindComplete", "CommandComplete ALTER ROLE", "ReadyForQuery I"})
	if got := e.adminQuery(t, `select r.rolconnlimit || ' ' || has_table_privilege(r.rolname, 't', 'select') || ' ' || pg_has_role(r.rolname, $2, 'member')
		from pg_roles r where rolname = $1`, hal, grp); got != "3 true true" {
		t.Errorf("%s: %s, want 3 true true", hal, got)
	}

	// A refusal mid-pipeline: nothing after it runs until the Sync, the
	// implicit transaction (the INSERT) is rolled back, as with an error
	// of the server's own; the same session goes on.
	ivy := uniqueName("ivy")
	same("refusal mid-pipeline", wire(t, c, pipeline("insert into t values (2)", "create user "+fay+" password 'Fay-pw-123'",
		"insert into t values (3)", "create user "+ivy+" password 'Ivy-pw-123'")...),
		[]string{"ParseComplete", "BindComplete", "CommandComplete INSERT 0 1", "ParseComplete", "BindComplete", "Error 42710", "ReadyForQuery I"})
	if exists(ivy) {
		t.Errorf("%s exists: created after the error in its pipeline", ivy)
	}
	// An error of the server's stops a role statement after it the same way.
	same("server error mid-pipeline", wire(t, c, pipeline("select 1/(x-x) from t", "create user "+ivy+" password 'Ivy-pw-123'")...),
		[]string{"ParseComplete", "BindComplete", "Error 22012", "ReadyForQuery I"})
	if exists(ivy) {
		t.Errorf("%s exists: created after the error in its pipeline", ivy)
	}
	if got := e.adminQuery(t, "select coalesce(string_agg(x::text, ','), '') from t"); got != "1" {
		t.Errorf("t holds %q, want 1 (the failed pipeline's rows rolled back)", got)
	}
	// A failing Parse of the client's own (its pipeline already stopped).
	same("after a parse error", wire(t, c, append(extended("select nope"), pipeline("create user "+ivy+" password 'Ivy-pw-123'")...)...),
		[]string{"Error 42703", "ReadyForQuery I"})
	if exists(ivy) {
		t.Errorf("%s exists: created after the error in its pipeline", ivy)
	}
	// The same when the client has read the error (a Flush) before it
	// sends the role statement: the server skips it all the same.
	f := c.Frontend()
	f.Send(&pgproto3.Parse{Query: "select nope"})
	f.Send(&pgproto3.Flush{})
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	if m, err := f.Receive(); err != nil {
		t.Fatal(err)
	} else if er, ok := m.(*pgproto3.ErrorResponse); !ok || er.Code != "42703" {
		t.Fatalf("after a Flush: %#v", m)
	}
	same("after an error read", wire(t, c, pipeline("create user "+ivy+" password 'Ivy-pw-123'")...), []string{"ReadyForQuery I"})
	if exists(ivy) {
		t.Errorf("%s exists: created after the error in its pipeline", ivy)
	}
	// The message is Redshift's (the simple path's).
	_, err = c.ExecParams(ctx, "create user "+fay+" password 'Fay-pw-123'", nil, nil, nil, nil).Close()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42710" || pe.Message != `user "`+fay+`" already exists` {
		t.Errorf("create an existing user: %v", err)
	}
	// A Describe of a statement that is no role statement's, after one.
	same("select after", wire(t, c, pipeline("select 1")...), []string{"ParseComplete", "BindComplete", "DataRow", "CommandComplete SELECT 1", "ReadyForQuery I"})

	// In a transaction block it runs at once: ROLLBACK does not undo it.
	// A refusal there aborts the transaction; in an aborted one it is
	// refused as every statement is.
	jon := uniqueName("jon")
	same("in a transaction", wire(t, c, append(append([]pgproto3.FrontendMessage{&pgproto3.Query{String: "begin"}},
		pipeline("create user "+jon+" password 'Jon-pw-123'")...), &pgproto3.Query{String: "rollback"})...),
		[]string{"CommandComplete BEGIN", "ReadyForQuery T", "ParseComplete", "BindComplete", "CommandComplete CREATE ROLE", "ReadyForQuery T",
			"CommandComplete ROLLBACK", "ReadyForQuery I"})
	if !exists(jon) {
		t.Errorf("%s was undone by ROLLBACK", jon)
	}
	kim := uniqueName("kim")
	same("refused in a transaction", wire(t, c, &pgproto3.Query{String: "begin"}, &pgproto3.Parse{Name: "k", Query: "create user " + kim + " password 'Kim-pw-123'"},
		&pgproto3.Sync{}, &pgproto3.Query{String: "select 1/0"}, &pgproto3.Bind{PreparedStatement: "k"}, &pgproto3.Execute{}, &pgproto3.Sync{},
		&pgproto3.Query{String: "rollback"}, &pgproto3.Bind{PreparedStatement: "k"}, &pgproto3.Execute{}, &pgproto3.Sync{}),
		[]string{"CommandComplete BEGIN", "ReadyForQuery T", "ParseComplete", "ReadyForQuery T", "Error 22012", "ReadyForQuery E",
			"Error 25P02", "ReadyForQuery E", "CommandComplete ROLLBACK", "ReadyForQuery I", "BindComplete", "CommandComplete CREATE ROLE", "ReadyForQuery I"})
	if !exists(kim) {
		t.Errorf("%s was not created after the ROLLBACK", kim)
	}
	same("failure in a transaction", wire(t, c, append(append([]pgproto3.FrontendMessage{&pgproto3.Query{String: "begin"}},
		pipeline("create user "+kim+" password 'Kim-pw-123'", "select 1")...), &pgproto3.Query{String: "select 1"}, &pgproto3.Query{String: "rollback"})...),
		[]string{"CommandComplete BEGIN", "ReadyForQuery T", "ParseComplete", "BindComplete", "Error 42710", "ReadyForQuery E",
			"Error 25P02", "ReadyForQuery E", "CommandComplete ROLLBACK", "ReadyForQuery I"})
	// A statement replaced behind the front's back (SQL's DEALLOCATE and
	// PREPARE) runs as the server has it, and the role statement does not.
	lou := uniqueName("lou")
	same("replaced by SQL", wire(t, c, &pgproto3.Parse{Name: "d", Query: "create user " + lou + " password 'Lou-pw-123'"}, &pgproto3.Sync{},
		&pgproto3.Query{String: "deallocate d"}, &pgproto3.Query{String: "prepare d as select 42"},
		&pgproto3.Bind{PreparedStatement: "d"}, &pgproto3.Execute{}, &pgproto3.Sync{}),
		[]string{"ParseComplete", "ReadyForQuery I", "CommandComplete DEALLOCATE", "ReadyForQuery I", "CommandComplete PREPARE", "ReadyForQuery I",
			"BindComplete", "DataRow", "CommandComplete SELECT 1", "ReadyForQuery I"})
	if exists(lou) {
		t.Errorf("%s exists: its prepared statement was replaced", lou)
	}
	// A portal that does not exist, as the server says.
	same("no such portal", wire(t, c, &pgproto3.Parse{Name: "k2", Query: "drop user " + kim}, &pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "k2"},
		&pgproto3.Sync{}, &pgproto3.Execute{Portal: "p"}, &pgproto3.Sync{}),
		[]string{"ParseComplete", "BindComplete", "ReadyForQuery I", "Error 34000", "ReadyForQuery I"})
	if !exists(kim) {
		t.Errorf("%s dropped by an Execute of a portal gone with its transaction", kim)
	}
}

// TestRoleStatementsThroughPgconn: pgx's own extended protocol calls
// (Prepare, ExecPrepared, ExecParams, a pipeline, a Batch) run role
// statements; the user created logs in.
func TestRoleStatementsThroughPgconn(t *testing.T) {
	e := startWithRoles(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn := e.connect(t)
	c := conn.PgConn()
	lea, max := uniqueName("lea"), uniqueName("max")
	sd, err := c.Prepare(ctx, "mk", "create user "+lea+" password 'Lea-pw-123'", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sd.ParamOIDs) != 0 || len(sd.Fields) != 0 {
		t.Errorf("described: %d parameters, %d columns, want none", len(sd.ParamOIDs), len(sd.Fields))
	}
	rr := c.ExecPrepared(ctx, "mk", nil, nil, nil)
	if tag, err := rr.Close(); err != nil || tag.String() != "CREATE ROLE" {
		t.Fatalf("ExecPrepared: %q, %v", tag, err)
	}
	// Executed again, it runs again.
	_, err = c.ExecPrepared(ctx, "mk", nil, nil, nil).Close()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42710" {
		t.Errorf("ExecPrepared again: %v, want 42710", err)
	}
	if tag, err := c.ExecParams(ctx, "alter user "+lea+" connection limit 7", nil, nil, nil, nil).Close(); err != nil || tag.String() != "ALTER ROLE" {
		t.Errorf("ExecParams: %q, %v", tag, err)
	}
	lc, err := pgx.Connect(ctx, fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", lea, "Lea-pw-123", e.host, e.port, e.db))
	if err != nil {
		t.Fatalf("%s logs in: %v", lea, err)
	}
	var who string
	var limit int
	if err := lc.QueryRow(ctx, "select current_user, rolconnlimit from pg_roles where rolname = current_user").Scan(&who, &limit); err != nil || who != lea || limit != 7 {
		t.Errorf("%s: %q %d %v", lea, who, limit, err)
	}
	lc.Close(ctx)

	// A pipeline of pgconn's.
	p := c.StartPipeline(ctx)
	p.SendQueryParams("create user "+max+" password 'Max-pw-123'", nil, nil, nil, nil)
	p.SendQueryParams("select 1", nil, nil, nil, nil)
	p.SendQueryParams("alter user "+max+" createdb", nil, nil, nil, nil)
	p.SendPipelineSync()
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	var tags []string
	for {
		res, err := p.GetResults()
		if err != nil {
			t.Fatalf("pipeline after %q: %v", tags, err)
		}
		if rr, ok := res.(*pgconn.ResultReader); ok {
			tag, err := rr.Close()
			if err != nil {
				t.Fatalf("pipeline after %q: %v", tags, err)
			}
			tags = append(tags, tag.String())
		}
		if _, ok := res.(*pgconn.PipelineSync); ok {
			break
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tags, []string{"CREATE ROLE", "SELECT 1", "ALTER ROLE"}) {
		t.Errorf("pipeline tags %q", tags)
	}

	// A pgx Batch (prepared and cached statements, then one pipeline).
	b := &pgx.Batch{}
	b.Queue("alter user " + max + " nocreatedb")
	b.Queue("select $1::int + 1", 1)
	b.Queue("drop user " + max)
	br := conn.SendBatch(ctx, b)
	if tag, err := br.Exec(); err != nil || tag.String() != "ALTER ROLE" {
		t.Errorf("batch alter: %q, %v", tag, err)
	}
	var two int
	if err := br.QueryRow().Scan(&two); err != nil || two != 2 {
		t.Errorf("batch select: %d, %v", two, err)
	}
	if tag, err := br.Exec(); err != nil || tag.String() != "DROP ROLE" {
		t.Errorf("batch drop: %q, %v", tag, err)
	}
	if err := br.Close(); err != nil {
		t.Fatal(err)
	}
	if got := e.adminQuery(t, "select count(*)::text from pg_roles where rolname = $1", max); got != "0" {
		t.Errorf("%s after the batch's DROP USER: %s roles", max, got)
	}
}
