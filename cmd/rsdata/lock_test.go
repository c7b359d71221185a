package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serveOnce runs `rsdata serve` expecting it to fail at start-up, bounded,
// and returns its stderr and how long it ran.
func serveOnce(t *testing.T, dataDir, listen string, args ...string) (stderr string, took time.Duration) {
	t.Helper()
	// Both failures are expected within seconds; a minute is a bound.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, rsdataBinary(t), append([]string{"serve", "--listen", listen, "--data-dir", dataDir,
		"--cluster-port", "0", "--workgroup-port", "0"}, args...)...)
	cmd.Env = cleanEnv("RSDATA_")
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took = time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("rsdata serve did not exit within a minute; output:\n%s", out.String())
	}
	if err == nil {
		t.Fatalf("rsdata serve exited 0; output:\n%s", out.String())
	}
	return out.String(), took
}

// TestSecondServeRefusedOnSameDataDir: a second rsdata on a data dir in use
// fails at once, naming the first one's pid and address, and leaves the
// first one (and its PostgreSQL servers) serving.
func TestSecondServeRefusedOnSameDataDir(t *testing.T) {
	t.Parallel()
	first := startServe(t, serveOptions{})
	pids := postmasterPIDs(first.DataDir)

	out, took := serveOnce(t, first.DataDir, net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t))))
	if took > 5*time.Second {
		t.Errorf("the second rsdata took %s to give up, want at once", took.Round(time.Millisecond))
	}
	for _, want := range []string{"in use", "pid " + strconv.Itoa(first.Pid()), first.Listen} {
		if !strings.Contains(out, want) {
			t.Errorf("the second rsdata's output lacks %q:\n%s", want, out)
		}
	}
	for name, pid := range pids {
		if !processAlive(pid) {
			t.Errorf("the postmaster of %s (pid %d) died when a second rsdata started", name, pid)
		}
	}
	c := first.RootClient()
	mustFinish(t, c, execute(t, c, onCluster("select 1")))
}

// TestBusyListenAddressFailsFast: a taken --listen address is found before
// any database is created.
func TestBusyListenAddressFailsFast(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := filepath.Join(newDataDir(t), "data")

	out, took := serveOnce(t, dir, busy.Addr().String())
	if took > 3*time.Second {
		t.Errorf("rsdata took %s to report the busy address, want at once", took.Round(time.Millisecond))
	}
	if !strings.Contains(out, "address already in use") || !strings.Contains(out, busy.Addr().String()) {
		t.Errorf("output does not name the busy address:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "pg")); !os.IsNotExist(err) {
		t.Errorf("rsdata created %s before finding the address busy (stat: %v)", filepath.Join(dir, "pg"), err)
	}
}

// TestFailedFirstStartSaysWhereCredentialsAre: a first start that fails
// after generating the root credentials (here: the control store is
// unreachable) never printed them; its error says where they are kept.
func TestFailedFirstStartSaysWhereCredentialsAre(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(newDataDir(t), "data")
	nowhere := "postgres://nobody:secret@127.0.0.1:1/db?connect_timeout=5"
	out, _ := serveOnce(t, dir, net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t))),
		"--no-embedded", "--cluster", "ext="+nowhere, "--store-dsn", nowhere)
	path := filepath.Join(dir, "root-credentials.json")
	if !strings.Contains(out, "root credentials in "+path) {
		t.Errorf("the failed start does not say the generated root credentials are in %s:\n%s", path, out)
	}
	var rc rootCredentials
	readJSON(t, path, &rc)
	if rc.SecretAccessKey == "" {
		t.Errorf("%s holds no secret key", path)
	}
}
