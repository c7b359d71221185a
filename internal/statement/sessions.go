package statement

import (
	"context"
	"sync"
	"time"

	"github.com/rsdata/rsdata/internal/ids"
)

// session is an open Data API session held by this process.
type session struct {
	info Session // guarded by Engine.mu
	// conn is the session's database connection, nil until its first
	// statement connects. Only the worker of the statement holding the
	// session BUSY touches it.
	conn    Conn
	idle    *time.Timer // closes the session when TTL passes unused
	hard    *time.Timer // closes it 24 h after creation, whatever it does
	expired bool        // the 24 h limit was reached while BUSY
	persist sync.Mutex  // orders writes of info to the store
}

// claimSession binds st to the session req names, or opens a new one when
// req asks for a keep-alive; e.mu is held.
func (e *Engine) claimSession(st *Statement, req ExecuteRequest) (*session, bool, error) {
	now := e.now()
	if req.SessionID != "" {
		s, ok := e.sessions[req.SessionID]
		if !ok || s.info.Status == SessionClosed {
			return nil, false, &SessionUnavailableError{ID: req.SessionID}
		}
		if s.info.Owner.Principal != st.Owner.Principal {
			return nil, false, &SessionInvalidError{ID: req.SessionID}
		}
		if s.info.Status == SessionBusy {
			return nil, false, &SessionBusyError{ID: s.info.ID, Statement: s.info.CurrentStatement}
		}
		st.Target, st.Database, st.DbUser, st.SecretArn = s.info.Target, s.info.Database, s.info.DbUser, s.info.SecretArn
		st.SessionID = s.info.ID
		if s.idle != nil {
			s.idle.Stop()
		}
		if req.KeepAlive != nil {
			s.info.KeepAlive = *req.KeepAlive
		}
		s.info.Status, s.info.CurrentStatement, s.info.UpdatedAt = SessionBusy, st.ID, now
		return s, false, nil
	}
	if req.KeepAlive == nil || *req.KeepAlive == 0 {
		return nil, false, nil
	}
	if e.open[st.Target] >= e.opts.MaxSessions {
		return nil, false, ErrTooManySessions
	}
	s := &session{info: Session{
		ID: ids.UUID(), Owner: st.Owner, Target: st.Target, Database: st.Database, DbUser: st.DbUser,
		SecretArn: st.SecretArn, KeepAlive: *req.KeepAlive, Status: SessionBusy, CreatedAt: now, UpdatedAt: now,
		TTL: now.Add(MaxSessionKeepAlive), CurrentStatement: st.ID, Instance: e.opts.Instance,
	}}
	st.SessionID = s.info.ID
	e.sessions[s.info.ID] = s
	e.open[st.Target]++
	id := s.info.ID
	s.hard = time.AfterFunc(MaxSessionKeepAlive, func() { e.expireSession(id) })
	return s, true, nil
}

// releaseSessionClaim undoes claimSession for a statement that was not
// submitted after all; e.mu is held.
func (e *Engine) releaseSessionClaim(s *session, created bool) {
	if s == nil {
		return
	}
	if created {
		delete(e.sessions, s.info.ID)
		e.open[s.info.Target]--
		s.hard.Stop()
		return
	}
	s.info.Status, s.info.CurrentStatement = SessionAvailable, ""
	e.armIdle(s)
}

// armIdle starts the idle timer for an AVAILABLE session; e.mu is held.
func (e *Engine) armIdle(s *session) {
	id := s.info.ID
	d := time.Until(s.info.TTL)
	if s.idle != nil {
		s.idle.Stop()
	}
	s.idle = time.AfterFunc(max(d, 0), func() { e.closeSession(id, false) })
}

// persistSession writes the session's current state. Writes are ordered
// per session and each writes the state as it is at that moment, so the
// store ends with the latest state whatever the interleaving.
func (e *Engine) persistSession(ctx context.Context, s *session) error {
	s.persist.Lock()
	defer s.persist.Unlock()
	e.mu.Lock()
	info := s.info
	e.mu.Unlock()
	return e.store.PutSession(ctx, &info)
}

func (e *Engine) persistSessionLogged(s *session) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.persistSession(ctx, s); err != nil {
		e.opts.Logger.Error("persisting session state failed", "session", s.info.ID, "err", err)
	}
}

// connect returns the connection a run executes on: its session's, opened
// on first use, or one from the pool.
func (e *Engine) connect(ctx context.Context, r *run) (Conn, error) {
	if r.sess != nil && r.sess.conn != nil {
		return r.sess.conn, nil
	}
	conn, err := e.exec.Acquire(ctx, ConnRequest{Target: r.st.Target, Database: r.st.Database,
		DbUser: r.st.DbUser, SecretArn: r.st.SecretArn, AutoCreate: r.autoCreate, Password: r.password})
	if err != nil {
		return nil, err
	}
	if r.sess != nil {
		r.sess.conn = conn
	}
	return conn, nil
}

// releaseConn gives a pooled connection back; a session keeps its own.
func (e *Engine) releaseConn(r *run, conn Conn) {
	if r.sess == nil {
		conn.Release(true)
	}
}

