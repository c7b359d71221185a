// Package store keeps rsdata's durable state in a PostgreSQL control
// database: statements and their result pages. The database is one that
// database users cannot reach (the embedded default is a separate server
// listening on a private Unix socket only), and several rsdata processes can
// share it. It implements statement.Store and results.PageStore.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/statement"
)

// Store is the PostgreSQL implementation of rsdata's store interfaces.
type Store struct {
	pool *pgxpool.Pool
}

var (
	_ statement.Store   = (*Store)(nil)
	_ results.PageStore = (*Store)(nil)
)

// migrations are applied in order, each once, recorded in rsdata_migrations.
var migrations = []string{
	`CREATE TABLE statements (
		id                text PRIMARY KEY,
		owner_principal   text NOT NULL,
		owner_userid      text NOT NULL,
		target_kind       text NOT NULL,
		target_name       text NOT NULL,
		database          text NOT NULL,
		db_user           text NOT NULL,
		secret_arn        text NOT NULL,
		name              text NOT NULL,
		sql               text NOT NULL,
		status            text NOT NULL,
		error             text NOT NULL,
		created_at        timestamptz NOT NULL,
		updated_at        timestamptz NOT NULL,
		started_at        timestamptz,
		ended_at          timestamptz,
		redshift_pid      bigint NOT NULL,
		redshift_query_id bigint NOT NULL,
		result_rows       bigint NOT NULL,
		result_size       bigint NOT NULL,
		has_result_set    boolean NOT NULL,
		columns           jsonb,
		pages             integer NOT NULL,
		result_format     text NOT NULL,
		expires_at        timestamptz NOT NULL,
		instance          text NOT NULL
	);
	CREATE INDEX statements_owner_created ON statements (owner_principal, created_at DESC, id DESC);
	CREATE INDEX statements_unfinished ON statements (instance) WHERE status IN ('SUBMITTED', 'PICKED', 'STARTED');
	CREATE INDEX statements_expires ON statements (expires_at);
	CREATE TABLE result_pages (
		statement_id text NOT NULL,
		page         integer NOT NULL,
		data         bytea NOT NULL,
		PRIMARY KEY (statement_id, page)
	);
	-- Pages arrive compressed; recompressing them would only cost CPU.
	ALTER TABLE result_pages ALTER COLUMN data SET STORAGE EXTERNAL;`,
}

// Open connects to the control database and applies pending migrations.
func Open(ctx context.Context, connString string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("control database address: %w", err)
	}
	cfg.MaxConns = 32
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to control database: %w", err)
	}
	s := &Store{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the store's connections.
func (s *Store) Close() { s.pool.Close() }

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	// One migrator at a time across processes sharing the database.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7439001)`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS rsdata_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return err
	}
	var done int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM rsdata_migrations`).Scan(&done); err != nil {
		return err
	}
	for v := done + 1; v <= len(migrations); v++ {
		if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
			return fmt.Errorf("control database migration %d: %w", v, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO rsdata_migrations (version) VALUES ($1)`, v); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

const statementColumns = `id, owner_principal, owner_userid, target_kind, target_name, database, db_user,
	secret_arn, name, sql, status, error, created_at, updated_at, started_at, ended_at, redshift_pid,
	redshift_query_id, result_rows, result_size, has_result_set, columns, pages, result_format,
	expires_at, instance`

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
func (s *Store) Create(ctx context.Context, st *statement.Statement) error {
	cols, err := columnsJSON(st.Columns)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO statements (`+statementColumns+`) VALUES
		($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26)`,
		st.ID, st.Owner.Principal, st.Owner.UserID, string(st.Target.Kind), st.Target.Name, st.Database,
		st.DbUser, st.SecretArn, st.Name, st.SQL, string(st.Status), st.Error, st.CreatedAt, st.UpdatedAt,
		nullTime(st.StartedAt), nullTime(st.EndedAt), st.RedshiftPid, st.RedshiftQueryID, st.ResultRows,
		st.ResultSize, st.HasResultSet, cols, st.Pages, st.ResultFormat, st.ExpiresAt, st.Instance)
	return err
}

// Update implements statement.Store.
func (s *Store) Update(ctx context.Context, st *statement.Statement) error {
	cols, err := columnsJSON(st.Columns)
	if err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE statements SET status = $2, error = $3, updated_at = $4,
		started_at = $5, ended_at = $6, redshift_pid = $7, redshift_query_id = $8, result_rows = $9,
		result_size = $10, has_result_set = $11, columns = $12, pages = $13 WHERE id = $1`,
		st.ID, string(st.Status), st.Error, st.UpdatedAt, nullTime(st.StartedAt), nullTime(st.EndedAt),
		st.RedshiftPid, st.RedshiftQueryID, st.ResultRows, st.ResultSize, st.HasResultSet, cols, st.Pages)
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
	)
	err := row.Scan(&st.ID, &st.Owner.Principal, &st.Owner.UserID, &kind, &st.Target.Name, &st.Database,
		&st.DbUser, &st.SecretArn, &st.Name, &st.SQL, &status, &st.Error, &st.CreatedAt, &st.UpdatedAt,
		&started, &ended, &st.RedshiftPid, &st.RedshiftQueryID, &st.ResultRows, &st.ResultSize,
		&st.HasResultSet, &cols, &st.Pages, &st.ResultFormat, &st.ExpiresAt, &st.Instance)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, statement.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	st.Target.Kind, st.Status = statement.TargetKind(kind), statement.Status(status)
	if started != nil {
		st.StartedAt = started.UTC()
	}
	if ended != nil {
		st.EndedAt = ended.UTC()
	}
	st.CreatedAt, st.UpdatedAt, st.ExpiresAt = st.CreatedAt.UTC(), st.UpdatedAt.UTC(), st.ExpiresAt.UTC()
	if len(cols) > 0 {
		if err := json.Unmarshal(cols, &st.Columns); err != nil {
			return nil, fmt.Errorf("statement %s: column metadata: %w", st.ID, err)
		}
	}
	return &st, nil
}

