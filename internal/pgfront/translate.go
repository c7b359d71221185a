package pgfront

import (
	"errors"
	"fmt"

	"github.com/rsdata/rsdata/internal/dialect"
)

// Translator turns the SQL of a Query or Parse message into what the
// server runs.
type Translator interface {
	// Translate returns sql as the server should run it. A *Refusal error
	// means the engine's dialect refuses the statement: the client gets an
	// ErrorResponse with its SQLSTATE and message, and the statement never
	// runs. Any other error is reported to the client the same way, with
	// SQLSTATE XX000. It must be safe for concurrent use.
	Translate(sql string) (string, error)
}

// Refusal is a statement the dialect refuses, worded as Redshift refuses
// it.
type Refusal struct {
	Code    string // SQLSTATE, e.g. "0A000"
	Message string
}

func (r *Refusal) Error() string { return fmt.Sprintf("%s (SQLSTATE %s)", r.Message, r.Code) }

// Follower is a Translator that may also have a statement to run after a
// simple Query succeeds, or after an Execute of a statement prepared with
// Parse (before the next Sync, once everything since the last one has
// succeeded), in the same session: the Redshift dialect records a CREATE
// TABLE's DISTSTYLE, DISTKEY and SORTKEY that way, for SVV_TABLE_INFO and
// PG_TABLE_DEF. The statement must not fail, return no rows, and complete
// with the tag "DO"; the front hides its responses.
type Follower interface {
	After(sql string) string
}

// Dialect translates with the dialect layer in the given mode
// (dialect.Postgres passes SQL through untouched).
type Dialect dialect.Mode

// Translate implements Translator.
func (d Dialect) Translate(sql string) (string, error) {
	out, err := dialect.TranslateStrict(dialect.Mode(d), sql)
	if ref, ok := errors.AsType[*dialect.Refusal](err); ok {
		return "", &Refusal{Code: ref.Code, Message: ref.Message}
	}
	return out, err
}

// After implements Follower.
func (d Dialect) After(sql string) string {
	return dialect.RecordLayoutSQL(dialect.Mode(d), sql)
}
