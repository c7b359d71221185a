package datastores

import (
	"context"
	"errors"
	"net/http"

	"github.com/rsdata/rsdata/internal/datastore"
)

func (a *API) routes() []route {
	M, E, G, A := datastore.Member, datastore.Editor, datastore.Manager, datastore.Admin
	ok, none := http.StatusOK, http.StatusNoContent
	return []route{
		{"GET", "/api/openapi.json", 0, "This document", ok, a.openAPI},
		{"POST", "/api/datastores", G, "Create a datastore (inline connection or connection_id)", ok, a.create},
		{"GET", "/api/datastores", M, "List datastores", ok, a.list},
		{"POST", "/api/datastores/connection", G, "Test a connection without creating the datastore", none, a.testNew},
		{"GET", "/api/datastores/{id}", M, "Get a datastore", ok, a.get},
		{"PUT", "/api/datastores/{id}", E, "Update a datastore", ok, a.update},
		{"DELETE", "/api/datastores/{id}", A, "Delete a datastore, its catalog and its Data API target", none, a.delete},
		{"POST", "/api/datastores/{id}/connection", M, "Test the connection of a datastore", ok, a.testExisting},
		{"PATCH", "/api/datastores/{id}/enrichment/{enrich_id}", E, "Link an enrichment datastore", ok, a.link},
		{"DELETE", "/api/datastores/{id}/enrichment", E, "Unlink the enrichment datastore", none, a.unlink},
		{"GET", "/api/connections", M, "List connections", ok, a.listConnections},
		{"GET", "/api/connections/{id}", M, "Get a connection", ok, a.getConnection},
		{"PUT", "/api/connections/{id}", E, "Update a connection", ok, a.updateConnection},
		{"DELETE", "/api/connections/{id}", A, "Delete a connection no datastore uses", none, a.deleteConnection},
		{"POST", "/api/connections/{id}/test", M, "Test a saved connection", ok, a.testConnection},
		{"POST", "/api/operations/run", E, "Run a catalog operation", ok, a.runOperation},
		{"GET", "/api/operations/{id}", M, "Get an operation", ok, a.getOperation},
		{"PUT", "/api/operations/abort/{id}", E, "Abort an operation", ok, a.abortOperation},
		{"GET", "/api/containers", M, "List the containers of a datastore (?datastore=ID)", ok, a.listContainers},
		{"GET", "/api/containers/{id}", M, "Get a container with its fields", ok, a.getContainer},
		{"GET", "/api/containers/{id}/fields", M, "List a container's fields", ok, a.listFields},
		{"POST", "/api/tokens", A, "Create a token (its secret is shown once)", ok, a.createToken},
		{"GET", "/api/tokens", A, "List tokens", ok, a.listTokens},
		{"DELETE", "/api/tokens/{id}", A, "Revoke a token", none, a.revokeToken},
	}
}

func (a *API) create(ctx context.Context, r *request) (any, error) {
	var in createIn
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	c, err := a.svc.Create(ctx, in.domain())
	if err != nil {
		return nil, err
	}
	d := c.Datastore
	out := createdOut{ID: d.ID, Name: d.Name, Type: c.Connection.Type, StoreType: "jdbc", Database: d.Database,
		Schema: d.Schema, EnrichmentOnly: d.EnrichmentOnly, Connected: c.Connected,
		ClusterIdentifier: datastore.ClusterIdentifier(d.ID), ConnectionID: d.ConnectionID}
	if c.Operation != nil {
		out.OperationID = &c.Operation.ID
	}
	return out, nil
}

func (a *API) list(ctx context.Context, r *request) (any, error) {
	pageNo, size, err := paging(r.http)
	if err != nil {
		return nil, err
	}
	q := r.http.URL.Query()
	lq := datastore.ListQuery{Name: q.Get("name"), Search: q.Get("search"), Type: q.Get("datastore_type"), Tag: q.Get("tag")}
	if lq.Type == "" {
		lq.Type = q.Get("type")
	}
	if lq.EnrichmentOnly, err = boolQuery(r.http, "enrichment_only"); err != nil {
		return nil, err
	}
	all, conns, err := a.svc.List(ctx, lq)
	if err != nil {
		return nil, err
	}
	items := make([]datastoreOut, len(all))
	for i, d := range all {
		items[i] = toDatastore(d, conns[d.ConnectionID])
	}
	return paginate(items, pageNo, size), nil
}

