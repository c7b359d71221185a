package statement

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/results"
)

// memStore is an in-memory Store and results.PageStore. It keeps what the
// engine writes, in order, so tests can tell what reached the store and
// when; failUpdate injects a store failure.
type memStore struct {
	mu       sync.Mutex
	stmts    map[string]*Statement // by id, sub-statements included
	tokens   map[string]tokenUse   // principal + "\x00" + token
	sessions map[string]*Session
	pages    map[string]map[int][]byte
	writes   []Statement // every Update, in order
	// sessionAtWrite is, for every Update of a statement in a session,
	// the session's stored status at that moment, in order.
	sessionAtWrite []SessionStatus
	failUpdate     error
	failCreate     error
}

type tokenUse struct {
	id string
	at time.Time
}

func newMemStore() *memStore {
	return &memStore{stmts: map[string]*Statement{}, tokens: map[string]tokenUse{},
		sessions: map[string]*Session{}, pages: map[string]map[int][]byte{}}
}

func (s *memStore) Create(_ context.Context, st *Statement, token string, since time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failCreate != nil {
		return "", s.failCreate
	}
	key := st.Owner.Principal + "\x00" + token
	if token != "" {
		if u, ok := s.tokens[key]; ok && u.at.After(since) {
			return u.id, nil
		}
	}
	c := *st
	c.Subs = nil
	s.stmts[st.ID] = &c
	for _, sub := range st.Subs {
		sc := *sub
		s.stmts[sub.ID] = &sc
	}
	if token != "" {
		s.tokens[key] = tokenUse{id: st.ID, at: st.CreatedAt}
	}
	return "", nil
}

func (s *memStore) Update(_ context.Context, st *Statement, last *results.LastPage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failUpdate != nil {
		return s.failUpdate
	}
	if _, ok := s.stmts[st.ID]; !ok {
		return ErrNotFound
	}
	c := *st
	c.Subs = nil
	s.stmts[st.ID] = &c
	s.writes = append(s.writes, c)
	if ss, ok := s.sessions[st.SessionID]; ok && st.SessionID != "" {
		s.sessionAtWrite = append(s.sessionAtWrite, ss.Status)
	}
	if last != nil {
		s.putPage(st.ID, last.N, last.Data)
	}
	return nil
}

func (s *memStore) Get(_ context.Context, id string) (*Statement, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.stmts[id]
	if !ok {
		return nil, ErrNotFound
	}
	c := *st
	if c.Batch {
		for _, o := range s.stmts {
			if o.Parent == id {
				sc := *o
				c.Subs = append(c.Subs, &sc)
			}
		}
		slices.SortFunc(c.Subs, func(a, b *Statement) int { return a.SubIndex - b.SubIndex })
	}
	return &c, nil
}

// newestFirst orders by CreatedAt, then ID, descending.
func newestFirst(a, b Cursor) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(b.ID, a.ID)
}

func (s *memStore) List(_ context.Context, q ListQuery) ([]*Statement, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Statement
	for _, st := range s.stmts {
		switch {
		case st.Parent != "", st.Owner.Principal != q.Principal,
			q.UserID != "" && st.Owner.UserID != q.UserID,
			len(q.Statuses) > 0 && !slices.Contains(q.Statuses, st.Status),
			!strings.HasPrefix(st.Name, q.NamePrefix),
			q.Target.Name != "" && st.Target != q.Target,
			q.Database != "" && st.Database != q.Database,
			!st.CreatedAt.After(q.CreatedAfter),
			q.After != nil && newestFirst(*q.After, Cursor{st.CreatedAt, st.ID}) >= 0:
			continue
		}
		c := *st
		out = append(out, &c)
	}
	slices.SortFunc(out, func(a, b *Statement) int {
		return newestFirst(Cursor{a.CreatedAt, a.ID}, Cursor{b.CreatedAt, b.ID})
	})
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func (s *memStore) FailUnfinished(_ context.Context, instance, message string, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, st := range s.stmts {
		if st.Instance == instance && !st.Status.Terminal() {
			st.Status, st.Error, st.EndedAt, st.UpdatedAt = Failed, message, now, now
			n++
		}
	}
	for _, ss := range s.sessions {
		if ss.Instance == instance {
			ss.Status = SessionClosed
		}
	}
	return n, nil
}

func (s *memStore) DropResultsBefore(_ context.Context, t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, st := range s.stmts {
		if st.ExpiresAt.Before(t) {
			delete(s.pages, id)
		}
	}
	return nil
}

func (s *memStore) DeleteBefore(_ context.Context, t time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, st := range s.stmts {
		if st.ExpiresAt.Before(t) {
			delete(s.stmts, id)
			delete(s.pages, id)
			n++
		}
	}
	return n, nil
}

func (s *memStore) PutSession(_ context.Context, ss *Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *ss
	s.sessions[ss.ID] = &c
	return nil
}

func (s *memStore) GetSession(_ context.Context, id string) (*Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions[id]
	if !ok {
		return nil, ErrSessionNotFound
	}
	c := *ss
	return &c, nil
}

func (s *memStore) ListSessions(_ context.Context, q SessionQuery) ([]*Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Session
	for _, ss := range s.sessions {
		switch {
		case ss.Owner.Principal != q.Principal, q.ID != "" && ss.ID != q.ID,
			len(q.Statuses) > 0 && !slices.Contains(q.Statuses, ss.Status),
			!ss.CreatedAt.After(q.CreatedAfter),
			q.After != nil && newestFirst(*q.After, Cursor{ss.CreatedAt, ss.ID}) >= 0:
			continue
		}
		c := *ss
		out = append(out, &c)
	}
	slices.SortFunc(out, func(a, b *Session) int {
		return newestFirst(Cursor{a.CreatedAt, a.ID}, Cursor{b.CreatedAt, b.ID})
	})
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func (s *memStore) session(id string) Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.sessions[id]
}

func (s *memStore) stored(id string) Statement {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.stmts[id]
}

// statuses returns the statuses written for id, in order.
func (s *memStore) statuses(id string) []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Status
	for _, w := range s.writes {
		if w.ID == id {
			out = append(out, w.Status)
		}
	}
	return out
}

