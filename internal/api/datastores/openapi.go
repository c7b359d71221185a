package datastores

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// The OpenAPI 3.1 document of the API, built from routes so the two cannot
// drift apart; request and response schemas name the reference's fields.

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// bodies maps a route to its request and success schemas.
var bodies = map[string][2]string{
	"POST /api/datastores":                              {"CreateDatastore", "CreatedDatastore"},
	"GET /api/datastores":                               {"", "DatastorePage"},
	"POST /api/datastores/connection":                   {"CreateDatastore", ""},
	"GET /api/datastores/{id}":                          {"", "Datastore"},
	"PUT /api/datastores/{id}":                          {"UpdateDatastore", "Datastore"},
	"POST /api/datastores/{id}/connection":              {"", "ConnectionTest"},
	"PATCH /api/datastores/{id}/enrichment/{enrich_id}": {"", "Datastore"},
	"GET /api/connections":                              {"", "ConnectionPage"},
	"GET /api/connections/{id}":                         {"", "Connection"},
	"PUT /api/connections/{id}":                         {"ConnectionInput", "Connection"},
	"POST /api/connections/{id}/test":                   {"", "ConnectionTest"},
	"POST /api/operations/run":                          {"RunOperation", "Operation"},
	"GET /api/operations/{id}":                          {"", "Operation"},
	"PUT /api/operations/abort/{id}":                    {"", "Operation"},
	"GET /api/containers":                               {"", "ContainerPage"},
	"GET /api/containers/{id}":                          {"", "Container"},
	"GET /api/containers/{id}/fields":                   {"", "FieldPage"},
	"POST /api/tokens":                                  {"CreateToken", "Token"},
	"GET /api/tokens":                                   {"", "TokenList"},
}

// queries are the query parameters of list routes.
var queries = map[string][]string{
	"GET /api/datastores":             {"name", "search", "datastore_type", "tag", "enrichment_only", "page", "size"},
	"GET /api/connections":            {"page", "size"},
	"GET /api/containers":             {"datastore", "page", "size"},
	"GET /api/containers/{id}/fields": {"page", "size"},
	"POST /api/connections/{id}/test": {"database", "schema"},
}

