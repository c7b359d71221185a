// Identities: roles.

package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/identity"
)

// CreateRole implements identity.Store.
func (s *Identities) CreateRole(ctx context.Context, r *identity.Role) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO iam_roles (name, id, path, arn, description, trust_policy, max_session_duration, created_at, account)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			r.Name, r.ID, r.Path, r.ARN, r.Description, r.TrustPolicy, r.MaxSessionDuration, r.CreatedAt, s.account)
		if sqlState(err) == uniqueViolation {
			return identity.ErrEntityAlreadyExists
		}
		if err != nil {
			return err
		}
		return s.insertTags(ctx, tx, identity.Owner{Kind: identity.KindRole, Name: r.Name}, r.Tags)
	})
}

const roleColumns = `name, id, path, arn, description, trust_policy, max_session_duration, created_at`

func scanRole(row pgx.Row) (*identity.Role, error) {
	var r identity.Role
	if err := row.Scan(&r.Name, &r.ID, &r.Path, &r.ARN, &r.Description, &r.TrustPolicy, &r.MaxSessionDuration, &r.CreatedAt); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, identity.ErrNoSuchEntity
		}
		return nil, err
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return &r, nil
}

// GetRole implements identity.Store.
func (s *Identities) GetRole(ctx context.Context, name string) (*identity.Role, error) {
	r, err := scanRole(s.pool.QueryRow(ctx, `SELECT `+roleColumns+` FROM iam_roles WHERE name = $1 AND account = $2`, name, s.account))
	if err != nil {
		return nil, err
	}
	if r.Tags, err = s.queryTags(ctx, s.pool, identity.Owner{Kind: identity.KindRole, Name: name}); err != nil {
		return nil, err
	}
	return r, nil
}

// ListRoles implements identity.Store.
func (s *Identities) ListRoles(ctx context.Context) ([]*identity.Role, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+roleColumns+` FROM iam_roles WHERE account = $1 ORDER BY name`, s.account)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*identity.Role, error) { return scanRole(r) })
}

// DeleteRole implements identity.Store.
func (s *Identities) DeleteRole(ctx context.Context, name string) error {
	return s.deleteOwner(ctx, identity.Owner{Kind: identity.KindRole, Name: name}, `SELECT `+policyDependents)
}
