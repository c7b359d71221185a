package events_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/events"
	"github.com/rsdata/rsdata/internal/statement"
	"github.com/rsdata/rsdata/internal/store"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

const (
	account = "123456789012"
	region  = "us-east-1"
	owner   = "arn:aws:iam::123456789012:user/myuser"
	// waitFor bounds every polling wait; the dispatchers under test are
	// configured so that nothing but the behaviour tested could deliver
	// within it.
	waitFor = 10 * time.Second
)

var (
	cluster   = statement.Target{Kind: engines.Cluster, Name: "redshift-cluster-1"}
	workgroup = statement.Target{Kind: engines.Workgroup, Name: "wg-1"}
	t0        = time.Date(2020, 10, 1, 21, 14, 0, 0, time.UTC)
)

// controlDB is a fresh control database; open returns another Store on it,
// as a restarted process would.
type controlDB struct {
	*store.Store
	conn string
}

func newControlDB(t testing.TB) *controlDB {
	t.Helper()
	srv := pgtest.Start(t)
	db := &controlDB{conn: srv.ConnString("postgres", srv.NewDatabase(t))}
	db.Store = db.open(t)
	return db
}

func (db *controlDB) open(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), db.conn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// queue runs a statement to status through the store, which queues its
// event, ending at ended.
func (db *controlDB) queue(t testing.TB, id, name string, target statement.Target, status statement.Status, rows int64, ended time.Time) {
	t.Helper()
	ctx := context.Background()
	st := &statement.Statement{ID: id, Owner: statement.Owner{Principal: owner, UserID: "AIDAEXAMPLE"},
		Target: target, Database: "dev", DbUser: "awsuser", Name: name, SQL: "select 1", WithEvent: true,
		Status: statement.Submitted, CreatedAt: t0, UpdatedAt: t0, ResultRows: -1, ResultSize: -1,
		ResultFormat: "JSON", ExpiresAt: time.Date(2020, 10, 2, 21, 14, 25, 0, time.UTC), Instance: "i1"}
	if _, err := db.Statements().Create(ctx, st, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	st.Status, st.ResultRows, st.UpdatedAt, st.StartedAt, st.EndedAt = status, rows, ended, ended, ended
	if err := db.Statements().Update(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
}

func (db *controlDB) pending(t testing.TB) []events.Pending {
	t.Helper()
	p, err := db.Events().PendingEvents(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (db *controlDB) deliveredAt(t testing.TB, statementID string) time.Time {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db.conn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var at *time.Time
	if err := conn.QueryRow(ctx, `SELECT delivered_at FROM events WHERE statement_id = $1`, statementID).Scan(&at); err != nil {
		t.Fatal(err)
	}
	if at == nil {
		return time.Time{}
	}
	return at.UTC()
}

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// hook is a webhook receiver that records every request and answers with
// the status answer picks.
type hook struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	answer func(n int, body []byte) int // n counts requests from 1
}

func newHook(t testing.TB, answer func(n int, body []byte) int) *hook {
	t.Helper()
	h := &hook{answer: answer}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("webhook got %s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
		}
		h.mu.Lock()
		h.bodies = append(h.bodies, body)
		n := len(h.bodies)
		h.mu.Unlock()
		w.WriteHeader(h.answer(n, body))
	}))
	t.Cleanup(h.Close)
	return h
}

func ok(int, []byte) int { return http.StatusOK }

func (h *hook) got() [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([][]byte(nil), h.bodies...)
}