func obj(props map[string]any, required ...string) map[string]any {
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

var (
	str     = map[string]any{"type": "string"}
	integer = map[string]any{"type": "integer"}
	boolean = map[string]any{"type": "boolean"}
	strs    = map[string]any{"type": "array", "items": str}
	when    = map[string]any{"type": "string", "format": "date-time"}
)

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func pageOf(item string) map[string]any {
	return obj(map[string]any{"items": map[string]any{"type": "array", "items": ref(item)},
		"total": integer, "page": integer, "size": integer, "pages": integer})
}

func schemas() map[string]any {
	connIn := obj(map[string]any{
		"name": str, "type": map[string]any{"type": "string", "enum": []string{"redshift"}}, "host": str,
		"port":     map[string]any{"type": "integer", "default": 5439, "minimum": 1, "maximum": 65535},
		"username": str, "password": map[string]any{"type": "string", "writeOnly": true},
		"parameters": obj(map[string]any{
			"authentication_type": map[string]any{"type": "string", "enum": []string{"BASIC", "IAM_ROLE"}, "default": "BASIC"},
			"role_arn":            str, "external_id": str}),
	})
	return map[string]any{
		"ConnectionInput": connIn,
		"CreateDatastore": obj(map[string]any{"name": str, "connection": ref("ConnectionInput"), "connection_id": integer,
			"database": str, "schema": str, "description": str, "teams": strs, "tags": strs, "enrichment_only": boolean,
			"trigger_catalog": boolean, "enrichment_datastore_id": integer, "enrichment_prefix": str}, "name", "database", "schema"),
		"UpdateDatastore": obj(map[string]any{"name": str, "database": str, "schema": str, "description": str, "teams": strs,
			"tags": strs, "enrichment_only": boolean, "connection": ref("ConnectionInput"), "connection_id": integer}),
		"CreatedDatastore": obj(map[string]any{"id": integer, "name": str, "type": str, "store_type": str, "database": str,
			"schema": str, "enrichment_only": boolean, "connected": boolean, "cluster_identifier": str, "connection_id": integer,
			"operation_id": integer}),
		"Datastore": obj(map[string]any{"id": integer, "name": str, "type": str, "store_type": str, "database": str,
			"schema": str, "description": str, "enrichment_only": boolean, "enrichment_datastore_id": integer,
			"enrichment_prefix": str, "teams": strs, "tags": strs,
			"connection":         obj(map[string]any{"id": integer, "name": str, "type": str}),
			"cluster_identifier": str, "created": when,
			"metrics": obj(map[string]any{"containers": integer, "tables": integer, "views": integer, "fields": integer})}),
		"DatastorePage": pageOf("Datastore"),
		"Connection": obj(map[string]any{"id": integer, "name": str, "type": str, "host": str, "port": integer, "username": str,
			"parameters": obj(map[string]any{"authentication_type": str, "role_arn": str, "external_id": str}), "created": when}),
		"ConnectionPage": pageOf("Connection"),
		"ConnectionTest": obj(map[string]any{"connected": boolean, "message": str}),
		"RunOperation": obj(map[string]any{"type": map[string]any{"type": "string", "enum": []string{"catalog"}},
			"datastore_id": integer, "include": map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": []string{"table", "view"}}},
			"prune": boolean, "recreate": boolean}, "type", "datastore_id"),
		"Operation": obj(map[string]any{"id": integer, "type": str, "datastore_id": integer,
			"result":  map[string]any{"type": "string", "enum": []string{"queued", "running", "success", "failure", "aborted"}},
			"message": str, "include": strs, "prune": boolean, "recreate": boolean, "containers_added": integer,
			"containers_updated": integer, "containers_removed": integer, "created": when,
			"start_time": map[string]any{"type": []string{"string", "null"}, "format": "date-time"},
			"end_time":   map[string]any{"type": []string{"string", "null"}, "format": "date-time"}}),
		"Field":     obj(map[string]any{"name": str, "type": str, "nullable": boolean, "position": integer}),
		"FieldPage": pageOf("Field"),
		"Container": obj(map[string]any{"id": integer, "datastore_id": integer, "name": str,
			"container_type": map[string]any{"type": "string", "enum": []string{"table", "view"}}, "field_count": integer,
			"fields": map[string]any{"type": "array", "items": ref("Field")}, "updated": when}),
		"ContainerPage": pageOf("Container"),
		"CreateToken": obj(map[string]any{"name": str,
			"role": map[string]any{"type": "string", "enum": []string{"Member", "Editor", "Manager", "Admin"}}}, "name", "role"),
		"Token": obj(map[string]any{"id": integer, "name": str, "role": str, "created": when,
			"revoked": map[string]any{"type": []string{"string", "null"}, "format": "date-time"},
			"token":   map[string]any{"type": "string", "description": "the secret, in the create answer only"}}),
		"TokenList": map[string]any{"type": "array", "items": ref("Token")},
		"Error":     obj(map[string]any{"detail": str, "message": str}),
	}
}

func errResp(desc string) map[string]any {
	return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": ref("Error")}}}
}

// Document returns the OpenAPI document.
func (a *API) Document() map[string]any {
	paths := map[string]any{}
	for _, rt := range a.routes() {
		key := rt.method + " " + rt.path
		op := map[string]any{"summary": rt.summary, "operationId": operationID(rt)}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": integer})
		}
		for _, q := range queries[key] {
			params = append(params, map[string]any{"name": q, "in": "query", "required": q == "datastore", "schema": str})
		}
		if params != nil {
			op["parameters"] = params
		}
		b := bodies[key]
		if b[0] != "" {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": ref(b[0])}}}
		}
		ok := map[string]any{"description": "success"}
		if b[1] != "" {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": ref(b[1])}}
		}
		responses := map[string]any{strconv.Itoa(rt.status): ok}
		if rt.role != 0 {
			op["security"] = []any{map[string]any{"bearer": []string{}}}
			op["x-required-role"] = rt.role.String()
			responses["401"] = errResp("no token, or an unknown or revoked one")
			responses["403"] = errResp("the token's role is weaker than " + rt.role.String())
			responses["404"] = errResp("not found")
			responses["422"] = errResp("invalid input; the message names the field")
			if rt.method == "POST" && strings.Contains(rt.path, "connection") {
				responses["400"] = errResp("the connection test failed; the message is the database's or STS's reason")
			}
			if rt.method == "DELETE" || strings.Contains(rt.path, "abort") {
				responses["409"] = errResp("the current state refuses it")
			}
		}
		op["responses"] = responses
		item, _ := paths[rt.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.path] = item
		}
		item[strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "rsdata datastore API", "version": "1",
			"description": "Register Redshift (or any PostgreSQL-wire) datastores, catalog them, and query them through the Data API as cluster datastore-<id>."},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas":         schemas(),
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
		},
	}
}

func operationID(rt route) string {
	parts := []string{strings.ToLower(rt.method)}
	for _, p := range strings.Split(strings.TrimPrefix(rt.path, "/api/"), "/") {
		p = strings.Trim(p, "{}")
		p = strings.ReplaceAll(strings.ReplaceAll(p, ".", "_"), "-", "_")
		parts = append(parts, p)
	}
	return strings.Join(parts, "_")
}

func (a *API) openAPI(context.Context, *request) (any, error) {
	b, err := json.MarshalIndent(a.Document(), "", "  ")
	return rawJSON(append(b, '\n')), err
}
