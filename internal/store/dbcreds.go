package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/dbcreds"
)

var _ dbcreds.Store = (*Leases)(nil)

// PutLease implements dbcreds.Store.
func (s *Leases) PutLease(ctx context.Context, l dbcreds.Lease) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO dbcred_leases
		(engine_kind, engine_name, role, database, expires_at, valid_until, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (engine_kind, engine_name, role) DO UPDATE SET database = excluded.database,
		expires_at = excluded.expires_at, valid_until = excluded.valid_until, created_at = excluded.created_at`,
		l.Engine.Kind, l.Engine.Name, l.Role, l.Database, l.ExpiresAt, l.ValidUntil, l.CreatedAt)
	return err
}

// DueLeases implements dbcreds.Store.
func (s *Leases) DueLeases(ctx context.Context, now time.Time, limit int) ([]dbcreds.Lease, error) {
	rows, err := s.pool.Query(ctx, `SELECT engine_kind, engine_name, role, database, expires_at, valid_until, created_at
		FROM dbcred_leases WHERE expires_at < $1 ORDER BY expires_at, engine_kind, engine_name, role LIMIT $2`, now, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (dbcreds.Lease, error) {
		var l dbcreds.Lease
		err := row.Scan(&l.Engine.Kind, &l.Engine.Name, &l.Role, &l.Database, &l.ExpiresAt, &l.ValidUntil, &l.CreatedAt)
		l.ExpiresAt, l.ValidUntil, l.CreatedAt = l.ExpiresAt.UTC(), l.ValidUntil.UTC(), l.CreatedAt.UTC()
		return l, err
	})
}

// DeleteLease implements dbcreds.Store.
func (s *Leases) DeleteLease(ctx context.Context, l dbcreds.Lease) (bool, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM dbcred_leases
		WHERE engine_kind = $1 AND engine_name = $2 AND role = $3 AND valid_until = $4`,
		l.Engine.Kind, l.Engine.Name, l.Role, l.ValidUntil)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}
