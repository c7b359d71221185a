package main

// Attacks on the database side of a real `rsdata serve` (issue 9): a
// temporary user joining a privileged role through DbGroups, the master
// user acting as a PostgreSQL superuser, a cluster's processes reaching the
// control store, and secrets in the embedded servers' environment. Each
// test fails if its hole comes back.

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestDbGroupsCannotReachPrivilegedRoles is issue 9's first finding: an IAM
// user allowed GetClusterCredentials and CreateClusterUser on its own
// database user and JoinGroup on every group asked for DbGroups naming
// rsdata's superuser, the master user or a predefined role that runs
// programs, and became a superuser. Every such group is refused; a real
// group is joined, and the temporary user has no role attribute.
func TestDbGroupsCannotReachPrivilegedRoles(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})
	printed := s.PrintedEnv()
	root := awsEnv(t, printed)
	clusterPort := s.EnginePort("cluster", "local")

	// The operator, over the admin socket, makes a group with a table it may
	// read, and a user (a role with LOGIN, which is no group).
	s.adminPsql("cluster-local", "dev", `create group analysts; create user bob password 'bob-Secret-1';
		create table public.team_data (x int); insert into team_data values (42); grant select on team_data to analysts`)

	mustAWS := func(env []string, args ...string) {
		t.Helper()
		if res := awsCLI(t, env, args...); res.Code != 0 {
			t.Fatalf("aws %s: exit %d\nstderr: %s", strings.Join(args, " "), res.Code, res.Stderr)
		}
	}
	mustAWS(root, "iam", "create-user", "--user-name", "mallory")
	mustAWS(root, "iam", "put-user-policy", "--user-name", "mallory", "--policy-name", "own-db-user", "--policy-document", policyJSON(t,
		map[string]any{"Effect": "Allow", "Action": []string{"redshift:GetClusterCredentials", "redshift:CreateClusterUser"},
			"Resource": "arn:aws:redshift:us-east-1:" + accessAccount + ":dbuser:local/${aws:username}"},
		map[string]any{"Effect": "Allow", "Action": "redshift:JoinGroup", "Resource": "arn:aws:redshift:us-east-1:" + accessAccount + ":dbgroup:local/*"}))
	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	awsJSON(t, root, &key, "iam", "create-access-key", "--user-name", "mallory")
	mallory := withKeys(t, printed, key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey, "")
	creds := []string{"redshift", "get-cluster-credentials", "--cluster-identifier", "local", "--db-user", "mallory", "--auto-create"}

	// The direct way is refused by IAM, as before.
	awsDenied(t, mallory, "AccessDenied", "redshift", "get-cluster-credentials", "--cluster-identifier", "local", "--db-user", "awsuser")
	// The group way is refused by rsdata: a group is a group.
	for _, g := range []string{"rsdata", "awsuser", "admin", "bob", "pg_execute_server_program", "pg_read_server_files",
		"pg_write_server_files", "pg_read_all_data", "pg_signal_backend"} {
		res := awsCLI(t, mallory, append(creds, "--db-groups", g)...)
		if res.Code == 0 || !strings.Contains(res.Stderr, "(InvalidParameterValue)") || !strings.Contains(res.Stderr, "Database group "+g+" does not exist") {
			t.Errorf("get-cluster-credentials --db-groups %s: exit %d, stderr %q; want InvalidParameterValue", g, res.Code, res.Stderr)
		}
		// A privileged role among legitimate groups is refused as well.
		if res := awsCLI(t, mallory, append(creds, "--db-groups", "analysts", g)...); res.Code == 0 {
			t.Errorf("get-cluster-credentials --db-groups analysts %s succeeded", g)
		}
	}
	// Even root, whom IAM allows everything, gets no superuser as DbUser.
	for _, u := range []string{"rsdata", "pg_execute_server_program", "analysts"} {
		res := awsCLI(t, root, "redshift", "get-cluster-credentials", "--cluster-identifier", "local", "--db-user", u)
		if res.Code == 0 || !strings.Contains(res.Stderr, "(InvalidParameterValue)") {
			t.Errorf("root get-cluster-credentials --db-user %s: exit %d, stderr %q; want InvalidParameterValue", u, res.Code, res.Stderr)
		}
	}
	// Nor through the Data API, which logs DbUser in over the trusted socket.
	var sub struct{ Id string }
	awsJSON(t, root, &sub, "redshift-data", "execute-statement", "--cluster-identifier", "local", "--database", "dev",
		"--db-user", "rsdata", "--sql", "select current_user")
	if d := cliWait(t, root, sub.Id); d.Status != "FAILED" || !strings.Contains(d.Error, "cannot be used") {
		t.Errorf("execute-statement --db-user rsdata: %s %q; want FAILED, user cannot be used", d.Status, d.Error)
	}

	// A real group is joined, and the user is no more than its groups.
	var cc struct{ DbUser, DbPassword string }
	awsJSON(t, mallory, &cc, append(creds, "--db-groups", "analysts")...)
	if cc.DbUser != "IAMA:mallory:analysts" {
		t.Fatalf("DbUser = %q, want IAMA:mallory:analysts", cc.DbUser)
	}
	login := fmt.Sprintf("host=127.0.0.1 port=%d dbname=dev user=%s sslmode=disable", clusterPort, cc.DbUser)
	if got := mustPsql(t, login, cc.DbPassword, "select x from team_data"); got != "42" {
		t.Errorf("as %s: team_data = %q, want 42", cc.DbUser, got)
	}
	if got := mustPsql(t, login, cc.DbPassword, `select rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls
		from pg_roles where rolname = current_user`); got != "f|f|f|f|f" {
		t.Errorf("temporary user's rolsuper|rolcreatedb|rolcreaterole|rolreplication|rolbypassrls = %q, want all false", got)
	}
	for _, sql := range []string{"set role rsdata", "set role awsuser", "copy (select 1) to program 'id'", "select pg_read_file('/etc/passwd')"} {
		if res := psql(t, login, cc.DbPassword, sql); res.Code == 0 {
			t.Errorf("temporary user ran %q: %s", sql, res.Stdout)
		}
	}
}

