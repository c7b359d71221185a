package pgfront_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rsdata/rsdata/internal/dialect/corpus"
	"github.com/rsdata/rsdata/internal/pgfront"
)

// corpusDir holds the shared corpus of statements from AWS's Redshift SQL
// reference and their documented output.
const corpusDir = "../dialect/testdata/corpus"

// TestCorpusThroughPsql runs every corpus case through psql on the
// PostgreSQL endpoint (the front, Redshift dialect), in one database as
// the cases share one, each in its own session, and compares rows (and
// column names when the case gives them) with the documented output. The
// Data API's type names (types:) are the Data API runner's to check.
func TestCorpusThroughPsql(t *testing.T) {
	cases, err := corpus.Load(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	// As rsdata's app does: the Redshift functions and views installed in
	// a client's database once it has logged in.
	e := start(t, pgfront.Options{Authenticated: installSchema(t)})
	for _, c := range cases {
		if err := runCorpusCase(t, e, c); err != nil {
			t.Errorf("%s:%d %s (%s): %v", c.File, c.Line, c.Name, c.Doc, err)
		}
	}
	t.Logf("%d corpus cases through psql", len(cases))
}

// TestCorpusRunnerCompares: the runner passes a case whose documented
// output PostgreSQL's answer matches and reports one that differs, or an
// error where rows were expected.
func TestCorpusRunnerCompares(t *testing.T) {
	e := start(t, pgfront.Options{})
	cases, err := corpus.Parse("self.txt", strings.NewReader(`
=== len counts characters
doc: LEN function
sql: select len('français')
expect: 8

=== nvl with a table the case makes, any order
doc: NVL and COALESCE functions
setup: create table self_t (a int, b varchar(10))
setup: insert into self_t values (1, null), (2, 'two')
sql: select a, nvl(b, 'none') as b from self_t
columns: a | b
expect: 2 | two
expect: 1 | none
ordered: false

=== an error
doc: SELECT
sql: select * from self_missing
error: relation "self_missing" does not exist

=== wrong rows
doc: LEN function
sql: select len('français')
expect: 9

=== wrong columns
doc: SELECT
sql: select 1 as a
columns: b
expect: 1

=== rows wanted, error got
doc: SELECT
sql: select * from self_missing
expect: 1
`))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		err := runCorpusCase(t, e, c)
		if wantPass := i < 3; (err == nil) != wantPass {
			t.Errorf("case %q: %v; want pass %v", c.Name, err, wantPass)
		}
	}
}

// marker separates the setup's output from the statement's.
const marker = "@@rsdata-corpus-sql@@"

// runCorpusCase runs c's setup and statement through psql in one session
// and compares what it printed with c.
func runCorpusCase(t *testing.T, e *env, c corpus.Case) error {
	t.Helper()
	args := []string{"-q", "-P", "footer=off", "-P", `null=\N`, "-F", " | "}
	for _, s := range c.Setup {
		args = append(args, "-c", s)
	}
	args = append(args, "-c", `\echo `+marker, "-c", c.SQL)
	// Not -t: the header line carries the column names.
	res := runPsql(t, []string{"PGPASSWORD=" + password, "PGCONNECT_TIMEOUT=10"},
		append([]string{e.conninfo(user), "-X", "-A", "-v", "ON_ERROR_STOP=1"}, args...)...)
	before, out, reached := strings.Cut(res.Stdout, marker+"\n")
	if !reached {
		return fmt.Errorf("setup failed: %s%s", before, res.Stderr)
	}
	if c.Error != "" {
		if res.Code == 0 {
			return fmt.Errorf("succeeded, want an error containing %q; printed %q", c.Error, out)
		}
		if !strings.Contains(res.Stderr, c.Error) {
			return fmt.Errorf("error %q, want one containing %q", strings.TrimSpace(res.Stderr), c.Error)
		}
		return nil
	}
	if res.Code != 0 {
		return fmt.Errorf("failed: %s", strings.TrimSpace(res.Stderr))
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if out == "" {
		lines = nil
	}
	var rows [][]string
	if len(lines) > 0 {
		if c.Columns != nil && !slices.Equal(corpus.SplitRow(lines[0]), c.Columns) {
			return fmt.Errorf("columns %q, want %q", lines[0], strings.Join(c.Columns, " | "))
		}
		for _, l := range lines[1:] {
			rows = append(rows, corpus.SplitRow(l))
		}
	}
	if !c.Equal(rows) {
		return fmt.Errorf("rows %q, want %q", rows, c.Rows)
	}
	return nil
}
