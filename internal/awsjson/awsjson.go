// Package awsjson serves the AWS JSON 1.1 protocol: POST / with an
// X-Amz-Target header naming "<Prefix>.<Operation>", a JSON body in and a
// JSON body out. Each operation is registered once through Register, which
// owns decoding, encoding and error writing for all of them, and refuses,
// before any operation runs, bodies that are not UTF-8
// (SerializationException), strings holding a NUL character
// (ValidationException), and requests signed for another service than the
// one the target belongs to (InvalidSignatureException).
package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/httpx"
	"github.com/rsdata/rsdata/internal/sigv4"
)

// ContentType is the media type of JSON 1.1 requests and replies.
const ContentType = "application/x-amz-json-1.1"

type handler func(ctx context.Context, body []byte) (any, error)

// Router dispatches JSON 1.1 requests by X-Amz-Target.
type Router struct {
	log *slog.Logger
	ops map[string]handler
	// signing maps a target prefix ("RedshiftData") to the SigV4 signing
	// name of its service ("redshift-data").
	signing map[string]string
	// errs maps a target prefix to its service's error mapping.
	errs map[string]ErrorMapper
}

// ErrorMapper is a service's one mapping from the errors its operations
// return (domain errors, or *awserr.Error as they are) to wire errors. in
// is the operation's decoded input, from which a mapping may take the
// resource the request named.
type ErrorMapper func(in any, err error) error

// NewRouter returns an empty router.
func NewRouter(log *slog.Logger) *Router {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Router{log: log, ops: map[string]handler{}, signing: map[string]string{}, errs: map[string]ErrorMapper{}}
}

// Service declares that the targets "<prefix>.<Operation>" belong to the
// service whose SigV4 signing name is signingName: a request for them must
// be signed with that service in its credential scope. errs maps every
// error the service's operations return to its wire error, once, so a
// handler returns domain errors and cannot forget to map one. It must be
// called before the service's operations are registered.
func (r *Router) Service(prefix, signingName string, errs ErrorMapper) {
	prefix = strings.TrimSuffix(prefix, ".")
	if old, ok := r.signing[prefix]; ok && old != signingName {
		panic(fmt.Sprintf("awsjson: target prefix %s declared for %s and %s", prefix, old, signingName))
	}
	if errs == nil {
		panic("awsjson: service " + prefix + " declared without an error mapping")
	}
	r.signing[prefix] = signingName
	r.errs[prefix] = errs
}

type serviceKey struct{}

// WithService returns ctx recording that the request was signed for service
// name (the SigV4 credential scope's service). The router refuses a
// request whose target belongs to another service.
func WithService(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, serviceKey{}, name)
}

// prefix returns the service part of a target ("RedshiftData").
func prefix(target string) string {
	p, _, _ := strings.Cut(target, ".")
	return p
}

// Register adds the operation target ("RedshiftData.ExecuteStatement").
// fn receives the decoded input; its output is encoded with encoding/json
// unless it implements RawWriter.
//
// Register panics, so that the mistake surfaces at startup, when the
// target's prefix has not been declared with Service.
func Register[In, Out any](r *Router, target string, fn func(ctx context.Context, in *In) (*Out, error)) {
	if _, ok := r.signing[prefix(target)]; !ok {
		panic("awsjson: " + target + " registered before its service was declared")
	}
	mapErr := r.errs[prefix(target)]
	r.ops[target] = func(ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if err := decode(body, in); err != nil {
			return nil, err
		}
		if err := checkNUL(in); err != nil {
			return nil, err
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, mapErr(in, err)
		}
		return out, nil
	}
}

// Operation is one registered operation.
type Operation struct {
	Target      string // "RedshiftData.ExecuteStatement"
	SigningName string // "redshift-data"
}

// Operations lists the registered operations, sorted by target.
func (r *Router) Operations() []Operation {
	ops := make([]Operation, 0, len(r.ops))
	for target := range r.ops {
		ops = append(ops, Operation{Target: target, SigningName: r.signing[prefix(target)]})
	}
	slices.SortFunc(ops, func(a, b Operation) int { return strings.Compare(a.Target, b.Target) })
	return ops
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
	if err := checkUTF8(body); err != nil {
		return err
	}
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
	if ok {
		httpx.SetOperation(req.Context(), r.signing[prefix(target)], target[strings.IndexByte(target, '.')+1:])
	}
	if req.Method != http.MethodPost || !ok {
		WriteError(w, req, awserr.UnknownOperation(target))
		return
	}
	if signed, ok := req.Context().Value(serviceKey{}).(string); ok {
		if err := sigv4.CheckService(signed, r.signing[prefix(target)]); err != nil {
			WriteError(w, req, awserr.InvalidSignature(err.Error()))
			return
		}
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
func WriteError(w http.ResponseWriter, req *http.Request, err error) {
	aerr := awserr.As(err)
	if req != nil {
		httpx.SetErrorCode(req.Context(), aerr.Code)
	}
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
