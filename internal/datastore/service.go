package datastore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/rsdata/rsdata/internal/engines"
)

// Options configure a Service.
type Options struct {
	Logger *slog.Logger
	// Clock returns the time (tests may fix it).
	Clock func() time.Time
	// IAM issues database credentials for IAM_ROLE connections; without it
	// they are refused.
	IAM CredentialIssuer
	// Instance names this replica in the control store: the catalog
	// operations it runs are recorded as its own.
	Instance string
}

// Service is the datastore API's domain.
type Service struct {
	opts   Options
	store  Store
	sealer Sealer
	conn   Connector
	reg    *engines.Registry

	mu sync.Mutex
	// cancels are the running catalog operations' cancel functions.
	cancels map[int64]running
	// logins are the credential sources by connection and database, so
	// the datastores of a connection share one IAM credential cache per
	// database (IAM grants credentials per database), with the connection
	// as it was when each was made: a changed one gets a new source.
	logins map[loginKey]cachedLogin
	// pending are the datastores to register again from the store (0:
	// all of them), drained by one worker while reloading is set.
	pending   map[int64]bool
	reloading bool
	ops       sync.WaitGroup

	// regMu serialises registrations: each reads the store and applies
	// what it read under it, so two reloads never apply out of order.
	regMu sync.Mutex
	// registered is each registered datastore's endpoint, to leave an
	// unchanged one (and its pools) alone on reload.
	registered map[int64]engines.Endpoint
	// ctx is the service's own context, for catalog operations (never a
	// request's); Close cancels it.
	ctx    context.Context
	cancel context.CancelFunc
}

// New returns a Service. Call Load to register the stored datastores.
func New(opts Options, store Store, sealer Sealer, conn Connector, reg *engines.Registry) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Service{opts: opts, store: store, sealer: sealer, conn: conn, reg: reg,
		cancels: map[int64]running{}, logins: map[loginKey]cachedLogin{}, registered: map[int64]engines.Endpoint{},
		ctx: ctx, cancel: cancel}
}

func (s *Service) now() time.Time { return s.opts.Clock().UTC() }

// Close aborts running catalog operations and waits for them and for
// pending reloads.
func (s *Service) Close() {
	s.mu.Lock()
	s.cancel()
	s.mu.Unlock()
	s.ops.Wait()
}

