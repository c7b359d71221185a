package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rsdata/rsdata/internal/dbcreds"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/engines/embedded"
	"github.com/rsdata/rsdata/internal/ids"
	"github.com/rsdata/rsdata/internal/pgexec"
)

// bootstrapUser is the superuser initdb creates in every embedded server;
// rsdata uses it, over the trusted socket only, for administration.
const bootstrapUser = "rsdata"

// embeddedEngine describes one of the servers `rsdata serve` runs by default.
type embeddedEngine struct {
	kind       engines.Kind
	name       string
	masterUser string
	port       int
}

// masterLogin is a master user's password, kept in the data dir so psql
// users can log in; it is printed once, when created.
type masterLogin struct {
	User     string `json:"user"`
	Password string `json:"password"`
	// Shown records that the start-up banner printed the password, so a
	// first start interrupted before its banner shows it on the next start.
	Shown bool `json:"shown"`
}

// socketDir returns a directory for a server's socket whose path stays
// within the kernel's limit for socket paths.
func socketDir(dataDir, name string) string {
	dir := filepath.Join(dataDir, "run", name)
	if len(dir) < 80 {
		return dir
	}
	sum := sha256.Sum256([]byte(dataDir))
	return filepath.Join(os.TempDir(), "rsdata-"+hex.EncodeToString(sum[:6]), name)
}

// startEmbedded starts one embedded server; opts gives its Port,
// ListenTCP, Settings and authentication, the rest is filled in here.
func (a *App) startEmbedded(ctx context.Context, name string, opts embedded.Options) (*embedded.Instance, error) {
	opts.Name = name
	opts.DataDir = filepath.Join(a.cfg.DataDir, "pg", name)
	opts.SocketDir = socketDir(a.cfg.DataDir, name)
	opts.SuperUser = bootstrapUser
	opts.Logger = a.log
	inst, err := embedded.Start(ctx, opts)
	if err != nil {
		return nil, err
	}
	a.servers = append(a.servers, inst)
	return inst, nil
}

// startEngine runs an embedded cluster or workgroup and makes it look like
// a fresh Redshift: database dev, a master user (Redshift's superuser, not
// PostgreSQL's; see bootstrapEngine), and PUBLIC allowed to
// create in schema public as Redshift allows.
func (a *App) startEngine(ctx context.Context, e embeddedEngine, logins map[string]masterLogin) (*engines.Endpoint, error) {
	// The cluster's socket trusts local connections: rsdata logs in
	// through it as each user without knowing passwords. That is safe
	// because no login rsdata hands out is a PostgreSQL superuser (the
	// master user is not, temporary users are not, and neither may be a
	// member of one; see dbcreds.CheckDbUser), so no session can run a
	// program or open a file as the server's OS user to reach the socket;
	// and the directory holding it is the server's OS user's alone.
	inst, err := a.startEmbedded(ctx, string(e.kind)+"-"+e.name, embedded.Options{
		Port: e.port, ListenTCP: true,
		Settings: map[string]string{"max_connections": "300", "shared_buffers": "64MB"},
	})
	if err != nil {
		return nil, err
	}
	key := string(e.kind) + "/" + e.name
	login, existed := logins[key]
	if !existed {
		login = masterLogin{User: e.masterUser, Password: ids.Token(24, "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")}
	}
	if err := bootstrapEngine(ctx, inst, login); err != nil {
		return nil, fmt.Errorf("prepare %s %s: %w", e.kind, e.name, err)
	}
	logins[key] = login
	return &engines.Endpoint{
		Kind: e.kind, Name: e.name, Host: "127.0.0.1", Port: inst.Port(), SocketDir: inst.SocketDir(),
		AdminUser: bootstrapUser, MasterUser: login.User, Database: "dev", Embedded: true,
	}, nil
}

func bootstrapEngine(ctx context.Context, inst *embedded.Instance, login masterLogin) error {
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
	verifier, err := pgexec.SCRAMVerifier(login.Password)
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

// startControl runs the control store's server, which holds IAM users,
// their keys and Secrets Manager's secrets, as far from every database
// login as rsdata can put it:
//   - Unix socket only (no TCP), in a directory only its OS user can open;
//   - that socket asks for a password (SCRAM), even of local processes, and
//     only rsdata knows it: a data dir made when the socket trusted
//     everyone is given the password and switched over on start;
//   - when rsdata runs as root, it runs as its own system user
//     (Config.ControlOSUser, created if missing) rather than as postgres,
//     which runs the clusters, and its data dir is that user's alone
//     (0700), so a cluster's processes can read none of it.
func (a *App) startControl(ctx context.Context) (string, error) {
	path := filepath.Join(a.cfg.DataDir, "control-store.json")
	var login controlLogin
	if err := readJSONFile(path, &login); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	fresh := login.Password == ""
	if fresh {
		login = controlLogin{User: bootstrapUser, Password: ids.Token(32, "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")}
		if err := writeSecretFile(path, login); err != nil {
			return "", err
		}
	}
	inst, err := a.startEmbedded(ctx, "control", embedded.Options{
		Settings:  map[string]string{"max_connections": "100", "shared_buffers": "32MB"},
		LocalAuth: embedded.LocalSCRAM, Password: login.Password,
		OSUser: a.cfg.ControlOSUser, CreateOSUser: true,
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
	if method != embedded.LocalSCRAM {
		verifier, err := pgexec.SCRAMVerifier(login.Password)
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

func readJSONFile(path string, into any) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return json.Unmarshal(b, into)
}

// writeSecretFile writes v as JSON readable by the owner only, atomically.
func writeSecretFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