func (a *API) get(ctx context.Context, r *request) (any, error) {
	id, err := r.id("id")
	if err != nil {
		return nil, err
	}
	d, c, err := a.svc.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	out := toDatastore(d, c)
	cs, err := a.svc.Containers(ctx, id)
	if err != nil {
		return nil, err
	}
	m := &metricsOut{Containers: len(cs)}
	for _, c := range cs {
		if c.Type == "view" {
			m.Views++
		} else {
			m.Tables++
		}
		m.Fields += len(c.Fields)
	}
	out.Metrics = m
	return out, nil
}

func (a *API) update(ctx context.Context, r *request) (any, error) {
	id, err := r.id("id")
	if err != nil {
		return nil, err
	}
	var in updateIn
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if _, err := a.svc.Update(ctx, id, &datastore.UpdateInput{Name: in.Name, Database: in.Database, Schema: in.Schema,
		Description: in.Description, Teams: in.Teams, Tags: in.Tags, EnrichmentOnly: in.EnrichmentOnly,
		Connection: in.Connection.domain(), ConnectionID: in.ConnectionID}); err != nil {
		return nil, err
	}
	return a.get(ctx, r)
}

func (a *API) delete(ctx context.Context, r *request) (any, error) {
	id, err := r.id("id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.Delete(ctx, id)
}

func (a *API) testNew(ctx context.Context, r *request) (any, error) {
	var in createIn
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	return nil, a.svc.TestNew(ctx, in.domain())
}

// testResult turns a connection test's failure into the answer's message;
// other errors stay errors.
func testResult(err error) (any, error) {
	var ce *datastore.ConnectError
	if errors.As(err, &ce) {
		return testOut{Connected: false, Message: ce.Message}, nil
	}
	if err != nil {
		return nil, err
	}
	return testOut{Connected: true, Message: "connected"}, nil
}

func (a *API) testExisting(ctx context.Context, r *request) (any, error) {
	id, err := r.id("id")
	if err != nil {
		return nil, err
	}
	return testResult(a.svc.TestExisting(ctx, id))
}

func (a *API) link(ctx context.Context, r *request) (any, error) {
	id, err := r.id("id")
	if err != nil {
		return nil, err
	}
	enrich, err := r.id("enrich_id")
	if err != nil {
		return nil, err
	}
	if _, err := a.svc.LinkEnrichment(ctx, id, enrich); err != nil {
		return nil, err
	}
	return a.get(ctx, r)
}

func (a *API) unlink(ctx context.Context, r *request) (any, error) {
	id, err := r.id("id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.UnlinkEnrichment(ctx, id)
}

func (a *API) listConnections(ctx context.Context, r *request) (any, error) {
	pageNo, size, err := paging(r.http)
	if err != nil {
		return nil, err
	}
	all, err := a.svc.Connections(ctx)
	if err != nil {
		return nil, err
	}
	items := make([]connectionOut, len(all))
	for i, c := range all {
		items[i] = toConnection(c)
	}
	return paginate(items, pageNo, size), nil
}

func (a *API) getConnection(ctx context.Context, r *request) (any, error) {
	id, err := r.id("id")
	if err != nil {
		return nil, err
	}
	c, err := a.svc.Connection(ctx, id)
	if err != nil {
		return nil, err
	}
	return toConnection(c), nil
}

func (a *API) updateConnection(ctx context.Context, r *request) (any, error) {
	id, err := r.id("id")
	if err != nil {
		return nil, err
	}
	var in connectionIn
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	c, err := a.svc.UpdateConnection(ctx, id, in.domain())
	if err != nil {
		return nil, err
	}
	return toConnection(c), nil
}

func (a *API) deleteConnection(ctx context.Context, r *request) (any, error) {
	id, err := r.id("id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.DeleteConnection(ctx, id)
}

func (a *API) testConnection(ctx context.Context, r *request) (any, error) {
	id, err := r.id("id")
	if err != nil {
		return nil, err
	}
	q := r.http.URL.Query()
	return testResult(a.svc.TestConnection(ctx, id, q.Get("database"), q.Get("schema")))
}

func (a *API) runOperation(ctx context.Context, r *request) (any, error) {
	var in runIn
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if in.Type != "catalog" {
		return nil, &datastore.ValidationError{Field: "type", Message: "unsupported operation type " + quote(in.Type) + ": this server runs \"catalog\" operations"}
	}
	op, err := a.svc.RunCatalog(ctx, datastore.CatalogInput{DatastoreID: in.DatastoreID, Include: in.Include, Prune: in.Prune, Recreate: in.Recreate})
	if err != nil {
		return nil, err
	}
	return toOperation(op), nil
}

func quote(s string) string { return `"` + s + `"` }

func (a *API) getOperation(ctx context.Context, r *request) (any, error) {
	id, err := r.id("id")
	if err != nil {
		return nil, err
	}
	op, err := a.svc.Operation(ctx, id)
	if err != nil {
		return nil, err
	}
	return toOperation(op), nil
}

func (a *API) abortOperation(ctx context.Context, r *request) (any, error) {
	id, err := r.id("id")
	if err != nil {
		return nil, err
	}
	op, err := a.svc.Abort(ctx, id)
	if err != nil {
		return nil, err
	}
	return toOperation(op), nil
}

func (a *API) listContainers(ctx context.Context, r *request) (any, error) {
	pageNo, size, err := paging(r.http)
	if err != nil {
		return nil, err
	}
	v := r.http.URL.Query().Get("datastore")
	if v == "" {
		v = r.http.URL.Query().Get("datastore_id")
	}
	r.http.SetPathValue("datastore", v)
	id, err := r.id("datastore")
	if err != nil {
		return nil, err
	}
	all, err := a.svc.Containers(ctx, id)
	if err != nil {
		return nil, err
	}
	items := make([]containerOut, len(all))
	for i, c := range all {
		items[i] = toContainer(c, false)
	}
	return paginate(items, pageNo, size), nil
}

func (a *API) getContainer(ctx context.Context, r *request) (any, error) {
	id, err := r.id("id")
	if err != nil {
		return nil, err
	}
	c, err := a.svc.Container(ctx, id)
	if err != nil {
		return nil, err
	}
	return toContainer(c, true), nil
}

func (a *API) listFields(ctx context.Context, r *request) (any, error) {
	pageNo, size, err := paging(r.http)
	if err != nil {
		return nil, err
	}
	id, err := r.id("id")
	if err != nil {
		return nil, err
	}
	c, err := a.svc.Container(ctx, id)
	if err != nil {
		return nil, err
	}
	return paginate(toFields(c.Fields), pageNo, size), nil
}

func (a *API) createToken(ctx context.Context, r *request) (any, error) {
	var in tokenIn
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	role, ok := datastore.ParseRole(in.Role)
	if !ok {
		return nil, &datastore.ValidationError{Field: "role", Message: "must be one of Member, Editor, Manager, Admin"}
	}
	t, secret, err := a.svc.CreateToken(ctx, in.Name, role)
	if err != nil {
		return nil, err
	}
	out := toToken(t)
	out.Token = secret
	return out, nil
}

func (a *API) listTokens(ctx context.Context, r *request) (any, error) {
	all, err := a.svc.ListTokens(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]tokenOut, len(all))
	for i, t := range all {
		out[i] = toToken(t)
	}
	return out, nil
}

func (a *API) revokeToken(ctx context.Context, r *request) (any, error) {
	id, err := r.id("id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.RevokeToken(ctx, id)
}
