package embedded

import (
	"context"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"
)

// Reset returns every engine of the site to what its first start made,
// for a test suite's reset between runs (`rsdata serve --allow-reset`),
// without touching the data dir: it ends every session but rsdata's own,
// drops every database but dev, postgres and the templates, every schema
// of dev (public is made again, as a fresh database has it), and every
// role but the master user, rsdata's own and PostgreSQL's, with what they
// own; then it prepares the engine as StartEngine does (the master's
// attributes, grants, stored password and ownership of dev). Idempotent.
func (s *Site) Reset(ctx context.Context) error {
	keys := make([]string, 0, len(s.engines))
	for key := range s.engines {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if err := resetEngine(ctx, s.engines[key], s.logins[key]); err != nil {
			return fmt.Errorf("reset %s: %w", key, err)
		}
	}
	return nil
}

func resetEngine(ctx context.Context, inst *Instance, login MasterLogin) error {
	conn, err := pgx.Connect(ctx, inst.ConnString(bootstrapUser, "postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	// Users' sessions (psql, pools of temporary users) hold databases,
	// schemas and roles that are about to go.
	if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND usename IS DISTINCT FROM $1`, bootstrapUser); err != nil {
		return err
	}
	dbs, err := names(ctx, conn, `SELECT datname FROM pg_database WHERE NOT datistemplate AND datname NOT IN ('dev', 'postgres') ORDER BY 1`)
	if err != nil {
		return err
	}
	for _, db := range dbs {
		if _, err := conn.Exec(ctx, `DROP DATABASE `+pgx.Identifier{db}.Sanitize()+` WITH (FORCE)`); err != nil {
			return err
		}
	}
	dev, err := pgx.Connect(ctx, inst.ConnString(bootstrapUser, "dev"))
	if err != nil {
		return err
	}
	defer dev.Close(ctx)
	schemas, err := names(ctx, dev, `SELECT nspname FROM pg_namespace
		WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema' ORDER BY 1`)
	if err != nil {
		return err
	}
	for _, schema := range schemas {
		if _, err := dev.Exec(ctx, `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			return err
		}
	}
	// As initdb makes it on PostgreSQL 15: owned by the database's owner.
	if _, err := dev.Exec(ctx, `CREATE SCHEMA public AUTHORIZATION pg_database_owner`); err != nil {
		return err
	}
	roles, err := names(ctx, conn, `SELECT rolname FROM pg_roles
		WHERE rolname NOT LIKE 'pg\_%' AND rolname NOT IN ($1, $2) ORDER BY 1`, bootstrapUser, login.User)
	if err != nil {
		return err
	}
	if len(roles) > 0 {
		list := ""
		for i, r := range roles {
			if i > 0 {
				list += ", "
			}
			list += pgx.Identifier{r}.Sanitize()
		}
		// What the roles own or were granted in each database left.
		for _, c := range []*pgx.Conn{dev, conn} {
			if _, err := c.Exec(ctx, `DROP OWNED BY `+list+` CASCADE`); err != nil {
				return err
			}
		}
		if _, err := conn.Exec(ctx, `DROP ROLE `+list); err != nil {
			return err
		}
	}
	return bootstrapEngine(ctx, inst, login)
}

// names runs a query of one text column.
func names(ctx context.Context, conn *pgx.Conn, sql string, args ...any) ([]string, error) {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
