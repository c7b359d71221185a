package pgexec

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/statement"
)

// installLockKey is the advisory lock that serialises installers of the
// Redshift schema in one database, across rsdata processes.
const installLockKey = 0x7273_6461_7461_0001 // "rsdata" 1

// installKey names one database of one engine.
type installKey struct {
	kind     engines.Kind
	name, db string
}

// installState is what the Executor knows of one database's schema.
type installState struct {
	mu   sync.Mutex // held while installing
	done bool       // installed at dialect.InstallVersion, or tried and failed
	// ok is set once the schema is installed; then ids hands out query ids.
	ok  atomic.Bool
	ids queryIDs
}

// queryBlock is how many query ids one block of rsdata_redshift.query_blocks
// holds: block b is the ids b*queryBlock+1 to (b+1)*queryBlock.
const queryBlock = 1000

// queryIDs hands out the ids of the block this process holds, and takes
// the database's next block when it is used up.
type queryIDs struct {
	mu   sync.Mutex
	next int64 // the next id; none held when next == end
	end  int64 // the block's last id + 1
}

// take returns the next id, 0 when a new block could not be had.
func (q *queryIDs) take(nextBlock func() (int64, error)) int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.next == q.end {
		b, err := nextBlock()
		if err != nil {
			return 0
		}
		q.hold(b)
	}
	id := q.next
	q.next++
	return id
}

// hold makes block b the one ids are handed out from; q.mu is held or q
// not yet shared.
func (q *queryIDs) hold(b int64) {
	q.next, q.end = b*queryBlock+1, (b+1)*queryBlock+1
}

// nextQueryBlock takes the database's next block of query ids.
func nextQueryBlock(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int64, error) {
	var b int64
	err := q.QueryRow(ctx, "SELECT nextval('rsdata_redshift.query_blocks')").Scan(&b)
	return b, err
}

// ensureInstalled installs dialect.InstallSQL into database db of ep
// through the admin pool catalog, once per database per process, when
// the engine's dialect is Redshift: when rsdata first uses the database,
// and when a statement of rsdata's creates it (installCreated). A failure
// (an external engine whose admin may not create schemas) is logged,
// never the statement's: the statement runs, and only calls of installed
// functions fail, with PostgreSQL's "schema rsdata_redshift does not
// exist".
func (x *Executor) ensureInstalled(ctx context.Context, ep *engines.Endpoint, db string, catalog *pgxpool.Pool) {
	if ep.Dialect == dialect.Postgres {
		return
	}
	st := x.installState(installKey{ep.Kind, ep.Name, db})
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.done {
		return
	}
	block, err := installInPool(ctx, catalog)
	if err != nil {
		if ctx.Err() != nil {
			return // tried again by the next statement
		}
		x.opts.Logger.Warn("installing Redshift functions and views failed; their calls will fail in this database",
			"engine", ep.Name, "database", db, "err", err)
	} else {
		st.ids.hold(block)
		st.ok.Store(true)
	}
	st.done = true
}

// installCreated installs the Redshift schema into the database that sql,
// which succeeded, created (CREATE DATABASE), so that it is there before
// anyone connects to it, through psql as well. Databases created outside
// rsdata get it when rsdata first uses them.
func (x *Executor) installCreated(ctx context.Context, ep *engines.Endpoint, sql string) {
	if ep == nil || ep.Dialect == dialect.Postgres {
		return
	}
	db := dialect.CreatedDatabase(sql)
	if db == "" {
		return
	}
	catalog, err := x.pool(ctx, ep, db, catalogUser(ep))
	if err != nil {
		x.opts.Logger.Warn("installing Redshift functions and views in a new database failed", "engine", ep.Name, "database", db, "err", err)
		return
	}
	x.ensureInstalled(ctx, ep, db, catalog)
}

func (x *Executor) installState(k installKey) *installState {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.installs == nil {
		x.installs = map[installKey]*installState{}
	}
	st, ok := x.installs[k]
	if !ok {
		st = &installState{}
		x.installs[k] = st
	}
	return st
}

func installInPool(ctx context.Context, p *pgxpool.Pool) (block int64, err error) {
	c, err := acquireReady(ctx, p)
	if err != nil {
		return 0, err
	}
	defer c.Release()
	return install(ctx, c.Conn())
}

