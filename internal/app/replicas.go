package app

// Replicas: several rsdata processes on one control store (--store-dsn),
// each with its own data dir and engine pools. Each holds a lease in the
// store that it renews; one that stops renewing is taken over by another
// (its statements end FAILED, their backends are terminated on the engine,
// its sessions close). Ends and cancels of statements travel between them
// with LISTEN/NOTIFY on the store (one listening connection per replica),
// as do changes of datastores (each replica registers them again from the
// store) and aborts of catalog operations.
// Background work runs on the replica holding its duty lease.

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rsdata/rsdata/internal/health"
	"github.com/rsdata/rsdata/internal/pgexec"
	"github.com/rsdata/rsdata/internal/store"
)

// backgroundDuty names the lease of the background work.
const backgroundDuty = "background"

// replicas is this process's part in a set of replicas; nil on a single
// node (the embedded store admits one process).
type replicas struct {
	a        *App
	instance string
	// address is where the others forward calls about this replica's
	// sessions.
	address string
	lease   time.Duration
	// background is set while this replica holds the background duty.
	background atomic.Bool
	// renewed is when the lease was last renewed (unix nanoseconds);
	// listening is set while the notifications' connection listens.
	renewed   atomic.Int64
	listening atomic.Bool
	// others counts the other live replicas, as of the last renewal or a
	// later join.
	others atomic.Int64

	mu    sync.Mutex
	ended map[string]map[chan struct{}]struct{} // waiters by statement id

	// watch guards watched (statements running here that another replica
	// waits on) and recent (statements that ended here lately, oldest
	// first), so a watch request and a statement's end never miss each
	// other: whichever comes second announces the end.
	watch   sync.Mutex
	watched map[string]bool
	recent  map[string]time.Time
	order   []string
}

// recentEnds is how long a statement's end is remembered for watch
// requests that arrive after it.
const recentEnds = time.Minute

func newReplicas(a *App, instance string) *replicas {
	return &replicas{a: a, instance: instance, lease: time.Duration(a.cfg.ReplicaLease),
		ended: map[string]map[chan struct{}]struct{}{}, watched: map[string]bool{}, recent: map[string]time.Time{}}
}

// Ended implements statement.Bus.
func (r *replicas) Ended(id string) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	r.mu.Lock()
	if r.ended[id] == nil {
		r.ended[id] = map[chan struct{}]struct{}{}
	}
	r.ended[id][ch] = struct{}{}
	r.mu.Unlock()
	return ch, func() {
		r.mu.Lock()
		if set, ok := r.ended[id]; ok {
			if _, mine := set[ch]; mine {
				delete(set, ch)
				if len(set) == 0 {
					delete(r.ended, id)
				}
			}
		}
		r.mu.Unlock()
	}
}

// Shared implements statement.Bus.
func (r *replicas) Shared() bool { return r.others.Load() > 0 }

// setOthers records how many other replicas are live: while there are
// any, limits count in the store and queued events are announced.
func (r *replicas) setOthers(n int64) {
	r.others.Store(n)
	r.a.store.SetShared(n > 0)
}

// Watch implements statement.Bus.
func (r *replicas) Watch(ctx context.Context, instance, id string) error {
	return r.a.store.Replicas().Watch(ctx, instance, id)
}

// Finished implements statement.Bus: the end is announced when another
// replica watches the statement, else remembered a while for a watch
// request still on its way. Alone on the store, nobody can watch.
func (r *replicas) Finished(id string) {
	r.watch.Lock()
	defer r.watch.Unlock()
	if r.watched[id] {
		delete(r.watched, id)
		r.announce(id)
		return
	}
	if !r.Shared() {
		return
	}
	now := time.Now()
	r.recent[id] = now
	r.order = append(r.order, id)
	for len(r.order) > 0 && now.Sub(r.recent[r.order[0]]) > recentEnds {
		delete(r.recent, r.order[0])
		r.order = r.order[1:]
	}
}

// watchRequested handles a watch request for statement id: announce its end now
// if it is not running here (ended, or unknown), else when it ends.
func (r *replicas) watchRequested(id string) {
	if !r.Shared() {
		// A replica this one has not counted yet is watching.
		r.setOthers(1)
	}
	r.watch.Lock()
	defer r.watch.Unlock()
	if _, ended := r.recent[id]; !ended && r.a.engine.Running(id) {
		r.watched[id] = true
		return
	}
	r.announce(id)
}

