package statement

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rsdata/rsdata/internal/ids"
	"github.com/rsdata/rsdata/internal/pagetoken"
	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/sqlparams"
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
	Clock       Clock
	Logger      *slog.Logger
	// OnEvent is called when a statement run WithEvent has ended and its
	// status-change event is in the store's outbox.
	OnEvent func()
	// Tokens mints and reads NextTokens (result pages, statement and
	// session listings); nil means a random key, whose tokens die with
	// the Engine.
	Tokens *pagetoken.Codec
}

// Engine runs statements and sessions and answers questions about them.
type Engine struct {
	opts  Options
	store Store
	pages results.PageStore
	exec  Executor

	base     context.Context
	stopBase context.CancelFunc
	wg       sync.WaitGroup

	mu       sync.Mutex
	live     map[string]*run // by statement id, sub-statement ids included
	active   map[Target]int
	sessions map[string]*session
	open     map[Target]int // open sessions per target
	closed   bool
	// recent holds the final state of statements this process finished
	// lately, so describing or reading one does not go back to the store.
	// A terminal statement never changes, so a copy stays right; it is
	// bounded by recentOrder, oldest evicted first.
	recent      map[string]*Statement
	recentOrder []string
	recentNext  int
	// recentPages holds the result of recent statements whose whole result
	// is one small page, so reading it does not go back to the store
	// either; it is evicted with the statement.
	recentPages map[string][]byte
}

// recentSize bounds the cache of finished statements; cachedPageBytes
// bounds the results cached with them (at most 16 MiB in all).
const (
	recentSize      = 4096
	cachedPageBytes = 4 << 10
)

// run is a top-level statement (single or batch) this process executes.
type run struct {
	st         Statement   // guarded by Engine.mu
	subs       []Statement // a batch's sub-statements, guarded by Engine.mu
	execs      []sqlparams.Rewritten
	format     Format
	autoCreate bool
	password   string
	cancel     context.CancelFunc
	aborted    bool     // CancelStatement was called
	sess       *session // the session it runs in, if any
	waiters    map[string]int
	// pages holds the records of statements (the top-level one or
	// sub-statements) whose whole result is one small page, for
	// recentPages; guarded by Engine.mu.
	pages map[string][]byte
	// finished is set by finish, which only the run's worker calls.
	finished bool
	done     chan struct{}   // closed when the statement is terminal
	subDone  []chan struct{} // closed when each sub-statement is terminal
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
	base, stop := context.WithCancel(context.Background())
	return &Engine{opts: opts, store: store, pages: pages, exec: exec, base: base, stopBase: stop,
		live: map[string]*run{}, active: map[Target]int{}, sessions: map[string]*session{}, open: map[Target]int{},
		recent: map[string]*Statement{}, recentOrder: make([]string, recentSize), recentPages: map[string][]byte{}}
}

// now is the clock's time at the store's (microsecond) precision, so times
// read back from the store compare equal to those held in memory.
func (e *Engine) now() time.Time { return e.opts.Clock.Now().UTC().Truncate(time.Microsecond) }

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
	if req.SessionID != "" {
		e.mu.Lock()
		_, open := e.sessions[req.SessionID]
		e.mu.Unlock()
		if !open {
			return nil, e.sessionError(ctx, req.SessionID, req.Owner)
		}
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

	r := &run{execs: execs, format: req.Format, autoCreate: req.AutoCreate, password: req.Password, done: make(chan struct{}), waiters: map[string]int{}}
	for range subs {
		r.subDone = append(r.subDone, make(chan struct{}))
	}

	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, ErrShuttingDown
	}
	sess, newSession, err := e.claimSession(&st, req)
	if err != nil {
		e.mu.Unlock()
		return nil, err
	}
	for i := range subs {
		subs[i].Owner, subs[i].Target, subs[i].Database = st.Owner, st.Target, st.Database
		subs[i].DbUser, subs[i].SecretArn, subs[i].SessionID = st.DbUser, st.SecretArn, st.SessionID
	}
	if e.active[st.Target] >= e.opts.MaxActive {
		e.releaseSessionClaim(sess, newSession)
		e.mu.Unlock()
		return nil, ErrTooManyActive
	}
	e.active[st.Target]++
	runCtx, cancel := context.WithTimeout(e.base, e.opts.MaxRunTime)
	r.st, r.subs, r.cancel, r.sess = st, subs, cancel, sess
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
	existing, err := e.store.Create(ctx, &full, req.ClientToken, now.Add(-ClientTokenLifetime))
	if err == nil && existing == "" && sess != nil {
		err = e.persistSession(ctx, sess)
	}
	if err != nil || existing != "" {
		e.mu.Lock()
		e.releaseSessionClaim(sess, newSession)
		e.mu.Unlock()
		e.forget(r)
		cancel()
		if err != nil {
			return nil, err
		}
		return e.Get(ctx, existing, Owner{Principal: req.Owner.Principal})
	}
	e.wg.Add(1)
	go e.work(runCtx, r)
	return e.snapshot(r, st.ID), nil
}

