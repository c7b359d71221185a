package main

// Redshift's user and group DDL on a real `rsdata serve`: the master user
// runs CREATE USER, CREATE GROUP, ALTER GROUP, ALTER USER and DROP USER
// through the Data API and through psql and pgx (the extended protocol) on
// the PostgreSQL endpoint, as on Redshift, and nobody gets more than
// Redshift gives.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// clusterLogin returns psql's conninfo for a user of s's cluster, through
// its PostgreSQL endpoint.
func clusterLogin(s *server) func(user string) string {
	return func(user string) string {
		return fmt.Sprintf("host=127.0.0.1 port=%d user=%s dbname=dev sslmode=disable", s.EnginePort("cluster", "local"), user)
	}
}

func TestRoleDDLThroughDataAPI(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})
	c := s.RootClient()
	login := clusterLogin(s)
	for _, sql := range []string{
		"create user carol password 'Carol-pw-1'",
		"create group analysts with user carol",
		"create user dave with password 'Dave-pw-12' createdb connection limit 30",
		"alter group analysts add user dave",
		"alter user carol password 'Carol-pw-2'",
		"create table public.team (x int)", "insert into team values (7)", "grant select on team to group analysts",
	} {
		mustFinish(t, c, execute(t, c, onCluster(sql)))
	}
	// carol logs in with psql through the front, with the new password.
	if got := mustPsql(t, login("carol"), "Carol-pw-2", "select current_user, (select x from team)"); got != "carol|7" {
		t.Errorf("carol: %q, want carol|7", got)
	}
	if res := psql(t, login("carol"), "Carol-pw-1", "select 1"); res.Code == 0 {
		t.Errorf("carol logged in with her old password")
	}
	master := s.MasterLogins()["cluster/local"]
	if got := mustPsql(t, login(master.User), master.Password, `select r.rolname, r.rolcreatedb, r.rolconnlimit, r.rolsuper, r.rolcreaterole,
		array(select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid where m.member = r.oid order by 1)
		from pg_roles r where r.rolname in ('carol', 'dave', 'analysts') order by 1`); got != "analysts|f|-1|f|f|{}\ncarol|f|-1|f|f|{analysts}\ndave|t|30|f|f|{analysts}" {
		t.Errorf("roles:\n%s", got)
	}

	// A batch mixes role DDL and other SQL, in order.
	ctx := context.Background()
	out, err := c.BatchExecuteStatement(ctx, &redshiftdata.BatchExecuteStatementInput{ClusterIdentifier: aws.String("local"),
		Database: aws.String("dev"), DbUser: aws.String("awsuser"),
		Sqls: []string{"create table public.b (x int)", "create user erin password 'Erin-pw-12' in group analysts", "drop user dave"}})
	if err != nil {
		t.Fatal(err)
	}
	mustFinish(t, c, aws.ToString(out.Id))
	if got := mustPsql(t, login("erin"), "Erin-pw-12", "select count(*) from team"); got != "1" {
		t.Errorf("erin reads team: %q", got)
	}
	if res := psql(t, login("dave"), "Dave-pw-12", "select 1"); res.Code == 0 {
		t.Errorf("dave logged in after DROP USER")
	}

	// Refusals end the statement FAILED with the reason.
	for sql, want := range map[string]string{
		"create user carol password 'Carol-pw-1'": `ERROR: user "carol" already exists`,
		"create user frank password 'short'":      "ERROR: invalid password: it must be 8 to 64 characters in length",
		"create user pg_evil password 'Aa1aaaaa'": `ERROR: role name "pg_evil" is reserved`,
		"alter user awsuser createuser":           `ERROR: permission denied: user "awsuser" is the master user, which rsdata manages`,
		"drop user rsdata":                        `ERROR: permission denied: user "rsdata" is reserved by the database`,
	} {
		if got := failing(t, c, onCluster(sql)); !strings.HasPrefix(got, want) {
			t.Errorf("%q: error %q, want %q", sql, got, want)
		}
	}
	// carol, no superuser, is refused through the Data API too (a secret-less
	// DbUser logs in over the trusted socket as that user).
	carolIn := onCluster("create user mallory password 'Mallory-pw-1'")
	carolIn.DbUser = aws.String("carol")
	if got := failing(t, c, carolIn); got != "ERROR: permission denied to create role" {
		t.Errorf("carol create user: %q", got)
	}

	// The history shows the statements with their passwords masked.
	id := execute(t, c, onCluster("select trim(querytxt) from stl_query where querytxt like '%carol%password%' order by query"))
	mustFinish(t, c, id)
	rows, _, _ := allRecords(t, c, id)
	if len(rows) == 0 {
		t.Fatal("no history rows for the CREATE USER statements")
	}
	for _, r := range rows {
		txt := r[0].(*types.FieldMemberStringValue).Value
		if strings.Contains(txt, "Carol-pw") || !strings.Contains(txt, "'***'") {
			t.Errorf("history shows %q", txt)
		}
	}
}