// announce sends statement id's end to the other replicas, off the
// caller's path (a statement's worker, the listener).
func (r *replicas) announce(id string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := r.a.store.Replicas().AnnounceEnded(ctx, id); err != nil {
			r.a.log.Warn("announcing a statement's end to the other replicas failed", "statement", id, "err", err)
		}
	}()
}

// RequestCancel implements statement.Bus.
func (r *replicas) RequestCancel(ctx context.Context, id string) error {
	return r.a.store.Replicas().RequestCancel(ctx, id)
}

// wake closes the channels of the waiters on id, or of all of them when
// id is "" (announcements may have been missed).
func (r *replicas) wake(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for sid, set := range r.ended {
		if id != "" && sid != id {
			continue
		}
		for ch := range set {
			close(ch)
		}
		delete(r.ended, sid)
	}
}

// listen receives the other replicas' notifications until ctx ends.
func (r *replicas) listen(ctx context.Context) {
	r.a.store.Replicas().Listen(ctx, r.a.log.With("component", "replicas"),
		[]string{store.EndedChannel, store.CancelChannel, store.EventChannel, store.JoinedChannel, store.WatchChannel,
			store.DatastoreChannel, store.OperationAbortChannel, store.ResetChannel},
		func(channel, id string) {
			switch channel {
			case store.ResetChannel:
				r.resetRequested(id)
			case store.DatastoreChannel:
				// A datastore (or its connection) changed on some replica:
				// register it again from the store, or drop it when deleted.
				if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 {
					r.a.ds.svc.Changed(n)
				}
			case store.OperationAbortChannel:
				if n, err := strconv.ParseInt(id, 10, 64); err == nil {
					r.a.ds.svc.AbortRequested(n)
				}
			case store.WatchChannel:
				if inst, sid, ok := strings.Cut(id, " "); ok && inst == r.instance {
					r.watchRequested(sid)
				}
			case store.JoinedChannel:
				if id != r.instance && !r.Shared() {
					r.setOthers(1)
				}
			case "":
				r.listening.Store(false)
			case store.EventChannel:
				r.a.events.Notify()
			case store.EndedChannel:
				r.wake(id)
			case store.CancelChannel:
				r.a.engine.CancelRequested(id)
			}
		},
		func() {
			r.listening.Store(true)
			// Replicas that joined before this connection listened are
			// counted here; those joining later are announced to it.
			if n, err := r.a.store.Replicas().LiveOthers(ctx, r.instance); err == nil {
				r.setOthers(int64(n))
			}
			r.wake("")
			r.a.events.Notify()
			// Datastore changes announced while not listening are lost:
			// match the registered ones to the store again.
			r.a.ds.svc.Changed(0)
		})
}

// start records this replica's lease and address before it serves, so a
// replica that takes over never mistakes it for a stopped one.
func (r *replicas) start(ctx context.Context) error {
	r.address = r.a.cfg.ReplicaAddress
	if r.address == "" {
		r.address = r.a.cfg.Listen
		if r.a.ln != nil {
			r.address = clientAddr(r.a.ln.Addr())
		}
		if host, _, err := net.SplitHostPort(r.address); err == nil {
			if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
				r.a.log.Info("replicas on other machines cannot reach this one's sessions at a loopback address; set --replica-address",
					"replica_address", r.address)
			}
		}
	}
	if err := r.a.store.Replicas().Join(ctx, r.instance, r.address, r.lease); err != nil {
		return err
	}
	r.renewed.Store(time.Now().UnixNano())
	n, err := r.a.store.Replicas().LiveOthers(ctx, r.instance)
	if err != nil {
		return err
	}
	r.setOthers(int64(n))
	return nil
}

