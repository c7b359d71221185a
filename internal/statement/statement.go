// Package statement runs Data API statements asynchronously and owns their
// life cycle: SUBMITTED -> PICKED -> STARTED -> FINISHED | FAILED | ABORTED.
// It declares what it needs from the outside (a Store for durable state, an
// Executor that talks to the database, a results.PageStore for result pages)
// and knows nothing of HTTP, AWS wire shapes or pgx.
package statement

import (
	"errors"
	"fmt"
	"time"

	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/results"
)

// Status is a statement's place in its life cycle.
type Status string

// The statuses AWS reports.
const (
	Submitted Status = "SUBMITTED"
	Picked    Status = "PICKED"
	Started   Status = "STARTED"
	Finished  Status = "FINISHED"
	Failed    Status = "FAILED"
	Aborted   Status = "ABORTED"
)

// Terminal reports whether s is a final status.
func (s Status) Terminal() bool { return s == Finished || s == Failed || s == Aborted }

// Target names the cluster or workgroup a statement runs on.
type Target struct {
	Kind engines.Kind // a provisioned cluster or a serverless workgroup
	Name string
}

func (t Target) String() string { return string(t.Kind) + " " + t.Name }

// Owner identifies who ran a statement. Principal is the IAM identity that
// owns it (a user, or a role for all its sessions); UserID is the caller's
// aws:userid, which narrows ownership to one role session when asked.
type Owner struct {
	Principal string
	UserID    string
}

// Param is a named Data API parameter (":name" in the SQL).
type Param struct{ Name, Value string }

// Execution modes of a batch.
const (
	ModeTransaction = "TRANSACTION"
	ModeAutoCommit  = "AUTO_COMMIT"
)

// Statement is one statement's durable record. A batch is a parent
// statement (Batch true, SQL empty, QueryStrings set) whose sub-statements
// are statements with Parent set and IDs "<parent>:<n>", n from 1.
type Statement struct {
	ID        string
	Owner     Owner
	Target    Target
	Database  string
	DbUser    string
	SecretArn string
	Name      string // StatementName
	SQL       string

	Params        []Param
	Batch         bool
	QueryStrings  []string // a batch's SQLs, for ListStatements
	ExecutionMode string   // a batch's mode
	Parent        string   // a sub-statement's batch
	SubIndex      int      // a sub-statement's position, from 1
	Subs          []*Statement
	SessionID     string
	WithEvent     bool

	Status    Status
	Error     string
	CreatedAt time.Time
	UpdatedAt time.Time
	StartedAt time.Time // zero until STARTED
	EndedAt   time.Time // zero until terminal

	RedshiftPid     int64
	RedshiftQueryID int64
	ResultRows      int64 // rows returned or affected; -1 when unknown
	ResultSize      int64 // bytes of the stored result; -1 when unknown
	HasResultSet    bool
	Columns         []results.Column
	Pages           int // result pages stored
	ResultFormat    string
	ExpiresAt       time.Time
	// Instance is the rsdata process that runs the statement; after a crash
	// that process fails what it left unfinished.
	Instance string
}

// Duration is the run time in nanoseconds as AWS reports it: -1 until the
// statement has both started and ended.
func (s *Statement) Duration() int64 {
	if s.StartedAt.IsZero() || s.EndedAt.IsZero() {
		return -1
	}
	return s.EndedAt.Sub(s.StartedAt).Nanoseconds()
}

// Errors callers map onto their wire. Each names a distinct situation.
var (
	// ErrNotFound: no such statement visible to the caller.
	ErrNotFound = errors.New("statement not found")
	// ErrNoResult: the statement has not finished, failed, or has no result set.
	ErrNoResult = errors.New("statement has no result")
	// ErrTooManyActive: the target already runs its maximum of active statements.
	ErrTooManyActive = errors.New("too many active statements")
	// ErrBadToken: a NextToken that this server did not issue for this request.
	ErrBadToken = errors.New("invalid next token")
	// ErrShuttingDown: the engine no longer accepts statements.
	ErrShuttingDown = errors.New("server is shutting down")
	// ErrTooManySessions: the target already holds its maximum of sessions.
	ErrTooManySessions = errors.New("too many active sessions")
	// ErrTooManyWaiters: too many long-polling requests wait on a statement.
	ErrTooManyWaiters = errors.New("too many waiting requests")
	// ErrStillRunning: a long-polled result whose statement did not end in time.
	ErrStillRunning = errors.New("statement still running")
	// ErrBatchParent: a result was asked of a batch by its own id; only its
	// sub-statements (<id>:<n>) have results.
	ErrBatchParent = errors.New("batch result asked by the batch's id")
	// ErrWrongFormat: the result was asked for in the other format's API.
	ErrWrongFormat = errors.New("result format mismatch")
)

// ExpiredError reports a statement whose retention has ended.
type ExpiredError struct{ At time.Time }

func (e *ExpiredError) Error() string { return fmt.Sprintf("statement expired at %s", e.At) }

// NotCancellableError reports a cancel of a statement that is not running.
type NotCancellableError struct {
	ID     string
	Status Status
}

func (e *NotCancellableError) Error() string {
	return fmt.Sprintf("statement %s is %s", e.ID, e.Status)
}

// InvalidError is a request that fails validation; Message is public.
type InvalidError struct{ Message string }

func (e *InvalidError) Error() string { return e.Message }

func invalid(format string, args ...any) error {
	return &InvalidError{Message: fmt.Sprintf(format, args...)}
}
