package statement

import (
	"context"
	"time"

	"github.com/rsdata/rsdata/internal/results"
)

// Store keeps statements durably. Implementations must be safe for
// concurrent use. Every method honours ctx cancellation.
type Store interface {
	// Create inserts a new statement; it is durable when Create returns.
	Create(ctx context.Context, st *Statement) error
	// Update overwrites the mutable fields of an existing statement (status,
	// error, timings, pid, counts, columns, pages).
	Update(ctx context.Context, st *Statement) error
	// Get returns the statement with id, or ErrNotFound.
	Get(ctx context.Context, id string) (*Statement, error)
	// List returns statements matching q, newest first (CreatedAt, then ID
	// descending), starting after q.After when set, at most q.Limit of them.
	List(ctx context.Context, q ListQuery) ([]*Statement, error)
	// FailUnfinished marks every non-terminal statement of instance FAILED
	// with message and returns how many it changed. It is idempotent.
	FailUnfinished(ctx context.Context, instance, message string, now time.Time) (int, error)
	// DropResultsBefore removes the result pages of statements whose
	// ExpiresAt is before t, keeping their records. It is idempotent.
	DropResultsBefore(ctx context.Context, t time.Time) error
	// DeleteBefore removes statements (and their result pages) whose
	// ExpiresAt is before t, and returns how many it removed.
	DeleteBefore(ctx context.Context, t time.Time) (int, error)
}

// ListQuery filters ListStatements. Empty fields do not filter.
type ListQuery struct {
	Principal    string
	UserID       string // when set, only statements of this aws:userid
	Statuses     []Status
	NamePrefix   string // case-sensitive prefix of StatementName
	Target       Target // Name "" = any
	Database     string
	CreatedAfter time.Time // exclude statements created at or before this time
	After        *Cursor
	Limit        int
}

// Cursor is a position in the newest-first order.
type Cursor struct {
	CreatedAt time.Time
	ID        string
}

// RunRequest is what the Executor needs to run one statement.
type RunRequest struct {
	Target    Target
	Database  string
	DbUser    string
	SecretArn string
	SQL       string
	// OnStart is called once the statement is sent, with the backend pid.
	OnStart func(pid int64)
}

// RunResult summarises a completed run.
type RunResult struct {
	HasResultSet bool
	// RowsAffected is the command tag count for statements without a
	// result set (INSERT, UPDATE, DELETE, ...).
	RowsAffected int64
}

// RowSink receives a statement's result set as it streams.
type RowSink interface {
	// Reset discards everything received so far: a later result set of a
	// multi-statement SQL text replaces an earlier one.
	Reset(ctx context.Context) error
	// SetColumns is called before the first record of a result set.
	SetColumns(cols []results.Column) error
	// AddRecord receives one encoded row; an error stops the statement.
	AddRecord(ctx context.Context, record []byte) error
}

// Executor runs SQL on a database. Run returns when the statement has ended;
// cancelling ctx cancels the statement on the server (a cancel request, so
// a pooled connection survives) and Run then returns an error satisfying
// errors.Is(err, context.Canceled) or a *DatabaseError with the server's
// cancellation text.
type Executor interface {
	Run(ctx context.Context, req RunRequest, sink RowSink) (RunResult, error)
}

// DatabaseError is an error reported by the database for the statement; its
// Message is shown to the user as Redshift shows it ("ERROR: ...").
type DatabaseError struct {
	Message string
	// Canceled is true when the server reports the statement was cancelled.
	Canceled bool
}

func (e *DatabaseError) Error() string { return e.Message }

// Clock supplies the time; tests inject a controllable one.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the real clock.
var SystemClock Clock = systemClock{}
