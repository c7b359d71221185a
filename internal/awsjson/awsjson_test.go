package awsjson_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/awsjson"
)

type param struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type input struct {
	Sql           *string           `json:"Sql"`
	StatementName *string           `json:"StatementName"`
	Sqls          []string          `json:"Sqls"`
	Parameters    []param           `json:"Parameters"`
	Tags          map[string]string `json:"Tags"`
	Blob          []byte            `json:"Blob"`
}

type output struct {
	OK bool `json:"ok"`
}

func newRouter(t *testing.T) (*awsjson.Router, *int) {
	t.Helper()
	r := awsjson.NewRouter(nil)
	r.Service("Test", "test-svc", func(_ any, err error) error { return err })
	calls := new(int)
	awsjson.Register(r, "Test.Op", func(context.Context, *input) (*output, error) {
		*calls++
		return &output{OK: true}, nil
	})
	return r, calls
}

func serve(t *testing.T, h http.Handler, ctx context.Context, body string) (int, map[string]string) {
	t.Helper()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "Test.Op")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var got map[string]string
	if rec.Code != http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("error body %q is not a JSON error envelope: %v", rec.Body.String(), err)
		}
		if got["__type"] == "" || rec.Header().Get("X-Amzn-ErrorType") != got["__type"] {
			t.Fatalf("error envelope %q, X-Amzn-ErrorType %q", rec.Body.String(), rec.Header().Get("X-Amzn-ErrorType"))
		}
	}
	return rec.Code, got
}

// TestTextNoOperationCanStore: a NUL character anywhere in a string member
// (it is valid JSON as \u0000) is a ValidationException, and a body that is
// not UTF-8 a SerializationException, before the operation runs. Both used
// to reach PostgreSQL and come back as 500 InternalFailure.
func TestTextNoOperationCanStore(t *testing.T) {
	r, calls := newRouter(t)
	for _, c := range []struct {
		name, body, code, path string
	}{
		{"statement name", `{"StatementName":"\u0000"}`, "ValidationException", "'statementName'"},
		{"sql", `{"Sql":"select 1\u0000"}`, "ValidationException", "'sql'"},
		{"sqls element", `{"Sqls":["select 1","x\u0000y"]}`, "ValidationException", "'sqls.2.member'"},
		{"parameter value", `{"Parameters":[{"name":"a","value":"\u0000"}]}`, "ValidationException", "'parameters.1.member.value'"},
		{"map key", `{"Tags":{"\u0000":"v"}}`, "ValidationException", "'tags.key'"},
		{"map value", `{"Tags":{"k":"\u0000"}}`, "ValidationException", "'tags.value'"},
		{"invalid utf-8", "{\"Sql\":\"\xff\xfe\"}", "SerializationException", "0xff"},
		{"invalid utf-8 in an unknown member", "{\"Other\":\"\xc3\"}", "SerializationException", "0xc3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, got := serve(t, r, context.Background(), c.body)
			if status != http.StatusBadRequest || got["__type"] != c.code || !strings.Contains(got["message"], c.path) {
				t.Fatalf("got %d %v, want 400 %s naming %s", status, got, c.code, c.path)
			}
		})
	}
	if *calls != 0 {
		t.Fatalf("the operation ran %d times", *calls)
	}
	// Blobs may hold any byte; a NUL in an unknown member is ignored with it.
	for _, body := range []string{`{"Blob":"AAA="}`, `{"Sql":"select 1","Unknown":"\u0000"}`, `{"Sql":"ünïcödé ✓"}`} {
		if status, got := serve(t, r, context.Background(), body); status != http.StatusOK {
			t.Errorf("%s: %d %v", body, status, got)
		}
	}
}

// TestCredentialScopeService: a request signed for another service's scope
// (an IAM-scoped signature sent to a Data API target) is refused.
func TestCredentialScopeService(t *testing.T) {
	r, calls := newRouter(t)
	status, got := serve(t, r, awsjson.WithService(context.Background(), "iam"), `{}`)
	if status != http.StatusBadRequest || got["__type"] != "InvalidSignatureException" ||
		got["message"] != "Credential should be scoped to correct service: 'test-svc'. " {
		t.Fatalf("got %d %v", status, got)
	}
	if *calls != 0 {
		t.Fatal("the operation ran")
	}
	if status, got := serve(t, r, awsjson.WithService(context.Background(), "test-svc"), `{}`); status != http.StatusOK {
		t.Fatalf("correctly scoped: %d %v", status, got)
	}
}

func TestRegisterNeedsService(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Register of an undeclared prefix did not panic")
		}
	}()
	awsjson.Register(awsjson.NewRouter(nil), "Nope.Op", func(context.Context, *input) (*output, error) { return nil, nil })
}

// errDomain is a domain error only the service's mapping knows.
var errDomain = errors.New("no such thing")

// TestRouterMapsEveryError: an operation returns a domain error as it is;
// the router maps it with the service's mapping, given the decoded input,
// so no handler can forget to.
func TestRouterMapsEveryError(t *testing.T) {
	r := awsjson.NewRouter(nil)
	var sawInput *input
	r.Service("Test", "test-svc", func(in any, err error) error {
		sawInput, _ = in.(*input)
		if errors.Is(err, errDomain) {
			return awserr.ResourceNotFound("x", "Query does not exist.")
		}
		return err
	})
	awsjson.Register(r, "Test.Op", func(context.Context, *input) (*output, error) { return nil, errDomain })
	code, got := serve(t, r, context.Background(), `{"Sql":"select 1"}`)
	if code != http.StatusBadRequest || got["__type"] != "ResourceNotFoundException" || got["message"] != "Query does not exist." {
		t.Fatalf("reply %d %v, want the mapped ResourceNotFoundException", code, got)
	}
	if sawInput == nil || sawInput.Sql == nil || *sawInput.Sql != "select 1" {
		t.Fatalf("the mapping saw input %+v", sawInput)
	}
}

func TestServiceNeedsAnErrorMapping(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a service without an error mapping was accepted")
		}
	}()
	awsjson.NewRouter(nil).Service("Test", "test-svc", nil)
}
