package store

import (
	"context"
	"errors"
	"strconv"
	"time"

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

// --- users ---

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

// --- access keys ---

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

// --- roles ---

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

// --- managed policies ---

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

// --- inline policies ---

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

// --- attachments ---

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

// --- tags ---

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