// run renews the lease every third of it, holds the background duty when
// free, and takes over replicas whose lease ran out, until ctx ends.
func (r *replicas) run(ctx context.Context) {
	t := time.NewTicker(r.lease / 3)
	defer t.Stop()
	for {
		r.tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *replicas) tick(ctx context.Context) {
	view := r.a.store.Replicas()
	tctx, cancel := context.WithTimeout(ctx, r.lease/3)
	defer cancel()
	if err := view.Renew(tctx, r.instance, r.address, r.lease); err != nil {
		if ctx.Err() == nil {
			r.a.log.Error("renewing this replica's lease failed", "err", err)
		}
		return
	}
	r.renewed.Store(time.Now().UnixNano())
	if n, err := view.LiveOthers(tctx, r.instance); err == nil {
		r.setOthers(int64(n))
	}
	held, err := view.HoldDuty(tctx, backgroundDuty, r.instance, r.lease)
	if err != nil {
		held = false
		if ctx.Err() == nil {
			r.a.log.Error("holding the background work's lease failed", "err", err)
		}
	}
	if r.background.Swap(held) != held {
		r.a.log.Info("background work", "runs_here", held)
	}
	expired, err := view.Expired(tctx)
	if err != nil {
		if ctx.Err() == nil {
			r.a.log.Error("looking for stopped replicas failed", "err", err)
		}
		return
	}
	for _, inst := range expired {
		if inst != r.instance {
			r.takeOver(ctx, inst)
		}
	}
}

// terminateLeftovers terminates, on the engines, the backends of this
// replica's statements that an earlier run left unfinished (it was killed
// and restarted before another replica took it over); Recover then ends
// the statements FAILED.
func (r *replicas) terminateLeftovers(ctx context.Context) {
	running, err := r.a.store.Replicas().RunningOf(ctx, r.instance)
	if err != nil {
		r.a.log.Error("reading the statements an earlier run left failed", "err", err)
		return
	}
	r.terminate(ctx, running, r.a.log.With("component", "replicas"))
}

// terminate ends the backends of running statements on their engines.
func (r *replicas) terminate(ctx context.Context, running []store.Running, log *slog.Logger) {
	for _, x := range running {
		ep, ok := r.a.registry.Lookup(x.Target.Kind, x.Target.Name)
		if !ok {
			continue
		}
		if _, err := pgexec.TerminateBackend(ctx, ep, x.Pid, x.StartedAt); err != nil {
			log.Error("terminating a stopped replica's backend failed", "statement", x.ID, "pid", x.Pid, "err", err)
		}
	}
}

// takeOver ends what a stopped replica was running: its statements end
// FAILED (announced to waiters), their backends are terminated on the
// engines, its sessions close, its catalog operations end failed. Several replicas may do it at once; every
// step is idempotent.
func (r *replicas) takeOver(ctx context.Context, instance string) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	log := r.a.log.With("component", "replicas", "stopped_replica", instance)
	view := r.a.store.Replicas()
	running, err := view.RunningOf(ctx, instance)
	if err != nil {
		log.Error("reading a stopped replica's statements failed", "err", err)
		return
	}
	n, err := r.a.engine.TakeOver(ctx, instance)
	if err != nil {
		log.Error("ending a stopped replica's statements failed", "err", err)
		return
	}
	r.a.events.Notify()
	r.terminate(ctx, running, log)
	if err := r.a.Datastores().TakeOver(ctx, instance); err != nil {
		log.Error("ending a stopped replica's catalog operations failed", "err", err)
		return
	}
	if err := view.Forget(ctx, instance); err != nil {
		log.Error("removing a stopped replica's lease failed", "err", err)
		return
	}
	log.Warn("took over a replica that stopped renewing its lease", "statements_failed", n, "backends", len(running))
}

// runsBackground reports whether this process runs the background work:
// always on a single node, else while it holds the duty.
func (a *App) runsBackground() bool {
	return a.replicas == nil || a.replicas.background.Load()
}

// whileBackground runs work while this process runs the background work,
// restarting it when the duty comes back, until ctx ends.
func (a *App) whileBackground(ctx context.Context, work func(context.Context)) {
	if a.replicas == nil {
		work(ctx)
		return
	}
	check := time.NewTicker(time.Second)
	defer check.Stop()
	for ctx.Err() == nil {
		if a.runsBackground() {
			wctx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { defer close(done); work(wctx) }()
			for a.runsBackground() && ctx.Err() == nil {
				select {
				case <-ctx.Done():
				case <-check.C:
				}
			}
			stop()
			<-done
			continue
		}
		select {
		case <-ctx.Done():
		case <-check.C:
		}
	}
}

// check is /readyz's view of this replica: ready while its lease is
// current (else the others are taking its work over) and it listens for
// their notifications (else long polls and cancels from them miss it).
func (r *replicas) check() health.Check {
	return health.Check{Name: r.instance, Kind: "replica", Required: true,
		Run: func(context.Context) health.Component {
			c := health.Component{Up: true}
			switch since := time.Since(time.Unix(0, r.renewed.Load())); {
			case since > r.lease:
				c.Up, c.Error = false, "lease in the control store not renewed for "+since.Round(time.Second).String()
			case !r.listening.Load():
				c.Up, c.Error = false, "not listening for the other replicas' notifications on the control store"
			}
			return c
		}}
}
