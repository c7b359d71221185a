package statement

import (
	"context"
	"slices"
	"time"
)

// runParts runs the statements of a SQL text that holds user or group
// statements with others (prepared.Parts), in order, on conn: each role
// statement through rr, which commits it at once on a connection of its
// own, the others as conn's SQL. Those run in one transaction, as
// PostgreSQL runs a multi-statement query: BEGIN before them and COMMIT
// after, or ROLLBACK when one fails, unless conn is already inside a
// transaction block (a session's), which they join and a failure aborts.
// The last statement's result is the text's, written to snk; earlier ones
// are discarded. The first failure ends the run and is its error.
//
// A role statement waits for locks on the roles it names that conn's own
// open transaction holds (a GRANT to the user it drops); RunRole bounds
// that wait and fails with a clear error rather than hang.
func (e *Engine) runParts(ctx context.Context, conn Conn, rr RoleRunner, parts []prepared, format Format, snk RowSink) (RunResult, error) {
	tx := !conn.InTransaction() && slices.ContainsFunc(parts, func(p prepared) bool { return p.Role == nil })
	if tx {
		if _, err := conn.Run(ctx, "BEGIN", nil, FormatJSON, discard{}); err != nil {
			return RunResult{}, err
		}
	}
	var res RunResult
	var err error
	for i, p := range parts {
		res = RunResult{}
		if p.Role != nil {
			err = rr.RunRole(ctx, p.Role)
		} else {
			var out RowSink = discard{}
			if i == len(parts)-1 {
				out = snk
			}
			res, err = conn.Run(ctx, p.SQL, nil, format, out)
			if err == nil && p.After != "" {
				// Its failure is not the statement's; it is written never
				// to fail, nor to abort the transaction.
				if _, aerr := conn.Run(ctx, p.After, nil, FormatJSON, discard{}); aerr != nil {
					e.opts.Logger.Warn("statement's follow-up failed", "err", aerr)
				}
			}
		}
		if err != nil {
			break
		}
	}
	if tx {
		end := "COMMIT"
		if err != nil {
			end = "ROLLBACK"
		}
		// The transaction ends even when the statement was cancelled.
		fin, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, eerr := conn.Run(fin, end, nil, FormatJSON, discard{})
		cancel()
		if err == nil {
			err = eerr
		}
	}
	return res, err
}
