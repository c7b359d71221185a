package corpus

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	src := `# strings
=== nvl of a null
doc: NVL and COALESCE functions
setup: create table strings_t (a int)
setup: insert into strings_t
  values (1), (2)
sql: select nvl(null,
  'x') as v
columns: v
types: varchar
expect: x

=== two rows, any order
doc: SELECT
sql: select 1, null union all select 2, 3
expect: 1 | \N
expect: 2 | 3
ordered: false

=== refused
doc: CREATE INDEX
sql: create index i on t (a)
error: not supported
`
	cases, err := Parse("strings.txt", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Case{
		{File: "strings.txt", Line: 2, Name: "nvl of a null", Doc: "NVL and COALESCE functions",
			Setup: []string{"create table strings_t (a int)", "insert into strings_t\nvalues (1), (2)"},
			SQL:   "select nvl(null,\n'x') as v", Columns: []string{"v"}, Types: []string{"varchar"},
			Rows: [][]string{{"x"}}, Ordered: true},
		{File: "strings.txt", Line: 13, Name: "two rows, any order", Doc: "SELECT",
			SQL: "select 1, null union all select 2, 3", Rows: [][]string{{"1", Null}, {"2", "3"}}},
		{File: "strings.txt", Line: 20, Name: "refused", Doc: "CREATE INDEX", SQL: "create index i on t (a)",
			Error: "not supported", Ordered: true},
	}
	if !reflect.DeepEqual(cases, want) {
		t.Errorf("Parse:\n got %#v\nwant %#v", cases, want)
	}
	if !cases[1].Equal([][]string{{"2", "3"}, {"1", Null}}) || cases[1].Equal([][]string{{"2", "3"}, {"2", "3"}}) {
		t.Error("an unordered case compares rows as a multiset")
	}
	if cases[0].Equal([][]string{{"y"}}) || !cases[0].Equal([][]string{{"x"}}) {
		t.Error("an ordered case compares rows in order")
	}
	if !cases[2].Equal(nil) {
		t.Error("a case without expect: lines expects no rows")
	}
}

func TestParseRefusesMalformedCases(t *testing.T) {
	for name, src := range map[string]string{
		"no doc":         "=== a\nsql: select 1\n",
		"no sql":         "=== a\ndoc: SELECT\n",
		"error and rows": "=== a\ndoc: SELECT\nsql: select 1\nexpect: 1\nerror: x\n",
		"before a case":  "doc: SELECT\n",
		"unknown key":    "=== a\ndoc: SELECT\nsql: select 1\nwant: 1\n",
		"not key: value": "=== a\ndoc: SELECT\nsql: select 1\nexpect 1\n",
		"bad ordered":    "=== a\ndoc: SELECT\nsql: select 1\nordered: no\n",
		"two sql: lines": "=== a\ndoc: SELECT\nsql: select 1\nsql: select 2\n",
	} {
		if _, err := Parse("x.txt", strings.NewReader(src)); err == nil {
			t.Errorf("%s: parsed without an error", name)
		}
	}
}

func TestLoadWithoutFiles(t *testing.T) {
	cases, err := Load(t.TempDir() + "/none")
	if err != nil || len(cases) != 0 {
		t.Errorf("Load of a missing dir: %v, %v; want no cases", cases, err)
	}
}
