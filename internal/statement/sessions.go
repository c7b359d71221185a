package statement

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/rsdata/rsdata/internal/ids"
)

// session is an open Data API session held by this process.
type session struct {
	info Session // guarded by sessionTable.mu
	// conn is the session's database connection, nil until its first
	// statement connects. Only the worker of the statement holding the
	// session BUSY touches it.
	conn Conn
	// stop cancels the statement holding the session BUSY; guarded by
	// sessionTable.mu.
	stop    context.CancelFunc
	idle    *time.Timer // closes the session when TTL passes unused
	hard    *time.Timer // closes it 24 h after creation, whatever it does
	expired bool        // the 24 h limit was reached while BUSY
	persist sync.Mutex  // orders writes of info to the store
}

// sessionTable holds this process's open sessions and their keep-alive:
// an idle timer per AVAILABLE session and a 24 h one per session. Its
// timers are the time package's, so tests run them under testing/synctest.
type sessionTable struct {
	store    Store
	now      func() time.Time
	log      *slog.Logger
	max      int // open sessions per target
	instance string

	mu      sync.Mutex
	byID    map[string]*session
	open    map[Target]int
	closing bool // the engine is closing: sessions close when their statement ends
}

func newSessionTable(store Store, now func() time.Time, log *slog.Logger, max int, instance string) *sessionTable {
	return &sessionTable{store: store, now: now, log: log, max: max, instance: instance,
		byID: map[string]*session{}, open: map[Target]int{}}
}

// isOpen reports whether this process holds session id open.
func (t *sessionTable) isOpen(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.byID[id]
	return ok
}

// claim binds st to the session req names, or opens a new one when req
// asks for a keep-alive; stop cancels st's run when the session's 24 h end
// while it runs. It returns the session (nil for none) and whether it was
// created.
func (t *sessionTable) claim(st *Statement, req ExecuteRequest, stop context.CancelFunc) (*session, bool, error) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if req.SessionID != "" {
		s, ok := t.byID[req.SessionID]
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
		s.stop = stop
		return s, false, nil
	}
	if req.KeepAlive == nil || *req.KeepAlive == 0 {
		return nil, false, nil
	}
	if t.open[st.Target] >= t.max {
		return nil, false, ErrTooManySessions
	}
	s := &session{stop: stop, info: Session{
		ID: ids.UUID(), Owner: st.Owner, Target: st.Target, Database: st.Database, DbUser: st.DbUser,
		SecretArn: st.SecretArn, KeepAlive: *req.KeepAlive, Status: SessionBusy, CreatedAt: now, UpdatedAt: now,
		TTL: now.Add(MaxSessionKeepAlive), CurrentStatement: st.ID, Instance: t.instance,
	}}
	st.SessionID = s.info.ID
	t.byID[s.info.ID] = s
	t.open[st.Target]++
	id := s.info.ID
	s.hard = time.AfterFunc(MaxSessionKeepAlive, func() { t.expire(id) })
	return s, true, nil
}

// unclaim undoes claim for a statement that was not submitted after all.
func (t *sessionTable) unclaim(s *session, created bool) {
	if s == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s.stop = nil
	if created {
		delete(t.byID, s.info.ID)
		t.open[s.info.Target]--
		s.hard.Stop()
		return
	}
	s.info.Status, s.info.CurrentStatement = SessionAvailable, ""
	t.armIdle(s, t.now())
}

// armIdle starts the idle timer for an AVAILABLE session; t.mu is held.
func (t *sessionTable) armIdle(s *session, now time.Time) {
	id := s.info.ID
	if s.idle != nil {
		s.idle.Stop()
	}
	s.idle = time.AfterFunc(max(s.info.TTL.Sub(now), 0), func() { t.close(id, false) })
}

// persist writes the session's current state. Writes are ordered per
// session and each writes the state as it is at that moment, so the store
// ends with the latest state whatever the interleaving.
func (t *sessionTable) persist(ctx context.Context, s *session) error {
	s.persist.Lock()
	defer s.persist.Unlock()
	t.mu.Lock()
	info := s.info
	t.mu.Unlock()
	return t.store.PutSession(ctx, &info)
}

