package embedded

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rsdata/rsdata/internal/dbcreds"
	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/ids"
	"github.com/rsdata/rsdata/internal/scram"
	"github.com/rsdata/rsdata/internal/secretfile"
)

// bootstrapUser is the superuser initdb creates in every server of a
// site; rsdata uses it, over the server's own socket only, for
// administration.
const bootstrapUser = "rsdata"

// passwordAlphabet leaves out characters that are easily misread.
const passwordAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// Site is the set of PostgreSQL servers `rsdata serve` runs in one data
// directory, and what makes each one what it is: the control store, and
// the engines that look like a fresh Redshift (database dev and a master
// user whose password is kept in master-users.json). It owns their data
// and socket directories and stops them in reverse order.
type Site struct {
	dataDir    string
	log        *slog.Logger
	progress   io.Writer
	servers    []*Instance
	logins     map[string]MasterLogin
	loginsFile string
	ports      map[string]keptPort
	portsFile  string
	engines    map[string]*Instance // by "cluster/local"
}

// SiteOptions configures OpenSite.
type SiteOptions struct {
	DataDir string
	Logger  *slog.Logger
	// Progress receives one line per server as it starts ("creating
	// cluster local..."), since a first start initialises each one and
	// takes several seconds; nil discards them.
	Progress io.Writer
}

// keptPort is the TCP port an engine got, kept in ports.json so that a
// restart finds it where saved connection strings point, and the port
// the configuration asked for then: a changed request wins over the kept
// port.
type keptPort struct {
	Requested int `json:"requested"`
	Port      int `json:"port"`
}

// MasterLogin is a master user's password, kept in the data dir so psql
// users can log in; it is printed once, when created.
type MasterLogin struct {
	User     string `json:"user"`
	Password string `json:"password"`
	// Shown records that the start-up banner printed the password, so a
	// first start interrupted before its banner shows it on the next start.
	Shown bool `json:"shown"`
}

// EngineSpec is one engine of a site: a cluster or a workgroup, its master
// user, and the TCP port it prefers.
type EngineSpec struct {
	Kind       engines.Kind
	Name       string
	MasterUser string
	Port       int
}

// OpenSite returns the site of opts.DataDir, reading the master passwords
// and ports kept there. It starts nothing.
func OpenSite(opts SiteOptions) (*Site, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	s := &Site{dataDir: opts.DataDir, log: opts.Logger, progress: opts.Progress, logins: map[string]MasterLogin{},
		loginsFile: filepath.Join(opts.DataDir, "master-users.json"),
		ports:      map[string]keptPort{}, portsFile: filepath.Join(opts.DataDir, "ports.json"),
		engines: map[string]*Instance{}}
	if err := secretfile.Read(s.loginsFile, &s.logins); err != nil {
		return nil, fmt.Errorf("%s: %w", s.loginsFile, err)
	}
	if err := secretfile.Read(s.portsFile, &s.ports); err != nil {
		return nil, fmt.Errorf("%s: %w", s.portsFile, err)
	}
	return s, nil
}

// LoginsFile is the file holding the master users' passwords.
func (s *Site) LoginsFile() string { return s.loginsFile }

