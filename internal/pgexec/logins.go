package pgexec

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ensureLogin creates user as a login role without a password or any
// privilege beyond PUBLIC's, unless it exists: the database user of an IAM
// identity ("IAM:alice", "IAMR:analyst"), which Redshift creates on first
// use. rsdata reaches it over the trusted socket, so it needs no password;
// over TCP it cannot log in until credentials are issued for it.
func ensureLogin(ctx context.Context, admin *pgxpool.Pool, user string) error {
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, user).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err := admin.Exec(ctx, `CREATE ROLE `+pgx.Identifier{user}.Sanitize()+` LOGIN `+tempUserAttrs)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "42710" || pgErr.Code == "23505") {
		return nil // created meanwhile by a concurrent statement
	}
	return err
}
