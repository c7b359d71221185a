package datastores

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRouter: every route the router registers is in the
// document with its method, every schema it names exists, the document's
// side tables name only real routes, and routes that read a body say so.
func TestOpenAPIMatchesRouter(t *testing.T) {
	a := New(nil, nil)
	doc := a.Document()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &parsed); err != nil {
		t.Fatal(err)
	}
	if parsed.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", parsed.OpenAPI)
	}
	routes := map[string]bool{}
	for _, rt := range a.Routes() {
		key := rt[0] + " " + rt[1]
		routes[key] = true
		op := parsed.Paths[rt[1]][strings.ToLower(rt[0])]
		if op == nil {
			t.Errorf("%s is not in the document", key)
			continue
		}
		if (rt[0] == "POST" || rt[0] == "PUT") && op["requestBody"] == nil && !noBody[key] {
			t.Errorf("%s reads a body the document does not describe", key)
		}
	}
	n := 0
	for _, ops := range parsed.Paths {
		n += len(ops)
	}
	if n != len(routes) {
		t.Errorf("the document has %d operations, the router %d", n, len(routes))
	}
	for key := range bodies {
		if !routes[key] {
			t.Errorf("bodies names %s, which is not a route", key)
		}
	}
	for key := range queries {
		if !routes[key] {
			t.Errorf("queries names %s, which is not a route", key)
		}
	}
	for _, ref := range strings.Split(string(b), `"$ref":"#/components/schemas/`)[1:] {
		name := ref[:strings.IndexByte(ref, '"')]
		if parsed.Components.Schemas[name] == nil {
			t.Errorf("schema %s is referenced but not defined", name)
		}
	}
}

// noBody are the POST and PUT routes that read no body.
var noBody = map[string]bool{
	"POST /api/datastores/{id}/connection": true,
	"POST /api/connections/{id}/test":      true,
	"PUT /api/operations/abort/{id}":       true,
}
