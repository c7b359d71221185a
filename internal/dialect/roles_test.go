package dialect

import (
	"reflect"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// The statements are the examples of AWS's Redshift SQL reference
// (r_CREATE_USER, r_ALTER_USER, r_DROP_USER, r_CREATE_GROUP,
// r_ALTER_GROUP, r_DROP_GROUP) where it has them.
func TestParseRole(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		want RoleCommand
	}{
		// r_CREATE_USER.html
		{"create user dbuser with password 'abcD1234';",
			RoleCommand{Verb: CreateUser, Name: "dbuser", Password: ptr("abcD1234")}},
		{"create user dbuser with password 'abcD1234' createdb connection limit 30;",
			RoleCommand{Verb: CreateUser, Name: "dbuser", Password: ptr("abcD1234"), CreateDB: ptr(true), ConnLimit: ptr(30)}},
		{"create user user1 password 'abcD1234' valid until '2017-06-10'",
			RoleCommand{Verb: CreateUser, Name: "user1", Password: ptr("abcD1234"), ValidUntil: ptr("2017-06-10")}},
		{`create user "Bob" password disable in group g1, "G 2" connection limit unlimited session timeout 120 nocreateuser syslog access unrestricted`,
			RoleCommand{Verb: CreateUser, Name: "Bob", DisablePassword: true, InGroups: []string{"g1", "G 2"}, ConnLimit: ptr(-1),
				SessionTimeout: ptr(120), CreateUser: ptr(false), SyslogAccess: "UNRESTRICTED"}},
		{"CREATE USER X PASSWORD 'Aa1aaaaa' CREATEUSER", RoleCommand{Verb: CreateUser, Name: "x", Password: ptr("Aa1aaaaa"), CreateUser: ptr(true)}},
		// r_ALTER_USER.html
		{"alter user adminuser createuser;", RoleCommand{Verb: AlterUser, Name: "adminuser", CreateUser: ptr(true)}},
		{"alter user admin rename to sysadmin;", RoleCommand{Verb: AlterUser, Name: "admin", RenameTo: "sysadmin"}},
		{"alter user admin password 'adminPass9' valid until '2017-12-31 23:59';",
			RoleCommand{Verb: AlterUser, Name: "admin", Password: ptr("adminPass9"), ValidUntil: ptr("2017-12-31 23:59")}},
		{"alter user iam_superuser password disable;", RoleCommand{Verb: AlterUser, Name: "iam_superuser", DisablePassword: true}},
		{"alter user dbuser reset session timeout;", RoleCommand{Verb: AlterUser, Name: "dbuser", SessionTimeout: ptr(0), ResetTimeout: true}},
		{"alter user dbuser set search_path to myschema", RoleCommand{Verb: AlterUser, Name: "dbuser", SetParam: "search_path", SetValue: "myschema"}},
		{"alter user dbuser set datestyle = 'SQL, DMY'", RoleCommand{Verb: AlterUser, Name: "dbuser", SetParam: "datestyle", SetValue: "SQL, DMY"}},
		{"alter user dbuser reset search_path", RoleCommand{Verb: AlterUser, Name: "dbuser", ResetParam: "search_path"}},
		// r_DROP_USER.html
		{"drop user danny;", RoleCommand{Verb: DropUser, Name: "danny", Names: []string{"danny"}}},
		{"drop user if exists danny, billybob;", RoleCommand{Verb: DropUser, Name: "danny", Names: []string{"danny", "billybob"}, IfExists: true}},
		// r_CREATE_GROUP.html
		{"create group admin_group with user admin1, admin2;",
			RoleCommand{Verb: CreateGroup, Name: "admin_group", AddUsers: []string{"admin1", "admin2"}}},
		{"create group g", RoleCommand{Verb: CreateGroup, Name: "g"}},
		// r_ALTER_GROUP.html
		{"alter group admin_group add user dwuser;", RoleCommand{Verb: AlterGroup, Name: "admin_group", AddUsers: []string{"dwuser"}}},
		{"alter group admin_group drop user dwuser1, dwuser2;", RoleCommand{Verb: AlterGroup, Name: "admin_group", DropUsers: []string{"dwuser1", "dwuser2"}}},
		{"alter group admin_group rename to administrators;", RoleCommand{Verb: AlterGroup, Name: "admin_group", RenameTo: "administrators"}},
		// r_DROP_GROUP.html
		{"drop group guests;", RoleCommand{Verb: DropGroup, Name: "guests"}},
	} {
		got, err := ParseRole(Redshift, tc.sql)
		if err != nil || got == nil || !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("ParseRole(%q) = %+v, %v; want %+v", tc.sql, got, err, tc.want)
		}
	}
}

