// Package awsquery serves the AWS Query protocol spoken by IAM, STS and
// Redshift (provisioned): a form (POST body or GET query string) naming
// Action and Version in, an XML document out. Each action is registered once
// through Register, which owns form decoding, XML encoding, request ids and
// error writing for all of them.
//
// Requests reach the router already authenticated; the auth layer records
// the SigV4 credential scope's service in the context with WithService, and
// the router picks the service's actions by that name.
//
// Inputs are structs decoded from the form by `query` tags (default: the
// field name): scalars, pointers (set only when present), time.Time (ISO
// 8601), nested structs ("Parent.Child") and lists, Name.member.N by
// default, `query:"DbGroups,member=DbGroup"` for a model's own element name
// and `query:"Name,flat"` for Name.N. Unknown parameters are ignored; text
// that is not a value of the member's type is InvalidParameterValue (400).
// A parameter name or value holding a NUL character or bytes that are not
// UTF-8 is refused before any action runs, with the service's
// ValidationCode (400).
//
// A signature scoped to another service than the one the request's Version
// (or action) names is SignatureDoesNotMatch (403), with AWS's
// "Credential should be scoped to correct service: '<service>'. ".
//
// Outputs are structs written with encoding/xml's `xml` tags and shapes
// (`xml:"Roles>member"` for a list, `xml:"Clusters>Cluster"` for a model's
// element name, `,omitempty`), except that absent members (nil pointers,
// nil lists, zero times) write nothing, time.Time is ISO 8601 UTC and
// []byte is base64.
//
// Wire shapes (exact, without whitespace):
//
//	<ActionResponse xmlns="NS"><ActionResult>…</ActionResult><ResponseMetadata><RequestId>ID</RequestId></ResponseMetadata></ActionResponse>
//	<ErrorResponse xmlns="NS"><Error><Type>Sender|Receiver</Type><Code>C</Code><Message>M</Message></Error><RequestId>ID</RequestId></ErrorResponse>
//
// The Result element is always written, even for outputs without members:
// aws-sdk-go-v2 fails to deserialize a reply whose modelled result wrapper
// is missing, while botocore and the SDKs of operations without output
// ignore an empty one.
package awsquery

import (
	"bytes"
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/httpx"
	"github.com/rsdata/rsdata/internal/ids"
	"github.com/rsdata/rsdata/internal/sigv4"
)

// ContentType is the media type of every Query reply, success or error.
const ContentType = "text/xml"

// FormContentType is the media type of a Query request body.
const FormContentType = "application/x-www-form-urlencoded"

// Service describes one Query-protocol service.
type Service struct {
	// Name is the SigV4 signing name ("sts", "iam", "redshift"), the name
	// WithService puts in the context.
	Name string
	// Version is the API version clients send as the Version parameter
	// ("2011-06-15"); the botocore model's metadata.apiVersion.
	Version string
	// Namespace is the xmlns of every reply (metadata.xmlNamespace).
	Namespace string
	// ValidationCode is the code of the service's parameter-constraint
	// failures: "ValidationError" (IAM, STS; the default when empty) or
	// "InvalidParameterValue" (Redshift). The router sends it for text no
	// action can accept, and in place of ValidationException.
	ValidationCode string
	// Errors is the service's one mapping from the errors its actions
	// return (domain errors, or *awserr.Error as they are) to wire
	// errors; the router applies it to every error, so a handler cannot
	// forget to map one. Register panics without it.
	Errors func(error) error
}

// same reports whether a and b describe the service alike (Errors, a
// function, is not compared).
func (a Service) same(b Service) bool {
	return a.Name == b.Name && a.Version == b.Version && a.Namespace == b.Namespace && a.ValidationCode == b.ValidationCode
}

// resultWriter writes an operation's output as the element called name.
type resultWriter func(e *xml.Encoder, name string) error

type handler func(ctx context.Context, f *form) (resultWriter, error)

type service struct {
	Service
	ops map[string]handler
}

// Router dispatches Query requests by service and Action.
type Router struct {
	log      *slog.Logger
	services map[string]*service
}

// NewRouter returns an empty router.
func NewRouter(log *slog.Logger) *Router {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Router{log: log, services: map[string]*service{}}
}

