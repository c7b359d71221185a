package pgfront_test

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/pgfront"
	"github.com/rsdata/rsdata/internal/scram"
)

// TestPsqlRunsRedshiftSQL: psql, with its default sslmode=prefer (the front
// answers SSLRequest 'N'), logs in with a password the server checks and
// runs Redshift statements the dialect translates, with AWS's documented
// results: GETDATE() is a timestamp to the second, NVL(NULL, 'x') is x, and
// a CREATE TABLE with DISTSTYLE and SORTKEY makes a usable table.
func TestPsqlRunsRedshiftSQL(t *testing.T) {
	e := start(t, pgfront.Options{})
	if got := e.mustPsql(t, "select getdate()"); !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`).MatchString(got) {
		t.Errorf("select getdate(): %q, want a timestamp without fractional seconds", got)
	}
	if got := e.mustPsql(t, "select nvl(null, 'x')"); got != "x" {
		t.Errorf("select nvl(null, 'x'): %q, want x", got)
	}
	e.mustPsql(t, "create table t (a int) diststyle even sortkey(a)")
	if got := e.mustPsql(t, "insert into t values (1), (2); select sum(a) from t"); got != "INSERT 0 2\n3" && got != "3" {
		t.Errorf("the created table: %q, want its sum 3", got)
	}
	if got := e.mustPsql(t, "select current_user"); got != user {
		t.Errorf("current_user %q, want %s: the start-up's user reaches the server", got, user)
	}
	// Strings and comments are the user's own, never rewritten.
	if got := e.mustPsql(t, "select 'nvl(a, b)' /* getdate() */"); got != "nvl(a, b)" {
		t.Errorf("a string holding nvl(...): %q", got)
	}
	// TLS is not offered: a client that requires it is told so.
	res := runPsql(t, []string{"PGPASSWORD=" + password}, e.conninfo(user)+" sslmode=require", "-X", "-c", "select 1")
	if res.Code == 0 || !strings.Contains(res.Stderr, "server does not support SSL") {
		t.Errorf("psql sslmode=require: exit %d, stderr %q; want the server to refuse SSL", res.Code, res.Stderr)
	}
	// GSSAPI encryption is declined the same way, and the login goes on.
	res = runPsql(t, []string{"PGPASSWORD=" + password}, e.conninfo(user)+" gssencmode=prefer sslmode=disable", "-X", "-A", "-t", "-c", "select 2")
	if res.Code != 0 || strings.TrimSpace(res.Stdout) != "2" {
		t.Errorf("psql gssencmode=prefer: exit %d, %q, stderr %q", res.Code, res.Stdout, res.Stderr)
	}
}

// TestPostgresModePassesSQLThrough: an engine in postgres mode sends SQL
// as written: NVL is then unknown to PostgreSQL.
func TestPostgresModePassesSQLThrough(t *testing.T) {
	e := start(t, pgfront.Options{Translator: pgfront.Dialect(dialect.Postgres)})
	res := e.psql(t, user, password, "-c", "select nvl(null, 'x')")
	if res.Code == 0 || !strings.Contains(res.Stderr, "function nvl(unknown, unknown) does not exist") {
		t.Errorf("postgres mode, nvl: exit %d, stderr %q; want PostgreSQL's unknown function", res.Code, res.Stderr)
	}
}

// TestAuthenticationIsTheServers: the front checks no password; the
// server does, through the front. A wrong password, an unknown user and a
// login past its VALID UNTIL (how temporary credentials expire) are
// refused in PostgreSQL's words; a login valid until later works.
func TestAuthenticationIsTheServers(t *testing.T) {
	e := start(t, pgfront.Options{})
	if res := e.psql(t, user, "not-the-password", "-c", "select 1"); res.Code == 0 ||
		!strings.Contains(res.Stderr, `password authentication failed for user "alice"`) {
		t.Errorf("wrong password: exit %d, stderr %q", res.Code, res.Stderr)
	}
	if res := e.psql(t, "nobody", password, "-c", "select 1"); res.Code == 0 ||
		!strings.Contains(res.Stderr, `password authentication failed for user "nobody"`) {
		t.Errorf("unknown user: exit %d, stderr %q", res.Code, res.Stderr)
	}
	verifier, err := scram.Verifier("Temp-pw-1")
	if err != nil {
		t.Fatal(err)
	}
	e.pg.Exec(t, "postgres", `DROP ROLE IF EXISTS "IAM:temp"`)
	e.pg.Exec(t, "postgres", `CREATE ROLE "IAM:temp" LOGIN PASSWORD '`+verifier+`' VALID UNTIL '`+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)+`'`)
	t.Cleanup(func() { e.pg.Exec(t, "postgres", `DROP ROLE IF EXISTS "IAM:temp"`) })
	if res := e.psql(t, "IAM:temp", "Temp-pw-1", "-c", "select current_user"); res.Code != 0 || strings.TrimSpace(res.Stdout) != "IAM:temp" {
		t.Errorf("a temporary login before its expiry: exit %d, %q, stderr %q", res.Code, res.Stdout, res.Stderr)
	}
	e.pg.Exec(t, "postgres", `ALTER ROLE "IAM:temp" VALID UNTIL '`+time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)+`'`)
	if res := e.psql(t, "IAM:temp", "Temp-pw-1", "-c", "select 1"); res.Code == 0 ||
		!strings.Contains(res.Stderr, `password authentication failed for user "IAM:temp"`) {
		t.Errorf("an expired temporary login: exit %d, stderr %q; want it refused", res.Code, res.Stderr)
	}
}

// TestPgxExtendedProtocol: pgx prepares statements (Parse, translated),
// binds parameters and executes them, named and unnamed.
func TestPgxExtendedProtocol(t *testing.T) {
	e := start(t, pgfront.Options{})
	c := e.connect(t)
	ctx := context.Background()
	var v string
	var n int
	if err := c.QueryRow(ctx, "select nvl($1::text, 'x'), $2::int + 1", nil, 41).Scan(&v, &n); err != nil || v != "x" || n != 42 {
		t.Errorf("nvl($1, 'x'), $2 + 1 with (NULL, 41): %q, %d, %v; want x, 42", v, n, err)
	}
	if _, err := c.Prepare(ctx, "lengths", "select len($1::varchar)"); err != nil {
		t.Fatalf("prepare with LEN: %v", err)
	}
	for in, want := range map[string]int{"abc": 3, "": 0, "Redshift": 8} {
		if err := c.QueryRow(ctx, "lengths", in).Scan(&n); err != nil || n != want {
			t.Errorf("len(%q): %d, %v; want %d", in, n, err, want)
		}
	}
	// A batch pipelines several Parse/Bind/Execute messages before one Sync.
	b := &pgx.Batch{}
	b.Queue("select nvl2($1::int, 'set', 'unset')", 1)
	b.Queue("select nvl2($1::int, 'set', 'unset')", nil)
	br := c.SendBatch(ctx, b)
	for _, want := range []string{"set", "unset"} {
		if err := br.QueryRow().Scan(&v); err != nil || v != want {
			t.Errorf("batched nvl2: %q, %v; want %s", v, err, want)
		}
	}
	if err := br.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCopyAndLargeResults: COPY FROM STDIN and COPY TO STDOUT stream
// through, and a result far larger than the front's buffers arrives whole.
func TestCopyAndLargeResults(t *testing.T) {
	e := start(t, pgfront.Options{})
	c := e.connect(t)
	ctx := context.Background()
	if _, err := c.Exec(ctx, "create table big (id int, s varchar(max))"); err != nil {
		t.Fatal(err)
	}
	const rows = 100_000
	n, err := c.CopyFrom(ctx, pgx.Identifier{"big"}, []string{"id", "s"}, pgx.CopyFromSlice(rows, func(i int) ([]any, error) {
		return []any{i, strings.Repeat("x", 100)}, nil
	}))
	if err != nil || n != rows {
		t.Fatalf("COPY FROM STDIN (binary) through the front: %d rows, %v", n, err)
	}
	// psql's \copy sends text-format CopyData messages.
	res := runPsqlStdin(t, e, "1\tone\n2\ttwo\n", `\copy big from stdin`)
	if res.Code != 0 {
		t.Fatalf("psql \\copy from stdin: exit %d, stderr %s", res.Code, res.Stderr)
	}
	var count, total int64
	if err := c.QueryRow(ctx, "select count(*), sum(length(s)) from big").Scan(&count, &total); err != nil || count != rows+2 || total != rows*100+6 {
		t.Errorf("after both copies: %d rows, %d characters, %v", count, total, err)
	}
	var buf strings.Builder
	tag, err := c.PgConn().CopyTo(ctx, &buf, "copy (select id from big where id < 3 order by id) to stdout")
	if err != nil || tag.RowsAffected() != 5 || buf.String() != "0\n1\n1\n2\n2\n" {
		t.Errorf("COPY TO STDOUT: %q, %v, %v", buf.String(), tag, err)
	}
	// About 40 MB of rows, streamed.
	got := 0
	var sum int64
	rs, err := c.Query(ctx, "select g, repeat('y', 200) from generate_series(1, 200000) g")
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var g int64
		var s string
		if err := rs.Scan(&g, &s); err != nil {
			t.Fatal(err)
		}
		got++
		sum += g + int64(len(s))
	}
	if rs.Err() != nil || got != 200000 || sum != 200000*200001/2+200000*200 {
		t.Errorf("a large result: %d rows, checksum %d, %v", got, sum, rs.Err())
	}
}

func runPsqlStdin(t *testing.T, e *env, stdin, command string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, psqlPath(t), e.conninfo(user), "-X", "-v", "ON_ERROR_STOP=1", "-c", command)
	cmd.Env = append(cleanEnv(), "PGPASSWORD="+password)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := result{Stdout: out.String(), Stderr: errb.String()}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		res.Code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestCancelReachesTheServer: a CancelRequest on a new connection to the
// front (pgx's, and psql's on SIGINT, as Ctrl-C sends it) cancels the
// running statement, and the session goes on.
func TestCancelReachesTheServer(t *testing.T) {
	e := start(t, pgfront.Options{})
	c := e.connect(t)
	ctx := context.Background()
	e.cancelSleep(t, c)
	var one int
	if err := c.QueryRow(ctx, "select 1").Scan(&one); err != nil || one != 1 {
		t.Errorf("the session after a cancel: %d, %v", one, err)
	}

	// psql sends its cancel request on SIGINT.
	cmd := exec.Command(psqlPath(t), e.conninfo(user), "-X", "-c", "select pg_sleep(61)")
	cmd.Env = append(cleanEnv(), "PGPASSWORD="+password)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	e.waitForQuery(t, "select pg_sleep(61)")
	_ = cmd.Process.Signal(syscall.SIGINT)
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case <-waited:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-waited
		t.Fatal("psql's statement was not cancelled by SIGINT")
	}
	if !strings.Contains(stderr.String(), "canceling statement due to user request") {
		t.Errorf("psql after SIGINT: stderr %q; want the statement cancelled", stderr.String())
	}
}

// waitForQuery waits until the server runs sql in the test's database.
func (e *env) waitForQuery(t *testing.T, sql string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if e.adminQuery(t, "select count(*)::text from pg_stat_activity where datname = $1 and query = $2 and state = 'active'", e.db, sql) == "1" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the server never ran %q", sql)
}

// TestConnectionLimit: beyond MaxConns the front answers Redshift's
// connection-limit error; a closed connection frees its slot.
func TestConnectionLimit(t *testing.T) {
	e := start(t, pgfront.Options{MaxConns: 2})
	ctx := context.Background()
	url := fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", user, password, e.host, e.port, e.db)
	a, b := e.connect(t), e.connect(t)
	_, err := pgx.Connect(ctx, url)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "53300" || pgErr.Severity != "FATAL" ||
		pgErr.Message != `connection limit "2" exceeded for non-bootstrap users` {
		t.Fatalf("a third connection with MaxConns 2: %v; want FATAL 53300 connection limit \"2\" exceeded", err)
	}
	res := e.psql(t, user, password, "-c", "select 1")
	if res.Code == 0 || !strings.Contains(res.Stderr, `connection limit "2" exceeded for non-bootstrap users`) {
		t.Errorf("psql beyond the limit: exit %d, stderr %q", res.Code, res.Stderr)
	}
	a.Close(ctx)
	// The slot is freed once the relay has seen the close.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := pgx.Connect(ctx, url)
		if err == nil {
			c.Close(ctx)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a connection after one closed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var one int
	if err := b.QueryRow(ctx, "select 1").Scan(&one); err != nil {
		t.Errorf("a connection within the limit: %v", err)
	}
}

// TestSilentClientsAreCutOff: a client that connects and sends nothing,
// one that sends half a start-up packet, and one that starts up but never
// answers the password request are all disconnected after
// StartupTimeout, and the one that held a slot frees it.
func TestSilentClientsAreCutOff(t *testing.T) {
	e := start(t, pgfront.Options{MaxConns: 1, StartupTimeout: 500 * time.Millisecond})
	addr := net.JoinHostPort(e.host, strconv.Itoa(e.port))
	startup := startupPacket(user, e.db)
	for name, send := range map[string][]byte{
		"silent":               nil,
		"half a start-up":      startup[:6],
		"never authenticating": startup,
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(send); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		began := time.Now()
		_, err = io.Copy(io.Discard, c) // the password request, then EOF
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("%s client: still connected after %s", name, time.Since(began))
		}
		c.Close()
	}
	// The slot is free again.
	if got := e.mustPsql(t, "select 1"); got != "1" {
		t.Errorf("after the silent clients: %q", got)
	}
	// An authenticated session may idle past StartupTimeout. (psql's
	// slot is freed once the relay has seen it leave.)
	var c *pgx.Conn
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var err error
		c, err = pgx.Connect(context.Background(), fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", user, password, addr, e.db))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("connect after the silent clients: %v", err)
		}
	}
	defer c.Close(context.Background())
	time.Sleep(time.Second)
	var one int
	if err := c.QueryRow(context.Background(), "select 1").Scan(&one); err != nil {
		t.Errorf("an idle session past the start-up timeout: %v", err)
	}
}

func startupPacket(user, db string) []byte {
	body := binary.BigEndian.AppendUint32(nil, 3<<16)
	for _, kv := range []string{"user", user, "database", db} {
		body = append(append(body, kv...), 0)
	}
	body = append(body, 0)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body)+4)), body...)
}

// refuseIndexes refuses CREATE INDEX as a dialect that rejects it would,
// and translates the rest with the Redshift dialect.
type refuseIndexes struct{}

func (refuseIndexes) Translate(sql string) (string, error) {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(sql)), "create index") {
		return "", &pgfront.Refusal{Code: "0A000", Message: "CREATE INDEX is not supported"}
	}
	return dialect.Translate(dialect.Redshift, sql), nil
}

// TestRefusedStatements: a statement the translator refuses never runs;
// the client gets its SQLSTATE and message, whether the session is idle
// (answered by the front), inside a transaction (which it aborts, as an
// error does), or prepared through the extended protocol.
func TestRefusedStatements(t *testing.T) {
	e := start(t, pgfront.Options{Translator: refuseIndexes{}})
	e.mustPsql(t, "create table r (a int)")
	res := e.psql(t, user, password, "-c", "create index r_a on r (a)")
	if res.Code == 0 || !strings.Contains(res.Stderr, "ERROR:  CREATE INDEX is not supported") {
		t.Errorf("a refused statement: exit %d, stderr %q", res.Code, res.Stderr)
	}
	// In a transaction the refusal aborts it, as any error would.
	res = e.psql(t, user, password, "-v", "ON_ERROR_STOP=0", "-c", "begin", "-c", "insert into r values (1)",
		"-c", "create index r_a on r (a)", "-c", "select 1", "-c", "rollback")
	if !strings.Contains(res.Stderr, "ERROR:  CREATE INDEX is not supported") ||
		!strings.Contains(res.Stderr, "current transaction is aborted") {
		t.Errorf("a refusal in a transaction: stderr %q; want the refusal, then the transaction aborted", res.Stderr)
	}
	c := e.connect(t)
	_, err := c.Exec(context.Background(), "create index r_a on r (a) where a > $1", 1)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "0A000" || pgErr.Message != "CREATE INDEX is not supported" {
		t.Errorf("a refused prepared statement: %v", err)
	}
	var one int
	if err := c.QueryRow(context.Background(), "select 1").Scan(&one); err != nil {
		t.Errorf("the session after a refusal: %v", err)
	}
	if got := e.adminQuery(t, "select count(*)::text from pg_indexes where tablename = 'r'"); got != "0" {
		t.Errorf("the refused index exists: %s", got)
	}
}

// TestErrorsInRedshiftsWords: PostgreSQL 15 says "permission denied for
// table"; Redshift says relation.
func TestErrorsInRedshiftsWords(t *testing.T) {
	e := start(t, pgfront.Options{})
	e.pg.Exec(t, e.db, "create table secret (a int)")
	res := e.psql(t, user, password, "-c", "select * from secret")
	if res.Code == 0 || !strings.Contains(res.Stderr, "ERROR:  permission denied for relation secret") {
		t.Errorf("select from a table without the privilege: exit %d, stderr %q", res.Code, res.Stderr)
	}
	res = e.psql(t, user, password, "-c", "drop table secret")
	if res.Code == 0 || !strings.Contains(res.Stderr, "ERROR:  must be owner of relation secret") {
		t.Errorf("drop a table of another user: exit %d, stderr %q", res.Code, res.Stderr)
	}
}

// TestCloseEndsSessions: closing the front (rsdata's shutdown) ends its
// sessions; their clients see the connection end.
func TestCloseEndsSessions(t *testing.T) {
	e := start(t, pgfront.Options{})
	c := e.connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.front.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, "select 1"); err == nil {
		t.Error("a session survived the front's Close")
	}
	if _, err := net.Dial("tcp", net.JoinHostPort(e.host, strconv.Itoa(e.port))); err == nil {
		t.Error("the closed front still accepts connections")
	}
	if e.front.Err() != nil {
		t.Errorf("Err after Close: %v, want nil (closed, not dead)", e.front.Err())
	}
}

// TestUnreachableServer: when the server behind the front is down, a
// client is told so rather than left waiting.
func TestUnreachableServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	front, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := pgfront.New(pgfront.Options{Backend: dead})
	go func() { _ = srv.Serve(front) }()
	defer srv.Close(context.Background())
	_, err = pgx.Connect(context.Background(), "postgres://u:p@"+front.Addr().String()+"/d?sslmode=disable")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57P03" {
		t.Errorf("connect with the server down: %v; want FATAL 57P03", err)
	}
}

// brokenListener fails every Accept as a listener whose socket is gone.
type brokenListener struct{ net.Listener }

func (brokenListener) Accept() (net.Conn, error) { return nil, errors.New("socket gone") }

// TestDeadFrontIsReported: a front whose listener fails says why in Err,
// which readiness reports; Close alone is no failure.
func TestDeadFrontIsReported(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := pgfront.New(pgfront.Options{Backend: "127.0.0.1:1"})
	if err := srv.Serve(brokenListener{ln}); err == nil || srv.Err() == nil || !strings.Contains(srv.Err().Error(), "socket gone") {
		t.Errorf("Serve on a failing listener: %v; Err %v", err, srv.Err())
	}
}

// TestServerEndingASessionEndsTheRelay: when the server ends a session
// (pg_terminate_backend), the client sees it end and the relay's
// goroutines exit (start's leak check).
func TestServerEndingASessionEndsTheRelay(t *testing.T) {
	e := start(t, pgfront.Options{})
	c := e.connect(t)
	ctx := context.Background()
	var pid int
	if err := c.QueryRow(ctx, "select pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	e.adminQuery(t, "select pg_terminate_backend($1)::text", pid)
	if _, err := c.Exec(ctx, "select 1"); err == nil {
		t.Error("a session the server ended still answers")
	}
}

// TestMD5AndCleartextAuthentication: the server's other password methods
// pass through the front untouched too. pg_hba.conf gets two lines for two
// roles of this test (md5 for one whose password is stored as an MD5 hash,
// password, cleartext, for the other) and the server reloads it.
func TestMD5AndCleartextAuthentication(t *testing.T) {
	e := start(t, pgfront.Options{})
	hba := filepath.Join(e.pg.Root(), "data", "pg_hba.conf")
	orig, err := os.ReadFile(hba)
	if err != nil {
		t.Fatal(err)
	}
	lines := "host all md5user 127.0.0.1/32 md5\nhost all clearuser 127.0.0.1/32 password\n"
	if err := os.WriteFile(hba, append([]byte(lines), orig...), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = os.WriteFile(hba, orig, 0o600)
		e.adminQuery(t, "select pg_reload_conf()::text")
	})
	e.adminQuery(t, "select pg_reload_conf()::text")
	sum := md5.Sum([]byte("Md5-pw-1" + "md5user"))
	verifier, err := scram.Verifier("Clear-pw-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`DROP ROLE IF EXISTS md5user`, `DROP ROLE IF EXISTS clearuser`,
		`CREATE ROLE md5user LOGIN PASSWORD 'md5` + hex.EncodeToString(sum[:]) + `'`,
		`CREATE ROLE clearuser LOGIN PASSWORD '` + verifier + `'`,
	} {
		e.pg.Exec(t, "postgres", sql)
	}
	t.Cleanup(func() {
		e.pg.Exec(t, "postgres", "DROP ROLE IF EXISTS md5user")
		e.pg.Exec(t, "postgres", "DROP ROLE IF EXISTS clearuser")
	})
	for login, pw := range map[string]string{"md5user": "Md5-pw-1", "clearuser": "Clear-pw-1"} {
		if res := e.psql(t, login, pw, "-c", "select nvl(null, current_user)"); res.Code != 0 || strings.TrimSpace(res.Stdout) != login {
			t.Errorf("%s through the front: exit %d, %q, stderr %q", login, res.Code, res.Stdout, res.Stderr)
		}
		if res := e.psql(t, login, "wrong", "-c", "select 1"); res.Code == 0 ||
			!strings.Contains(res.Stderr, `password authentication failed for user "`+login+`"`) {
			t.Errorf("%s with a wrong password: exit %d, stderr %q", login, res.Code, res.Stderr)
		}
	}
	// pgx answers the same requests.
	c, err := pgx.Connect(context.Background(), fmt.Sprintf("postgres://md5user:Md5-pw-1@%s/%s?sslmode=disable",
		net.JoinHostPort(e.host, strconv.Itoa(e.port)), e.db))
	if err != nil {
		t.Fatalf("pgx with md5: %v", err)
	}
	c.Close(context.Background())
}

// TestMalformedStartups: the front refuses what PostgreSQL refuses before
// any server sees it: bytes pipelined after an SSLRequest (they would be
// taken as sent over TLS by a server that said yes), a start-up packet
// longer than PostgreSQL's 10000-byte bound, and protocol 2.0.
func TestMalformedStartups(t *testing.T) {
	e := start(t, pgfront.Options{})
	addr := net.JoinHostPort(e.host, strconv.Itoa(e.port))
	ssl := []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}
	v2 := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 8), 2<<16)
	huge := binary.BigEndian.AppendUint32(nil, 100000)
	for name, tc := range map[string]struct {
		send []byte
		want string // the reply's start; "" is none, the connection closed
	}{
		"SSLRequest with bytes after it": {append(ssl, startupPacket(user, e.db)...), ""},
		"a 100000-byte start-up packet":  {huge, ""},
		"protocol 2.0":                   {v2, "E"},
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := c.Write(tc.send); err != nil {
			t.Fatal(err)
		}
		reply, err := io.ReadAll(c)
		c.Close()
		if err != nil {
			t.Errorf("%s: %v; want the connection closed", name, err)
		}
		if !strings.HasPrefix(string(reply), tc.want) || (tc.want == "" && len(reply) > 0) {
			t.Errorf("%s: reply %q, want it to start with %q", name, reply, tc.want)
		}
		if tc.want == "E" && !strings.Contains(string(reply), "unsupported frontend protocol 2.0") {
			t.Errorf("%s: reply %q, want unsupported frontend protocol", name, reply)
		}
	}
}
