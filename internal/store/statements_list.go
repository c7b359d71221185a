// Statements: listing by status and scope.

package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/statement"
)

// List implements statement.Store.
func (s *Statements) List(ctx context.Context, q statement.ListQuery) ([]*statement.Statement, error) {
	l := newListing(`SELECT `+statementColumns+` FROM statements WHERE parent_id IS NULL`, q.Principal, q.UserID)
	l.statuses(statusNames(q.Statuses))
	if q.NamePrefix != "" {
		// starts_with is an exact, case-sensitive prefix test: no LIKE
		// wildcards to escape.
		l.add("starts_with(name, $%d)", q.NamePrefix)
	}
	l.scope(q.Target, q.Database, q.CreatedAfter)
	return queryAll(ctx, s, l, q.After, q.Limit, scanStatement)
}

// listing builds the query of a newest-first listing of one owner's
// records (statements or sessions) with numbered parameters.
type listing struct {
	sql  string
	args []any
}

func newListing(base, principal, userID string) *listing {
	l := &listing{sql: base}
	l.add("owner_principal = $%d", principal)
	if userID != "" {
		l.add("owner_userid = $%d", userID)
	}
	return l
}

func (l *listing) add(cond string, v any) {
	l.args = append(l.args, v)
	l.sql += fmt.Sprintf(" AND "+cond, len(l.args))
}

// statusNames converts typed statuses for a status filter.
func statusNames[S ~string](list []S) []string {
	names := make([]string, len(list))
	for i, st := range list {
		names[i] = string(st)
	}
	return names
}

func (l *listing) statuses(names []string) {
	if len(names) > 0 {
		l.add("status = ANY($%d)", names)
	}
}

func (l *listing) scope(t statement.Target, database string, createdAfter time.Time) {
	if t.Name != "" {
		l.add("target_kind = $%d", string(t.Kind))
		l.add("target_name = $%d", t.Name)
	}
	if database != "" {
		l.add("database = $%d", database)
	}
	if !createdAfter.IsZero() {
		l.add("created_at > $%d", createdAfter)
	}
}

// queryAll runs a listing from after (exclusive), newest first, at most
// limit rows (0 = all), scanning each row with scan.
func queryAll[T any](ctx context.Context, s *Statements, l *listing, after *statement.Cursor, limit int, scan func(pgx.Row) (T, error)) ([]T, error) {
	if after != nil {
		l.args = append(l.args, after.CreatedAt, after.ID)
		l.sql += fmt.Sprintf(" AND (created_at, id) < ($%d, $%d)", len(l.args)-1, len(l.args))
	}
	l.sql += " ORDER BY created_at DESC, id DESC"
	if limit > 0 {
		l.sql += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.pool.Query(ctx, l.sql, l.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
