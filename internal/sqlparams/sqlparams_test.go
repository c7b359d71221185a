package sqlparams

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// ps builds a parameter list from name, value pairs.
func ps(kv ...string) []Param {
	var out []Param
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Param{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

func TestRewrite(t *testing.T) {
	tests := []struct {
		name   string
		sql    string
		params []Param
		want   string
		values []string
		used   []string
	}{
		{"simple", "SELECT * FROM t WHERE id = :id", ps("id", "7"),
			"SELECT * FROM t WHERE id = $1", []string{"7"}, []string{"id"}},
		{"repeated use binds once", "SELECT :a + :a", ps("a", "1"),
			"SELECT $1 + $1", []string{"1"}, []string{"a"}},
		{"first-use order, not list order", "SELECT :b, :a, :c, :a", ps("a", "1", "b", "2", "c", "3"),
			"SELECT $1, $2, $3, $2", []string{"2", "1", "3"}, []string{"b", "a", "c"}},
		{"prefix names", "SELECT :id, :id2, :id", ps("id", "1", "id2", "2"),
			"SELECT $1, $2, $1", []string{"1", "2"}, []string{"id", "id2"}},
		{"maximal name: id2 is not id", "SELECT :id2", ps("id", "1", "id2", "2"),
			"SELECT $1", []string{"2"}, []string{"id2"}},
		{"maximal name unknown stays", "SELECT :id2", ps("id", "1"),
			"SELECT :id2", nil, nil},
		{"name chars: digits and underscore", "SELECT :_x, :9, :A_b9", ps("_x", "a", "9", "b", "A_b9", "c"),
			"SELECT $1, $2, $3", []string{"a", "b", "c"}, []string{"_x", "9", "A_b9"}},
		{"case-sensitive names", "SELECT :ID, :id", ps("id", "1"),
			"SELECT :ID, $1", []string{"1"}, []string{"id"}},
		{"at start and end", ":a||:b", ps("a", "x", "b", "y"),
			"$1||$2", []string{"x", "y"}, []string{"a", "b"}},
		{"name ends at non-name byte", "SELECT :a-1,:b)", ps("a", "1", "b", "2"),
			"SELECT $1-1,$2)", []string{"1", "2"}, []string{"a", "b"}},
		{"first duplicate wins", "SELECT :a", ps("a", "first", "a", "second"),
			"SELECT $1", []string{"first"}, []string{"a"}},

		// casts
		{"placeholder then cast", "SELECT :v::smallint", ps("v", "5"),
			"SELECT $1::smallint", []string{"5"}, []string{"v"}},
		{"cast of column is no placeholder", "SELECT x::text, :x", ps("x", "1", "text", "2"),
			"SELECT x::text, $1", []string{"1"}, []string{"x"}},
		{"triple colon", "SELECT a:::text", ps("text", "1"),
			"SELECT a:::text", nil, nil},
		{"colon equals", "SELECT f(a := 1, b=>:b, c:=:c)", ps("a", "1", "b", "2", "c", "3"),
			"SELECT f(a := 1, b=>$1, c:=$2)", []string{"2", "3"}, []string{"b", "c"}},
		{"colon then space or quote", `SELECT : a, :'a', :"a"`, ps("a", "1"),
			`SELECT : a, :'a', :"a"`, nil, nil},
		{"array slice bound is a placeholder when supplied", "SELECT arr[1:hi], arr[lo: hi]", ps("hi", "3"),
			"SELECT arr[1$1], arr[lo: hi]", []string{"3"}, []string{"hi"}},
		{"array slice untouched without parameter", "SELECT arr[1:2], arr[lo:hi]", ps("x", "1"),
			"SELECT arr[1:2], arr[lo:hi]", nil, nil},

		// strings
		{"single quotes", "SELECT ':a', :a", ps("a", "1"),
			"SELECT ':a', $1", []string{"1"}, []string{"a"}},
		{"doubled quote escape", "SELECT 'it'':a''s', :a", ps("a", "1"),
			"SELECT 'it'':a''s', $1", []string{"1"}, []string{"a"}},
		{"backslash is literal in standard strings", `SELECT 'a\', :a, '\'`, ps("a", "1"),
			`SELECT 'a\', $1, '\'`, []string{"1"}, []string{"a"}},
		{"E string backslash escape", `SELECT E'x\':a', :a`, ps("a", "1"),
			`SELECT E'x\':a', $1`, []string{"1"}, []string{"a"}},
		{"lowercase e string", `SELECT e'\\':a`, ps("a", "1"),
			`SELECT e'\\'$1`, []string{"1"}, []string{"a"}},
		{"E string doubled quote", `SELECT E'x'':a\\', :a`, ps("a", "1"),
			`SELECT E'x'':a\\', $1`, []string{"1"}, []string{"a"}},
		{"E string doubled quote before backslash", `SELECT E'''\':a', :a`, ps("a", "1"),
			`SELECT E'''\':a', $1`, []string{"1"}, []string{"a"}},
		{"identifier ending in e is no E string", `SELECT namE'\', :a`, ps("a", "1"),
			`SELECT namE'\', $1`, []string{"1"}, []string{"a"}},
		{"prefixed strings", `SELECT B'1:a', X':a', N':a', U&':a'`, ps("a", "1"),
			`SELECT B'1:a', X':a', N':a', U&':a'`, nil, nil},
		{"unterminated string", "SELECT :a, ':a", ps("a", "1"),
			"SELECT $1, ':a", []string{"1"}, []string{"a"}},

		// quoted identifiers
		{"colon inside quoted identifier", `SELECT "col:a", :a`, ps("a", "1"),
			`SELECT "col:a", $1`, []string{"1"}, []string{"a"}},
		{"doubled double quote", `SELECT "x"":a", :a FROM "t"`, ps("a", "1"),
			`SELECT "x"":a", $1 FROM "t"`, []string{"1"}, []string{"a"}},
		{"placeholder after quoted identifier", `SELECT "a":a`, ps("a", "1"),
			`SELECT "a"$1`, []string{"1"}, []string{"a"}},

		// dollar quotes
		{"dollar quote", "SELECT $$:a$$, :a", ps("a", "1"),
			"SELECT $$:a$$, $1", []string{"1"}, []string{"a"}},
		{"tagged dollar quote", "SELECT $fn$ :a $$ :a $fn$, :a", ps("a", "1"),
			"SELECT $fn$ :a $$ :a $fn$, $1", []string{"1"}, []string{"a"}},
		{"other tag does not close", "SELECT $a$ :x $b$ :x $a$ :x", ps("x", "1"),
			"SELECT $a$ :x $b$ :x $a$ $1", []string{"1"}, []string{"x"}},
		{"function body with positional", "CREATE FUNCTION f(int) RETURNS int AS $body$ SELECT $1 + :n $body$ LANGUAGE sql; SELECT f(:n)", ps("n", "2"),
			"CREATE FUNCTION f(int) RETURNS int AS $body$ SELECT $1 + :n $body$ LANGUAGE sql; SELECT f($1)", []string{"2"}, []string{"n"}},
		{"dollar inside identifier starts nothing", "SELECT a$b$ :a, b$$ :b", ps("a", "1", "b", "2"),
			"SELECT a$b$ $1, b$$ $2", []string{"1", "2"}, []string{"a", "b"}},
		{"non-ASCII dollar tag", "SELECT $é$ :a $é$, :a", ps("a", "1"),
			"SELECT $é$ :a $é$, $1", []string{"1"}, []string{"a"}},
		{"dollar after non-ASCII identifier", "SELECT café$$ :a, :a", ps("a", "1"),
			"SELECT café$$ $1, $1", []string{"1"}, []string{"a"}},
		{"lone dollar", "SELECT $ :a $x :a", ps("a", "1"),
			"SELECT $ $1 $x $1", []string{"1"}, []string{"a"}},
		{"unterminated dollar quote", "SELECT :a, $q$ :a", ps("a", "1"),
			"SELECT $1, $q$ :a", []string{"1"}, []string{"a"}},

		// comments
		{"line comment", "SELECT :a -- :b\n, :b", ps("a", "1", "b", "2"),
			"SELECT $1 -- :b\n, $2", []string{"1", "2"}, []string{"a", "b"}},
		{"line comment ends at CR", "SELECT 1 -- :a\r:a", ps("a", "1"),
			"SELECT 1 -- :a\r$1", []string{"1"}, []string{"a"}},
		{"line comment to end", "SELECT :a -- :a", ps("a", "1"),
			"SELECT $1 -- :a", []string{"1"}, []string{"a"}},
		{"block comment", "SELECT /* :a */ :a", ps("a", "1"),
			"SELECT /* :a */ $1", []string{"1"}, []string{"a"}},
		{"nested block comment", "SELECT /* x /* :a */ :a */ :a", ps("a", "1"),
			"SELECT /* x /* :a */ :a */ $1", []string{"1"}, []string{"a"}},
		{"slash star slash does not close", "SELECT /*/ :a */ :a", ps("a", "1"),
			"SELECT /*/ :a */ $1", []string{"1"}, []string{"a"}},
		{"stars before close", "SELECT /* :a **/ :a", ps("a", "1"),
			"SELECT /* :a **/ $1", []string{"1"}, []string{"a"}},
		{"unterminated block comment", "SELECT :a /* /* */ :a", ps("a", "1"),
			"SELECT $1 /* /* */ :a", []string{"1"}, []string{"a"}},
		{"quote inside comment does not open string", "SELECT /* ' */ :a -- '\n, :a", ps("a", "1"),
			"SELECT /* ' */ $1 -- '\n, $1", []string{"1"}, []string{"a"}},
		{"comment marker inside string", "SELECT '--', '/*', :a", ps("a", "1"),
			"SELECT '--', '/*', $1", []string{"1"}, []string{"a"}},

		// unknown placeholders
		{"unknown placeholder left untouched", "SELECT :a, :missing", ps("a", "1"),
			"SELECT $1, :missing", []string{"1"}, []string{"a"}},
		{"no placeholder matches", "SELECT :x", ps("a", "1"),
			"SELECT :x", nil, nil},
		{"no params at all", "SELECT :x, $1", nil,
			"SELECT :x, $1", nil, nil},
		{"positional ignored when nothing rewritten", "SELECT $1", ps("a", "1"),
			"SELECT $1", nil, nil},
		{"positional inside identifier is no positional", "SELECT a$1, :a", ps("a", "1"),
			"SELECT a$1, $1", []string{"1"}, []string{"a"}},
		{"positional in string is fine", "SELECT '$1', :a", ps("a", "1"),
			"SELECT '$1', $1", []string{"1"}, []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Rewrite(tt.sql, tt.params)
			if err != nil {
				t.Fatalf("Rewrite(%q): %v", tt.sql, err)
			}
			if got.SQL != tt.want {
				t.Errorf("SQL:\n got %q\nwant %q", got.SQL, tt.want)
			}
			if !reflect.DeepEqual(got.Values, tt.values) {
				t.Errorf("Values = %q, want %q", got.Values, tt.values)
			}
			if !reflect.DeepEqual(got.Used, tt.used) {
				t.Errorf("Used = %q, want %q", got.Used, tt.used)
			}
		})
	}
}

func TestRewritePositionalConflict(t *testing.T) {
	tests := []struct {
		sql, token string
	}{
		{"SELECT $1, :a", "$1"},
		{"SELECT :a + $12", "$12"},
		{"SELECT ($2)::int, :a, $1", "$2"},
	}
	for _, tt := range tests {
		got, err := Rewrite(tt.sql, ps("a", "1"))
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("Rewrite(%q) = %+v, %v; want *Error", tt.sql, got, err)
		}
		want := "SQL text must not contain positional parameters (" + tt.token + ") when Parameters are given"
		if e.Message != want || err.Error() != want {
			t.Errorf("Rewrite(%q) error = %q, want %q", tt.sql, e.Message, want)
		}
		if !reflect.DeepEqual(got, Rewritten{}) {
			t.Errorf("Rewrite(%q) result on error = %+v, want zero", tt.sql, got)
		}
	}
}

