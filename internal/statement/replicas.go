package statement

// Several replicas on one store: each runs the statements it accepted, and
// any of them answers about any statement from the store. What one replica
// must learn from another at once (a statement ended, a cancel is asked
// for) travels over a Bus.

import (
	"context"
	"time"
)

// ReplicaStoppedMessage is the error of statements a replica was running
// when it stopped renewing its lease and another one took them over.
const ReplicaStoppedMessage = "ERROR: The statement was interrupted because the rsdata replica running it stopped (its lease in the control store expired). Run it again."

// Bus carries notifications between replicas sharing a store.
type Bus interface {
	// Ended returns a channel that is closed when statement id is announced
	// ended by any replica, or when announcements may have been missed
	// (the caller then looks at the store again), and a func that ends
	// the subscription. Subscribe before reading the store, so an end
	// announced in between is not missed.
	Ended(id string) (<-chan struct{}, func())
	// Watch asks replica instance, which runs statement id, to announce
	// its end (at once if it has already ended); it returns once the
	// request is sent. Subscribe with Ended first.
	Watch(ctx context.Context, instance, id string) error
	// Finished tells the bus that statement id, run here, has reached a
	// terminal status and it is stored, for whoever watches it.
	Finished(id string)
	// RequestCancel asks the replica running statement id to cancel it; it
	// returns once the request is sent.
	RequestCancel(ctx context.Context, id string) error
	// Shared reports whether other replicas are live on the store: while
	// one is alone, its in-process limits are exact and the store is not
	// asked.
	Shared() bool
}

// remoteCancelWait bounds how long CancelStatement waits for another
// replica to report the statement ended.
const remoteCancelWait = 10 * time.Second

// remoteCancelResend is how often the cancel request is sent again.
const remoteCancelResend = time.Second

// minRemoteWait is the shortest wait worth a subscription: a shorter one
// (DescribeStatement's settle without WaitTimeSeconds) ends before
// another replica's announcement would arrive.
const minRemoteWait = 100 * time.Millisecond

// waitRemote is Wait for a statement this replica is not running: it
// waits for another replica to announce its end.
func (e *Engine) waitRemote(ctx context.Context, id string, d time.Duration) error {
	if d < minRemoteWait {
		return nil
	}
	deadline := time.Now().Add(d)
	for {
		ended, unsubscribe := e.opts.Bus.Ended(id)
		st, err := e.store.Get(ctx, id)
		if err == nil && !st.Status.Terminal() {
			err = e.opts.Bus.Watch(ctx, st.Instance, id)
		}
		if err != nil || st.Status.Terminal() {
			unsubscribe()
			return nil
		}
		err = e.waiters.wait(ctx, id, ended, time.Until(deadline))
		unsubscribe()
		if err != nil || !time.Now().Before(deadline) || e.waiters.isReleased() {
			return err
		}
	}
}

// cancelRemote asks the replica running st to cancel it and waits, bounded
// by ctx and remoteCancelWait, for its end.
func (e *Engine) cancelRemote(ctx context.Context, st *Statement) error {
	ended, unsubscribe := e.opts.Bus.Ended(st.ID)
	defer func() { unsubscribe() }()
	if err := e.opts.Bus.Watch(ctx, st.Instance, st.ID); err != nil {
		return err
	}
	if err := e.opts.Bus.RequestCancel(ctx, st.ID); err != nil {
		return err
	}
	t := time.NewTimer(remoteCancelWait)
	defer t.Stop()
	// The request is sent again while the statement runs on: one sent
	// while the running replica's listening connection was down is lost.
	resend := time.NewTicker(remoteCancelResend)
	defer resend.Stop()
	for {
		select {
		case <-ended:
		case <-resend.C:
			if err := e.opts.Bus.RequestCancel(ctx, st.ID); err != nil {
				return nil
			}
		case <-t.C:
			return nil
		case <-ctx.Done():
			return nil
		}
		now, err := e.store.Get(ctx, st.ID)
		if err != nil || now.Status.Terminal() {
			return nil
		}
		unsubscribe()
		ended, unsubscribe = e.opts.Bus.Ended(st.ID)
		if err := e.opts.Bus.Watch(ctx, st.Instance, st.ID); err != nil {
			return nil
		}
	}
}

