package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// ResourceTags returns the tags of the resource arn; none is an empty map,
// not an error.
func (s *Tags) ResourceTags(ctx context.Context, arn string) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT key, value FROM resource_tags WHERE arn = $1`, arn)
	if err != nil {
		return nil, err
	}
	tags := map[string]string{}
	var k, v string
	_, err = pgx.ForEachRow(rows, []any{&k, &v}, func() error {
		tags[k] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tags, nil
}

// TagResource sets tags on arn, replacing the values of keys it already
// has, all or nothing.
func (s *Tags) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		for k, v := range tags {
			if _, err := tx.Exec(ctx, `INSERT INTO resource_tags (arn, key, value) VALUES ($1, $2, $3)
				ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value`, arn, k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// UntagResource removes keys from arn; keys it does not have are ignored.
func (s *Tags) UntagResource(ctx context.Context, arn string, keys []string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM resource_tags WHERE arn = $1 AND key = ANY($2)`, arn, keys)
	return err
}
