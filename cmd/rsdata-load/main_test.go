package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/testutil/apptest"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

var creds = env(map[string]string{"AWS_ACCESS_KEY_ID": apptest.AccessKeyID, "AWS_SECRET_ACCESS_KEY": apptest.SecretAccessKey})

func TestRunAgainstApp(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var out bytes.Buffer
	err := run(ctx, []string{"--endpoint", e.Server.URL, "--database", e.Database,
		"--statements", "3", "--rows", "300", "--width", "50", "--poll", "5ms",
		"--server-pid", strconv.Itoa(os.Getpid())}, creds, &out, io.Discard)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"all FINISHED", "read 900 rows", "VmHWM", "child processes"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if err := run(ctx, []string{"--endpoint", e.Server.URL, "--database", e.Database, "--select1", "3"}, creds, &out, io.Discard); err != nil {
		t.Fatalf("run --select1: %v", err)
	}
	if !strings.Contains(out.String(), "3 select 1 round trips: p50") || strings.Contains(out.String(), "floor") {
		t.Errorf("unexpected output: %s", out.String())
	}

	out.Reset()
	if err := run(ctx, []string{"--endpoint", e.Server.URL, "--database", e.Database, "--select1", "12", "--clients", "4"},
		creds, &out, io.Discard); err != nil {
		t.Fatalf("run --select1 --clients: %v", err)
	}
	for _, want := range []string{"12 select 1 round trips from 4 clients in ", " round trips/s, p50 ", "machine CPU per round trip "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--clients output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if err := run(ctx, []string{"--endpoint", e.Server.URL, "--database", e.Database, "--select1", "3",
		"--floor-dsn", e.PG.ConnString("postgres", e.Database)}, creds, &out, io.Discard); err != nil {
		t.Fatalf("run --select1 --floor-dsn: %v", err)
	}
	if !strings.Contains(out.String(), "floor (pgx select 1 on the same PostgreSQL): p50") || !strings.Contains(out.String(), "round trip p50 / floor p50 = ") {
		t.Errorf("unexpected output: %s", out.String())
	}
}

func TestBodyBoundsMode(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, []string{"--endpoint", e.Server.URL, "--database", e.Database, "--flood-bodies", "4", "--body-mib", "1",
		"--flood-rounds", "1", "--slow-bodies", "2", "--slow-wait", "1s", "--server-pid", strconv.Itoa(os.Getpid())}, creds, &out, io.Discard)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	// An unsigned large body is refused from its headers and not read, so
	// the client may see its connection closed while it is still writing
	// (a reset or a broken pipe, whichever the kernel reports first) before
	// it reads the reply; every request is answered one way or the other.
	line := regexp.MustCompile(`unsigned round 1: 4 concurrent 1 MiB requests answered in \S+: ([^;]*);`).FindStringSubmatch(out.String())
	if line == nil {
		t.Fatalf("no unsigned round line:\n%s", out.String())
	}
	refused, closed := 0, 0
	for _, part := range strings.Split(line[1], ", ") {
		n, what, _ := strings.Cut(part, " × ")
		count, err := strconv.Atoi(n)
		switch {
		case err != nil:
			t.Errorf("unsigned round: unreadable part %q", part)
		case what == "400 MissingAuthenticationTokenException":
			refused += count
		case what == "error: connection reset by peer" || what == "error: broken pipe":
			closed += count
		default:
			t.Errorf("unsigned round: unexpected reply %q", part)
		}
	}
	if refused < 1 || refused+closed != 4 {
		t.Errorf("unsigned round: %d refused and %d closed, want 4 answered, at least one with MissingAuthenticationTokenException:\n%s", refused, closed, out.String())
	}
	for _, want := range []string{"signed round 1: 4 concurrent 1 MiB requests answered in ", "4 × 400 ValidationException",
		"server peak sampled VmRSS",
		"2 stalled connections (1 MiB body declared, 5 bytes sent): 0 closed by the server; not closed within 1s or failed: 2 (2 × still open)",
		"normal client meanwhile: ", " failed (none)", "VmHWM"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		getenv func(string) string
		want   string
	}{
		{"no endpoint", nil, creds, "--endpoint is required"},
		{"remote", []string{"--endpoint", "http://192.0.2.1:7439"}, creds, "only loopback"},
		{"remote name", []string{"--endpoint", "http://example.com:7439"}, creds, "only loopback"},
		{"no credentials", []string{"--endpoint", "http://127.0.0.1:7439"}, env(nil), "AWS_ACCESS_KEY_ID"},
		{"too many", []string{"--endpoint", "http://[::1]:7439", "--statements", "1000"}, creds, "--statements"},
		{"too long", []string{"--endpoint", "http://localhost:7439", "--timeout", "2h"}, creds, "--timeout"},
		{"too many clients", []string{"--endpoint", "http://127.0.0.1:7439", "--select1", "1", "--clients", "65"}, creds, "--clients"},
		{"floor with clients", []string{"--endpoint", "http://127.0.0.1:7439", "--select1", "1", "--clients", "2", "--floor-dsn", "postgres://u@127.0.0.1:5432/dev"}, creds, "--clients 1"},
		{"too many bodies", []string{"--endpoint", "http://127.0.0.1:7439", "--flood-bodies", "257"}, creds, "--flood-bodies"},
		{"too large bodies", []string{"--endpoint", "http://127.0.0.1:7439", "--flood-bodies", "1", "--body-mib", "17"}, creds, "--body-mib"},
		{"too many slow", []string{"--endpoint", "http://127.0.0.1:7439", "--slow-bodies", "1001"}, creds, "--slow-bodies"},
		{"too long slow wait", []string{"--endpoint", "http://127.0.0.1:7439", "--slow-bodies", "1", "--slow-wait", "6m"}, creds, "--slow-wait"},
		{"remote floor", []string{"--endpoint", "http://127.0.0.1:7439", "--select1", "1", "--floor-dsn", "postgres://u@192.0.2.1:5432/dev"}, creds, "only loopback"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), tc.args, tc.getenv, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
