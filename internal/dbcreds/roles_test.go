package dbcreds_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rsdata/rsdata/internal/dbcreds"
)

func TestCheckRoles(t *testing.T) {
	group := func(name string, memberOf ...dbcreds.RoleInfo) dbcreds.RoleInfo {
		return dbcreds.RoleInfo{Name: name, Exists: true, MemberOf: memberOf}
	}
	user := func(name string, memberOf ...dbcreds.RoleInfo) dbcreds.RoleInfo {
		return dbcreds.RoleInfo{Name: name, Exists: true, Login: true, MemberOf: memberOf}
	}
	bootstrap := dbcreds.RoleInfo{Name: "rsdata", Exists: true, Login: true, Superuser: true, System: true}
	master := dbcreds.RoleInfo{Name: "awsuser", Exists: true, Login: true, Master: true, MemberOf: []dbcreds.RoleInfo{
		{Name: "pg_read_all_data", Exists: true, System: true},
		{Name: "pg_signal_backend", Exists: true, System: true},
		{Name: "pg_write_all_data", Exists: true, System: true},
	}}
	oldMaster := master
	oldMaster.Superuser = true
	super := dbcreds.RoleInfo{Name: "boss", Exists: true, Superuser: true}
	program := dbcreds.RoleInfo{Name: "pg_execute_server_program", Exists: true, System: true}
	readFiles := dbcreds.RoleInfo{Name: "pg_read_server_files", Exists: true, System: true}
	readAll := dbcreds.RoleInfo{Name: "pg_read_all_data", Exists: true, System: true}
	missing := dbcreds.RoleInfo{Name: "nobody"}

	for _, tc := range []struct {
		name      string
		role      dbcreds.RoleInfo
		asUser    string // "" = usable; otherwise a reason fragment
		asGroup   string
		groupMiss bool
	}{
		{name: "plain group", role: group("analysts"), asUser: "is a group"},
		{name: "nested groups", role: group("a", group("b"), group("c")), asUser: "is a group"},
		{name: "plain user", role: user("bob"), asGroup: "is a user"},
		{name: "master user", role: master, asGroup: "master user"},
		{name: "superuser master of an old data dir", role: oldMaster, asUser: "superuser", asGroup: "superuser"},
		{name: "bootstrap role", role: bootstrap, asUser: "superuser", asGroup: "superuser"},
		{name: "superuser group", role: super, asUser: "superuser", asGroup: "superuser"},
		{name: "pg_execute_server_program", role: program, asUser: "reserved", asGroup: "reserved"},
		{name: "pg_read_server_files", role: readFiles, asUser: "reserved", asGroup: "reserved"},
		{name: "pg_read_all_data", role: readAll, asUser: "reserved", asGroup: "reserved"},
		{name: "group inside a superuser", role: group("g", super), asUser: "is a group", asGroup: `member of "boss"`},
		{name: "group inside the bootstrap role", role: group("g", bootstrap), asUser: "is a group", asGroup: `member of "rsdata"`},
		{name: "group inside a predefined role", role: group("g", program), asUser: "is a group", asGroup: `member of "pg_execute_server_program"`},
		{name: "group inside the master", role: group("g", master), asUser: "is a group", asGroup: `member of "awsuser"`},
		{name: "group inside a user", role: group("g", user("bob")), asUser: "is a group", asGroup: `member of "bob"`},
		{name: "user inside the master", role: user("u", master, readAll), asGroup: "is a user"},
		{name: "user inside pg_read_all_data", role: user("u", readAll), asGroup: "is a user"},
		{name: "user inside a program role", role: user("u", program), asUser: `member of "pg_execute_server_program"`, asGroup: "is a user"},
		{name: "user inside a superuser", role: user("u", super), asUser: `member of "boss"`, asGroup: "is a user"},
		{name: "user inside the bootstrap role", role: user("u", bootstrap), asUser: `member of "rsdata"`, asGroup: "is a user"},
		{name: "missing role", role: missing, groupMiss: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check := func(what string, err error, want string) {
				t.Helper()
				if want == "" {
					if err != nil {
						t.Errorf("%s: %v, want usable", what, err)
					}
					return
				}
				var u *dbcreds.UnusableError
				if !errors.As(err, &u) || !errors.Is(err, dbcreds.ErrRoleNotUsable) || !contains(u.Reason, want) {
					t.Errorf("%s: %v, want an UnusableError saying %q", what, err, want)
				}
			}
			check("CheckDbUser", dbcreds.CheckDbUser(tc.role), tc.asUser)
			err := dbcreds.CheckGroup(tc.role)
			if tc.groupMiss {
				if !errors.Is(err, dbcreds.ErrGroupNotFound) {
					t.Errorf("CheckGroup: %v, want ErrGroupNotFound", err)
				}
				return
			}
			check("CheckGroup", err, tc.asGroup)
			if u := (*dbcreds.UnusableError)(nil); errors.As(err, &u) && !u.Group {
				t.Errorf("CheckGroup's error does not say it is about a group: %+v", u)
			}
		})
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
