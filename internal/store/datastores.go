package store

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rsdata/rsdata/internal/datastore"
)

// Datastores keeps the datastore API's connections, datastores, catalogs,
// catalog operations and tokens.
type Datastores struct{ db }

// The datastore API's notification channels (LISTEN/NOTIFY), sent in the
// transaction of the change so replicas hear of it once it is committed.
const (
	// DatastoreChannel announces that a datastore was created, updated or
	// deleted, or that the connection it uses changed; the payload is the
	// datastore's id. Every replica registers it again from the store.
	DatastoreChannel = "rsdata_datastore_changed"
	// OperationAbortChannel asks the replica running a catalog operation
	// to stop its worker; the payload is the operation's id.
	OperationAbortChannel = "rsdata_operation_abort"
)

// announceDatastores notifies DatastoreChannel of the datastores that
// match where (a condition on ds_datastores, with $2 its argument) in tx.
func announceDatastores(ctx context.Context, tx pgx.Tx, where string, arg int64) error {
	_, err := tx.Exec(ctx, `SELECT pg_notify($1, id::text) FROM ds_datastores WHERE `+where, DatastoreChannel, arg)
	return err
}

var _ datastore.Store = (*Datastores)(nil)

// Datastores returns the datastore API's view.
func (s *Store) Datastores() *Datastores { return &Datastores{s.db} }

const dsConnectionColumns = `id, name, type, host, port, auth_type, username, sealed_password, role_arn, external_id, created_at`

func scanConnection(row pgx.Row) (*datastore.Connection, error) {
	var c datastore.Connection
	err := row.Scan(&c.ID, &c.Name, &c.Type, &c.Host, &c.Port, &c.AuthType, &c.Username, &c.SealedPassword,
		&c.RoleARN, &c.ExternalID, &c.CreatedAt)
	c.CreatedAt = c.CreatedAt.UTC()
	return &c, err
}

func notFound(err error, what string, id int64) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return &datastore.NotFoundError{What: what, ID: id}
	}
	return err
}

func insertConnection(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, c *datastore.Connection) error {
	return q.QueryRow(ctx, `INSERT INTO ds_connections (name, type, host, port, auth_type, username, sealed_password, role_arn, external_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id, created_at`,
		c.Name, c.Type, c.Host, c.Port, c.AuthType, c.Username, c.SealedPassword, c.RoleARN, c.ExternalID).Scan(&c.ID, &c.CreatedAt)
}

// CreateConnection implements datastore.Store.
func (d *Datastores) CreateConnection(ctx context.Context, c *datastore.Connection) error {
	return insertConnection(ctx, d.pool, c)
}

// GetConnection implements datastore.Store.
func (d *Datastores) GetConnection(ctx context.Context, id int64) (*datastore.Connection, error) {
	c, err := scanConnection(d.pool.QueryRow(ctx, `SELECT `+dsConnectionColumns+` FROM ds_connections WHERE id = $1`, id))
	return c, notFound(err, "connection", id)
}

// ListConnections implements datastore.Store.
func (d *Datastores) ListConnections(ctx context.Context) ([]*datastore.Connection, error) {
	rows, err := d.pool.Query(ctx, `SELECT `+dsConnectionColumns+` FROM ds_connections ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*datastore.Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UpdateConnection implements datastore.Store; the datastores using the
// connection are announced on DatastoreChannel.
func (d *Datastores) UpdateConnection(ctx context.Context, c *datastore.Connection) error {
	return d.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE ds_connections SET name = $2, type = $3, host = $4, port = $5, auth_type = $6,
			username = $7, sealed_password = $8, role_arn = $9, external_id = $10 WHERE id = $1`,
			c.ID, c.Name, c.Type, c.Host, c.Port, c.AuthType, c.Username, c.SealedPassword, c.RoleARN, c.ExternalID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return &datastore.NotFoundError{What: "connection", ID: c.ID}
		}
		return announceDatastores(ctx, tx, "connection_id = $2", c.ID)
	})
}

// DeleteConnection implements datastore.Store.
func (d *Datastores) DeleteConnection(ctx context.Context, id int64) error {
	tag, err := d.pool.Exec(ctx, `DELETE FROM ds_connections WHERE id = $1`, id)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		return &datastore.ConflictError{Message: "the connection is used by a datastore; delete the datastore first"}
	}
	if err == nil && tag.RowsAffected() == 0 {
		return &datastore.NotFoundError{What: "connection", ID: id}
	}
	return err
}