// prepare validates the SQL and parameters and rewrites the parameters
// into positional ones.
func prepare(req ExecuteRequest) ([]sqlparams.Rewritten, error) {
	if len(req.SQLs) == 0 {
		return nil, invalid("Sqls must contain at least one statement.")
	}
	if len(req.SQLs) > MaxBatchSQLs {
		return nil, invalid("1 validation error detected: Value at 'sqls' failed to satisfy constraint: Member must have length less than or equal to 40")
	}
	for _, sql := range req.SQLs {
		if strings.TrimSpace(sql) == "" {
			return nil, invalid("Sql must not be empty")
		}
		if len(sql) > MaxSQLBytes {
			return nil, invalid("Cannot process query string larger than 100kB: the SQL is %d bytes, the maximum is %d", len(sql), MaxSQLBytes)
		}
	}
	params := make([]sqlparams.Param, len(req.Params))
	for i, p := range req.Params {
		params[i] = sqlparams.Param{Name: p.Name, Value: p.Value}
	}
	if len(params) > 0 {
		if err := sqlparams.Validate(params); err != nil {
			var perr *sqlparams.Error
			if errors.As(err, &perr) {
				return nil, invalid("%s", perr.Message)
			}
			return nil, err
		}
	}
	execs := make([]sqlparams.Rewritten, len(req.SQLs))
	used := make([][]string, len(req.SQLs))
	for i, sql := range req.SQLs {
		if len(params) == 0 {
			execs[i] = sqlparams.Rewritten{SQL: sql}
			continue
		}
		rw, err := sqlparams.Rewrite(sql, params)
		if err != nil {
			var perr *sqlparams.Error
			if errors.As(err, &perr) {
				return nil, invalid("%s", perr.Message)
			}
			return nil, err
		}
		execs[i], used[i] = rw, rw.Used
	}
	if len(params) > 0 {
		if unused := sqlparams.Unused(params, used...); len(unused) > 0 {
			return nil, invalid("%s", sqlparams.UnusedMessage(unused))
		}
	}
	return execs, nil
}

func (e *Engine) forget(r *run) {
	e.mu.Lock()
	if r.st.Status.Terminal() {
		e.remember(r.copyOf(r.st.ID), r.pages[r.st.ID])
		for _, sub := range r.subs {
			e.remember(r.copyOf(sub.ID), r.pages[sub.ID])
		}
	}
	delete(e.live, r.st.ID)
	for _, sub := range r.subs {
		delete(e.live, sub.ID)
	}
	e.active[r.st.Target]--
	e.mu.Unlock()
}

// remember caches a finished statement and, when not nil, its one-page
// result, evicting the oldest; e.mu is held.
func (e *Engine) remember(st *Statement, page []byte) {
	if old := e.recentOrder[e.recentNext]; old != "" {
		delete(e.recent, old)
		delete(e.recentPages, old)
	}
	e.recentOrder[e.recentNext] = st.ID
	e.recentNext = (e.recentNext + 1) % len(e.recentOrder)
	e.recent[st.ID] = st
	if page != nil {
		e.recentPages[st.ID] = page
	}
}

// snapshot copies the live state of statement id (the run's or one of its
// sub-statements) under the lock.
func (e *Engine) snapshot(r *run, id string) *Statement {
	e.mu.Lock()
	defer e.mu.Unlock()
	return r.copyOf(id)
}

func (r *run) copyOf(id string) *Statement {
	if id != r.st.ID {
		for i := range r.subs {
			if r.subs[i].ID == id {
				sub := r.subs[i]
				return &sub
			}
		}
		return nil
	}
	st := r.st
	if len(r.subs) > 0 {
		st.Subs = make([]*Statement, len(r.subs))
		for i := range r.subs {
			sub := r.subs[i]
			st.Subs[i] = &sub
		}
	}
	return &st
}

