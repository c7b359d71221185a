// Package metrics defines every Prometheus metric rsdata exports, on a
// registry of its own (never the global one), and turns what the other
// packages report through their small observer interfaces and hooks into
// them. Only this package and the composition root import Prometheus.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rsdata/rsdata/internal/httpx"
	"github.com/rsdata/rsdata/internal/statement"
)

// Pool is one engine's pooled connections.
type Pool struct {
	Kind, Name            string
	Total, Idle, Acquired int32
}

// Server is one embedded PostgreSQL server's restart count.
type Server struct {
	Name     string
	Restarts int
}

// Sources are read at each scrape, for the gauges whose truth lives
// elsewhere. Each must be safe for concurrent use and return promptly.
type Sources struct {
	// Sessions counts open Data API sessions; Waiting the long-polling
	// requests.
	Sessions func() int
	Waiting  func() int
	// Pools lists the engines' connection pools.
	Pools func() []Pool
	// Servers lists the embedded PostgreSQL servers.
	Servers func() []Server
}

// Metrics holds the metrics and the registry that exports them.
type Metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	statements      *prometheus.CounterVec
	statementRun    *prometheus.HistogramVec
	resultStored    prometheus.Counter
	resultServed    prometheus.Counter
	events          *prometheus.CounterVec
	credsIssued     prometheus.Counter
	credsReaped     prometheus.Counter
}

// New registers every metric, the Go runtime and process collectors, and
// the gauges read from src, on a new registry.
func New(src Sources) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rsdata_requests_total",
		Help: "API requests answered, by service (signing name), operation and AWS error code (\"\" for success).",
	}, []string{"service", "operation", "code"})
	m.requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rsdata_request_duration_seconds",
		Help:    "Time to answer API requests, by service and operation (long polls included).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"service", "operation"})
	m.statements = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rsdata_statements_total",
		Help: "Data API statements that reached a terminal state, by state and engine (kind/name).",
	}, []string{"state", "engine"})
	m.statementRun = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rsdata_statement_run_seconds",
		Help:    "Run time of statements that ended, by engine.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 12),
	}, []string{"engine"})
	m.resultStored = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rsdata_result_bytes_stored_total", Help: "Bytes of result pages stored.",
	})
	m.resultServed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rsdata_result_bytes_served_total", Help: "Bytes of result records handed out by GetStatementResult.",
	})
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rsdata_events_total",
		Help: "Status-change event deliveries by sink and outcome: delivered, retried (delivered after an earlier failure), failed.",
	}, []string{"sink", "outcome"})
	m.credsIssued = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rsdata_temporary_credentials_issued_total", Help: "Temporary database credentials issued (GetClusterCredentials and the like).",
	})
	m.credsReaped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rsdata_temporary_credentials_reaped_total", Help: "Expired temporary database users whose login was revoked.",
	})
	m.reg.MustRegister(m.requests, m.requestDuration, m.statements, m.statementRun, m.resultStored, m.resultServed,
		m.events, m.credsIssued, m.credsReaped,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&sourced{src: src})
	return m
}

// Handler serves the exposition of m's registry.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request counts an answered request (httpx.Options.Observe).
func (m *Metrics) Request(d httpx.Done) {
	if d.Service == "" && d.Operation == "" && d.ErrorCode == "" {
		// Not an API call (a bare GET, a probe): nothing to label it by.
		return
	}
	m.requests.WithLabelValues(d.Service, d.Operation, d.ErrorCode).Inc()
	m.requestDuration.WithLabelValues(d.Service, d.Operation).Observe(d.Duration.Seconds())
}

// Statements returns the statement engine's observer.
func (m *Metrics) Statements() statement.Observer { return statementObserver{m} }

type statementObserver struct{ m *Metrics }

func (o statementObserver) Ended(t statement.Target, st statement.Status, ran time.Duration) {
	engine := string(t.Kind) + "/" + t.Name
	o.m.statements.WithLabelValues(string(st), engine).Inc()
	o.m.statementRun.WithLabelValues(engine).Observe(ran.Seconds())
}

func (o statementObserver) Stored(n int64) { o.m.resultStored.Add(float64(n)) }

func (o statementObserver) Served(n int64) { o.m.resultServed.Add(float64(n)) }

// Delivered implements events.Observer.
func (m *Metrics) Delivered(sink string, n, retried int) {
	m.events.WithLabelValues(sink, "delivered").Add(float64(n))
	if retried > 0 {
		m.events.WithLabelValues(sink, "retried").Add(float64(retried))
	}
}

// Failed implements events.Observer.
func (m *Metrics) Failed(sink string, n int) {
	m.events.WithLabelValues(sink, "failed").Add(float64(n))
}

// CredentialsIssued counts one issue of temporary credentials.
func (m *Metrics) CredentialsIssued() { m.credsIssued.Inc() }

// CredentialsReaped counts n revoked temporary users.
func (m *Metrics) CredentialsReaped(n int) { m.credsReaped.Add(float64(n)) }

// sourced collects the gauges read from Sources at scrape time.
type sourced struct{ src Sources }

var (
	sessionsDesc = prometheus.NewDesc("rsdata_active_sessions", "Data API sessions open in this process.", nil, nil)
	waitingDesc  = prometheus.NewDesc("rsdata_waiting_requests", "Requests long-polling for a statement to change.", nil, nil)
	poolDesc     = prometheus.NewDesc("rsdata_pool_connections", "Pooled connections to an engine, by state (idle, acquired).",
		[]string{"engine", "state"}, nil)
	restartsDesc = prometheus.NewDesc("rsdata_postgres_restarts_total", "Restarts of an embedded PostgreSQL server by its supervisor.",
		[]string{"server"}, nil)
)

func (s *sourced) Describe(ch chan<- *prometheus.Desc) {
	ch <- sessionsDesc
	ch <- waitingDesc
	ch <- poolDesc
	ch <- restartsDesc
}

func (s *sourced) Collect(ch chan<- prometheus.Metric) {
	if s.src.Sessions != nil {
		ch <- prometheus.MustNewConstMetric(sessionsDesc, prometheus.GaugeValue, float64(s.src.Sessions()))
	}
	if s.src.Waiting != nil {
		ch <- prometheus.MustNewConstMetric(waitingDesc, prometheus.GaugeValue, float64(s.src.Waiting()))
	}
	if s.src.Pools != nil {
		for _, p := range s.src.Pools() {
			engine := p.Kind + "/" + p.Name
			ch <- prometheus.MustNewConstMetric(poolDesc, prometheus.GaugeValue, float64(p.Idle), engine, "idle")
			ch <- prometheus.MustNewConstMetric(poolDesc, prometheus.GaugeValue, float64(p.Acquired), engine, "acquired")
		}
	}
	if s.src.Servers != nil {
		for _, sv := range s.src.Servers() {
			ch <- prometheus.MustNewConstMetric(restartsDesc, prometheus.CounterValue, float64(sv.Restarts), sv.Name)
		}
	}
}
