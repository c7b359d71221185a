package pgexec

import (
	"context"
	"time"

	"github.com/rsdata/rsdata/internal/engines"
)

// TerminateBackend ends backend pid on ep (pg_terminate_backend, through an
// admin connection) if it is still the backend that started before
// startedBy: a pid the server has since given to a new session is left
// alone. It reports whether a backend was ended. Another replica's
// statements are ended this way once that replica has stopped: the query
// would otherwise run on with nobody to read its result.
func TerminateBackend(ctx context.Context, ep *engines.Endpoint, pid int64, startedBy time.Time) (bool, error) {
	conn, err := AdminConn(ctx, ep)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.Background())
	var ended bool
	err = conn.QueryRow(ctx, `SELECT coalesce(bool_or(pg_terminate_backend(pid)), false) FROM pg_stat_activity
		WHERE pid = $1 AND backend_start <= $2`, pid, startedBy).Scan(&ended)
	return ended, err
}
