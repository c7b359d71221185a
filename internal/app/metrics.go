package app

import (
	"net/http"

	"github.com/rsdata/rsdata/internal/metrics"
)

// buildMetrics creates the metrics; the gauges read the engine, the pools
// and the embedded servers at each scrape.
func (a *App) buildMetrics() *metrics.Metrics {
	return metrics.New(metrics.Sources{
		Sessions: func() int {
			if a.engine == nil {
				return 0
			}
			return a.engine.Sessions()
		},
		Waiting: func() int {
			if a.engine == nil {
				return 0
			}
			return a.engine.Waiting()
		},
		Pools: func() []metrics.Pool {
			var out []metrics.Pool
			for _, p := range a.exec.PoolStats() {
				out = append(out, metrics.Pool{Kind: string(p.Kind), Name: p.Name, Total: p.Total, Idle: p.Idle, Acquired: p.Acquired})
			}
			return out
		},
		Servers: func() []metrics.Server {
			var out []metrics.Server
			for _, s := range a.servers {
				out = append(out, metrics.Server{Name: s.Name, Restarts: s.Instance.Restarts()})
			}
			return out
		},
	})
}

// metricsServer serves /metrics on Config.MetricsListen, when set.
func (a *App) metricsServer() *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics.Handler())
	return &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: maxHeaderBytes}
}
