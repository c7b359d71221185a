// Package store keeps rsdata's durable state in a PostgreSQL control
// database, one pool with a view per domain: Statements (statements, result
// pages, sessions), Events (the status-change outbox), Leases (temporary
// database users), Secrets, Tags (cluster and workgroup tags) and
// Identities (IAM, per account, every account in the same tables). Each
// view implements the Store interface its consumer declares. The schema is
// the numbered SQL files under migrations/, applied in order.
//
// The database is one that database users cannot reach (the embedded
// default is a separate server listening on a private Unix socket that asks
// for a password), and several rsdata processes can share it.
package store

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/statement"
)

// Store is the control database: one pool, and a view of it per domain,
// each implementing the Store interface its consumer declares.
type Store struct {
	db db
}

// db is the pool the domain views share.
type db struct {
	pool  *pgxpool.Pool
	flags *flags
}

// flags are switches every view sees.
type flags struct {
	// shared: other replicas are live on the store (SetShared).
	shared atomic.Bool
}

// inTx runs fn in a transaction and commits when it returns nil.
func (d db) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Statements keeps statements, their result pages and Data API sessions.
type Statements struct{ db }

// Events is the outbox of status-change events.
type Events struct{ db }

// Leases keeps the leases of temporary database users.
type Leases struct{ db }

// Secrets keeps Secrets Manager secrets.
type Secrets struct{ db }

// Tags keeps the tags of clusters and workgroups, by ARN.
type Tags struct{ db }

// Identities keeps one account's IAM users, roles, keys and policies.
type Identities struct {
	db
	account string
}

var (
	_ statement.Store   = (*Statements)(nil)
	_ results.PageStore = (*Statements)(nil)
)

// Statements returns the statements view.
func (s *Store) Statements() *Statements { return &Statements{s.db} }

// Events returns the events outbox.
func (s *Store) Events() *Events { return &Events{s.db} }

// Leases returns the temporary users' leases.
func (s *Store) Leases() *Leases { return &Leases{s.db} }

// Secrets returns the Secrets Manager view.
func (s *Store) Secrets() *Secrets { return &Secrets{s.db} }

// Tags returns the cluster and workgroup tags.
func (s *Store) Tags() *Tags { return &Tags{s.db} }

// Identities returns the IAM identities of account: rsdata's own or a
// peer account's, all kept in the same tables and told apart by account.
func (s *Store) Identities(account string) *Identities {
	return &Identities{db: s.db, account: account}
}

// Options configures Open.
type Options struct {
	// HomeAccount is rsdata's own account. Upgrading a control database
	// written before identities were keyed by account gives its existing
	// IAM identities this account, so it is required when there are any.
	HomeAccount string
	// MaxConns bounds the pool; 0 means 32.
	MaxConns int32
}

// Open connects to the control database and applies pending migrations.
func Open(ctx context.Context, connString string, opts Options) (*Store, error) {
	return open(ctx, connString, opts, 0)
}

// open is Open applying migrations up to version upTo only (0: all), so
// tests can make a database as an earlier version left it.
func open(ctx context.Context, connString string, opts Options, upTo int) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("control database address: %w", err)
	}
	cfg.MaxConns = opts.MaxConns
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 32
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to control database: %w", err)
	}
	s := &Store{db: db{pool: pool, flags: &flags{}}}
	if err := s.migrate(ctx, opts.HomeAccount, upTo); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the store's connections.
func (s *Store) Close() { s.db.pool.Close() }

// Ping checks that the control database answers, within ctx.
func (s *Store) Ping(ctx context.Context) error { return s.db.pool.Ping(ctx) }
