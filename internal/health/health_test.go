package health_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/health"
)

func up(context.Context) health.Component { return health.Component{Up: true} }

// A check that never returns (ignoring ctx) is cut off at the bound and
// reported down; a required component down makes /readyz 503, an optional
// one does not.
func TestReady(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	hang := func(context.Context) health.Component { <-block; return health.Component{Up: true} }
	down := func(context.Context) health.Component { return health.Component{Error: "refused"} }
	for _, tc := range []struct {
		name   string
		checks []health.Check
		code   int
		status string
	}{
		{"all up", []health.Check{{Name: "a", Required: true, Run: up}, {Name: "b", Run: up}}, 200, "ready"},
		{"optional down", []health.Check{{Name: "a", Required: true, Run: up}, {Name: "b", Run: down}}, 200, "ready"},
		{"required down", []health.Check{{Name: "a", Required: true, Run: down}, {Name: "b", Run: up}}, 503, "unavailable"},
		{"required hangs", []health.Check{{Name: "a", Required: true, Run: hang}, {Name: "b", Run: up}}, 503, "unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := health.New(100*time.Millisecond, tc.checks...)
			rec := httptest.NewRecorder()
			start := time.Now()
			c.Ready(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %s, want the bound plus a little", took)
			}
			var r health.Report
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tc.code || r.Status != tc.status || len(r.Components) != 2 || r.Components[0].Name != "a" {
				t.Errorf("got %d %+v, want %d %s with both components in order", rec.Code, r, tc.code, tc.status)
			}
			if tc.name == "required hangs" && (r.Components[0].Up || r.Components[0].Error == "") {
				t.Errorf("the hanging check is reported %+v", r.Components[0])
			}
		})
	}
}

// Requests within a second share one round of checks.
func TestReportReused(t *testing.T) {
	var rounds atomic.Int32
	c := health.New(time.Second, health.Check{Name: "a", Required: true, Run: func(context.Context) health.Component {
		rounds.Add(1)
		return health.Component{Up: true}
	}})
	for range 5 {
		c.Ready(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/readyz", nil))
	}
	if n := rounds.Load(); n != 1 {
		t.Errorf("5 requests ran %d rounds, want 1", n)
	}
}