// CancelRequested cancels statement id if this replica runs it, as
// CancelStatement does; another replica asked, having checked the caller.
// It does not wait for the statement to end.
func (e *Engine) CancelRequested(id string) {
	e.mu.Lock()
	r, ok := e.live[id]
	ok = ok && !r.st.Status.Terminal() && r.st.ID == id
	if ok {
		r.aborted = true
	}
	e.mu.Unlock()
	if ok {
		r.cancel()
	}
}

// TakeOver ends the statements of a replica that stopped FAILED with
// ReplicaStoppedMessage and closes its sessions; it returns how many
// statements it ended. It is idempotent.
func (e *Engine) TakeOver(ctx context.Context, instance string) (int, error) {
	return e.store.FailUnfinished(ctx, instance, ReplicaStoppedMessage, e.now())
}

// Instance is the name this replica has in the store.
func (e *Engine) Instance() string { return e.opts.Instance }

// HasSession reports whether session id is open in this replica.
func (e *Engine) HasSession(id string) bool { return e.sessions.isOpen(id) }

// SharedAdmitter is implemented by a store that replicas share: while
// others are live, a statement is admitted there, against every replica's
// active statements and open sessions.
type SharedAdmitter interface {
	// CreateAdmitted is Create, with the session req opens (if any)
	// stored with the statement, serialised with every replica's
	// admissions on the statement's target: when the target already has
	// req.MaxActive SUBMITTED, PICKED or STARTED top-level statements it
	// returns ErrTooManyActive, and when req.Session is set and the target
	// has req.MaxSessions sessions not CLOSED, ErrTooManySessions; it then
	// stores nothing. A client token in use returns its statement's id
	// before any limit is checked, and stores nothing.
	CreateAdmitted(ctx context.Context, req AdmitRequest) (existingID string, err error)
}

// AdmitRequest is a statement to admit under the limits across replicas.
type AdmitRequest struct {
	// Statement is stored with its Subs, as Create stores it.
	Statement *Statement
	// Session is the session the statement opens, nil for none.
	Session    *Session
	Token      string
	TokenSince time.Time
	MaxActive  int
	// MaxSessions bounds open sessions when Session is set.
	MaxSessions int
}

// create stores a statement admitted in memory (and the session it opens
// or claims). Alone on the store, a replica's in-process limits are exact
// and the store only inserts; while other replicas are live, the store
// admits it against theirs, atomically.
func (e *Engine) create(ctx context.Context, st *Statement, sess *session, newSession bool, token string) (string, error) {
	since := st.CreatedAt.Add(-ClientTokenLifetime)
	a, shared := e.store.(SharedAdmitter)
	if !shared || e.opts.Bus == nil || !e.opts.Bus.Shared() {
		existing, err := e.store.Create(ctx, st, token, since)
		if err == nil && existing == "" && sess != nil {
			err = e.sessions.persist(ctx, sess)
		}
		return existing, err
	}
	req := AdmitRequest{Statement: st, Token: token, TokenSince: since, MaxActive: e.opts.MaxActive, MaxSessions: e.opts.MaxSessions}
	if newSession {
		return e.sessions.persistWith(sess, func(info *Session) (string, error) {
			req.Session = info
			return a.CreateAdmitted(ctx, req)
		})
	}
	existing, err := a.CreateAdmitted(ctx, req)
	if err == nil && existing == "" && sess != nil {
		err = e.sessions.persist(ctx, sess)
	}
	return existing, err
}

// Running reports whether statement id (or sub-statement) runs here and
// has not ended.
func (e *Engine) Running(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.live[id]
	if !ok {
		return false
	}
	st := r.copyOf(id)
	return st != nil && !st.Status.Terminal()
}

// finished tells the bus, if any, that statement id has ended here.
func (e *Engine) finished(id string) {
	if e.opts.Bus != nil {
		e.opts.Bus.Finished(id)
	}
}
