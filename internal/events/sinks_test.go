package events_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/events"
)

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFileSinkAppendsJSONLines(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(path, []byte("{\"earlier\":1}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := events.NewFileSink(path)
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush with nothing delivered: %v", err)
	}
	if err := s.Deliver(ctx, []byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	// Indented JSON still takes exactly one line.
	if err := s.Deliver(ctx, []byte("{\n  \"b\": [1, 2]\n}")); err != nil {
		t.Fatal(err)
	}
	if err := s.Deliver(ctx, []byte("not json")); err == nil {
		t.Fatal("Deliver accepted something that is not JSON")
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, path), "{\"earlier\":1}\n{\"a\":1}\n{\"b\":[1,2]}\n"; got != want {
		t.Fatalf("file = %q, want %q", got, want)
	}

	// After a rename (log rotation) the next round starts a new file,
	// created private.
	rotated := path + ".1"
	if err := os.Rename(path, rotated); err != nil {
		t.Fatal(err)
	}
	if err := s.Deliver(ctx, []byte(`{"c":3}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "{\"c\":3}\n" {
		t.Fatalf("new file = %q", got)
	}
	if got := readFile(t, rotated); !strings.HasSuffix(got, "{\"b\":[1,2]}\n") {
		t.Fatalf("rotated file changed: %q", got)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("new file mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestFileSinkFailsWithoutDirectory(t *testing.T) {
	ctx := context.Background()
	s := events.NewFileSink(filepath.Join(t.TempDir(), "missing", "events.jsonl"))
	if err := s.Deliver(ctx, []byte(`{}`)); err == nil {
		t.Fatal("Deliver into a missing directory succeeded")
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush after a failed Deliver: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := events.NewFileSink(filepath.Join(t.TempDir(), "x")).Deliver(cctx, []byte(`{}`)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Deliver with an ended ctx = %v", err)
	}
}

func TestWebhookSink(t *testing.T) {
	ctx := context.Background()
	var (
		status     atomic.Int32
		redirected atomic.Bool
	)
	status.Store(http.StatusNoContent)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			redirected.Store(true)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" ||
			r.Header.Get("Authorization") != "Bearer t0k" || string(body) != `{"a":1}` {
			t.Errorf("webhook got %s %q %q %q", r.Method, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), body)
		}
		if s := int(status.Load()); s == http.StatusFound {
			http.Redirect(w, r, "/elsewhere", s)
		} else {
			w.WriteHeader(s)
		}
	}))
	defer srv.Close()

	u := strings.Replace(srv.URL, "http://", "http://user:secret@", 1) + "/hook"
	s, err := events.NewWebhookSink(events.WebhookOptions{URL: u, Header: http.Header{"Authorization": {"Bearer t0k"}}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.Name(), "secret") {
		t.Fatalf("Name %q shows the password", s.Name())
	}
	if err := s.Deliver(ctx, []byte(`{"a":1}`)); err != nil {
		t.Fatalf("204: %v", err)
	}
	for _, code := range []int{http.StatusInternalServerError, http.StatusBadRequest, http.StatusFound} {
		status.Store(int32(code))
		err := s.Deliver(ctx, []byte(`{"a":1}`))
		var se *events.StatusError
		if !errors.As(err, &se) || se.Code != code {
			t.Fatalf("answer %d: Deliver = %v", code, err)
		}
	}
	if redirected.Load() {
		t.Fatal("the redirect was followed")
	}

	for _, bad := range []string{"", "/relative", "ftp://host/x", "http://"} {
		if _, err := events.NewWebhookSink(events.WebhookOptions{URL: bad}); err == nil {
			t.Errorf("URL %q accepted", bad)
		}
	}
}

func TestWebhookSinkTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	s, err := events.NewWebhookSink(events.WebhookOptions{URL: srv.URL, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := s.Deliver(context.Background(), []byte(`{}`)); err == nil {
		t.Fatal("a webhook that never answers accepted the event")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Deliver took %v despite a 50ms timeout", d)
	}
}
