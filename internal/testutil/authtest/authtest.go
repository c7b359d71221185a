// Package authtest gives API tests an auth.Authorizer that records every
// request it is asked about, so a test can assert which action and resource
// an operation authorizes, and that denies on demand.
package authtest

import (
	"context"
	"sync"

	"github.com/rsdata/rsdata/internal/auth"
)

// Recorder records requests and allows them unless told to deny.
type Recorder struct {
	mu   sync.Mutex
	reqs []auth.Request
	deny bool
}

// Authorize implements auth.Authorizer.
func (r *Recorder) Authorize(_ context.Context, p *auth.Principal, req auth.Request) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
	if r.deny {
		name := "anonymous"
		if p != nil {
			name = p.ARN
		}
		return &auth.DeniedError{Principal: name, Action: req.Action, Resource: req.Resource}
	}
	return nil
}

// SetDeny makes every later request denied (true) or allowed (false).
func (r *Recorder) SetDeny(deny bool) {
	r.mu.Lock()
	r.deny = deny
	r.mu.Unlock()
}

// Requests returns the requests recorded so far.
func (r *Recorder) Requests() []auth.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]auth.Request(nil), r.reqs...)
}

// Reset forgets the requests recorded so far.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.reqs = nil
	r.mu.Unlock()
}

// Seen reports whether action was authorized on resource.
func (r *Recorder) Seen(action, resource string) bool {
	for _, req := range r.Requests() {
		if req.Action == action && req.Resource == resource {
			return true
		}
	}
	return false
}
