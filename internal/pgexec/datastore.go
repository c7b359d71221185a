package pgexec

// Datastores: engines whose login comes from a credential source (a
// registered datastore's BASIC user or IAM role), with the datastore's
// schema first on the search path and, for sources, read-only sessions;
// and the connector the datastore API uses to test a login and read a
// schema's catalog.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rsdata/rsdata/internal/datastore"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/statement"
)

// datastorePassword marks a datastore's pool in the pools map: its login
// is fetched from the credential source each time a connection opens.
const datastorePassword = "datastore"

// acquireDatastore opens a session on a datastore: as its login whatever
// DbUser the request named, in its database only.
func (x *Executor) acquireDatastore(ctx context.Context, ep *engines.Endpoint, req statement.ConnRequest) (statement.Conn, error) {
	if req.Database != ep.Database {
		return nil, &statement.DatabaseError{Message: fmt.Sprintf(
			"FATAL: %s serves database %q only, not %q", ep.Name, ep.Database, req.Database)}
	}
	p, err := x.datastorePool(ctx, ep)
	if err != nil {
		return nil, x.datastoreError(err)
	}
	c, err := acquireReady(ctx, p)
	if err != nil {
		return nil, x.datastoreError(err)
	}
	cn := &conn{x: x, pool: p, c: c, catalog: p}
	if ep.ReadOnly {
		return &readOnlyConn{conn: cn, engine: ep.Name}, nil
	}
	return cn, nil
}

// datastoreError keeps the public reason of a credential source's failure
// (STS's "AccessDenied ...").
func (x *Executor) datastoreError(err error) error {
	var ce *datastore.ConnectError
	if errors.As(err, &ce) {
		return &statement.DatabaseError{Message: "FATAL: " + ce.Message}
	}
	return x.publicError(err)
}

func (x *Executor) datastorePool(ctx context.Context, ep *engines.Endpoint) (*pgxpool.Pool, error) {
	key := poolKey{ep.Kind, ep.Name, ep.Database, "", datastorePassword}
	x.mu.Lock()
	defer x.mu.Unlock()
	if p, ok := x.pools[key]; ok {
		return p, nil
	}
	cfg, err := pgxpool.ParseConfig(fmt.Sprintf("host=%s port=%d sslmode=%s", ep.Host, ep.Port, orDefault(ep.SSLMode, "prefer")))
	if err != nil {
		return nil, err
	}
	cc := cfg.ConnConfig
	cc.Database = ep.Database
	setDatastoreParams(cc.RuntimeParams, ep.SearchPath, ep.ReadOnly)
	cc.ConnectTimeout = 15 * time.Second
	cc.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &cancelHandler{conn: c, deadlineDelay: 10 * time.Second}
	}
	login := ep.Login
	cfg.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
		user, password, err := login.Login(ctx)
		if err != nil {
			return err
		}
		cc.User, cc.Password = user, password
		return nil
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

// setDatastoreParams sets a datastore session's start-up parameters: the
// usual ones, its schema first on the search path, and for a source
// read-only transactions by default (a second wall behind the read-only
// transaction every statement runs in).
func setDatastoreParams(params map[string]string, schema string, readOnly bool) {
	for k, v := range sessionParams {
		params[k] = v
	}
	if schema != "" {
		params["search_path"] = quoteIdent(schema) + `, "$user", public`
	}
	if readOnly {
		params["default_transaction_read_only"] = "on"
	}
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Forget closes the pools of an engine removed from the registry, in the
// background (closing waits for sessions still using them).
func (x *Executor) Forget(kind engines.Kind, name string) {
	x.mu.Lock()
	var closing []*pgxpool.Pool
	for k, p := range x.pools {
		if k.kind == kind && k.name == name {
			closing = append(closing, p)
			delete(x.pools, k)
		}
	}
	x.mu.Unlock()
	for _, p := range closing {
		go p.Close()
	}
}

// Datastores is the datastore API's connector: it logs in to a datastore's
// database directly (not through a pool) to test it and read its catalog.
type Datastores struct{ X *Executor }

var _ datastore.Connector = Datastores{}

// Forget implements datastore.Connector.
func (d Datastores) Forget(kind engines.Kind, name string) { d.X.Forget(kind, name) }

func (d Datastores) connect(ctx context.Context, t datastore.Target) (*pgx.Conn, error) {
	user, password, err := t.Login.Login(ctx)
	if err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d sslmode=prefer", t.Host, t.Port))
	if err != nil {
		return nil, &datastore.ConnectError{Message: "invalid host or port"}
	}
	cfg.Database, cfg.User, cfg.Password = t.Database, user, password
	setDatastoreParams(cfg.RuntimeParams, t.Schema, true)
	cfg.ConnectTimeout = 10 * time.Second
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, connectError(err, t)
	}
	return c, nil
}

// connectError is the public reason a login failed: the server's message,
// or what could not be reached (never the password).
func connectError(err error, t datastore.Target) error {
	var ce *datastore.ConnectError
	if errors.As(err, &ce) {
		return ce
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return &datastore.ConnectError{Message: pgErr.Severity + ": " + pgErr.Message}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &datastore.ConnectError{Message: "timed out connecting to " + t.Host + ":" + strconv.Itoa(t.Port)}
	}
	return &datastore.ConnectError{Message: "could not connect to " + t.Host + ":" + strconv.Itoa(t.Port)}
}

// Test implements datastore.Connector.
func (d Datastores) Test(ctx context.Context, t datastore.Target) error {
	c, err := d.connect(ctx, t)
	if err != nil {
		return err
	}
	defer c.Close(context.WithoutCancel(ctx))
	if t.Schema == "" {
		return nil
	}
	var n int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = $1`, t.Schema).Scan(&n); err != nil {
		return connectError(err, t)
	}
	if n == 0 {
		return &datastore.ConnectError{Message: fmt.Sprintf("schema %q does not exist in database %q", t.Schema, t.Database)}
	}
	return nil
}

// Catalog implements datastore.Connector.
func (d Datastores) Catalog(ctx context.Context, t datastore.Target) ([]datastore.Container, error) {
	c, err := d.connect(ctx, t)
	if err != nil {
		return nil, err
	}
	defer c.Close(context.WithoutCancel(ctx))
	rows, err := c.Query(ctx, `SELECT c.relname, CASE WHEN c.relkind IN ('v', 'm') THEN 'view' ELSE 'table' END,
			a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, a.attnum
		FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
		ORDER BY c.relname, a.attnum`, t.Schema)
	if err != nil {
		return nil, connectError(err, t)
	}
	defer rows.Close()
	var out []datastore.Container
	for rows.Next() {
		var name, kind string
		var f datastore.Field
		if err := rows.Scan(&name, &kind, &f.Name, &f.Type, &f.Nullable, &f.Position); err != nil {
			return nil, connectError(err, t)
		}
		if len(out) == 0 || out[len(out)-1].Name != name {
			out = append(out, datastore.Container{Name: name, Type: kind})
		}
		last := &out[len(out)-1]
		last.Fields = append(last.Fields, f)
	}
	if err := rows.Err(); err != nil {
		return nil, connectError(err, t)
	}
	return out, nil
}
