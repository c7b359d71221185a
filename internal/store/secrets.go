package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rsdata/rsdata/internal/secrets"
)

var _ secrets.Store = (*Secrets)(nil)

const secretColumns = `arn, name, description, kms_key_id, tags, created_at, last_changed_at,
	last_accessed_on, deleted_at, deletion_at, revision`

type secretsQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func secretTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func scanSecret(row pgx.Row) (*secrets.Secret, error) {
	var (
		sec                         secrets.Secret
		tags                        []byte
		accessed, deleted, deletion *time.Time
	)
	err := row.Scan(&sec.ARN, &sec.Name, &sec.Description, &sec.KmsKeyID, &tags, &sec.CreatedDate,
		&sec.LastChangedDate, &accessed, &deleted, &deletion, &sec.Revision)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, secrets.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(tags, &sec.Tags); err != nil {
		return nil, fmt.Errorf("secret %s tags: %w", sec.ARN, err)
	}
	sec.CreatedDate, sec.LastChangedDate = sec.CreatedDate.UTC(), sec.LastChangedDate.UTC()
	sec.LastAccessedDate, sec.DeletedDate, sec.DeletionDate = secretTime(accessed), secretTime(deleted), secretTime(deletion)
	return &sec, nil
}

// secretVersions loads the versions of the given secrets (all of them when
// arns is nil) in the order they were added.
func secretVersions(ctx context.Context, q secretsQuerier, arns []string) (map[string][]secrets.Version, error) {
	rows, err := q.Query(ctx, `SELECT secret_arn, version_id, stages, is_binary, sealed_value, created_at
		FROM sm_secret_versions WHERE $1::text[] IS NULL OR secret_arn = ANY($1) ORDER BY secret_arn, seq`, arns)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]secrets.Version{}
	for rows.Next() {
		var (
			arn string
			v   secrets.Version
		)
		if err := rows.Scan(&arn, &v.ID, &v.Stages, &v.Binary, &v.Sealed, &v.CreatedDate); err != nil {
			return nil, err
		}
		v.CreatedDate = v.CreatedDate.UTC()
		out[arn] = append(out[arn], v)
	}
	return out, rows.Err()
}

func (s *Secrets) getSecret(ctx context.Context, where string, arg string) (*secrets.Secret, error) {
	sec, err := scanSecret(s.pool.QueryRow(ctx, `SELECT `+secretColumns+` FROM sm_secrets WHERE `+where+` = $1`, arg))
	if err != nil {
		return nil, err
	}
	vs, err := secretVersions(ctx, s.pool, []string{sec.ARN})
	if err != nil {
		return nil, err
	}
	sec.Versions = vs[sec.ARN]
	return sec, nil
}

// GetSecretByName implements secrets.Store.
func (s *Secrets) GetSecretByName(ctx context.Context, name string) (*secrets.Secret, error) {
	return s.getSecret(ctx, "name", name)
}

// GetSecretByARN implements secrets.Store.
func (s *Secrets) GetSecretByARN(ctx context.Context, arn string) (*secrets.Secret, error) {
	return s.getSecret(ctx, "arn", arn)
}

// ListSecrets implements secrets.Store.
func (s *Secrets) ListSecrets(ctx context.Context) ([]*secrets.Secret, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+secretColumns+` FROM sm_secrets`)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*secrets.Secret, error) { return scanSecret(r) })
	if err != nil {
		return nil, err
	}
	vs, err := secretVersions(ctx, s.pool, nil)
	if err != nil {
		return nil, err
	}
	for _, sec := range list {
		sec.Versions = vs[sec.ARN]
	}
	return list, nil
}

func secretTags(sec *secrets.Secret) ([]byte, error) {
	if sec.Tags == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(sec.Tags)
}

func putSecretVersions(ctx context.Context, tx pgx.Tx, sec *secrets.Secret) error {
	ids := make([]string, len(sec.Versions))
	for i, v := range sec.Versions {
		ids[i] = v.ID
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sm_secret_versions WHERE secret_arn = $1 AND NOT (version_id = ANY($2))`, sec.ARN, ids); err != nil {
		return err
	}
	for i, v := range sec.Versions {
		stages := v.Stages
		if stages == nil {
			stages = []string{}
		}
		// A version's value is written once; later writes move only its labels.
		if _, err := tx.Exec(ctx, `INSERT INTO sm_secret_versions (secret_arn, version_id, seq, stages, is_binary, sealed_value, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (secret_arn, version_id) DO UPDATE SET seq = excluded.seq, stages = excluded.stages`,
			sec.ARN, v.ID, i, stages, v.Binary, v.Sealed, v.CreatedDate); err != nil {
			return err
		}
	}
	return nil
}

// CreateSecret implements secrets.Store.
func (s *Secrets) CreateSecret(ctx context.Context, sec *secrets.Secret) error {
	tags, err := secretTags(sec)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO sm_secrets (`+secretColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1)`,
			sec.ARN, sec.Name, sec.Description, sec.KmsKeyID, tags, sec.CreatedDate, sec.LastChangedDate,
			nullTime(sec.LastAccessedDate), nullTime(sec.DeletedDate), nullTime(sec.DeletionDate)); err != nil {
			return err
		}
		return putSecretVersions(ctx, tx, sec)
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return secrets.ErrNameTaken
	}
	if err != nil {
		return err
	}
	sec.Revision = 1
	return nil
}

// UpdateSecret implements secrets.Store. The last-accessed date is
// TouchSecret's alone, so a read racing an update is not lost.
func (s *Secrets) UpdateSecret(ctx context.Context, sec *secrets.Secret) error {
	tags, err := secretTags(sec)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE sm_secrets SET description = $3, kms_key_id = $4, tags = $5,
			last_changed_at = $6, deleted_at = $7, deletion_at = $8, revision = revision + 1
			WHERE arn = $1 AND revision = $2`,
			sec.ARN, sec.Revision, sec.Description, sec.KmsKeyID, tags, sec.LastChangedDate,
			nullTime(sec.DeletedDate), nullTime(sec.DeletionDate))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return secrets.ErrConflict
		}
		return putSecretVersions(ctx, tx, sec)
	})
}

// TouchSecret implements secrets.Store.
func (s *Secrets) TouchSecret(ctx context.Context, arn string, day time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE sm_secrets SET last_accessed_on = $2 WHERE arn = $1`, arn, day)
	return err
}

// DeleteSecret implements secrets.Store.
func (s *Secrets) DeleteSecret(ctx context.Context, arn string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sm_secrets WHERE arn = $1`, arn)
	return err
}
