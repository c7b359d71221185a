// Package datastores serves the datastore API: plain JSON under /api,
// authenticated with bearer tokens (not SigV4), following the routes,
// fields, status codes and error bodies of the reference datastore API.
// Every route is declared once in routes, which both builds the router and
// the OpenAPI document served at /api/openapi.json.
package datastores

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/rsdata/rsdata/internal/datastore"
)

// maxBody bounds a request body.
const maxBody = 1 << 20

// API is the datastore API's HTTP side.
type API struct {
	svc *datastore.Service
	log *slog.Logger
	mux *http.ServeMux
}

// route is one operation: its method and path, the role it needs (0: no
// token), and its handler.
type route struct {
	method, path string
	role         datastore.Role
	summary      string
	// status is the success status.
	status  int
	handler func(ctx context.Context, r *request) (any, error)
}

// request is what a handler reads.
type request struct {
	http  *http.Request
	token *datastore.Token
}

func (r *request) id(name string) (int64, error) {
	v := r.http.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, &datastore.ValidationError{Field: name, Message: fmt.Sprintf("%q is not a positive integer id", v)}
	}
	return id, nil
}

// decode reads the JSON body into v; unknown fields are accepted.
func (r *request) decode(v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.http.Body, maxBody))
	if err != nil {
		return &datastore.ValidationError{Field: "body", Message: "is larger than 1 MiB or unreadable"}
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return &datastore.ValidationError{Field: "body", Message: "a JSON object is required"}
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &datastore.ValidationError{Field: te.Field, Message: fmt.Sprintf("must be of type %s, not %s", jsonType(te.Type.String()), te.Value)}
		}
		return &datastore.ValidationError{Field: "body", Message: "is not valid JSON: " + err.Error()}
	}
	return nil
}

func jsonType(goType string) string {
	switch strings.TrimLeft(goType, "*[]") {
	case "int", "int64":
		return "integer"
	case "bool":
		return "boolean"
	case "string":
		return "string"
	}
	return "object"
}

// New returns the API over svc.
func New(svc *datastore.Service, log *slog.Logger) *API {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &API{svc: svc, log: log, mux: http.NewServeMux()}
	for _, rt := range a.routes() {
		a.mux.Handle(rt.method+" "+rt.path, a.wrap(rt))
	}
	a.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such route: "+r.Method+" "+r.URL.Path)
	})
	return a
}

// ServeHTTP serves everything under /api/.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// Routes lists the method and path of every route (tests compare them with
// the OpenAPI document).
func (a *API) Routes() [][2]string {
	var out [][2]string
	for _, rt := range a.routes() {
		out = append(out, [2]string{rt.method, rt.path})
	}
	return out
}

func (a *API) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &request{http: r}
		if rt.role != 0 {
			secret, ok := bearer(r)
			if !ok {
				a.fail(w, r, datastore.ErrUnauthorized)
				return
			}
			t, err := a.svc.Authenticate(r.Context(), secret)
			if err == nil {
				err = datastore.Require(t, rt.role)
			}
			if err != nil {
				a.fail(w, r, err)
				return
			}
			req.token = t
		}
		out, err := rt.handler(r.Context(), req)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if raw, ok := out.(rawJSON); ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(rt.status)
			_, _ = w.Write(raw)
			return
		}
		if rt.status == http.StatusNoContent || out == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeJSON(w, rt.status, out)
	})
}

// rawJSON is a body written as is.
type rawJSON []byte

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"detail":"internal error","message":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, msg string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rsdata"`)
	}
	writeJSON(w, status, errorOut{Detail: msg, Message: msg})
}

// fail maps a domain error to its status: the one table of this API.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		ve *datastore.ValidationError
		nf *datastore.NotFoundError
		ce *datastore.ConflictError
		ke *datastore.ConnectError
	)
	switch {
	case errors.Is(err, datastore.ErrUnauthorized):
		writeError(w, http.StatusUnauthorized, "Not authenticated: a valid bearer token is required (Authorization: Bearer <token>)")
	case errors.Is(err, datastore.ErrForbidden):
		writeError(w, http.StatusForbidden, strings.TrimPrefix(err.Error(), "forbidden: "))
	case errors.As(err, &ve):
		writeError(w, http.StatusUnprocessableEntity, ve.Field+": "+ve.Message)
	case errors.As(err, &nf):
		writeError(w, http.StatusNotFound, nf.Error())
	case errors.As(err, &ce):
		writeError(w, http.StatusConflict, ce.Message)
	case errors.As(err, &ke):
		writeError(w, http.StatusBadRequest, ke.Message)
	case errors.Is(err, context.Canceled):
		writeError(w, http.StatusServiceUnavailable, "the request was cancelled")
	default:
		a.log.Error("datastore API request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal server error")
	}
}

// paging reads page (from 1) and size (1 to 100, default 50).
func paging(r *http.Request) (int, int, error) {
	pageNo, size := 1, 50
	q := r.URL.Query()
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, &datastore.ValidationError{Field: "page", Message: "must be an integer of at least 1"}
		}
		pageNo = n
	}
	if v := q.Get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return 0, 0, &datastore.ValidationError{Field: "size", Message: "must be an integer between 1 and 100"}
		}
		size = n
	}
	return pageNo, size, nil
}

func boolQuery(r *http.Request, name string) (*bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, &datastore.ValidationError{Field: name, Message: "must be true or false"}
	}
	return &b, nil
}
