// Package httpx holds the HTTP plumbing every request passes through once:
// panic recovery, the request id, the access log and the body limit. It
// knows nothing about AWS protocols; the error writer it calls is injected.
package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/rsdata/rsdata/internal/ids"
)

type requestIDKey struct{}

// RequestID returns the id assigned to the request carried by ctx.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// ErrorWriter writes err as the reply to r in the protocol r speaks.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, err error)

// Options configures the middleware.
type Options struct {
	Logger       *slog.Logger
	MaxBodyBytes int64
	WriteError   ErrorWriter
	// Panicked builds the error sent when a handler panics.
	Panicked func() error
}

// statusRecorder remembers the status for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Wrap applies recovery, request id, access log and body limit to next.
func Wrap(next http.Handler, opts Options) http.Handler {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := ids.UUID()
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		w.Header().Set("x-amzn-RequestId", id)
		rec := &statusRecorder{ResponseWriter: w}
		if opts.MaxBodyBytes > 0 && r.Body != nil {
			r.Body = http.MaxBytesReader(rec, r.Body, opts.MaxBodyBytes)
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("handler panicked", "request_id", id, "panic", p)
				if rec.status == 0 && opts.WriteError != nil && opts.Panicked != nil {
					opts.WriteError(rec, r, opts.Panicked())
				}
			}
			// Checked first: building the attributes costs allocations on
			// every request, and debug logging is usually off.
			if log.Enabled(r.Context(), slog.LevelDebug) {
				log.Debug("request", "request_id", id, "method", r.Method, "path", r.URL.Path,
					"target", r.Header.Get("X-Amz-Target"), "status", rec.status, "bytes", rec.bytes,
					"duration", time.Since(start))
			}
		}()
		next.ServeHTTP(rec, r)
	})
}
