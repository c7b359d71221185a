// Package datastore owns the datastores registered at runtime through the
// datastore API: their saved connections (a host, a port and a BASIC user
// or an IAM role), the bearer tokens that may call the API and their roles,
// the catalog of each datastore's schema (containers and fields) and the
// catalog operations that build it. Every datastore is also a Data API
// target, registered in the engines registry as cluster "datastore-<id>";
// source datastores are registered read-only.
//
// It is plain Go: the control database is a Store and the database side a
// Connector, both declared here.
package datastore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/rsdata/rsdata/internal/engines"
)

// Authentication types of a connection.
const (
	AuthBasic   = "BASIC"
	AuthIAMRole = "IAM_ROLE"
)

// ConnectorType is the only connector this API knows.
const ConnectorType = "redshift"

// DefaultPort is Redshift's port, the default of connection.port.
const DefaultPort = 5439

// Connection is a saved connection. Password is the plaintext only in
// memory; the store keeps SealedPassword.
type Connection struct {
	ID             int64
	Name           string
	Type           string
	Host           string
	Port           int
	AuthType       string
	Username       string
	Password       string
	SealedPassword []byte
	RoleARN        string
	ExternalID     string
	CreatedAt      time.Time
}

// Datastore is a registered datastore.
type Datastore struct {
	ID             int64
	Name           string
	ConnectionID   int64
	Database       string
	Schema         string
	Description    string
	Teams          []string
	Tags           []string
	EnrichmentOnly bool
	// EnrichmentDatastoreID links a source to its enrichment datastore (0:
	// none).
	EnrichmentDatastoreID int64
	EnrichmentPrefix      string
	CreatedAt             time.Time
}

// ClusterIdentifier is the Data API ClusterIdentifier of datastore id.
func ClusterIdentifier(id int64) string { return "datastore-" + strconv.FormatInt(id, 10) }

// Container is a catalogued table or view and its fields.
type Container struct {
	ID          int64
	DatastoreID int64
	Name        string
	// Type is "table" or "view".
	Type      string
	Fields    []Field
	UpdatedAt time.Time
}

// Field is one column of a container.
type Field struct {
	Name     string
	Type     string
	Nullable bool
	Position int
}

// Operation statuses.
const (
	OpQueued  = "queued"
	OpRunning = "running"
	OpSuccess = "success"
	OpFailure = "failure"
	OpAborted = "aborted"
)

// RestartedMessage ends the operations a starting rsdata found it had
// left unfinished.
const RestartedMessage = "rsdata restarted while the operation ran"

// ReplicaStoppedMessage ends the operations of a replica that stopped
// renewing its lease, when another replica takes it over.
const ReplicaStoppedMessage = "the rsdata replica running the operation stopped (its lease in the control store expired); run it again"

// Operation is a catalog operation.
type Operation struct {
	ID          int64
	Type        string
	DatastoreID int64
	Status      string
	Message     string
	Include     []string
	Prune       bool
	Recreate    bool
	// Added, Updated and Removed count the containers the sync changed.
	Added, Updated, Removed int
	CreatedAt               time.Time
	StartedAt, EndedAt      time.Time
	// Instance is the replica running the operation's worker (not shown
	// by the API).
	Instance string
}

// Terminal reports whether the operation has ended.
func (o *Operation) Terminal() bool {
	return o.Status == OpSuccess || o.Status == OpFailure || o.Status == OpAborted
}

// Token is a bearer token of the API; only its hash is kept.
type Token struct {
	ID        int64
	Name      string
	Role      Role
	Hash      string
	CreatedAt time.Time
	RevokedAt time.Time
}

// Errors the API maps to statuses.
var (
	// ErrUnauthorized: no token, or an unknown or revoked one.
	ErrUnauthorized = errors.New("invalid or revoked token")
	// ErrForbidden wraps a role too weak for the route.
	ErrForbidden = errors.New("forbidden")
)

