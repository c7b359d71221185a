package main

import (
	"strconv"
	"strings"
	"testing"
)

// TestREADMEDatastoreTour runs the README's datastore tour as written, in
// sh with the printed environment and the banner's RSDATA_TOKEN line; only
// the cluster's port (5439 in the README) is the one in use.
func TestREADMEDatastoreTour(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})
	env := awsEnv(t, s.PrintedEnv())
	env = append(env, "RSDATA_TOKEN="+adminTokenOf(t, s), "MASTER_PASSWORD="+s.MasterLogins()["cluster/local"].Password)
	block := readmeBlock(t, "## Datastore API", "sh")
	block = strings.Replace(block, `"port": 5439`, `"port": `+strconv.Itoa(s.EnginePort("cluster", "local")), 1)
	res := runCommand(t, env, "sh", "-c", "set -e\ncd "+t.TempDir()+"\n"+block)
	if res.Code != 0 {
		t.Fatalf("the README's datastore tour: exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	out := strings.Join(strings.Fields(res.Stdout), " ")
	for _, want := range []string{
		`"connected":true,"cluster_identifier":"datastore-1"`,
		`"name":"orders","container_type":"table","field_count":2`,
		`{ "longValue": 2 }, { "stringValue": "29.50" }`,
		`FAILED ERROR: cannot execute DELETE in a read-only transaction`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the tour's output lacks %s:\n%s", want, res.Stdout)
		}
	}
}