func (h *hook) sink(t testing.TB) events.Sink {
	t.Helper()
	s, err := events.NewWebhookSink(events.WebhookOptions{URL: h.URL, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// countingOutbox counts the rounds (outbox reads) of a dispatcher and can
// make MarkDelivered fail.
type countingOutbox struct {
	events.Outbox
	fetches  atomic.Int64
	marks    atomic.Int64
	markFail func(n int64) error
}

func (o *countingOutbox) PendingEvents(ctx context.Context, limit int) ([]events.Pending, error) {
	p, err := o.Outbox.PendingEvents(ctx, limit)
	o.fetches.Add(1)
	return p, err
}

func (o *countingOutbox) MarkDelivered(ctx context.Context, ids []int64, at time.Time) error {
	n := o.marks.Add(1)
	if o.markFail != nil {
		if err := o.markFail(n); err != nil {
			return err
		}
	}
	return o.Outbox.MarkDelivered(ctx, ids, at)
}

// start runs d until the test ends, and checks then that Run returned.
// The returned stop does the same earlier.
func start(t testing.TB, d *events.Dispatcher) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(waitFor):
				t.Errorf("Run did not return within %v of its ctx ending", waitFor)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", waitFor, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func lines(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func eventID(t testing.TB, ev []byte) string {
	t.Helper()
	var e struct{ ID string }
	if err := json.Unmarshal(ev, &e); err != nil {
		t.Fatalf("event %s: %v", ev, err)
	}
	return e.ID
}

func TestDispatcherDeliversToEverySink(t *testing.T) {
	db := newControlDB(t)
	db.queue(t, "dd2e1ec9-2ee3-49a0-819f-905fa7d75a4a", "test.testtable", cluster, statement.Finished, 1,
		time.Date(2020, 10, 1, 21, 14, 26, 400000000, time.UTC))
	db.queue(t, "0c2b0d43-6d1c-4bd5-a1e4-7e0f3a3f2a11", "", workgroup, statement.Failed, -1,
		time.Date(2020, 10, 1, 21, 15, 0, 0, time.UTC))
	before := db.pending(t)
	if len(before) != 2 {
		t.Fatalf("queued %d events, want 2", len(before))
	}

	path := filepath.Join(t.TempDir(), "events.jsonl")
	h := newHook(t, ok)
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	d := events.New(events.Options{Account: account, Region: region, Interval: time.Hour, Clock: clock},
		db.Store.Events(), events.NewFileSink(path), h.sink(t))
	start(t, d)
	eventually(t, "events still pending", func() bool { return len(db.pending(t)) == 0 })

	want := []string{
		`{"version":"0","id":"` + events.EventID(before[0]) + `","detail-type":"Redshift Data Statement Status Change",` +
			`"source":"aws.redshift-data","account":"123456789012","time":"2020-10-01T21:14:26Z","region":"us-east-1",` +
			`"resources":["arn:aws:redshift:us-east-1:123456789012:cluster:redshift-cluster-1"],` +
			`"detail":{"principal":"arn:aws:iam::123456789012:user/myuser","statementName":"test.testtable",` +
			`"statementId":"dd2e1ec9-2ee3-49a0-819f-905fa7d75a4a","redshiftQueryId":-1,"state":"FINISHED",` +
			`"rows":1,"expireAt":1601673265}}`,
		`{"version":"0","id":"` + events.EventID(before[1]) + `","detail-type":"Redshift Data Statement Status Change",` +
			`"source":"aws.redshift-data","account":"123456789012","time":"2020-10-01T21:15:00Z","region":"us-east-1",` +
			`"resources":["arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/` + arn.WorkgroupID("123456789012", "wg-1") + `"],` +
			`"detail":{"principal":"arn:aws:iam::123456789012:user/myuser","statementName":"",` +
			`"statementId":"0c2b0d43-6d1c-4bd5-a1e4-7e0f3a3f2a11","redshiftQueryId":-1,"state":"FAILED",` +
			`"rows":-1,"expireAt":1601673265}}`,
	}
	if got := lines(t, path); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("file =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	got := h.got()
	if len(got) != 2 || string(got[0]) != want[0] || string(got[1]) != want[1] {
		t.Fatalf("webhook got\n%s\nwant\n%s", bytes.Join(got, []byte("\n")), strings.Join(want, "\n"))
	}
	if events.EventID(before[0]) == events.EventID(before[1]) {
		t.Fatal("two events share an id")
	}
	for _, p := range before {
		if at := db.deliveredAt(t, p.StatementID); !at.Equal(clock.Now()) {
			t.Errorf("%s delivered_at = %v, want the clock's %v", p.StatementID, at, clock.Now())
		}
	}
}

// A webhook that fails gets the event again after the backoff, byte for
// byte, while the file, which took it the first time, does not get it twice.
func TestFailedWebhookGetsTheSameEventLater(t *testing.T) {
	db := newControlDB(t)
	db.queue(t, "s1", "retry", cluster, statement.Finished, 3, t0)

	path := filepath.Join(t.TempDir(), "events.jsonl")
	h := newHook(t, func(n int, _ []byte) int {
		if n == 1 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	clock := &fakeClock{now: t0}
	out := &countingOutbox{Outbox: db.Store.Events()}
	obs := &countingObserver{}
	// Only the fake clock, moved by the test, makes the retry due.
	d := events.New(events.Options{Account: account, Region: region, Interval: 24 * time.Hour,
		MinBackoff: time.Hour, MaxBackoff: 4 * time.Hour, Clock: clock, Observer: obs}, out, events.NewFileSink(path), h.sink(t))
	start(t, d)

	eventually(t, "no delivery attempt to the webhook", func() bool { return len(h.got()) == 1 })
	eventually(t, "the file did not get the event", func() bool { return len(lines(t, path)) == 1 })
	if p := db.pending(t); len(p) != 1 {
		t.Fatalf("pending after the failure = %+v, want the event", p)
	}
	// The health report names the failing sink and its error.
	eventually(t, "Sinks did not report the webhook's failure", func() bool {
		st := d.Sinks()
		return len(st) == 2 && st[1].Failures == 1 && strings.Contains(st[1].LastError, "500") && st[0].Failures == 0
	})

	// Waking it before the backoff ends retries nothing.
	rounds(t, d, out)
	if len(h.got()) != 1 || len(db.pending(t)) != 1 {
		t.Fatalf("retried before the backoff ended: webhook got %d requests", len(h.got()))
	}

	// The sink is due after 1h, the event 1h later still.
	clock.Advance(2*time.Hour + time.Second)
	d.Notify()
	eventually(t, "the event was not delivered after the backoff", func() bool { return len(db.pending(t)) == 0 })
	got := h.got()
	if len(got) != 2 || !bytes.Equal(got[0], got[1]) {
		t.Fatalf("webhook got %q, want the same event twice", got)
	}
	file := lines(t, path)
	if len(file) != 1 || file[0] != string(got[0]) {
		t.Fatalf("file = %q, want the event once", file)
	}
	if st := d.Sinks(); st[1].Failures != 0 || st[1].LastError == "" {
		t.Errorf("after recovery Sinks = %+v, want no failures and the last error kept", st)
	}
	if got := obs.counts(); got != [3]int{2, 1, 1} {
		t.Errorf("observer saw delivered, retried, failed = %v, want [2 1 1]", got)
	}
}

type countingObserver struct {
	mu                         sync.Mutex
	delivered, retried, failed int
}

func (o *countingObserver) Delivered(_ string, n, retried int) {
	o.mu.Lock()
	o.delivered += n
	o.retried += retried
	o.mu.Unlock()
}

func (o *countingObserver) Failed(_ string, n int) {
	o.mu.Lock()
	o.failed += n
	o.mu.Unlock()
}

func (o *countingObserver) counts() [3]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return [3]int{o.delivered, o.retried, o.failed}
}

// An event one sink keeps refusing does not hold back the events behind it.
func TestRefusedEventDoesNotBlockOthers(t *testing.T) {
	db := newControlDB(t)
	db.queue(t, "poison", "", cluster, statement.Finished, 0, t0)
	db.queue(t, "good-1", "", cluster, statement.Finished, 0, t0.Add(time.Second))
	db.queue(t, "good-2", "", cluster, statement.Finished, 0, t0.Add(2*time.Second))

	path := filepath.Join(t.TempDir(), "events.jsonl")
	h := newHook(t, func(_ int, body []byte) int {
		if bytes.Contains(body, []byte(`"statementId":"poison"`)) {
			return http.StatusBadRequest
		}
		return http.StatusOK
	})
	clock := &fakeClock{now: t0}
	// Batches of one: the refused event, waiting out its backoff, must not
	// take the only place in every batch.
	d := events.New(events.Options{Account: account, Region: region, Interval: 24 * time.Hour, BatchSize: 1,
		MinBackoff: time.Hour, MaxBackoff: 4 * time.Hour, Clock: clock}, db.Store.Events(), events.NewFileSink(path), h.sink(t))
	start(t, d)

	// The first round fails on the oldest event and stops trying the
	// webhook until its backoff ends.
	eventually(t, "no webhook attempt", func() bool { return len(h.got()) == 1 })
	eventually(t, "the file did not get the first event", func() bool { return len(lines(t, path)) == 1 })
	if p := db.pending(t); len(p) != 3 {
		t.Fatalf("pending = %d events, want 3", len(p))
	}

	// When the webhook is due again, the refused event is not yet: the
	// others go first.
	clock.Advance(time.Hour + time.Second)
	d.Notify()
	eventually(t, "the events behind the refused one were not delivered", func() bool {
		p := db.pending(t)
		return len(p) == 1 && p[0].StatementID == "poison"
	})
	got := h.got()
	if len(got) != 3 || bytes.Contains(got[1], []byte("poison")) || bytes.Contains(got[2], []byte("poison")) {
		t.Fatalf("webhook got %q", got)
	}

	// The refused event is retried later, and stays pending.
	clock.Advance(2 * time.Hour)
	d.Notify()
	eventually(t, "the refused event was not retried", func() bool { return len(h.got()) == 4 })
	if !bytes.Equal(h.got()[3], got[0]) {
		t.Fatal("the retry carries different bytes")
	}
	if p := db.pending(t); len(p) != 1 {
		t.Fatalf("pending = %+v, want the refused event", p)
	}
	// Within one run the file got every event once.
	if file := lines(t, path); len(file) != 3 {
		t.Fatalf("file has %d lines, want 3", len(file))
	}
}

// rounds waits until out has started two more rounds, so the first of them
// has ended.
func rounds(t testing.TB, d *events.Dispatcher, out *countingOutbox) {
	t.Helper()
	for range 2 {
		n := out.fetches.Load()
		d.Notify()
		eventually(t, "Notify did not start a round", func() bool { return out.fetches.Load() > n })
	}
}

// A sink that is down costs one attempt per backoff, not one per event.
func TestDownSinkIsTriedOncePerBackoff(t *testing.T) {
	db := newControlDB(t)
	for i, id := range []string{"s1", "s2", "s3"} {
		db.queue(t, id, "", cluster, statement.Finished, 0, t0.Add(time.Duration(i)*time.Second))
	}
	var up atomic.Bool
	h := newHook(t, func(int, []byte) int {
		if up.Load() {
			return http.StatusOK
		}
		return http.StatusServiceUnavailable
	})
	clock := &fakeClock{now: t0}
	out := &countingOutbox{Outbox: db.Store.Events()}
	d := events.New(events.Options{Account: account, Region: region, Interval: 24 * time.Hour,
		MinBackoff: time.Hour, MaxBackoff: 8 * time.Hour, Clock: clock}, out, h.sink(t))
	start(t, d)
	eventually(t, "no attempt", func() bool { return len(h.got()) == 1 })
	rounds(t, d, out)
	if n := len(h.got()); n != 1 {
		t.Fatalf("%d attempts before the sink's backoff ended, want 1", n)
	}

	// Next time the sink is due, the next event is the one tried.
	clock.Advance(time.Hour + time.Second)
	rounds(t, d, out)
	got := h.got()
	if len(got) != 2 || !bytes.Contains(got[1], []byte(`"statementId":"s2"`)) {
		t.Fatalf("webhook got %q, want s1 then s2", got)
	}

	up.Store(true)
	clock.Advance(8 * time.Hour)
	d.Notify()
	eventually(t, "not delivered after the sink came back", func() bool { return len(db.pending(t)) == 0 })
	if n := len(h.got()); n != 5 {
		t.Fatalf("webhook got %d requests, want 2 failed and 3 delivered", n)
	}
}

// A file sink that cannot write leaves the event pending; the webhook,
// which took it, does not get it again when the file is retried.
func TestFailedFileIsRetriedAlone(t *testing.T) {
	db := newControlDB(t)
	db.queue(t, "s1", "", workgroup, statement.Aborted, -1, t0)

	dir := filepath.Join(t.TempDir(), "later")
	path := filepath.Join(dir, "events.jsonl")
	h := newHook(t, ok)
	clock := &fakeClock{now: t0}
	d := events.New(events.Options{Account: account, Region: region, Interval: 24 * time.Hour,
		MinBackoff: time.Hour, Clock: clock}, db.Store.Events(), events.NewFileSink(path), h.sink(t))
	start(t, d)
	eventually(t, "the webhook did not get the event", func() bool { return len(h.got()) == 1 })
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	clock.Advance(3 * time.Hour)
	d.Notify()
	eventually(t, "the event was not delivered", func() bool { return len(db.pending(t)) == 0 })
	if file := lines(t, path); len(file) != 1 || file[0] != string(h.got()[0]) {
		t.Fatalf("file = %q", file)
	}
	if n := len(h.got()); n != 1 {
		t.Fatalf("webhook got the event %d times, want once", n)
	}
}

// Events pending when a dispatcher stops are delivered by the next one (a
// restarted process), with the same event id.
func TestPendingEventsSurviveRestart(t *testing.T) {
	db := newControlDB(t)
	db.queue(t, "s1", "before", cluster, statement.Finished, 1, t0)
	path := filepath.Join(t.TempDir(), "events.jsonl")

	down := newHook(t, func(int, []byte) int { return http.StatusServiceUnavailable })
	first := events.New(events.Options{Account: account, Region: region, Interval: time.Hour, MinBackoff: time.Hour},
		db.Store.Events(), events.NewFileSink(path), down.sink(t))
	stop := start(t, first)
	eventually(t, "no delivery attempt", func() bool { return len(down.got()) == 1 })
	stop()
	if p := db.pending(t); len(p) != 1 {
		t.Fatalf("pending after the first run = %+v", p)
	}
	// Queued while no dispatcher runs.
	db.queue(t, "s2", "between", cluster, statement.Finished, 2, t0.Add(time.Minute))

	up := newHook(t, ok)
	second := events.New(events.Options{Account: account, Region: region, Interval: time.Hour},
		db.open(t).Events(), events.NewFileSink(path), up.sink(t))
	start(t, second)
	eventually(t, "events still pending after the restart", func() bool { return len(db.pending(t)) == 0 })

	got := up.got()
	if len(got) != 2 || !bytes.Equal(got[0], down.got()[0]) || !bytes.Contains(got[1], []byte(`"statementId":"s2"`)) {
		t.Fatalf("after the restart the webhook got %q; before it %q", got, down.got())
	}
	// The file took s1 in both runs: a new process does not know what the
	// old one delivered. Both lines are the same event.
	file := lines(t, path)
	if len(file) != 3 || file[0] != file[1] || file[1] != string(got[0]) || file[2] != string(got[1]) {
		t.Fatalf("file = %q", file)
	}
}

// Notify delivers at once, not at the next interval.
func TestNotifyWakesTheDispatcher(t *testing.T) {
	db := newControlDB(t)
	path := filepath.Join(t.TempDir(), "events.jsonl")
	out := &countingOutbox{Outbox: db.Store.Events()}
	d := events.New(events.Options{Account: account, Region: region, Interval: time.Hour}, out, events.NewFileSink(path))
	// Before Run, and repeatedly: never blocks.
	d.Notify()
	d.Notify()
	start(t, d)
	// Let the first round (woken by the Notify above, or the initial one)
	// pass: the dispatcher then sleeps for an hour unless woken.
	eventually(t, "no first round", func() bool { return out.fetches.Load() >= 1 })
	n := out.fetches.Load()
	d.Notify()
	eventually(t, "no second round", func() bool { return out.fetches.Load() > n })

	db.queue(t, "s1", "", cluster, statement.Finished, 1, t0)
	d.Notify()
	began := time.Now()
	eventually(t, "Notify did not deliver", func() bool { return len(db.pending(t)) == 0 })
	if file := lines(t, path); len(file) != 1 || eventID(t, []byte(file[0])) == "" {
		t.Fatalf("file = %q", file)
	}
	t.Logf("delivered %v after Notify", time.Since(began))
}

// Marking that fails does not resend: the next round only marks.
func TestFailedMarkDoesNotResend(t *testing.T) {
	db := newControlDB(t)
	db.queue(t, "s1", "", cluster, statement.Finished, 1, t0)
	path := filepath.Join(t.TempDir(), "events.jsonl")
	h := newHook(t, ok)
	out := &countingOutbox{Outbox: db.Store.Events(), markFail: func(n int64) error {
		if n == 1 {
			return errors.New("control database unavailable")
		}
		return nil
	}}
	d := events.New(events.Options{Account: account, Region: region, Interval: time.Hour}, out,
		events.NewFileSink(path), h.sink(t))
	start(t, d)
	eventually(t, "no mark attempt", func() bool { return out.marks.Load() == 1 })
	if len(db.pending(t)) != 1 {
		t.Fatal("the event is not pending after a failed mark")
	}
	d.Notify()
	eventually(t, "the event was not marked", func() bool { return len(db.pending(t)) == 0 })
	if len(h.got()) != 1 || len(lines(t, path)) != 1 {
		t.Fatalf("resent: webhook %d, file %d", len(h.got()), len(lines(t, path)))
	}
}

// A backlog larger than a batch drains without waiting for the interval.
func TestBacklogDrainsInBatches(t *testing.T) {
	db := newControlDB(t)
	ids := []string{"s1", "s2", "s3", "s4", "s5"}
	for i, id := range ids {
		db.queue(t, id, "", cluster, statement.Finished, int64(i), t0.Add(time.Duration(i)*time.Second))
	}
	h := newHook(t, ok)
	out := &countingOutbox{Outbox: db.Store.Events()}
	d := events.New(events.Options{Account: account, Region: region, Interval: time.Hour, BatchSize: 2}, out, h.sink(t))
	start(t, d)
	eventually(t, "the backlog did not drain", func() bool { return len(db.pending(t)) == 0 })
	got := h.got()
	if len(got) != len(ids) {
		t.Fatalf("webhook got %d events, want %d", len(got), len(ids))
	}
	for i, id := range ids {
		if !bytes.Contains(got[i], []byte(`"statementId":"`+id+`"`)) {
			t.Fatalf("event %d is %s, want statement %s", i, got[i], id)
		}
	}
	if n := out.fetches.Load(); n < 3 {
		t.Fatalf("%d rounds for 5 events in batches of 2", n)
	}
}

// Stopping abandons a delivery in flight; the event stays pending.
func TestRunStopsDuringDelivery(t *testing.T) {
	db := newControlDB(t)
	db.queue(t, "s1", "", cluster, statement.Finished, 1, t0)
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	s, err := events.NewWebhookSink(events.WebhookOptions{URL: srv.URL, Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	d := events.New(events.Options{Account: account, Region: region}, db.Store.Events(), s)
	stop := start(t, d)
	select {
	case <-arrived:
	case <-time.After(waitFor):
		t.Fatal("no delivery started")
	}
	stop() // fails the test if Run does not return
	if len(db.pending(t)) != 1 {
		t.Fatal("an abandoned delivery was marked delivered")
	}
}

// failingFlush is a file sink whose first Flush reports an error (after
// releasing the file, as Flush must).
type failingFlush struct {
	*events.FileSink
	flushes atomic.Int64
}

func (s *failingFlush) Flush(ctx context.Context) error {
	err := s.FileSink.Flush(ctx)
	if s.flushes.Add(1) == 1 {
		return errors.New("disk full")
	}
	return err
}

// Events a batching sink took count only once its Flush succeeded.
func TestFailedFlushRedelivers(t *testing.T) {
	db := newControlDB(t)
	db.queue(t, "s1", "", cluster, statement.Finished, 1, t0)
	path := filepath.Join(t.TempDir(), "events.jsonl")
	sink := &failingFlush{FileSink: events.NewFileSink(path)}
	clock := &fakeClock{now: t0}
	out := &countingOutbox{Outbox: db.Store.Events()}
	d := events.New(events.Options{Account: account, Region: region, Interval: 24 * time.Hour,
		MinBackoff: time.Hour, Clock: clock}, out, sink)
	start(t, d)
	eventually(t, "no flush", func() bool { return sink.flushes.Load() == 1 })
	rounds(t, d, out)
	if len(db.pending(t)) != 1 {
		t.Fatal("an event whose flush failed was marked delivered")
	}
	clock.Advance(time.Hour + time.Second)
	d.Notify()
	eventually(t, "not delivered after the flush failure", func() bool { return len(db.pending(t)) == 0 })
	// The unsynced first write may survive: at least once.
	if file := lines(t, path); len(file) != 2 || file[0] != file[1] {
		t.Fatalf("file = %q", file)
	}
}