// ValidationError is bad input, naming the field.
type ValidationError struct{ Field, Message string }

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFoundError is a missing datastore, connection, container, operation
// or token.
type NotFoundError struct {
	What string
	ID   int64
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %d not found", e.What, e.ID) }

// ConflictError is a request that the current state refuses (a connection
// still in use, an operation already ended).
type ConflictError struct{ Message string }

func (e *ConflictError) Error() string { return e.Message }

// ConnectError is a failed connection test or catalog read; Message is
// the database's or STS's reason, safe to show.
type ConnectError struct{ Message string }

func (e *ConnectError) Error() string { return e.Message }

// Target is what the Connector reaches: a database and schema on a host,
// with a login.
type Target struct {
	Host     string
	Port     int
	Database string
	Schema   string
	Login    engines.Credentials
}

// Connector is the database side.
type Connector interface {
	// Test logs in to t and checks that the database answers and the schema
	// exists (an empty schema is not checked). Failures are *ConnectError.
	Test(ctx context.Context, t Target) error
	// Catalog lists t.Schema's tables and views with their columns, in name
	// order, read in a read-only transaction. Failures are *ConnectError.
	Catalog(ctx context.Context, t Target) ([]Container, error)
	// Forget closes the Data API pools of the engine of that name, after it
	// was removed from the registry. It does not block.
	Forget(kind engines.Kind, name string)
}

// Sealer seals passwords at rest.
type Sealer interface {
	Seal(plaintext []byte) ([]byte, error)
	Open(sealed []byte) ([]byte, error)
}

// Store keeps datastores durably. Every method honours ctx. Lookups of a
// missing row return *NotFoundError.
type Store interface {
	// CreateConnection inserts c and sets its ID and CreatedAt.
	CreateConnection(ctx context.Context, c *Connection) error
	GetConnection(ctx context.Context, id int64) (*Connection, error)
	ListConnections(ctx context.Context) ([]*Connection, error)
	// UpdateConnection overwrites every field but ID and CreatedAt.
	UpdateConnection(ctx context.Context, c *Connection) error
	// DeleteConnection removes it; *ConflictError while a datastore uses it.
	DeleteConnection(ctx context.Context, id int64) error

	// Every change of a datastore, and of a connection a datastore uses,
	// is announced to the other replicas, which call Service.Changed.

	// CreateDatastore inserts d (and c first when c is not nil, setting
	// d.ConnectionID) in one transaction and sets the IDs.
	CreateDatastore(ctx context.Context, d *Datastore, c *Connection) error
	GetDatastore(ctx context.Context, id int64) (*Datastore, error)
	// ListDatastores returns every datastore, by id.
	ListDatastores(ctx context.Context) ([]*Datastore, error)
	UpdateDatastore(ctx context.Context, d *Datastore) error
	// DeleteDatastore removes it with its containers and operations, and
	// clears the links of sources that used it for enrichment.
	DeleteDatastore(ctx context.Context, id int64) error

	// SyncContainers makes the datastore's containers of the given types
	// match found: new ones are added, changed ones updated, and (with
	// prune) missing ones removed. It returns the counts.
	SyncContainers(ctx context.Context, datastoreID int64, types []string, found []Container, prune bool) (added, updated, removed int, err error)
	// DeleteContainers removes every container of the datastore.
	DeleteContainers(ctx context.Context, datastoreID int64) error
	ListContainers(ctx context.Context, datastoreID int64) ([]*Container, error)
	GetContainer(ctx context.Context, id int64) (*Container, error)

	// CreateOperation inserts o and sets its ID and CreatedAt.
	CreateOperation(ctx context.Context, o *Operation) error
	GetOperation(ctx context.Context, id int64) (*Operation, error)
	// UpdateOperation overwrites o's status, counts and times unless it has
	// ended.
	UpdateOperation(ctx context.Context, o *Operation) error
	// AbortOperation ends operation id "aborted" with message unless it has
	// ended already, and reports whether it did; the replica running its
	// worker is told to stop it (Service.AbortRequested).
	AbortOperation(ctx context.Context, id int64, at time.Time, message string) (bool, error)
	// Reset removes every datastore, connection, container and operation,
	// and every token but those whose hash is in keep (every Admin token
	// when keep is empty).
	Reset(ctx context.Context, keep []string) error

	// FailUnfinished marks every queued or running operation of replica
	// instance failed with message (their worker died with that process),
	// and those stored before operations named their replica.
	FailUnfinished(ctx context.Context, instance, message string) error

	// CreateToken inserts t and sets its ID and CreatedAt; a token with
	// the same hash is a *ConflictError.
	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash returns the token with that hash, revoked or not.
	TokenByHash(ctx context.Context, hash string) (*Token, error)
	ListTokens(ctx context.Context) ([]*Token, error)
	// RevokeToken sets RevokedAt; revoking twice keeps the first time.
	RevokeToken(ctx context.Context, id int64, at time.Time) error
	// CountTokens counts the tokens, revoked ones included.
	CountTokens(ctx context.Context) (int, error)
}
