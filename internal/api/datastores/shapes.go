package datastores

import (
	"time"

	"github.com/rsdata/rsdata/internal/datastore"
)

// The request and response bodies, in the field names of the datastore
// API's reference.

type parametersIn struct {
	AuthenticationType string `json:"authentication_type"`
	RoleARN            string `json:"role_arn"`
	ExternalID         string `json:"external_id"`
}

type connectionIn struct {
	Name       string        `json:"name"`
	Type       string        `json:"type"`
	Host       string        `json:"host"`
	Port       *int          `json:"port"`
	Username   string        `json:"username"`
	Password   *string       `json:"password"`
	Parameters *parametersIn `json:"parameters"`
}

func (c *connectionIn) domain() *datastore.ConnectionInput {
	if c == nil {
		return nil
	}
	out := &datastore.ConnectionInput{Name: c.Name, Type: c.Type, Host: c.Host, Port: c.Port, Username: c.Username}
	if c.Password != nil {
		out.Password, out.PasswordSet = *c.Password, true
	}
	if c.Parameters != nil {
		out.AuthType, out.RoleARN, out.ExternalID = c.Parameters.AuthenticationType, c.Parameters.RoleARN, c.Parameters.ExternalID
	}
	return out
}

type createIn struct {
	Name                  string        `json:"name"`
	Connection            *connectionIn `json:"connection"`
	ConnectionID          *int64        `json:"connection_id"`
	Database              string        `json:"database"`
	Schema                string        `json:"schema"`
	Description           string        `json:"description"`
	Teams                 []string      `json:"teams"`
	Tags                  []string      `json:"tags"`
	EnrichmentOnly        bool          `json:"enrichment_only"`
	TriggerCatalog        bool          `json:"trigger_catalog"`
	EnrichmentDatastoreID *int64        `json:"enrichment_datastore_id"`
	EnrichmentPrefix      string        `json:"enrichment_prefix"`
}

func (c *createIn) domain() *datastore.CreateInput {
	return &datastore.CreateInput{Name: c.Name, Connection: c.Connection.domain(), ConnectionID: c.ConnectionID,
		Database: c.Database, Schema: c.Schema, Description: c.Description, Teams: c.Teams, Tags: c.Tags,
		EnrichmentOnly: c.EnrichmentOnly, TriggerCatalog: c.TriggerCatalog,
		EnrichmentDatastoreID: c.EnrichmentDatastoreID, EnrichmentPrefix: c.EnrichmentPrefix}
}

type updateIn struct {
	Name           *string       `json:"name"`
	Database       *string       `json:"database"`
	Schema         *string       `json:"schema"`
	Description    *string       `json:"description"`
	Teams          *[]string     `json:"teams"`
	Tags           *[]string     `json:"tags"`
	EnrichmentOnly *bool         `json:"enrichment_only"`
	Connection     *connectionIn `json:"connection"`
	ConnectionID   *int64        `json:"connection_id"`
}

// createdOut is the create answer of the seed, plus the Data API target.
type createdOut struct {
	ID                int64  `json:"id"`
	Name              string `json:"name"`
	Type              string `json:"type"`
	StoreType         string `json:"store_type"`
	Database          string `json:"database"`
	Schema            string `json:"schema"`
	EnrichmentOnly    bool   `json:"enrichment_only"`
	Connected         bool   `json:"connected"`
	ClusterIdentifier string `json:"cluster_identifier"`
	ConnectionID      int64  `json:"connection_id"`
	// OperationID is the catalog operation trigger_catalog started.
	OperationID *int64 `json:"operation_id,omitempty"`
}

type connectionRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

type metricsOut struct {
	Containers int `json:"containers"`
	Tables     int `json:"tables"`
	Views      int `json:"views"`
	Fields     int `json:"fields"`
}

type datastoreOut struct {
	ID                    int64         `json:"id"`
	Name                  string        `json:"name"`
	Type                  string        `json:"type"`
	StoreType             string        `json:"store_type"`
	Database              string        `json:"database"`
	Schema                string        `json:"schema"`
	Description           string        `json:"description"`
	EnrichmentOnly        bool          `json:"enrichment_only"`
	EnrichmentDatastoreID *int64        `json:"enrichment_datastore_id"`
	EnrichmentPrefix      string        `json:"enrichment_prefix"`
	Teams                 []string      `json:"teams"`
	Tags                  []string      `json:"tags"`
	Connection            connectionRef `json:"connection"`
	ClusterIdentifier     string        `json:"cluster_identifier"`
	Created               time.Time     `json:"created"`
	Metrics               *metricsOut   `json:"metrics,omitempty"`
}

func toDatastore(d *datastore.Datastore, c *datastore.Connection) datastoreOut {
	out := datastoreOut{ID: d.ID, Name: d.Name, Type: datastore.ConnectorType, StoreType: "jdbc", Database: d.Database,
		Schema: d.Schema, Description: d.Description, EnrichmentOnly: d.EnrichmentOnly, EnrichmentPrefix: d.EnrichmentPrefix,
		Teams: d.Teams, Tags: d.Tags, ClusterIdentifier: datastore.ClusterIdentifier(d.ID), Created: d.CreatedAt}
	if d.EnrichmentDatastoreID != 0 {
		id := d.EnrichmentDatastoreID
		out.EnrichmentDatastoreID = &id
	}
	if c != nil {
		out.Connection = connectionRef{ID: c.ID, Name: c.Name, Type: c.Type}
		out.Type = c.Type
	}
	return out
}

