package store

import (
	"context"
	"errors"
	"time"

	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/events"
	"github.com/rsdata/rsdata/internal/statement"
)

var _ events.Outbox = (*Events)(nil)

// PendingEvents implements events.Outbox. Entries whose statement was
// deleted are left out by the join (DeleteBefore removes only delivered
// entries, so that happens only to statements removed otherwise).
func (s *Events) PendingEvents(ctx context.Context, limit int) ([]events.Pending, error) {
	if limit <= 0 {
		return nil, errors.New("pending events: limit must be positive")
	}
	rows, err := s.pool.Query(ctx, `SELECT e.id, e.statement_id, e.state, e.created_at, s.owner_principal,
		s.name, s.result_rows, s.expires_at, s.target_kind, s.target_name
		FROM events e JOIN statements s ON s.id = e.statement_id
		WHERE e.delivered_at IS NULL ORDER BY e.id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []events.Pending
	for rows.Next() {
		var (
			p           events.Pending
			state, kind string
		)
		if err := rows.Scan(&p.ID, &p.StatementID, &state, &p.Time, &p.Principal, &p.StatementName,
			&p.Rows, &p.ExpiresAt, &kind, &p.Target.Name); err != nil {
			return nil, err
		}
		p.State, p.Target.Kind = statement.Status(state), engines.Kind(kind)
		p.Time, p.ExpiresAt = p.Time.UTC(), p.ExpiresAt.UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// MarkDelivered implements events.Outbox. An entry keeps its first delivery
// time.
func (s *Events) MarkDelivered(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `UPDATE events SET delivered_at = $2 WHERE id = ANY($1) AND delivered_at IS NULL`, ids, at)
	return err
}
