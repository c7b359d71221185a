package statement

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rsdata/rsdata/internal/ids"
	"github.com/rsdata/rsdata/internal/results"
)

// Limits AWS documents for the Data API.
const (
	MaxSQLBytes        = 100 * 1024
	DefaultMaxActive   = 500
	DefaultMaxRunTime  = 24 * time.Hour
	DefaultRetention   = 24 * time.Hour
	MaxListResults     = 100
	interruptedMessage = "ERROR: The statement was interrupted because rsdata stopped before it finished. Run it again."
)

// Options configures an Engine. Zero values take AWS's defaults.
type Options struct {
	// Instance names this process in the store; statements it leaves
	// unfinished are failed by Recover on its next start.
	Instance string
	// MaxActive bounds SUBMITTED, PICKED and STARTED statements per target.
	MaxActive int
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
}

// Engine runs statements and answers questions about them.
type Engine struct {
	opts  Options
	store Store
	pages results.PageStore
	exec  Executor

	base     context.Context
	stopBase context.CancelFunc
	wg       sync.WaitGroup

	mu     sync.Mutex
	live   map[string]*run
	active map[Target]int
	closed bool
}

// run is a statement this process is executing.
type run struct {
	st      Statement // guarded by Engine.mu
	cancel  context.CancelFunc
	aborted bool // CancelStatement was called
	done    chan struct{}
}

// New returns an Engine. Call Recover before serving and Close at shutdown.
func New(opts Options, store Store, pages results.PageStore, exec Executor) *Engine {
	if opts.MaxActive <= 0 {
		opts.MaxActive = DefaultMaxActive
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
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Instance == "" {
		opts.Instance = "local"
	}
	base, stop := context.WithCancel(context.Background())
	return &Engine{opts: opts, store: store, pages: pages, exec: exec, base: base, stopBase: stop,
		live: map[string]*run{}, active: map[Target]int{}}
}

// now is the clock's time at the store's (microsecond) precision, so times
// read back from the store compare equal to those held in memory.
func (e *Engine) now() time.Time { return e.opts.Clock.Now().UTC().Truncate(time.Microsecond) }

// Recover fails the statements an earlier run of this instance left
// unfinished (after a crash or kill), so none stays SUBMITTED or STARTED.
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

// ExecuteRequest asks for one SQL statement to run.
type ExecuteRequest struct {
	Owner        Owner
	Target       Target
	Database     string
	DbUser       string
	SecretArn    string
	SQL          string
	Name         string
	ResultFormat string
}

// Execute validates and submits a statement and returns it as submitted.
// The statement runs on the engine's own context, not ctx: it outlives the
// request that submitted it.
func (e *Engine) Execute(ctx context.Context, req ExecuteRequest) (*Statement, error) {
	if strings.TrimSpace(req.SQL) == "" {
		return nil, invalid("Sql must not be empty")
	}
	if len(req.SQL) > MaxSQLBytes {
		return nil, invalid("Cannot process query string larger than 100kB: the SQL is %d bytes, the maximum is %d", len(req.SQL), MaxSQLBytes)
	}
	if req.ResultFormat == "" {
		req.ResultFormat = "JSON"
	}
	now := e.now()
	st := Statement{
		ID: ids.UUID(), Owner: req.Owner, Target: req.Target, Database: req.Database,
		DbUser: req.DbUser, SecretArn: req.SecretArn, Name: req.Name, SQL: req.SQL,
		Status: Submitted, CreatedAt: now, UpdatedAt: now, ResultRows: -1, ResultSize: -1,
		ResultFormat: req.ResultFormat, ExpiresAt: now.Add(e.opts.Retention), Instance: e.opts.Instance,
	}

	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, ErrShuttingDown
	}
	if e.active[req.Target] >= e.opts.MaxActive {
		e.mu.Unlock()
		return nil, ErrTooManyActive
	}
	e.active[req.Target]++
	runCtx, cancel := context.WithTimeout(e.base, e.opts.MaxRunTime)
	r := &run{st: st, cancel: cancel, done: make(chan struct{})}
	e.live[st.ID] = r
	e.mu.Unlock()

	if err := e.store.Create(ctx, &st); err != nil {
		e.forget(r)
		cancel()
		return nil, err
	}
	e.wg.Add(1)
	go e.work(runCtx, r)
	return &st, nil
}

