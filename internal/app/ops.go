package app

// The operator's endpoints: /healthz, /readyz (and /metrics, metrics.go).

import (
	"context"
	"net/http"

	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/engines/embedded"
	"github.com/rsdata/rsdata/internal/health"
	"github.com/rsdata/rsdata/internal/pgexec"
)

// opsRoutes adds the operator's endpoints to mux; they are outside SigV4
// and the access log.
func (a *App) opsRoutes(mux *http.ServeMux) {
	checker := a.buildHealth()
	mux.HandleFunc("GET /healthz", health.Live)
	mux.HandleFunc("GET /readyz", checker.Ready)
	if a.cfg.MetricsListen == "" {
		mux.Handle("GET /metrics", a.metrics.Handler())
	}
}

// buildHealth lists what /readyz checks: the control store, every
// registered engine (with its embedded server's state when rsdata runs
// it), and the event sinks (reported, not required: an undelivered event
// waits in the outbox).
func (a *App) buildHealth() *health.Checker {
	servers := a.servers
	checks := []health.Check{{Name: "control", Kind: "control-store", Required: true,
		Run: func(ctx context.Context) health.Component {
			c := health.Component{Up: true}
			if err := a.store.Ping(ctx); err != nil {
				c.Up, c.Error = false, err.Error()
			}
			for _, s := range servers {
				if s.Name == "control" {
					c.Postgres = postgresState(s.Instance)
				}
			}
			return c
		}}}
	for _, kind := range []engines.Kind{engines.Cluster, engines.Workgroup} {
		for _, ep := range a.registry.List(kind) {
			var inst *embedded.Instance
			for _, s := range servers {
				if _, port := ep.ServerAddr(); ep.Embedded && s.Instance.SocketDir() == ep.SocketDir && s.Instance.Port() == port {
					inst = s.Instance
				}
			}
			checks = append(checks, health.Check{Name: ep.Name, Kind: string(kind), Required: true,
				Run: func(ctx context.Context) health.Component {
					c := health.Component{Up: true}
					if err := pgexec.Ping(ctx, ep); err != nil {
						c.Up, c.Error = false, err.Error()
					} else if err := a.frontErr(ep); err != nil {
						c.Up, c.Error = false, "PostgreSQL endpoint stopped: "+err.Error()
					}
					if inst != nil {
						c.Postgres = postgresState(inst)
						if c.Postgres.State != string(embedded.Running) {
							c.Up = false
						}
					}
					return c
				}})
		}
	}
	for i, s := range a.events.Sinks() {
		checks = append(checks, health.Check{Name: s.Name, Kind: "event-sink",
			Run: func(context.Context) health.Component {
				st := a.events.Sinks()[i]
				c := health.Component{Up: st.Failures == 0, Error: st.LastError, Failures: st.Failures}
				if !st.LastErrorAt.IsZero() {
					c.LastErrorAt = &st.LastErrorAt
				}
				return c
			}})
	}
	if a.replicas != nil {
		checks = append(checks, a.replicas.check())
	}
	return health.New(0, checks...)
}

func postgresState(inst *embedded.Instance) *health.Postgres {
	return &health.Postgres{State: string(inst.State()), PID: inst.PID(), Restarts: inst.Restarts()}
}
