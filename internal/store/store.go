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
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rsdata/rsdata/internal/engines"
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
	pool *pgxpool.Pool
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
	s := &Store{db: db{pool: pool}}
	if err := s.migrate(ctx, opts.HomeAccount, upTo); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the store's connections.
func (s *Store) Close() { s.db.pool.Close() }

const statementColumns = `id, owner_principal, owner_userid, target_kind, target_name, database, db_user,
	secret_arn, name, sql, status, error, created_at, updated_at, started_at, ended_at, redshift_pid,
	redshift_query_id, result_rows, result_size, has_result_set, columns, pages, result_format,
	expires_at, instance, params, is_batch, query_strings, execution_mode, parent_id, sub_index,
	session_id, with_event`

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func columnsJSON(cols []results.Column) ([]byte, error) {
	if cols == nil {
		return nil, nil
	}
	return json.Marshal(cols)
}

// Create implements statement.Store.
func (s *Statements) Create(ctx context.Context, st *statement.Statement, token string, tokenSince time.Time) (string, error) {
	args, err := statementArgs(st)
	if err != nil {
		return "", err
	}
	// One pipelined batch, one round trip, run by PostgreSQL as one
	// implicit transaction: the statement (under its client token, when it
	// has one) and then its sub-statements, each inserted only if the
	// statement was.
	b := &pgx.Batch{}
	if token == "" {
		b.Queue(insertStatementSQL, args...)
	} else {
		b.Queue(insertWithTokenSQL, append(args, token, tokenSince)...)
	}
	for _, sub := range st.Subs {
		subArgs, err := statementArgs(sub)
		if err != nil {
			return "", err
		}
		b.Queue(insertSubStatementSQL, subArgs...)
	}
	br := s.pool.SendBatch(ctx, b)
	tag, err := br.Exec()
	for range st.Subs {
		if err != nil {
			break
		}
		_, err = br.Exec()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil || tag.RowsAffected() == 1 {
		return "", err
	}
	// The token was used for another statement within its lifetime.
	var existing string
	err = s.pool.QueryRow(ctx, `SELECT statement_id FROM client_tokens WHERE principal = $1 AND token = $2`,
		st.Owner.Principal, token).Scan(&existing)
	return existing, err
}

type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func jsonOrNil(v any, empty bool) ([]byte, error) {
	if empty {
		return nil, nil
	}
	return json.Marshal(v)
}

// statementArgs are insertStatementSQL's arguments for st, in
// statementColumns' order.
func statementArgs(st *statement.Statement) ([]any, error) {
	cols, err := columnsJSON(st.Columns)
	if err != nil {
		return nil, err
	}
	params, err := jsonOrNil(st.Params, len(st.Params) == 0)
	if err != nil {
		return nil, err
	}
	qs, err := jsonOrNil(st.QueryStrings, len(st.QueryStrings) == 0)
	if err != nil {
		return nil, err
	}
	var parent *string
	if st.Parent != "" {
		parent = &st.Parent
	}
	return []any{st.ID, st.Owner.Principal, st.Owner.UserID, string(st.Target.Kind), st.Target.Name, st.Database,
		st.DbUser, st.SecretArn, st.Name, st.SQL, string(st.Status), st.Error, st.CreatedAt, st.UpdatedAt,
		nullTime(st.StartedAt), nullTime(st.EndedAt), st.RedshiftPid, st.RedshiftQueryID, st.ResultRows,
		st.ResultSize, st.HasResultSet, cols, st.Pages, st.ResultFormat, st.ExpiresAt, st.Instance,
		params, st.Batch, qs, st.ExecutionMode, parent, st.SubIndex, st.SessionID, st.WithEvent}, nil
}

// statementValues are the 34 parameters of statementArgs.
const statementValues = `$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,
	$23,$24,$25,$26,$27,$28,$29,$30,$31,$32,$33,$34`

const (
	insertStatementSQL = `INSERT INTO statements (` + statementColumns + `) VALUES (` + statementValues + `)`
	// insertWithTokenSQL takes client token $35 for the statement, unless
	// the owner used it for another statement after $36; the statement is
	// inserted only when the token was taken. Concurrent requests with the
	// same token are serialised by the token's unique key: the later one
	// waits for the earlier one's transaction, then finds the token used.
	insertWithTokenSQL = `WITH token AS (
		INSERT INTO client_tokens (principal, token, statement_id, created_at) VALUES ($2, $35, $1, $13)
		ON CONFLICT (principal, token) DO UPDATE SET statement_id = excluded.statement_id, created_at = excluded.created_at
		WHERE client_tokens.created_at <= $36
		RETURNING 1)
	INSERT INTO statements (` + statementColumns + `) SELECT ` + statementValues + ` WHERE EXISTS (SELECT FROM token)`
	// insertSubStatementSQL inserts a sub-statement if its parent ($31)
	// was inserted.
	insertSubStatementSQL = `INSERT INTO statements (` + statementColumns + `) SELECT ` + statementValues +
		` WHERE EXISTS (SELECT FROM statements WHERE id = $31)`
)

// Update implements statement.Store.
func (s *Statements) Update(ctx context.Context, st *statement.Statement, last *results.LastPage) error {
	if !(st.WithEvent && st.Parent == "" && st.Status.Terminal()) {
		if last == nil {
			return updateStatement(ctx, s.pool, st)
		}
		return updateWithPage(ctx, s.pool, st, last)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var before string
	if err := tx.QueryRow(ctx, `SELECT status FROM statements WHERE id = $1 FOR UPDATE`, st.ID).Scan(&before); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return statement.ErrNotFound
		}
		return err
	}
	if last != nil {
		if _, err := tx.Exec(ctx, putPageSQL, st.ID, last.N, last.Data); err != nil {
			return err
		}
	}
	if err := updateStatement(ctx, tx, st); err != nil {
		return err
	}
	if !statement.Status(before).Terminal() {
		if _, err := tx.Exec(ctx, `INSERT INTO events (statement_id, state, created_at) VALUES ($1, $2, $3)`,
			st.ID, string(st.Status), st.UpdatedAt); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// updateWithPage stores a statement's last result page and its new state
// as one pipelined batch: a single round trip, run by PostgreSQL as one
// implicit transaction, so neither is stored without the other.
func updateWithPage(ctx context.Context, pool *pgxpool.Pool, st *statement.Statement, last *results.LastPage) error {
	args, err := updateArgs(st)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(updateStatementSQL, args...)
	b.Queue(`INSERT INTO result_pages (statement_id, page, data) SELECT $1, $2, $3
		WHERE EXISTS (SELECT FROM statements WHERE id = $1)
		ON CONFLICT (statement_id, page) DO UPDATE SET data = excluded.data`, st.ID, last.N, last.Data)
	br := pool.SendBatch(ctx, b)
	tag, err := br.Exec()
	if err == nil {
		_, err = br.Exec()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err == nil && tag.RowsAffected() == 0 {
		return statement.ErrNotFound
	}
	return err
}

const updateStatementSQL = `UPDATE statements SET status = $2, error = $3, updated_at = $4,
	started_at = $5, ended_at = $6, redshift_pid = $7, redshift_query_id = $8, result_rows = $9,
	result_size = $10, has_result_set = $11, columns = $12, pages = $13 WHERE id = $1`

// updateArgs are updateStatementSQL's arguments for st.
func updateArgs(st *statement.Statement) ([]any, error) {
	cols, err := columnsJSON(st.Columns)
	if err != nil {
		return nil, err
	}
	return []any{st.ID, string(st.Status), st.Error, st.UpdatedAt, nullTime(st.StartedAt), nullTime(st.EndedAt),
		st.RedshiftPid, st.RedshiftQueryID, st.ResultRows, st.ResultSize, st.HasResultSet, cols, st.Pages}, nil
}

func updateStatement(ctx context.Context, db execer, st *statement.Statement) error {
	args, err := updateArgs(st)
	if err != nil {
		return err
	}
	tag, err := db.Exec(ctx, updateStatementSQL, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return statement.ErrNotFound
	}
	return nil
}

func scanStatement(row pgx.Row) (*statement.Statement, error) {
	var (
		st             statement.Statement
		kind, status   string
		started, ended *time.Time
		cols           []byte
		params, qs     []byte
		parent         *string
	)
	err := row.Scan(&st.ID, &st.Owner.Principal, &st.Owner.UserID, &kind, &st.Target.Name, &st.Database,
		&st.DbUser, &st.SecretArn, &st.Name, &st.SQL, &status, &st.Error, &st.CreatedAt, &st.UpdatedAt,
		&started, &ended, &st.RedshiftPid, &st.RedshiftQueryID, &st.ResultRows, &st.ResultSize,
		&st.HasResultSet, &cols, &st.Pages, &st.ResultFormat, &st.ExpiresAt, &st.Instance,
		&params, &st.Batch, &qs, &st.ExecutionMode, &parent, &st.SubIndex, &st.SessionID, &st.WithEvent)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, statement.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	st.Target.Kind, st.Status = engines.Kind(kind), statement.Status(status)
	if started != nil {
		st.StartedAt = started.UTC()
	}
	if ended != nil {
		st.EndedAt = ended.UTC()
	}
	st.CreatedAt, st.UpdatedAt, st.ExpiresAt = st.CreatedAt.UTC(), st.UpdatedAt.UTC(), st.ExpiresAt.UTC()
	if parent != nil {
		st.Parent = *parent
	}
	for _, f := range []struct {
		raw  []byte
		into any
	}{{cols, &st.Columns}, {params, &st.Params}, {qs, &st.QueryStrings}} {
		if len(f.raw) > 0 {
			if err := json.Unmarshal(f.raw, f.into); err != nil {
				return nil, fmt.Errorf("statement %s: %w", st.ID, err)
			}
		}
	}
	return &st, nil
}

// Get implements statement.Store.
func (s *Statements) Get(ctx context.Context, id string) (*statement.Statement, error) {
	st, err := scanStatement(s.pool.QueryRow(ctx, `SELECT `+statementColumns+` FROM statements WHERE id = $1`, id))
	if err != nil || !st.Batch {
		return st, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+statementColumns+` FROM statements WHERE parent_id = $1 ORDER BY sub_index`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		sub, err := scanStatement(rows)
		if err != nil {
			return nil, err
		}
		st.Subs = append(st.Subs, sub)
	}
	return st, rows.Err()
}

// List implements statement.Store.
func (s *Statements) List(ctx context.Context, q statement.ListQuery) ([]*statement.Statement, error) {
	l := newListing(`SELECT `+statementColumns+` FROM statements WHERE parent_id IS NULL`, q.Principal, q.UserID)
	l.statuses(statusNames(q.Statuses))
	if q.NamePrefix != "" {
		// starts_with is an exact, case-sensitive prefix test: no LIKE
		// wildcards to escape.
		l.add("starts_with(name, $%d)", q.NamePrefix)
	}
	l.scope(q.Target, q.Database, q.CreatedAfter)
	return queryAll(ctx, s, l, q.After, q.Limit, scanStatement)
}

// listing builds the query of a newest-first listing of one owner's
// records (statements or sessions) with numbered parameters.
type listing struct {
	sql  string
	args []any
}

func newListing(base, principal, userID string) *listing {
	l := &listing{sql: base}
	l.add("owner_principal = $%d", principal)
	if userID != "" {
		l.add("owner_userid = $%d", userID)
	}
	return l
}

func (l *listing) add(cond string, v any) {
	l.args = append(l.args, v)
	l.sql += fmt.Sprintf(" AND "+cond, len(l.args))
}

// statusNames converts typed statuses for a status filter.
func statusNames[S ~string](list []S) []string {
	names := make([]string, len(list))
	for i, st := range list {
		names[i] = string(st)
	}
	return names
}

func (l *listing) statuses(names []string) {
	if len(names) > 0 {
		l.add("status = ANY($%d)", names)
	}
}

func (l *listing) scope(t statement.Target, database string, createdAfter time.Time) {
	if t.Name != "" {
		l.add("target_kind = $%d", string(t.Kind))
		l.add("target_name = $%d", t.Name)
	}
	if database != "" {
		l.add("database = $%d", database)
	}
	if !createdAfter.IsZero() {
		l.add("created_at > $%d", createdAfter)
	}
}

// queryAll runs a listing from after (exclusive), newest first, at most
// limit rows (0 = all), scanning each row with scan.
func queryAll[T any](ctx context.Context, s *Statements, l *listing, after *statement.Cursor, limit int, scan func(pgx.Row) (T, error)) ([]T, error) {
	if after != nil {
		l.args = append(l.args, after.CreatedAt, after.ID)
		l.sql += fmt.Sprintf(" AND (created_at, id) < ($%d, $%d)", len(l.args)-1, len(l.args))
	}
	l.sql += " ORDER BY created_at DESC, id DESC"
	if limit > 0 {
		l.sql += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.pool.Query(ctx, l.sql, l.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// FailUnfinished implements statement.Store.
func (s *Statements) FailUnfinished(ctx context.Context, instance, message string, now time.Time) (int, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `DELETE FROM result_pages WHERE statement_id IN (SELECT id FROM statements
		WHERE instance = $1 AND status IN ('SUBMITTED', 'PICKED', 'STARTED'))`, instance); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO events (statement_id, state, created_at)
		SELECT id, 'FAILED', $2 FROM statements WHERE instance = $1 AND with_event AND parent_id IS NULL
		AND status IN ('SUBMITTED', 'PICKED', 'STARTED')`, instance, now); err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, `UPDATE statements SET status = 'FAILED', error = $2, updated_at = $3,
		ended_at = $3, pages = 0 WHERE instance = $1 AND status IN ('SUBMITTED', 'PICKED', 'STARTED')`,
		instance, message, now)
	if err != nil {
		return 0, err
	}
	// Sessions' connections died with the process that held them.
	if _, err := tx.Exec(ctx, `UPDATE sessions SET status = 'CLOSED', updated_at = $2, ttl = least(ttl, $2),
		current_statement = '' WHERE instance = $1 AND status <> 'CLOSED'`, instance, now); err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), tx.Commit(ctx)
}

// DropResultsBefore implements statement.Store.
func (s *Statements) DropResultsBefore(ctx context.Context, t time.Time) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM result_pages WHERE statement_id IN
		(SELECT id FROM statements WHERE expires_at < $1 AND pages > 0)`, t)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `UPDATE statements SET pages = 0 WHERE expires_at < $1 AND pages > 0`, t)
	return err
}

// DeleteBefore implements statement.Store.
func (s *Statements) DeleteBefore(ctx context.Context, t time.Time) (int, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `DELETE FROM result_pages WHERE statement_id IN
		(SELECT id FROM statements WHERE expires_at < $1)`, t); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM client_tokens WHERE statement_id IN
		(SELECT id FROM statements WHERE expires_at < $1)`, t); err != nil {
		return 0, err
	}
	// Events of removed statements go with them: an event still undelivered
	// a week after its statement expired has nobody left to tell.
	if _, err := tx.Exec(ctx, `DELETE FROM events WHERE statement_id IN
		(SELECT id FROM statements WHERE expires_at < $1)`, t); err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, `DELETE FROM statements WHERE expires_at < $1`, t)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE created_at < $1`, t); err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), tx.Commit(ctx)
}

// putPageSQL stores one result page; storing a page again replaces it.
const putPageSQL = `INSERT INTO result_pages (statement_id, page, data) VALUES ($1, $2, $3)
	ON CONFLICT (statement_id, page) DO UPDATE SET data = excluded.data`

// PutPage implements results.PageStore.
func (s *Statements) PutPage(ctx context.Context, statementID string, n int, data []byte) error {
	_, err := s.pool.Exec(ctx, putPageSQL, statementID, n, data)
	return err
}

// Page implements results.PageStore.
func (s *Statements) Page(ctx context.Context, statementID string, n int) ([]byte, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM result_pages WHERE statement_id = $1 AND page = $2`,
		statementID, n).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, results.ErrPageNotFound
	}
	return data, err
}

// DeletePages implements results.PageStore.
func (s *Statements) DeletePages(ctx context.Context, statementID string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM result_pages WHERE statement_id = $1`, statementID)
	return err
}
