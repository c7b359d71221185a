// Package health answers /healthz (liveness: the process serves) and
// /readyz (readiness: every component requests need answers), the latter
// with a JSON report per component. The checks themselves are injected:
// the composition root knows the components; this package runs the checks
// concurrently within a bound and decides the status code.
package health

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"
)

// Component is one component's report.
type Component struct {
	Name string `json:"name"`
	// Kind is "cluster", "workgroup", "control-store" or "event-sink".
	Kind string `json:"kind"`
	// Up is whether the component works as far as the check can tell.
	Up bool `json:"up"`
	// Required components make /readyz answer 503 when down.
	Required bool `json:"required"`
	// Error says why the component is down (or, for an event sink, its
	// last delivery error); it names hosts and users, never a password.
	Error string `json:"error,omitempty"`
	// Postgres describes a PostgreSQL server rsdata runs itself.
	Postgres *Postgres `json:"postgres,omitempty"`
	// Failures and LastErrorAt describe an event sink's deliveries.
	Failures    int        `json:"failures,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
	// Duration is how long the check took.
	Duration string `json:"duration"`
}

// Postgres is what supervision knows of an embedded server.
type Postgres struct {
	// State is "running", "stopped" (by a signal), "restarting" or
	// "shut down".
	State    string `json:"state"`
	PID      int    `json:"pid"`
	Restarts int    `json:"restarts"`
}

// Check reports one component. It must return by the time ctx ends (the
// checker's bound); a check that does not is reported down anyway.
type Check struct {
	Name     string
	Kind     string
	Required bool
	Run      func(ctx context.Context) Component
}

// Report is /readyz's body.
type Report struct {
	// Status is "ready" or "unavailable".
	Status     string      `json:"status"`
	Components []Component `json:"components"`
}

// Checker runs the checks.
type Checker struct {
	checks  []Check
	timeout time.Duration

	// One round of checks runs at a time and its report serves the
	// requests of the next reuseFor: /readyz needs no signature, and
	// every round opens connections to every engine.
	mu   sync.Mutex
	last Report
	at   time.Time
}

// reuseFor is how long a report answers further requests.
const reuseFor = time.Second

// DefaultTimeout bounds each check: a stopped server accepts connections
// into its backlog and never answers, so only the bound ends the check.
const DefaultTimeout = 2 * time.Second

// graceAfterTimeout is how long a check may take past its ctx's end to
// return its report.
const graceAfterTimeout = 500 * time.Millisecond

// New returns a Checker over checks, each bounded by timeout (0 means
// DefaultTimeout).
func New(timeout time.Duration, checks ...Check) *Checker {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Checker{checks: checks, timeout: timeout}
}

// Check runs every check concurrently and reports them in order; a
// report less than a second old is returned instead.
func (c *Checker) Check(ctx context.Context) Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < reuseFor {
		return c.last
	}
	c.last, c.at = c.check(ctx), time.Now()
	return c.last
}

func (c *Checker) check(ctx context.Context) Report {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	out := make([]Component, len(c.checks))
	var wg sync.WaitGroup
	for i, ch := range c.checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			done := make(chan Component, 1)
			go func() { done <- ch.Run(ctx) }()
			// A check that honours ctx reports its own timeout (with what
			// else it knows); one that does not is cut off a little later.
			late := time.NewTimer(c.timeout + graceAfterTimeout)
			defer late.Stop()
			var comp Component
			select {
			case comp = <-done:
			case <-late.C:
				comp = Component{Error: "no answer within " + c.timeout.String()}
			}
			comp.Name, comp.Kind, comp.Required = ch.Name, ch.Kind, ch.Required
			comp.Duration = time.Since(start).Round(time.Millisecond).String()
			out[i] = comp
		}()
	}
	wg.Wait()
	r := Report{Status: "ready", Components: out}
	for _, comp := range out {
		if comp.Required && !comp.Up {
			r.Status = "unavailable"
		}
	}
	return r
}

// Ready serves /readyz: 200 with the report when every required
// component is up, 503 otherwise.
func (c *Checker) Ready(w http.ResponseWriter, r *http.Request) {
	// The round runs on its own bound, not the request's context: its
	// report serves other requests too.
	rep := c.Check(context.WithoutCancel(r.Context()))
	b, _ := json.MarshalIndent(rep, "", "  ")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if rep.Status != "ready" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_, _ = w.Write(append(b, '\n'))
}

// Live serves /healthz: the process serves HTTP. It checks nothing else,
// so a supervisor does not restart rsdata for a database's outage.
func Live(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "ok\n")
}
