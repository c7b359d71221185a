package httpx

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The layers' annotations reach the one access-log line and Observe; a
// panicking handler is logged with the status it was answered with; the
// body is never logged.
func TestRecordReachesLogAndObserve(t *testing.T) {
	var buf bytes.Buffer
	var seen []Done
	h := Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		SetService(ctx, "redshift-data")
		SetOperation(ctx, "redshift-data", "ExecuteStatement")
		SetService(ctx, "ignored once set")
		SetPrincipal(ctx, "arn:aws:iam::123456789012:user/alice")
		SetStatementID(ctx, "d9b6c0c5-0b52-4a45-9f5f-2a3e7e2b4c11")
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		SetErrorCode(ctx, "ValidationException")
		w.WriteHeader(http.StatusBadRequest)
	}), Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil)), Observe: func(d Done) { seen = append(seen, d) },
		WriteError: func(w http.ResponseWriter, r *http.Request, err error) {
			SetErrorCode(r.Context(), "InternalFailure")
			w.WriteHeader(http.StatusInternalServerError)
		},
		Panicked: func() error { return nil }})
	for _, path := range []string{"/", "/panic"} {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{"Sql":"select 'the body'"}`))
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 2 || len(seen) != 2 {
		t.Fatalf("%d request lines and %d observations for 2 requests:\n%s", len(lines), len(seen), buf.String())
	}
	for i, want := range []struct {
		status float64
		code   string
	}{{400, "ValidationException"}, {500, "InternalFailure"}} {
		l := lines[i]
		if l["service"] != "redshift-data" || l["operation"] != "ExecuteStatement" || l["principal"] != "arn:aws:iam::123456789012:user/alice" ||
			l["statement_id"] != "d9b6c0c5-0b52-4a45-9f5f-2a3e7e2b4c11" || l["status"] != want.status || l["error_code"] != want.code {
			t.Errorf("line %d = %v, want status %v and code %s with every annotation", i, l, want.status, want.code)
		}
		if d := seen[i]; d.RequestID != l["request_id"] || d.ErrorCode != want.code || d.Status != int(want.status) {
			t.Errorf("observation %d = %+v, want the logged request", i, d)
		}
	}
	if strings.Contains(buf.String(), "the body") {
		t.Errorf("the log holds the request body:\n%s", buf.String())
	}
	// Outside Wrap the setters do nothing and do not panic.
	SetOperation(t.Context(), "s", "o")
}
