package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/rsdata/rsdata/internal/engines/embedded"
)

// TestRunErrors calls run in-process with arguments that must be refused
// before anything starts: none of these cases may create a data dir or start
// PostgreSQL.
func TestRunErrors(t *testing.T) {
	t.Parallel()
	badConfig := filepath.Join(t.TempDir(), "rsdata.json")
	if err := os.WriteFile(badConfig, []byte(`{"listen": "127.0.0.1:1", "no_such_setting": true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	misspelled := filepath.Join(t.TempDir(), "rsdata.json")
	if err := os.WriteFile(misspelled, []byte(`{"data_dri": "/tmp/x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantErr    []string // substrings of the error
		wantStderr string
	}{
		{name: "no command", args: nil, wantErr: []string{"no command given"}, wantStderr: "rsdata serve"},
		{name: "unknown command", args: []string{"frobnicate"}, wantErr: []string{`unknown command "frobnicate"`}, wantStderr: "rsdata serve"},
		{name: "bad account id", args: []string{"serve", "--account-id", "abc"}, wantErr: []string{"account id", `"abc"`, "12 digits"}},
		{name: "no engines", args: []string{"serve", "--no-embedded"}, wantErr: []string{"--no-embedded", "register at least one engine"}},
		{name: "unknown flag", args: []string{"serve", "--lisen", "127.0.0.1:1"}, wantErr: []string{"unknown flag --lisen; did you mean --listen?"}},
		{name: "unknown env flag", args: []string{"env", "--data-dri", "/x"}, wantErr: []string{"did you mean --data-dir?"}},
		{name: "misspelled command", args: []string{"serv"}, wantErr: []string{`unknown command "serv"; did you mean "serve"?`}},
		{name: "version with arguments", args: []string{"version", "extra"}, wantErr: []string{"unexpected arguments"}},
		{name: "help for no such command", args: []string{"help", "frobnicate"}, wantErr: []string{"frobnicate"}},
		{name: "bad engine flag", args: []string{"serve", "--cluster", "ext"}, wantErr: []string{"NAME=postgres://"}},
		{name: "engine not a URL", args: []string{"serve", "--cluster", "ext=mysql://u:p@h/db"}, wantErr: []string{"postgres://"}},
		{name: "engine without user", args: []string{"serve", "--no-embedded", "--cluster", "ext=postgres://127.0.0.1:5432/db"}, wantErr: []string{"needs host, user and database"}},
		{name: "duplicate engine", args: []string{"serve", "--cluster", "local=postgres://u:p@127.0.0.1/db"}, wantErr: []string{`cluster "local" is defined twice`}},
		{name: "half a TLS key pair", args: []string{"serve", "--pg-tls-cert-file", "/c.pem"}, wantErr: []string{"set both --pg-tls-cert-file and --pg-tls-key-file, or neither"}},
		{name: "bad log level", args: []string{"serve", "--log-level", "loud"}, wantErr: []string{"log level"}},
		{name: "bad listen", args: []string{"serve", "--listen", "nowhere"}, wantErr: []string{"listen"}},
		{name: "extra arguments", args: []string{"serve", "extra"}, wantErr: []string{"unexpected arguments"}},
		{name: "half root credentials", args: []string{"serve"}, env: map[string]string{"RSDATA_ROOT_ACCESS_KEY_ID": "AKIAEXAMPLE"},
			wantErr: []string{"RSDATA_ROOT_ACCESS_KEY_ID and RSDATA_ROOT_SECRET_ACCESS_KEY"}},
		{name: "unknown config setting", args: []string{"serve", "--config", badConfig}, wantErr: []string{badConfig, `unknown key "no_such_setting"`}},
		{name: "misspelled config key", args: []string{"serve", "--config", misspelled}, wantErr: []string{misspelled, `unknown key "data_dri" (did you mean "data-dir"?)`}},
		{name: "several problems at once", args: []string{"serve", "--account-id", "1", "--region", "moon"}, wantErr: []string{"account id", "region"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			getenv := func(k string) string { return tt.env[k] }
			err := run(context.Background(), tt.args, getenv, &stdout, &stderr)
			if err == nil {
				t.Fatalf("run(%q) = nil, want an error", tt.args)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("run(%q) = %q, want it to mention %q", tt.args, err, w)
				}
			}
			if tt.wantStderr != "" && !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("run(%q) stderr = %q, want it to contain %q", tt.args, stderr.String(), tt.wantStderr)
			}
			if strings.Contains(stdout.String(), "AWS_SECRET_ACCESS_KEY") {
				t.Errorf("run(%q) printed credentials although it failed:\n%s", tt.args, stdout.String())
			}
		})
	}
}

