// Saved connections: listing, reading, changing and removing them.

package datastore

import (
	"context"
	"errors"
)

// Connections returns every saved connection.
func (s *Service) Connections(ctx context.Context) ([]*Connection, error) {
	return s.store.ListConnections(ctx)
}

// Connection returns one saved connection (its password stays sealed).
func (s *Service) Connection(ctx context.Context, id int64) (*Connection, error) {
	return s.store.GetConnection(ctx, id)
}

// UpdateConnection changes a connection: given fields replace the old
// ones (an omitted password is kept), the result is validated as on
// create, and every datastore using it is registered again.
func (s *Service) UpdateConnection(ctx context.Context, id int64, in *ConnectionInput) (*Connection, error) {
	old, err := s.connection(ctx, id)
	if err != nil {
		return nil, err
	}
	merged := &ConnectionInput{Name: pick(in.Name, old.Name), Type: pick(in.Type, old.Type), Host: pick(in.Host, old.Host),
		Port: in.Port, Username: pick(in.Username, old.Username), Password: old.Password,
		AuthType: pick(in.AuthType, old.AuthType), RoleARN: pick(in.RoleARN, old.RoleARN), ExternalID: pick(in.ExternalID, old.ExternalID)}
	if in.Port == nil {
		merged.Port = &old.Port
	}
	if in.PasswordSet {
		merged.Password = in.Password
	}
	if in.AuthType == AuthIAMRole && old.AuthType == AuthBasic {
		merged.Username, merged.Password = in.Username, in.Password
	}
	if in.AuthType == AuthBasic && old.AuthType == AuthIAMRole {
		merged.RoleARN, merged.ExternalID = "", ""
	}
	c, err := buildConnection(merged, "")
	if err != nil {
		return nil, err
	}
	c.ID, c.CreatedAt = old.ID, old.CreatedAt
	if err := s.seal(c); err != nil {
		return nil, err
	}
	if err := s.store.UpdateConnection(ctx, c); err != nil {
		return nil, err
	}
	s.forgetLogins(id)
	all, err := s.store.ListDatastores(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range all {
		if d.ConnectionID == id {
			if err := s.Reload(ctx, d.ID); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

func pick(v, old string) string {
	if v != "" {
		return v
	}
	return old
}

// DeleteConnection removes a connection no datastore uses.
func (s *Service) DeleteConnection(ctx context.Context, id int64) error {
	if err := s.store.DeleteConnection(ctx, id); err != nil {
		return err
	}
	s.forgetLogins(id)
	return nil
}

// TestConnection tests a saved connection against database and schema
// (the first datastore using it gives them when empty).
func (s *Service) TestConnection(ctx context.Context, id int64, database, schema string) error {
	c, err := s.connection(ctx, id)
	if err != nil {
		return err
	}
	if database == "" {
		all, err := s.store.ListDatastores(ctx)
		if err != nil {
			return err
		}
		for _, d := range all {
			if d.ConnectionID == id {
				database, schema = d.Database, d.Schema
				break
			}
		}
	}
	if database == "" {
		return invalid("database", "is required: no datastore uses this connection yet")
	}
	t, err := s.target(c, database, schema)
	if err != nil {
		return err
	}
	return s.conn.Test(ctx, t)
}

func isNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}
