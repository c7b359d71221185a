// Identities: managed policies and their versions.

package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/identity"
)

// CreatePolicy implements identity.Store.
func (s *Identities) CreatePolicy(ctx context.Context, p *identity.ManagedPolicy) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO iam_policies (arn, name, id, path, description, document, default_version, created_at, updated_at, account)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			p.ARN, p.Name, p.ID, p.Path, p.Description, p.Document, p.DefaultVersionID, p.CreatedAt, p.UpdatedAt, s.account); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO iam_policy_versions (policy_arn, version_id, document, created_at) VALUES ($1, $2, $3, $4)`,
			p.ARN, p.DefaultVersionID, p.Document, p.CreatedAt)
		return err
	})
	if sqlState(err) == uniqueViolation {
		return identity.ErrEntityAlreadyExists
	}
	return err
}

// CreatePolicyVersion implements identity.Store.
func (s *Identities) CreatePolicyVersion(ctx context.Context, arn, document string, asDefault bool, at time.Time, max int) (*identity.PolicyVersion, error) {
	var v *identity.PolicyVersion
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var last, count int
		err := tx.QueryRow(ctx, `SELECT last_version, (SELECT count(*) FROM iam_policy_versions WHERE policy_arn = $1)
			FROM iam_policies WHERE arn = $1 AND account = $2 FOR UPDATE`, arn, s.account).Scan(&last, &count)
		if errors.Is(err, pgx.ErrNoRows) {
			return identity.ErrNoSuchEntity
		}
		if err != nil {
			return err
		}
		if count >= max {
			return identity.ErrLimitExceeded
		}
		v = &identity.PolicyVersion{VersionID: "v" + strconv.Itoa(last+1), Document: document, IsDefault: asDefault, CreatedAt: at}
		if _, err := tx.Exec(ctx, `INSERT INTO iam_policy_versions (policy_arn, version_id, document, created_at) VALUES ($1, $2, $3, $4)`,
			arn, v.VersionID, document, at); err != nil {
			return err
		}
		if asDefault {
			_, err = tx.Exec(ctx, `UPDATE iam_policies SET last_version = $2, default_version = $3, document = $4, updated_at = $5 WHERE arn = $1`,
				arn, last+1, v.VersionID, document, at)
		} else {
			_, err = tx.Exec(ctx, `UPDATE iam_policies SET last_version = $2 WHERE arn = $1`, arn, last+1)
		}
		return err
	})
	return v, err
}

// ListPolicyVersions implements identity.Store.
func (s *Identities) ListPolicyVersions(ctx context.Context, arn string) ([]identity.PolicyVersion, error) {
	var out []identity.PolicyVersion
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var def string
		if err := tx.QueryRow(ctx, `SELECT default_version FROM iam_policies WHERE arn = $1 AND account = $2`, arn, s.account).Scan(&def); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return identity.ErrNoSuchEntity
			}
			return err
		}
		rows, err := tx.Query(ctx, `SELECT version_id, document, created_at FROM iam_policy_versions WHERE policy_arn = $1
			ORDER BY substr(version_id, 2)::int DESC`, arn)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (identity.PolicyVersion, error) {
			var v identity.PolicyVersion
			err := r.Scan(&v.VersionID, &v.Document, &v.CreatedAt)
			v.IsDefault, v.CreatedAt = v.VersionID == def, v.CreatedAt.UTC()
			return v, err
		})
		return err
	})
	return out, err
}

// SetDefaultPolicyVersion implements identity.Store.
func (s *Identities) SetDefaultPolicyVersion(ctx context.Context, arn, versionID string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE iam_policies p SET default_version = v.version_id, document = v.document, updated_at = $3
		FROM iam_policy_versions v WHERE p.arn = $1 AND p.account = $4 AND v.policy_arn = p.arn AND v.version_id = $2`, arn, versionID, at, s.account)
	if err == nil && tag.RowsAffected() == 0 {
		return identity.ErrNoSuchEntity
	}
	return err
}

// DeletePolicyVersion implements identity.Store.
func (s *Identities) DeletePolicyVersion(ctx context.Context, arn, versionID string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var def string
		err := tx.QueryRow(ctx, `SELECT default_version FROM iam_policies WHERE arn = $1 AND account = $2 FOR UPDATE`, arn, s.account).Scan(&def)
		if errors.Is(err, pgx.ErrNoRows) {
			return identity.ErrNoSuchEntity
		}
		if err != nil {
			return err
		}
		if def == versionID {
			return identity.ErrDeleteConflict
		}
		tag, err := tx.Exec(ctx, `DELETE FROM iam_policy_versions WHERE policy_arn = $1 AND version_id = $2`, arn, versionID)
		if err == nil && tag.RowsAffected() == 0 {
			return identity.ErrNoSuchEntity
		}
		return err
	})
}

const policyColumns = `arn, name, id, path, description, document, default_version, created_at, updated_at`

func scanPolicy(r pgx.Row) (*identity.ManagedPolicy, error) {
	var p identity.ManagedPolicy
	if err := r.Scan(&p.ARN, &p.Name, &p.ID, &p.Path, &p.Description, &p.Document, &p.DefaultVersionID, &p.CreatedAt, &p.UpdatedAt); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, identity.ErrNoSuchEntity
		}
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

// GetPolicy implements identity.Store.
func (s *Identities) GetPolicy(ctx context.Context, arn string) (*identity.ManagedPolicy, error) {
	return scanPolicy(s.pool.QueryRow(ctx, `SELECT `+policyColumns+` FROM iam_policies WHERE arn = $1 AND account = $2`, arn, s.account))
}

// ListPolicies implements identity.Store.
func (s *Identities) ListPolicies(ctx context.Context) ([]*identity.ManagedPolicy, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+policyColumns+` FROM iam_policies WHERE account = $1 ORDER BY name`, s.account)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*identity.ManagedPolicy, error) { return scanPolicy(r) })
}

// DeletePolicy implements identity.Store.
func (s *Identities) DeletePolicy(ctx context.Context, arn string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		// Attach locks the policy row FOR SHARE, so no attachment can slip
		// in between this check and the delete.
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM iam_policies WHERE arn = $1 AND account = $2 FOR UPDATE`, arn, s.account).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return identity.ErrNoSuchEntity
		}
		if err != nil {
			return err
		}
		var attached bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM iam_attachments WHERE policy_arn = $1 AND account = $2)`, arn, s.account).Scan(&attached); err != nil {
			return err
		}
		var versions int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM iam_policy_versions WHERE policy_arn = $1`, arn).Scan(&versions); err != nil {
			return err
		}
		if attached {
			return identity.ErrDeleteConflict
		}
		if versions > 1 {
			return identity.ErrHasVersions
		}
		_, err = tx.Exec(ctx, `DELETE FROM iam_policies WHERE arn = $1 AND account = $2`, arn, s.account)
		return err
	})
}

// AttachmentCounts implements identity.Store.
func (s *Identities) AttachmentCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT policy_arn, count(*) FROM iam_attachments WHERE account = $1 GROUP BY policy_arn`, s.account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			arn string
			n   int
		)
		if err := rows.Scan(&arn, &n); err != nil {
			return nil, err
		}
		out[arn] = n
	}
	return out, rows.Err()
}
