package embedded

// Who runs a server, and with what: the system user (postgres, or a
// dedicated one such as the control store's), the directories it alone
// may open, and the minimal environment of every child process.

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func osUser(name string, create bool) (*syscall.Credential, error) {
	u, err := user.Lookup(name)
	// Several rsdata processes starting at once may race to create the
	// user; useradd then fails in all but one (the user exists, or
	// /etc/passwd is locked), so each failure is followed by a look-up.
	for attempt := 0; err != nil && create && attempt < 10; attempt++ {
		cmd := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
			"--home-dir", "/nonexistent", "--comment", "rsdata embedded PostgreSQL", name)
		cmd.Env = ChildEnv(os.Getenv)
		out, uerr := cmd.CombinedOutput()
		if u, err = user.Lookup(name); err == nil {
			break
		}
		if attempt == 9 {
			return nil, fmt.Errorf("create system user %q for the embedded PostgreSQL: %v: %s", name, uerr, strings.TrimSpace(string(out)))
		}
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
	}
	if err != nil {
		return nil, fmt.Errorf("rsdata runs as root and PostgreSQL refuses to run as root, "+
			"so it runs the embedded server as the system user %q, which does not exist: %w "+
			"(installing the postgresql package creates the postgres user)", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// prepareDirs creates the data and socket directories and, when running as
// root, hands them to the postgres user and checks it can reach them.
func (i *Instance) prepareDirs() error {
	for _, dir := range []string{i.opts.DataDir, i.opts.SocketDir} {
		// Parents are created searchable (not readable) by others, so the
		// postgres user can pass through them when rsdata runs as root.
		if err := os.MkdirAll(filepath.Dir(dir), 0o711); err != nil {
			return fmt.Errorf("create %s: %w", filepath.Dir(dir), err)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
		if i.runAs == nil {
			continue
		}
		// A directory made for another system user (a data dir from before
		// the control store had its own user) is handed over whole.
		if err := chownTree(dir, i.runAs); err != nil {
			return fmt.Errorf("give %s to the system user %s: %w", dir, i.opts.OSUser, err)
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return err
		}
		if err := checkTraversable(filepath.Dir(dir)); err != nil {
			return err
		}
	}
	return nil
}

// chownTree gives dir, and when dir belonged to someone else everything
// below it, to cred's user.
func chownTree(dir string, cred *syscall.Credential) error {
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && sys.Uid == cred.Uid && sys.Gid == cred.Gid {
		return nil
	}
	return filepath.WalkDir(dir, func(path string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(cred.Uid), int(cred.Gid))
	})
}

// checkTraversable reports a clear error when a parent directory is closed to
// other users, which would stop the postgres user from reaching its data.
func checkTraversable(dir string) error {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return err
		}
		if st.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("directory %s is not searchable by other users, so the postgres system user "+
				"cannot reach the PostgreSQL data below it; choose a --data-dir outside it (for example /var/lib/rsdata) "+
				"or run `chmod o+x %s`", d, d)
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// defaultPath is the PATH of a child when rsdata has none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// ChildEnv is the whole environment of every process this package starts
// (initdb, postgres, pg_config): PATH, the C locale initdb is told to use
// anyway, and TZ when rsdata has one. Nothing else of rsdata's environment
// reaches them, because a PostgreSQL session that can read server files
// (/proc/<pid>/environ) would otherwise read rsdata's secrets, such as
// RSDATA_ROOT_SECRET_ACCESS_KEY. getenv is os.Getenv outside tests.
func ChildEnv(getenv func(string) string) []string {
	path := getenv("PATH")
	if path == "" {
		path = defaultPath
	}
	env := []string{"PATH=" + path, "LANG=C", "LC_ALL=C"}
	if tz := getenv("TZ"); tz != "" {
		env = append(env, "TZ="+tz)
	}
	return env
}

func (i *Instance) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(i.binDir, name), args...)
	cmd.Env = ChildEnv(os.Getenv)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Own process group: a terminal's Ctrl-C reaches rsdata only, which
		// then stops PostgreSQL in order after in-flight work.
		Setpgid: true,
		// If rsdata is killed outright, the postmaster shuts down fast
		// rather than lingering with the port and data directory.
		Pdeathsig: syscall.SIGINT,
	}
	if i.runAs != nil {
		cmd.SysProcAttr.Credential = i.runAs
		cmd.Dir = "/"
	}
	return cmd
}
