package statement

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/ids"
	"github.com/rsdata/rsdata/internal/pagetoken"
	"github.com/rsdata/rsdata/internal/results"
)

// Limits AWS documents for the Data API.
const (
	MaxSQLBytes         = 100 * 1024
	MaxBatchSQLs        = 40
	DefaultMaxActive    = 500
	DefaultMaxRunTime   = 24 * time.Hour
	DefaultRetention    = 24 * time.Hour
	MaxListResults      = 100
	ClientTokenLifetime = 8 * time.Hour
	MaxWait             = 30 * time.Second
	// DefaultMaxWaiters bounds long-polling requests per statement; AWS does
	// not publish its number.
	DefaultMaxWaiters  = 10
	interruptedMessage = "ERROR: The statement was interrupted because rsdata stopped before it finished. Run it again."
	notRunMessage      = "ERROR: Not run because an earlier statement of the batch failed."
)

// Options configures an Engine. Zero values take AWS's defaults.
type Options struct {
	// Instance names this process in the store; statements it leaves
	// unfinished are failed by Recover on its next start.
	Instance string
	// MaxActive bounds SUBMITTED, PICKED and STARTED statements per target.
	MaxActive int
	// MaxSessions bounds open sessions per target.
	MaxSessions int
	// MaxWaiters bounds long-polling requests per statement.
	MaxWaiters int
	// MaxRunTime ends a statement FAILED when it runs longer.
	MaxRunTime time.Duration
	// Retention is how long results stay readable.
	Retention time.Duration
	// KeepRecords is how long a statement's record stays after its results
	// expire, so callers learn it expired rather than that it never existed.
	KeepRecords time.Duration
	Limits      results.Limits
	// Clock is the engine's one source of the current time (timestamps,
	// retention, client tokens, session TTLs). Durations it waits for (run
	// time, keep-alive, the deferred STARTED write, long polls) run on the
	// time package's timers, which testing/synctest makes fake.
	Clock  Clock
	Logger *slog.Logger
	// OnEvent is called when a statement run WithEvent has ended and its
	// status-change event is in the store's outbox.
	OnEvent func()
	// Observer, when set, is told of ended statements and served result
	// bytes (metrics).
	Observer Observer
	// Bus, when set, connects replicas sharing the store: long polls and
	// cancels of statements another replica runs go through it.
	Bus Bus
	// Tokens mints and reads NextTokens (result pages, statement and
	// session listings); nil means a random key, whose tokens die with
	// the Engine.
	Tokens *pagetoken.Codec
}

// Observer is told what the engine does, for metrics. Its methods are
// called from many goroutines and must return promptly.
type Observer interface {
	// Ended reports a statement (a batch counts once) reaching a
	// terminal status on target, and the time it ran (from its start, or
	// from its submission when it never started, to its end).
	Ended(target Target, status Status, ran time.Duration)
	// Stored reports result bytes written to the page store.
	Stored(bytes int64)
	// Served reports result bytes handed out by Result.
	Served(bytes int64)
}

// observedPages reports the bytes of the pages stored through it.
type observedPages struct {
	results.PageStore
	obs Observer
}

func (p observedPages) PutPage(ctx context.Context, statementID string, n int, data []byte) error {
	err := p.PageStore.PutPage(ctx, statementID, n, data)
	if err == nil {
		p.obs.Stored(int64(len(data)))
	}
	return err
}

type noObserver struct{}

func (noObserver) Ended(Target, Status, time.Duration) {}
func (noObserver) Stored(int64)                        {}
func (noObserver) Served(int64)                        {}

// Engine runs statements and sessions and answers questions about them.
// It composes parts with one job each: admission (active-statement limits
// and shutdown), sessions (open sessions and their keep-alive timers), the
// run loop (worker.go), recent (finished statements kept in memory),
// waiters (long polls) and list windows (cursor.go). Its own lock guards
// only the statements running in this process.
type Engine struct {
	opts  Options
	store Store
	pages results.PageStore
	exec  Executor
	now   func() time.Time

	base     context.Context
	stopBase context.CancelFunc
	wg       sync.WaitGroup

	admission *admission
	sessions  *sessionTable
	recent    *recentCache
	waiters   *waiters

	mu   sync.Mutex
	live map[string]*run // by statement id, sub-statement ids included
}

