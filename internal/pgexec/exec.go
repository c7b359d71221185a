// Package pgexec is everything that talks to a target database: connection
// pools per (engine, database, user), running a statement and streaming its
// rows, the PostgreSQL-to-Redshift type mapping, and cancellation by cancel
// request. Errors leaving this package carry no passwords or DSNs.
package pgexec

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rsdata/rsdata/internal/dbcreds"
	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/records"
	"github.com/rsdata/rsdata/internal/statement"
)

// Options configures an Executor.
type Options struct {
	// MaxConnsPerPool bounds connections per (engine, database, user);
	// statements beyond it wait in PICKED for a connection.
	MaxConnsPerPool int32
	// Logger receives the causes behind the generic errors users see.
	Logger *slog.Logger
}

// Executor runs statements on registered engines. It implements
// statement.Executor.
type Executor struct {
	opts Options
	reg  *engines.Registry

	mu    sync.Mutex
	pools map[poolKey]*pgxpool.Pool
	// usable holds the socket logins CheckDbUser has accepted.
	usable map[poolKey]bool
	// installs tracks the Redshift schema of each database (install.go).
	installs map[installKey]*installState
	// history writes the query history (install.go).
	history historyWriter
}

type poolKey struct {
	kind           engines.Kind
	name, db, user string
	// password is a digest of the password of a password login (one read
	// from a secret): a changed password gets its own pool.
	password string
}

var _ statement.Executor = (*Executor)(nil)

