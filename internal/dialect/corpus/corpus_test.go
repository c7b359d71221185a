package corpus

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	in := `# comment
=== area: first
doc: A page
setup: create table t (a int)
setup: insert into t
  values (1), (2)
sql: select a, null
  from t
columns: a | b
types: int4 | text
expect: 1 | \N
expect: 2 | \N
ordered: false

=== area: second
doc: Another page
sql: create index i on t (a)
error: not supported
`
	got, err := Parse("x.txt", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Case{
		{File: "x.txt", Line: 2, Name: "area: first", Doc: "A page",
			Setup: []string{"create table t (a int)", "insert into t\nvalues (1), (2)"}, SQL: "select a, null\nfrom t",
			Columns: []string{"a", "b"}, Types: []string{"int4", "text"}, Rows: [][]string{{"1", Null}, {"2", Null}}},
		{File: "x.txt", Line: 15, Name: "area: second", Doc: "Another page", SQL: "create index i on t (a)",
			Error: "not supported", Ordered: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse:\n got %#v\nwant %#v", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	for in, want := range map[string]string{
		"doc: x":                                     "outside a case",
		"=== a\nsql: select 1":                       "has no doc",
		"=== a\ndoc: d":                              "has no sql",
		"=== a\ndoc: d\nsql: s\nsetup: x":            "out of order",
		"=== a\ndoc: d\nexpect: 1":                   "before sql",
		"=== a\ndoc: d\nsql: s\nexpect: 1\nerror: e": "not both",
		"=== a\ndoc: d\nsql: s\nfoo: 1":              "unknown key",
		"=== a\ndoc: d\nsql: s\nordered: maybe":      "want true or false",
	} {
		if _, err := Parse("x.txt", strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestCanonical(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"10.0", "10"},
		{"17.5", "17.50"},
		{"-3", "-3.0"},
		{"2009-08-28 00:00:00.0", "2009-08-28 00:00:00"},
		{"2008-02-28 00:00:00.0+00", "2008-02-28 00:00:00+00"},
		{`\x616263`, "616263"},
	} {
		if Canonical(tc.a) != Canonical(tc.b) {
			t.Errorf("Canonical(%q) = %q, Canonical(%q) = %q: want the same", tc.a, Canonical(tc.a), tc.b, Canonical(tc.b))
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"10", "11"},
		{"2009-08-28 00:00:00.5", "2009-08-28 00:00:00"},
		{"007", "7x"},
		{"2009-08-28", "2009-08-28 00:00:00"},
		{"t", "true"},
		{"", "0"},
	} {
		if Canonical(tc.a) == Canonical(tc.b) {
			t.Errorf("Canonical(%q) and Canonical(%q) are both %q: want them apart", tc.a, tc.b, Canonical(tc.a))
		}
	}
}
