// Data API targets: the stored datastores registered in the engine
// registry, kept in step with the store (changes announced by other
// replicas, resets, takeovers), and the logins their pools use.

package datastore

import (
	"context"
	"time"

	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/engines"
)

// Load registers every stored datastore as a Data API target and fails the
// catalog operations this replica's previous process left unfinished
// (other replicas' run on).
func (s *Service) Load(ctx context.Context) error {
	if err := s.store.FailUnfinished(ctx, s.opts.Instance, RestartedMessage); err != nil {
		return err
	}
	return s.ReloadAll(ctx)
}

// TakeOver fails the catalog operations of replica instance, which
// stopped renewing its lease: their workers died with it.
func (s *Service) TakeOver(ctx context.Context, instance string) error {
	return s.store.FailUnfinished(ctx, instance, ReplicaStoppedMessage)
}

// Reset removes every datastore (their catalogs, operations and Data API
// targets) and connection, and every token but keepSecrets' (the first
// Admin token, which a tests-reset keeps as it keeps the root
// credentials); running catalog operations stop. With no secret known,
// every Admin token stays.
func (s *Service) Reset(ctx context.Context, keepSecrets ...string) error {
	var keep []string
	for _, secret := range keepSecrets {
		if secret != "" {
			keep = append(keep, HashToken(secret))
		}
	}
	if err := s.store.Reset(ctx, keep); err != nil {
		return err
	}
	return s.ReloadAll(ctx)
}

// ReloadAll makes the registered Data API targets match the stored
// datastores: new ones are registered, changed ones registered again
// (their pools closed), unchanged ones left alone, and those no longer
// stored removed. A replica calls it when it may have missed announcements
// of changes (its listening connection was lost).
func (s *Service) ReloadAll(ctx context.Context) error {
	s.regMu.Lock()
	defer s.regMu.Unlock()
	all, err := s.store.ListDatastores(ctx)
	if err != nil {
		return err
	}
	stored := map[int64]bool{}
	for _, d := range all {
		stored[d.ID] = true
		// One datastore that cannot be registered (its password sealed
		// under another key, its name taken by a configured cluster) must
		// not keep the server from starting: it is logged and left out.
		c, err := s.connection(ctx, d.ConnectionID)
		if err == nil {
			err = s.register(d, c)
		}
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			s.opts.Logger.Error("datastore not registered as a Data API target", "datastore", d.ID, "err", err)
		}
	}
	for id := range s.registered {
		if !stored[id] {
			s.unregister(id)
			s.abortOperationsOf(id)
		}
	}
	return nil
}

// Reload registers datastore id again as the store has it, or unregisters
// it (and stops its catalog workers here) when it is gone. Replicas call
// it when another announces a change (Changed); the service itself after
// each change it makes. An unchanged datastore keeps its pools.
func (s *Service) Reload(ctx context.Context, id int64) error {
	s.regMu.Lock()
	defer s.regMu.Unlock()
	d, err := s.store.GetDatastore(ctx, id)
	if isNotFound(err) {
		s.unregister(id)
		s.abortOperationsOf(id)
		return nil
	}
	if err != nil {
		return err
	}
	c, err := s.connection(ctx, d.ConnectionID)
	if err != nil {
		return err
	}
	return s.register(d, c)
}

// Changed schedules Reload(id) off the caller's path (the replicas'
// listener), or ReloadAll when id is 0. Repeated changes before the
// worker gets to them are reloaded once.
func (s *Service) Changed(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil {
		s.pending = map[int64]bool{}
	}
	s.pending[id] = true
	if s.reloading || s.ctx.Err() != nil {
		return
	}
	s.reloading = true
	s.ops.Add(1)
	go s.drainChanges()
}

