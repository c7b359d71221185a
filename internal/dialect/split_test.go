package dialect

import (
	"reflect"
	"testing"
)

// SplitRoles splits only a text that mixes role statements with others, at
// semicolons outside strings, quoted identifiers, comments and dollar
// quotes.
func TestSplitRoles(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		want []string
	}{
		{"select 1; select 2", nil},
		{"create user u password 'Abcdefg1'", nil},
		{"create user u password 'Abcdefg1';", nil},
		{"  ; create user u password 'Abcdefg1' ; ;\n-- done\n", nil},
		{"create user mapping for u server s; select 1", nil},
		{"create user u password 'Abcdefg1'; grant select on t to u", []string{"create user u password 'Abcdefg1'", "grant select on t to u"}},
		{"select ';'; drop group g;", []string{"select ';'", "drop group g"}},
		{`select 1 as "a;b"; /* x; y */ alter user u connection limit 3 -- z; w` + "\n; select $f$ ; $f$",
			[]string{`select 1 as "a;b"`, "alter user u connection limit 3", "select $f$ ; $f$"}},
		{"create group g;;; ;\n\tselect (1);", []string{"create group g", "select (1)"}},
		{"CREATE USER u PASSWORD DISABLE; select 'it''s; fine'", []string{"CREATE USER u PASSWORD DISABLE", "select 'it''s; fine'"}},
	} {
		if got := SplitRoles(Redshift, tc.sql); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitRoles(%q) = %q, want %q", tc.sql, got, tc.want)
		}
	}
	if got := SplitRoles(Postgres, "create user u; select 1"); got != nil {
		t.Errorf("postgres dialect: %q", got)
	}
}