// Register adds action of svc. fn receives In decoded from the form (the
// rules are on compileInput: `query` tags, lists as Name.member.N) and its
// output is written as <ActionResult> (the rules are on compileOutput:
// encoding/xml's `xml` tags, absent members omitted, ISO 8601 times). A nil
// output with a nil error is written as an empty result.
//
// Register panics on programming errors, so that they surface at startup:
// In or Out not a struct, a member type the codec cannot carry, a service
// registered twice with a different Version or Namespace, or an action
// registered twice.
func Register[In, Out any](r *Router, svc Service, action string, fn func(ctx context.Context, in *In) (*Out, error)) {
	dec, err := compileInput(reflect.TypeFor[In]())
	if err != nil {
		panic(fmt.Sprintf("awsquery: %s %s input: %v", svc.Name, action, err))
	}
	enc, err := compileOutput(reflect.TypeFor[Out]())
	if err != nil {
		panic(fmt.Sprintf("awsquery: %s %s output: %v", svc.Name, action, err))
	}
	if svc.Errors == nil {
		panic(fmt.Sprintf("awsquery: service %s registered without an error mapping", svc.Name))
	}
	s := r.services[svc.Name]
	switch {
	case s == nil:
		s = &service{Service: svc, ops: map[string]handler{}}
		r.services[svc.Name] = s
	case !s.Service.same(svc):
		panic(fmt.Sprintf("awsquery: service %s registered as %+v and %+v", svc.Name, s.Service, svc))
	}
	if _, dup := s.ops[action]; dup || action == "" {
		panic(fmt.Sprintf("awsquery: %s action %q registered twice or empty", svc.Name, action))
	}
	s.ops[action] = func(ctx context.Context, f *form) (resultWriter, error) {
		in := new(In)
		if err := dec(f, "", reflect.ValueOf(in).Elem()); err != nil {
			return nil, err
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, svc.Errors(err)
		}
		if out == nil {
			out = new(Out)
		}
		return func(e *xml.Encoder, name string) error {
			return enc(e, name, reflect.ValueOf(out).Elem())
		}, nil
	}
}

// Operation is one registered action.
type Operation struct {
	Service string // the signing name: "iam", "sts", "redshift"
	Version string // "2010-05-08"
	Action  string // "CreateUser"
}

// Operations lists the registered actions, sorted by service and action.
func (r *Router) Operations() []Operation {
	var ops []Operation
	for _, s := range r.services {
		for action := range s.ops {
			ops = append(ops, Operation{Service: s.Name, Version: s.Version, Action: action})
		}
	}
	slices.SortFunc(ops, func(a, b Operation) int {
		return cmp.Or(strings.Compare(a.Service, b.Service), strings.Compare(a.Action, b.Action))
	})
	return ops
}

// Handles reports whether the router serves any action of service name.
func (r *Router) Handles(service string) bool {
	_, ok := r.services[service]
	return ok
}

type serviceKey struct{}

// WithService returns ctx recording that the request was signed for service
// name (the SigV4 credential scope's service).
func WithService(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, serviceKey{}, name)
}

// ServiceFrom returns the service name recorded by WithService, or "".
func ServiceFrom(ctx context.Context) string {
	name, _ := ctx.Value(serviceKey{}).(string)
	return name
}

// IsQuery reports whether req is a Query-protocol request: a POST with a
// form body, or any request naming Action in its query string (presigned
// GETs such as the EKS token's GetCallerIdentity). It does not read the body.
func IsQuery(req *http.Request) bool {
	if req.Method == http.MethodPost {
		if mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type")); err == nil && mt == FormContentType {
			return true
		}
	}
	return req.URL.Query().Has("Action")
}

// ServeHTTP runs the action the form names for the service ServiceFrom
// reports. Without a service in the context (unsigned calls such as
// AssumeRoleWithWebIdentity) the service is the only one whose API version
// matches Version, else the only one that has the action.
//
// Version is optional; when present it must be the service's. An unknown
// action or a wrong version is InvalidAction (400) with AWS's message
// "Could not find operation X for version V".
func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	f, err := readForm(req)
	if err != nil {
		r.writeError(w, req, err)
		return
	}
	action, version := f.value("Action"), f.value("Version")
	if action == "" {
		r.writeError(w, req, missingAction())
		return
	}
	signed := ServiceFrom(ctx)
	if called := r.resolve("", version, action); signed != "" && called != nil && called.ops[action] != nil {
		// The API called, as far as Version (or the action) names one,
		// must be the one the signature is scoped to.
		if err := sigv4.CheckService(signed, called.Name); err != nil && (version != "" || r.services[signed] == nil) {
			writeError(w, req, called.Namespace, awserr.ForQuery(awserr.InvalidSignature(err.Error())))
			return
		}
	}
	s := r.resolve(signed, version, action)
	if s == nil {
		r.writeError(w, req, invalidAction(action, version))
		return
	}
	op, ok := s.ops[action]
	if ok {
		httpx.SetOperation(ctx, s.Name, action)
	}
	if !ok || (version != "" && version != s.Version) {
		writeError(w, req, s.Namespace, invalidAction(action, version))
		return
	}
	if err := s.checkText(f); err != nil {
		writeError(w, req, s.Namespace, err)
		return
	}
	out, err := op(ctx, f)
	if err != nil {
		var aerr *awserr.Error
		if !errors.As(err, &aerr) {
			r.log.Error("operation failed", "request_id", httpx.RequestID(ctx), "service", s.Name, "action", action, "err", err)
		}
		if e := awserr.As(err); e.Code == "ValidationException" {
			// awserr's backstop for text the database cannot store, in
			// this service's own words.
			err = s.invalid(e.Message)
		}
		writeError(w, req, s.Namespace, err)
		return
	}
	var buf bytes.Buffer
	if err := encodeResult(&buf, s.Namespace, action, requestID(w, req), out); err != nil {
		r.log.Error("encoding reply failed", "request_id", httpx.RequestID(ctx), "service", s.Name, "action", action, "err", err)
		writeError(w, req, s.Namespace, awserr.InternalFailure())
		return
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

// resolve picks the service a request addresses; nil when none or several fit.
func (r *Router) resolve(name, version, action string) *service {
	if name != "" {
		return r.services[name]
	}
	var byVersion, byAction *service
	nVersion, nAction := 0, 0
	for _, s := range r.services {
		if version != "" && s.Version == version {
			byVersion = s
			nVersion++
		}
		if _, ok := s.ops[action]; ok {
			byAction = s
			nAction++
		}
	}
	switch {
	case nVersion == 1:
		return byVersion
	case nVersion == 0 && nAction == 1:
		return byAction
	}
	return nil
}

// readForm reads the parameters of a GET (query string) or POST (form body,
// then the query string, as http.Request.ParseForm orders them).
func readForm(req *http.Request) (*form, error) {
	query, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		return nil, malformedQueryString("The query string is not valid URL-encoded form data")
	}
	switch req.Method {
	case http.MethodGet:
		return newForm(query), nil
	case http.MethodPost:
	default:
		return nil, unsupportedMethod(req.Method)
	}
	var body []byte
	if req.Body != nil {
		body, err = httpx.ReadBody(req)
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, awserr.RequestEntityTooLarge(tooBig.Limit)
		}
		return nil, malformedQueryString("Could not read request body")
	}
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, malformedQueryString("The request body is not valid URL-encoded form data")
	}
	for k, vs := range query {
		values[k] = append(values[k], vs...)
	}
	return newForm(values), nil
}