// persistWith is persist with store, which writes the session's state as
// it is at that moment together with something else.
func (t *sessionTable) persistWith(s *session, store func(info *Session) (string, error)) (string, error) {
	s.persist.Lock()
	defer s.persist.Unlock()
	t.mu.Lock()
	info := s.info
	t.mu.Unlock()
	return store(&info)
}

func (t *sessionTable) persistLogged(s *session) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := t.persist(ctx, s); err != nil {
		t.log.Error("persisting session state failed", "session", s.info.ID, "err", err)
	}
}

// release makes a session AVAILABLE again after its statement ended (or
// closes it when its connection died, its keep-alive is 0, its 24 h are
// over or the engine is closing).
func (t *sessionTable) release(s *session) {
	now := t.now()
	t.mu.Lock()
	s.info.Status, s.info.CurrentStatement, s.info.UpdatedAt = SessionAvailable, "", now
	s.stop = nil
	ttl := now.Add(s.info.KeepAlive)
	if hard := s.info.CreatedAt.Add(MaxSessionKeepAlive); ttl.After(hard) {
		ttl = hard
	}
	s.info.TTL = ttl
	closeNow := s.conn == nil || !s.conn.Alive() || s.info.KeepAlive == 0 || s.expired || t.closing
	if !closeNow {
		t.armIdle(s, now)
	}
	t.mu.Unlock()
	if closeNow {
		t.close(s.info.ID, true)
		return
	}
	t.persistLogged(s)
}

// close closes an AVAILABLE session (or any, with force): its connection
// is closed and it is recorded CLOSED.
func (t *sessionTable) close(id string, force bool) {
	t.mu.Lock()
	s, ok := t.byID[id]
	if !ok || (!force && s.info.Status != SessionAvailable) {
		t.mu.Unlock()
		return
	}
	now := t.now()
	s.info.Status, s.info.UpdatedAt, s.info.CurrentStatement = SessionClosed, now, ""
	if s.info.TTL.After(now) {
		s.info.TTL = now
	}
	delete(t.byID, id)
	t.open[s.info.Target]--
	if s.idle != nil {
		s.idle.Stop()
	}
	s.hard.Stop()
	conn := s.conn
	s.conn = nil
	t.mu.Unlock()
	if conn != nil {
		conn.Release(false)
	}
	t.persistLogged(s)
}

// expire enforces the 24 h limit: an idle session closes, a busy one has
// its statement terminated and closes when it ends.
func (t *sessionTable) expire(id string) {
	t.mu.Lock()
	s, ok := t.byID[id]
	if !ok {
		t.mu.Unlock()
		return
	}
	s.expired = true
	stop := s.stop
	if s.info.Status != SessionBusy {
		stop = nil
	}
	t.mu.Unlock()
	if stop != nil {
		stop()
		return
	}
	t.close(id, true)
}

// closeAll marks the table closing and closes every session, at shutdown.
func (t *sessionTable) closeAll() {
	t.mu.Lock()
	t.closing = true
	var list []string
	for id := range t.byID {
		list = append(list, id)
	}
	t.mu.Unlock()
	for _, id := range list {
		t.close(id, true)
	}
}

// markClosing makes sessions close when their running statement ends.
func (t *sessionTable) markClosing() {
	t.mu.Lock()
	t.closing = true
	t.mu.Unlock()
}

// info returns the target and owner of an open session.
func (t *sessionTable) info(id string) (Target, Owner, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.byID[id]
	if !ok {
		return Target{}, Owner{}, false
	}
	return s.info.Target, s.info.Owner, true
}

// SessionInfo returns the target and owner of an open session, for
// authorizing a statement sent into it.
func (e *Engine) SessionInfo(id string) (Target, Owner, bool) { return e.sessions.info(id) }

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