// Logins returns the master users by engine ("cluster/local"), in key
// order.
func (s *Site) Logins() []NamedLogin {
	out := make([]NamedLogin, 0, len(s.logins))
	for key, l := range s.logins {
		out = append(out, NamedLogin{Key: key, MasterLogin: l})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// NamedLogin is a master user with the engine it belongs to.
type NamedLogin struct {
	Key string // "cluster/local"
	MasterLogin
}

// MarkShown records that every master password has been printed.
func (s *Site) MarkShown() error {
	if len(s.logins) == 0 {
		return nil
	}
	for key, l := range s.logins {
		l.Shown = true
		s.logins[key] = l
	}
	return secretfile.Write(s.loginsFile, s.logins)
}

// Stop stops every server of the site, the last started first, each
// within ctx (or 60 s when ctx has no deadline).
func (s *Site) Stop(ctx context.Context) {
	for i := len(s.servers) - 1; i >= 0; i-- {
		sctx, cancel := ctx, context.CancelFunc(func() {})
		if _, ok := ctx.Deadline(); !ok {
			sctx, cancel = context.WithTimeout(ctx, 60*time.Second)
		}
		_ = s.servers[i].Stop(sctx)
		cancel()
	}
	s.servers = nil
}

// socketDir returns a directory for a server's socket whose path stays
// within the kernel's limit for socket paths.
func (s *Site) socketDir(name string) string {
	dir := filepath.Join(s.dataDir, "run", name)
	if len(dir) < 80 {
		return dir
	}
	sum := sha256.Sum256([]byte(s.dataDir))
	return filepath.Join(os.TempDir(), "rsdata-"+hex.EncodeToString(sum[:6]), name)
}

// start starts one server of the site; opts gives its Port, ListenTCP,
// Settings and authentication, the rest is filled in here. what names it
// in the progress line ("cluster local").
func (s *Site) start(ctx context.Context, name, what string, opts Options) (*Instance, error) {
	opts.Name = name
	opts.DataDir = filepath.Join(s.dataDir, "pg", name)
	if _, err := os.Stat(filepath.Join(opts.DataDir, "PG_VERSION")); err != nil {
		fmt.Fprintf(s.progress, "Initialising %s (first start, a few seconds)...\n", what)
	} else {
		fmt.Fprintf(s.progress, "Starting %s...\n", what)
	}
	opts.SocketDir = s.socketDir(name)
	opts.SuperUser = bootstrapUser
	opts.Logger = s.log
	inst, err := Start(ctx, opts)
	if err != nil {
		return nil, err
	}
	s.servers = append(s.servers, inst)
	return inst, nil
}

// StartEngine runs a cluster or workgroup and makes it look like a fresh
// Redshift: database dev, a master user (Redshift's superuser, not
// PostgreSQL's; see bootstrapEngine), and PUBLIC allowed to create in
// schema public as Redshift allows. A new master password is saved before
// it returns, so a start interrupted later does not lose a password
// PostgreSQL already uses.
//
// The engine's advertised port (the one kept in ports.json, which saved
// connection strings point at) is bound here and returned as front, for
// rsdata's PostgreSQL wire front to serve; the server itself listens on
// another loopback port, chosen afresh on each start and told to no
// client (the Endpoint's BackendPort). On error front is closed.
func (s *Site) StartEngine(ctx context.Context, e EngineSpec) (_ *engines.Endpoint, _ net.Listener, err error) {
	// The engine's socket trusts local connections: rsdata logs in
	// through it as each user without knowing passwords. That is safe
	// because no login rsdata hands out is a PostgreSQL superuser (the
	// master user is not, temporary users are not, and neither may be a
	// member of one; see dbcreds.CheckDbUser), so no session can run a
	// program or open a file as the server's OS user to reach the socket;
	// and the directory holding it is the server's OS user's alone. The
	// front reaches the server over TCP, where PostgreSQL asks every login
	// for its password.
	key := string(e.Kind) + "/" + e.Name
	front, err := s.listenFront(key, e.Port)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			front.Close()
		}
	}()
	inst, err := s.start(ctx, string(e.Kind)+"-"+e.Name, string(e.Kind)+" "+e.Name, Options{
		Port: 0, ListenTCP: true,
		Settings: map[string]string{"max_connections": "300", "shared_buffers": "64MB"},
	})
	if err != nil {
		return nil, nil, err
	}
	login, existed := s.logins[key]
	if !existed {
		login = MasterLogin{User: e.MasterUser, Password: ids.Token(24, passwordAlphabet)}
	}
	if err := bootstrapEngine(ctx, inst, login); err != nil {
		return nil, nil, fmt.Errorf("prepare %s %s: %w", e.Kind, e.Name, err)
	}
	s.logins[key] = login
	if err := secretfile.Write(s.loginsFile, s.logins); err != nil {
		return nil, nil, err
	}
	s.engines[key] = inst
	return &engines.Endpoint{
		Kind: e.Kind, Name: e.Name, Host: FrontHost, Port: front.Addr().(*net.TCPAddr).Port,
		BackendHost: "127.0.0.1", BackendPort: inst.Port(), SocketDir: inst.SocketDir(),
		AdminUser: bootstrapUser, MasterUser: login.User, Database: "dev", Embedded: true,
		Dialect: dialect.Redshift,
	}, front, nil
}

