package main

// TestJavaScriptSDK runs the node:test suite in e2e/js, written against the
// AWS SDK for JavaScript v3, against a real `rsdata serve`. It covers what
// the newest Data API model added (long polling, ExecutionMode, ListSessions,
// ActiveWaitingRequestsExceededException) through a second real SDK.

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"
)

const (
	npmTimeout  = 5 * time.Minute
	nodeTimeout = 5 * time.Minute
	// jsSDK is the package e2e/js/package.json pins.
	jsSDK = "@aws-sdk/client-redshift-data"
)

func TestJavaScriptSDK(t *testing.T) {
	t.Parallel()
	dir, err := filepath.Abs(filepath.Join("..", "..", "e2e", "js"))
	if err != nil {
		t.Fatal(err)
	}
	node := requireTool(t, "node")
	ensureNodeModules(t, dir)

	s := startServe(t, serveOptions{})
	rc := s.RootCredentials()
	env := awsEnv(t, map[string]string{
		"RSDATA_ENDPOINT":       s.Endpoint,
		"AWS_ACCESS_KEY_ID":     rc.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY": rc.SecretAccessKey,
		"AWS_REGION":            "us-east-1",
	})
	// Run from e2e/js so node finds the test files by its default patterns,
	// whose meaning (unlike that of a directory argument) is the same in
	// every Node.js version since 20.
	out, err := runTool(t, nodeTimeout, dir, env, node, "--test", "--test-reporter=spec")
	if err != nil {
		t.Fatalf("node --test in %s: %v\n%s", dir, err, out)
	}
	t.Logf("node --test:\n%s", tailLines(out, 30))
}

// requireTool returns the path of a program the test cannot do without;
// it fails rather than skips when the program is missing.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is required by this test and is not on PATH: %v", name, err)
	}
	return p
}

// ensureNodeModules installs e2e/js's locked dependencies with `npm ci`
// unless the pinned SDK version is already installed there.
func ensureNodeModules(t testing.TB, dir string) {
	t.Helper()
	want := pinnedVersion(t, dir)
	if installedVersion(dir) == want {
		return
	}
	npm := requireTool(t, "npm")
	// No install scripts: the SDK needs none, and none should run here.
	out, err := runTool(t, npmTimeout, dir, os.Environ(), npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund")
	if err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
	if got := installedVersion(dir); got != want {
		t.Fatalf("after npm ci, %s is %q in %s/node_modules, want %q", jsSDK, got, dir, want)
	}
}

var exactVersion = regexp.MustCompile(`^\d+\.\d+\.\d+$`)

// pinnedVersion is the exact SDK version package.json names.
func pinnedVersion(t testing.TB, dir string) string {
	t.Helper()
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	readJSON(t, filepath.Join(dir, "package.json"), &pkg)
	v := pkg.Dependencies[jsSDK]
	if !exactVersion.MatchString(v) {
		t.Fatalf("%s/package.json must pin %s to an exact version, not %q", dir, jsSDK, v)
	}
	return v
}

// installedVersion is the SDK version in node_modules, "" if none.
func installedVersion(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", filepath.FromSlash(jsSDK), "package.json"))
	if err != nil {
		return ""
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(b, &pkg) != nil {
		return ""
	}
	return pkg.Version
}

// runTool runs a program in dir and returns its combined output, killing
// its whole process group (node --test runs each file in a child process)
// if it outlives timeout.
func runTool(t testing.TB, timeout time.Duration, dir string, env []string, path string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir, cmd.Env = dir, env
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		err = errors.Join(err, errors.New("did not finish within "+timeout.String()))
	}
	return out.String(), err
}