// update persists a change to one statement of a run (the top-level one or
// a sub-statement), with its result's last page when last is not nil, then
// publishes it. Persisting first means that what a reader is shown has
// survived: a statement seen FINISHED keeps its result across a crash. (The
// top-level statement's STARTED is the one state shown before it is
// stored; see persistLater.) Only the run's worker calls it.
func (e *Engine) update(ctx context.Context, r *run, id string, last *results.LastPage, change func(st *Statement)) error {
	e.mu.Lock()
	target := &r.st
	for i := range r.subs {
		if r.subs[i].ID == id {
			target = &r.subs[i]
		}
	}
	next := *target
	e.mu.Unlock()
	change(&next)
	next.UpdatedAt = e.now()
	next.Subs = nil
	if err := e.store.Update(ctx, &next, last); err != nil {
		return err
	}
	e.mu.Lock()
	*target = next
	if last != nil && last.N == 0 && next.Pages == 1 && len(last.Records) <= cachedPageBytes {
		if r.pages == nil {
			r.pages = map[string][]byte{}
		}
		r.pages[id] = last.Records
	}
	e.mu.Unlock()
	return nil
}

// step is an update whose store failure is logged rather than fatal: the
// final state is written again when the statement ends.
func (e *Engine) step(r *run, id string, last *results.LastPage, change func(st *Statement)) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.update(ctx, r, id, last, change); err != nil {
		e.opts.Logger.Error("persisting statement state failed", "id", id, "err", err)
	}
}

// startedWriteDelay is how long a statement runs before its STARTED state
// is written to the store. Until then only this process knows it (List
// reads live state over the store's), and a crash fails it either way.
const startedWriteDelay = 100 * time.Millisecond

// persistLater writes run r's top-level state to the store if the run is
// still going after startedWriteDelay. The returned stop must be called
// before the run's final state is written: it cancels the write, or waits
// for one already under way, so the final write always comes last; it
// may be called more than once.
func (e *Engine) persistLater(r *run) (stop func()) {
	wrote := make(chan struct{})
	t := time.AfterFunc(startedWriteDelay, func() {
		defer close(wrote)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		e.mu.Lock()
		st := r.st
		e.mu.Unlock()
		st.Subs = nil
		if err := e.store.Update(ctx, &st, nil); err != nil {
			e.opts.Logger.Error("persisting statement state failed", "id", st.ID, "err", err)
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			if !t.Stop() {
				<-wrote
			}
		})
	}
}

// sink adapts a results.Writer to the Executor's RowSink.
type sink struct {
	w    *results.Writer
	cols []results.Column
	csv  bool
	// header is set between SetColumns and a CSV result's first record,
	// its header line, which is not a row.
	header bool
}

func (s *sink) Reset(ctx context.Context) error { s.cols = nil; return s.w.Reset(ctx) }

func (s *sink) SetColumns(cols []results.Column) error {
	s.cols, s.header = cols, s.csv
	return nil
}

func (s *sink) AddRecord(ctx context.Context, rec []byte) error {
	if s.header {
		s.header = false
		return s.w.AddHeader(ctx, rec)
	}
	return s.w.Add(ctx, rec)
}

// outcome is how one SQL text ended.
type outcome struct {
	pid     int64
	status  Status
	message string
	res     RunResult
	sum     results.Summary
	cols    []results.Column
	// last is the result's last page, stored with the final state.
	last *results.LastPage
}

func (e *Engine) work(ctx context.Context, r *run) {
	defer e.wg.Done()
	defer r.cancel()
	id := r.st.ID
	var conn Conn
	stopPersisting := func() {}
	// A bug in one statement's run must not take the server down with it:
	// the statement ends FAILED, its connection is closed, the panic logged.
	defer func() {
		if p := recover(); p != nil {
			e.opts.Logger.Error("statement worker panicked", "id", id, "panic", p)
			if conn != nil && r.sess == nil {
				conn.Release(false)
			}
			stopPersisting()
			e.finish(r, outcome{status: Failed, message: "ERROR: internal error while running the statement"})
		}
	}()
	// PICKED and STARTED are shown at once but written to the store only
	// when the statement is still running startedWriteDelay later (see
	// persistLater): a short statement costs two store writes, its
	// submission and its end, both of which a caller waits for.
	e.mu.Lock()
	r.st.Status, r.st.UpdatedAt = Picked, e.now()
	e.mu.Unlock()

	conn, err := e.connect(ctx, r)
	var final outcome
	if err != nil {
		final = e.judge(ctx, r, err)
	} else {
		pid := conn.PID()
		e.mu.Lock()
		r.st.Status, r.st.RedshiftPid, r.st.StartedAt = Started, pid, e.now()
		r.st.UpdatedAt = r.st.StartedAt
		e.mu.Unlock()
		stopPersisting = e.persistLater(r)
		if r.st.Batch {
			final = e.runBatch(ctx, r, conn)
		} else {
			final = e.runOne(ctx, r, conn, id, r.execs[0])
		}
		stopPersisting()
		// A connection found dead on first use is replaced inside Run.
		final.pid = conn.PID()
	}

	e.finish(r, final)
	// Resetting the connection for its next user is not the caller's wait.
	if conn != nil {
		e.releaseConn(r, conn)
	}
}