func (s *Service) drainChanges() {
	defer s.ops.Done()
	for {
		s.mu.Lock()
		batch := s.pending
		s.pending = nil
		if len(batch) == 0 || s.ctx.Err() != nil {
			s.reloading = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(s.ctx, time.Minute)
		if batch[0] {
			if err := s.ReloadAll(ctx); err != nil && s.ctx.Err() == nil {
				s.opts.Logger.Error("registering the stored datastores again failed", "err", err)
			}
		} else {
			for id := range batch {
				if err := s.Reload(ctx, id); err != nil && s.ctx.Err() == nil {
					s.opts.Logger.Error("registering a changed datastore again failed", "datastore", id, "err", err)
				}
			}
		}
		cancel()
	}
}

type loginKey struct {
	connection int64
	database   string
}

// loginFields are the fields of a connection its logins depend on.
type loginFields struct {
	authType, username, password, roleARN, externalID string
}

type cachedLogin struct {
	fields loginFields
	login  engines.Credentials
}

// login is the credential source of connection c for database: the
// cached one while c's credentials are as they were when it was made.
func (s *Service) login(c *Connection, database string) (engines.Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := loginKey{c.ID, database}
	fields := loginFields{c.AuthType, c.Username, c.Password, c.RoleARN, c.ExternalID}
	if l, ok := s.logins[key]; ok && c.ID != 0 && l.fields == fields {
		return l.login, nil
	}
	l, err := s.newLogin(c, database)
	if err != nil {
		return nil, err
	}
	if c.ID != 0 {
		s.logins[key] = cachedLogin{fields: fields, login: l}
	}
	return l, nil
}

// forgetLogins drops the credential sources of connection id.
func (s *Service) forgetLogins(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.logins {
		if k.connection == id {
			delete(s.logins, k)
		}
	}
}

func (s *Service) newLogin(c *Connection, database string) (engines.Credentials, error) {
	if c.AuthType == AuthIAMRole {
		if s.opts.IAM == nil {
			return nil, invalid("connection.parameters.authentication_type", "IAM_ROLE is not available on this server")
		}
		return newIAMLogin(s.opts.IAM, c, database, s.opts.Clock), nil
	}
	return basicLogin{user: c.Username, password: c.Password}, nil
}

// basicLogin is a stored user and password.
type basicLogin struct{ user, password string }

func (b basicLogin) Login(context.Context) (string, string, error) { return b.user, b.password, nil }

// register makes d a Data API target, replacing an earlier registration
// that differs; the caller holds regMu.
func (s *Service) register(d *Datastore, c *Connection) error {
	l, err := s.login(c, d.Database)
	if err != nil {
		return err
	}
	name := ClusterIdentifier(d.ID)
	master := c.Username
	if c.AuthType == AuthIAMRole {
		master = iamDbUser(c.RoleARN)
	}
	// The SQL passes through untranslated: a datastore's server speaks
	// Redshift's SQL itself, a real Redshift natively and rsdata's own
	// clusters and workgroups through their PostgreSQL endpoint, which
	// translates. Translating here too would hand a real Redshift
	// PostgreSQL's forms and rsdata's installed functions.
	ep := engines.Endpoint{Kind: engines.Cluster, Name: name, Host: c.Host, Port: c.Port,
		MasterUser: master, Database: d.Database, SSLMode: "prefer", Dialect: dialect.Postgres,
		Login: l, ReadOnly: !d.EnrichmentOnly, SearchPath: d.Schema}
	if old, ok := s.registered[d.ID]; ok && old == ep {
		return nil
	}
	s.unregister(d.ID)
	if err := s.reg.Add(&ep); err != nil {
		return err
	}
	s.registered[d.ID] = ep
	return nil
}

// unregister removes datastore id's Data API target and closes its pools;
// the caller holds regMu (or is the only one running).
func (s *Service) unregister(id int64) {
	name := ClusterIdentifier(id)
	if _, ok := s.registered[id]; !ok {
		return
	}
	delete(s.registered, id)
	if s.reg.Remove(engines.Cluster, name) {
		s.conn.Forget(engines.Cluster, name)
	}
}