// TestMasterUserIsNoPostgresSuperuser is issue 9's second finding: the
// master user was a PostgreSQL superuser, so it could run programs and read
// files as the server's OS user. It is Redshift's superuser instead: it
// creates databases, schemas and tables, reads every table and grants, and
// nothing more.
func TestMasterUserIsNoPostgresSuperuser(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})
	master := s.MasterLogins()["cluster/local"]
	cluster := fmt.Sprintf("host=127.0.0.1 port=%d user=%s dbname=dev sslmode=disable", s.EnginePort("cluster", "local"), master.User)

	if got := mustPsql(t, cluster, master.Password, "select rolsuper, rolcreaterole, rolcreatedb from pg_roles where rolname = current_user"); got != "f|f|t" {
		t.Errorf("master rolsuper|rolcreaterole|rolcreatedb = %q, want f|f|t", got)
	}
	for _, sql := range []string{
		"copy (select 1) to program 'id'",
		"select pg_read_file('/etc/passwd')",
		"select pg_read_binary_file('/proc/1/environ')",
		"copy (select 1) to '/tmp/rsdata-master-wrote-this'",
		"set role rsdata",
		"alter role awsuser superuser",
		"alter role awsuser createrole",
		"grant pg_execute_server_program to awsuser",
		"grant rsdata to awsuser",
		"create role x superuser",
	} {
		if res := psql(t, cluster, master.Password, sql); res.Code == 0 {
			t.Errorf("master user ran %q: %s", sql, res.Stdout)
		}
	}
	// Redshift's CREATE USER works for the master, which rsdata runs on its
	// behalf; the master still holds neither SUPERUSER nor CREATEROLE, and
	// the user it made neither.
	mustPsql(t, cluster, master.Password, "create user carol password 'Carol-pw-1'")
	if got := mustPsql(t, cluster, master.Password, "select rolname, rolsuper, rolcreaterole from pg_roles where rolname in ('awsuser', 'carol') order by 1"); got != "awsuser|f|f\ncarol|f|f" {
		t.Fatalf("after the attacks awsuser and carol rolname|rolsuper|rolcreaterole = %q", got)
	}

	// What a Redshift superuser does still works.
	s.adminPsql("cluster-local", "dev", "create user bob password 'Bob-pw-1'; create schema bobs authorization bob")
	bob := fmt.Sprintf("host=127.0.0.1 port=%d user=bob dbname=dev sslmode=disable", s.EnginePort("cluster", "local"))
	mustPsql(t, bob, "Bob-pw-1", "create table bobs.private (v text); insert into bobs.private values ('only bob')")
	for _, sql := range []string{
		"create database analytics",
		"create schema sales",
		"create table sales.orders (id int)",
		"insert into sales.orders values (1)",
		"grant usage on schema sales to bob",
		"grant select on sales.orders to bob",
		"insert into bobs.private values ('master wrote')",
		"select pg_cancel_backend(pid) from pg_stat_activity where usename = 'bob'",
	} {
		mustPsql(t, cluster, master.Password, sql)
	}
	if got := mustPsql(t, cluster, master.Password, "select count(*) from bobs.private"); got != "2" {
		t.Errorf("master reads bob's table: %q rows, want 2", got)
	}
	if got := mustPsql(t, bob, "Bob-pw-1", "select count(*) from sales.orders"); got != "1" {
		t.Errorf("bob reads what the master granted: %q, want 1", got)
	}
	analytics := fmt.Sprintf("host=127.0.0.1 port=%d user=%s dbname=analytics sslmode=disable", s.EnginePort("cluster", "local"), master.User)
	mustPsql(t, analytics, master.Password, "create table t (x int)")
	// The Data API as root runs as the master and sees everything too.
	c := s.RootClient()
	mustFinish(t, c, execute(t, c, onCluster("select * from bobs.private")))
}