// WriteError writes err in the Query error envelope without an xmlns; use
// Router.WriteError where the service is known. Errors that are not
// *awserr.Error become InternalFailure. It suits callers that cannot know
// the service, such as httpx's panic handler; every Query parser ignores
// the namespace.
func WriteError(w http.ResponseWriter, req *http.Request, err error) {
	writeError(w, req, "", err)
}

// WriteError writes err in the Query error envelope, in the namespace of
// the service ServiceFrom(req.Context()) names when the router serves it.
// The auth layer uses it for signature and authorization failures.
func (r *Router) WriteError(w http.ResponseWriter, req *http.Request, err error) {
	r.writeError(w, req, err)
}

func (r *Router) writeError(w http.ResponseWriter, req *http.Request, err error) {
	ns := ""
	if s := r.services[ServiceFrom(req.Context())]; s != nil {
		ns = s.Namespace
	}
	writeError(w, req, ns, err)
}

func writeError(w http.ResponseWriter, req *http.Request, ns string, err error) {
	aerr := awserr.As(err)
	if req != nil {
		httpx.SetErrorCode(req.Context(), aerr.Code)
	}
	var buf bytes.Buffer
	encodeError(&buf, ns, requestID(w, req), aerr)
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(aerr.Status)
	_, _ = w.Write(buf.Bytes())
}

// requestID returns the id httpx assigned, or mints one (and sets the
// x-amzn-RequestId header) when the router runs without httpx, so that the
// body always carries the id the header announces.
func requestID(w http.ResponseWriter, req *http.Request) string {
	if id := httpx.RequestID(req.Context()); id != "" {
		return id
	}
	if id := w.Header().Get("x-amzn-RequestId"); id != "" {
		return id
	}
	id := ids.UUID()
	w.Header().Set("x-amzn-RequestId", id)
	return id
}

// Query-protocol common errors (AWS "Common Errors" pages of Query
// services), with their texts; awserr defines each code and status.

func missingAction() *awserr.Error {
	return awserr.MissingAction("The request must contain the parameter Action.")
}

func invalidAction(action, version string) *awserr.Error {
	if version == "" {
		version = "NO_VERSION_SPECIFIED"
	}
	return awserr.InvalidAction("Could not find operation %s for version %s", action, version)
}

func unsupportedMethod(method string) *awserr.Error {
	return awserr.InvalidAction("The HTTP method %s is not supported by the Query protocol", method)
}

// malformedQueryString is the common error for a form that cannot be
// decoded at all; AWS documents it with HTTP 404.
func malformedQueryString(msg string) *awserr.Error {
	return awserr.MalformedQueryString("%s", msg)
}

// invalidParameterValue is the common error for a parameter whose text is
// not a value of the member's type (an integer member given "abc").
// Constraint failures on well-typed values are the handlers' business
// (ValidationError for IAM and STS, InvalidParameterValue for Redshift).
func invalidParameterValue(param, raw, expected string) *awserr.Error {
	if r := []rune(raw); len(r) > 64 {
		raw = string(r[:64]) + "..."
	}
	return awserr.InvalidParameterValue("Value (%s) for parameter %s is invalid. Expected: %s.", raw, param, expected)
}
