package httpx

import (
	"context"
	"sync"
	"time"
)

// Record is what the access log says of one request. Wrap puts an empty
// one in the request's context; the layers the request passes fill it in:
// auth the principal, the routers the service, operation and AWS error
// code, the Data API the statement id. It holds names and ids only, never
// a secret or a body. Its setters are safe on a context without a Record
// and from several goroutines.
type Record struct {
	mu          sync.Mutex
	service     string
	operation   string
	principal   string
	errorCode   string
	statementID string
}

type recordKey struct{}

func recordFrom(ctx context.Context) *Record {
	r, _ := ctx.Value(recordKey{}).(*Record)
	return r
}

// SetOperation records the API (its signing name, such as "redshift-data")
// and the operation ("ExecuteStatement") the request calls.
func SetOperation(ctx context.Context, service, operation string) {
	if r := recordFrom(ctx); r != nil {
		r.mu.Lock()
		r.service, r.operation = service, operation
		r.mu.Unlock()
	}
}

// SetService records the API the request's signature is scoped to, when
// no router named one yet.
func SetService(ctx context.Context, service string) {
	if r := recordFrom(ctx); r != nil {
		r.mu.Lock()
		if r.service == "" {
			r.service = service
		}
		r.mu.Unlock()
	}
}

// SetPrincipal records the ARN of the authenticated caller.
func SetPrincipal(ctx context.Context, arn string) {
	if r := recordFrom(ctx); r != nil {
		r.mu.Lock()
		r.principal = arn
		r.mu.Unlock()
	}
}

// SetErrorCode records the AWS error code the reply carries.
func SetErrorCode(ctx context.Context, code string) {
	if r := recordFrom(ctx); r != nil {
		r.mu.Lock()
		r.errorCode = code
		r.mu.Unlock()
	}
}

// SetStatementID records the Data API statement the request concerns.
func SetStatementID(ctx context.Context, id string) {
	if r := recordFrom(ctx); r != nil {
		r.mu.Lock()
		r.statementID = id
		r.mu.Unlock()
	}
}

// Done describes a finished request, as handed to Options.Observe.
type Done struct {
	RequestID   string
	Service     string
	Operation   string
	Principal   string
	ErrorCode   string
	StatementID string
	Status      int
	Bytes       int64
	Duration    time.Duration
}

func (r *Record) done(id string, status int, bytes int64, d time.Duration) Done {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Done{RequestID: id, Service: r.service, Operation: r.operation, Principal: r.principal,
		ErrorCode: r.errorCode, StatementID: r.statementID, Status: status, Bytes: bytes, Duration: d}
}