// Get implements statement.Store.
func (s *Store) Get(ctx context.Context, id string) (*statement.Statement, error) {
	return scanStatement(s.pool.QueryRow(ctx, `SELECT `+statementColumns+` FROM statements WHERE id = $1`, id))
}

// List implements statement.Store.
func (s *Store) List(ctx context.Context, q statement.ListQuery) ([]*statement.Statement, error) {
	sql := `SELECT ` + statementColumns + ` FROM statements WHERE owner_principal = $1`
	args := []any{q.Principal}
	add := func(cond string, v any) {
		args = append(args, v)
		sql += fmt.Sprintf(" AND "+cond, len(args))
	}
	if q.UserID != "" {
		add("owner_userid = $%d", q.UserID)
	}
	if len(q.Statuses) > 0 {
		statuses := make([]string, len(q.Statuses))
		for i, st := range q.Statuses {
			statuses[i] = string(st)
		}
		add("status = ANY($%d)", statuses)
	}
	if q.NamePrefix != "" {
		// starts_with is an exact, case-sensitive prefix test: no LIKE
		// wildcards to escape.
		add("starts_with(name, $%d)", q.NamePrefix)
	}
	if q.Target.Name != "" {
		add("target_kind = $%d", string(q.Target.Kind))
		add("target_name = $%d", q.Target.Name)
	}
	if q.Database != "" {
		add("database = $%d", q.Database)
	}
	if !q.CreatedAfter.IsZero() {
		add("created_at > $%d", q.CreatedAfter)
	}
	if q.After != nil {
		args = append(args, q.After.CreatedAt, q.After.ID)
		sql += fmt.Sprintf(" AND (created_at, id) < ($%d, $%d)", len(args)-1, len(args))
	}
	sql += " ORDER BY created_at DESC, id DESC"
	if q.Limit > 0 {
		sql += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*statement.Statement
	for rows.Next() {
		st, err := scanStatement(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// FailUnfinished implements statement.Store.
func (s *Store) FailUnfinished(ctx context.Context, instance, message string, now time.Time) (int, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `DELETE FROM result_pages WHERE statement_id IN (SELECT id FROM statements
		WHERE instance = $1 AND status IN ('SUBMITTED', 'PICKED', 'STARTED'))`, instance); err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, `UPDATE statements SET status = 'FAILED', error = $2, updated_at = $3,
		ended_at = $3, pages = 0 WHERE instance = $1 AND status IN ('SUBMITTED', 'PICKED', 'STARTED')`,
		instance, message, now)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), tx.Commit(ctx)
}

// DropResultsBefore implements statement.Store.
func (s *Store) DropResultsBefore(ctx context.Context, t time.Time) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM result_pages WHERE statement_id IN
		(SELECT id FROM statements WHERE expires_at < $1 AND pages > 0)`, t)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `UPDATE statements SET pages = 0 WHERE expires_at < $1 AND pages > 0`, t)
	return err
}

// DeleteBefore implements statement.Store.
func (s *Store) DeleteBefore(ctx context.Context, t time.Time) (int, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `DELETE FROM result_pages WHERE statement_id IN
		(SELECT id FROM statements WHERE expires_at < $1)`, t); err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, `DELETE FROM statements WHERE expires_at < $1`, t)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), tx.Commit(ctx)
}

// PutPage implements results.PageStore.
func (s *Store) PutPage(ctx context.Context, statementID string, n int, data []byte) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO result_pages (statement_id, page, data) VALUES ($1, $2, $3)
		ON CONFLICT (statement_id, page) DO UPDATE SET data = excluded.data`, statementID, n, data)
	return err
}

// Page implements results.PageStore.
func (s *Store) Page(ctx context.Context, statementID string, n int) ([]byte, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM result_pages WHERE statement_id = $1 AND page = $2`,
		statementID, n).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, results.ErrPageNotFound
	}
	return data, err
}

// DeletePages implements results.PageStore.
func (s *Store) DeletePages(ctx context.Context, statementID string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM result_pages WHERE statement_id = $1`, statementID)
	return err
}
