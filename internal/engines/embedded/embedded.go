// Package embedded runs PostgreSQL server processes that rsdata owns: it finds
// the server binaries, creates a data directory on first start, runs the
// postmaster as a supervised child (as a system user, "postgres" unless
// Options.OSUser says otherwise, when rsdata runs as root, because PostgreSQL
// refuses to run as root), restarts it when it dies, and stops it on shutdown.
// Every child it starts gets ChildEnv's minimal environment.
//
// The same code serves `rsdata serve` (the embedded cluster, workgroup and
// control store) and the tests (one throwaway server per package), so what the
// tests exercise is what users run.
package embedded

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNoBinaries is returned when no PostgreSQL server binaries can be found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, postgres) not found: " +
	"install them (Debian/Ubuntu: apt-get install -y postgresql; macOS: brew install postgresql), " +
	"set RSDATA_PG_BINDIR to their directory, or register an external PostgreSQL-wire engine " +
	"instead (see `rsdata serve --help`, flags --cluster/--workgroup and --no-embedded)")

// Options configures one embedded PostgreSQL server.
type Options struct {
	// Name identifies the server in logs ("cluster local", "control", ...).
	Name string
	// DataDir is the PostgreSQL data directory (PGDATA). It is created and
	// initialised when it does not hold a cluster yet.
	DataDir string
	// SocketDir holds the Unix-domain socket. Its path must be short (the
	// kernel limits socket paths to about 107 bytes). rsdata itself always
	// connects through this socket. With LocalTrust local connections are
	// trusted, so it can log in as any role without knowing a password; only
	// the OS user running PostgreSQL (and root) can open it.
	SocketDir string
	// Port is the preferred TCP port; when it is 0 or taken, a free one is
	// chosen. With ListenTCP false the port still names the socket file.
	Port int
	// ListenTCP makes the server accept TCP connections on 127.0.0.1 (with
	// SCRAM password authentication). The control store leaves it off so no
	// database user can reach it.
	ListenTCP bool
	// BinDir holds initdb and postgres; empty means FindBinDir.
	BinDir string
	// SuperUser is the bootstrap superuser created by initdb.
	SuperUser string
	// LocalAuth is how the Unix socket authenticates: LocalTrust (the
	// default) or LocalSCRAM, which asks every local connection for a
	// password, SuperUser's being Password. A data directory created with
	// trust keeps it until RequireLocalPassword is called, so that the
	// caller can first give SuperUser its password.
	LocalAuth string
	// Password is SuperUser's password, required with LocalSCRAM: initdb
	// sets it on a new data directory and ConnString carries it.
	Password string
	// OSUser is the system user the server runs as when rsdata runs as
	// root (PostgreSQL refuses to run as root); "postgres" by default. With
	// CreateOSUser a missing user is created as a system account without
	// home or shell (useradd --system --no-create-home --shell
	// /usr/sbin/nologin). The data and socket directories are given to it
	// (mode 0700), so other system users, such as the one running the
	// other servers, cannot read them. Ignored when rsdata is not root: the
	// server then runs as rsdata's own user.
	OSUser       string
	CreateOSUser bool
	// Settings are extra postgresql.conf parameters passed as -c name=value.
	Settings map[string]string
	// NoSync skips fsync in initdb and at run time; for tests only.
	NoSync bool
	// LogFile receives the server's stderr; empty means DataDir + ".log".
	LogFile string
	Logger  *slog.Logger

	// beforeLaunch, when set, runs with the chosen port just before the
	// postmaster starts (tests take the port there, as another process
	// might).
	beforeLaunch func(port int)
}

// Local authentication methods (LocalAuth).
const (
	LocalTrust = "trust"
	LocalSCRAM = "scram-sha-256"
)

// Instance is a running, supervised PostgreSQL server.
type Instance struct {
	opts   Options
	binDir string
	port   int
	runAs  *syscall.Credential

	mu       sync.Mutex
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the current postmaster exits
	stopping bool
	restarts int
	// restarting is true from an unexpected exit until the restarted
	// server accepts connections.
	restarting bool
	done       chan struct{} // closed when supervision has ended
}