// New returns an Engine. Call Recover before serving and Close at shutdown.
func New(opts Options, store Store, pages results.PageStore, exec Executor) *Engine {
	if opts.MaxActive <= 0 {
		opts.MaxActive = DefaultMaxActive
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	if opts.MaxWaiters <= 0 {
		opts.MaxWaiters = DefaultMaxWaiters
	}
	if opts.MaxRunTime <= 0 {
		opts.MaxRunTime = DefaultMaxRunTime
	}
	if opts.Observer == nil {
		opts.Observer = noObserver{}
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.KeepRecords <= 0 {
		opts.KeepRecords = 7 * 24 * time.Hour
	}
	if opts.Limits == (results.Limits{}) {
		opts.Limits = results.DefaultLimits
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock
	}
	if opts.Tokens == nil {
		opts.Tokens = pagetoken.Random()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Instance == "" {
		opts.Instance = "local"
	}
	clock := opts.Clock
	// The store keeps microseconds: times read back from it compare equal
	// to those held in memory.
	now := func() time.Time { return clock.Now().UTC().Truncate(time.Microsecond) }
	base, stop := context.WithCancel(context.Background())
	if _, ok := opts.Observer.(noObserver); !ok {
		pages = observedPages{pages, opts.Observer}
	}
	return &Engine{opts: opts, store: store, pages: pages, exec: exec, now: now, base: base, stopBase: stop,
		admission: newAdmission(opts.MaxActive),
		sessions:  newSessionTable(store, now, opts.Logger, opts.MaxSessions, opts.Instance),
		recent:    newRecentCache(recentSize),
		waiters:   newWaiters(opts.MaxWaiters),
		live:      map[string]*run{},
	}
}

// Recover fails the statements an earlier run of this instance left
// unfinished (after a crash or kill), so none stays SUBMITTED or STARTED,
// and closes its sessions, whose connections are gone.
func (e *Engine) Recover(ctx context.Context) error {
	n, err := e.store.FailUnfinished(ctx, e.opts.Instance, interruptedMessage, e.now())
	if err != nil {
		return err
	}
	if n > 0 {
		e.opts.Logger.Warn("failed statements interrupted by an earlier stop", "count", n)
	}
	return nil
}

// ExecuteRequest asks for one SQL statement, or a batch, to run.
type ExecuteRequest struct {
	Owner     Owner
	Target    Target
	Database  string
	DbUser    string
	SecretArn string
	// SQLs holds one statement, or a batch's statements when Batch is set.
	SQLs      []string
	Batch     bool
	Mode      string // a batch's ExecutionMode; "" = TRANSACTION
	Params    []Param
	Name      string
	Format    Format
	WithEvent bool
	// ClientToken makes a retried request return the original statement.
	ClientToken string
	// SessionID runs the statement in an open session; the target, database
	// and user are the session's.
	SessionID string
	// KeepAlive, when set, opens a session (or changes an open one's keep-
	// alive) that stays open this long after the statement ends.
	KeepAlive *time.Duration
	// AutoCreate creates DbUser when it does not exist (IAM-derived users).
	AutoCreate bool
	// Password is DbUser's password from a secret; it is kept in memory
	// for the run only, never stored.
	Password string
	// Dialect is the target engine's SQL dialect; each SQL is translated
	// from it before its parameters are bound ("" is Redshift).
	Dialect dialect.Mode
}

// Execute validates and submits a statement and returns it as submitted (or,
// for a repeated client token, the original statement as it is now). The
// statement runs on the engine's own context, not ctx: it outlives the
// request that submitted it.
func (e *Engine) Execute(ctx context.Context, req ExecuteRequest) (*Statement, error) {
	execs, err := prepare(req)
	if err != nil {
		return nil, err
	}
	if req.SessionID != "" && !e.sessions.isOpen(req.SessionID) {
		return nil, e.sessionError(ctx, req.SessionID, req.Owner)
	}
	if req.Format == "" {
		req.Format = FormatJSON
	}
	if req.Batch && req.Mode == "" {
		req.Mode = ModeTransaction
	}
	if req.KeepAlive != nil && (*req.KeepAlive < 0 || *req.KeepAlive > MaxSessionKeepAlive) {
		return nil, invalid("SessionKeepAliveSeconds must be between 0 and 86400.")
	}
	st, subs := e.newStatements(req)
	r := &run{execs: execs, format: req.Format, autoCreate: req.AutoCreate, password: req.Password, done: make(chan struct{})}
	for range subs {
		r.subDone = append(r.subDone, make(chan struct{}))
	}

	if e.admission.closing() {
		return nil, ErrShuttingDown
	}
	runCtx, cancel := context.WithTimeout(e.base, e.opts.MaxRunTime)
	sess, newSession, err := e.sessions.claim(&st, req, cancel)
	if err != nil {
		cancel()
		return nil, err
	}
	for i := range subs {
		subs[i].Owner, subs[i].Target, subs[i].Database = st.Owner, st.Target, st.Database
		subs[i].DbUser, subs[i].SecretArn, subs[i].SessionID = st.DbUser, st.SecretArn, st.SessionID
	}
	if err := e.admission.admit(st.Target); err != nil {
		e.sessions.unclaim(sess, newSession)
		cancel()
		return nil, err
	}
	r.st, r.subs, r.cancel, r.sess = st, subs, cancel, sess
	e.mu.Lock()
	e.live[st.ID] = r
	for _, sub := range subs {
		e.live[sub.ID] = r
	}
	e.mu.Unlock()

	full := st
	full.Subs = make([]*Statement, len(subs))
	for i := range subs {
		full.Subs[i] = &subs[i]
	}
	existing, err := e.create(ctx, &full, sess, newSession, req.ClientToken)
	if err != nil || existing != "" {
		e.sessions.unclaim(sess, newSession)
		e.forget(r)
		cancel()
		if err != nil {
			return nil, err
		}
		return e.Get(ctx, existing, Owner{Principal: req.Owner.Principal})
	}
	// The statement as submitted: taken before its worker starts, so what
	// Execute returns does not depend on how fast the worker is.
	submitted := e.snapshot(r, st.ID)
	e.wg.Add(1)
	go e.work(runCtx, r)
	return submitted, nil
}

// newStatements builds the records of the statement req asks for, and of
// its sub-statements when it is a batch, as submitted.
func (e *Engine) newStatements(req ExecuteRequest) (Statement, []Statement) {
	now := e.now()
	st := Statement{
		ID: ids.UUID(), Owner: req.Owner, Target: req.Target, Database: req.Database,
		DbUser: req.DbUser, SecretArn: req.SecretArn, Name: req.Name,
		Params: req.Params, Batch: req.Batch, WithEvent: req.WithEvent,
		Status: Submitted, CreatedAt: now, UpdatedAt: now, ResultRows: -1, ResultSize: -1,
		ResultFormat: string(req.Format), ExpiresAt: now.Add(e.opts.Retention), Instance: e.opts.Instance,
	}
	var subs []Statement
	if req.Batch {
		st.ExecutionMode, st.QueryStrings = req.Mode, req.SQLs
		for i, sql := range req.SQLs {
			sub := Statement{ID: st.ID + ":" + strconv.Itoa(i+1), Parent: st.ID, SubIndex: i + 1, SQL: sql,
				Status: Submitted, CreatedAt: now, UpdatedAt: now, ResultRows: -1, ResultSize: -1,
				ResultFormat: st.ResultFormat, ExpiresAt: st.ExpiresAt, Instance: st.Instance}
			subs = append(subs, sub)
		}
	} else {
		st.SQL = req.SQLs[0]
	}
	return st, subs
}

// forget drops a run from the live statements and ends its admission; a
// terminal run's statements move to the recent cache first, so a reader
// finds them in one place or the other.
func (e *Engine) forget(r *run) {
	e.mu.Lock()
	if r.st.Status.Terminal() {
		e.recent.put(r.copyOf(r.st.ID), r.pages[r.st.ID])
		for _, sub := range r.subs {
			e.recent.put(r.copyOf(sub.ID), r.pages[sub.ID])
		}
	}
	delete(e.live, r.st.ID)
	for _, sub := range r.subs {
		delete(e.live, sub.ID)
	}
	e.mu.Unlock()
	e.admission.release(r.st.Target)
}

// snapshot copies the live state of statement id (the run's or one of its
// sub-statements) under the lock.
func (e *Engine) snapshot(r *run, id string) *Statement {
	e.mu.Lock()
	defer e.mu.Unlock()
	return r.copyOf(id)
}

// Get returns a statement (or sub-statement) the owner may see, live state
// first.
func (e *Engine) Get(ctx context.Context, id string, owner Owner) (*Statement, error) {
	var st *Statement
	e.mu.Lock()
	if r, ok := e.live[id]; ok {
		st = r.copyOf(id)
	}
	e.mu.Unlock()
	if st == nil {
		st, _ = e.recent.get(id)
	}
	if st == nil {
		var err error
		if st, err = e.store.Get(ctx, id); err != nil {
			return nil, err
		}
	}
	if !visible(st, owner) {
		return nil, ErrNotFound
	}
	if e.now().After(st.ExpiresAt) {
		return nil, &ExpiredError{At: st.ExpiresAt}
	}
	return st, nil
}

func visible(st *Statement, owner Owner) bool {
	return st.Owner.Principal == owner.Principal && (owner.UserID == "" || st.Owner.UserID == owner.UserID)
}

// Wait blocks until statement id is terminal, d has passed or ctx ends,
// whichever is first; it is woken by the statement's end, not by polling.
// It returns ErrTooManyWaiters when the statement already has its maximum
// of waiting requests.
func (e *Engine) Wait(ctx context.Context, id string, d time.Duration) error {
	e.mu.Lock()
	var done <-chan struct{}
	if r, ok := e.live[id]; ok {
		done = r.doneFor(id)
	}
	e.mu.Unlock()
	if done == nil {
		if e.opts.Bus != nil {
			return e.waitRemote(ctx, id, d)
		}
		return nil
	}
	return e.waiters.wait(ctx, id, done, d)
}

// Page is one page of a finished statement's result.
type Page struct {
	Statement *Statement
	// Records holds the page's encoded records: for JSON, comma-separated
	// arrays; for CSV, CRLF-terminated lines.
	Records []byte
	// NextToken is "" on the last page.
	NextToken string
}

// Result returns the page named by token ("" for the first) in format.
func (e *Engine) Result(ctx context.Context, id string, owner Owner, format Format, token string) (*Page, error) {
	st, err := e.Get(ctx, id, owner)
	if err != nil {
		return nil, err
	}
	if st.Batch {
		return nil, ErrBatchParent
	}
	if st.Status != Finished || !st.HasResultSet {
		return nil, ErrNoResult
	}
	if Format(st.ResultFormat) != format {
		return nil, ErrWrongFormat
	}
	n := 0
	if token != "" {
		var ok bool
		if n, ok = results.DecodeToken(e.opts.Tokens, token, id); !ok || n >= st.Pages {
			return nil, ErrBadToken
		}
	}
	p := &Page{Statement: st}
	if st.Pages == 0 {
		return p, nil
	}
	p.Records = e.recent.page(id)
	if p.Records == nil {
		if p.Records, err = results.ReadPage(ctx, e.pages, id, n); err != nil {
			return nil, err
		}
	}
	if n+1 < st.Pages {
		p.NextToken = results.NextToken(e.opts.Tokens, id, n+1)
	}
	e.opts.Observer.Served(int64(len(p.Records)))
	return p, nil
}

// Sessions counts the sessions open in this process.
func (e *Engine) Sessions() int {
	e.sessions.mu.Lock()
	defer e.sessions.mu.Unlock()
	return len(e.sessions.byID)
}

// Waiting counts the requests long-polling for a statement.
func (e *Engine) Waiting() int {
	e.waiters.mu.Lock()
	defer e.waiters.mu.Unlock()
	n := 0
	for _, k := range e.waiters.n {
		n += k
	}
	return n
}

// Cancel stops a running statement with a cancel request to its backend and
// waits (bounded by ctx) until it has ended ABORTED.
func (e *Engine) Cancel(ctx context.Context, id string, owner Owner) error {
	st, err := e.Get(ctx, id, owner)
	if err != nil {
		return err
	}
	e.mu.Lock()
	r, ok := e.live[id]
	if ok && !r.st.Status.Terminal() && r.st.ID == id {
		r.aborted = true
	} else {
		ok = false
	}
	e.mu.Unlock()
	if !ok && e.opts.Bus != nil && !st.Status.Terminal() && st.Instance != e.opts.Instance && st.Parent == "" {
		return e.cancelRemote(ctx, st)
	}
	if !ok {
		return &NotCancellableError{ID: id, Status: st.Status}
	}
	r.cancel()
	select {
	case <-r.done:
	case <-ctx.Done():
	}
	return nil
}

// Reap removes expired results and, later, the records of expired
// statements. It is idempotent; the app calls it periodically.
func (e *Engine) Reap(ctx context.Context) error {
	now := e.now()
	if err := e.store.DropResultsBefore(ctx, now); err != nil {
		return err
	}
	n, err := e.store.DeleteBefore(ctx, now.Add(-e.opts.KeepRecords))
	if n > 0 {
		e.opts.Logger.Info("removed expired statements", "count", n)
	}
	return err
}

// ReleaseWaiters ends every long poll (Wait) at once, and every later one,
// as if its time had passed: callers then report the statement as it
// stands. The server calls it when it begins to shut down, before it waits
// for requests in flight, so a long poll never holds the shutdown up.
func (e *Engine) ReleaseWaiters() { e.waiters.release() }

// Close stops accepting statements, cancels those running (they end
// FAILED as interrupted), closes sessions and waits, bounded by ctx.
func (e *Engine) Close(ctx context.Context) error {
	e.ReleaseWaiters()
	e.admission.close()
	e.sessions.markClosing()
	e.stopBase()
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	e.sessions.closeAll()
	return nil
}