// TestRunVersionAndHelp: version, --version and every command's -h succeed,
// print to stdout, and the configured commands' help names each flag's
// environment variable.
func TestRunVersionAndHelp(t *testing.T) {
	t.Parallel()
	noEnv := func(string) string { return "" }
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, noEnv, &stdout, &stderr); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		if want := versionLine(debug.ReadBuildInfo()) + "\n"; stdout.String() != want {
			t.Errorf("%q printed %q, want %q", args, stdout.String(), want)
		}
	}
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"-help"}} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, noEnv, &stdout, &stderr); err != nil {
			t.Errorf("%q: %v", args, err)
		}
		for _, want := range []string{"rsdata serve", "rsdata env", "rsdata version"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("%q printed %q, want it to name %q", args, stdout.String(), want)
			}
		}
	}
	for _, args := range [][]string{{"serve", "-h"}, {"serve", "--help"}, {"env", "-h"}, {"env", "--data-dir", "/x", "-help"}, {"help", "serve"}, {"help", "env"}} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, noEnv, &stdout, &stderr); err != nil {
			t.Errorf("%q: %v", args, err)
		}
		for _, want := range []string{"--listen string", "RSDATA_LISTEN", "--data-dir", "RSDATA_DATA_DIR", "RSDATA_PEER_ACCOUNTS",
			"RSDATA_ROOT_ACCESS_KEY_ID", "RSDATA_PG_BINDIR", "Precedence"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("%q printed %q, want it to contain %q", args, stdout.String(), want)
			}
		}
	}
	for _, args := range [][]string{{"version", "-h"}, {"help", "version"}} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, noEnv, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "Usage: rsdata version") {
			t.Errorf("%q: %v, %q", args, err, stdout.String())
		}
	}
}

// TestVersionLine formats the module version and the VCS settings the Go
// toolchain records.
func TestVersionLine(t *testing.T) {
	t.Parallel()
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/rsdata/rsdata", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "-compiler", Value: "gc"}, {Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "abc123"},
			{Key: "vcs.time", Value: "2026-12-04T19:00:00Z"}, {Key: "vcs.modified", Value: "false"}}}
	if got, want := versionLine(bi, true), "rsdata v1.2.3 vcs.revision=abc123 vcs.time=2026-12-04T19:00:00Z vcs.modified=false go1.26.8"; got != want {
		t.Errorf("versionLine = %q, want %q", got, want)
	}
	if got := versionLine(&debug.BuildInfo{GoVersion: "go1.26.8"}, true); got != "rsdata (devel) go1.26.8" {
		t.Errorf("versionLine without a version = %q", got)
	}
}

// The binaries cannot be hidden from FindBinDir on a machine that has them
// (it also globs /usr/lib/postgresql/*/bin), so the error users would see is
// checked as text: it must say how to install them and how to do without.
func TestNoBinariesMessage(t *testing.T) {
	t.Parallel()
	msg := embedded.ErrNoBinaries.Error()
	for _, want := range []string{"apt-get install -y postgresql", "--no-embedded", "RSDATA_PG_BINDIR", "--cluster"} {
		if !strings.Contains(msg, want) {
			t.Errorf("ErrNoBinaries = %q, want it to mention %q", msg, want)
		}
	}
}
