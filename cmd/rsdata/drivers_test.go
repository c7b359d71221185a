package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"github.com/rsdata/rsdata/internal/dialect/corpus"
)

// The database drivers users connect to Redshift with, run against the
// PostgreSQL endpoints: pgjdbc (the Redshift JDBC driver is a fork of it),
// pg8000 (redshift_connector derives from it; both send every statement
// with the extended protocol) and psycopg2 (libpq, the simple protocol).
// Each is a program under testdata/drivers that runs a script of steps
// and prints one JSON line per step.

// driver is one of them: how to run its program against an endpoint.
type driver struct {
	name string
	// missing says why the driver cannot run here, "" when it can.
	missing func() string
	// command is the program and its arguments for a connection to port
	// as the TLS mode says: "verify-full" against root, or "require".
	command func(t testing.TB, port int, mode, root string) []string
}

const (
	jdbcJar      = "/usr/share/java/postgresql.jar"
	systemPython = "/usr/bin/python3" // Debian's, whose modules the drivers are
)

func driversDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "drivers"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// pythonModule says why Debian's Python cannot import mod, "" if it can.
func pythonModule(mod string) func() string {
	return func() string {
		if err := exec.Command(systemPython, "-c", "import "+mod).Run(); err != nil {
			return fmt.Sprintf("%s cannot import %s (apt-get install python3-%s): %v", systemPython, mod, mod, err)
		}
		return ""
	}
}

var drivers = []driver{
	{
		name: "jdbc",
		missing: func() string {
			if _, err := os.Stat(jdbcJar); err != nil {
				return "pgjdbc is not installed (apt-get install libpostgresql-jdbc-java): " + err.Error()
			}
			if _, err := exec.LookPath("java"); err != nil {
				return "java is not on PATH (apt-get install default-jre-headless)"
			}
			return ""
		},
		command: func(t testing.TB, port int, mode, root string) []string {
			url := fmt.Sprintf("jdbc:postgresql://localhost:%d/dev?ssl=true&sslmode=%s", port, mode)
			if mode == "verify-full" {
				url += "&sslrootcert=" + root
			}
			return []string{"java", "-cp", jdbcJar, filepath.Join(driversDir(t), "Prog.java"), url}
		},
	},
	{
		name:    "pg8000",
		missing: pythonModule("pg8000"),
		command: func(t testing.TB, port int, _, root string) []string {
			// pg8000 always verifies: its program has no other mode.
			return []string{systemPython, filepath.Join(driversDir(t), "pg8000_check.py"), "localhost", strconv.Itoa(port), "dev", root}
		},
	},
	{
		name:    "psycopg2",
		missing: pythonModule("psycopg2"),
		command: func(t testing.TB, port int, mode, root string) []string {
			conninfo := fmt.Sprintf("host=localhost port=%d dbname=dev sslmode=%s", port, mode)
			if mode == "verify-full" {
				conninfo += " sslrootcert=" + root
			}
			return []string{systemPython, filepath.Join(driversDir(t), "psycopg2_check.py"), conninfo}
		},
	},
}

// step is one line of a driver script (Prog.java describes the format).
type step struct {
	op, name, sql string
	params        []string
}