const dsDatastoreColumns = `id, name, connection_id, database, schema, description, teams, tags, enrichment_only,
	coalesce(enrichment_datastore_id, 0), enrichment_prefix, created_at`

func scanDatastore(row pgx.Row) (*datastore.Datastore, error) {
	var ds datastore.Datastore
	var teams, tags []byte
	if err := row.Scan(&ds.ID, &ds.Name, &ds.ConnectionID, &ds.Database, &ds.Schema, &ds.Description, &teams, &tags,
		&ds.EnrichmentOnly, &ds.EnrichmentDatastoreID, &ds.EnrichmentPrefix, &ds.CreatedAt); err != nil {
		return nil, err
	}
	ds.CreatedAt = ds.CreatedAt.UTC()
	if err := json.Unmarshal(teams, &ds.Teams); err != nil {
		return nil, err
	}
	return &ds, json.Unmarshal(tags, &ds.Tags)
}

func jsonList(v []string) []byte {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return b
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// CreateDatastore implements datastore.Store; the new datastore is
// announced on DatastoreChannel.
func (d *Datastores) CreateDatastore(ctx context.Context, ds *datastore.Datastore, c *datastore.Connection) error {
	return d.inTx(ctx, func(tx pgx.Tx) error {
		if c != nil {
			if err := insertConnection(ctx, tx, c); err != nil {
				return err
			}
			ds.ConnectionID = c.ID
		}
		if err := tx.QueryRow(ctx, `INSERT INTO ds_datastores (name, connection_id, database, schema, description, teams, tags,
			enrichment_only, enrichment_datastore_id, enrichment_prefix)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id, created_at`,
			ds.Name, ds.ConnectionID, ds.Database, ds.Schema, ds.Description, jsonList(ds.Teams), jsonList(ds.Tags),
			ds.EnrichmentOnly, nullID(ds.EnrichmentDatastoreID), ds.EnrichmentPrefix).Scan(&ds.ID, &ds.CreatedAt); err != nil {
			return err
		}
		return announceDatastores(ctx, tx, "id = $2", ds.ID)
	})
}

// GetDatastore implements datastore.Store.
func (d *Datastores) GetDatastore(ctx context.Context, id int64) (*datastore.Datastore, error) {
	ds, err := scanDatastore(d.pool.QueryRow(ctx, `SELECT `+dsDatastoreColumns+` FROM ds_datastores WHERE id = $1`, id))
	return ds, notFound(err, "datastore", id)
}

// ListDatastores implements datastore.Store.
func (d *Datastores) ListDatastores(ctx context.Context) ([]*datastore.Datastore, error) {
	rows, err := d.pool.Query(ctx, `SELECT `+dsDatastoreColumns+` FROM ds_datastores ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*datastore.Datastore
	for rows.Next() {
		ds, err := scanDatastore(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ds)
	}
	return out, rows.Err()
}

// UpdateDatastore implements datastore.Store; the change is announced on
// DatastoreChannel.
func (d *Datastores) UpdateDatastore(ctx context.Context, ds *datastore.Datastore) error {
	return d.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE ds_datastores SET name = $2, connection_id = $3, database = $4, schema = $5,
			description = $6, teams = $7, tags = $8, enrichment_only = $9, enrichment_datastore_id = $10, enrichment_prefix = $11
			WHERE id = $1`, ds.ID, ds.Name, ds.ConnectionID, ds.Database, ds.Schema, ds.Description, jsonList(ds.Teams),
			jsonList(ds.Tags), ds.EnrichmentOnly, nullID(ds.EnrichmentDatastoreID), ds.EnrichmentPrefix)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return &datastore.NotFoundError{What: "datastore", ID: ds.ID}
		}
		return announceDatastores(ctx, tx, "id = $2", ds.ID)
	})
}

