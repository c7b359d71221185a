package pgexec

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
	"github.com/rsdata/rsdata/internal/scram"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// adminConn connects to db as the superuser over the trusted socket.
func adminConn(t *testing.T, srv *pgtest.Server, db string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), srv.ConnString("postgres", db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// tcpLogin logs in over TCP (SCRAM) as user with password and returns the
// connection error, running one query on success.
func tcpLogin(port int, db, user, password string) error {
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=127.0.0.1 port=%d sslmode=disable", port))
	if err != nil {
		return err
	}
	cfg.User, cfg.Password, cfg.Database = user, password, db
	cfg.ConnectTimeout = 10 * time.Second
	ctx := context.Background()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var who string
	if err := conn.QueryRow(ctx, "SELECT current_user").Scan(&who); err != nil {
		return err
	}
	if who != user {
		return fmt.Errorf("current_user = %q, want %q", who, user)
	}
	return nil
}

// wantLoginFails polls until a login fails, for at most limit.
func wantLoginFails(t *testing.T, limit time.Duration, login func() error) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		err := login()
		if err != nil {
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
				t.Fatalf("login failed with %v, want SQLSTATE 28P01 (invalid_password)", err)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("login still works after %v", limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// recorder records the SQL text of every statement run in its transactions.
type recorder struct {
	RoleConn
	mu  sync.Mutex
	sql []string
}

type recTx struct {
	pgx.Tx
	r *recorder
}

func (r *recorder) Begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := r.RoleConn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return recTx{tx, r}, nil
}

func (t recTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	t.r.mu.Lock()
	t.r.sql = append(t.r.sql, sql)
	t.r.mu.Unlock()
	return t.Tx.Exec(ctx, sql, args...)
}

func TestTempUserLoginExpiry(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	rec := &recorder{RoleConn: adminConn(t, srv, db)}
	name := "IAMA:" + db + "-temp"
	t.Cleanup(func() { srv.Exec(t, "postgres", `DROP ROLE IF EXISTS "`+name+`"`) })
	const password = "correct horse battery staple 7"
	verifier, err := scram.Verifier(password)
	if err != nil {
		t.Fatal(err)
	}

	if ok, err := RoleExists(ctx, rec, name); err != nil || ok {
		t.Fatalf("RoleExists before = %v, %v", ok, err)
	}
	// Expiring a role that does not exist is not an error.
	if err := ExpireUser(ctx, rec, name, time.Time{}); err != nil {
		t.Fatalf("ExpireUser(missing) = %v", err)
	}
	validUntil := time.Now().Add(2 * time.Second)
	if err := EnsureTempUser(ctx, rec, TempUser{Name: name, Verifier: verifier, ValidUntil: validUntil}); err != nil {
		t.Fatal(err)
	}
	if ok, err := RoleExists(ctx, rec, name); err != nil || !ok {
		t.Fatalf("RoleExists after = %v, %v", ok, err)
	}
	login := func() error { return tcpLogin(srv.Port(), db, name, password) }
	if err := login(); err != nil {
		t.Fatalf("login with the issued password: %v", err)
	}
	if err := tcpLogin(srv.Port(), db, name, password+"x"); err == nil {
		t.Fatal("login with a wrong password worked")
	}
	// VALID UNTIL ends it.
	wantLoginFails(t, 10*time.Second, login)

	// Issuing again (ALTER) makes it work, and ExpireUser ends it at once.
	if err := EnsureTempUser(ctx, rec, TempUser{Name: name, Verifier: verifier, ValidUntil: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := login(); err != nil {
		t.Fatalf("login after re-issue: %v", err)
	}
	// A lease older than the role's VALID UNTIL does not expire it.
	if err := ExpireUser(ctx, rec, name, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := login(); err != nil {
		t.Fatalf("login after stale ExpireUser: %v", err)
	}
	if err := ExpireUser(ctx, rec, name, time.Now().Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := login(); err == nil {
		t.Fatal("login works after ExpireUser")
	}
	if err := ExpireUser(ctx, rec, name, time.Time{}); err != nil {
		t.Fatalf("second ExpireUser = %v", err)
	}
	var canLogin bool
	if err := rec.QueryRow(ctx, `SELECT rolcanlogin FROM pg_roles WHERE rolname = $1`, name).Scan(&canLogin); err != nil || canLogin {
		t.Fatalf("rolcanlogin = %v, %v; want false", canLogin, err)
	}

	// The password never reached SQL text; its verifier did.
	var ddl int
	for _, sql := range rec.sql {
		if strings.Contains(sql, password) {
			t.Fatalf("SQL text contains the password: %s", sql)
		}
		if strings.Contains(sql, "SCRAM-SHA-256$") && strings.Contains(sql, pgx.Identifier{name}.Sanitize()) {
			ddl++
		}
	}
	if ddl != 2 {
		t.Fatalf("%d DDL statements carried the verifier, want 2: %q", ddl, rec.sql)
	}

	// A plaintext password is refused before any SQL is sent.
	n := len(rec.sql)
	if err := EnsureTempUser(ctx, rec, TempUser{Name: name, Verifier: password, ValidUntil: time.Now().Add(time.Hour)}); !errors.Is(err, ErrNotVerifier) {
		t.Fatalf("EnsureTempUser(plaintext) = %v, want ErrNotVerifier", err)
	}
	if len(rec.sql) != n {
		t.Fatalf("SQL was sent for a plaintext password: %q", rec.sql[n:])
	}
}

func TestTempUserInheritAndGroups(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	conn := adminConn(t, srv, db)
	owner, group := db+"_bob", db+"_readers"
	srv.Exec(t, db, fmt.Sprintf(`CREATE ROLE %s; CREATE ROLE %s;
		CREATE TABLE owned (v int); INSERT INTO owned VALUES (41); GRANT SELECT ON owned TO %[1]s;
		CREATE TABLE shared (v int); INSERT INTO shared VALUES (1); GRANT SELECT ON shared TO %[2]s`, owner, group))
	t.Cleanup(func() {
		srv.Exec(t, "postgres", fmt.Sprintf(`DROP ROLE IF EXISTS "IAMA:%[1]s:%[2]s"; DROP ROLE IF EXISTS "IAM:%[1]s"`, owner, group))
	})

	verifier, _ := scram.Verifier("pw-1")
	name := "IAMA:" + owner + ":" + group
	if err := EnsureTempUser(ctx, conn, TempUser{Name: name, Verifier: verifier, ValidUntil: time.Now().Add(time.Hour), Inherit: owner, Groups: []string{group}}); err != nil {
		t.Fatal(err)
	}
	cfg, _ := pgx.ParseConfig(fmt.Sprintf("host=127.0.0.1 port=%d sslmode=disable", srv.Port()))
	cfg.User, cfg.Password, cfg.Database = name, "pw-1", db
	user, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer user.Close(ctx)
	var a, b int
	if err := user.QueryRow(ctx, `SELECT (SELECT v FROM owned), (SELECT v FROM shared)`).Scan(&a, &b); err != nil || a != 41 || b != 1 {
		t.Fatalf("inherited reads = %d, %d, %v", a, b, err)
	}

	// A missing group is named, and nothing is created.
	other := "IAM:" + owner
	err = EnsureTempUser(ctx, conn, TempUser{Name: other, Verifier: verifier, ValidUntil: time.Now().Add(time.Hour), Groups: []string{db + "_nope"}})
	var nf *RoleNotFoundError
	if !errors.As(err, &nf) || nf.Role != db+"_nope" {
		t.Fatalf("EnsureTempUser(missing group) = %v", err)
	}
	if ok, _ := RoleExists(ctx, conn, other); ok {
		t.Fatal("role created despite a missing group")
	}
}

func TestRolesAdapter(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	reg := engines.NewRegistry()
	if err := reg.Add(&engines.Endpoint{Kind: engines.Cluster, Name: "c1", Host: "127.0.0.1", Port: srv.Port(),
		SocketDir: srv.SocketDir(), AdminUser: "postgres", MasterUser: "awsuser", Database: db, Embedded: true}); err != nil {
		t.Fatal(err)
	}
	roles := NewRoles(reg)
	eng := dbcreds.Engine{Kind: engines.Cluster, Name: "c1"}
	name := "IAMR:" + db
	t.Cleanup(func() { srv.Exec(t, "postgres", `DROP ROLE IF EXISTS "`+name+`"`) })

	if err := roles.SetLogin(ctx, eng, dbcreds.Login{Role: name, Password: "s3cret", ValidUntil: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if info, err := roles.Describe(ctx, eng, name); err != nil || !info.Exists || !info.Login || info.Superuser || info.System {
		t.Fatalf("Describe = %+v, %v", info, err)
	}
	if err := tcpLogin(srv.Port(), db, name, "s3cret"); err != nil {
		t.Fatal(err)
	}
	err := roles.SetLogin(ctx, eng, dbcreds.Login{Role: name, Password: "x", ValidUntil: time.Now().Add(time.Hour), Groups: []string{"no_such_group_" + db}})
	if !errors.Is(err, dbcreds.ErrGroupNotFound) {
		t.Fatalf("SetLogin(missing group) = %v, want ErrGroupNotFound", err)
	}
	if err := tcpLogin(srv.Port(), db, name, "s3cret"); err != nil {
		t.Fatalf("failed SetLogin changed the password: %v", err)
	}
	if err := roles.Expire(ctx, eng, dbcreds.Expire{Role: name}); err != nil {
		t.Fatal(err)
	}
	if err := tcpLogin(srv.Port(), db, name, "s3cret"); err == nil {
		t.Fatal("login works after Expire")
	}
	if err := roles.Expire(ctx, dbcreds.Engine{Kind: engines.Cluster, Name: "nope"}, dbcreds.Expire{Role: name}); !errors.Is(err, dbcreds.ErrEngineNotFound) {
		t.Fatalf("Expire(unknown engine) = %v", err)
	}
}