func (s step) line() string {
	esc := strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`)
	fields := []string{s.op, s.name, s.sql}
	fields = append(fields, s.params...)
	for i, f := range fields {
		fields[i] = esc.Replace(f)
	}
	return strings.Join(fields, "\t")
}

func exec1(name, sql string, params ...string) step {
	return step{op: "exec", name: name, sql: sql, params: params}
}

// outcome is one line a driver program printed.
type outcome struct {
	Name    string      `json:"name"`
	Columns []string    `json:"columns"`
	Rows    [][]*string `json:"rows"`
	Count   int64       `json:"count"`
	State   string      `json:"state"`
	Error   *string     `json:"error"`
}

func (o outcome) failed() bool { return o.Error != nil }

// rows are the outcome's values, a NULL as the corpus writes it.
func (o outcome) rows() [][]string {
	var rows [][]string
	for _, r := range o.Rows {
		var row []string
		for _, v := range r {
			if v == nil {
				row = append(row, corpus.Null)
			} else {
				row = append(row, *v)
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// login is who a driver connects as.
type login struct{ user, password string }

// runDriver runs steps through d as l and returns the outcomes by step
// name, with the connection's under "connect". The login goes by
// environment variables, never on a command line.
func runDriver(t testing.TB, d driver, port int, mode, root string, l login, steps []step) map[string]outcome {
	t.Helper()
	argv := d.command(t, port, mode, root)
	var script strings.Builder
	for _, s := range steps {
		script.WriteString(s.line() + "\n")
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(cleanEnv("RSDATA_", "PG"), "RSDATA_DB_USER="+l.user, "RSDATA_DB_PASSWORD="+l.password)
	cmd.Stdin = strings.NewReader(script.String())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s as %s: %v\nstdout:\n%s\nstderr:\n%s", d.name, l.user, err, out, tailLines(stderr.String(), 30))
	}
	got := map[string]outcome{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var o outcome
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("%s printed %q: %v", d.name, line, err)
		}
		got[o.Name] = o
	}
	if c, ok := got["connect"]; !ok || c.failed() {
		t.Fatalf("%s as %s (%s) did not connect: %+v\nstderr:\n%s", d.name, l.user, mode, c, tailLines(stderr.String(), 30))
	}
	for _, s := range steps {
		if _, ok := got[s.name]; !ok {
			t.Errorf("%s printed nothing for step %s; stderr:\n%s", d.name, s.name, tailLines(stderr.String(), 30))
		}
	}
	return got
}

// wantRows checks that step name returned rows (compared as the corpus
// compares values: 10 and 10.0 alike).
func wantRows(t testing.TB, d string, got map[string]outcome, name string, want ...[]string) {
	t.Helper()
	o := got[name]
	c := corpus.Case{Rows: want, Ordered: true}
	if o.failed() || !c.Equal(o.rows()) {
		t.Errorf("%s %s: rows %q, error %s %v; want %q", d, name, o.rows(), o.State, deref(o.Error), want)
	}
}

// wantError checks that step name failed with SQLSTATE state and message.
func wantError(t testing.TB, d string, got map[string]outcome, name, state, message string) {
	t.Helper()
	if o := got[name]; !o.failed() || o.State != state || *o.Error != message {
		t.Errorf("%s %s: state %q, error %q, rows %q; want %s %q", d, name, o.State, deref(o.Error), o.rows(), state, message)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<none>"
	}
	return *s
}

// driverCorpus are the corpus cases every driver runs: AWS's documented
// statements and their output (internal/dialect/testdata/corpus).
var driverCorpus = []string{
	"dateadd: 18 months added to a literal date",
	"datediff: weeks between two literal dates",
	"sqlrw: DISTSTYLE EVEN",
	"sqlrw: TOP with ORDER BY",
	"sqlrw: QUALIFY the two most expensive items sold after 12:00 each day",
	"sqlrw: LISTAGG aggregate ordered by seller id",
	"sqlrw: MEDIAN per seller",
	"sqlrw: CREATE INDEX is refused",
}

// corpusSteps makes each case a transaction that is rolled back, so the
// drivers, which share the database, each make the cases' tables anew.
func corpusSteps(t testing.TB) ([]step, []corpus.Case) {
	t.Helper()
	all, err := corpus.Load(filepath.Join("..", "..", "internal", "dialect", "testdata", "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	var steps []step
	var cases []corpus.Case
	for i, name := range driverCorpus {
		at := slices.IndexFunc(all, func(c corpus.Case) bool { return c.Name == name })
		if at < 0 {
			t.Fatalf("the corpus has no case %q", name)
		}
		c := all[at]
		cases = append(cases, c)
		steps = append(steps, step{op: "begin", name: fmt.Sprintf("corpus%d begin", i)})
		for j, s := range c.Setup {
			steps = append(steps, exec1(fmt.Sprintf("corpus%d setup%d", i, j), s))
		}
		steps = append(steps, exec1(fmt.Sprintf("corpus%d", i), c.SQL), step{op: "rollback", name: fmt.Sprintf("corpus%d rollback", i)})
	}
	return steps, cases
}

// checkCorpus compares the drivers' outcomes of corpusSteps with the
// documented output.
func checkCorpus(t testing.TB, d string, got map[string]outcome, cases []corpus.Case) {
	t.Helper()
	for i, c := range cases {
		for j := range c.Setup {
			if o := got[fmt.Sprintf("corpus%d setup%d", i, j)]; o.failed() {
				t.Errorf("%s, corpus %q: setup %d failed: %s %s", d, c.Name, j, o.State, *o.Error)
			}
		}
		o := got[fmt.Sprintf("corpus%d", i)]
		switch {
		case c.Error != "":
			if !o.failed() || !strings.Contains(*o.Error, c.Error) {
				t.Errorf("%s, corpus %q: error %v, rows %q; want an error containing %q", d, c.Name, deref(o.Error), o.rows(), c.Error)
			}
		case o.failed():
			t.Errorf("%s, corpus %q: %s %s", d, c.Name, o.State, *o.Error)
		case c.Columns != nil && !slices.Equal(o.Columns, c.Columns):
			t.Errorf("%s, corpus %q: columns %q, want %q", d, c.Name, o.Columns, c.Columns)
		case !c.Equal(o.rows()):
			t.Errorf("%s, corpus %q: rows %q, want %q", d, c.Name, o.rows(), c.Rows)
		}
	}
}

// clusterCredentials asks GetClusterCredentials, with aws-sdk-go-v2, for a
// temporary user of the cluster local.
func clusterCredentials(t testing.TB, s *server, dbUser string) login {
	t.Helper()
	rc := s.RootCredentials()
	rs := redshift.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(s.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(rc.AccessKeyID, rc.SecretAccessKey, "")})
	out, err := rs.GetClusterCredentials(context.Background(), &redshift.GetClusterCredentialsInput{ClusterIdentifier: aws.String("local"),
		DbUser: aws.String(dbUser), DbName: aws.String("dev"), AutoCreate: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return login{aws.ToString(out.DbUser), aws.ToString(out.DbPassword)}
}

// refusal is rsdata's wording of a refused CREATE INDEX (docs/COMPATIBILITY.md).
func refusal(stmt string) string {
	return `SQL command "` + stmt + `" not supported on Redshift tables.`
}

// TestDriversThroughPostgresEndpoint: pgjdbc, pg8000 and psycopg2 connect
// to a real `rsdata serve`'s endpoints over TLS, verifying the generated
// certificate (and refusing another authority's), as the master user and
// as a GetClusterCredentials temporary user; they run AWS's documented
// statements (the corpus cases of driverCorpus) and Redshift SQL with
// bound parameters, translated in Parse messages; a refused CREATE INDEX
// fails with rsdata's SQLSTATE and message and leaves the connection
// usable, in autocommit and in a transaction (aborted, as Redshift
// aborts it); a 5000-row result streams a fetch size at a time; the
// workgroup's endpoint serves each driver too.
func TestDriversThroughPostgresEndpoint(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})
	root := filepath.Join(s.DataDir, "pg-tls.crt")
	cluster, workgroup := s.EnginePort("cluster", "local"), s.EnginePort("workgroup", "default")
	masters := s.MasterLogins()
	master := login{"awsuser", masters["cluster/local"].Password}
	wgMaster := login{"admin", masters["workgroup/default"].Password}
	wrongRoot, _, _ := operatorCertificate(t, t.TempDir())
	corpusScript, cases := corpusSteps(t)

	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			// A missing driver fails the test, as a missing tool does
			// elsewhere (requireTool): .ci/run installs them all.
			if why := d.missing(); why != "" {
				t.Fatal(why)
			}
			table := "drivers_" + d.name
			index := "create index " + table + "_a on " + table + " (a)"
			script := append([]step{
				exec1("nvl null", "select nvl(?, 'x')", "n:"),
				exec1("nvl value", "select nvl(?, 'x')", "s:y"),
				exec1("dateadd", "select dateadd(month, ?, '2008-02-28')", "i:18"),
				exec1("getdate", "select getdate() is not null"),
				exec1("create", "create table "+table+" (a int) diststyle even sortkey(a)"),
				exec1("insert", "insert into "+table+" values (1), (2), (3)"),
				exec1("top", "select top 2 a from "+table+" where a >= ? order by a desc", "i:1"),
				exec1("refused", index),
				exec1("after refused", "select count(*) from "+table),
				{op: "begin", name: "begin"},
				exec1("insert in tx", "insert into "+table+" values (?)", "i:4"),
				exec1("refused in tx", index),
				exec1("aborted", "select 1"),
				{op: "rollback", name: "rollback"},
				exec1("after rollback", "select count(*) from "+table),
				{op: "stream", name: "stream", sql: "select g from generate_series(1, 5000) g order by g", params: []string{"i:500"}},
			}, corpusScript...)
			if d.name == "jdbc" {
				script = append(script, step{op: "columns", name: "columns", sql: table})
			}
			got := runDriver(t, d, cluster, "verify-full", root, master, script)
			if d.name == "jdbc" {
				wantRows(t, d.name, got, "columns", []string{"a"})
			}
			wantRows(t, d.name, got, "nvl null", []string{"x"})
			wantRows(t, d.name, got, "nvl value", []string{"y"})
			wantRows(t, d.name, got, "dateadd", []string{"2009-08-28 00:00:00"})
			wantRows(t, d.name, got, "getdate", []string{"t"})
			if o := got["create"]; o.failed() {
				t.Errorf("%s: CREATE TABLE with DISTSTYLE and SORTKEY: %s %s", d.name, o.State, *o.Error)
			}
			if o := got["insert"]; o.failed() || o.Count != 3 {
				t.Errorf("%s: insert: %+v; want 3 rows", d.name, o)
			}
			wantRows(t, d.name, got, "top", []string{"3"}, []string{"2"})
			wantError(t, d.name, got, "refused", "0A000", refusal(index))
			wantRows(t, d.name, got, "after refused", []string{"3"})
			wantError(t, d.name, got, "refused in tx", "0A000", refusal(index))
			wantError(t, d.name, got, "aborted", "25P02", "current transaction is aborted, commands ignored until end of transaction block")
			wantRows(t, d.name, got, "after rollback", []string{"3"})
			if o := got["stream"]; o.failed() || o.Count != 5000 || !slices.Equal(slices.Concat(o.rows()...), []string{"5000"}) {
				t.Errorf("%s: a 5000-row result read 500 rows at a time: %d rows, last %q, error %s %s", d.name, o.Count, o.rows(), o.State, deref(o.Error))
			}
			checkCorpus(t, d.name, got, cases)

			// A temporary user, in TLS without verification where the
			// driver has that mode.
			temp := clusterCredentials(t, s, "drv_"+d.name)
			got = runDriver(t, d, cluster, "require", root, temp, []step{
				exec1("who", "select nvl(?, current_user)", "n:"),
				exec1("refused", index),
				exec1("after", "select dateadd(month, ?, '2008-02-28')", "i:18"),
			})
			wantRows(t, d.name, got, "who", []string{"IAMA:drv_" + d.name})
			wantError(t, d.name, got, "refused", "0A000", refusal(index))
			wantRows(t, d.name, got, "after", []string{"2009-08-28 00:00:00"})

			got = runDriver(t, d, workgroup, "verify-full", root, wgMaster, []step{
				exec1("nvl", "select nvl(?, 'x')", "n:"),
				exec1("listagg", "select listagg(v, ?) within group (order by v desc) from (select 'a' as v union all select 'b') s", "s:,"),
			})
			wantRows(t, d.name, got, "nvl", []string{"x"})
			wantRows(t, d.name, got, "listagg", []string{"b,a"})

			// Another authority's root certificate: verification fails,
			// so the sessions above were verified TLS.
			wantCertificateRefused(t, d, cluster, wrongRoot, master)
		})
	}
}

// wantCertificateRefused runs d with verify-full against root, which did
// not issue the endpoint's certificate, and wants the connection refused
// for it.
func wantCertificateRefused(t testing.TB, d driver, port int, root string, l login) {
	t.Helper()
	argv := d.command(t, port, "verify-full", root)
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(cleanEnv("RSDATA_", "PG"), "RSDATA_DB_USER="+l.user, "RSDATA_DB_PASSWORD="+l.password)
	out, _ := cmd.Output()
	var o outcome
	if err := json.Unmarshal(out, &o); err != nil || o.Name != "connect" || !o.failed() ||
		!strings.Contains(strings.ToLower(*o.Error), "certif") {
		t.Errorf("%s verify-full against another authority: %s (%v); want a certificate failure", d.name, out, err)
	}
}
