package main

import (
	"strings"
	"testing"
)

// TestREADMEAccessTour runs the README's access-control tour as written,
// in sh with the printed root environment: a user, her key and policies,
// get-caller-identity, and the policy that carries her to a first query,
// which finishes as database user IAM:alice and returns her name and 2.
func TestREADMEAccessTour(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})
	script := "set -e\ncd " + t.TempDir() + "\n" +
		readmeBlock(t, "## Access control", "sh") +
		readmeBlock(t, "one more policy carries her to her first query", "sh")
	res := runCommand(t, awsEnv(t, s.PrintedEnv()), "sh", "-c", script)
	if res.Code != 0 {
		t.Fatalf("the README's tour: exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	out := strings.Join(strings.Fields(res.Stdout), " ")
	for _, want := range []string{
		`"Arn": "arn:aws:iam::` + accessAccount + `:user/alice"`,
		`[ "FINISHED", "IAM:alice", null ]`,
		`"stringValue": "IAM:alice" }, { "longValue": 2 }`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the tour's output lacks %s:\n%s", want, res.Stdout)
		}
	}
}
