package events

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Defaults of Options.
const (
	DefaultInterval   = 5 * time.Second
	DefaultBatchSize  = 100
	DefaultMinBackoff = time.Second
	DefaultMaxBackoff = time.Minute
	// markTimeout bounds the MarkDelivered that still runs after Run's ctx
	// ended, so events every sink already took are not sent again.
	markTimeout = 5 * time.Second
)

// Clock supplies the time; tests inject a controllable one.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Options configures a Dispatcher. Zero values take the defaults.
type Options struct {
	// Account and Region fill the events' account, region and resource ARN.
	Account string
	Region  string
	// Interval is how long the Dispatcher waits between rounds when nothing
	// calls Notify: the safety net for events queued by other processes or
	// by crash recovery.
	Interval time.Duration
	// BatchSize bounds the events fetched and delivered per round.
	BatchSize int
	// MinBackoff and MaxBackoff bound the exponentially growing wait before
	// a sink that failed, or an event that failed, is tried again.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Clock decides when retries are due and stamps deliveries.
	Clock  Clock
	Logger *slog.Logger
	// Observer, when set, is told of every delivery attempt's outcome
	// (metrics).
	Observer Observer
}

// Observer is told of delivery outcomes, per sink (its Name). Its methods
// are called from the Dispatcher's goroutine and must return promptly.
type Observer interface {
	// Delivered reports n events a sink accepted; retried of them had
	// failed before.
	Delivered(sink string, n, retried int)
	// Failed reports n events a sink did not accept (they are retried).
	Failed(sink string, n int)
}

// SinkStatus is what Sinks reports of one sink.
type SinkStatus struct {
	Name string
	// Failures counts consecutive failed attempts; 0 once it recovers.
	Failures int
	// LastError is the last failure's text and LastErrorAt its time;
	// they stay after a recovery.
	LastError   string
	LastErrorAt time.Time
}

type noObserver struct{}

func (noObserver) Delivered(string, int, int) {}
func (noObserver) Failed(string, int)         {}

// Dispatcher moves events from an Outbox to its sinks, at least once.
//
// Each round fetches the oldest pending events and offers every event to
// every sink that has not yet accepted it; an event is marked delivered once
// all sinks accepted it. Which sinks accepted an event is remembered in
// memory while the event stays pending, so a sink that succeeded does not get
// the event again when another sink's failure delays it; after a restart,
// though, such an event goes to every sink again.
//
// Failures back off twice over. A sink that fails is skipped for the rest of
// the round and until its own backoff ends, so an unreachable webhook costs
// one attempt per backoff, not one per event. The event it failed on backs
// off until after the sink's backoff, by its own growing backoff, so when
// the sink is next tried the events behind it go first: an event that a sink
// keeps refusing delays the others by at most one sink backoff, and is itself
// retried, forever, at most 2×MaxBackoff apart. After an outage the events
// that were tried during it wait out their own backoff; the rest go at once.
//
// Events go out oldest first, but a retried event arrives after newer ones.
// Dispatchers of several processes sharing one outbox would each deliver
// every event: run one per control database.
type Dispatcher struct {
	opts    Options
	outbox  Outbox
	sinks   []*sinkState
	wake    chan struct{}
	running chan struct{} // holds a token while Run executes

	statusMu sync.Mutex
	status   []SinkStatus // by sink index

	// Only Run's goroutine uses tracked (the pending events seen so far, by
	// outbox id) and the sinks' states.
	tracked map[int64]*tracked
}

type sinkState struct {
	Sink
	index    int
	failures int       // consecutive
	retryAt  time.Time // zero: available
}

type tracked struct {
	eventID     string
	statementID string
	ev          []byte
	accepted    []bool // by sink index
	failures    int
	retryAt     time.Time
}

func (t *tracked) complete() bool {
	for _, ok := range t.accepted {
		if !ok {
			return false
		}
	}
	return true
}

