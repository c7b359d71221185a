package main

import (
	"encoding/json"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"
)

type readyComponent struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Up       bool   `json:"up"`
	Required bool   `json:"required"`
	Error    string `json:"error"`
	Postgres *struct {
		State    string `json:"state"`
		PID      int    `json:"pid"`
		Restarts int    `json:"restarts"`
	} `json:"postgres"`
}

type readyReport struct {
	Status     string           `json:"status"`
	Components []readyComponent `json:"components"`
}

// readyz asks /readyz and returns its status code and report.
func (s *server) readyz(t testing.TB) (int, readyReport) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(s.Endpoint + "/readyz")
	if err != nil {
		t.Fatalf("GET /readyz: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r readyReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("/readyz body is not the JSON report: %v\n%s", err, b)
	}
	return resp.StatusCode, r
}

func (r readyReport) component(kind, name string) *readyComponent {
	for i := range r.Components {
		if r.Components[i].Kind == kind && r.Components[i].Name == name {
			return &r.Components[i]
		}
	}
	return nil
}

// waitReady polls /readyz until cond holds of it, or fails after bound.
func (s *server) waitReadyz(t testing.TB, what string, bound time.Duration, cond func(int, readyReport) bool) (int, readyReport) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for {
		code, r := s.readyz(t)
		if cond(code, r) {
			return code, r
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s; last /readyz %d %+v", what, bound, code, r)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReadyz checks /readyz against real failures of the cluster's
// PostgreSQL: a stopped postmaster (SIGSTOP) is reported unreachable
// within a bound and recovers on SIGCONT; a killed one (kill -9) makes
// /readyz answer 503 while it restarts, then 200 with the restart counted.
// /healthz stays 200 throughout: the process serves.
func TestReadyz(t *testing.T) {
	s := startServe(t, serveOptions{})
	code, r := s.readyz(t)
	if code != http.StatusOK || r.Status != "ready" {
		t.Fatalf("a fresh server: /readyz %d %+v, want 200 ready", code, r)
	}
	for _, want := range [][2]string{{"control-store", "control"}, {"cluster", "local"}, {"workgroup", "default"}} {
		c := r.component(want[0], want[1])
		if c == nil || !c.Up || !c.Required || c.Postgres == nil || c.Postgres.State != "running" || c.Postgres.PID == 0 {
			t.Fatalf("component %s %s = %+v, want up, required, a running postmaster with its pid", want[0], want[1], c)
		}
	}
	cluster := r.component("cluster", "local")
	pid := postmasterPIDs(s.DataDir)["cluster-local"]
	if cluster.Postgres.PID != pid {
		t.Fatalf("/readyz says the cluster's postmaster is pid %d; postmaster.pid says %d", cluster.Postgres.PID, pid)
	}

	// A stopped postmaster still holds its port: connections queue and
	// nothing answers. The check's bound must report it.
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	t.Cleanup(func() {
		if !resumed {
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	})
	start := time.Now()
	_, r = s.waitReadyz(t, "the stopped cluster reported down", 15*time.Second, func(code int, r readyReport) bool {
		c := r.component("cluster", "local")
		return code == http.StatusServiceUnavailable && c != nil && !c.Up
	})
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("/readyz took %s to report the stopped cluster", took)
	}
	c := r.component("cluster", "local")
	if c.Postgres.State != "stopped" || c.Error == "" {
		t.Errorf("stopped cluster reported as %+v, want state stopped and an error", c)
	}
	if w := r.component("workgroup", "default"); w == nil || !w.Up {
		t.Errorf("the workgroup is reported down with the cluster: %+v", w)
	}
	s.wantLive(t)
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	resumed = true
	s.waitReadyz(t, "the resumed cluster ready again", 15*time.Second, func(code int, r readyReport) bool {
		c := r.component("cluster", "local")
		return code == http.StatusOK && c != nil && c.Up && c.Postgres.State == "running"
	})

	// kill -9: the supervisor restarts the postmaster; meanwhile /readyz
	// says 503 (or restarting), and afterwards 200 with a new pid.
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// The supervisor may restart it within one /readyz round (200 ms
	// back-off), so seeing the gap is not required: either the gap, or the
	// restart already done.
	s.waitReadyz(t, "the killed cluster reported down, restarting or restarted", 10*time.Second, func(code int, r readyReport) bool {
		c := r.component("cluster", "local")
		return code == http.StatusServiceUnavailable && c != nil && !c.Up ||
			c != nil && c.Postgres != nil && (c.Postgres.State == "restarting" || c.Postgres.PID != pid && c.Postgres.Restarts >= 1)
	})
	s.wantLive(t)
	_, r = s.waitReadyz(t, "the restarted cluster ready again", 60*time.Second, func(code int, r readyReport) bool {
		c := r.component("cluster", "local")
		return code == http.StatusOK && c != nil && c.Up && c.Postgres.PID != pid
	})
	c = r.component("cluster", "local")
	// One restart, or a few when the first attempt met the killed
	// postmaster's backends still holding its shared memory (under load).
	if c.Postgres.Restarts < 1 || c.Postgres.State != "running" {
		t.Errorf("after the restart the cluster is %+v, want running with at least 1 restart", c.Postgres)
	}
	if c.Postgres.PID != postmasterPIDs(s.DataDir)["cluster-local"] {
		t.Errorf("/readyz pid %d is not the new postmaster's", c.Postgres.PID)
	}
	fams := scrape(t, s.Endpoint+"/metrics")
	for server, want := range map[string]float64{"cluster-local": float64(c.Postgres.Restarts), "workgroup-default": 0, "control": 0} {
		if v, ok := value(fams, "rsdata_postgres_restarts_total", map[string]string{"server": server}); !ok || v != want {
			t.Errorf("rsdata_postgres_restarts_total{server=%q} = %v (present %v), want %v (as /readyz says)", server, v, ok, want)
		}
	}
}

func (s *server) wantLive(t testing.TB) {
	t.Helper()
	resp, err := http.Get(s.Endpoint + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(b) != "ok\n" {
		t.Errorf("/healthz = %d %q, want 200 ok: liveness does not depend on the databases", resp.StatusCode, b)
	}
}