// FrontHost is the address the engines' PostgreSQL endpoints listen on and
// are advertised with (DescribeClusters, GetWorkgroup, the banner).
const FrontHost = "127.0.0.1"

// listenFront binds engine key's advertised port on FrontHost: the port
// portFor names, or any free one when that is 0 or taken. The port bound
// is kept in ports.json.
func (s *Site) listenFront(key string, requested int) (net.Listener, error) {
	port := s.portFor(key, requested)
	ln, err := net.Listen("tcp", net.JoinHostPort(FrontHost, strconv.Itoa(port)))
	if err != nil && port != 0 {
		s.log.Info("preferred PostgreSQL port is taken, choosing another", "engine", key, "port", port)
		ln, err = net.Listen("tcp", net.JoinHostPort(FrontHost, "0"))
	}
	if err != nil {
		return nil, fmt.Errorf("listen for %s: %w", key, err)
	}
	if kept := (keptPort{Requested: requested, Port: ln.Addr().(*net.TCPAddr).Port}); s.ports[key] != kept {
		s.ports[key] = kept
		if err := secretfile.Write(s.portsFile, s.ports); err != nil {
			ln.Close()
			return nil, err
		}
	}
	return ln, nil
}

// portFor is the port engine key asks for: the one it got on an earlier
// start while the configuration asks for the same port as then (a port
// chosen because the requested one was taken, or because 0 was requested,
// stays put) and it is free; otherwise the requested one, listenFront
// choosing another when that is 0 or taken.
func (s *Site) portFor(key string, requested int) int {
	kept, ok := s.ports[key]
	if ok && kept.Requested == requested && kept.Port != 0 && (kept.Port == requested || portFree(kept.Port)) {
		return kept.Port
	}
	return requested
}

func bootstrapEngine(ctx context.Context, inst *Instance, login MasterLogin) error {
	conn, err := pgx.Connect(ctx, inst.ConnString(bootstrapUser, "postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'dev')`).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := conn.Exec(ctx, `CREATE DATABASE dev`); err != nil {
			return err
		}
	}
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, login.User).Scan(&exists); err != nil {
		return err
	}
	verifier, err := scram.Verifier(login.Password)
	if err != nil {
		return err
	}
	role := pgx.Identifier{login.User}.Sanitize()
	// The master user is Redshift's superuser, not PostgreSQL's: Redshift
	// has no COPY ... TO PROGRAM, no pg_read_file and no server-side file
	// access, and a PostgreSQL superuser has all of them (and could reach
	// every other server rsdata runs). It gets what a Redshift superuser
	// uses instead (masterAttrs, masterGrants, owning dev) and nothing that
	// leads to PostgreSQL's superuser: no SUPERUSER, and no CREATEROLE,
	// which on PostgreSQL 15 lets a role grant itself any predefined role
	// such as pg_execute_server_program. The attributes are set on every
	// start, so a data dir made when the master was a superuser is brought
	// down to this. The verifier, not the password, is what appears in SQL
	// text; it too is set on every start, so the stored password is the one
	// that works even when an earlier first start was interrupted after
	// creating the role.
	ddl := `ALTER ROLE ` + role + ` ` + masterAttrs + ` PASSWORD '` + verifier + `'`
	if !exists {
		ddl = `CREATE ROLE ` + role + ` ` + masterAttrs + ` PASSWORD '` + verifier + `'`
	}
	if _, err := conn.Exec(ctx, ddl); err != nil {
		return err
	}
	// pg_read_all_data and pg_write_all_data: read and write every table,
	// whoever made it, as a Redshift superuser does. pg_signal_backend:
	// cancel or end another user's session (pg_cancel_backend,
	// pg_terminate_backend), as a Redshift superuser does; on PostgreSQL 15
	// it reaches only backends of non-superusers, so never rsdata's own
	// admin sessions. None of the three lets a session run a program or
	// touch a server file.
	for _, g := range dbcreds.MasterGrants {
		if _, err := conn.Exec(ctx, `GRANT `+pgx.Identifier{g}.Sanitize()+` TO `+role); err != nil {
			return err
		}
	}
	// Owning dev makes the master its schema public's owner too: on
	// PostgreSQL 15 public belongs to pg_database_owner, the database's
	// owner.
	if _, err := conn.Exec(ctx, `ALTER DATABASE dev OWNER TO `+role); err != nil {
		return err
	}
	dev, err := pgx.Connect(ctx, inst.ConnString(bootstrapUser, "dev"))
	if err != nil {
		return err
	}
	defer dev.Close(ctx)
	// PostgreSQL 15 stopped letting PUBLIC create in schema public; Redshift
	// still does.
	_, err = dev.Exec(ctx, `GRANT CREATE, USAGE ON SCHEMA public TO PUBLIC`)
	return err
}