func (e *Engine) forget(r *run) {
	e.mu.Lock()
	delete(e.live, r.st.ID)
	e.active[r.st.Target]--
	e.mu.Unlock()
	close(r.done)
}

// transition persists a change to the live statement, then publishes it.
// Persisting first means nothing a reader sees in memory is ahead of the
// store, so status-filtered listings (read from the store) agree with
// DescribeStatement (read from memory). Only the run's worker calls it.
func (e *Engine) transition(ctx context.Context, r *run, change func(st *Statement)) error {
	e.mu.Lock()
	next := r.st
	e.mu.Unlock()
	change(&next)
	next.UpdatedAt = e.now()
	if err := e.store.Update(ctx, &next); err != nil {
		return err
	}
	e.mu.Lock()
	r.st = next
	e.mu.Unlock()
	return nil
}

// step is a transition whose store failure is logged rather than fatal:
// the final state is written again when the statement ends.
func (e *Engine) step(r *run, change func(st *Statement)) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.transition(ctx, r, change); err != nil {
		e.opts.Logger.Error("persisting statement state failed", "id", r.st.ID, "err", err)
	}
}

// sink adapts a results.Writer to the Executor's RowSink.
type sink struct {
	w    *results.Writer
	cols []results.Column
}

func (s *sink) Reset(ctx context.Context) error                 { s.cols = nil; return s.w.Reset(ctx) }
func (s *sink) SetColumns(cols []results.Column) error          { s.cols = cols; return nil }
func (s *sink) AddRecord(ctx context.Context, rec []byte) error { return s.w.Add(ctx, rec) }

func (e *Engine) work(ctx context.Context, r *run) {
	defer e.wg.Done()
	defer r.cancel()
	e.step(r, func(st *Statement) { st.Status = Picked })

	id := r.st.ID
	snk := &sink{w: results.NewWriter(e.pages, id, e.opts.Limits)}
	res, err := e.exec.Run(ctx, RunRequest{
		Target: r.st.Target, Database: r.st.Database, DbUser: r.st.DbUser,
		SecretArn: r.st.SecretArn, SQL: r.st.SQL,
		OnStart: func(pid int64) {
			e.step(r, func(st *Statement) {
				st.Status, st.RedshiftPid, st.StartedAt = Started, pid, e.now()
			})
		},
	}, snk)
	var sum results.Summary
	if err == nil {
		sum, err = snk.w.Close(ctx)
	}

	// The final write uses a fresh context: the run's may be cancelled.
	fin, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e.mu.Lock()
	aborted := r.aborted
	e.mu.Unlock()
	now := e.now()
	status, msg := e.outcome(ctx, err, aborted)
	if status != Finished {
		if derr := e.pages.DeletePages(fin, id); derr != nil {
			e.opts.Logger.Error("deleting result pages failed", "id", id, "err", derr)
		}
	}
	err = e.transition(fin, r, func(st *Statement) {
		st.Status, st.Error, st.EndedAt = status, msg, now
		if st.StartedAt.IsZero() {
			st.StartedAt = now
		}
		if status == Finished {
			st.HasResultSet = res.HasResultSet
			if res.HasResultSet {
				st.ResultRows, st.ResultSize, st.Pages, st.Columns = sum.Rows, sum.Bytes, sum.Pages, snk.cols
			} else {
				st.ResultRows, st.ResultSize = res.RowsAffected, 0
			}
		}
	})
	if err != nil {
		e.opts.Logger.Error("persisting final statement state failed", "id", id, "err", err)
	}
	e.forget(r)
}