// finish records a run's final state, releases its session and wakes its
// waiters.
func (e *Engine) finish(r *run, final outcome) {
	if r.finished {
		return
	}
	r.finished = true
	id := r.st.ID
	fin, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := e.now()
	err := e.update(fin, r, id, final.last, func(st *Statement) {
		st.Status, st.Error, st.EndedAt = final.status, final.message, now
		if st.StartedAt.IsZero() {
			st.StartedAt = now
		}
		if final.pid != 0 {
			st.RedshiftPid = final.pid
		}
		if st.Batch {
			// AWS reports no counts and no query id for a batch parent.
			st.RedshiftQueryID, st.ResultRows, st.ResultSize = 0, -1, -1
			st.HasResultSet = false
			for _, sub := range r.subs {
				st.HasResultSet = st.HasResultSet || sub.HasResultSet
			}
			return
		}
		applyOutcome(st, final)
	})
	if err != nil {
		e.opts.Logger.Error("persisting final statement state failed", "id", id, "err", err)
	} else if r.st.WithEvent && e.opts.OnEvent != nil {
		e.opts.OnEvent()
	}
	e.finishSession(r)
	e.forget(r)
	close(r.done)
}

func applyOutcome(st *Statement, o outcome) {
	if o.status != Finished {
		return
	}
	st.HasResultSet = o.res.HasResultSet
	if o.res.HasResultSet {
		st.ResultRows, st.ResultSize, st.Pages, st.Columns = o.sum.Rows, o.sum.Bytes, o.sum.Pages, o.cols
	} else {
		st.ResultRows, st.ResultSize = o.res.RowsAffected, 0
	}
}

// runOne runs one SQL text on conn, streaming its result into pages stored
// under id.
func (e *Engine) runOne(ctx context.Context, r *run, conn Conn, id string, x sqlparams.Rewritten) outcome {
	snk := &sink{w: results.NewWriter(e.pages, id, e.limitsFor(r.format)), csv: r.format == FormatCSV}
	var params []string
	if len(x.Used) > 0 {
		params = x.Values
		if params == nil {
			params = []string{}
		}
	}
	res, err := conn.Run(ctx, x.SQL, params, r.format, snk)
	// Close always: it waits for the page write in flight, which must not
	// land after the pages are deleted below.
	sum, last, werr := snk.w.Close()
	if err == nil {
		err = werr
	}
	if err != nil {
		o := e.judge(ctx, r, err)
		fin, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if derr := e.pages.DeletePages(fin, id); derr != nil {
			e.opts.Logger.Error("deleting result pages failed", "id", id, "err", derr)
		}
		cancel()
		return o
	}
	return outcome{status: Finished, res: res, sum: sum, cols: snk.cols, last: last}
}

// limitsFor cuts CSV pages below the page size: a GetStatementResultV2
// chunk is at most 1 MB.
func (e *Engine) limitsFor(f Format) results.Limits {
	lim := e.opts.Limits
	lim.StrictPages, lim.Separator = f == FormatCSV, ","
	if f == FormatCSV {
		lim.Separator = ""
	}
	return lim
}