func (s *memStore) putPage(id string, n int, data []byte) {
	if s.pages[id] == nil {
		s.pages[id] = map[int][]byte{}
	}
	s.pages[id][n] = data
}

func (s *memStore) PutPage(_ context.Context, id string, n int, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putPage(id, n, slices.Clone(data))
	return nil
}

func (s *memStore) Page(_ context.Context, id string, n int) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pages[id][n]
	if !ok {
		return nil, results.ErrPageNotFound
	}
	return p, nil
}

func (s *memStore) DeletePages(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pages, id)
	return nil
}

// fakeExec is an Executor whose connections run a tiny script language
// instead of SQL (see fakeConn.Run), so tests choose how long a statement
// takes and how it ends.
type fakeExec struct {
	mu         sync.Mutex
	nextPID    int64
	acquired   int
	released   []bool // reset flag of each Release, in order
	ran        []string
	failAcq    error
	acquireFor time.Duration // Acquire waits this long first
	// roles makes its connections RoleRunners that run role statements
	// (see fakeConn.RunRole).
	roles bool
}

func (x *fakeExec) Acquire(ctx context.Context, _ ConnRequest) (Conn, error) {
	if x.acquireFor > 0 {
		select {
		case <-time.After(x.acquireFor):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.failAcq != nil {
		return nil, x.failAcq
	}
	x.acquired++
	x.nextPID++
	return &fakeConn{x: x, pid: 1000 + x.nextPID}, nil
}

func (x *fakeExec) log() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return slices.Clone(x.ran)
}

type fakeConn struct {
	x    *fakeExec
	pid  int64
	inTx bool
	dead bool
}

func (c *fakeConn) PID() int64 { return c.pid }

// Run understands:
//
//	select 1       one row, [{"longValue":1}]
//	rows N         N rows of {"longValue":i}
//	sleep D        waits D (a time.Duration) or until cancelled
//	fail           a database error "ERROR: boom"
//	die            a database error, and the connection is dead after it
//	panic          panics
//	BEGIN, COMMIT, ROLLBACK, anything else: no result set, 1 row affected
func (c *fakeConn) Run(ctx context.Context, sql string, _ []string, _ Format, sink RowSink) (RunResult, error) {
	c.x.mu.Lock()
	c.x.ran = append(c.x.ran, sql)
	c.x.mu.Unlock()
	verb, arg, _ := strings.Cut(sql, " ")
	switch verb {
	case "select":
		if err := sink.SetColumns([]results.Column{{Name: "?column?", TypeName: "int4"}}); err != nil {
			return RunResult{}, err
		}
		return RunResult{HasResultSet: true}, sink.AddRecord(ctx, []byte(`[{"longValue":1}]`))
	case "rows":
		n := 0
		for _, ch := range arg {
			n = n*10 + int(ch-'0')
		}
		if err := sink.SetColumns([]results.Column{{Name: "n", TypeName: "int4"}}); err != nil {
			return RunResult{}, err
		}
		for i := range n {
			if err := sink.AddRecord(ctx, []byte(`[{"longValue":`+string(rune('0'+i%10))+`}]`)); err != nil {
				return RunResult{}, err
			}
		}
		return RunResult{HasResultSet: true}, nil
	case "sleep":
		d, _ := time.ParseDuration(arg)
		select {
		case <-time.After(d):
			return RunResult{RowsAffected: 0}, nil
		case <-ctx.Done():
			return RunResult{}, &DatabaseError{Message: "ERROR: canceling statement due to user request", Canceled: true}
		}
	case "fail":
		return RunResult{}, &DatabaseError{Message: "ERROR: boom"}
	case "die":
		c.dead = true
		return RunResult{}, &DatabaseError{Message: "ERROR: terminating connection"}
	case "panic":
		panic("fake executor panic")
	case "BEGIN":
		c.inTx = true
	case "COMMIT", "ROLLBACK":
		c.inTx = false
	}
	return RunResult{RowsAffected: 1}, nil
}

func (c *fakeConn) InTransaction() bool { return c.inTx }

func (c *fakeConn) RunsRoles() bool { return c.x.roles }

// RunRole logs "role VERB name"; a statement about a role named fail
// fails with "ERROR: role boom".
func (c *fakeConn) RunRole(_ context.Context, cmd *dialect.RoleCommand) error {
	c.x.mu.Lock()
	c.x.ran = append(c.x.ran, "role "+cmd.Verb.String()+" "+cmd.Name)
	c.x.mu.Unlock()
	if cmd.Name == "fail" {
		return &DatabaseError{Message: "ERROR: role boom"}
	}
	return nil
}
func (c *fakeConn) Alive() bool { return !c.dead }

func (c *fakeConn) Release(reset bool) {
	c.x.mu.Lock()
	defer c.x.mu.Unlock()
	c.x.released = append(c.x.released, reset)
}

var errStore = errors.New("store unavailable")