// TestControlStoreUnreachableFromClusters is issue 9's third finding: the
// control store (IAM users, keys, secrets) trusted every local connection
// and ran as the clusters' OS user. Its socket now asks for a password,
// even of its own OS user, and when the test runs as root its files are
// closed to the clusters' user, postgres.
func TestControlStoreUnreachableFromClusters(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})
	ctl := s.EmbeddedServer("control")
	noPassword := []string{"-X", "-A", "-t", "-w", "-h", ctl.SocketDir, "-p", strconv.Itoa(ctl.Port), "-U", "rsdata", "-d", "rsdata", "-c", "select count(*) from iam_users"}
	env := append(cleanEnv("PG"), "PGPASSFILE="+filepath.Join(os.TempDir(), "rsd-e2e-no-such-pgpass"), "PGCONNECT_TIMEOUT=10")

	res := runCommand(t, env, psqlPath(t), noPassword...)
	if res.Code == 0 || !strings.Contains(res.Stderr, "password") {
		t.Errorf("psql to the control store without a password: exit %d, stderr %q; want a password failure", res.Code, res.Stderr)
	}
	if os.Geteuid() != 0 {
		t.Log("not root: the control store runs as this user; the OS-user checks need root")
		return
	}
	// The clusters' OS user can neither open the socket nor read the files.
	res = runCommand(t, env, "runuser", append([]string{"-u", "postgres", "--", psqlPath(t)}, noPassword...)...)
	if res.Code == 0 {
		t.Errorf("psql to the control store as postgres without a password succeeded: %s", res.Stdout)
	}
	dataDir := filepath.Join(s.DataDir, "pg", "control")
	for _, args := range [][]string{
		{"ls", dataDir},
		{"cat", filepath.Join(dataDir, "PG_VERSION")},
		{"cat", filepath.Join(dataDir, "pg_hba.conf")},
		{"ls", ctl.SocketDir},
		{"cat", filepath.Join(s.DataDir, "control-store.json")},
	} {
		res := runCommand(t, env, "runuser", append([]string{"-u", "postgres", "--"}, args...)...)
		if res.Code == 0 {
			t.Errorf("postgres ran %v: %s", args, res.Stdout)
		}
	}
	// Its own OS user, too, needs the password: the socket trusts no one.
	var owner string
	if st, err := os.Stat(dataDir); err == nil {
		owner = fileOwner(t, st)
	}
	if owner == "postgres" || owner == "root" || owner == "" {
		t.Fatalf("control data dir is owned by %q, want its own system user", owner)
	}
	res = runCommand(t, env, "runuser", append([]string{"-u", owner, "--", psqlPath(t)}, noPassword...)...)
	if res.Code == 0 || !strings.Contains(res.Stderr, "password") {
		t.Errorf("psql to the control store as %s without a password: exit %d, stderr %q; want a password failure", owner, res.Code, res.Stderr)
	}
}

// TestEmbeddedServersHoldNoSecretsInTheirEnvironment is issue 9's fourth
// finding: the embedded servers inherited rsdata's environment, so a
// session able to read /proc/<postmaster>/environ read
// RSDATA_ROOT_SECRET_ACCESS_KEY.
func TestEmbeddedServersHoldNoSecretsInTheirEnvironment(t *testing.T) {
	t.Parallel()
	const secret = "Env0Secret0Must0Not0Leak0000000000000000"
	s := startServe(t, serveOptions{Env: []string{"RSDATA_ROOT_ACCESS_KEY_ID=AKIAENVLEAKTEST00001", "RSDATA_ROOT_SECRET_ACCESS_KEY=" + secret,
		"RSDATA_CANARY=canary-value"}})
	for _, name := range []string{"control", "cluster-local", "workgroup-default"} {
		pid := s.EmbeddedServer(name).PID
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil {
			t.Fatalf("%s postmaster %d: %v", name, pid, err)
		}
		for _, kv := range strings.Split(string(b), "\x00") {
			if strings.HasPrefix(kv, "RSDATA_") || strings.HasPrefix(kv, "AWS_") || strings.Contains(kv, secret) || strings.Contains(kv, "canary-value") {
				t.Errorf("%s postmaster's environment holds %s", name, strings.SplitN(kv, "=", 2)[0])
			}
		}
	}
}

