// Statements: failing the unfinished ones at start and dropping expired results and statements.

package store

import (
	"context"
	"time"
)

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
	if _, err := tx.Exec(ctx, `SELECT pg_notify('`+EventChannel+`', '')`); err != nil {
		return 0, err
	}
	// Replicas waiting for these statements learn of their end on commit.
	if _, err := tx.Exec(ctx, `SELECT pg_notify('`+EndedChannel+`', id) FROM statements
		WHERE instance = $1 AND status IN ('SUBMITTED', 'PICKED', 'STARTED')`, instance); err != nil {
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