// outcome decides the final status and public error text of a run.
func (e *Engine) outcome(ctx context.Context, err error, aborted bool) (Status, string) {
	if err == nil {
		return Finished, ""
	}
	var dbErr *DatabaseError
	var limErr *results.LimitError
	switch {
	case aborted:
		return Aborted, "ERROR: Query cancelled on user's request"
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return Failed, "ERROR: Query exceeded the maximum run time of " + e.opts.MaxRunTime.String() + " and was cancelled"
	case errors.Is(e.base.Err(), context.Canceled):
		return Failed, interruptedMessage
	case errors.As(err, &limErr):
		return Failed, limErr.Error()
	case errors.As(err, &dbErr):
		return Failed, dbErr.Message
	default:
		e.opts.Logger.Error("statement failed outside the database", "err", err)
		return Failed, "ERROR: " + err.Error()
	}
}

// Get returns a statement the owner may see, live state first.
func (e *Engine) Get(ctx context.Context, id string, owner Owner) (*Statement, error) {
	var st *Statement
	e.mu.Lock()
	if r, ok := e.live[id]; ok {
		snap := r.st
		st = &snap
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
	if now := e.now(); now.After(st.ExpiresAt) {
		return nil, &ExpiredError{At: st.ExpiresAt}
	}
	return st, nil
}

func visible(st *Statement, owner Owner) bool {
	return st.Owner.Principal == owner.Principal && (owner.UserID == "" || st.Owner.UserID == owner.UserID)
}

// Page is one page of a finished statement's result.
type Page struct {
	Statement *Statement
	// Records holds the page's encoded records, comma-separated.
	Records []byte
	// NextToken is "" on the last page.
	NextToken string
}

// Result returns the page named by token ("" for the first).
func (e *Engine) Result(ctx context.Context, id string, owner Owner, token string) (*Page, error) {
	st, err := e.Get(ctx, id, owner)
	if err != nil {
		return nil, err
	}
	if st.Status != Finished || !st.HasResultSet {
		return nil, ErrNoResult
	}
	n := 0
	if token != "" {
		var ok bool
		if n, ok = results.DecodeToken(token, id); !ok || n >= st.Pages {
			return nil, ErrBadToken
		}
	}
	p := &Page{Statement: st}
	if st.Pages == 0 {
		return p, nil
	}
	if p.Records, err = results.ReadPage(ctx, e.pages, id, n); err != nil {
		return nil, err
	}
	if n+1 < st.Pages {
		p.NextToken = results.NextToken(id, n+1)
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
	if ok && !r.st.Status.Terminal() {
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
	switch req.Status {
	case "ALL":
	case "":
		q.Statuses = []Status{Finished}
	default:
		q.Statuses = []Status{Status(req.Status)}
	}
	limit := req.MaxResults
	if limit <= 0 || limit > MaxListResults {
		limit = MaxListResults
	}
	q.Limit = limit + 1
	if req.NextToken != "" {
		c, ok := decodeCursor(req.NextToken)
		if !ok {
			return nil, "", ErrBadToken
		}
		q.After = c
	}
	list, err := e.store.List(ctx, q)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		next = encodeCursor(Cursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	// The store's copy may lag the live one by a transition.
	e.mu.Lock()
	for i, st := range list {
		if r, ok := e.live[st.ID]; ok {
			snap := r.st
			list[i] = &snap
		}
	}
	e.mu.Unlock()
	return list, next, nil
}

func encodeCursor(c Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte("l1:" + strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + ":" + c.ID))
}

func decodeCursor(tok string) (*Cursor, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return nil, false
	}
	parts := strings.SplitN(string(raw), ":", 3)
	if len(parts) != 3 || parts[0] != "l1" {
		return nil, false
	}
	us, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return nil, false
	}
	return &Cursor{CreatedAt: time.UnixMicro(us), ID: parts[2]}, true
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
// FAILED as interrupted) and waits for them, bounded by ctx.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.stopBase()
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