func TestUnused(t *testing.T) {
	params := ps("a", "1", "b", "2", "c", "3", "d", "4")
	r1, err := Rewrite("SELECT :c", params)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Rewrite("SELECT :a, :unknown", params)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Unused(params, r1.Used, r2.Used), []string{"b", "d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Unused across batch = %q, want %q", got, want)
	}
	if got := Unused(params, r1.Used, r2.Used, []string{"b", "d"}); got != nil {
		t.Errorf("Unused with all used = %q, want nil", got)
	}
	if got, want := Unused(params), []string{"a", "b", "c", "d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Unused with no statements = %q, want %q", got, want)
	}
	if got, want := Unused(ps("x", "1", "x", "2")), []string{"x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Unused with duplicate name = %q, want %q", got, want)
	}
	if got := Unused(nil, []string{"a"}); got != nil {
		t.Errorf("Unused(nil) = %q, want nil", got)
	}
}

func TestUnusedMessage(t *testing.T) {
	tests := []struct {
		names []string
		want  string
	}{
		{[]string{"id"}, "Parameters list contains unused parameters. Unused parameters: [id]"},
		{[]string{"a", "b"}, "Parameters list contains unused parameters. Unused parameters: [a, b]"},
	}
	for _, tt := range tests {
		if got := UnusedMessage(tt.names); got != tt.want {
			t.Errorf("UnusedMessage(%q) = %q, want %q", tt.names, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		params []Param
		want   string // "" means valid
	}{
		{"valid", ps("id", "1", "Name_2", "x", "9", "null"), ""},
		{"nil list", nil, ""},
		{"at sign", ps("@id", "1"),
			"1 validation error detected: Value '@id' at 'parameters.1.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z_]+"},
		{"empty name", ps("ok", "1", "", "1"),
			"1 validation error detected: Value '' at 'parameters.2.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z_]+"},
		{"non-ASCII letter", ps("idé", "1"),
			"1 validation error detected: Value 'idé' at 'parameters.1.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z_]+"},
		{"colon in name", ps(":id", "1"),
			"1 validation error detected: Value ':id' at 'parameters.1.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z_]+"},
		{"empty value", ps("a", "1", "b", ""),
			"1 validation error detected: Value '' at 'parameters.2.member.value' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"several problems", ps("a-b", "", "c", "1", "d", ""),
			"3 validation errors detected: Value 'a-b' at 'parameters.1.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z_]+; " +
				"Value '' at 'parameters.1.member.value' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
				"Value '' at 'parameters.3.member.value' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"duplicate", ps("id", "1", "x", "2", "id", "3"),
			"Parameters list contains duplicate parameters. Duplicate parameters: [id]"},
		{"duplicates reported once each", ps("b", "1", "a", "1", "b", "2", "a", "2", "b", "3"),
			"Parameters list contains duplicate parameters. Duplicate parameters: [b, a]"},
		{"case differs is no duplicate", ps("id", "1", "ID", "2"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.params)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate = %v (%T), want *Error", err, err)
			}
			if e.Message != tt.want {
				t.Errorf("Message:\n got %q\nwant %q", e.Message, tt.want)
			}
		})
	}
}

