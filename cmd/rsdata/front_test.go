package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestPostgresEndpointSpeaksRedshift: the port DescribeClusters reports is
// rsdata's PostgreSQL front, not the server behind it; psql logged in
// there as the master user (master-users.json) and with
// GetClusterCredentials' temporary credentials runs Redshift SQL that the
// dialect translates (GETDATE, NVL, a CREATE TABLE with DISTSTYLE and
// SORTKEY); a temporary user past its expiry is refused; the workgroup's
// endpoint translates too.
func TestPostgresEndpointSpeaksRedshift(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})
	root := awsEnv(t, s.PrintedEnv())
	var clusters struct {
		Clusters []struct {
			Endpoint struct {
				Address string
				Port    int
			}
		}
	}
	awsJSON(t, root, &clusters, "redshift", "describe-clusters", "--cluster-identifier", "local")
	ep := clusters.Clusters[0].Endpoint
	if ep.Port != s.EnginePort("cluster", "local") {
		t.Errorf("DescribeClusters says port %d, the banner %d", ep.Port, s.EnginePort("cluster", "local"))
	}
	if behind := s.EmbeddedServer("cluster-local").Port; behind == ep.Port {
		t.Errorf("the cluster's PostgreSQL listens on the advertised port %d itself; want the front there", behind)
	}
	master := fmt.Sprintf("host=%s port=%d user=awsuser dbname=dev", ep.Address, ep.Port)
	pw := s.MasterLogins()["cluster/local"].Password
	if got := mustPsql(t, master, pw, "select nvl(null, 'x')"); got != "x" {
		t.Errorf("select nvl(null, 'x') on the cluster endpoint: %q, want x", got)
	}
	if got := mustPsql(t, master, pw, "select getdate() <= getdate()"); got != "t" {
		t.Errorf("select getdate() <= getdate(): %q", got)
	}
	mustPsql(t, master, pw, "create table front_t (a int) diststyle even sortkey(a)")
	if got := mustPsql(t, master, pw, "insert into front_t values (1), (2); select sum(a) from front_t"); !strings.HasSuffix(got, "3") {
		t.Errorf("the table made with DISTSTYLE and SORTKEY: %q, want sum 3", got)
	}

	var cc struct{ DbUser, DbPassword string }
	awsJSON(t, root, &cc, "redshift", "get-cluster-credentials", "--cluster-identifier", "local", "--db-user", "frontuser",
		"--db-name", "dev", "--auto-create")
	temp := fmt.Sprintf("host=%s port=%d user=%s dbname=dev", ep.Address, ep.Port, cc.DbUser)
	if got := mustPsql(t, temp, cc.DbPassword, "select nvl(null, current_user)"); got != "IAMA:frontuser" {
		t.Errorf("temporary credentials through the front: %q, want IAMA:frontuser", got)
	}
	// Expiry is the server's VALID UNTIL; once past, the front relays the
	// server's refusal.
	s.adminPsql("cluster-local", "postgres", `ALTER ROLE "IAMA:frontuser" VALID UNTIL '`+time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)+`'`)
	if res := psql(t, temp, cc.DbPassword, "select 1"); res.Code == 0 || !strings.Contains(res.Stderr, "password authentication failed") {
		t.Errorf("expired temporary credentials: exit %d, stderr %q; want them refused", res.Code, res.Stderr)
	}

	wg := fmt.Sprintf("host=127.0.0.1 port=%d user=admin dbname=dev", s.EnginePort("workgroup", "default"))
	if got := mustPsql(t, wg, s.MasterLogins()["workgroup/default"].Password, "select nvl2(null, 'a', 'b')"); got != "b" {
		t.Errorf("select nvl2(null, 'a', 'b') on the workgroup endpoint: %q, want b", got)
	}
}
