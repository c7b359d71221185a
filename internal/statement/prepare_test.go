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
