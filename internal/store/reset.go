package store

// Reset: each view forgets everything it holds, for `rsdata serve
// --allow-reset`'s tests-reset (see app/reset.go). Each is one
// transaction, idempotent, and leaves the schema as it is.

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/datastore"
)

// deleteAll empties tables in order, in one transaction; args are the
// arguments of every statement (the identities' account).
func (d db) deleteAll(ctx context.Context, stmts []string, args ...any) error {
	return d.inTx(ctx, func(tx pgx.Tx) error {
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// Reset removes every statement, result page, client token and session.
// Statements still running in a process must have been ended first, or
// their workers write them back.
func (s *Statements) Reset(ctx context.Context) error {
	return s.deleteAll(ctx, []string{`DELETE FROM result_pages`, `DELETE FROM client_tokens`,
		`DELETE FROM sessions`, `DELETE FROM statements`})
}

// Reset removes every event, delivered or not.
func (e *Events) Reset(ctx context.Context) error {
	return e.deleteAll(ctx, []string{`DELETE FROM events`})
}

// Reset removes every lease; the database users they name are the
// engines' to drop (embedded.Site.Reset).
func (l *Leases) Reset(ctx context.Context) error {
	return l.deleteAll(ctx, []string{`DELETE FROM dbcred_leases`})
}

// Reset removes every secret and its versions.
func (s *Secrets) Reset(ctx context.Context) error {
	return s.deleteAll(ctx, []string{`DELETE FROM sm_secret_versions`, `DELETE FROM sm_secrets`})
}

// Reset removes every resource tag.
func (t *Tags) Reset(ctx context.Context) error {
	return t.deleteAll(ctx, []string{`DELETE FROM resource_tags`})
}

// Reset removes the account's IAM users, their keys, roles, managed
// policies (with their versions), inline policies, attachments and tags.
// The root credentials are not kept here and stay.
func (i *Identities) Reset(ctx context.Context) error {
	return i.deleteAll(ctx, []string{
		`DELETE FROM iam_access_keys WHERE account = $1`,
		`DELETE FROM iam_attachments WHERE account = $1`,
		`DELETE FROM iam_inline_policies WHERE account = $1`,
		`DELETE FROM iam_tags WHERE account = $1`,
		`DELETE FROM iam_policies WHERE account = $1`,
		`DELETE FROM iam_users WHERE account = $1`,
		`DELETE FROM iam_roles WHERE account = $1`,
	}, i.account)
}

// Reset removes every datastore with its catalog and operations, every
// connection, and every token but those whose hash is in keep (the first
// Admin token, as the root credentials stay); with keep empty, every Admin
// token stays.
func (d *Datastores) Reset(ctx context.Context, keep []string) error {
	tokens, arg := `DELETE FROM ds_tokens WHERE NOT (hash = ANY($1))`, any(keep)
	if len(keep) == 0 {
		tokens, arg = `DELETE FROM ds_tokens WHERE role <> $1`, int(datastore.Admin)
	}
	return d.inTx(ctx, func(tx pgx.Tx) error {
		for _, q := range []string{`DELETE FROM ds_operations`, `DELETE FROM ds_containers`,
			`UPDATE ds_datastores SET enrichment_datastore_id = NULL`, `DELETE FROM ds_datastores`, `DELETE FROM ds_connections`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, tokens, arg)
		return err
	})
}

// Unfinished counts the statements of every replica that have not ended.
func (s *Statements) Unfinished(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM statements WHERE status IN ('SUBMITTED', 'PICKED', 'STARTED')`).Scan(&n)
	return n, err
}
