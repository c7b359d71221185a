package main

import (
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestEnginePortStaysPut: the cluster's preferred port is taken on the
// first start, so it gets another, P; P is kept in the data dir, so a
// restart with the preferred port free again still serves on P (saved
// connection strings keep working), DescribeClusters and the banner's
// psql line say P, and a changed --cluster-port wins. The first start
// says what it initialises before the banner.
func TestEnginePortStaysPut(t *testing.T) {
	t.Parallel()
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	preferred := held.Addr().(*net.TCPAddr).Port
	dir := newDataDir(t)
	args := []string{"--cluster-port", strconv.Itoa(preferred)}

	s := startServe(t, serveOptions{DataDir: dir, Args: args})
	out := s.Stdout.String()
	banner := strings.Index(out, "Root credentials")
	if banner < 0 {
		banner = strings.Index(out, "Generated root credentials")
	}
	for _, line := range []string{"Initialising the control store", "Initialising cluster local", "Initialising workgroup default"} {
		if i := strings.Index(out, line); i < 0 || i > banner {
			t.Errorf("first start: %q is not printed before the banner:\n%s", line, out)
		}
	}
	p, wg := s.EnginePort("cluster", "local"), s.EnginePort("workgroup", "default")
	if p == preferred {
		t.Fatalf("the cluster got port %d, which this test holds", p)
	}
	checkClusterPort(t, s, p)
	s.Stop()
	held.Close()

	s = startServe(t, serveOptions{DataDir: dir, Args: args})
	if got := s.EnginePort("cluster", "local"); got != p {
		t.Errorf("after a restart with port %d free again the cluster moved from %d to %d", preferred, p, got)
	}
	if out := s.Stdout.String(); !strings.Contains(out, "Starting cluster local") || strings.Contains(out, "Initialising") {
		t.Errorf("a restart's progress lines should say Starting, not Initialising:\n%s", out)
	}
	checkClusterPort(t, s, p)
	// The workgroup asked for any port (0): it keeps the one it got too.
	var gw struct {
		Workgroup struct{ Endpoint struct{ Port int } }
	}
	awsJSON(t, awsEnv(t, s.PrintedEnv()), &gw, "redshift-serverless", "get-workgroup", "--workgroup-name", "default")
	if got := s.EnginePort("workgroup", "default"); got != wg || gw.Workgroup.Endpoint.Port != wg {
		t.Errorf("the workgroup moved from %d to %d across a restart; GetWorkgroup says %d", wg, got, gw.Workgroup.Endpoint.Port)
	}
	s.Stop()

	explicit := freePort(t)
	s = startServe(t, serveOptions{DataDir: dir, Args: []string{"--cluster-port", strconv.Itoa(explicit)}})
	if got := s.EnginePort("cluster", "local"); got != explicit {
		t.Errorf("--cluster-port %d changed: the cluster is on %d, want the new port", explicit, got)
	}
}

// checkClusterPort checks that DescribeClusters reports port and the
// banner's psql line for the cluster works as printed.
func checkClusterPort(t *testing.T, s *server, port int) {
	t.Helper()
	var dc struct {
		Clusters []struct {
			ClusterIdentifier string
			Endpoint          struct{ Port int }
		}
	}
	awsJSON(t, awsEnv(t, s.PrintedEnv()), &dc, "redshift", "describe-clusters", "--cluster-identifier", "local")
	if len(dc.Clusters) != 1 || dc.Clusters[0].Endpoint.Port != port {
		t.Errorf("DescribeClusters: %+v, want port %d", dc, port)
	}
	m := regexp.MustCompile(`(?m)^  psql "([^"]+)"`).FindStringSubmatch(s.Stdout.String())
	if m == nil || !strings.Contains(m[1], "port="+strconv.Itoa(port)+" ") {
		t.Errorf("the banner prints no psql line for port %d:\n%s", port, s.Stdout.String())
		return
	}
	if got := mustPsql(t, m[1], s.MasterLogins()["cluster/local"].Password, "select current_user"); got != "awsuser" {
		t.Errorf("psql as printed: current_user %q", got)
	}
}
