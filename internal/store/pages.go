// Result pages (results.PageStore).

package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/results"
)

// putPageSQL stores one result page; storing a page again replaces it.
const putPageSQL = `INSERT INTO result_pages (statement_id, page, data) VALUES ($1, $2, $3)
	ON CONFLICT (statement_id, page) DO UPDATE SET data = excluded.data`

// PutPage implements results.PageStore.
func (s *Statements) PutPage(ctx context.Context, statementID string, n int, data []byte) error {
	_, err := s.pool.Exec(ctx, putPageSQL, statementID, n, data)
	return err
}

// Page implements results.PageStore.
func (s *Statements) Page(ctx context.Context, statementID string, n int) ([]byte, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM result_pages WHERE statement_id = $1 AND page = $2`,
		statementID, n).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, results.ErrPageNotFound
	}
	return data, err
}

// DeletePages implements results.PageStore.
func (s *Statements) DeletePages(ctx context.Context, statementID string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM result_pages WHERE statement_id = $1`, statementID)
	return err
}