// New returns a Dispatcher that delivers outbox's events to sinks. Start it
// with Run. With no sinks every event counts as delivered at once: the outbox
// is drained and the events are dropped.
func New(opts Options, outbox Outbox, sinks ...Sink) *Dispatcher {
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = DefaultMinBackoff
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(DefaultMaxBackoff, opts.MinBackoff)
	}
	if opts.Clock == nil {
		opts.Clock = systemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Observer == nil {
		opts.Observer = noObserver{}
	}
	d := &Dispatcher{opts: opts, outbox: outbox, wake: make(chan struct{}, 1),
		running: make(chan struct{}, 1), tracked: map[int64]*tracked{}}
	for _, s := range sinks {
		d.sinks = append(d.sinks, &sinkState{Sink: s, index: len(d.sinks)})
		d.status = append(d.status, SinkStatus{Name: s.Name()})
	}
	return d
}

// Sinks reports each sink's delivery state, in the order New got them. It
// is safe to call from any goroutine.
func (d *Dispatcher) Sinks() []SinkStatus {
	d.statusMu.Lock()
	defer d.statusMu.Unlock()
	return slices.Clone(d.status)
}

func (d *Dispatcher) failed(s *sinkState, at time.Time, n int, err error) {
	d.opts.Observer.Failed(s.Name(), n)
	d.statusMu.Lock()
	st := &d.status[s.index]
	st.Failures, st.LastError, st.LastErrorAt = s.failures, err.Error(), at
	d.statusMu.Unlock()
}

// Notify asks for a round now rather than at the next interval: events may
// have been queued. It never blocks, and may be called at any time, from any
// goroutine, before Run or after it returned (the request then waits for the
// next Run).
func (d *Dispatcher) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers events until ctx ends, starting with a round at once. When
// ctx ends, a delivery in flight is abandoned (its event stays pending) and
// Run returns after at most one bounded MarkDelivered of events already
// accepted. Run leaves no goroutine behind. Calls to Run on one Dispatcher
// are serialised.
func (d *Dispatcher) Run(ctx context.Context) {
	select {
	case d.running <- struct{}{}:
	case <-ctx.Done():
		return
	}
	defer func() { <-d.running }()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		next := d.round(ctx)
		if ctx.Err() != nil {
			return
		}
		timer.Reset(max(next.Sub(d.opts.Clock.Now()), 0))
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-timer.C:
		}
	}
}

func (d *Dispatcher) backoff(failures int) time.Duration {
	b := d.opts.MinBackoff
	for i := 1; i < failures && b < d.opts.MaxBackoff; i++ {
		b *= 2
	}
	return min(b, d.opts.MaxBackoff)
}

// round fetches pending events, delivers what is due and marks what every
// sink accepted. It returns when the next round is due.
func (d *Dispatcher) round(ctx context.Context) time.Time {
	log := d.opts.Logger
	now := d.opts.Clock.Now()
	next := now.Add(d.opts.Interval)

	// Events waiting out a backoff do not count against the batch, so a
	// batch full of them cannot starve the events behind it.
	waiting := 0
	for _, t := range d.tracked {
		if t.retryAt.After(now) {
			waiting++
		}
	}
	limit := d.opts.BatchSize + waiting
	pending, err := d.outbox.PendingEvents(ctx, limit)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("reading pending events failed", "err", err)
		}
		return next
	}

	seen := make(map[int64]bool, len(pending))
	var due []*tracked
	for _, p := range pending {
		seen[p.ID] = true
		t := d.tracked[p.ID]
		if t == nil {
			id := EventID(p)
			t = &tracked{eventID: id, statementID: p.StatementID,
				ev: Build(p, d.opts.Account, d.opts.Region, id), accepted: make([]bool, len(d.sinks))}
			d.tracked[p.ID] = t
		}
		if !t.retryAt.After(now) {
			due = append(due, t)
		}
	}
	// What the outbox no longer returns was marked by another process, or
	// its statement is gone.
	for id := range d.tracked {
		if !seen[id] {
			delete(d.tracked, id)
		}
	}

	blocked := false                          // an event waits for a sink's backoff
	taken := make([][]*tracked, len(d.sinks)) // accepted this round, by sink
	offered := make([]bool, len(d.sinks))     // Deliver called this round
	retried := make([]int, len(d.sinks))      // of taken, events that had failed before