// FindBinDir locates a directory holding both initdb and postgres. It tries
// RSDATA_PG_BINDIR, `pg_config --bindir`, PATH, then the distributions'
// versioned directories (newest version first).
func FindBinDir() (string, error) {
	var candidates []string
	if d := os.Getenv("RSDATA_PG_BINDIR"); d != "" {
		candidates = append(candidates, d)
	}
	pgConfig := exec.Command("pg_config", "--bindir")
	pgConfig.Env = ChildEnv(os.Getenv)
	if out, err := pgConfig.Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			candidates = append(candidates, filepath.Dir(real))
		}
		candidates = append(candidates, filepath.Dir(p))
	}
	for _, pattern := range []string{
		"/usr/lib/postgresql/*/bin", // Debian, Ubuntu
		"/usr/pgsql-*/bin",          // RHEL, Fedora (PGDG)
		"/opt/homebrew/opt/postgresql@*/bin",
		"/usr/local/opt/postgresql@*/bin",
	} {
		matches, _ := filepath.Glob(pattern)
		sort.Slice(matches, func(i, j int) bool { return versionOf(matches[i]) > versionOf(matches[j]) })
		candidates = append(candidates, matches...)
	}
	candidates = append(candidates, "/usr/local/pgsql/bin", "/usr/local/bin", "/usr/bin")
	for _, dir := range candidates {
		if isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

func versionOf(dir string) int {
	for _, part := range strings.Split(dir, string(filepath.Separator)) {
		part = strings.TrimPrefix(strings.TrimPrefix(part, "pgsql-"), "postgresql@")
		if n, err := strconv.Atoi(part); err == nil {
			return n
		}
	}
	return 0
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// Start initialises the data directory if needed, starts the postmaster,
// waits until it accepts connections and supervises it until Stop. ctx bounds
// only the start-up; the server keeps running after ctx ends.
func Start(ctx context.Context, opts Options) (*Instance, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.SuperUser == "" {
		opts.SuperUser = "postgres"
	}
	if opts.LocalAuth == "" {
		opts.LocalAuth = LocalTrust
	}
	if opts.LocalAuth != LocalTrust && opts.LocalAuth != LocalSCRAM {
		return nil, fmt.Errorf("embedded: unknown LocalAuth %q", opts.LocalAuth)
	}
	if opts.LocalAuth == LocalSCRAM && opts.Password == "" {
		return nil, fmt.Errorf("embedded: LocalAuth %s needs a Password", LocalSCRAM)
	}
	if opts.OSUser == "" {
		opts.OSUser = "postgres"
	}
	if opts.LogFile == "" {
		opts.LogFile = filepath.Clean(opts.DataDir) + ".log"
	}
	binDir := opts.BinDir
	if binDir == "" {
		var err error
		if binDir, err = FindBinDir(); err != nil {
			return nil, err
		}
	}
	inst := &Instance{opts: opts, binDir: binDir, done: make(chan struct{})}
	if os.Geteuid() == 0 {
		cred, err := osUser(opts.OSUser, opts.CreateOSUser)
		if err != nil {
			return nil, err
		}
		inst.runAs = cred
	}
	if err := inst.prepareDirs(); err != nil {
		return nil, err
	}
	if err := inst.initdb(ctx); err != nil {
		return nil, err
	}
	if err := inst.waitForStalePostmaster(ctx); err != nil {
		return nil, err
	}
	inst.port = opts.Port
	if inst.port == 0 || (opts.ListenTCP && !portFree(inst.port)) {
		if opts.Port != 0 {
			opts.Logger.Info("preferred PostgreSQL port is taken, choosing another", "server", opts.Name, "port", opts.Port)
		}
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		inst.port = p
	}
	// A port found free may be taken by another process before the
	// postmaster binds it; it then exits at once, and another port is
	// tried (a few times: a steady failure is not a race).
	for attempt := 1; ; attempt++ {
		if opts.beforeLaunch != nil {
			opts.beforeLaunch(inst.port)
		}
		if err := inst.launch(); err != nil {
			return nil, err
		}
		err := inst.waitReady(ctx)
		if err == nil {
			break
		}
		// errPortTaken comes only once the postmaster has exited.
		if !errors.Is(err, errPortTaken) || !opts.ListenTCP || attempt == portAttempts {
			_ = inst.Stop(context.Background())
			return nil, err
		}
		p, perr := freePort()
		if perr != nil {
			return nil, err
		}
		opts.Logger.Warn("PostgreSQL's port was taken before it could bind it; trying another", "server", opts.Name,
			"port", inst.port, "next", p)
		inst.port = p
	}
	go inst.supervise()
	return inst, nil
}

// portAttempts is how many ports Start tries when the one it chose is
// taken between the choice and the postmaster's bind.
const portAttempts = 3

// errPortTaken says the postmaster exited because its TCP port was in use.
var errPortTaken = errors.New("the port is in use")

func (i *Instance) initdb(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(i.opts.DataDir, "PG_VERSION")); err == nil {
		return nil
	}
	args := []string{"-D", i.opts.DataDir, "-U", i.opts.SuperUser, "-E", "UTF8", "--locale=C",
		"--auth-local=" + i.opts.LocalAuth, "--auth-host=scram-sha-256"}
	if i.opts.NoSync {
		args = append(args, "--no-sync")
	}
	if i.opts.Password != "" {
		// initdb reads the password from a file, kept in the socket
		// directory (mode 0700, the server's user's) for as long as it
		// runs; it never appears in SQL or on a command line.
		pwfile := filepath.Join(i.opts.SocketDir, ".initdb-pw")
		if err := os.WriteFile(pwfile, []byte(i.opts.Password+"\n"), 0o600); err != nil {
			return err
		}
		defer os.Remove(pwfile)
		if i.runAs != nil {
			if err := os.Chown(pwfile, int(i.runAs.Uid), int(i.runAs.Gid)); err != nil {
				return err
			}
		}
		args = append(args, "--pwfile="+pwfile)
	}
	cmd := i.command("initdb", args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("initdb for %s failed: %w\n%s", i.opts.Name, err, out)
	}
	i.opts.Logger.Info("created PostgreSQL data directory", "server", i.opts.Name, "dir", i.opts.DataDir)
	return ctx.Err()
}

// waitForStalePostmaster handles a postmaster left from a previous rsdata
// that was killed: it is asked to stop and given time to finish.
func (i *Instance) waitForStalePostmaster(ctx context.Context) error {
	pidFile := filepath.Join(i.opts.DataDir, "postmaster.pid")
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return nil
	}
	line, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 || syscall.Kill(pid, 0) != nil {
		return nil // stale file; postgres removes it itself
	}
	if !strings.Contains(readCmdline(pid), "postgres") {
		return nil
	}
	i.opts.Logger.Warn("stopping a PostgreSQL left running by an earlier rsdata", "server", i.opts.Name, "pid", pid)
	_ = syscall.Kill(pid, syscall.SIGINT)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if syscall.Kill(pid, 0) != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("PostgreSQL (pid %d) from an earlier run still holds %s", pid, i.opts.DataDir)
}

func readCmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return string(b)
}

func (i *Instance) launch() error {
	listen := ""
	if i.opts.ListenTCP {
		listen = "127.0.0.1"
	}
	args := []string{"-D", i.opts.DataDir, "-p", strconv.Itoa(i.port), "-k", i.opts.SocketDir,
		"-c", "listen_addresses=" + listen}
	settings := map[string]string{}
	if i.opts.NoSync {
		settings["fsync"] = "off"
		settings["synchronous_commit"] = "off"
		settings["full_page_writes"] = "off"
	}
	for k, v := range i.opts.Settings {
		settings[k] = v
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "-c", k+"="+settings[k])
	}
	logFile, err := os.OpenFile(i.opts.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open PostgreSQL log: %w", err)
	}
	cmd := i.command("postgres", args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start PostgreSQL %s: %w", i.opts.Name, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(exited)
	}()
	i.mu.Lock()
	i.cmd, i.exited = cmd, exited
	i.mu.Unlock()
	i.opts.Logger.Info("PostgreSQL started", "server", i.opts.Name, "pid", cmd.Process.Pid, "port", i.port)
	return nil
}

// waitReady polls until the server accepts a connection on its socket.
func (i *Instance) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	i.mu.Lock()
	exited := i.exited
	i.mu.Unlock()
	for {
		conn, err := pgconn.Connect(ctx, i.ConnString(i.opts.SuperUser, "postgres"))
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		// A wrong password will not get better by waiting.
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "28P01" {
			return fmt.Errorf("PostgreSQL %s refused %s's password: %w", i.opts.Name, i.opts.SuperUser, err)
		}
		select {
		case <-exited:
			last := tail(i.opts.LogFile, 15)
			if strings.Contains(last, "Address already in use") {
				return fmt.Errorf("PostgreSQL %s exited during start-up (%w); last lines of %s:\n%s",
					i.opts.Name, errPortTaken, i.opts.LogFile, last)
			}
			return fmt.Errorf("PostgreSQL %s exited during start-up; last lines of %s:\n%s",
				i.opts.Name, i.opts.LogFile, last)
		case <-ctx.Done():
			return fmt.Errorf("PostgreSQL %s did not accept connections: %w", i.opts.Name, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(io.LimitReader(f, 1<<20))
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// supervise restarts the postmaster whenever it exits unexpectedly, with a
// growing pause between attempts so a server that cannot start does not spin.
func (i *Instance) supervise() {
	defer close(i.done)
	backoff := 200 * time.Millisecond
	for {
		i.mu.Lock()
		exited := i.exited
		i.mu.Unlock()
		<-exited
		i.mu.Lock()
		stopping := i.stopping
		i.mu.Unlock()
		if stopping {
			return
		}
		i.mu.Lock()
		i.restarting = true
		i.mu.Unlock()
		i.opts.Logger.Error("PostgreSQL exited unexpectedly; restarting", "server", i.opts.Name, "backoff", backoff)
		time.Sleep(backoff)
		i.mu.Lock()
		stopping = i.stopping
		if !stopping {
			i.restarts++
		}
		i.mu.Unlock()
		if stopping {
			return
		}
		if err := i.launch(); err != nil {
			i.opts.Logger.Error("PostgreSQL restart failed", "server", i.opts.Name, "err", err)
			backoff = min(backoff*2, 10*time.Second)
			// Keep the loop going on a closed channel so we retry.
			ch := make(chan struct{})
			close(ch)
			i.mu.Lock()
			i.exited = ch
			i.mu.Unlock()
			continue
		}
		if err := i.waitReady(context.Background()); err == nil {
			backoff = 200 * time.Millisecond
			i.mu.Lock()
			i.restarting = false
			i.mu.Unlock()
		} else {
			backoff = min(backoff*2, 10*time.Second)
		}
	}
}

// Port is the TCP port (or the socket's port number when TCP is off).
func (i *Instance) Port() int { return i.port }

// SocketDir is the directory holding the Unix-domain socket.
func (i *Instance) SocketDir() string { return i.opts.SocketDir }

// SuperUser is the bootstrap superuser's name.
func (i *Instance) SuperUser() string { return i.opts.SuperUser }

// Restarts counts how often supervision restarted the server.
func (i *Instance) Restarts() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.restarts
}

// PID is the current postmaster's process id.
func (i *Instance) PID() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.cmd == nil || i.cmd.Process == nil {
		return 0
	}
	return i.cmd.Process.Pid
}

// ConnString is a libpq connection string reaching the server through its
// Unix socket as the given role, with Options.Password when there is one
// (it is SuperUser's; the socket trusts everyone with LocalTrust).
func (i *Instance) ConnString(user, database string) string {
	cs := fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
		quoteConnValue(i.opts.SocketDir), i.port, quoteConnValue(user), quoteConnValue(database))
	if i.opts.Password != "" {
		cs += " password=" + quoteConnValue(i.opts.Password)
	}
	return cs
}

func quoteConnValue(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// Stop shuts the server down with PostgreSQL's fast shutdown (active
// sessions are rolled back, everything committed is on disk) and waits for
// it, escalating to an immediate shutdown when ctx ends first.
func (i *Instance) Stop(ctx context.Context) error {
	i.mu.Lock()
	i.stopping = true
	cmd, exited := i.cmd, i.exited
	i.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-exited:
	case <-ctx.Done():
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		<-exited
	}
	return nil
}

func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
