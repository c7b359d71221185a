package httpx

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestBudgetIsNotFIFO: a body that fits goes ahead of a larger one waiting
// for room (x/sync/semaphore would queue it behind).
func TestBudgetIsNotFIFO(t *testing.T) {
	b := newBudget(10)
	if !b.acquire(context.Background(), 8) {
		t.Fatal("acquire 8 of 10 failed")
	}
	waiting := make(chan bool)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		waiting <- b.acquire(ctx, 5)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if !b.acquire(ctx, 2) {
		t.Fatal("acquire 2 with 2 free failed while a larger request waited")
	}
	b.release(8)
	if !<-waiting {
		t.Fatal("the larger request got no room after it was released")
	}
}

// unreadable fails the test when read.
type unreadable struct{ t *testing.T }

func (u unreadable) Read([]byte) (int, error) {
	u.t.Error("the body of a refused request was read")
	return 0, errors.New("read")
}
func (unreadable) Close() error { return nil }

type codedErr struct{ code string }

func (e codedErr) Error() string { return e.code }

func TestWrapRefusesBeforeReading(t *testing.T) {
	opts := Options{MaxBodyBytes: 100, BodyBudget: 100 << 10, BodyWait: 10 * time.Millisecond,
		WriteError: func(w http.ResponseWriter, _ *http.Request, err error) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(err.Error()))
		},
		TooLarge:  func(int64) error { return codedErr{"TooLarge"} },
		Throttled: func() error { return codedErr{"Throttled"} },
	}
	for _, tc := range []struct {
		name   string
		length int64
		want   string
	}{
		{"over the per-request limit", 101, "TooLarge"},
		{"over the whole budget", -1, "Throttled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := opts
			if tc.length < 0 {
				// A body without a length counts as MaxBodyBytes: more
				// than a budget smaller than it.
				opts.MaxBodyBytes, opts.BodyBudget = 200<<10, 100<<10
			}
			h := Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("handler called") }), opts)
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Body, r.ContentLength = unreadable{t}, tc.length
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if !strings.Contains(w.Body.String(), tc.want) || w.Header().Get("Connection") != "close" {
				t.Errorf("reply %d %q (Connection %q), want %s and Connection: close", w.Code, w.Body.String(), w.Header().Get("Connection"), tc.want)
			}
		})
	}
}

// TestReadBodyShared: the signature check and the router read the same
// bytes, once.
func TestReadBodyShared(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("hello"))
	a, err := ReadBody(r)
	if err != nil || string(a) != "hello" {
		t.Fatalf("ReadBody = %q, %v", a, err)
	}
	b, err := ReadBody(r)
	if err != nil || &a[0] != &b[0] {
		t.Fatalf("second ReadBody = %q, %v; want the same bytes", b, err)
	}
}
