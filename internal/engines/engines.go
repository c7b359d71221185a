// Package engines is the registry of database engines rsdata serves as
// Redshift clusters and serverless workgroups: the embedded PostgreSQL
// servers it supervises, and external PostgreSQL-wire endpoints (an existing
// PostgreSQL, or a real Amazon Redshift cluster) registered by configuration.
package engines

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/rsdata/rsdata/internal/dialect"
)

// Kind distinguishes provisioned clusters from serverless workgroups.
type Kind string

const (
	Cluster   Kind = "cluster"
	Workgroup Kind = "workgroup"
)

// Endpoint is one registered engine.
type Endpoint struct {
	Kind Kind
	Name string
	// Host and Port are the address database clients (psql, JDBC) use:
	// DescribeClusters and GetWorkgroup report it. On an embedded engine it
	// is rsdata's PostgreSQL wire front (internal/pgfront), which
	// translates the dialect and relays to the server at BackendHost and
	// BackendPort.
	Host string
	Port int
	// BackendHost and BackendPort, when set, are where the PostgreSQL
	// server itself listens behind the front; no client is told of them.
	// rsdata's own connections (pgexec, dbcreds) go there, never through
	// the front, so the Data API's SQL, translated once already, is not
	// translated again.
	BackendHost string
	BackendPort int
	// SocketDir, when set, is a Unix-socket directory where local
	// connections are trusted: rsdata logs in as any role there without a
	// password. Only embedded engines have one; its socket file is named by
	// ServerAddr's port.
	SocketDir string
	// AdminUser and AdminPassword are the credentials rsdata uses for
	// catalog look-ups and, on external engines, to run statements.
	AdminUser     string
	AdminPassword string
	// MasterUser is the cluster's master user (Redshift's "awsuser"), or
	// the workgroup's admin user, under which workgroup statements run.
	MasterUser string
	// Database is the default database ("dev").
	Database string
	// TLS selects sslmode for external engines ("disable", "require", ...).
	SSLMode string
	// Embedded is true for engines rsdata runs itself.
	Embedded bool
	// Dialect is the SQL the engine's users write: dialect.Redshift (also
	// the zero value) is translated to PostgreSQL before it runs,
	// dialect.Postgres is passed through untouched.
	Dialect dialect.Mode
	// Login, when set, is where every session's login comes from (a
	// registered datastore's BASIC user or IAM role): the Data API's DbUser,
	// secret or IAM mapping do not choose the user there.
	Login Credentials
	// ReadOnly engines (source datastores) run every statement in a
	// read-only transaction and refuse statements that could end it.
	ReadOnly bool
	// SearchPath, when set, is the schema put first on every session's
	// search path.
	SearchPath string
}

// Credentials gives the login of an engine whose user rsdata does not pick
// per request.
type Credentials interface {
	// Login returns a user and password valid now, fetching or refreshing
	// short-lived ones as needed; it may block up to ctx's deadline. Its
	// errors are public (they say why the login could not be obtained, never
	// a password).
	Login(ctx context.Context) (user, password string, err error)
}

// ServerAddr is where the PostgreSQL server listens: the backend behind
// the front when there is one, else the advertised address.
func (e *Endpoint) ServerAddr() (host string, port int) {
	if e.BackendPort != 0 {
		return e.BackendHost, e.BackendPort
	}
	return e.Host, e.Port
}

// Registry maps (kind, name) to endpoints. It is safe for concurrent use.
type Registry struct {
	mu  sync.RWMutex
	eps map[Kind]map[string]*Endpoint
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{eps: map[Kind]map[string]*Endpoint{Cluster: {}, Workgroup: {}}}
}

// Add registers ep; a second engine with the same kind and name is refused.
func (r *Registry) Add(ep *Endpoint) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.eps[ep.Kind]
	if !ok {
		return fmt.Errorf("unknown engine kind %q", ep.Kind)
	}
	if _, dup := m[ep.Name]; dup {
		return fmt.Errorf("%s %q is registered twice", ep.Kind, ep.Name)
	}
	m[ep.Name] = ep
	return nil
}

// Lookup returns the endpoint registered under kind and name.
func (r *Registry) Lookup(kind Kind, name string) (*Endpoint, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ep, ok := r.eps[kind][name]
	return ep, ok
}

// List returns the endpoints of a kind, sorted by name. Datastores (an
// endpoint with a Login) are left out: they are Data API targets only, not
// clusters or workgroups that DescribeClusters, the banner or the health
// checks report; Lookup finds them.
func (r *Registry) List(kind Kind) []*Endpoint {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Endpoint, 0, len(r.eps[kind]))
	for _, ep := range r.eps[kind] {
		if ep.Login == nil {
			out = append(out, ep)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Remove unregisters the engine of that kind and name; it reports whether
// one was registered.
func (r *Registry) Remove(kind Kind, name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.eps[kind][name]; !ok {
		return false
	}
	delete(r.eps[kind], name)
	return true
}