func FuzzRewrite(f *testing.F) {
	for _, s := range []string{
		"SELECT :a, :b::int, ':a', E'\\':a', \"x:a\", $$:a$$, $t$ :a $t$ -- :a\n/* /* :a */ */ :a",
		"SELECT $1, :a", "a:::b", ":", "$", "'", "E'", "/*", "--", "$a", "$a$", ":a:", "arr[1:2]",
	} {
		f.Add(s, "a", "v")
	}
	f.Fuzz(func(t *testing.T, sql, name, value string) {
		got, err := Rewrite(sql, nil)
		if err != nil || got.SQL != sql || got.Values != nil || got.Used != nil {
			t.Fatalf("Rewrite(%q, nil) = %+v, %v; want it unchanged", sql, got, err)
		}

		params := []Param{{Name: name, Value: value}, {Name: "a", Value: "x"}}
		got, err = Rewrite(sql, params)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(e.Message, "positional parameters") {
				t.Fatalf("Rewrite(%q) unexpected error %v", sql, err)
			}
			return
		}
		if len(got.Values) != len(got.Used) {
			t.Fatalf("Rewrite(%q): %d values for %d names", sql, len(got.Values), len(got.Used))
		}
		if len(got.Used) == 0 && got.SQL != sql {
			t.Fatalf("Rewrite(%q) changed SQL to %q without using a parameter", sql, got.SQL)
		}
		for i, u := range got.Used {
			want := "x"
			if u == name {
				want = value
			} else if u != "a" {
				t.Fatalf("Rewrite(%q) used %q, which was not supplied", sql, u)
			}
			if got.Values[i] != want {
				t.Fatalf("Rewrite(%q): value for %q = %q, want %q", sql, u, got.Values[i], want)
			}
		}
		if u := Unused(params, got.Used); len(got.Used) > 0 && len(u) == len(params) {
			t.Fatalf("Unused = %q although %q were used", u, got.Used)
		}
	})
}