func TestRoleDDLThroughPsql(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})
	master := s.MasterLogins()["cluster/local"]
	login := clusterLogin(s)
	as := login(master.User)
	mustPsql(t, as, master.Password, "create user carol password 'Carol-pw-1'")
	if got := mustPsql(t, as, master.Password, "select rolname, rolcanlogin, rolsuper, rolcreaterole from pg_roles where rolname = 'carol'"); got != "carol|t|f|f" {
		t.Errorf("pg_roles carol: %q", got)
	}
	if got := mustPsql(t, login("carol"), "Carol-pw-1", "select current_user"); got != "carol" {
		t.Errorf("carol: %q", got)
	}
	// psql prints PostgreSQL's command tag.
	if got := mustPsql(t, as, master.Password, "alter user carol connection limit 5"); got != "ALTER ROLE" {
		t.Errorf("tag %q, want ALTER ROLE", got)
	}

	// CREATEUSER makes a Redshift superuser: x creates users; nobody gets
	// PostgreSQL's superuser or CREATEROLE.
	mustPsql(t, as, master.Password, "create user x password 'Aa1aaaaa' createuser")
	mustPsql(t, login("x"), "Aa1aaaaa", "create user y password 'Bb2bbbbb'")
	if got := mustPsql(t, login("y"), "Bb2bbbbb", "select current_user"); got != "y" {
		t.Errorf("y: %q", got)
	}
	// So do x's temporary credentials (GetClusterCredentials --db-user x),
	// as on Redshift, where they log in as x.
	var cc struct{ DbUser, DbPassword string }
	awsJSON(t, awsEnv(t, s.PrintedEnv()), &cc, "redshift", "get-cluster-credentials", "--cluster-identifier", "local", "--db-user", "x")
	mustPsql(t, login(cc.DbUser), cc.DbPassword, "create user v password 'Vv1vvvvv'")
	mustPsql(t, login("v"), "Vv1vvvvv", "select 1")
	// y is no superuser: refused as PostgreSQL refuses (42501).
	res := psqlEach(t, login("y"), "Bb2bbbbb", `\set VERBOSITY verbose`, "create user z password 'Cc3ccccc'")
	if res.Code == 0 || !strings.Contains(res.Stderr, "42501") || !strings.Contains(res.Stderr, "permission denied to create role") {
		t.Errorf("y create user: exit %d, stderr %q", res.Code, res.Stderr)
	}
	// y may change its own password, as on Redshift, and nothing else.
	mustPsql(t, login("y"), "Bb2bbbbb", "alter user y password 'Bb2bbbbc'")
	if res := psql(t, login("y"), "Bb2bbbbc", "alter user y createdb"); res.Code == 0 {
		t.Errorf("y gave itself CREATEDB")
	}

	for _, sql := range []string{
		"alter user awsuser createuser",
		"alter user awsuser password 'Aa1aaaaa'",
		"alter user rsdata password 'Aa1aaaaa'",
		"drop user awsuser",
		"create user pg_evil password 'Aa1aaaaa'",
		"create user public password 'Aa1aaaaa'",
		`create user "IAM:alice" password 'Aa1aaaaa'`,
		"create user z password 'Aa1aaaaa' in group pg_execute_server_program",
		"create user z password 'Aa1aaaaa' in group rsdata",
		"alter group pg_read_server_files add user carol",
		"alter user carol set session_preload_libraries = 'x'",
		"alter user carol superuser",
		"grant pg_execute_server_program to x",
		// The mark of a CREATEUSER user is a comment only rsdata's admin
		// can set (COMMENT ON ROLE needs CREATEROLE).
		"comment on role y is 'rsdata: Redshift superuser (CREATEUSER)'",
		"create group g with user rsdata",
		"alter user \"IAM:x\" password 'Aa1aaaaa'",
		"create user z password 'md5153c434b4b77c89e6b94f12c5393af5b'",
	} {
		for _, who := range []struct{ user, pw string }{{master.User, master.Password}, {"x", "Aa1aaaaa"}} {
			if res := psql(t, login(who.user), who.pw, sql); res.Code == 0 {
				t.Errorf("%s ran %q", who.user, sql)
			}
		}
	}
	// Names are identifiers, never SQL.
	mustPsql(t, as, master.Password, `create table canary (x int)`)
	mustPsql(t, as, master.Password, `create user "a""; drop table canary; --" password 'Aa1aaaaa'`+"\n")
	if got := mustPsql(t, as, master.Password, `select count(*), to_regclass('canary') is not null from pg_roles where rolname = 'a"; drop table canary; --'`); got != "1|t" {
		t.Errorf("injected name: %q", got)
	}
	if got := mustPsql(t, as, master.Password, `select string_agg(rolname, ',' order by rolname) from pg_roles where rolsuper or rolcreaterole or rolreplication or rolbypassrls`); got != "rsdata" {
		t.Errorf("PostgreSQL superusers and CREATEROLE roles: %q, want only rsdata", got)
	}

	// Inside a transaction block it runs at once and the block goes on.
	if res := psqlEach(t, as, master.Password, "begin", "create user w password 'Ww1wwwww'", "select 1", "commit"); res.Code != 0 || !strings.Contains(res.Stdout, "1") {
		t.Errorf("in a transaction: exit %d, %q, %q", res.Code, res.Stdout, res.Stderr)
	}
	mustPsql(t, login("w"), "Ww1wwwww", "select 1")
	// A failure inside one aborts it, as the server's own error would.
	res = psqlEach(t, as, master.Password, `\set ON_ERROR_STOP 0`, "begin", "create user w password 'Ww1wwwww'", "select 1", "rollback")
	if !strings.Contains(res.Stderr, `user "w" already exists`) || !strings.Contains(res.Stderr, "current transaction is aborted") {
		t.Errorf("failure in a transaction: stderr %q", res.Stderr)
	}
	mustPsql(t, as, master.Password, "drop user w")
	mustPsql(t, as, master.Password, "drop user if exists w, nobody")
}