// DeleteDatastore implements datastore.Store; containers and operations go
// with it (ON DELETE CASCADE), links to it are cleared (SET NULL), and the
// deletion is announced on DatastoreChannel.
func (d *Datastores) DeleteDatastore(ctx context.Context, id int64) error {
	return d.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM ds_datastores WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return &datastore.NotFoundError{What: "datastore", ID: id}
		}
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, $2)`, DatastoreChannel, strconv.FormatInt(id, 10))
		return err
	})
}

// SyncContainers implements datastore.Store.
func (d *Datastores) SyncContainers(ctx context.Context, datastoreID int64, types []string, found []datastore.Container, prune bool) (added, updated, removed int, err error) {
	err = d.inTx(ctx, func(tx pgx.Tx) error {
		added, updated, removed = 0, 0, 0
		old := map[string][]byte{}
		rows, err := tx.Query(ctx, `SELECT name, fields::text FROM ds_containers WHERE datastore_id = $1 AND type = ANY($2) FOR UPDATE`, datastoreID, types)
		if err != nil {
			return err
		}
		for rows.Next() {
			var name string
			var fields []byte
			if err := rows.Scan(&name, &fields); err != nil {
				rows.Close()
				return err
			}
			old[name] = fields
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, c := range found {
			seen[c.Name] = true
			fields, err := json.Marshal(c.Fields)
			if err != nil {
				return err
			}
			prev, ok := old[c.Name]
			if ok && jsonEqual(prev, fields) {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO ds_containers (datastore_id, name, type, fields) VALUES ($1, $2, $3, $4)
				ON CONFLICT (datastore_id, name) DO UPDATE SET type = excluded.type, fields = excluded.fields, updated_at = now()`,
				datastoreID, c.Name, c.Type, fields); err != nil {
				return err
			}
			if ok {
				updated++
			} else {
				added++
			}
		}
		if prune {
			for name := range old {
				if !seen[name] {
					if _, err := tx.Exec(ctx, `DELETE FROM ds_containers WHERE datastore_id = $1 AND name = $2`, datastoreID, name); err != nil {
						return err
					}
					removed++
				}
			}
		}
		return nil
	})
	return added, updated, removed, err
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

// DeleteContainers implements datastore.Store.
func (d *Datastores) DeleteContainers(ctx context.Context, datastoreID int64) error {
	_, err := d.pool.Exec(ctx, `DELETE FROM ds_containers WHERE datastore_id = $1`, datastoreID)
	return err
}

func scanContainer(row pgx.Row) (*datastore.Container, error) {
	var c datastore.Container
	var fields []byte
	if err := row.Scan(&c.ID, &c.DatastoreID, &c.Name, &c.Type, &fields, &c.UpdatedAt); err != nil {
		return nil, err
	}
	c.UpdatedAt = c.UpdatedAt.UTC()
	return &c, json.Unmarshal(fields, &c.Fields)
}

// ListContainers implements datastore.Store.
func (d *Datastores) ListContainers(ctx context.Context, datastoreID int64) ([]*datastore.Container, error) {
	rows, err := d.pool.Query(ctx, `SELECT id, datastore_id, name, type, fields, updated_at FROM ds_containers
		WHERE datastore_id = $1 ORDER BY name`, datastoreID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*datastore.Container{}
	for rows.Next() {
		c, err := scanContainer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// GetContainer implements datastore.Store.
func (d *Datastores) GetContainer(ctx context.Context, id int64) (*datastore.Container, error) {
	c, err := scanContainer(d.pool.QueryRow(ctx, `SELECT id, datastore_id, name, type, fields, updated_at FROM ds_containers WHERE id = $1`, id))
	return c, notFound(err, "container", id)
}

const dsOperationColumns = `id, type, datastore_id, status, message, include, prune, recreate, added, updated, removed,
	created_at, started_at, ended_at`

func scanOperation(row pgx.Row) (*datastore.Operation, error) {
	var o datastore.Operation
	var include []byte
	var started, ended *time.Time
	if err := row.Scan(&o.ID, &o.Type, &o.DatastoreID, &o.Status, &o.Message, &include, &o.Prune, &o.Recreate,
		&o.Added, &o.Updated, &o.Removed, &o.CreatedAt, &started, &ended); err != nil {
		return nil, err
	}
	o.CreatedAt = o.CreatedAt.UTC()
	if started != nil {
		o.StartedAt = started.UTC()
	}
	if ended != nil {
		o.EndedAt = ended.UTC()
	}
	return &o, json.Unmarshal(include, &o.Include)
}

func dsNullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// CreateOperation implements datastore.Store.
func (d *Datastores) CreateOperation(ctx context.Context, o *datastore.Operation) error {
	return d.pool.QueryRow(ctx, `INSERT INTO ds_operations (type, datastore_id, status, message, include, prune, recreate, instance)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, created_at`,
		o.Type, o.DatastoreID, o.Status, o.Message, jsonList(o.Include), o.Prune, o.Recreate, o.Instance).Scan(&o.ID, &o.CreatedAt)
}

// GetOperation implements datastore.Store.
func (d *Datastores) GetOperation(ctx context.Context, id int64) (*datastore.Operation, error) {
	o, err := scanOperation(d.pool.QueryRow(ctx, `SELECT `+dsOperationColumns+` FROM ds_operations WHERE id = $1`, id))
	return o, notFound(err, "operation", id)
}

// UpdateOperation implements datastore.Store. An operation already ended
// keeps its end (an abort racing the worker's last write).
func (d *Datastores) UpdateOperation(ctx context.Context, o *datastore.Operation) error {
	_, err := d.pool.Exec(ctx, `UPDATE ds_operations SET status = $2, message = $3, added = $4, updated = $5, removed = $6,
		started_at = $7, ended_at = $8 WHERE id = $1 AND status NOT IN ('success', 'failure', 'aborted')`,
		o.ID, o.Status, o.Message, o.Added, o.Updated, o.Removed, dsNullTime(o.StartedAt), dsNullTime(o.EndedAt))
	return err
}

// AbortOperation implements datastore.Store: the abort is announced on
// OperationAbortChannel in the same transaction.
func (d *Datastores) AbortOperation(ctx context.Context, id int64, at time.Time, message string) (bool, error) {
	var aborted bool
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE ds_operations SET status = 'aborted', message = $2, ended_at = $3
			WHERE id = $1 AND status NOT IN ('success', 'failure', 'aborted')`, id, message, at)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		aborted = true
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, $2)`, OperationAbortChannel, strconv.FormatInt(id, 10))
		return err
	})
	return aborted, err
}