// fileOwner names the user owning the file st describes.
func fileOwner(t testing.TB, st os.FileInfo) string {
	t.Helper()
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		t.Fatalf("no owner for %s", st.Name())
	}
	u, err := user.LookupId(strconv.Itoa(int(sys.Uid)))
	if err != nil {
		return strconv.Itoa(int(sys.Uid))
	}
	return u.Username
}

// TestOlderDataDirIsMigrated starts rsdata on a data directory laid out as
// earlier versions left it (a superuser master user with CREATEROLE, a
// control store trusting local connections, owned by postgres, and no
// control-store.json) and expects every hole closed after the start, with
// the data kept.
func TestOlderDataDirIsMigrated(t *testing.T) {
	t.Parallel()
	dir := newDataDir(t)
	first := startServe(t, serveOptions{DataDir: dir})
	c := first.RootClient()
	id := execute(t, c, onCluster("select 'kept' as v"))
	mustFinish(t, c, id)
	first.adminPsql("cluster-local", "dev", "alter role awsuser superuser createrole")
	ctlSocket := first.EmbeddedServer("control").SocketDir
	if st := first.Stop(); st == nil || !st.Success() {
		t.Fatalf("first rsdata did not stop cleanly: %v", st)
	}

	// The older layout.
	ctlData := filepath.Join(dir, "pg", "control")
	hba := filepath.Join(ctlData, "pg_hba.conf")
	b, err := os.ReadFile(hba)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hba, []byte(strings.ReplaceAll(string(b), "scram-sha-256", "trust")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "control-store.json")); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		for _, d := range []string{ctlData, ctlSocket} {
			if res := runCommand(t, os.Environ(), "chown", "-R", "postgres:postgres", d); res.Code != 0 {
				t.Fatalf("chown %s: %s", d, res.Stderr)
			}
		}
	}

	second := startServe(t, serveOptions{DataDir: dir})
	master := second.MasterLogins()["cluster/local"]
	cluster := fmt.Sprintf("host=127.0.0.1 port=%d user=awsuser dbname=dev sslmode=disable", second.EnginePort("cluster", "local"))
	if got := mustPsql(t, cluster, master.Password, "select rolsuper, rolcreaterole from pg_roles where rolname = current_user"); got != "f|f" {
		t.Errorf("after the upgrade the master's rolsuper|rolcreaterole = %q, want f|f", got)
	}
	if res := psql(t, cluster, master.Password, "copy (select 1) to program 'id'"); res.Code == 0 {
		t.Error("after the upgrade the master user runs programs")
	}
	ctl := second.EmbeddedServer("control")
	env := append(cleanEnv("PG"), "PGPASSFILE="+filepath.Join(os.TempDir(), "rsd-e2e-no-such-pgpass"), "PGCONNECT_TIMEOUT=10")
	res := runCommand(t, env, psqlPath(t), "-X", "-w", "-h", ctl.SocketDir, "-p", strconv.Itoa(ctl.Port), "-U", "rsdata", "-d", "rsdata", "-c", "select 1")
	if res.Code == 0 || !strings.Contains(res.Stderr, "password") {
		t.Errorf("after the upgrade the control store takes a connection without a password: exit %d, stderr %q", res.Code, res.Stderr)
	}
	if st, err := os.Stat(filepath.Join(dir, "control-store.json")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("control-store.json after the upgrade: %v, %v; want mode 0600", st, err)
	}
	if os.Geteuid() == 0 {
		st, err := os.Stat(ctlData)
		if err != nil {
			t.Fatal(err)
		}
		if owner := fileOwner(t, st); owner == "postgres" || st.Mode().Perm() != 0o700 {
			t.Errorf("control data dir after the upgrade: owner %s, mode %v; want its own user, 0700", owner, st.Mode().Perm())
		}
	}
	// The control store's data survived: the first run's result is there.
	rows, _, _ := allRecords(t, second.RootClient(), id)
	if len(rows) != 1 || stringValue(t, rows[0][0]) != "kept" {
		t.Errorf("the first run's result after the upgrade: %+v", rows)
	}
}