// runBatch runs a batch's statements in order: in one transaction (all or
// nothing) or each committed on its own.
func (e *Engine) runBatch(ctx context.Context, r *run, conn Conn) outcome {
	tx := r.st.ExecutionMode == ModeTransaction && !conn.InTransaction()
	if tx {
		if _, err := conn.Run(ctx, "BEGIN", nil, FormatJSON, discard{}); err != nil {
			return e.judge(ctx, r, err)
		}
	}
	final := outcome{status: Finished}
	for i, sub := range r.subs {
		if final.status != Finished && tx {
			e.endSub(r, i, outcome{status: Aborted, message: notRunMessage}, e.now())
			continue
		}
		if ctx.Err() != nil {
			o := e.judge(ctx, r, ctx.Err())
			e.endSub(r, i, o, e.now())
			final = o
			continue
		}
		start := e.now()
		e.step(r, sub.ID, nil, func(st *Statement) { st.Status, st.StartedAt, st.RedshiftPid = Started, start, conn.PID() })
		o := e.runOne(ctx, r, conn, sub.ID, r.execs[i])
		e.endSub(r, i, o, e.now())
		if o.status != Finished && final.status == Finished {
			final = outcome{status: o.status, message: o.message}
		}
	}
	if tx {
		end := "COMMIT"
		if final.status != Finished {
			end = "ROLLBACK"
		}
		// The transaction ends even when the statement was cancelled.
		fin, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := conn.Run(fin, end, nil, FormatJSON, discard{})
		cancel()
		if err != nil && final.status == Finished {
			final = e.judge(ctx, r, err)
		}
	}
	return final
}

func (e *Engine) endSub(r *run, i int, o outcome, now time.Time) {
	id := r.subs[i].ID
	e.step(r, id, o.last, func(st *Statement) {
		st.Status, st.Error, st.EndedAt = o.status, o.message, now
		if st.StartedAt.IsZero() {
			st.StartedAt = now
		}
		applyOutcome(st, o)
	})
	close(r.subDone[i])
}

// discard is a sink for the engine's own commands.
type discard struct{}

func (discard) Reset(context.Context) error             { return nil }
func (discard) SetColumns([]results.Column) error       { return nil }
func (discard) AddRecord(context.Context, []byte) error { return nil }

// judge decides the status and public error text of a run that failed.
func (e *Engine) judge(ctx context.Context, r *run, err error) outcome {
	e.mu.Lock()
	aborted := r.aborted
	e.mu.Unlock()
	var dbErr *DatabaseError
	var limErr *results.LimitError
	switch {
	case aborted:
		return outcome{status: Aborted, message: "ERROR: Query cancelled on user's request"}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return outcome{status: Failed, message: "ERROR: Query exceeded the maximum run time of " + e.opts.MaxRunTime.String() + " and was cancelled"}
	case errors.Is(e.base.Err(), context.Canceled):
		return outcome{status: Failed, message: interruptedMessage}
	case errors.As(err, &limErr):
		return outcome{status: Failed, message: limErr.Error()}
	case errors.As(err, &dbErr):
		return outcome{status: Failed, message: dbErr.Message}
	default:
		e.opts.Logger.Error("statement failed outside the database", "err", err)
		return outcome{status: Failed, message: "ERROR: " + err.Error()}
	}
}

