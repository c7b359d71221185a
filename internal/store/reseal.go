// Resealing: the last step of a sealing-key rotation rewrites every sealed
// value under the new primary key, so the old key can then be dropped.

package store

import (
	"context"
	"errors"
)

// ResealFunc returns a sealed value as the primary key seals it; changed is
// false when it already was.
type ResealFunc func(sealed []byte) (out []byte, changed bool, err error)

// sealedColumns are the columns holding sealed values, with their keys.
var sealedColumns = []struct{ table, column, key string }{
	{"iam_access_keys", "sealed_secret", "id"},
	{"sm_secret_versions", "sealed_value", "secret_arn || '/' || version_id"},
	{"ds_connections", "sealed_password", "id::text"}, // NULL for IAM_ROLE
}

// Reseal rewrites every sealed value (access key secrets, Secrets Manager
// versions, datastore connections' passwords) that reseal changes and returns how many it rewrote. Each
// value is written back only if it is still the one read, so a concurrent
// write (already under the primary key) wins; several replicas may run it
// at once. A value no key opens is left as it is and reported in err,
// after the others are done.
func (s *Store) Reseal(ctx context.Context, reseal ResealFunc) (int, error) {
	n := 0
	var errs []error
	for _, c := range sealedColumns {
		rows, err := s.db.pool.Query(ctx, `SELECT `+c.key+`, `+c.column+` FROM `+c.table+` WHERE `+c.column+` IS NOT NULL`)
		if err != nil {
			return n, err
		}
		type value struct {
			key    string
			sealed []byte
		}
		var values []value
		for rows.Next() {
			var v value
			if err := rows.Scan(&v.key, &v.sealed); err != nil {
				rows.Close()
				return n, err
			}
			values = append(values, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, err
		}
		for _, v := range values {
			out, changed, err := reseal(v.sealed)
			if err != nil {
				errs = append(errs, errors.New(c.table+" "+v.key+": "+err.Error()))
				continue
			}
			if !changed {
				continue
			}
			tag, err := s.db.pool.Exec(ctx, `UPDATE `+c.table+` SET `+c.column+` = $2 WHERE `+c.key+` = $1 AND `+c.column+` = $3`,
				v.key, out, v.sealed)
			if err != nil {
				return n, err
			}
			n += int(tag.RowsAffected())
		}
	}
	return n, errors.Join(errs...)
}