// FailUnfinished implements datastore.Store.
func (d *Datastores) FailUnfinished(ctx context.Context, instance, message string) error {
	_, err := d.pool.Exec(ctx, `UPDATE ds_operations SET status = 'failure', message = $2, ended_at = now()
		WHERE status IN ('queued', 'running') AND instance IN ($1, '')`, instance, message)
	return err
}

func scanToken(row pgx.Row) (*datastore.Token, error) {
	var t datastore.Token
	var revoked *time.Time
	var role int
	if err := row.Scan(&t.ID, &t.Name, &role, &t.Hash, &t.CreatedAt, &revoked); err != nil {
		return nil, err
	}
	t.Role, t.CreatedAt = datastore.Role(role), t.CreatedAt.UTC()
	if revoked != nil {
		t.RevokedAt = revoked.UTC()
	}
	return &t, nil
}

// CreateToken implements datastore.Store.
func (d *Datastores) CreateToken(ctx context.Context, t *datastore.Token) error {
	err := d.pool.QueryRow(ctx, `INSERT INTO ds_tokens (name, role, hash) VALUES ($1, $2, $3) RETURNING id, created_at`,
		t.Name, int(t.Role), t.Hash).Scan(&t.ID, &t.CreatedAt)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return &datastore.ConflictError{Message: "a token with this secret exists already"}
	}
	return err
}

// TokenByHash implements datastore.Store.
func (d *Datastores) TokenByHash(ctx context.Context, hash string) (*datastore.Token, error) {
	t, err := scanToken(d.pool.QueryRow(ctx, `SELECT id, name, role, hash, created_at, revoked_at FROM ds_tokens WHERE hash = $1`, hash))
	return t, notFound(err, "token", 0)
}

// ListTokens implements datastore.Store.
func (d *Datastores) ListTokens(ctx context.Context) ([]*datastore.Token, error) {
	rows, err := d.pool.Query(ctx, `SELECT id, name, role, hash, created_at, revoked_at FROM ds_tokens ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*datastore.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken implements datastore.Store.
func (d *Datastores) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	tag, err := d.pool.Exec(ctx, `UPDATE ds_tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1`, id, at)
	if err == nil && tag.RowsAffected() == 0 {
		return &datastore.NotFoundError{What: "token", ID: id}
	}
	return err
}

// CountTokens implements datastore.Store.
func (d *Datastores) CountTokens(ctx context.Context) (int, error) {
	var n int
	err := d.pool.QueryRow(ctx, `SELECT count(*) FROM ds_tokens`).Scan(&n)
	return n, err
}
