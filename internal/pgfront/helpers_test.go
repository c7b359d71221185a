package pgfront_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.uber.org/goleak"

	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/engines/embedded"
	"github.com/rsdata/rsdata/internal/pgexec"
	"github.com/rsdata/rsdata/internal/pgfront"
	"github.com/rsdata/rsdata/internal/scram"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// The login the tests use through the front, and its password, set as a
// SCRAM verifier: the server checks it over TCP, never the front.
const (
	user     = "alice"
	password = "Alice-pw-1"
)

// env is a real PostgreSQL, a fresh database on it, and a front relaying
// to it on a loopback port.
type env struct {
	pg    *pgtest.Server
	db    string
	front *pgfront.Server
	host  string
	port  int
}

// start runs a front to the package's PostgreSQL with opts (Backend is
// filled in; the translator defaults to the Redshift dialect). It fails
// the test if the front leaves a goroutine behind once closed.
func start(t testing.TB, opts pgfront.Options) *env {
	t.Helper()
	pg := pgtest.Start(t)
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	db := pg.NewDatabase(t)
	verifier, err := scram.Verifier(password)
	if err != nil {
		t.Fatal(err)
	}
	pg.Exec(t, "postgres", `DO $$ BEGIN
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'alice') THEN CREATE ROLE alice LOGIN; END IF;
		END $$`)
	pg.Exec(t, "postgres", `ALTER ROLE alice LOGIN VALID UNTIL 'infinity' PASSWORD '`+verifier+`'`)
	pg.Exec(t, db, "GRANT CREATE, USAGE ON SCHEMA public TO PUBLIC")
	opts.Backend = net.JoinHostPort("127.0.0.1", strconv.Itoa(pg.Port()))
	if opts.Translator == nil {
		opts.Translator = pgfront.Dialect(dialect.Redshift)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := pgfront.New(opts)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-served; !errors.Is(err, pgfront.ErrServerClosed) {
			t.Errorf("Serve after Close: %v, want ErrServerClosed", err)
		}
	})
	return &env{pg: pg, db: db, front: srv, host: "127.0.0.1", port: ln.Addr().(*net.TCPAddr).Port}
}

// conninfo is a libpq connection string to the front.
func (e *env) conninfo(login string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s", e.host, e.port, login, e.db)
}

// connect opens a pgx connection through the front as alice.
func (e *env) connect(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", user, password, e.host, e.port, e.db))
	if err != nil {
		t.Fatalf("pgx through the front: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

type result struct {
	Code           int
	Stdout, Stderr string
}

// psql runs psql against the front as login with pw; args follow the
// connection string.
func (e *env) psql(t *testing.T, login, pw string, args ...string) result {
	t.Helper()
	return runPsql(t, []string{"PGPASSWORD=" + pw, "PGCONNECT_TIMEOUT=10"}, append([]string{e.conninfo(login), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"}, args...)...)
}

// mustPsql runs sql as alice through psql and returns its trimmed output.
func (e *env) mustPsql(t *testing.T, sql string) string {
	t.Helper()
	res := e.psql(t, user, password, "-c", sql)
	if res.Code != 0 {
		t.Fatalf("psql %q through the front: exit %d\nstderr: %s", sql, res.Code, res.Stderr)
	}
	return strings.TrimSpace(res.Stdout)
}

func runPsql(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, psqlPath(t), args...)
	cmd.Env = append(cleanEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("psql %v did not finish; stderr: %s", args, res.Stderr)
	case errors.As(err, &exitErr):
		res.Code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("psql: %v", err)
	}
	return res
}

// cleanEnv is the environment without libpq's variables, so a
// developer's PGHOST or PGSSLMODE cannot change what a test connects to.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			out = append(out, kv)
		}
	}
	return out
}

// psqlPath is the psql beside the server binaries, else PATH's.
func psqlPath(t *testing.T) string {
	t.Helper()
	if dir, err := embedded.FindBinDir(); err == nil {
		p := filepath.Join(dir, "psql")
		if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
			return p
		}
	}
	p, err := exec.LookPath("psql")
	if err != nil {
		t.Fatal("psql is required by this test: not found beside the PostgreSQL server binaries nor on PATH")
	}
	return p
}

// adminQuery runs sql as the server's superuser through its socket (not
// through the front) and returns the first column of the first row.
func (e *env) adminQuery(t *testing.T, sql string, args ...any) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, e.pg.ConnString("postgres", e.db))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var out string
	if err := c.QueryRow(ctx, sql, args...).Scan(&out); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// installSchema is an Options.Authenticated that does what rsdata's app
// does: it installs the Redshift functions and views in the database a
// client logged in to, through the package's PostgreSQL as its superuser.
func installSchema(t *testing.T) func(ctx context.Context, database string) {
	pg := pgtest.Start(t)
	return func(ctx context.Context, database string) {
		c, err := pgx.Connect(ctx, pg.ConnString("postgres", database))
		if err != nil {
			t.Errorf("install: %v", err)
			return
		}
		defer c.Close(ctx)
		if err := pgexec.InstallSchema(ctx, c); err != nil {
			t.Errorf("install: %v", err)
		}
	}
}

// cancelSleep runs pg_sleep(60) on c, has pgx send a CancelRequest through
// the front on a new connection, and checks that the statement ends
// cancelled (SQLSTATE 57014).
func (e *env) cancelSleep(t *testing.T, c *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		_, err := c.Exec(ctx, "select pg_sleep(60)")
		done <- err
	}()
	e.waitForQuery(t, "select pg_sleep(60)")
	if err := c.PgConn().CancelRequest(ctx); err != nil {
		t.Fatalf("cancel request through the front: %v", err)
	}
	select {
	case err := <-done:
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
			t.Errorf("the cancelled statement: %v, want SQLSTATE 57014", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the statement was not cancelled")
	}
}
