package store

// Reset: each view forgets everything it holds, for `rsdata serve
// --allow-reset`'s tests-reset (see app/reset.go). Each is one
// transaction, idempotent, and leaves the schema as it is.

import (
	"context"

	"github.com/jackc/pgx/v5"
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
