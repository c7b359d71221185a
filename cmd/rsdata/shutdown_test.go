package main

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
)

// TestShutdownIsBounded stops rsdata while a long poll (WaitTimeSeconds 30)
// waits on a statement that would run for ten minutes. The long poll is
// released at once and answered with the statement as it stands, so the
// whole shutdown takes a few seconds, not the 20 s of --shutdown-timeout
// the long poll used to hold it for.
func TestShutdownIsBounded(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{Args: []string{"--shutdown-timeout", "20s"}})
	rc := s.RootCredentials()
	c := s.RootClient()
	running := execute(t, c, onCluster("select pg_sleep(600)"))
	waitStatus(t, c, running, func(st types.StatusString) bool { return st == types.StatusStringStarted || terminal(st) })

	type polled struct {
		status string
		code   int
		err    error
	}
	replies := make(chan polled, 1)
	go func() {
		poll := signedRequest(t, s.Endpoint, rc, []byte(`{"ClusterIdentifier":"local","Database":"dev","DbUser":"awsuser",`+
			`"Sql":"select pg_sleep(600)","WaitTimeSeconds":30}`))
		resp, err := (&http.Client{Timeout: time.Minute}).Do(poll)
		if err != nil {
			replies <- polled{err: err}
			return
		}
		defer resp.Body.Close()
		var out struct{ Status string }
		_ = json.NewDecoder(resp.Body).Decode(&out)
		replies <- polled{status: out.Status, code: resp.StatusCode}
	}()
	// The long poll is in: its statement is running.
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := c.ListStatements(context.Background(), &redshiftdata.ListStatementsInput{Status: types.StatusStringStarted})
		if err == nil && len(out.Statements) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the long poll's statement never ran: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	start := time.Now()
	st := s.Stop()
	took := time.Since(start)
	if st == nil || !st.Exited() || st.ExitCode() != 0 {
		t.Errorf("rsdata after SIGTERM: %v; want exit status 0", st)
	}
	if took > 10*time.Second {
		t.Errorf("rsdata took %s to exit with a long poll in flight; want well under --shutdown-timeout 20s", took.Round(time.Millisecond))
	}
	select {
	case r := <-replies:
		if r.err != nil || r.code != http.StatusOK || r.status == "" {
			t.Errorf("long poll at shutdown: %d %q %v; want 200 with the statement's status", r.code, r.status, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the long poll got no reply")
	}
}