// psqlEach runs psql with one -c per command: each is its own Query.
func psqlEach(t testing.TB, conninfo, password string, cmds ...string) cmdResult {
	t.Helper()
	env := append(cleanEnv("PG"), "PGPASSWORD="+password, "PGCONNECT_TIMEOUT=10")
	args := []string{conninfo, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"}
	for _, c := range cmds {
		args = append(args, "-c", c)
	}
	return runCommand(t, env, psqlPath(t), args...)
}

// TestRoleDDLThroughTheExtendedProtocol: drivers that send every statement
// with Parse, Bind and Execute (JDBC, pg8000, pgx with arguments) run
// Redshift's user statements on the PostgreSQL endpoint too, one at a time
// and pipelined; the users created log in.
func TestRoleDDLThroughTheExtendedProtocol(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})
	master := s.MasterLogins()["cluster/local"]
	url := func(user, password string) string {
		return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/dev?sslmode=disable", user, password, s.EnginePort("cluster", "local"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pgx.Connect(ctx, url(master.User, master.Password))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	// pgconn's ExecParams: Parse, Bind, Describe, Execute, Sync.
	if tag, err := c.PgConn().ExecParams(ctx, "create user ext_carol password 'Carol-pw-1'", nil, nil, nil, nil).Close(); err != nil || tag.String() != "CREATE ROLE" {
		t.Fatalf("create user: %q, %v", tag, err)
	}
	// Refused as on the simple path, and the session goes on.
	_, err = c.PgConn().ExecParams(ctx, "create user ext_carol password 'Carol-pw-1'", nil, nil, nil, nil).Close()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42710" || pe.Message != `user "ext_carol" already exists` {
		t.Errorf("create user again: %v", err)
	}
	// A pgx Batch: statements prepared, then executed in one pipeline
	// (a Parse needs its table, so the table comes first).
	if _, err := c.Exec(ctx, "create table ext_t (x int)"); err != nil {
		t.Fatal(err)
	}
	b := &pgx.Batch{}
	b.Queue("create group ext_readers")
	b.Queue("insert into ext_t values ($1)", 7)
	b.Queue("grant select on ext_t to group ext_readers")
	b.Queue("alter group ext_readers add user ext_carol")
	if err := c.SendBatch(ctx, b).Close(); err != nil {
		t.Fatalf("batch: %v", err)
	}
	cc, err := pgx.Connect(ctx, url("ext_carol", "Carol-pw-1"))
	if err != nil {
		t.Fatalf("ext_carol logs in: %v", err)
	}
	defer cc.Close(context.Background())
	var who string
	var x int
	if err := cc.QueryRow(ctx, "select current_user, (select x from ext_t where x = $1)", 7).Scan(&who, &x); err != nil || who != "ext_carol" || x != 7 {
		t.Errorf("ext_carol: %q %d %v", who, x, err)
	}
	// ext_carol is no superuser: refused with PostgreSQL's 42501.
	_, err = cc.PgConn().ExecParams(ctx, "create user ext_mallory password 'Mallory-pw-1'", nil, nil, nil, nil).Close()
	if !errors.As(err, &pe) || pe.Code != "42501" || pe.Message != "permission denied to create role" {
		t.Errorf("ext_carol creates a user: %v", err)
	}
}

