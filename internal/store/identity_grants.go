// Identities: inline policies, attachments and tags of users and roles.

package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/identity"
)

// PutInlinePolicy implements identity.Store.
func (s *Identities) PutInlinePolicy(ctx context.Context, o identity.Owner, p identity.InlinePolicy) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.lockOwner(ctx, tx, o, false); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO iam_inline_policies (owner_kind, owner_name, name, document, account) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (account, owner_kind, owner_name, name) DO UPDATE SET document = excluded.document`,
			string(o.Kind), o.Name, p.Name, p.Document, s.account)
		return err
	})
}

// GetInlinePolicy implements identity.Store.
func (s *Identities) GetInlinePolicy(ctx context.Context, o identity.Owner, name string) (*identity.InlinePolicy, error) {
	p := identity.InlinePolicy{Name: name}
	err := s.pool.QueryRow(ctx, `SELECT document FROM iam_inline_policies WHERE owner_kind = $1 AND owner_name = $2 AND name = $3 AND account = $4`,
		string(o.Kind), o.Name, name, s.account).Scan(&p.Document)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, identity.ErrNoSuchEntity
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// ListInlinePolicies implements identity.Store.
func (s *Identities) ListInlinePolicies(ctx context.Context, o identity.Owner) ([]identity.InlinePolicy, error) {
	var out []identity.InlinePolicy
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.lockOwner(ctx, tx, o, false); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT name, document FROM iam_inline_policies WHERE owner_kind = $1 AND owner_name = $2 AND account = $3 ORDER BY name`,
			string(o.Kind), o.Name, s.account)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (identity.InlinePolicy, error) {
			var p identity.InlinePolicy
			return p, r.Scan(&p.Name, &p.Document)
		})
		return err
	})
	return out, err
}

// DeleteInlinePolicy implements identity.Store.
func (s *Identities) DeleteInlinePolicy(ctx context.Context, o identity.Owner, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM iam_inline_policies WHERE owner_kind = $1 AND owner_name = $2 AND name = $3 AND account = $4`,
		string(o.Kind), o.Name, name, s.account)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return identity.ErrNoSuchEntity
	}
	return nil
}

// Attach implements identity.Store.
func (s *Identities) Attach(ctx context.Context, o identity.Owner, arn string, builtin []string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.lockOwner(ctx, tx, o, false); err != nil {
			return err
		}
		isBuiltin := false
		for _, b := range builtin {
			isBuiltin = isBuiltin || b == arn
		}
		if !isBuiltin {
			var one int
			err := tx.QueryRow(ctx, `SELECT 1 FROM iam_policies WHERE arn = $1 AND account = $2 FOR SHARE`, arn, s.account).Scan(&one)
			if errors.Is(err, pgx.ErrNoRows) {
				return identity.ErrNoSuchEntity
			}
			if err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO iam_attachments (owner_kind, owner_name, policy_arn, account) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, string(o.Kind), o.Name, arn, s.account)
		return err
	})
}

// Detach implements identity.Store.
func (s *Identities) Detach(ctx context.Context, o identity.Owner, arn string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM iam_attachments WHERE owner_kind = $1 AND owner_name = $2 AND policy_arn = $3 AND account = $4`,
		string(o.Kind), o.Name, arn, s.account)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return identity.ErrNoSuchEntity
	}
	return nil
}

// ListAttached implements identity.Store.
func (s *Identities) ListAttached(ctx context.Context, o identity.Owner) ([]string, error) {
	var out []string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.lockOwner(ctx, tx, o, false); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT policy_arn FROM iam_attachments WHERE owner_kind = $1 AND owner_name = $2 AND account = $3 ORDER BY policy_arn`,
			string(o.Kind), o.Name, s.account)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return out, err
}

// Tag implements identity.Store.
func (s *Identities) Tag(ctx context.Context, o identity.Owner, tags []identity.Tag, max int) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		// FOR UPDATE serialises taggers of one owner, so the limit holds.
		if err := s.lockOwner(ctx, tx, o, true); err != nil {
			return err
		}
		if err := s.insertTags(ctx, tx, o, tags); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM iam_tags WHERE owner_kind = $1 AND owner_name = $2 AND account = $3`,
			string(o.Kind), o.Name, s.account).Scan(&n); err != nil {
			return err
		}
		if n > max {
			return identity.ErrLimitExceeded
		}
		return nil
	})
}

// Untag implements identity.Store.
func (s *Identities) Untag(ctx context.Context, o identity.Owner, keys []string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.lockOwner(ctx, tx, o, false); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM iam_tags WHERE owner_kind = $1 AND owner_name = $2 AND key = ANY($3) AND account = $4`,
			string(o.Kind), o.Name, keys, s.account)
		return err
	})
}

// ListTags implements identity.Store.
func (s *Identities) ListTags(ctx context.Context, o identity.Owner) ([]identity.Tag, error) {
	var out []identity.Tag
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.lockOwner(ctx, tx, o, false); err != nil {
			return err
		}
		var err error
		out, err = s.queryTags(ctx, tx, o)
		return err
	})
	return out, err
}
