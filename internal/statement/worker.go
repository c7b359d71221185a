package statement

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/rsdata/rsdata/internal/results"
)

// This file is the run loop: one worker goroutine per top-level statement
// takes it through PICKED and STARTED to FINISHED, FAILED or ABORTED,
// persisting each state before it is shown (except the deferred STARTED
// write, see persistLater).

// run is a top-level statement (single or batch) this process executes.
type run struct {
	st         Statement   // guarded by Engine.mu
	subs       []Statement // a batch's sub-statements, guarded by Engine.mu
	execs      []prepared
	format     Format
	autoCreate bool
	password   string
	cancel     context.CancelFunc
	aborted    bool     // CancelStatement was called
	sess       *session // the session it runs in, if any
	// pages holds the records of statements (the top-level one or
	// sub-statements) whose whole result is one small page, for the
	// recent cache; guarded by Engine.mu.
	pages map[string][]byte
	// finished is set by finish, which only the run's worker calls.
	finished bool
	done     chan struct{}   // closed when the statement is terminal
	subDone  []chan struct{} // closed when each sub-statement is terminal
}

// doneFor returns the channel closed when statement id (the run's or one
// of its sub-statements) is terminal; Engine.mu is held.
func (r *run) doneFor(id string) <-chan struct{} {
	for i := range r.subs {
		if r.subs[i].ID == id {
			return r.subDone[i]
		}
	}
	return r.done
}

// copyOf copies the state of statement id (the run's or one of its
// sub-statements); Engine.mu is held.
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
	if last != nil {
		// The last page is stored with the statement's update.
		e.opts.Observer.Stored(int64(len(last.Records)))
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
	// queryID is the statement's query id in its engine's history.
	queryID int64
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
		// Run may replace a connection that died before the statement was
		// sent, so the backend pid is read after it.
		final.pid = conn.PID()
	}

	e.finish(r, final)
	// Resetting the connection for its next user is not the caller's wait.
	if conn != nil {
		e.releaseConn(r, conn)
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

// finish records a run's final state, releases its session and wakes its
// waiters.
func (e *Engine) finish(r *run, final outcome) {
	if r.finished {
		return
	}
	r.finished = true
	id := r.st.ID
	// The session first: a client that sees the statement end may send the
	// session's next statement at once, and must not find it busy.
	if r.sess != nil {
		e.sessions.release(r.sess)
	}
	fin, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := e.now()
	var ended Statement
	err := e.update(fin, r, id, final.last, func(st *Statement) {
		defer func() { ended = *st }()
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
	} else {
		from := ended.StartedAt
		if from.Equal(now) {
			from = ended.CreatedAt
		}
		e.opts.Observer.Ended(ended.Target, ended.Status, now.Sub(from))
		if r.st.WithEvent && e.opts.OnEvent != nil {
			e.opts.OnEvent()
		}
	}
	e.finished(id)
	e.forget(r)
	close(r.done)
}

func applyOutcome(st *Statement, o outcome) {
	st.RedshiftQueryID = o.queryID
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
func (e *Engine) runOne(ctx context.Context, r *run, conn Conn, id string, x prepared) outcome {
	snk := &sink{w: results.NewWriter(e.pages, id, e.limitsFor(r.format)), csv: r.format == FormatCSV}
	var params []string
	if len(x.Used) > 0 {
		params = x.Values
		if params == nil {
			params = []string{}
		}
	}
	start := e.now()
	var res RunResult
	var err error
	rr, roles := conn.(RoleRunner)
	roles = roles && (x.Role != nil || x.Parts != nil) && rr.RunsRoles()
	split := roles && x.Parts != nil
	switch {
	case roles && x.Role != nil:
		err = rr.RunRole(ctx, x.Role)
	case split:
		res, err = e.runParts(ctx, conn, rr, x.Parts, r.format, snk)
	default:
		res, err = conn.Run(ctx, x.SQL, params, r.format, snk)
	}
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
		o.queryID = e.recordQuery(conn, id, x, start, o, 0)
		return o
	}
	if x.After != "" && !split {
		// Its failure is not the statement's; it is written never to fail.
		if _, err := conn.Run(ctx, x.After, nil, FormatJSON, discard{}); err != nil {
			e.opts.Logger.Warn("statement's follow-up failed", "id", id, "err", err)
		}
	}
	o := outcome{status: Finished, res: res, sum: sum, cols: snk.cols, last: last}
	rows := res.RowsAffected
	if res.HasResultSet {
		rows = sum.Rows
	}
	o.queryID = e.recordQuery(conn, id, x, start, o, rows)
	return o
}

// recordQuery adds an ended statement to its engine's query history when
// the connection keeps one, and returns its query id (0 when none).
func (e *Engine) recordQuery(conn Conn, id string, x prepared, start time.Time, o outcome, rows int64) int64 {
	rec, ok := conn.(QueryRecorder)
	if !ok {
		return 0
	}
	return rec.RecordQuery(QueryRecord{StatementID: id, SQL: x.Text, Status: o.status, Error: o.message,
		Start: start, End: e.now(), Rows: rows})
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
	e.finished(id)
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