// New returns an Executor over the engines in reg.
func New(opts Options, reg *engines.Registry) *Executor {
	if opts.MaxConnsPerPool <= 0 {
		opts.MaxConnsPerPool = 32
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Executor{opts: opts, reg: reg, pools: map[poolKey]*pgxpool.Pool{}, usable: map[poolKey]bool{}}
}

// sessionParams make text-format values come out in the forms the type
// mapping expects, whatever the server's defaults.
var sessionParams = map[string]string{
	"DateStyle":          "ISO, MDY",
	"TimeZone":           "UTC",
	"IntervalStyle":      "postgres",
	"extra_float_digits": "1",
	"bytea_output":       "hex",
	"application_name":   "rsdata",
}

// ErrUnknownEngine is returned for a target that is not registered.
var ErrUnknownEngine = errors.New("engine not registered")

func (x *Executor) endpoint(t statement.Target) (*engines.Endpoint, error) {
	ep, ok := x.reg.Lookup(t.Kind, t.Name)
	if !ok {
		return nil, ErrUnknownEngine
	}
	return ep, nil
}

// pool returns the pool for a login, creating it on first use. Embedded
// engines are reached through their trusted socket as the user itself, so a
// statement's session really is that user's. External engines are reached
// with the registered admin credentials, so only that user can run there
// until temporary credentials exist.
func (x *Executor) pool(ctx context.Context, ep *engines.Endpoint, db, user string) (*pgxpool.Pool, error) {
	return x.loginPool(ctx, ep, db, user, "")
}

// loginPool is pool for a login that authenticates with password over TCP,
// as a Secrets Manager secret's user does (a wrong password then fails as
// the database says); with password "" it is pool.
func (x *Executor) loginPool(ctx context.Context, ep *engines.Endpoint, db, user, password string) (*pgxpool.Pool, error) {
	key := poolKey{ep.Kind, ep.Name, db, user, ""}
	if password != "" {
		sum := sha256.Sum256([]byte(password))
		key.password = hex.EncodeToString(sum[:])
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if p, ok := x.pools[key]; ok {
		return p, nil
	}
	cfg, err := pgxpool.ParseConfig("")
	if err != nil {
		return nil, err
	}
	cc := cfg.ConnConfig
	cc.Database, cc.User = db, user
	if password != "" {
		sslmode := orDefault(ep.SSLMode, "prefer")
		if ep.Embedded {
			sslmode = "disable"
		}
		tcp, err := pgxpool.ParseConfig(fmt.Sprintf("host=%s port=%d sslmode=%s", serverHost(ep), serverPort(ep), sslmode))
		if err != nil {
			return nil, err
		}
		cfg.ConnConfig = tcp.ConnConfig
		cc = cfg.ConnConfig
		cc.Database, cc.User, cc.Password = db, user, password
	} else if ep.SocketDir != "" {
		cc.Host, cc.Port = ep.SocketDir, uint16(serverPort(ep))
		cc.TLSConfig, cc.Fallbacks = nil, nil
	} else {
		if user != ep.AdminUser {
			return nil, &statement.DatabaseError{Message: fmt.Sprintf(
				"ERROR: DbUser %q cannot log in to external engine %q: rsdata holds credentials only for its admin user %q",
				user, ep.Name, ep.AdminUser)}
		}
		ext, err := pgxpool.ParseConfig(fmt.Sprintf("host=%s port=%d sslmode=%s", serverHost(ep), serverPort(ep), orDefault(ep.SSLMode, "prefer")))
		if err != nil {
			return nil, err
		}
		cfg.ConnConfig = ext.ConnConfig
		cc = cfg.ConnConfig
		cc.Database, cc.User, cc.Password = db, user, ep.AdminPassword
	}
	for k, v := range sessionParams {
		cc.RuntimeParams[k] = v
	}
	cc.ConnectTimeout = 15 * time.Second
	// Cancelling a statement's context sends cancel requests rather than
	// closing the socket, so the pooled connection survives a cancel.
	cc.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &cancelHandler{conn: c, deadlineDelay: 10 * time.Second}
	}
	cfg.MaxConns = x.opts.MaxConnsPerPool
	cfg.MaxConnIdleTime = 5 * time.Minute
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	x.pools[key] = p
	return p, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Acquire implements statement.Executor.
func (x *Executor) Acquire(ctx context.Context, req statement.ConnRequest) (statement.Conn, error) {
	ep, err := x.endpoint(req.Target)
	if err != nil {
		return nil, err
	}
	if ep.Login != nil {
		return x.acquireDatastore(ctx, ep, req)
	}
	user := req.DbUser
	if user == "" {
		user = ep.MasterUser
	}
	catalog, err := x.pool(ctx, ep, req.Database, catalogUser(ep))
	if err != nil {
		return nil, x.publicError(err)
	}
	x.ensureInstalled(ctx, ep, req.Database, catalog)
	if req.AutoCreate {
		if err := ensureLogin(ctx, catalog, user); err != nil {
			return nil, x.publicError(err)
		}
	}
	if req.Password == "" && ep.SocketDir != "" {
		if err := x.checkSocketLogin(ctx, ep, catalog, req.Database, user); err != nil {
			return nil, x.publicError(err)
		}
	}
	p, err := x.loginPool(ctx, ep, req.Database, user, req.Password)
	if err != nil {
		return nil, x.publicError(err)
	}
	c, err := acquireReady(ctx, p)
	if err != nil {
		return nil, x.publicError(err)
	}
	return &conn{x: x, pool: p, c: c, catalog: catalog, ep: ep, db: req.Database, user: user,
		redshiftTypes: ep.Dialect != dialect.Postgres}, nil
}

// checkSocketLogin refuses, before rsdata logs in as user through the
// trusted socket (where no password is asked), a user that
// dbcreds.CheckDbUser refuses: a superuser such as rsdata's own bootstrap
// role, a predefined pg_* role, a group, or a member of one of these. An
// accepted login is remembered: only a superuser can later make a role a
// superuser or a member of one, and the master user is not one.
func (x *Executor) checkSocketLogin(ctx context.Context, ep *engines.Endpoint, catalog *pgxpool.Pool, db, user string) error {
	key := poolKey{ep.Kind, ep.Name, db, user, ""}
	x.mu.Lock()
	ok := x.usable[key]
	x.mu.Unlock()
	if ok {
		return nil
	}
	info, err := DescribeRole(ctx, catalog, ep.MasterUser, user)
	if err != nil {
		return err
	}
	var unusable *dbcreds.UnusableError
	if err := dbcreds.CheckDbUser(info); errors.As(err, &unusable) {
		return &statement.DatabaseError{Message: fmt.Sprintf("FATAL: database user %q cannot be used: %s", user, unusable.Reason)}
	} else if err != nil {
		return err
	}
	if info.Exists {
		x.mu.Lock()
		x.usable[key] = true
		x.mu.Unlock()
	}
	return nil
}

// startupWait bounds how long acquiring waits for a server that reports it
// is starting up (after a crash, PostgreSQL replays its log first);
// refusedWait, shorter, for one that refuses connections, as a supervised
// server does while it restarts.
const (
	startupWait = 30 * time.Second
	refusedWait = 10 * time.Second
)

// acquireReady acquires a connection, waiting while the server says it is
// starting up (SQLSTATE 57P03) or, briefly, while it refuses connections,
// rather than failing the statement at once.
func acquireReady(ctx context.Context, p *pgxpool.Pool) (*pgxpool.Conn, error) {
	start := time.Now()
	for {
		c, err := p.Acquire(ctx)
		if err == nil || !transientConnectError(err, time.Since(start)) {
			return c, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// transientConnectError reports whether err, seen after waiting waited, is
// worth another attempt.
func transientConnectError(err error, waited time.Duration) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "57P03" && waited < startupWait
	}
	refused := errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT)
	return refused && waited < refusedWait
}

// conn is a pooled session lent to one statement or Data API session.
type conn struct {
	x        *Executor
	pool     *pgxpool.Pool
	c        *pgxpool.Conn
	catalog  *pgxpool.Pool
	ep       *engines.Endpoint
	db, user string
	rec      []byte
	released bool
	used     bool // a statement has been run on c
	// redshiftTypes names the types the Redshift dialect stores in
	// PostgreSQL ones as Redshift does (jsonb is SUPER: "super").
	redshiftTypes bool
}

func (c *conn) PID() int64 {
	if c.released {
		return 0
	}
	return int64(c.c.Conn().PgConn().PID())
}

func (c *conn) InTransaction() bool { return !c.released && c.c.Conn().PgConn().TxStatus() != 'I' }

func (c *conn) Alive() bool { return !c.released && !c.c.Conn().PgConn().IsClosed() }

// Run implements statement.Conn.
//
// A statement is never sent twice. It is sent again, once, on a fresh
// connection only when pgconn reports that not one byte of it reached the
// server (a pooled connection that died while idle: its server
// restarted), and only as the connection's first statement, since a
// session's state would not follow it to another connection. Any other
// failure, a lost connection included, ends the statement with that
// error: it may have run, in part or whole, and running it again could
// apply its effects twice. Errors of the result sink or of the catalog
// look-ups are never grounds for sending it again.
func (c *conn) Run(ctx context.Context, sql string, params []string, format statement.Format, sink statement.RowSink) (statement.RunResult, error) {
	first := !c.used
	c.used = true
	res, err := c.run(ctx, sql, params, format, sink)
	var notSent *notSentError
	if !errors.As(err, &notSent) {
		if err == nil {
			c.x.installCreated(ctx, c.ep, sql)
		}
		return res, err
	}
	if !first || ctx.Err() != nil {
		return res, c.x.publicError(notSent.err)
	}
	c.x.opts.Logger.Info("pooled connection was dead before the statement was sent; sending it on a new one", "err", notSent.err)
	_ = c.c.Conn().Close(ctx)
	c.c.Release()
	c.pool.Reset()
	nc, aerr := acquireReady(ctx, c.pool)
	if aerr != nil {
		c.released = true
		return res, c.x.publicError(aerr)
	}
	c.c = nc
	res, err = c.run(ctx, sql, params, format, sink)
	if errors.As(err, &notSent) {
		err = c.x.publicError(notSent.err)
	}
	if err == nil {
		c.x.installCreated(ctx, c.ep, sql)
	}
	return res, err
}

// notSentError is a failure that pgconn says happened before any byte of
// the statement was written to the server.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

func (c *conn) run(ctx context.Context, sql string, params []string, format statement.Format, sink statement.RowSink) (statement.RunResult, error) {
	var res statement.RunResult
	if c.released {
		return res, &statement.DatabaseError{Message: "ERROR: the database connection was lost"}
	}
	pg := c.c.Conn().PgConn()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()

	var sinkErr error
	// consume streams one result set into the sink; it returns false when
	// the sink refused a row and the statement must stop.
	consume := func(rr *pgconn.ResultReader) bool {
		fds := rr.FieldDescriptions()
		if len(fds) == 0 {
			if tag, err := rr.Close(); err == nil {
				res.RowsAffected = tag.RowsAffected()
			}
			return true
		}
		if res.HasResultSet {
			if sinkErr = sink.Reset(ctx); sinkErr != nil {
				return false
			}
		}
		res.HasResultSet = true
		cols, kinds, err := DescribeColumns(ctx, c.catalog, fds)
		if c.redshiftTypes {
			redshiftTypeNames(cols)
		}
		if err == nil {
			err = sink.SetColumns(cols)
		}
		if err == nil && format == statement.FormatCSV {
			c.rec = records.AppendCSVHeader(c.rec[:0], cols)
			err = sink.AddRecord(ctx, c.rec)
		}
		if err != nil {
			sinkErr = err
			return false
		}
		for rr.NextRow() {
			if format == statement.FormatCSV {
				c.rec = records.AppendCSVRecord(c.rec[:0], kinds, rr.Values())
			} else {
				c.rec = records.AppendRecord(c.rec[:0], kinds, rr.Values())
			}
			if sinkErr = sink.AddRecord(ctx, c.rec); sinkErr != nil {
				return false
			}
		}
		_, _ = rr.Close()
		return true
	}

	var err error
	// answered is set once the server has answered the statement with
	// anything (a row description or a completed command). pgconn's
	// SafeToRetry means "before anything was sent" only for the send
	// itself: after a lost connection, later calls on it also fail that
	// way. So it counts only when no answer came.
	answered := false
	if params != nil {
		values := make([][]byte, len(params))
		for i, v := range params {
			values[i] = []byte(v)
		}
		// Parameter OIDs of 0 leave the types to the server, which casts
		// the text values implicitly, as JDBC's setString does on Redshift.
		rr := pg.ExecParams(runCtx, sql, values, make([]uint32, len(values)), nil, nil)
		answered = rr.FieldDescriptions() != nil
		if !consume(rr) {
			stop()
		}
		_, err = rr.Close()
	} else {
		mrr := pg.Exec(runCtx, sql)
		for mrr.NextResult() {
			answered = true
			if !consume(mrr.ResultReader()) {
				// Stop the server from producing rows nobody will read.
				stop()
				break
			}
		}
		err = mrr.Close()
	}
	if sinkErr != nil {
		return res, sinkErr
	}
	if err != nil {
		if pgconn.SafeToRetry(err) && !answered {
			return res, &notSentError{err: err}
		}
		return res, c.x.publicError(err)
	}
	return res, nil
}

// Release implements statement.Conn.
func (c *conn) Release(reset bool) {
	if c.released {
		return
	}
	c.released = true
	pg := c.c.Conn().PgConn()
	// Each Data API call is its own session in Redshift: leave nothing
	// (SET, temporary tables, prepared statements) behind for the next user
	// of this pooled connection. The pool itself closes connections left
	// broken or inside a transaction.
	if reset && !pg.IsClosed() && pg.TxStatus() == 'I' {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if _, err := pg.Exec(ctx, "DISCARD ALL").ReadAll(); err != nil {
			_ = c.c.Conn().Close(ctx)
		}
		cancel()
	} else if !reset && !pg.IsClosed() {
		// A session's connection is not returned to the pool dirty.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = c.c.Conn().Close(ctx)
		cancel()
	}
	c.c.Release()
}

// catalogUser is the role used for catalog look-ups: the bootstrap admin.
func catalogUser(ep *engines.Endpoint) string { return ep.AdminUser }

// publicError turns a database or connection error into the text Redshift
// shows ("ERROR: relation \"x\" does not exist"), never including a DSN or
// password.
func (x *Executor) publicError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		msg := pgErr.Severity + ": " + pgErr.Message
		if pgErr.Position > 0 {
			msg += "\n  Position: " + strconv.Itoa(int(pgErr.Position))
		}
		return &statement.DatabaseError{Message: msg, Canceled: pgErr.Code == "57014"}
	}
	var dbErr *statement.DatabaseError
	if errors.As(err, &dbErr) {
		return dbErr
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var connErr *pgconn.ConnectError
	// pgx's errors name host, user and database but never the password.
	x.opts.Logger.Warn("database connection error", "err", err)
	if errors.As(err, &connErr) {
		return &statement.DatabaseError{Message: "ERROR: could not connect to the database engine"}
	}
	return &statement.DatabaseError{Message: "ERROR: the database connection failed"}
}

// Ping checks that an engine accepts its admin login.
func (x *Executor) Ping(ctx context.Context, kind engines.Kind, name string) error {
	ep, ok := x.reg.Lookup(kind, name)
	if !ok {
		return ErrUnknownEngine
	}
	p, err := x.pool(ctx, ep, ep.Database, ep.AdminUser)
	if err != nil {
		return x.publicError(err)
	}
	if err := p.Ping(ctx); err != nil {
		return x.publicError(err)
	}
	return nil
}

// Close writes the queued query history, then closes every pool.
func (x *Executor) Close() {
	x.stopHistory()
	x.mu.Lock()
	defer x.mu.Unlock()
	for k, p := range x.pools {
		p.Close()
		delete(x.pools, k)
	}
}

// Reset closes every pool and forgets the logins CheckDbUser accepted, for
// a reset that drops databases and roles (`rsdata serve --allow-reset`):
// later statements open new pools and check their users again. No
// statement may be running.
func (x *Executor) Reset() {
	x.Close()
	x.mu.Lock()
	defer x.mu.Unlock()
	clear(x.usable)
	clear(x.installs)
}
