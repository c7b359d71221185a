package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// migrationFiles are the control database's schema changes, applied in
// order, each once, and recorded in rsdata_migrations: numbered from 0001
// without gaps. A released file never changes; a change is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

// loadMigrations reads the embedded migration files in order and checks
// that they are numbered 1, 2, 3, ... without gaps or repeats.
func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("store: migration file %s is not named NNNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migration %s: want number %04d", m.name, i+1)
		}
	}
	return out, nil
}

// accountsVersion is the migration that keys IAM identities by account.
// Before it, each peer account had its own schema "account_<id>" holding
// every table; applying it folds those schemas into the shared tables.
const accountsVersion = 8

// iamTables are the tables keyed by account from accountsVersion on, with
// the columns they had before it, in an order that satisfies their
// foreign keys.
var iamTables = []struct{ name, columns string }{
	{"iam_users", "name, id, path, arn, created_at"},
	{"iam_access_keys", "id, user_name, status, sealed_secret, created_at"},
	{"iam_roles", "name, id, path, arn, description, trust_policy, max_session_duration, created_at"},
	{"iam_policies", "arn, name, id, path, description, document, default_version, created_at, updated_at, last_version"},
	{"iam_inline_policies", "owner_kind, owner_name, name, document"},
	{"iam_attachments", "owner_kind, owner_name, policy_arn"},
	{"iam_tags", "owner_kind, owner_name, key, value"},
}

func (s *Store) migrate(ctx context.Context, homeAccount string, upTo int) error {
	all, err := loadMigrations()
	if err != nil {
		return err
	}
	if upTo <= 0 || upTo > len(all) {
		upTo = len(all)
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		// One migrator at a time across processes sharing the database.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7439001)`); err != nil {
			return err
		}
		done, err := applied(ctx, tx)
		if err != nil {
			return err
		}
		if done >= upTo {
			return nil
		}
		if done < accountsVersion && upTo >= accountsVersion {
			if err := s.checkHomeAccount(ctx, tx, done, homeAccount); err != nil {
				return err
			}
			// 0008 reads it for the identities that exist already.
			if _, err := tx.Exec(ctx, `SELECT set_config('rsdata.home_account', $1, true)`, homeAccount); err != nil {
				return err
			}
		}
		if err := apply(ctx, tx, all, done, upTo); err != nil {
			return err
		}
		if done < accountsVersion && upTo >= accountsVersion {
			return foldPeerSchemas(ctx, tx, all)
		}
		return nil
	})
}

// applied returns the number of migrations the database has.
func applied(ctx context.Context, tx pgx.Tx) (int, error) {
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS rsdata_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return 0, err
	}
	var done int
	err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM rsdata_migrations`).Scan(&done)
	return done, err
}

// apply runs migrations done+1 to upTo in the transaction's schema.
func apply(ctx context.Context, tx pgx.Tx, all []migration, done, upTo int) error {
	for _, m := range all[done:upTo] {
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("control database migration %s: %w", m.name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO rsdata_migrations (version) VALUES ($1)`, m.version); err != nil {
			return err
		}
	}
	return nil
}

// checkHomeAccount refuses to key existing identities by an unknown
// account.
func (s *Store) checkHomeAccount(ctx context.Context, tx pgx.Tx, done int, homeAccount string) error {
	if homeAccount != "" || done < 3 {
		return nil
	}
	var any bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM iam_users) OR EXISTS (SELECT 1 FROM iam_roles)
		OR EXISTS (SELECT 1 FROM iam_policies)`).Scan(&any); err != nil {
		return err
	}
	if any {
		return fmt.Errorf("store: upgrading a control database that holds IAM identities needs the home account (store.Options.HomeAccount)")
	}
	return nil
}

// foldPeerSchemas moves each peer account's identities from its old schema
// "account_<id>" into the shared tables, keyed by the account, and drops
// the schema. A schema left at an older version is first brought to the
// last version before accountsVersion.
func foldPeerSchemas(ctx context.Context, tx pgx.Tx, all []migration) error {
	rows, err := tx.Query(ctx, `SELECT nspname FROM pg_namespace WHERE nspname ~ '^account_[0-9]{12}$' ORDER BY nspname`)
	if err != nil {
		return err
	}
	schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	var home string
	if err := tx.QueryRow(ctx, `SELECT current_setting('search_path')`).Scan(&home); err != nil {
		return err
	}
	for _, schema := range schemas {
		account := strings.TrimPrefix(schema, "account_")
		quoted := pgx.Identifier{schema}.Sanitize()
		if _, err := tx.Exec(ctx, `SELECT set_config('search_path', $1, true)`, quoted); err != nil {
			return err
		}
		done, err := applied(ctx, tx)
		if err != nil {
			return err
		}
		if done < accountsVersion-1 {
			if err := apply(ctx, tx, all, done, accountsVersion-1); err != nil {
				return fmt.Errorf("peer account %s: %w", account, err)
			}
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('search_path', $1, true)`, home); err != nil {
			return err
		}
		for _, t := range iamTables {
			if _, err := tx.Exec(ctx, `INSERT INTO `+t.name+` (account, `+t.columns+`) SELECT $1, `+t.columns+
				` FROM `+quoted+`.`+t.name, account); err != nil {
				return fmt.Errorf("peer account %s: %s: %w", account, t.name, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO iam_policy_versions (policy_arn, version_id, document, created_at)
			SELECT policy_arn, version_id, document, created_at FROM `+quoted+`.iam_policy_versions`); err != nil {
			return fmt.Errorf("peer account %s: iam_policy_versions: %w", account, err)
		}
		if _, err := tx.Exec(ctx, `DROP SCHEMA `+quoted+` CASCADE`); err != nil {
			return err
		}
	}
	return nil
}