// install brings the connection's database to dialect.InstallVersion: in
// one transaction, under an advisory lock (concurrent installers, from
// this process or another, wait and then find it done), it runs the script
// unless the recorded version is already the script's. It returns a block
// of query ids for this process (queryIDs).
func install(ctx context.Context, c *pgx.Conn) (block int64, err error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	tx, err := c.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.Background())
		}
	}()
	if _, err = tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(installLockKey)); err != nil {
		return 0, err
	}
	var have *string
	if err = tx.QueryRow(ctx, "SELECT to_regclass('rsdata_redshift.install')::text").Scan(&have); err != nil {
		return 0, err
	}
	current := false
	if have != nil {
		var version string
		err = tx.QueryRow(ctx, "SELECT version FROM rsdata_redshift.install").Scan(&version)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return 0, err
		}
		current = err == nil && version == dialect.InstallVersion
	}
	if !current {
		// Without arguments Exec uses the simple protocol, which takes the
		// script's many statements at once.
		if _, err = tx.Exec(ctx, dialect.InstallSQL); err != nil {
			return 0, fmt.Errorf("running the install script: %w", err)
		}
		if _, err = tx.Exec(ctx, "DELETE FROM rsdata_redshift.install"); err != nil {
			return 0, err
		}
		if _, err = tx.Exec(ctx, "INSERT INTO rsdata_redshift.install (version) VALUES ($1)", dialect.InstallVersion); err != nil {
			return 0, err
		}
	}
	// A block sequence never used yet (just made, in a database whose
	// history an earlier rsdata wrote with ids of its own) starts above
	// the history's ids. Installers take turns under the lock, and each
	// process installs before it takes a block, so nobody has taken one
	// from the sequence before this.
	if _, err = tx.Exec(ctx, `SELECT setval('rsdata_redshift.query_blocks',
		(SELECT coalesce(max(query), 0) FROM rsdata_redshift.query_history) / $1 + 1)
		FROM rsdata_redshift.query_blocks WHERE NOT is_called`, queryBlock); err != nil {
		return 0, err
	}
	if block, err = nextQueryBlock(ctx, tx); err != nil {
		return 0, err
	}
	return block, tx.Commit(ctx)
}

// RecordQuery implements statement.QueryRecorder: in a database where the
// Redshift schema is installed, it hands out the next query id and queues
// the history row for the history writer, which inserts the rows queued
// in each historyDelay in one statement per database through the admin
// pool. So a statement waits for no extra round trip (but one in
// queryBlock, which takes the next block of ids), the row stays even when
// the statement's transaction rolls back (as Redshift's STL_QUERY does),
// and when the queue is full the row is dropped rather than the statement
// slowed. Ids come from blocks of the database's sequence, so the rsdata
// processes sharing an engine never hand out the same one.
func (c *conn) RecordQuery(q statement.QueryRecord) int64 {
	if c.ep == nil || c.ep.Dialect == dialect.Postgres {
		return 0
	}
	c.x.mu.Lock()
	st := c.x.installs[installKey{c.ep.Kind, c.ep.Name, c.db}]
	c.x.mu.Unlock()
	if st == nil || !st.ok.Load() {
		return 0
	}
	id := st.ids.take(func() (int64, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return nextQueryBlock(ctx, c.catalog)
	})
	if id == 0 {
		return 0
	}
	row := historyRow{catalog: c.catalog, engine: c.ep.Name, db: c.db, id: id, statementID: q.StatementID,
		pid: int32(c.PID()), user: c.user, sql: q.SQL, status: string(q.Status), start: q.Start.UTC(), end: q.End.UTC(), rows: q.Rows}
	if q.Error != "" {
		row.err = &q.Error
	}
	c.x.queueHistory(row)
	return id
}

// historyDelay is how often queued history rows are written;
// historyBatch how many rows one insert takes at most; historyQueue how
// many rows may wait.
const (
	historyDelay = 100 * time.Millisecond
	historyBatch = 500
	historyQueue = 8192
)

// historyRow is one row of rsdata_redshift.query_history, queued.
type historyRow struct {
	catalog           *pgxpool.Pool
	engine, db        string
	id                int64
	statementID       string
	pid               int32
	user, sql, status string
	err               *string
	start, end        time.Time
	rows              int64
}

// historyWriter holds queued history rows and the goroutine that writes
// them: it runs while rows come in, wakes every historyDelay (never per
// row, so a statement costs it no context switch), and ends after a quiet
// interval or on Close.
type historyWriter struct {
	mu      sync.Mutex
	pending []historyRow
	running bool
	stop    chan struct{} // closed by Close
	done    chan struct{} // closed when the goroutine ends
	dropped bool
}

