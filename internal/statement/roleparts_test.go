package statement

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/rsdata/rsdata/internal/dialect"
)

// describeParts names each part of x: "role VERB name" or its SQL.
func describeParts(x prepared) []string {
	var out []string
	for _, p := range x.Parts {
		if p.Role != nil {
			out = append(out, "role "+p.Role.Verb.String()+" "+p.Role.Name)
		} else {
			out = append(out, p.SQL)
		}
	}
	return out
}

// A SQL text that holds role statements with others is split into its
// statements, each prepared on its own (role statements parsed, SQL
// translated), at the semicolons the lexer finds outside strings,
// identifiers, comments and dollar quotes.
func TestPrepareSplitsRoleStatements(t *testing.T) {
	for _, tc := range []struct {
		name, sql string
		parts     []string
	}{
		{"role first", "create user u password 'Abcdefg1'; grant select on t to u",
			[]string{"role CREATE USER u", "grant select on t to u"}},
		{"role in the middle", "create table t (c varchar(max)); create group g; select nvl(c, 'x') from t",
			[]string{"create table t (c varchar(65535))", "role CREATE GROUP g", "select COALESCE(c, 'x') from t"}},
		{"role last, trailing semicolon", "grant usage on schema s to u;\nDROP USER u;",
			[]string{"grant usage on schema s to u", "role DROP USER u"}},
		{"empty parts and comments", ";; create user u password 'Abcdefg1' ; ; -- next; not a statement\n select 1;;",
			[]string{"role CREATE USER u", "select 1"}},
		{"semicolons in strings, identifiers, comments and dollar quotes",
			"select 'a;b' as \"c;d\" /* e; f */; alter group g add user u; select $q$ ; $q$",
			[]string{"select 'a;b' as \"c;d\"", "role ALTER GROUP g", "select $q$ ; $q$"}},
		{"two roles", "create user u password 'Abcdefg1'; alter user u connection limit 3",
			[]string{"role CREATE USER u", "role ALTER USER u"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			execs, err := prepare(ExecuteRequest{Dialect: dialect.Redshift, SQLs: []string{tc.sql}})
			if err != nil {
				t.Fatal(err)
			}
			x := execs[0]
			if got := describeParts(x); !slices.Equal(got, tc.parts) {
				t.Errorf("parts %q, want %q", got, tc.parts)
			}
			if x.Role != nil || x.After != "" && !slices.ContainsFunc(x.Parts, func(p prepared) bool { return p.After != "" }) {
				t.Errorf("whole text: Role %+v, After %q", x.Role, x.After)
			}
		})
	}

	// A role statement alone, even with a trailing semicolon, is not split;
	// a text without one never is.
	for _, sql := range []string{"create user u password 'Abcdefg1';", "select 1; select 2"} {
		execs, err := prepare(ExecuteRequest{Dialect: dialect.Redshift, SQLs: []string{sql}})
		if err != nil || execs[0].Parts != nil {
			t.Errorf("%q: parts %q, %v", sql, describeParts(execs[0]), err)
		}
	}

	// The history's text is the whole text with its passwords masked;
	// the whole text stays the SQL of a Conn that runs no role statements.
	sql := "create user u password 'Abcdefg1'; grant select on t to u"
	execs, _ := prepare(ExecuteRequest{Dialect: dialect.Redshift, SQLs: []string{sql}})
	if execs[0].Text != "create user u password '***'; grant select on t to u" || execs[0].SQL != sql {
		t.Errorf("Text %q, SQL %q", execs[0].Text, execs[0].SQL)
	}

	// A part the dialect refuses refuses the whole text: nothing of it runs.
	execs, err := prepare(ExecuteRequest{Dialect: dialect.Redshift, SQLs: []string{"select 1; create user u password 'weakpassword'; select 2"}})
	want := (&dialect.Refusal{Code: "22023", Message: "invalid password: it must contain at least one uppercase letter, one lowercase letter, and one number"}).SQL()
	if err != nil || execs[0].Parts != nil || execs[0].Role != nil || execs[0].SQL != want || execs[0].Text != "select 1; create user u password '***'; select 2" {
		t.Errorf("refused part: %+v, %v", execs[0], err)
	}

	// Role statements take no parameters, alone or with others.
	for _, sql := range []string{"create user u password 'Abcdefg1'; select :a", "create user u password 'Abcdefg1'"} {
		_, err := prepare(ExecuteRequest{Dialect: dialect.Redshift, SQLs: []string{sql}, Params: []Param{{Name: "a", Value: "1"}}})
		var inv *InvalidError
		if !errors.As(err, &inv) || inv.Message != roleParamsMessage {
			t.Errorf("%q with parameters: %v", sql, err)
		}
	}
}

// The parts run in order on the statement's connection: role statements
// through the RoleRunner, SQL in one transaction (unless one is open),
// rolled back when a part fails; the last part's result is the
// statement's.
func TestRunParts(t *testing.T) {
	const create = "create user u password 'Abcdefg1'"
	for _, tc := range []struct {
		name   string
		sql    string
		batch  bool
		status Status
		errMsg string
		ran    []string
	}{
		{"in order, last result kept", create + "; rows 3; create group g; select 1", false, Finished, "",
			[]string{"BEGIN", "role CREATE USER u", "rows 3", "role CREATE GROUP g", "select 1", "COMMIT"}},
		{"a failing SQL part rolls back and stops", create + "; fail; select 1", false, Failed, "ERROR: boom",
			[]string{"BEGIN", "role CREATE USER u", "fail", "ROLLBACK"}},
		{"a failing role part rolls back and stops", "select 1; drop user fail; select 1", false, Failed, "ERROR: role boom",
			[]string{"BEGIN", "select 1", "role DROP USER fail", "ROLLBACK"}},
		{"roles only: no transaction", create + "; create group g", false, Finished, "",
			[]string{"role CREATE USER u", "role CREATE GROUP g"}},
		{"inside a transaction block: none of its own", create + "; select 1", true, Finished, "",
			[]string{"BEGIN", "role CREATE USER u", "select 1", "COMMIT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e, _, x := start(t, Options{})
				x.roles = true
				r := req(tc.sql)
				r.Batch = tc.batch
				st := execute(t, e, r)
				synctest.Wait()
				id := st.ID
				if tc.batch {
					id += ":1"
				}
				got := wantStatus(t, e, id, tc.status, tc.errMsg)
				if strings.HasSuffix(tc.sql, "select 1") && tc.status == Finished && (!got.HasResultSet || got.ResultRows != 1) {
					t.Errorf("result: has %v rows %d, want select 1's", got.HasResultSet, got.ResultRows)
				}
				if ran := x.log(); !slices.Equal(ran, tc.ran) {
					t.Errorf("ran %q, want %q", ran, tc.ran)
				}
			})
		})
	}
	// A connection that runs no role statements (an external engine's)
	// gets the whole text, as one query.
	synctest.Test(t, func(t *testing.T) {
		e, _, x := start(t, Options{})
		st := execute(t, e, req(create+"; select 1"))
		synctest.Wait()
		wantStatus(t, e, st.ID, Finished, "")
		if ran := x.log(); !slices.Equal(ran, []string{create + "; select 1"}) {
			t.Errorf("ran %q", ran)
		}
	})
}