// Get returns a statement (or sub-statement) the owner may see, live state
// first.
func (e *Engine) Get(ctx context.Context, id string, owner Owner) (*Statement, error) {
	var st *Statement
	e.mu.Lock()
	if r, ok := e.live[id]; ok {
		st = r.copyOf(id)
	} else if cached, ok := e.recent[id]; ok {
		copied := *cached
		st = &copied
	}
	e.mu.Unlock()
	if st == nil {
		var err error
		if st, err = e.store.Get(ctx, id); err != nil {
			return nil, err
		}
	}
	if !visible(st, owner) {
		return nil, ErrNotFound
	}
	if now := e.opts.Clock.Now(); now.After(st.ExpiresAt) {
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
	r, ok := e.live[id]
	if !ok {
		e.mu.Unlock()
		return nil
	}
	if r.waiters[id] >= e.opts.MaxWaiters {
		e.mu.Unlock()
		return ErrTooManyWaiters
	}
	r.waiters[id]++
	done := r.done
	if id != r.st.ID {
		for i := range r.subs {
			if r.subs[i].ID == id {
				done = r.subDone[i]
			}
		}
	}
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		r.waiters[id]--
		e.mu.Unlock()
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
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
	if st.Status != Finished || !st.HasResultSet || st.Batch {
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
	e.mu.Lock()
	p.Records = e.recentPages[id]
	e.mu.Unlock()
	if p.Records == nil {
		if p.Records, err = results.ReadPage(ctx, e.pages, id, n); err != nil {
			return nil, err
		}
	}
	if n+1 < st.Pages {
		p.NextToken = results.NextToken(e.opts.Tokens, id, n+1)
	}
	return p, nil
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

// ListRequest filters ListStatements.
type ListRequest struct {
	Owner      Owner
	Status     string // a Status, "ALL", or "" (FINISHED, as AWS documents)
	NamePrefix string
	Target     Target
	Database   string
	MaxResults int
	NextToken  string
}

// List returns statements newest first and a token for the next page.
func (e *Engine) List(ctx context.Context, req ListRequest) ([]*Statement, string, error) {
	q := ListQuery{Principal: req.Owner.Principal, UserID: req.Owner.UserID, NamePrefix: req.NamePrefix,
		Target: req.Target, Database: req.Database,
		CreatedAfter: e.now().Add(-e.opts.Retention)}
	want := Status(req.Status)
	switch req.Status {
	case "ALL":
	case "":
		want = Finished
		q.Statuses = []Status{Finished}
	default:
		q.Statuses = []Status{want}
		if !want.Terminal() {
			// The store may still say SUBMITTED of a statement this
			// process shows as PICKED or STARTED (see work): ask for
			// every unfinished one and filter on the live status below.
			q.Statuses = []Status{Submitted, Picked, Started}
		}
	}
	w, err := newWindow(e.opts.Tokens, "statement/ListStatements", req.MaxResults, req.NextToken)
	if err != nil {
		return nil, "", err
	}
	q.After, q.Limit = w.after, w.fetch()
	list, err := e.store.List(ctx, q)
	if err != nil {
		return nil, "", err
	}
	// The page and its token are cut before filtering, so a page may
	// hold fewer than MaxResults statements and still have a NextToken.
	list, next := cut(w, list, func(s *Statement) Cursor { return Cursor{CreatedAt: s.CreatedAt, ID: s.ID} })
	kept := list[:0]
	e.mu.Lock()
	for _, st := range list {
		if r, ok := e.live[st.ID]; ok {
			st.Status, st.UpdatedAt, st.StartedAt, st.RedshiftPid = r.st.Status, r.st.UpdatedAt, r.st.StartedAt, r.st.RedshiftPid
		}
		if req.Status == "ALL" || st.Status == want {
			kept = append(kept, st)
		}
	}
	e.mu.Unlock()
	return kept, next, nil
}

// window is one page of a newest-first listing: at most limit items after
// the position a NextToken names. Its tokens are minted for one listing
// (kind), so one listing's token is refused by another.
type window struct {
	limit  int
	after  *Cursor
	tokens *pagetoken.Codec
	kind   string
}

func newWindow(tokens *pagetoken.Codec, kind string, maxResults int, token string) (window, error) {
	w := window{limit: maxResults, tokens: tokens, kind: kind}
	if w.limit <= 0 || w.limit > MaxListResults {
		w.limit = MaxListResults
	}
	if token != "" {
		c, ok := w.decodeCursor(token)
		if !ok {
			return w, ErrBadToken
		}
		w.after = c
	}
	return w, nil
}

// fetch is how many items to ask the store for: one more than the page,
// to learn whether another page follows.
func (w window) fetch() int { return w.limit + 1 }

// cut trims a fetched list to the page and returns the NextToken ("" on
// the last page).
func cut[T any](w window, list []T, key func(T) Cursor) ([]T, string) {
	if len(list) <= w.limit {
		return list, ""
	}
	list = list[:w.limit]
	return list, w.encodeCursor(key(list[w.limit-1]))
}

func (w window) encodeCursor(c Cursor) string {
	return w.tokens.Encode(w.kind, strconv.FormatInt(c.CreatedAt.UnixMicro(), 10)+":"+c.ID)
}

func (w window) decodeCursor(tok string) (*Cursor, bool) {
	payload, ok := w.tokens.Decode(w.kind, tok)
	if !ok {
		return nil, false
	}
	us, id, ok := strings.Cut(payload, ":")
	if !ok {
		return nil, false
	}
	n, err := strconv.ParseInt(us, 10, 64)
	if err != nil {
		return nil, false
	}
	return &Cursor{CreatedAt: time.UnixMicro(n).UTC(), ID: id}, true
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

// Close stops accepting statements, cancels those running (they end
// FAILED as interrupted), closes sessions and waits, bounded by ctx.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.stopBase()
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	e.closeAllSessions()
	return nil
}
