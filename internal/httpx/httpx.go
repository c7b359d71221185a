// Package httpx holds the HTTP plumbing every request passes through once:
// panic recovery, the request id, the access log and the bounds on request
// bodies (size, time to arrive, bytes held server-wide). It knows nothing
// about AWS protocols; the errors it sends are built by injected functions.
package httpx

import (
	"bytes"
	"context"
	"errors"
	"io"
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

// SmallBody is the size up to which a body is not counted against
// Options.BodyBudget: a connection costs the server about as much memory
// before it sends a byte, and every ordinary API call fits, so small calls
// keep working while large bodies wait for room.
const SmallBody = 64 << 10

// Options configures the middleware.
type Options struct {
	Logger *slog.Logger
	// MaxBodyBytes is the largest body accepted: a request whose
	// Content-Length is larger is refused (TooLarge) before any of it is
	// read, and a body without a Content-Length is cut off there (reading
	// it returns *http.MaxBytesError).
	MaxBodyBytes int64
	// BodyBudget bounds the bytes of request bodies larger than SmallBody
	// that the server holds at once, counted by Content-Length (a body
	// without one counts as MaxBodyBytes) from before the body is read until
	// the request is answered. A request that does not fit waits up to
	// BodyWait for room, then is refused (Throttled). 0 means no bound.
	BodyBudget int64
	BodyWait   time.Duration
	// BodyReadTimeout bounds the time from the start of a request's
	// handling until its body has arrived in full; past it, reading fails
	// and the connection is closed. Once the body is read the deadline is
	// lifted, so long polls and long replies are not cut. 0 means none.
	BodyReadTimeout time.Duration
	WriteError      ErrorWriter
	// Panicked builds the error sent when a handler panics.
	Panicked func() error
	// TooLarge builds the error sent for a body whose Content-Length is
	// over MaxBodyBytes; without it such a body is cut off as it is read.
	TooLarge func(limit int64) error
	// Throttled builds the error sent when BodyBudget has no room.
	Throttled func() error
	// Observe, when set, is called once per request after it is answered
	// (metrics).
	Observe func(Done)
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

// Unwrap lets http.ResponseController reach the connection.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Wrap applies recovery, request id, access log and the body bounds to next.
func Wrap(next http.Handler, opts Options) http.Handler {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var room *budget
	if opts.BodyBudget > 0 {
		room = newBudget(opts.BodyBudget)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := ids.UUID()
		record := &Record{}
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		r = r.WithContext(context.WithValue(ctx, recordKey{}, record))
		w.Header().Set("x-amzn-RequestId", id)
		rec := &statusRecorder{ResponseWriter: w}
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
			d := record.done(id, rec.status, rec.bytes, time.Since(start))
			if opts.Observe != nil {
				opts.Observe(d)
			}
			// One line per request at info: who called what and how it
			// ended; never a body or a secret.
			attrs := []slog.Attr{slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.String("service", d.Service), slog.String("operation", d.Operation), slog.String("principal", d.Principal),
				slog.Int("status", d.Status), slog.String("error_code", d.ErrorCode), slog.Int64("bytes", d.Bytes),
				slog.Duration("duration", d.Duration)}
			if d.StatementID != "" {
				attrs = append(attrs, slog.String("statement_id", d.StatementID))
			}
			log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
		}()
		if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
			release, err := bound(w, r, opts, room)
			if err != nil {
				// The body stays unread: the connection cannot be reused.
				w.Header().Set("Connection", "close")
				if opts.WriteError != nil {
					opts.WriteError(rec, r, err)
				} else {
					http.Error(rec, "request body refused", http.StatusBadRequest)
				}
				return
			}
			defer release()
		}
		next.ServeHTTP(rec, r)
	})
}

// bound applies the body limits to r: it refuses an oversize body, waits
// for room in the budget, and arms the read deadline. release gives the
// room back once the request is answered.
func bound(w http.ResponseWriter, r *http.Request, opts Options, room *budget) (release func(), err error) {
	max := opts.MaxBodyBytes
	// Without a TooLarge error to send, the body is cut off at the limit
	// as it is read, and the reader of it reports *http.MaxBytesError.
	if max > 0 && r.ContentLength > max && opts.TooLarge != nil {
		return nil, opts.TooLarge(max)
	}
	release = func() {}
	if room != nil {
		charge := r.ContentLength
		if charge < 0 {
			charge = max
		}
		if charge > SmallBody {
			ctx, cancel := context.WithTimeout(r.Context(), opts.BodyWait)
			ok := room.acquire(ctx, charge)
			cancel()
			if !ok {
				if opts.Throttled == nil {
					return nil, errors.New("no room for the request body")
				}
				return nil, opts.Throttled()
			}
			release = func() { room.release(charge) }
		}
	}
	body := r.Body
	if max > 0 {
		body = http.MaxBytesReader(w, body, max)
	}
	if opts.BodyReadTimeout > 0 {
		// net/http lifts the connection's read deadline itself once the
		// body has been read to its end (from then on it reads only to
		// notice a client that hangs up), so long polls and long replies
		// are not cut. An error means the connection takes no deadlines
		// (a test recorder); the body is then unbounded in time.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(opts.BodyReadTimeout))
	}
	r.Body = body
	return release, nil
}

// ReadBody returns r's whole body, reading it on the first call: a body with
// a Content-Length is read into a buffer of exactly that size, so a large
// body costs its size once rather than the doublings of io.ReadAll. r.Body
// is then replaced by a reader over those bytes, and later calls (the
// signature check, then the protocol router) share them without a copy:
// callers must not modify them.
func ReadBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if b, ok := r.Body.(*readBody); ok {
		return b.all, nil
	}
	all, err := readAll(r)
	if err != nil {
		return nil, err
	}
	r.Body = &readBody{Reader: bytes.NewReader(all), all: all}
	return all, nil
}

// readBody is a body ReadBody has read.
type readBody struct {
	*bytes.Reader
	all []byte
}

func (*readBody) Close() error { return nil }

func readAll(r *http.Request) ([]byte, error) {
	n := r.ContentLength
	if n <= 0 {
		return io.ReadAll(r.Body)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r.Body, buf); err != nil {
		return nil, err
	}
	// Read on to the end, so the body reports EOF (on which net/http lifts
	// the read deadline) and any excess is noticed.
	var extra [1]byte
	for {
		m, err := r.Body.Read(extra[:])
		if m > 0 {
			return nil, errors.New("request body longer than its Content-Length")
		}
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
