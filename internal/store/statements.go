// Statements: create, update and get one statement, and its row encoding.

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
		// The replica delivering events may be another one: tell it.
		if s.flags.shared.Load() {
			if _, err := tx.Exec(ctx, `SELECT pg_notify('`+EventChannel+`', $1)`, st.ID); err != nil {
				return err
			}
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
