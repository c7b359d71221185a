package app

// Serving and stopping: the background workers, the HTTP server, and the
// bounded, ordered shutdown.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"
)

// startWorkers runs the background work: event delivery, and the minute
// reaper of expired results and temporary database users.
func (a *App) startWorkers() {
	ctx, cancel := context.WithCancel(context.Background())
	g, ctx := errgroup.WithContext(ctx)
	a.stopWorkers, a.workers = cancel, g
	g.Go(func() error {
		a.whileBackground(ctx, a.events.Run)
		return nil
	})
	if a.replicas != nil {
		g.Go(func() error { a.replicas.run(ctx); return nil })
		g.Go(func() error { a.replicas.listen(ctx); return nil })
	}
	g.Go(func() error {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				if !a.runsBackground() {
					continue
				}
				if err := a.engine.Reap(ctx); err != nil && ctx.Err() == nil {
					a.log.Error("removing expired statements failed", "err", err)
				}
				// Temporary database users past their expiry lose their login.
				res, err := a.dbcreds.Reap(ctx)
				if err != nil && ctx.Err() == nil {
					a.log.Error("revoking expired database credentials failed", "err", err)
				}
				a.metrics.CredentialsReaped(res.Revoked)
			}
		}
	})
}

// Serve listens on the configured address until ctx ends, then shuts down.
// ready, when not nil, receives the bound address once requests are served.
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	ln := a.ln
	a.ln = nil
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", a.cfg.Listen); err != nil {
			a.Shutdown(context.Background())
			return fmt.Errorf("listen on %s: %w", a.cfg.Listen, err)
		}
		if err := a.lock.record(clientAddr(ln.Addr())); err != nil {
			a.log.Warn("recording the address in the lock file failed", "err", err)
		}
	}
	var metricsSrv *http.Server
	if a.cfg.MetricsListen != "" {
		mln, err := net.Listen("tcp", a.cfg.MetricsListen)
		if err != nil {
			ln.Close()
			a.Shutdown(context.Background())
			return fmt.Errorf("metrics listen on %s: %w", a.cfg.MetricsListen, err)
		}
		metricsSrv = a.metricsServer()
		go func() { _ = metricsSrv.Serve(mln) }()
		defer metricsSrv.Close()
		a.log.Info("serving metrics", "addr", mln.Addr().String())
	}
	var err error
	// No ReadTimeout or WriteTimeout: the body's deadline is set per
	// request by httpx and lifted once it is read, so long polls and long
	// result downloads are not cut.
	srv := &http.Server{Handler: a.handler, ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: idleTimeout,
		MaxHeaderBytes: maxHeaderBytes, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	// The banner is printed before requests are accepted (the bound
	// listener queues them), so whoever sees the endpoint answer has been
	// shown the credentials to call it with.
	if a.banner != nil {
		a.banner(clientAddr(ln.Addr()))
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("serving", "addr", ln.Addr().String())
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err = <-errc:
		a.Shutdown(context.Background())
	case <-ctx.Done():
		a.stop(srv)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// stop shuts the server down within --shutdown-timeout, graceful first and
// then hard: long polls are released at once (they report the statement as
// it stands); requests in flight get two thirds of the bound, after which
// their connections are closed; the rest of the bound goes to ending
// running statements, the workers, the pools and the PostgreSQL servers,
// which are told to quit at once (SIGQUIT) when the bound has passed.
func (a *App) stop(srv *http.Server) {
	bound := time.Duration(a.cfg.ShutdownTimeout)
	deadline := time.Now().Add(bound)
	a.log.Info("shutting down", "bound", bound)
	if a.engine != nil {
		a.engine.ReleaseWaiters()
	}
	gctx, cancel := context.WithTimeout(context.Background(), bound*2/3)
	if err := srv.Shutdown(gctx); err != nil {
		a.log.Warn("requests still in flight at the graceful bound; closing their connections", "err", err)
		_ = srv.Close()
	}
	cancel()
	sctx, cancel := context.WithDeadline(context.Background(), deadline)
	a.Shutdown(sctx)
	cancel()
}

// Shutdown stops the PostgreSQL endpoints' fronts, running statements,
// workers, pools, the store and the embedded servers, in that order. The
// HTTP server must be stopped first.
func (a *App) Shutdown(ctx context.Context) {
	a.closeFronts(ctx)
	a.closeEngine(ctx)
	if a.stopWorkers != nil {
		// After the engine, so events of the statements it just ended are
		// handed on; what stays pending is delivered after the next start.
		a.stopWorkers()
		done := make(chan struct{})
		go func() { _ = a.workers.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			a.log.Warn("background work still running at the shutdown bound")
		}
		a.stopWorkers = nil
	}
	if a.replicas != nil && a.store != nil {
		// A clean stop: the others need not wait for the lease to run out
		// (the statements this replica ran have ended as interrupted).
		if err := a.store.Replicas().Leave(ctx, a.replicas.instance); err != nil {
			a.log.Warn("removing this replica's lease failed", "err", err)
		}
	}
	a.shutdownComponents(ctx)
}

func (a *App) closeEngine(ctx context.Context) {
	if a.engine == nil {
		return
	}
	ectx, cancel := boundedBy(ctx, 30*time.Second)
	if err := a.engine.Close(ectx); err != nil {
		a.log.Warn("statements still running at shutdown", "err", err)
	}
	cancel()
}

// boundedBy is ctx with its own deadline, or with d when it has none.
func boundedBy(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

func (a *App) shutdownComponents(ctx context.Context) {
	a.closeFronts(ctx)
	a.closeEngine(ctx)
	if a.ds != nil {
		a.ds.svc.Close()
	}
	if a.exec != nil {
		a.exec.Close()
	}
	if a.store != nil {
		a.store.Close()
	}
	if a.site != nil {
		a.site.Stop(ctx)
	}
	if a.ln != nil {
		a.ln.Close()
		a.ln = nil
	}
	// Last: the next rsdata on this dir may start once the servers are down.
	a.lock.release()
	a.lock = nil
}