// connection reads a connection and opens its password.
func (s *Service) connection(ctx context.Context, id int64) (*Connection, error) {
	c, err := s.store.GetConnection(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(c.SealedPassword) > 0 {
		p, err := s.sealer.Open(c.SealedPassword)
		if err != nil {
			return nil, fmt.Errorf("connection %d: opening the password: %w", id, err)
		}
		c.Password = string(p)
	}
	return c, nil
}

// ConnectionInput is a connection as a request gives it.
type ConnectionInput struct {
	Name       string
	Type       string
	Host       string
	Port       *int
	Username   string
	Password   string
	AuthType   string
	RoleARN    string
	ExternalID string
	// PasswordSet distinguishes an omitted password from an empty one on
	// update.
	PasswordSet bool
}

// CreateInput is a create (or dry-run test) request.
type CreateInput struct {
	Name           string
	Connection     *ConnectionInput
	ConnectionID   *int64
	Database       string
	Schema         string
	Description    string
	Teams          []string
	Tags           []string
	EnrichmentOnly bool
	TriggerCatalog bool
	// EnrichmentDatastoreID links the new source to an enrichment one.
	EnrichmentDatastoreID *int64
	EnrichmentPrefix      string
}

// Created is what Create returns.
type Created struct {
	Datastore  *Datastore
	Connection *Connection
	// Connected is the result of the connection test create runs.
	Connected bool
	// Operation is the catalog operation trigger_catalog queued.
	Operation *Operation
}

func validName(field, v string, required bool) error {
	if required && strings.TrimSpace(v) == "" {
		return invalid(field, "is required")
	}
	if len(v) > 255 {
		return invalid(field, "must be at most 255 characters")
	}
	if strings.ContainsRune(v, 0) {
		return invalid(field, "must not contain NUL characters")
	}
	return nil
}

// buildConnection validates in and returns the connection it describes;
// field names are prefixed with prefix ("connection." on create).
func buildConnection(in *ConnectionInput, prefix string) (*Connection, error) {
	c := &Connection{Name: in.Name, Type: in.Type, Host: strings.TrimSpace(in.Host), Port: DefaultPort,
		AuthType: in.AuthType, Username: in.Username, Password: in.Password, RoleARN: in.RoleARN, ExternalID: in.ExternalID}
	if c.Type == "" {
		return nil, invalid(prefix+"type", "is required (\"redshift\")")
	}
	if c.Type != ConnectorType {
		return nil, invalid(prefix+"type", "unknown connection type %q: this server supports only \"redshift\"", c.Type)
	}
	if err := validName(prefix+"host", c.Host, true); err != nil {
		return nil, err
	}
	if strings.ContainsAny(c.Host, " /\\'\"=") {
		return nil, invalid(prefix+"host", "%q is not a host name or address", c.Host)
	}
	if in.Port != nil {
		c.Port = *in.Port
	}
	if c.Port < 1 || c.Port > 65535 {
		return nil, invalid(prefix+"port", "%d is out of range: a port is between 1 and 65535", c.Port)
	}
	if err := validName(prefix+"name", c.Name, false); err != nil {
		return nil, err
	}
	if c.AuthType == "" {
		c.AuthType = AuthBasic
	}
	switch c.AuthType {
	case AuthBasic:
		if c.Username == "" {
			return nil, invalid(prefix+"username", "is required when authentication_type is BASIC")
		}
		if c.Password == "" {
			return nil, invalid(prefix+"password", "is required when authentication_type is BASIC")
		}
		if c.RoleARN != "" || c.ExternalID != "" {
			return nil, invalid(prefix+"parameters.role_arn", "is only allowed when authentication_type is IAM_ROLE")
		}
		if err := validName(prefix+"username", c.Username, true); err != nil {
			return nil, err
		}
	case AuthIAMRole:
		if c.Username != "" {
			return nil, invalid(prefix+"username", "must be omitted when authentication_type is IAM_ROLE")
		}
		if c.Password != "" {
			return nil, invalid(prefix+"password", "must be omitted when authentication_type is IAM_ROLE")
		}
		if c.RoleARN == "" {
			return nil, invalid(prefix+"parameters.role_arn", "is required when authentication_type is IAM_ROLE")
		}
		if roleName(c.RoleARN) == "" {
			return nil, invalid(prefix+"parameters.role_arn", "%q is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", c.RoleARN)
		}
		if len(c.ExternalID) > 1224 {
			return nil, invalid(prefix+"parameters.external_id", "must be at most 1224 characters")
		}
	default:
		return nil, invalid(prefix+"parameters.authentication_type", "unknown authentication type %q: use BASIC or IAM_ROLE", c.AuthType)
	}
	return c, nil
}

func validDatastore(name, database, schema string) error {
	if err := validName("name", name, true); err != nil {
		return err
	}
	if err := validName("database", database, true); err != nil {
		return err
	}
	return validName("schema", schema, true)
}

func (s *Service) seal(c *Connection) error {
	c.SealedPassword = nil
	if c.Password == "" {
		return nil
	}
	sealed, err := s.sealer.Seal([]byte(c.Password))
	if err != nil {
		return err
	}
	c.SealedPassword = sealed
	return nil
}

// resolve returns the connection a create-shaped request names, validated,
// and whether it is new.
func (s *Service) resolve(ctx context.Context, in *CreateInput) (*Connection, bool, error) {
	switch {
	case in.Connection != nil && in.ConnectionID != nil:
		return nil, false, invalid("connection_id", "give either connection or connection_id, not both")
	case in.ConnectionID != nil:
		c, err := s.connection(ctx, *in.ConnectionID)
		var nf *NotFoundError
		if errors.As(err, &nf) {
			return nil, false, invalid("connection_id", "connection %d does not exist", *in.ConnectionID)
		}
		return c, false, err
	case in.Connection != nil:
		c, err := buildConnection(in.Connection, "connection.")
		return c, true, err
	default:
		return nil, false, invalid("connection", "is required (or give connection_id)")
	}
}

func (s *Service) target(c *Connection, database, schema string) (Target, error) {
	l, err := s.login(c, database)
	if err != nil {
		return Target{}, err
	}
	return Target{Host: c.Host, Port: c.Port, Database: database, Schema: schema, Login: l}, nil
}

// TestNew is the dry-run connection test of a create-shaped request.
func (s *Service) TestNew(ctx context.Context, in *CreateInput) error {
	c, _, err := s.resolve(ctx, in)
	if err != nil {
		return err
	}
	if err := validName("database", in.Database, true); err != nil {
		return err
	}
	t, err := s.target(c, in.Database, in.Schema)
	if err != nil {
		return err
	}
	return s.conn.Test(ctx, t)
}

// Create registers a datastore, tests its connection and, with
// TriggerCatalog, queues a catalog operation.
func (s *Service) Create(ctx context.Context, in *CreateInput) (*Created, error) {
	if err := validDatastore(in.Name, in.Database, in.Schema); err != nil {
		return nil, err
	}
	c, fresh, err := s.resolve(ctx, in)
	if err != nil {
		return nil, err
	}
	d := &Datastore{Name: in.Name, Database: in.Database, Schema: in.Schema, Description: in.Description,
		Teams: nonNil(in.Teams), Tags: nonNil(in.Tags), EnrichmentOnly: in.EnrichmentOnly, EnrichmentPrefix: in.EnrichmentPrefix}
	if in.EnrichmentDatastoreID != nil {
		if err := s.checkEnrichment(ctx, in.EnrichmentOnly, *in.EnrichmentDatastoreID, "enrichment_datastore_id"); err != nil {
			return nil, err
		}
		d.EnrichmentDatastoreID = *in.EnrichmentDatastoreID
	}
	if fresh {
		if err := s.seal(c); err != nil {
			return nil, err
		}
		if _, err := s.newLogin(c, in.Database); err != nil {
			return nil, err
		}
		if c.Name == "" {
			c.Name = in.Name
		}
		if err := s.store.CreateDatastore(ctx, d, c); err != nil {
			return nil, err
		}
	} else {
		d.ConnectionID = c.ID
		if err := s.store.CreateDatastore(ctx, d, nil); err != nil {
			return nil, err
		}
	}
	if err := s.Reload(ctx, d.ID); err != nil {
		return nil, err
	}
	out := &Created{Datastore: d, Connection: c}
	t, err := s.target(c, d.Database, d.Schema)
	if err != nil {
		return nil, err
	}
	if err := s.conn.Test(ctx, t); err != nil {
		s.opts.Logger.Info("datastore connection test failed", "datastore", d.ID, "err", err)
	} else {
		out.Connected = true
	}
	if in.TriggerCatalog {
		if out.Operation, err = s.RunCatalog(ctx, CatalogInput{DatastoreID: d.ID}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// Get returns a datastore and its connection.
func (s *Service) Get(ctx context.Context, id int64) (*Datastore, *Connection, error) {
	d, err := s.store.GetDatastore(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.store.GetConnection(ctx, d.ConnectionID)
	if err != nil {
		return nil, nil, err
	}
	return d, c, nil
}

// ListQuery filters List; zero values do not filter.
type ListQuery struct {
	Name           string // exact name
	Search         string // substring of name or description, any case
	Type           string // connector type
	Tag            string
	EnrichmentOnly *bool
}

// List returns the datastores that match q, by id, with their connections.
func (s *Service) List(ctx context.Context, q ListQuery) ([]*Datastore, map[int64]*Connection, error) {
	all, err := s.store.ListDatastores(ctx)
	if err != nil {
		return nil, nil, err
	}
	conns, err := s.store.ListConnections(ctx)
	if err != nil {
		return nil, nil, err
	}
	byID := map[int64]*Connection{}
	for _, c := range conns {
		byID[c.ID] = c
	}
	var out []*Datastore
	for _, d := range all {
		c := byID[d.ConnectionID]
		switch {
		case q.Name != "" && d.Name != q.Name,
			q.Search != "" && !strings.Contains(strings.ToLower(d.Name+" "+d.Description), strings.ToLower(q.Search)),
			q.Type != "" && (c == nil || !strings.EqualFold(c.Type, q.Type)),
			q.Tag != "" && !contains(d.Tags, q.Tag),
			q.EnrichmentOnly != nil && d.EnrichmentOnly != *q.EnrichmentOnly:
			continue
		}
		out = append(out, d)
	}
	return out, byID, nil
}

func contains(v []string, s string) bool {
	for _, x := range v {
		if x == s {
			return true
		}
	}
	return false
}

// UpdateInput is a PUT: nil fields are left as they are; teams and tags,
// when given, replace the old ones wholesale.
type UpdateInput struct {
	Name           *string
	Database       *string
	Schema         *string
	Description    *string
	Teams          *[]string
	Tags           *[]string
	EnrichmentOnly *bool
	Connection     *ConnectionInput
	ConnectionID   *int64
}

// Update changes a datastore (and, with Connection, its connection).
func (s *Service) Update(ctx context.Context, id int64, in *UpdateInput) (*Datastore, error) {
	d, err := s.store.GetDatastore(ctx, id)
	if err != nil {
		return nil, err
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&d.Name, in.Name)
	set(&d.Database, in.Database)
	set(&d.Schema, in.Schema)
	set(&d.Description, in.Description)
	if in.Teams != nil {
		d.Teams = nonNil(*in.Teams)
	}
	if in.Tags != nil {
		d.Tags = nonNil(*in.Tags)
	}
	if in.EnrichmentOnly != nil {
		d.EnrichmentOnly = *in.EnrichmentOnly
	}
	if err := validDatastore(d.Name, d.Database, d.Schema); err != nil {
		return nil, err
	}
	if in.ConnectionID != nil {
		if _, err := s.store.GetConnection(ctx, *in.ConnectionID); err != nil {
			var nf *NotFoundError
			if errors.As(err, &nf) {
				return nil, invalid("connection_id", "connection %d does not exist", *in.ConnectionID)
			}
			return nil, err
		}
		d.ConnectionID = *in.ConnectionID
	}
	if in.Connection != nil {
		if _, err := s.UpdateConnection(ctx, d.ConnectionID, in.Connection); err != nil {
			return nil, err
		}
	}
	if err := s.store.UpdateDatastore(ctx, d); err != nil {
		return nil, err
	}
	return d, s.Reload(ctx, d.ID)
}

// Delete removes a datastore, its catalog and its Data API target.
func (s *Service) Delete(ctx context.Context, id int64) error {
	if _, err := s.store.GetDatastore(ctx, id); err != nil {
		return err
	}
	s.abortOperationsOf(id)
	if err := s.store.DeleteDatastore(ctx, id); err != nil {
		return err
	}
	return s.Reload(ctx, id)
}

// TestExisting tests the connection of datastore id.
func (s *Service) TestExisting(ctx context.Context, id int64) error {
	d, err := s.store.GetDatastore(ctx, id)
	if err != nil {
		return err
	}
	c, err := s.connection(ctx, d.ConnectionID)
	if err != nil {
		return err
	}
	t, err := s.target(c, d.Database, d.Schema)
	if err != nil {
		return err
	}
	return s.conn.Test(ctx, t)
}

func (s *Service) checkEnrichment(ctx context.Context, sourceIsEnrichment bool, enrichID int64, field string) error {
	e, err := s.store.GetDatastore(ctx, enrichID)
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return invalid(field, "datastore %d does not exist", enrichID)
	}
	if err != nil {
		return err
	}
	if !e.EnrichmentOnly {
		return invalid(field, "datastore %d is a source datastore, not an enrichment datastore", enrichID)
	}
	if sourceIsEnrichment {
		return invalid(field, "an enrichment datastore cannot have an enrichment datastore")
	}
	return nil
}

// LinkEnrichment makes enrichID the enrichment datastore of source id
// (idempotent).
func (s *Service) LinkEnrichment(ctx context.Context, id, enrichID int64) (*Datastore, error) {
	d, err := s.store.GetDatastore(ctx, id)
	if err != nil {
		return nil, err
	}
	if id == enrichID {
		return nil, invalid("enrich_id", "a datastore cannot be its own enrichment datastore")
	}
	if err := s.checkEnrichment(ctx, d.EnrichmentOnly, enrichID, "enrich_id"); err != nil {
		return nil, err
	}
	d.EnrichmentDatastoreID = enrichID
	return d, s.store.UpdateDatastore(ctx, d)
}

// UnlinkEnrichment removes the enrichment link of datastore id.
func (s *Service) UnlinkEnrichment(ctx context.Context, id int64) error {
	d, err := s.store.GetDatastore(ctx, id)
	if err != nil {
		return err
	}
	d.EnrichmentDatastoreID = 0
	return s.store.UpdateDatastore(ctx, d)
}
