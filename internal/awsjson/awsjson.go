// Package awsjson serves the AWS JSON 1.1 protocol: POST / with an
// X-Amz-Target header naming "<Prefix>.<Operation>", a JSON body in and a
// JSON body out. Each operation is registered once through Register, which
// owns decoding, encoding and error writing for all of them.
package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/httpx"
)

// ContentType is the media type of JSON 1.1 requests and replies.
const ContentType = "application/x-amz-json-1.1"

type handler func(ctx context.Context, body []byte) (any, error)

// Router dispatches JSON 1.1 requests by X-Amz-Target.
type Router struct {
	log *slog.Logger
	ops map[string]handler
}

// NewRouter returns an empty router.
func NewRouter(log *slog.Logger) *Router {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Router{log: log, ops: map[string]handler{}}
}

// Register adds the operation target ("RedshiftData.ExecuteStatement").
// fn receives the decoded input; its output is encoded with encoding/json
// unless it implements RawWriter.
func Register[In, Out any](r *Router, target string, fn func(ctx context.Context, in *In) (*Out, error)) {
	r.ops[target] = func(ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if err := decode(body, in); err != nil {
			return nil, err
		}
		return fn(ctx, in)
	}
}

// Handles reports whether the target is registered.
func (r *Router) Handles(target string) bool {
	_, ok := r.ops[target]
	return ok
}

// RawWriter is implemented by outputs that write their own JSON body, such
// as result pages made of pre-encoded records. ContentLength is the exact
// size of what WriteJSON writes: replies carry a Content-Length, as AWS's
// do, rather than arriving chunked.
type RawWriter interface {
	ContentLength() int
	WriteJSON(w io.Writer) error
}

func decode(body []byte, into any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(into); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return awserr.SerializationException("Unexpected value type in payload: field %s cannot be %s", typeErr.Field, typeErr.Value)
		}
		return awserr.SerializationException("Could not parse request body into json: %s", err.Error())
	}
	if dec.More() {
		return awserr.SerializationException("Could not parse request body into json: trailing data after the JSON object")
	}
	return nil
}

// Target returns the operation a request names: the X-Amz-Target header,
// or, for presigned requests (which carry X-Amz-* headers in the query
// string), the X-Amz-Target query parameter.
func Target(req *http.Request) string {
	if t := req.Header.Get("X-Amz-Target"); t != "" {
		return t
	}
	return req.URL.Query().Get("X-Amz-Target")
}

// ServeHTTP runs the operation named by X-Amz-Target.
func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	target := Target(req)
	op, ok := r.ops[target]
	if req.Method != http.MethodPost || !ok {
		WriteError(w, req, awserr.UnknownOperation(target))
		return
	}
	body, err := httpx.ReadBody(req)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			WriteError(w, req, awserr.RequestEntityTooLarge(tooBig.Limit))
			return
		}
		WriteError(w, req, awserr.SerializationException("Could not read request body"))
		return
	}
	out, err := op(req.Context(), body)
	if err != nil {
		var aerr *awserr.Error
		if !errors.As(err, &aerr) {
			r.log.Error("operation failed", "request_id", httpx.RequestID(req.Context()), "target", target, "err", err)
		}
		WriteError(w, req, err)
		return
	}
	w.Header().Set("Content-Type", ContentType)
	if raw, ok := out.(RawWriter); ok {
		w.Header().Set("Content-Length", strconv.Itoa(raw.ContentLength()))
		if err := raw.WriteJSON(w); err != nil {
			r.log.Warn("writing reply failed", "request_id", httpx.RequestID(req.Context()), "target", target, "err", err)
		}
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		r.log.Error("encoding reply failed", "target", target, "err", err)
		WriteError(w, req, awserr.InternalFailure())
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

// WriteError writes err in the JSON 1.1 error envelope: the exception name
// in __type and X-Amzn-ErrorType, the public message, and any members the
// model requires. Errors that are not *awserr.Error become InternalFailure.
func WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	aerr := awserr.As(err)
	body := make(map[string]string, 2+len(aerr.Fields))
	for k, v := range aerr.Fields {
		body[k] = v
	}
	body["__type"] = aerr.Code
	body["message"] = aerr.Message
	b, _ := json.Marshal(body)
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("X-Amzn-ErrorType", aerr.Code)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(aerr.Status)
	_, _ = w.Write(b)
}

// Time is a timestamp that encodes as epoch seconds with millisecond
// precision, the JSON protocols' timestamp form (1598306924.632).
type Time time.Time

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	return AppendTime(nil, time.Time(t)), nil
}

// AppendTime appends t as epoch seconds with millisecond precision.
func AppendTime(dst []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	sec, frac := ms/1000, ms%1000
	if frac < 0 {
		sec, frac = sec-1, frac+1000
	}
	dst = strconv.AppendInt(dst, sec, 10)
	if frac != 0 {
		dst = append(dst, '.')
		s := strconv.FormatInt(frac+1000, 10)[1:]
		dst = append(dst, strings.TrimRight(s, "0")...)
	}
	return dst
}
