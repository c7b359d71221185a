package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/statement"
)

const sessionColumns = `id, owner_principal, owner_userid, target_kind, target_name, database, db_user,
	secret_arn, keep_alive_seconds, status, created_at, updated_at, ttl, current_statement, instance`

// PutSession implements statement.Store.
func (s *Statements) PutSession(ctx context.Context, ss *statement.Session) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES
		($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
		ON CONFLICT (id) DO UPDATE SET keep_alive_seconds = excluded.keep_alive_seconds, status = excluded.status,
		updated_at = excluded.updated_at, ttl = excluded.ttl, current_statement = excluded.current_statement`,
		ss.ID, ss.Owner.Principal, ss.Owner.UserID, string(ss.Target.Kind), ss.Target.Name, ss.Database,
		ss.DbUser, ss.SecretArn, int64(ss.KeepAlive/time.Second), string(ss.Status), ss.CreatedAt,
		ss.UpdatedAt, ss.TTL, ss.CurrentStatement, ss.Instance)
	return err
}

func scanSession(row pgx.Row) (*statement.Session, error) {
	var (
		ss           statement.Session
		kind, status string
		keepAlive    int64
	)
	err := row.Scan(&ss.ID, &ss.Owner.Principal, &ss.Owner.UserID, &kind, &ss.Target.Name, &ss.Database,
		&ss.DbUser, &ss.SecretArn, &keepAlive, &status, &ss.CreatedAt, &ss.UpdatedAt, &ss.TTL,
		&ss.CurrentStatement, &ss.Instance)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, statement.ErrSessionNotFound
	}
	if err != nil {
		return nil, err
	}
	ss.Target.Kind, ss.Status = engines.Kind(kind), statement.SessionStatus(status)
	ss.KeepAlive = time.Duration(keepAlive) * time.Second
	ss.CreatedAt, ss.UpdatedAt, ss.TTL = ss.CreatedAt.UTC(), ss.UpdatedAt.UTC(), ss.TTL.UTC()
	return &ss, nil
}

// GetSession implements statement.Store.
func (s *Statements) GetSession(ctx context.Context, id string) (*statement.Session, error) {
	return scanSession(s.pool.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = $1`, id))
}

// ListSessions implements statement.Store.
func (s *Statements) ListSessions(ctx context.Context, q statement.SessionQuery) ([]*statement.Session, error) {
	l := newListing(`SELECT `+sessionColumns+` FROM sessions WHERE true`, q.Principal, q.UserID)
	if q.ID != "" {
		l.add("id = $%d", q.ID)
	}
	l.statuses(statusNames(q.Statuses))
	l.scope(q.Target, q.Database, q.CreatedAfter)
	return queryAll(ctx, s, l, q.After, q.Limit, scanSession)
}