// masterAttrs are the master user's role attributes: CREATEDB, as a
// Redshift superuser creates databases; none of PostgreSQL's that lead to
// its superuser. Creating users is done by rsdata on the master's behalf.
const masterAttrs = "LOGIN INHERIT NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"

// controlLogin is the control store's bootstrap password, kept in the
// data dir (mode 0600, the user running rsdata) and nowhere else.
type controlLogin struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// StartControl runs the control store's server, which holds IAM users,
// their keys and Secrets Manager's secrets, as far from every database
// login as rsdata can put it:
//   - Unix socket only (no TCP), in a directory only its OS user can open;
//   - that socket asks for a password (SCRAM), even of local processes, and
//     only rsdata knows it: a data dir made when the socket trusted
//     everyone is given the password and switched over on start;
//   - when rsdata runs as root, it runs as its own system user
//     (osUser, created if missing) rather than as postgres,
//     which runs the clusters, and its data dir is that user's alone
//     (0700), so a cluster's processes can read none of it.
func (s *Site) StartControl(ctx context.Context, osUser string) (string, error) {
	path := filepath.Join(s.dataDir, "control-store.json")
	var login controlLogin
	if err := secretfile.Read(path, &login); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	fresh := login.Password == ""
	if fresh {
		login = controlLogin{User: bootstrapUser, Password: ids.Token(32, passwordAlphabet)}
		if err := secretfile.Write(path, login); err != nil {
			return "", err
		}
	}
	inst, err := s.start(ctx, "control", "the control store", Options{
		Settings:  map[string]string{"max_connections": "100", "shared_buffers": "32MB"},
		LocalAuth: LocalSCRAM, Password: login.Password,
		OSUser: osUser, CreateOSUser: true,
	})
	if err != nil {
		if !fresh {
			return "", err
		}
		return "", fmt.Errorf("%w (if the control store's data dir is older than %s, that file was lost: "+
			"the control store's password is gone with it)", err, path)
	}
	// A data dir created when the socket trusted everyone: the bootstrap
	// role gets its password (as a SCRAM verifier), then the socket asks
	// for it. Both steps are idempotent, so an interrupted start redoes
	// them.
	method, err := inst.LocalAuthInEffect()
	if err != nil {
		return "", err
	}
	if method != LocalSCRAM {
		verifier, err := scram.Verifier(login.Password)
		if err != nil {
			return "", err
		}
		conn, err := pgconn.Connect(ctx, inst.ConnString(bootstrapUser, "postgres"))
		if err != nil {
			return "", err
		}
		_, err = conn.Exec(ctx, `ALTER ROLE `+pgx.Identifier{bootstrapUser}.Sanitize()+` PASSWORD '`+verifier+`'`).ReadAll()
		conn.Close(ctx)
		if err != nil {
			return "", err
		}
		if err := inst.RequireLocalPassword(ctx); err != nil {
			return "", err
		}
	}
	conn, err := pgconn.Connect(ctx, inst.ConnString(bootstrapUser, "postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	res := conn.ExecParams(ctx, `SELECT 1 FROM pg_database WHERE datname = 'rsdata'`, nil, nil, nil, nil).Read()
	if res.Err != nil {
		return "", res.Err
	}
	if len(res.Rows) == 0 {
		if _, err := conn.Exec(ctx, `CREATE DATABASE rsdata`).ReadAll(); err != nil {
			return "", err
		}
	}
	return inst.ConnString(bootstrapUser, "rsdata"), nil
}
