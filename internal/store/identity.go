package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rsdata/rsdata/internal/identity"
)

var _ identity.Store = (*Identities)(nil)

// uniqueViolation is the SQLSTATE of a taken name.
const uniqueViolation = "23505"

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func ownerTable(k identity.Kind) string {
	if k == identity.KindRole {
		return "iam_roles"
	}
	return "iam_users"
}

// lockOwner checks that the owner exists and locks its row: FOR SHARE
// against a concurrent delete while dependents are written, FOR UPDATE
// when deleting it.
func (s *Identities) lockOwner(ctx context.Context, tx pgx.Tx, o identity.Owner, forUpdate bool) error {
	lock := " FOR SHARE"
	if forUpdate {
		lock = " FOR UPDATE"
	}
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM `+ownerTable(o.Kind)+` WHERE name = $1 AND account = $2`+lock, o.Name, s.account).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return identity.ErrNoSuchEntity
	}
	return err
}

func (s *Identities) insertTags(ctx context.Context, tx pgx.Tx, o identity.Owner, tags []identity.Tag) error {
	for _, t := range tags {
		if _, err := tx.Exec(ctx, `INSERT INTO iam_tags (owner_kind, owner_name, key, value, account) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (account, owner_kind, owner_name, key) DO UPDATE SET value = excluded.value`,
			string(o.Kind), o.Name, t.Key, t.Value, s.account); err != nil {
			return err
		}
	}
	return nil
}

func (s *Identities) queryTags(ctx context.Context, q pgxQuerier, o identity.Owner) ([]identity.Tag, error) {
	rows, err := q.Query(ctx, `SELECT key, value FROM iam_tags WHERE owner_kind = $1 AND owner_name = $2 AND account = $3 ORDER BY key`,
		string(o.Kind), o.Name, s.account)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (identity.Tag, error) {
		var t identity.Tag
		return t, r.Scan(&t.Key, &t.Value)
	})
}

type pgxQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// deleteOwner removes a user or role and its tags once the dependents
// query, run with the owner locked, reports none.
func (s *Identities) deleteOwner(ctx context.Context, o identity.Owner, dependents string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.lockOwner(ctx, tx, o, true); err != nil {
			return err
		}
		var busy bool
		if err := tx.QueryRow(ctx, dependents, string(o.Kind), o.Name, s.account).Scan(&busy); err != nil {
			return err
		}
		if busy {
			return identity.ErrDeleteConflict
		}
		if _, err := tx.Exec(ctx, `DELETE FROM iam_tags WHERE owner_kind = $1 AND owner_name = $2 AND account = $3`, string(o.Kind), o.Name, s.account); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM `+ownerTable(o.Kind)+` WHERE name = $1 AND account = $2`, o.Name, s.account)
		return err
	})
}

// policyDependents reports whether an owner ($1 kind, $2 name, $3 account)
// still has inline or attached policies.
const policyDependents = `EXISTS (SELECT 1 FROM iam_inline_policies WHERE owner_kind = $1 AND owner_name = $2 AND account = $3)
	OR EXISTS (SELECT 1 FROM iam_attachments WHERE owner_kind = $1 AND owner_name = $2 AND account = $3)`