// finishSession makes a run's session AVAILABLE again (or closes it when
// its connection died, its keep-alive is 0, or its 24 h are over).
func (e *Engine) finishSession(r *run) {
	s := r.sess
	if s == nil {
		return
	}
	now := e.now()
	e.mu.Lock()
	s.info.Status, s.info.CurrentStatement, s.info.UpdatedAt = SessionAvailable, "", now
	ttl := now.Add(s.info.KeepAlive)
	if hard := s.info.CreatedAt.Add(MaxSessionKeepAlive); ttl.After(hard) {
		ttl = hard
	}
	s.info.TTL = ttl
	closeNow := s.conn == nil || !s.conn.Alive() || s.info.KeepAlive == 0 || s.expired || e.closed
	if !closeNow {
		e.armIdle(s)
	}
	e.mu.Unlock()
	if closeNow {
		e.closeSession(s.info.ID, true)
		return
	}
	e.persistSessionLogged(s)
}

// closeSession closes an AVAILABLE session (or any, with force): its
// connection is closed and it is recorded CLOSED.
func (e *Engine) closeSession(id string, force bool) {
	e.mu.Lock()
	s, ok := e.sessions[id]
	if !ok || (!force && s.info.Status != SessionAvailable) {
		e.mu.Unlock()
		return
	}
	now := e.now()
	s.info.Status, s.info.UpdatedAt, s.info.CurrentStatement = SessionClosed, now, ""
	if s.info.TTL.After(now) {
		s.info.TTL = now
	}
	delete(e.sessions, id)
	e.open[s.info.Target]--
	if s.idle != nil {
		s.idle.Stop()
	}
	s.hard.Stop()
	conn := s.conn
	s.conn = nil
	e.mu.Unlock()
	if conn != nil {
		conn.Release(false)
	}
	e.persistSessionLogged(s)
}

// expireSession enforces the 24 h limit: an idle session closes, a busy
// one has its statement terminated and closes when it ends.
func (e *Engine) expireSession(id string) {
	e.mu.Lock()
	s, ok := e.sessions[id]
	if !ok {
		e.mu.Unlock()
		return
	}
	s.expired = true
	busy := s.info.Status == SessionBusy
	var r *run
	if busy {
		r = e.live[s.info.CurrentStatement]
	}
	e.mu.Unlock()
	if r != nil {
		r.cancel()
		return
	}
	e.closeSession(id, true)
}

// closeAllSessions closes every session at shutdown.
func (e *Engine) closeAllSessions() {
	e.mu.Lock()
	var list []string
	for id := range e.sessions {
		list = append(list, id)
	}
	e.mu.Unlock()
	for _, id := range list {
		e.closeSession(id, true)
	}
}

// SessionInfo returns the target and owner of an open session, for
// authorizing a statement sent into it.
func (e *Engine) SessionInfo(id string) (Target, Owner, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.sessions[id]
	if !ok {
		return Target{}, Owner{}, false
	}
	return s.info.Target, s.info.Owner, true
}

// sessionError tells a closed session from one that never existed, for a
// SessionId this process does not hold open.
func (e *Engine) sessionError(ctx context.Context, id string, owner Owner) error {
	s, err := e.store.GetSession(ctx, id)
	if err == nil && s.Owner.Principal == owner.Principal {
		return &SessionUnavailableError{ID: id}
	}
	if err != nil && err != ErrSessionNotFound {
		return err
	}
	return &SessionInvalidError{ID: id}
}

// SessionListRequest filters ListSessions.
type SessionListRequest struct {
	Owner      Owner
	SessionID  string
	Status     string // AVAILABLE, BUSY, CLOSED, or "" (AVAILABLE and BUSY)
	Target     Target
	Database   string
	MaxResults int
	NextToken  string
}

// ListSessions returns the caller's sessions of the last 24 hours, newest
// first, and a token for the next page.
func (e *Engine) ListSessions(ctx context.Context, req SessionListRequest) ([]*Session, string, error) {
	q := SessionQuery{Principal: req.Owner.Principal, UserID: req.Owner.UserID, ID: req.SessionID,
		Target: req.Target, Database: req.Database, CreatedAfter: e.now().Add(-MaxSessionKeepAlive)}
	switch req.Status {
	case "":
		if req.SessionID == "" {
			q.Statuses = []SessionStatus{SessionAvailable, SessionBusy}
		}
	default:
		q.Statuses = []SessionStatus{SessionStatus(req.Status)}
	}
	w, err := newWindow(e.opts.Tokens, "statement/ListSessions", req.MaxResults, req.NextToken)
	if err != nil {
		return nil, "", err
	}
	q.After, q.Limit = w.after, w.fetch()
	list, err := e.store.ListSessions(ctx, q)
	if err != nil {
		return nil, "", err
	}
	if req.SessionID != "" && len(list) == 0 {
		return nil, "", ErrSessionNotFound
	}
	list, next := cut(w, list, func(s *Session) Cursor { return Cursor{CreatedAt: s.CreatedAt, ID: s.ID} })
	return list, next, nil
}
