package dbcreds_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rsdata/rsdata/internal/dbcreds"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/pgexec"
	"github.com/rsdata/rsdata/internal/store"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	srv   *pgtest.Server
	db    string
	store *store.Store
	roles *pgexec.Roles
	eng   dbcreds.Engine
}

func setup(t *testing.T) env {
	t.Helper()
	ctx := context.Background()
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	ctl := srv.NewDatabase(t)
	s, err := store.Open(ctx, srv.ConnString("postgres", ctl), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	conn, err := pgx.Connect(ctx, srv.ConnString("postgres", ctl))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	reg := engines.NewRegistry()
	if err := reg.Add(&engines.Endpoint{Kind: engines.Cluster, Name: "c-" + db, Host: "127.0.0.1", Port: srv.Port(),
		SocketDir: srv.SocketDir(), AdminUser: "postgres", MasterUser: "awsuser", Database: db, Embedded: true}); err != nil {
		t.Fatal(err)
	}
	return env{srv: srv, db: db, store: s, roles: pgexec.NewRoles(reg), eng: dbcreds.Engine{Kind: engines.Cluster, Name: "c-" + db}}
}

func (e env) login(user, password string) error {
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=127.0.0.1 port=%d sslmode=disable", e.srv.Port()))
	if err != nil {
		return err
	}
	cfg.User, cfg.Password, cfg.Database = user, password, e.db
	ctx := context.Background()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

func wantAuthFailure(t *testing.T, err error) {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "28P01" && pgErr.Code != "28000" {
		t.Fatalf("login error = %v, want an authentication failure", err)
	}
}

func TestIssueValidation(t *testing.T) {
	is := dbcreds.New(dbcreds.Options{}, nil, nil) // validation runs before any store or role call
	ctx := context.Background()
	eng := dbcreds.Engine{Kind: engines.Cluster, Name: "c"}
	cases := []struct {
		req  dbcreds.Request
		want error
	}{
		{dbcreds.Request{Engine: eng, DbUser: "bob", Duration: 899 * time.Second}, dbcreds.ErrInvalidDuration},
		{dbcreds.Request{Engine: eng, DbUser: "bob", Duration: 3601 * time.Second}, dbcreds.ErrInvalidDuration},
		{dbcreds.Request{Engine: eng, DbUser: ""}, dbcreds.ErrInvalidDbUser},
		{dbcreds.Request{Engine: eng, DbUser: "PUBLIC"}, dbcreds.ErrInvalidDbUser},
		{dbcreds.Request{Engine: eng, DbUser: "1bob"}, dbcreds.ErrInvalidDbUser},
		{dbcreds.Request{Engine: eng, DbUser: "a:b"}, dbcreds.ErrInvalidDbUser},
		{dbcreds.Request{Engine: eng, DbUser: "a/b"}, dbcreds.ErrInvalidDbUser},
		{dbcreds.Request{Engine: eng, DbUser: "a b"}, dbcreds.ErrInvalidDbUser},
		{dbcreds.Request{Engine: eng, DbUser: strings.Repeat("a", 65)}, dbcreds.ErrInvalidDbUser},
		// 64 is a valid DbUser but with "IAM:" exceeds PostgreSQL's 63 bytes.
		{dbcreds.Request{Engine: eng, DbUser: strings.Repeat("a", 64)}, dbcreds.ErrInvalidDbUser},
		{dbcreds.Request{Engine: eng, DbUser: "bob", Groups: []string{"g:1"}}, dbcreds.ErrInvalidGroup},
		{dbcreds.Request{Engine: eng, DbUser: "bad name", Identity: dbcreds.IAMUser}, dbcreds.ErrInvalidDbUser},
	}
	for _, c := range cases {
		_, err := is.Issue(ctx, c.req)
		if !errors.Is(err, c.want) {
			t.Errorf("Issue(%+v) = %v, want %v", c.req, err, c.want)
		}
	}
	if s := (dbcreds.Credentials{DbUser: "IAM:x", Password: "hunter2"}).String(); strings.Contains(s, "hunter2") {
		t.Errorf("Credentials.String leaks the password: %s", s)
	}
}

func TestIssueExistingUserAndAutoCreate(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	bob := e.db + "_bob"
	e.srv.Exec(t, e.db, fmt.Sprintf(`CREATE ROLE %s LOGIN; CREATE TABLE t (v int); INSERT INTO t VALUES (7); GRANT SELECT ON t TO %[1]s`, bob))
	is := dbcreds.New(dbcreds.Options{}, e.store.Leases(), e.roles)

	// Missing user without AutoCreate: success, but no role to log in as.
	ghost := e.db + "_ghost"
	c, err := is.Issue(ctx, dbcreds.Request{Engine: e.eng, Database: e.db, DbUser: ghost})
	if err != nil || c.DbUser != "IAM:"+ghost || c.Password == "" {
		t.Fatalf("Issue(ghost) = %v, %v", c, err)
	}
	wantAuthFailure(t, e.login(c.DbUser, c.Password))

	// Existing user: IAM:bob with bob's privileges.
	before := time.Now()
	c, err = is.Issue(ctx, dbcreds.Request{Engine: e.eng, Database: e.db, DbUser: bob, Duration: 1800 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if c.DbUser != "IAM:"+bob || c.Expiration.Before(before.Add(1799*time.Second)) || c.Expiration.After(time.Now().Add(1800*time.Second)) {
		t.Fatalf("Issue(bob) = %v", c)
	}
	cfg, _ := pgx.ParseConfig(fmt.Sprintf("host=127.0.0.1 port=%d sslmode=disable", e.srv.Port()))
	cfg.User, cfg.Password, cfg.Database = c.DbUser, c.Password, e.db
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var v int
	if err := conn.QueryRow(ctx, "SELECT v FROM t").Scan(&v); err != nil || v != 7 {
		t.Fatalf("read as %s = %d, %v", c.DbUser, v, err)
	}
	conn.Close(ctx)

	// AutoCreate for a missing user: IAMA:, created with PUBLIC only.
	carol := e.db + "_carol"
	c2, err := is.Issue(ctx, dbcreds.Request{Engine: e.eng, Database: e.db, DbUser: carol, AutoCreate: true})
	if err != nil || c2.DbUser != "IAMA:"+carol {
		t.Fatalf("Issue(carol) = %v, %v", c2, err)
	}
	if err := e.login(c2.DbUser, c2.Password); err != nil {
		t.Fatal(err)
	}
	// A missing group fails the call.
	_, err = is.Issue(ctx, dbcreds.Request{Engine: e.eng, DbUser: bob, Groups: []string{e.db + "_nogroup"}})
	if !errors.Is(err, dbcreds.ErrGroupNotFound) {
		t.Fatalf("Issue(missing group) = %v", err)
	}
	// Unknown engine.
	_, err = is.Issue(ctx, dbcreds.Request{Engine: dbcreds.Engine{Kind: engines.Cluster, Name: "nope"}, DbUser: bob})
	if !errors.Is(err, dbcreds.ErrEngineNotFound) {
		t.Fatalf("Issue(unknown engine) = %v", err)
	}
}

func TestValidUntilEndsShortCredential(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	is := dbcreds.New(dbcreds.Options{MinDuration: time.Second, Buffer: -1}, e.store.Leases(), e.roles)
	c, err := is.Issue(ctx, dbcreds.Request{Engine: e.eng, DbUser: e.db + "-x", Identity: dbcreds.IAMRole, Duration: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if c.DbUser != "IAMR:"+e.db+"-x" {
		t.Fatalf("DbUser = %q", c.DbUser)
	}
	if err := e.login(c.DbUser, c.Password); err != nil {
		t.Fatalf("fresh credential: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := e.login(c.DbUser, c.Password)
		if err != nil {
			wantAuthFailure(t, err)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("credential still works 10 s after its expiry")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestReap(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	clk := &clock{t: time.Now()}
	is := dbcreds.New(dbcreds.Options{Clock: clk.Now, ReapBatch: 1}, e.store.Leases(), e.roles)
	a, err := is.Issue(ctx, dbcreds.Request{Engine: e.eng, DbUser: e.db + "_a", Identity: dbcreds.IAMUser})
	if err != nil {
		t.Fatal(err)
	}
	b, err := is.Issue(ctx, dbcreds.Request{Engine: e.eng, DbUser: e.db + "_b", Identity: dbcreds.IAMUser, Duration: 1000 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []dbcreds.Credentials{a, b} {
		if err := e.login(c.DbUser, c.Password); err != nil {
			t.Fatal(err)
		}
	}
	if r, err := is.Reap(ctx); err != nil || r != (dbcreds.ReapResult{}) {
		t.Fatalf("Reap before expiry = %+v, %v", r, err)
	}
	if err := e.login(a.DbUser, a.Password); err != nil {
		t.Fatalf("Reap before expiry revoked: %v", err)
	}

	clk.Add(1001 * time.Second) // both past expiry, VALID UNTIL still ahead in real time
	if r, err := is.Reap(ctx); err != nil || r.Revoked != 1 {
		t.Fatalf("Reap = %+v, %v; want 1 revoked (batch of 1)", r, err)
	}
	wantAuthFailure(t, e.login(a.DbUser, a.Password))
	if err := e.login(b.DbUser, b.Password); err != nil {
		t.Fatalf("second lease revoked beyond the batch: %v", err)
	}
	if r, err := is.Reap(ctx); err != nil || r.Revoked != 1 {
		t.Fatalf("second Reap = %+v, %v", r, err)
	}
	wantAuthFailure(t, e.login(b.DbUser, b.Password))
	if r, err := is.Reap(ctx); err != nil || r != (dbcreds.ReapResult{}) {
		t.Fatalf("third Reap = %+v, %v; want nothing", r, err)
	}

	// Re-issuing a revoked role works again, with a new password only.
	a2, err := is.Issue(ctx, dbcreds.Request{Engine: e.eng, DbUser: e.db + "_a", Identity: dbcreds.IAMUser})
	if err != nil || a2.DbUser != a.DbUser || a2.Password == a.Password {
		t.Fatalf("re-issue = %v, %v", a2, err)
	}
	if err := e.login(a2.DbUser, a2.Password); err != nil {
		t.Fatal(err)
	}
	wantAuthFailure(t, e.login(a.DbUser, a.Password))
}

func TestCallerIdentity(t *testing.T) {
	cases := []struct {
		arn, user string
		root      bool
		id        dbcreds.Identity
		name      string
		ok        bool
	}{
		{"arn:aws:iam::123456789012:user/eng/alice", "", false, dbcreds.IAMUser, "alice", true},
		{"arn:aws:iam::123456789012:user/alice", "Alice", false, dbcreds.IAMUser, "Alice", true},
		{"arn:aws:sts::123456789012:assumed-role/etl/session-1", "", false, dbcreds.IAMRole, "etl", true},
		{"arn:aws:iam::123456789012:role/svc/etl", "", false, dbcreds.IAMRole, "etl", true},
		{"arn:aws:iam::123456789012:root", "", true, dbcreds.IAMUser, "root", true},
		{"arn:aws:iam::123456789012:group/g", "", false, 0, "", false},
		{"not-an-arn", "", false, 0, "", false},
	}
	for _, c := range cases {
		id, name, ok := dbcreds.CallerIdentity(c.arn, c.user, c.root)
		if id != c.id || name != c.name || ok != c.ok {
			t.Errorf("CallerIdentity(%q) = %v, %q, %v; want %v, %q, %v", c.arn, id, name, ok, c.id, c.name, c.ok)
		}
	}
}

// TestIssueRefusesPrivilegedRoles attacks Issue as issue 9 did: DbGroups
// naming the server's superuser, a predefined role that runs programs, or
// a user, and a DbUser naming the superuser, are refused without any role
// being made; a real group is joined, and the login role has no attribute
// beyond LOGIN.
func TestIssueRefusesPrivilegedRoles(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	grp, bob, boss := e.db+"_grp", e.db+"_bob", e.db+"_boss"
	e.srv.Exec(t, e.db, fmt.Sprintf(`CREATE ROLE %s; CREATE ROLE %s LOGIN; CREATE ROLE %s SUPERUSER; CREATE ROLE %[1]s_in_boss IN ROLE %[3]s`, grp, bob, boss))
	t.Cleanup(func() {
		e.srv.Exec(t, "postgres", fmt.Sprintf(`DROP ROLE IF EXISTS %s_in_boss, %[1]s, %s, %s`, grp, bob, boss))
	})
	is := dbcreds.New(dbcreds.Options{}, e.store.Leases(), e.roles)

	for _, g := range []string{"postgres", "awsuser", "pg_execute_server_program", "pg_read_server_files", "pg_write_server_files", bob, boss, grp + "_in_boss"} {
		_, err := is.Issue(ctx, dbcreds.Request{Engine: e.eng, DbUser: e.db + "_x", AutoCreate: true, Groups: []string{g}})
		if g == "awsuser" {
			// Not created on this test server: a missing group.
			if !errors.Is(err, dbcreds.ErrGroupNotFound) {
				t.Errorf("Issue(DbGroups %s) = %v, want ErrGroupNotFound", g, err)
			}
			continue
		}
		var u *dbcreds.UnusableError
		if !errors.As(err, &u) || !u.Group || u.Role != g {
			t.Errorf("Issue(DbGroups %s) = %v, want an UnusableError for the group", g, err)
		}
	}
	for _, u := range []string{"postgres", "pg_execute_server_program", grp, boss} {
		_, err := is.Issue(ctx, dbcreds.Request{Engine: e.eng, DbUser: u, AutoCreate: true})
		if !errors.Is(err, dbcreds.ErrRoleNotUsable) {
			t.Errorf("Issue(DbUser %s) = %v, want ErrRoleNotUsable", u, err)
		}
	}
	admin, err := pgx.Connect(ctx, e.srv.ConnString("postgres", e.db))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var made int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_roles WHERE rolname LIKE 'IAM%' || $1 || '%'`, e.db).Scan(&made); err != nil || made != 0 {
		t.Fatalf("refused requests made %d roles (%v)", made, err)
	}

	c, err := is.Issue(ctx, dbcreds.Request{Engine: e.eng, DbUser: bob, Groups: []string{grp}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.login(c.DbUser, c.Password); err != nil {
		t.Fatal(err)
	}
	var super, createdb, createrole, replication, bypassrls, member bool
	if err := admin.QueryRow(ctx, `SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, pg_has_role($1, $2, 'MEMBER')
		FROM pg_roles WHERE rolname = $1`, c.DbUser, grp).Scan(&super, &createdb, &createrole, &replication, &bypassrls, &member); err != nil {
		t.Fatal(err)
	}
	if super || createdb || createrole || replication || bypassrls || !member {
		t.Fatalf("%s: super %v createdb %v createrole %v replication %v bypassrls %v member of %s %v",
			c.DbUser, super, createdb, createrole, replication, bypassrls, grp, member)
	}
}