// dbtGrantScript is a provisioning script as dbt packages send it through
// the Data API: a CREATE USER and the grants that go with it, in one SQL.
func dbtGrantScript(user, schema string) string {
	return fmt.Sprintf(`CREATE USER %[1]s WITH PASSWORD 'Abcdefg1' SYSLOG ACCESS UNRESTRICTED;
GRANT USAGE ON SCHEMA %[2]s TO %[1]s;
GRANT SELECT ON ALL TABLES IN SCHEMA %[2]s TO %[1]s;
ALTER DEFAULT PRIVILEGES IN SCHEMA %[2]s GRANT SELECT ON TABLES TO %[1]s;
GRANT SELECT ON svv_table_info TO %[1]s;
`, user, schema)
}

// TestRoleStatementsWithOtherSQL: one Data API SQL may mix user and group
// statements with other SQL, as provisioning scripts do; they run in
// order, the other SQL in one transaction, the role statements committed
// at once on their own.
func TestRoleStatementsWithOtherSQL(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})
	c := s.RootClient()
	login := clusterLogin(s)
	master := s.MasterLogins()["cluster/local"]
	as := login(master.User)
	for _, sql := range []string{"create schema s", "create table s.t (x int)", "insert into s.t values (42)",
		"create schema s2", "create table s2.t (x int)", "insert into s2.t values (43)"} {
		mustFinish(t, c, execute(t, c, onCluster(sql)))
	}

	// The dbt script as one ExecuteStatement: u logs in and reads s's
	// table and svv_table_info.
	mustFinish(t, c, execute(t, c, onCluster(dbtGrantScript("u", "s"))))
	if got := mustPsql(t, login("u"), "Abcdefg1", "select current_user, (select x from s.t), (select count(*) >= 0 from svv_table_info)"); got != "u|42|t" {
		t.Errorf("u: %q, want u|42|t", got)
	}
	// The default privileges are u's for tables the master makes later.
	mustFinish(t, c, execute(t, c, onCluster("create table s.later (y int); insert into s.later values (5)")))
	if got := mustPsql(t, login("u"), "Abcdefg1", "select y from s.later"); got != "5" {
		t.Errorf("u reads a later table: %q", got)
	}

	// The same script as one SQL of a batch, after another SQL.
	ctx := context.Background()
	out, err := c.BatchExecuteStatement(ctx, &redshiftdata.BatchExecuteStatementInput{ClusterIdentifier: aws.String("local"),
		Database: aws.String("dev"), DbUser: aws.String("awsuser"),
		Sqls: []string{"insert into s2.t values (44)", dbtGrantScript("u2", "s2"), "select 1"}})
	if err != nil {
		t.Fatal(err)
	}
	mustFinish(t, c, aws.ToString(out.Id))
	if got := mustPsql(t, login("u2"), "Abcdefg1", "select string_agg(x::text, ',' order by x) from s2.t"); got != "43,44" {
		t.Errorf("u2: %q, want 43,44", got)
	}

	// The last statement's result is the statement's.
	id := execute(t, c, onCluster("create group readers; select 7 as n; alter group readers add user u; select 'last' as n"))
	if d := mustFinish(t, c, id); !aws.ToBool(d.HasResultSet) || d.ResultRows != 1 {
		t.Errorf("result: has %v, rows %d", aws.ToBool(d.HasResultSet), d.ResultRows)
	}
	if rows, _, _ := allRecords(t, c, id); len(rows) != 1 || rows[0][0].(*types.FieldMemberStringValue).Value != "last" {
		t.Errorf("records %v", rows)
	}

	// A later SQL statement fails: the SQL before it is rolled back, the
	// user created stays (role statements commit on their own).
	if got := failing(t, c, onCluster("create table public.rb (x int); create user rbuser password 'Rbuser-pw-1'; insert into rb values (1); select 1/0")); got != "ERROR: division by zero" {
		t.Errorf("failing script: %q", got)
	}
	if got := mustPsql(t, as, master.Password, "select to_regclass('public.rb') is null, count(*) from pg_roles where rolname = 'rbuser'"); got != "t|1" {
		t.Errorf("after the failing script: %q, want t|1 (table rolled back, user kept)", got)
	}
	mustPsql(t, login("rbuser"), "Rbuser-pw-1", "select 1")

	// No superuser: the role statement is refused and nothing of the SQL
	// ran.
	mustFinish(t, c, execute(t, c, onCluster("create user carol password 'Carol-pw-1'; grant usage on schema s to carol; grant insert, select on s.t to carol")))
	carolIn := onCluster("insert into s.t values (99); create user mallory password 'Mallory-pw-1'")
	carolIn.DbUser = aws.String("carol")
	if got := failing(t, c, carolIn); got != "ERROR: permission denied to create role" {
		t.Errorf("carol's script: %q", got)
	}
	if got := mustPsql(t, as, master.Password, "select (select count(*) from s.t where x = 99), (select count(*) from pg_roles where rolname = 'mallory')"); got != "0|0" {
		t.Errorf("after carol's script: %q, want 0|0", got)
	}

	// Parameters are refused with the role statement.
	withParams := onCluster("create user pu password 'Abcdefg1'; select :a")
	withParams.Parameters = []types.SqlParameter{{Name: aws.String("a"), Value: aws.String("1")}}
	var ve *types.ValidationException
	if _, err := c.ExecuteStatement(ctx, &withParams); !errors.As(err, &ve) {
		t.Errorf("parameters: %v, want a ValidationException", err)
	}

	// In a session's open transaction the script joins it; COMMIT ends it.
	begin := onCluster("begin")
	begin.SessionKeepAliveSeconds = aws.Int32(60)
	first, err := c.ExecuteStatement(ctx, &begin)
	if err != nil {
		t.Fatal(err)
	}
	mustFinish(t, c, aws.ToString(first.Id))
	inSession := func(sql string) string {
		out, err := c.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{SessionId: first.SessionId, Sql: aws.String(sql)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Id)
	}
	mustFinish(t, c, inSession("create table public.sess (x int); create user sessuser password 'Sessuser-pw-1'; grant select on sess to sessuser"))
	mustFinish(t, c, inSession("rollback"))
	if got := mustPsql(t, as, master.Password, "select to_regclass('public.sess') is null, count(*) from pg_roles where rolname = 'sessuser'"); got != "t|1" {
		t.Errorf("after the session's rollback: %q, want t|1", got)
	}

	// A GRANT to a user then DROP USER of that user in one SQL: the DROP
	// waits for the lock the SQL's own transaction holds, and fails within
	// its bound rather than hang.
	started := time.Now()
	got := failing(t, c, onCluster("create user lw password 'Lwuser-pw-1'; create table public.lwt (x int); grant select on lwt to lw; drop user lw"))
	if !strings.HasPrefix(got, "ERROR: DROP USER waited 10s for a lock on a role it names") || time.Since(started) > time.Minute {
		t.Errorf("lock wait: %q after %v", got, time.Since(started))
	}
	if got := mustPsql(t, as, master.Password, "select to_regclass('public.lwt') is null, count(*) from pg_roles where rolname = 'lw'"); got != "t|1" {
		t.Errorf("after the lock wait: %q, want t|1", got)
	}

	// The history masks every password of the script; DescribeStatement
	// shows it as sent.
	hist := execute(t, c, onCluster("select trim(querytxt) from stl_query where querytxt like '%rbuser%password%' order by query"))
	mustFinish(t, c, hist)
	rows, _, _ := allRecords(t, c, hist)
	if len(rows) != 1 || strings.Contains(rows[0][0].(*types.FieldMemberStringValue).Value, "Rbuser-pw") {
		t.Errorf("history: %v", rows)
	}

	// The PostgreSQL endpoint still takes a role statement only alone.
	res := psql(t, as, master.Password, "create user pgu password 'Abcdefg1'; select 1")
	if res.Code == 0 || !strings.Contains(res.Stderr, "CREATE USER must be sent as a statement of its own") {
		t.Errorf("endpoint: exit %d, stderr %q", res.Code, res.Stderr)
	}
}
