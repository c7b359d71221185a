package statement

import (
	"context"
	"time"

	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/results"
)

// Store keeps statements and sessions durably. Implementations must be safe
// for concurrent use. Every method honours ctx cancellation.
type Store interface {
	// Create inserts a statement and its sub-statements in one transaction;
	// they are durable when Create returns. With a non-empty token, if the
	// owner's principal used the same token for a statement created after
	// tokenSince, nothing is inserted and that statement's id is returned.
	Create(ctx context.Context, st *Statement, token string, tokenSince time.Time) (existingID string, err error)
	// Update overwrites the mutable fields of an existing statement (status,
	// error, timings, pid, counts, columns, pages). When last is not nil,
	// that result page is stored in the same transaction, so the state
	// announcing a result and its last page become durable together. When
	// a top-level statement with WithEvent becomes terminal, the same
	// transaction queues its status-change event, so the event is delivered
	// at least once.
	Update(ctx context.Context, st *Statement, last *results.LastPage) error
	// Get returns the statement with id, with its sub-statements when it is
	// a batch, or ErrNotFound.
	Get(ctx context.Context, id string) (*Statement, error)
	// List returns top-level statements matching q, newest first (CreatedAt,
	// then ID descending), starting after q.After, at most q.Limit of them,
	// with sub-statements' SQL in QueryStrings for batches.
	List(ctx context.Context, q ListQuery) ([]*Statement, error)
	// FailUnfinished marks every non-terminal statement of instance FAILED
	// with message (queuing events as Update does), closes the instance's
	// sessions, and returns how many statements it changed. It is idempotent.
	FailUnfinished(ctx context.Context, instance, message string, now time.Time) (int, error)
	// DropResultsBefore removes the result pages of statements whose
	// ExpiresAt is before t, keeping their records. It is idempotent.
	DropResultsBefore(ctx context.Context, t time.Time) error
	// DeleteBefore removes statements (and their result pages and client
	// tokens) whose ExpiresAt is before t, and sessions created before t,
	// and returns how many statements it removed.
	DeleteBefore(ctx context.Context, t time.Time) (int, error)

	// PutSession inserts or overwrites a session.
	PutSession(ctx context.Context, s *Session) error
	// GetSession returns a session, or ErrSessionNotFound.
	GetSession(ctx context.Context, id string) (*Session, error)
	// ListSessions returns sessions matching q, newest first.
	ListSessions(ctx context.Context, q SessionQuery) ([]*Session, error)
}

// SessionQuery filters ListSessions. Empty fields do not filter.
type SessionQuery struct {
	Principal    string
	UserID       string
	ID           string
	Statuses     []SessionStatus
	Target       Target
	Database     string
	CreatedAfter time.Time
	After        *Cursor
	Limit        int
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

// ConnRequest names the login a statement runs under.
type ConnRequest struct {
	Target    Target
	Database  string
	DbUser    string
	SecretArn string
	// AutoCreate creates DbUser as a login role without privileges when it
	// does not exist (IAM-derived users such as "IAM:alice").
	AutoCreate bool
	// Password, when set, is DbUser's password (from a secret): the login
	// authenticates with it instead of being trusted.
	Password string
}

// Format is a result encoding.
type Format string

// The result formats of the Data API.
const (
	FormatJSON Format = "JSON"
	FormatCSV  Format = "CSV"
)

// RunResult summarises one SQL text's run.
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
	// AddRecord receives one encoded row (for CSV, the header line first);
	// an error stops the statement.
	AddRecord(ctx context.Context, record []byte) error
}

// Executor opens database sessions.
type Executor interface {
	// Acquire returns a connection logged in as req names, waiting (bounded
	// by ctx) while the login's pool is exhausted.
	Acquire(ctx context.Context, req ConnRequest) (Conn, error)
}

// Conn is one database session.
type Conn interface {
	// PID is the backend process id (Redshift's pid).
	PID() int64
	// Run executes sql and streams its result set, encoded in format, into
	// sink. With params non-nil, sql is one statement whose $1..$n are bound
	// to params as text of unknown type (so the server casts them
	// implicitly); otherwise sql may hold several statements. Cancelling ctx
	// sends a cancel request: the query stops, the session survives.
	Run(ctx context.Context, sql string, params []string, format Format, sink RowSink) (RunResult, error)
	// InTransaction reports whether the session is inside a transaction block.
	InTransaction() bool
	// Alive reports whether the connection can still run statements.
	Alive() bool
	// Release ends the caller's use. With reset, session state (SET,
	// temporary tables, prepared statements) is cleared and the connection
	// returns to its pool; a broken connection, or one left inside a
	// transaction, is closed instead. Without reset (a Data API session
	// ending) the connection is closed. Release is safe to call once.
	Release(reset bool)
}

// QueryRecorder is implemented by a Conn whose engine keeps Redshift's
// query history (STL_QUERY, SVL_QLOG, SYS_QUERY_HISTORY).
type QueryRecorder interface {
	// RecordQuery records one ended statement and returns its query id,
	// Redshift's query, which DescribeStatement shows as RedshiftQueryId;
	// 0 when the engine keeps no history. It does not wait for the
	// database: the history row may be written after it returns.
	RecordQuery(q QueryRecord) int64
}

// RoleRunner is implemented by a Conn whose engine runs Redshift's user
// and group DDL itself, on behalf of the session's user, rather than as
// SQL of that user's (an embedded engine, whose master user is no
// PostgreSQL superuser). The statement runs on another connection and
// commits at once, whatever transaction the session has open.
type RoleRunner interface {
	// RunsRoles reports whether RunRole serves this connection's engine;
	// when false the statement's SQL runs as any other.
	RunsRoles() bool
	// RunRole runs cmd; a refusal or a database error is a *DatabaseError.
	RunRole(ctx context.Context, cmd *dialect.RoleCommand) error
}

// QueryRecord is one ended statement, for the query history.
type QueryRecord struct {
	StatementID string
	SQL         string // as the user sent it
	Status      Status
	Error       string
	Start, End  time.Time
	Rows        int64 // rows returned or affected
}

// DatabaseError is an error reported by the database for the statement; its
// Message is shown to the user as Redshift shows it ("ERROR: ...").
type DatabaseError struct {
	Message string
	// Canceled is true when the server reports the statement was cancelled.
	Canceled bool
}

func (e *DatabaseError) Error() string { return e.Message }

// ConnectionError is a failure to reach or log in to the database; its
// Message is public.
type ConnectionError struct{ Message string }

func (e *ConnectionError) Error() string { return e.Message }

// Clock supplies the time; tests inject a controllable one.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the real clock.
var SystemClock Clock = systemClock{}
