// Identities: users and their access keys.

package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/identity"
)

// CreateUser implements identity.Store.
func (s *Identities) CreateUser(ctx context.Context, u *identity.User) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO iam_users (name, id, path, arn, created_at, account) VALUES ($1, $2, $3, $4, $5, $6)`,
			u.Name, u.ID, u.Path, u.ARN, u.CreatedAt, s.account)
		if sqlState(err) == uniqueViolation {
			return identity.ErrEntityAlreadyExists
		}
		if err != nil {
			return err
		}
		return s.insertTags(ctx, tx, identity.Owner{Kind: identity.KindUser, Name: u.Name}, u.Tags)
	})
}

const userColumns = `name, id, path, arn, created_at`

func scanUser(r pgx.Row) (*identity.User, error) {
	var u identity.User
	if err := r.Scan(&u.Name, &u.ID, &u.Path, &u.ARN, &u.CreatedAt); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, identity.ErrNoSuchEntity
		}
		return nil, err
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return &u, nil
}

// GetUser implements identity.Store.
func (s *Identities) GetUser(ctx context.Context, name string) (*identity.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM iam_users WHERE name = $1 AND account = $2`, name, s.account))
	if err != nil {
		return nil, err
	}
	if u.Tags, err = s.queryTags(ctx, s.pool, identity.Owner{Kind: identity.KindUser, Name: name}); err != nil {
		return nil, err
	}
	return u, nil
}

// ListUsers implements identity.Store.
func (s *Identities) ListUsers(ctx context.Context) ([]*identity.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM iam_users WHERE account = $1 ORDER BY name`, s.account)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*identity.User, error) { return scanUser(r) })
}

// DeleteUser implements identity.Store.
func (s *Identities) DeleteUser(ctx context.Context, name string) error {
	return s.deleteOwner(ctx, identity.Owner{Kind: identity.KindUser, Name: name},
		`SELECT EXISTS (SELECT 1 FROM iam_access_keys WHERE user_name = $2 AND account = $3) OR `+policyDependents)
}

// CreateAccessKey implements identity.Store.
func (s *Identities) CreateAccessKey(ctx context.Context, k *identity.AccessKey, max int) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		// FOR UPDATE serialises key creation per user, so the quota holds.
		if err := s.lockOwner(ctx, tx, identity.Owner{Kind: identity.KindUser, Name: k.UserName}, true); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM iam_access_keys WHERE user_name = $1 AND account = $2`, k.UserName, s.account).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return identity.ErrLimitExceeded
		}
		_, err := tx.Exec(ctx, `INSERT INTO iam_access_keys (id, user_name, status, sealed_secret, created_at, account) VALUES ($1, $2, $3, $4, $5, $6)`,
			k.ID, k.UserName, string(k.Status), k.SealedSecret, k.CreatedAt, s.account)
		return err
	})
}

const keyColumns = `id, user_name, status, sealed_secret, created_at`

func scanKey(r pgx.Row) (*identity.AccessKey, error) {
	var (
		k      identity.AccessKey
		status string
	)
	if err := r.Scan(&k.ID, &k.UserName, &status, &k.SealedSecret, &k.CreatedAt); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, identity.ErrNoSuchEntity
		}
		return nil, err
	}
	k.Status, k.CreatedAt = identity.AccessKeyStatus(status), k.CreatedAt.UTC()
	return &k, nil
}

// GetAccessKey implements identity.Store.
func (s *Identities) GetAccessKey(ctx context.Context, id string) (*identity.AccessKey, error) {
	return scanKey(s.pool.QueryRow(ctx, `SELECT `+keyColumns+` FROM iam_access_keys WHERE id = $1 AND account = $2`, id, s.account))
}

// ListAccessKeys implements identity.Store.
func (s *Identities) ListAccessKeys(ctx context.Context, userName string) ([]*identity.AccessKey, error) {
	var keys []*identity.AccessKey
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.lockOwner(ctx, tx, identity.Owner{Kind: identity.KindUser, Name: userName}, false); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+keyColumns+` FROM iam_access_keys WHERE user_name = $1 AND account = $2 ORDER BY created_at, id`, userName, s.account)
		if err != nil {
			return err
		}
		keys, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*identity.AccessKey, error) { return scanKey(r) })
		return err
	})
	return keys, err
}

// UpdateAccessKey implements identity.Store.
func (s *Identities) UpdateAccessKey(ctx context.Context, userName, id string, status identity.AccessKeyStatus) error {
	tag, err := s.pool.Exec(ctx, `UPDATE iam_access_keys SET status = $3 WHERE user_name = $1 AND id = $2 AND account = $4`, userName, id, string(status), s.account)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return identity.ErrNoSuchEntity
	}
	return nil
}

// DeleteAccessKey implements identity.Store.
func (s *Identities) DeleteAccessKey(ctx context.Context, userName, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM iam_access_keys WHERE user_name = $1 AND id = $2 AND account = $3`, userName, id, s.account)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return identity.ErrNoSuchEntity
	}
	return nil
}
