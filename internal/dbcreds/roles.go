package dbcreds

import (
	"fmt"
)

// RoleInfo describes a database role for CheckDbUser and CheckGroup.
type RoleInfo struct {
	Name   string
	Exists bool
	// Login is rolcanlogin: the role is a user, not a group.
	Login     bool
	Superuser bool
	// System marks the roles initdb created: the bootstrap superuser rsdata
	// administers the engine with, and PostgreSQL's predefined pg_* roles
	// (pg_execute_server_program, pg_read_server_files, ...).
	System bool
	// Master marks the engine's master user.
	Master bool
	// MemberOf holds every role whose privileges Name can take on through
	// membership (inherited, or with SET ROLE), transitively, without Name
	// itself. Their own MemberOf is empty.
	MemberOf []RoleInfo
}

// MasterGrants are the predefined roles the master user of an embedded
// engine is granted (read and write every table, signal non-superuser
// backends), which are what a Redshift superuser can do. A DbUser that is
// a member of them (the master user itself, say) is usable; any other
// predefined role makes it unusable.
var MasterGrants = []string{"pg_read_all_data", "pg_write_all_data", "pg_signal_backend"}

func isMasterGrant(name string) bool {
	for _, g := range MasterGrants {
		if g == name {
			return true
		}
	}
	return false
}

// UnusableError says why a role cannot be a DbUser or a DbGroup.
type UnusableError struct {
	Role string
	// Group is true when the role was asked for as a DbGroup.
	Group  bool
	Reason string
}

func (e *UnusableError) Error() string {
	what := "database user"
	if e.Group {
		what = "database group"
	}
	return fmt.Sprintf("%s %q cannot be used: %s", what, e.Role, e.Reason)
}

func (e *UnusableError) Is(target error) bool { return target == ErrRoleNotUsable }

// CheckDbUser decides whether temporary credentials may take on the
// privileges of the database user r (GetClusterCredentials' DbUser, the
// Data API's DbUser). A missing role is fine (nil): the caller decides
// what that means. Refused, as *UnusableError: superusers, the roles
// initdb created (rsdata's own bootstrap superuser, the pg_* roles), groups
// (a role without LOGIN: joining a group is DbGroups' business, and needs
// redshift:JoinGroup), and a role that is a member of a superuser or of a
// predefined role other than MasterGrants. The master user is a usable
// DbUser, as in Redshift, where it is the cluster's superuser: on an
// embedded engine it is not a PostgreSQL superuser.
func CheckDbUser(r RoleInfo) error {
	if !r.Exists {
		return nil
	}
	bad := func(reason string) error { return &UnusableError{Role: r.Name, Reason: reason} }
	switch {
	case r.Superuser:
		return bad("it is a superuser")
	case r.System:
		return bad("it is reserved by the database")
	case !r.Login:
		return bad("it is a group, not a user")
	}
	for _, m := range r.MemberOf {
		if m.Superuser || (m.System && !isMasterGrant(m.Name)) {
			return bad(fmt.Sprintf("it is a member of %q", m.Name))
		}
	}
	return nil
}

// CheckGroup decides whether temporary credentials may join r as one of
// their DbGroups. As in Redshift, a group is a group: r must exist
// (*NotFoundError otherwise) and be a role without LOGIN, not a superuser,
// not a role initdb created (rsdata's bootstrap superuser, the pg_* roles),
// not the master user, and not a member of any role that is one of these
// or a user. Anything else is an *UnusableError.
func CheckGroup(r RoleInfo) error {
	if !r.Exists {
		return &NotFoundError{Role: r.Name}
	}
	bad := func(reason string) error { return &UnusableError{Role: r.Name, Group: true, Reason: reason} }
	switch {
	case r.Superuser:
		return bad("it is a superuser")
	case r.System:
		return bad("it is reserved by the database")
	case r.Master:
		return bad("it is the master user")
	case r.Login:
		return bad("it is a user, not a group")
	}
	for _, m := range r.MemberOf {
		if m.Superuser || m.System || m.Master || m.Login {
			return bad(fmt.Sprintf("it is a member of %q", m.Name))
		}
	}
	return nil
}
