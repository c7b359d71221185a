package statement

import (
	"reflect"
	"testing"

	"github.com/rsdata/rsdata/internal/dialect"
)

// The dialect is translated before parameters are bound: a :name inside a
// rewritten call still becomes a placeholder with its value bound, never
// spliced; every SQL of a batch is translated; the postgres dialect leaves
// the SQL alone.
func TestPrepareTranslatesThenBinds(t *testing.T) {
	req := ExecuteRequest{SQLs: []string{"select nvl(:a, 'x'), ':a'", "create table t (c varchar(max)) diststyle all"},
		Batch: true, Params: []Param{{Name: "a", Value: "it's"}}}
	execs, err := prepare(req)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := []string{execs[0].SQL, execs[1].SQL}, []string{"select COALESCE($1, 'x'), ':a'", "create table t (c varchar(65535))"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SQL = %q, want %q", got, want)
	}
	if !reflect.DeepEqual(execs[0].Values, []string{"it's"}) {
		t.Errorf("Values = %q", execs[0].Values)
	}

	req.Dialect = dialect.Postgres
	if execs, err = prepare(req); err != nil || execs[0].SQL != "select nvl($1, 'x'), ':a'" || execs[1].SQL != req.SQLs[1] {
		t.Errorf("postgres dialect: %q, %v", []string{execs[0].SQL, execs[1].SQL}, err)
	}
}

// A user or group statement is parsed for the RoleRunner, and the history
// never sees its password, whether it runs or is refused.
func TestPrepareRoleStatements(t *testing.T) {
	req := ExecuteRequest{Dialect: dialect.Redshift, Batch: true, SQLs: []string{
		"create user carol password 'Carol-pw-1'", "create user dave password 'weakpassword'", "select 1"}}
	execs, err := prepare(req)
	if err != nil {
		t.Fatal(err)
	}
	if r := execs[0].Role; r == nil || r.Verb != dialect.CreateUser || r.Name != "carol" || execs[0].Text != "create user carol password '***'" {
		t.Errorf("create user: Role %+v, Text %q", r, execs[0].Text)
	}
	want := (&dialect.Refusal{Code: "22023", Message: "invalid password: it must contain at least one uppercase letter, one lowercase letter, and one number"}).SQL()
	if execs[1].Role != nil || execs[1].SQL != want || execs[1].Text != "create user dave password '***'" {
		t.Errorf("refused: Role %+v, SQL %q, Text %q", execs[1].Role, execs[1].SQL, execs[1].Text)
	}
	if execs[2].Role != nil || execs[2].Text != "select 1" {
		t.Errorf("select: Role %+v, Text %q", execs[2].Role, execs[2].Text)
	}
}