// queueHistory queues a row without waiting, starting the writer when it
// is not running.
func (x *Executor) queueHistory(r historyRow) {
	h := &x.history
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.pending) >= historyQueue {
		if !h.dropped {
			h.dropped = true
			x.opts.Logger.Warn("the query history queue is full; rows are dropped", "engine", r.engine, "database", r.db)
		}
		return
	}
	h.pending = append(h.pending, r)
	if !h.running {
		h.running = true
		h.stop, h.done = make(chan struct{}), make(chan struct{})
		go x.writeHistory(h.stop, h.done)
	}
}

// stopHistory writes what is queued and stops the writer.
func (x *Executor) stopHistory() {
	h := &x.history
	h.mu.Lock()
	stop, done, running := h.stop, h.done, h.running
	if running {
		close(stop)
	}
	h.mu.Unlock()
	if running {
		<-done
	}
}

func (x *Executor) writeHistory(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	h := &x.history
	ticker := time.NewTicker(historyDelay)
	defer ticker.Stop()
	for {
		stopping := false
		select {
		case <-ticker.C:
		case <-stop:
			stopping = true
		}
		h.mu.Lock()
		batch := h.pending
		h.pending = nil
		if len(batch) == 0 || stopping {
			// Quiet, or closing: this goroutine ends here; a new row starts
			// another. Closing still writes what it took.
			h.running = false
		}
		h.mu.Unlock()
		for len(batch) > 0 {
			n := min(len(batch), historyBatch)
			x.flushHistory(batch[:n])
			batch = batch[n:]
		}
		h.mu.Lock()
		ended := !h.running || h.stop != stop
		h.mu.Unlock()
		if ended {
			return
		}
	}
}

// insertHistory inserts arrays of rows; the admin login owns the table.
const insertHistory = `INSERT INTO rsdata_redshift.query_history (query, statement_id, pid, user_name, database_name,
  query_text, status, error, start_time, end_time, result_rows, aborted)
SELECT q, s, p, u, current_database(), t, st, e, b, f, r, st = 'ABORTED'
FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[],
  $8::timestamp[], $9::timestamp[], $10::bigint[]) AS x(q, s, p, u, t, st, e, b, f, r)
ON CONFLICT (query) DO NOTHING`

// flushHistory writes a batch, one insert per database.
func (x *Executor) flushHistory(batch []historyRow) {
	byPool := map[*pgxpool.Pool][]historyRow{}
	for _, r := range batch {
		byPool[r.catalog] = append(byPool[r.catalog], r)
	}
	for p, rows := range byPool {
		var (
			ids, counts             []int64
			pids                    []int32
			stmts, users, sqls, sts []string
			errs                    []*string
			starts, ends            []time.Time
		)
		for _, r := range rows {
			ids, stmts, pids, users, sqls = append(ids, r.id), append(stmts, r.statementID), append(pids, r.pid), append(users, r.user), append(sqls, r.sql)
			sts, errs, starts, ends, counts = append(sts, r.status), append(errs, r.err), append(starts, r.start), append(ends, r.end), append(counts, r.rows)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := p.Exec(ctx, insertHistory, ids, stmts, pids, users, sqls, sts, errs, starts, ends, counts)
		cancel()
		if err != nil {
			x.opts.Logger.Warn("writing the query history failed", "engine", rows[0].engine, "database", rows[0].db, "rows", len(rows), "err", err)
		}
	}
}

var _ statement.QueryRecorder = (*conn)(nil)

// EnsureInstalled installs the Redshift schema into database db of ep, as
// the first statement there would: the PostgreSQL endpoint calls it when a
// client has logged in, so psql finds the Redshift functions and views in a
// database the Data API never used. Failures are logged, as
// ensureInstalled's are.
func (x *Executor) EnsureInstalled(ctx context.Context, ep *engines.Endpoint, db string) {
	if ep.Dialect == dialect.Postgres {
		return
	}
	catalog, err := x.pool(ctx, ep, db, catalogUser(ep))
	if err != nil {
		x.opts.Logger.Warn("installing Redshift functions and views failed", "engine", ep.Name, "database", db, "err", err)
		return
	}
	x.ensureInstalled(ctx, ep, db, catalog)
}

// InstallSchema brings the database c is connected to (as an
// administrator) to the Redshift schema of dialect.InstallVersion, as
// EnsureInstalled does once per database; for a PostgreSQL rsdata does not
// reach through an Executor, such as a test's.
func InstallSchema(ctx context.Context, c *pgx.Conn) error {
	_, err := install(ctx, c)
	return err
}