func TestParseRoleIgnoresOtherSQL(t *testing.T) {
	for _, sql := range []string{"select 1", "create table users (a int)", "create user mapping for bob server s",
		"select 'create user x password ''Aa1aaaaa'''", "-- create user x\nselect 1", ""} {
		if got, err := ParseRole(Redshift, sql); got != nil || err != nil {
			t.Errorf("ParseRole(%q) = %+v, %v; want nil, nil", sql, got, err)
		}
	}
	// Every statement of both doors passes here: the others cost nothing.
	if n := testing.AllocsPerRun(20, func() { _, _ = ParseRole(Redshift, "select a from users; create table g (x int)") }); n != 0 {
		t.Errorf("ParseRole of other SQL allocates %v times", n)
	}
	if got, err := ParseRole(Postgres, "create user x password 'Aa1aaaaa'"); got != nil || err != nil {
		t.Errorf("postgres mode: ParseRole = %+v, %v; want nil, nil", got, err)
	}
}

func TestParseRoleRefusals(t *testing.T) {
	for _, tc := range []struct{ sql, code, msg string }{
		{"create user x", "42601", "syntax error at end of input"},
		{"create user x password 'Aa1aaaaa' superuser", "42601", `syntax error at or near "superuser"`},
		{"alter user x createrole", "42601", `syntax error at or near "createrole"`},
		{"alter user x replication", "42601", `syntax error at or near "replication"`},
		{"alter user x with bypassrls", "42601", `syntax error at or near "bypassrls"`},
		{"create user x password 'Aa1aaaaa' createdb createdb", "42601", "conflicting or redundant options"},
		{"create user x password 'Aa1aaaaa'; select 1", "0A000", "CREATE USER must be sent as a statement of its own, not with other statements"},
		{"create user x password 'Aa1aaaaa'; drop table t", "0A000", "CREATE USER must be sent as a statement of its own, not with other statements"},
		{"create user x password E'Aa1aaaaa'", "42601", `syntax error at or near "E'Aa1aaaaa'"`},
		{"create user 'x' password 'Aa1aaaaa'", "42601", `syntax error at or near "'x'"`},
		{"alter group g add user", "42601", "syntax error at end of input"},
		{"drop group g, h", "42601", `syntax error at or near ","`},
		{"create user x password 'md5153c434b4b77c89e6b94f12c5393af5b'", "0A000",
			"password hashes (md5 or sha256) are not supported: the server accepts SCRAM-SHA-256 logins only; give the password in clear text"},
	} {
		_, err := ParseRole(Redshift, tc.sql)
		ref, ok := err.(*Refusal)
		if !ok || ref.Code != tc.code || ref.Message != tc.msg {
			t.Errorf("ParseRole(%q) = %v; want %s %q", tc.sql, err, tc.code, tc.msg)
		}
	}
}

// The rules of r_CREATE_USER.html: 8 to 64 characters, an uppercase
// letter, a lowercase letter and a number, ASCII 33 to 126 except ' " \ /
// and @.
func TestCheckPassword(t *testing.T) {
	const (
		length  = "invalid password: it must be 8 to 64 characters in length"
		classes = "invalid password: it must contain at least one uppercase letter, one lowercase letter, and one number"
		chars   = `invalid password: it can use ASCII characters 33 to 126 except ' (single quote), " (double quote), \, / and @`
	)
	for _, tc := range []struct{ pw, want string }{
		{"ABCd4321", ""}, {"abcD1234", ""}, {"adminPass9", ""}, {"Aa1!#$%&()*+,-.:;<=>?[]^_`{|}~", ""},
		{"Aa1aaaa", length}, {"Aa1" + strings.Repeat("a", 61), ""}, {"Aa1" + strings.Repeat("a", 62), length},
		{"abcd1234", classes}, {"ABCD1234", classes}, {"abcdEFGH", classes},
		{"Aa1aaaa'", chars}, {`Aa1aaaa"`, chars}, {`Aa1aaaa\`, chars}, {"Aa1aaaa/", chars}, {"Aa1aaaa@", chars},
		{"Aa1 aaaa", chars}, {"Aa1aaaaé", chars}, {"Aa1aaaa\t", chars},
	} {
		err := CheckPassword(tc.pw)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("CheckPassword(%q) = %q; want %q", tc.pw, got, tc.want)
		}
	}
}

func TestMaskPasswords(t *testing.T) {
	for in, want := range map[string]string{
		"create user bob password 'Secret-pw-1' createdb": "create user bob password '***' createdb",
		"ALTER USER bob WITH PASSWORD 'O''Brien1x'":       "ALTER USER bob WITH PASSWORD '***'",
		"alter user bob password disable":                 "alter user bob password disable",
		"create group g with user a, b":                   "create group g with user a, b",
	} {
		if got := MaskPasswords(in); got != want {
			t.Errorf("MaskPasswords(%q) = %q; want %q", in, got, want)
		}
	}
}
