package statement

import (
	"errors"
	"time"
)

// SessionStatus is a Data API session's state.
type SessionStatus string

// The statuses ListSessions reports.
const (
	SessionAvailable SessionStatus = "AVAILABLE"
	SessionBusy      SessionStatus = "BUSY"
	SessionClosed    SessionStatus = "CLOSED"
)

// Session limits AWS documents.
const (
	MaxSessionKeepAlive = 24 * time.Hour
	DefaultMaxSessions  = 500
)

// Session is a Data API session: one database connection kept across
// statements, so temporary tables, SET and open transactions persist.
type Session struct {
	ID        string
	Owner     Owner
	Target    Target
	Database  string
	DbUser    string
	SecretArn string
	// KeepAlive is how long the session stays open after a statement ends.
	KeepAlive time.Duration
	Status    SessionStatus
	CreatedAt time.Time
	UpdatedAt time.Time
	// TTL is when an idle session closes (the last statement's end plus
	// KeepAlive, never past CreatedAt + 24 h).
	TTL              time.Time
	CurrentStatement string
	Instance         string
}

// ErrSessionNotFound: no such session was ever created for the caller.
var ErrSessionNotFound = errors.New("session not found")

// SessionUnavailableError reports a session that exists but is closed.
type SessionUnavailableError struct{ ID string }

func (e *SessionUnavailableError) Error() string { return "session " + e.ID + " is not available" }

// SessionInvalidError reports a session id that names no session.
type SessionInvalidError struct{ ID string }

func (e *SessionInvalidError) Error() string { return "session " + e.ID + " is invalid" }

// SessionBusyError reports a session already running a statement.
type SessionBusyError struct{ ID, Statement string }

func (e *SessionBusyError) Error() string {
	return "session " + e.ID + " is busy running statement " + e.Statement
}