deliver:
	for _, t := range due {
		for i, s := range d.sinks {
			if t.accepted[i] {
				continue
			}
			if s.retryAt.After(now) {
				blocked = true
				continue
			}
			offered[i] = true
			err := s.Deliver(ctx, t.ev)
			if err != nil && ctx.Err() != nil {
				// Shutting down: not the sink's fault, and the event
				// stays pending.
				break deliver
			}
			if err != nil {
				at := d.opts.Clock.Now()
				s.failures++
				s.retryAt = at.Add(d.backoff(s.failures))
				// The event becomes due only after the sink does, so
				// the events behind it get the sink's next attempt.
				d.failed(s, at, 1, err)
				t.failures++
				t.retryAt = s.retryAt.Add(d.backoff(t.failures))
				blocked = true
				log.Warn("event delivery failed", "sink", s.Name(), "event", t.eventID,
					"statement", t.statementID, "attempts", t.failures, "retry_in", s.retryAt.Sub(at), "err", err)
				continue
			}
			t.accepted[i] = true
			taken[i] = append(taken[i], t)
			if t.failures > 0 {
				retried[i]++
			}
			if _, batched := s.Sink.(Flusher); !batched {
				d.opts.Observer.Delivered(s.Name(), 1, min(t.failures, 1))
				d.recovered(s)
			}
			if ctx.Err() != nil {
				break deliver
			}
		}
	}
	for i, s := range d.sinks {
		f, ok := s.Sink.(Flusher)
		if !ok || !offered[i] {
			continue
		}
		if err := f.Flush(ctx); err != nil {
			for _, t := range taken[i] {
				t.accepted[i] = false
			}
			if len(taken[i]) > 0 {
				at := d.opts.Clock.Now()
				s.failures++
				s.retryAt = at.Add(d.backoff(s.failures))
				blocked = true
				d.failed(s, at, len(taken[i]), err)
				log.Warn("event delivery failed", "sink", s.Name(), "events", len(taken[i]),
					"retry_in", s.retryAt.Sub(at), "err", err)
			}
		} else if len(taken[i]) > 0 {
			d.opts.Observer.Delivered(s.Name(), len(taken[i]), retried[i])
			d.recovered(s)
		}
	}

	var done []int64
	for id, t := range d.tracked {
		if t.complete() {
			done = append(done, id)
		}
	}
	if len(done) > 0 {
		slices.Sort(done)
		// Events every sink took are worth recording even when shutting
		// down: otherwise the next start sends them again.
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
		err := d.outbox.MarkDelivered(mctx, done, d.opts.Clock.Now())
		cancel()
		if err != nil {
			// They stay tracked as accepted everywhere: the next round
			// marks them without sending them again.
			log.Warn("marking events delivered failed", "events", len(done), "err", err)
			return next
		}
		for _, id := range done {
			delete(d.tracked, id)
		}
	}

	if len(pending) == limit && len(done) > 0 {
		// More may be pending, and this round made progress: go on.
		return now
	}
	for _, t := range d.tracked {
		if t.retryAt.After(now) && t.retryAt.Before(next) {
			next = t.retryAt
		}
	}
	if blocked {
		for _, s := range d.sinks {
			if s.retryAt.After(now) && s.retryAt.Before(next) {
				next = s.retryAt
			}
		}
	}
	return next
}

func (d *Dispatcher) recovered(s *sinkState) {
	if s.failures > 0 {
		d.opts.Logger.Info("event sink recovered", "sink", s.Name(), "failures", s.failures)
	}
	s.failures, s.retryAt = 0, time.Time{}
	d.statusMu.Lock()
	d.status[s.index].Failures = 0
	d.statusMu.Unlock()
}
