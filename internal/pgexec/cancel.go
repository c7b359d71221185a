package pgexec

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// cancelRetry is how often a statement's cancel request is repeated while
// the statement has not ended, and cancelSettle how long after the last
// request the connection is held back from its next query.
const (
	cancelRetry  = 100 * time.Millisecond
	cancelSettle = 100 * time.Millisecond
)

// cancelHandler stops a statement whose context is cancelled by sending
// PostgreSQL cancel requests, which end the query and leave the session
// usable, as pgconn's CancelRequestContextWatcherHandler does, with one
// difference: the request is repeated every cancelRetry until the
// statement has ended. PostgreSQL ignores a cancel request that reaches a
// backend still waiting to read its next query, and a statement cancelled
// just after it was sent is in that state while its backend has not yet
// been scheduled, which on a busy machine takes long enough for the single
// request to be lost; the statement would then run on until the
// connection's deadline, deadlineDelay after the cancel, closed the
// connection.
type cancelHandler struct {
	conn          *pgconn.PgConn
	deadlineDelay time.Duration

	stop context.CancelFunc
	done chan struct{}
}

// HandleCancel implements ctxwatch.Handler.
func (h *cancelHandler) HandleCancel(context.Context) {
	deadline := time.Now().Add(h.deadlineDelay)
	_ = h.conn.Conn().SetDeadline(deadline)
	ctx, stop := context.WithCancel(context.Background())
	h.stop, h.done = stop, make(chan struct{})
	go func() {
		defer close(h.done)
		for {
			reqCtx, cancel := context.WithDeadline(ctx, deadline)
			_ = h.conn.CancelRequest(reqCtx)
			cancel()
			sent := time.Now()
			select {
			case <-ctx.Done():
				// The backend may receive the last request's signal after the
				// server acknowledged it; let it arrive before the connection
				// can carry another query, which it would cancel.
				time.Sleep(time.Until(sent.Add(cancelSettle)))
				return
			case <-time.After(cancelRetry):
			}
		}
	}()
}

// HandleUnwatchAfterCancel implements ctxwatch.Handler: the statement has
// ended, so the requests stop.
func (h *cancelHandler) HandleUnwatchAfterCancel() {
	h.stop()
	<-h.done
	_ = h.conn.Conn().SetDeadline(time.Time{})
}