type parametersOut struct {
	AuthenticationType string `json:"authentication_type"`
	RoleARN            string `json:"role_arn,omitempty"`
	ExternalID         string `json:"external_id,omitempty"`
}

// connectionOut never carries the password.
type connectionOut struct {
	ID         int64         `json:"id"`
	Name       string        `json:"name"`
	Type       string        `json:"type"`
	Host       string        `json:"host"`
	Port       int           `json:"port"`
	Username   string        `json:"username,omitempty"`
	Parameters parametersOut `json:"parameters"`
	Created    time.Time     `json:"created"`
}

func toConnection(c *datastore.Connection) connectionOut {
	return connectionOut{ID: c.ID, Name: c.Name, Type: c.Type, Host: c.Host, Port: c.Port, Username: c.Username,
		Parameters: parametersOut{AuthenticationType: c.AuthType, RoleARN: c.RoleARN, ExternalID: c.ExternalID}, Created: c.CreatedAt}
}

type page[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
	Page  int `json:"page"`
	Size  int `json:"size"`
	Pages int `json:"pages"`
}

func paginate[T any](all []T, pageNo, size int) page[T] {
	out := page[T]{Items: []T{}, Total: len(all), Page: pageNo, Size: size, Pages: (len(all) + size - 1) / size}
	start := (pageNo - 1) * size
	if start < len(all) {
		out.Items = all[start:min(start+size, len(all))]
	}
	return out
}

type testOut struct {
	Connected bool   `json:"connected"`
	Message   string `json:"message"`
}

type runIn struct {
	Type        string   `json:"type"`
	DatastoreID int64    `json:"datastore_id"`
	Include     []string `json:"include"`
	Prune       bool     `json:"prune"`
	Recreate    bool     `json:"recreate"`
}

type operationOut struct {
	ID          int64      `json:"id"`
	Type        string     `json:"type"`
	DatastoreID int64      `json:"datastore_id"`
	Result      string     `json:"result"`
	Message     string     `json:"message"`
	Include     []string   `json:"include"`
	Prune       bool       `json:"prune"`
	Recreate    bool       `json:"recreate"`
	Added       int        `json:"containers_added"`
	Updated     int        `json:"containers_updated"`
	Removed     int        `json:"containers_removed"`
	Created     time.Time  `json:"created"`
	StartTime   *time.Time `json:"start_time"`
	EndTime     *time.Time `json:"end_time"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toOperation(o *datastore.Operation) operationOut {
	return operationOut{ID: o.ID, Type: o.Type, DatastoreID: o.DatastoreID, Result: o.Status, Message: o.Message,
		Include: o.Include, Prune: o.Prune, Recreate: o.Recreate, Added: o.Added, Updated: o.Updated, Removed: o.Removed,
		Created: o.CreatedAt, StartTime: optTime(o.StartedAt), EndTime: optTime(o.EndedAt)}
}

type fieldOut struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
	Position int    `json:"position"`
}

type containerOut struct {
	ID            int64      `json:"id"`
	DatastoreID   int64      `json:"datastore_id"`
	Name          string     `json:"name"`
	ContainerType string     `json:"container_type"`
	FieldCount    int        `json:"field_count"`
	Fields        []fieldOut `json:"fields,omitempty"`
	Updated       time.Time  `json:"updated"`
}

func toContainer(c *datastore.Container, withFields bool) containerOut {
	out := containerOut{ID: c.ID, DatastoreID: c.DatastoreID, Name: c.Name, ContainerType: c.Type, FieldCount: len(c.Fields), Updated: c.UpdatedAt}
	if withFields {
		out.Fields = toFields(c.Fields)
	}
	return out
}

func toFields(fs []datastore.Field) []fieldOut {
	out := make([]fieldOut, len(fs))
	for i, f := range fs {
		out[i] = fieldOut{Name: f.Name, Type: f.Type, Nullable: f.Nullable, Position: f.Position}
	}
	return out
}

type tokenIn struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

type tokenOut struct {
	ID      int64      `json:"id"`
	Name    string     `json:"name"`
	Role    string     `json:"role"`
	Created time.Time  `json:"created"`
	Revoked *time.Time `json:"revoked"`
	// Token is the secret, in the create answer only.
	Token string `json:"token,omitempty"`
}

func toToken(t *datastore.Token) tokenOut {
	return tokenOut{ID: t.ID, Name: t.Name, Role: t.Role.String(), Created: t.CreatedAt, Revoked: optTime(t.RevokedAt)}
}

// errorOut is every error's body: "detail", as the reference's API
// answers, and "message", as its connection tests do.
type errorOut struct {
	Detail  string `json:"detail"`
	Message string `json:"message"`
}
