package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBinaryVersionAndHelp runs the built binary: --version and version
// print the line `go version -m` implies for it, and -h exits 0 on every
// command.
func TestBinaryVersionAndHelp(t *testing.T) {
	t.Parallel()
	bin := rsdataBinary(t)
	env := cleanEnv("RSDATA_")

	// The oracle: what the toolchain recorded in the binary.
	gm := runCommand(t, os.Environ(), "go", "version", "-m", bin)
	if gm.Code != 0 {
		t.Fatalf("go version -m: exit %d: %s", gm.Code, gm.Stderr)
	}
	var goVersion, modVersion string
	var vcs []string
	for i, line := range strings.Split(gm.Stdout, "\n") {
		f := strings.Split(strings.TrimSpace(line), "\t")
		switch {
		case i == 0:
			goVersion = strings.TrimSpace(line[strings.LastIndex(line, " ")+1:])
		case len(f) >= 3 && f[0] == "mod":
			modVersion = f[2]
		case len(f) == 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs."):
			vcs = append(vcs, f[1])
		}
	}
	want := strings.Join(append(append([]string{"rsdata", modVersion}, vcs...), goVersion), " ") + "\n"
	for _, arg := range []string{"--version", "version"} {
		res := runCommand(t, env, bin, arg)
		if res.Code != 0 || res.Stdout != want {
			t.Errorf("rsdata %s: exit %d, printed %q, want %q (stderr %q)", arg, res.Code, res.Stdout, want, res.Stderr)
		}
	}

	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {"serve", "-h"}, {"serve", "--help"}, {"env", "-h"},
		{"env", "--help"}, {"version", "-h"}, {"help", "serve"}} {
		res := runCommand(t, env, bin, args...)
		if res.Code != 0 || !strings.Contains(res.Stdout, "rsdata") {
			t.Errorf("rsdata %s: exit %d, stdout %q, stderr %q; want exit 0 and the usage", strings.Join(args, " "), res.Code, res.Stdout, res.Stderr)
		}
		if (args[0] == "serve" || args[0] == "env") && !regexp.MustCompile(`(?m)^  --data-dir string +env RSDATA_DATA_DIR$`).MatchString(res.Stdout) {
			t.Errorf("rsdata %s lists no environment variable with --data-dir:\n%s", strings.Join(args, " "), res.Stdout)
		}
	}
	for _, args := range [][]string{{"frobnicate"}, {"serve", "--lisen", "127.0.0.1:1"}, {}} {
		if res := runCommand(t, env, bin, args...); res.Code != 1 || res.Stderr == "" {
			t.Errorf("rsdata %s: exit %d, stderr %q; want exit 1 and a reason", strings.Join(args, " "), res.Code, res.Stderr)
		}
	}
}

// TestEnvCommand evaluates `rsdata env` in sh against a running server
// whose address is not the configured one (so it must come from the lock
// file), and the AWS CLI uses the result. Server and env read the region
// from the environment over the config file, whose keys are in both
// spellings; the server refuses requests signed for another region.
func TestEnvCommand(t *testing.T) {
	t.Parallel()
	config := filepath.Join(newDataDir(t), "rsdata.json")
	if err := os.WriteFile(config, []byte(`{"region": "eu-west-1", "log_format": "json"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	settings := []string{"RSDATA_CONFIG=" + config, "RSDATA_REGION=eu-west-2"}
	s := startServe(t, serveOptions{Listen: "127.0.0.1:0", Env: settings})
	bin := rsdataBinary(t)
	rc := s.RootCredentials()

	var env []string
	for _, kv := range awsEnv(t, nil) {
		if !strings.HasPrefix(kv, "RSDATA_") {
			env = append(env, kv)
		}
	}
	env = append(append(env, settings...), "RSD="+bin, "RSDATA_DATA_DIR="+s.DataDir)

	res := runCommand(t, env, "sh", "-c", `eval "$("$RSD" env)" && env`)
	if res.Code != 0 {
		t.Fatalf("eval \"$(rsdata env)\": exit %d: %s", res.Code, res.Stderr)
	}
	got := map[string]string{}
	for _, kv := range strings.Split(res.Stdout, "\n") {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "AWS_") {
			got[k] = v
		}
	}
	for k, want := range map[string]string{"AWS_ACCESS_KEY_ID": rc.AccessKeyID, "AWS_SECRET_ACCESS_KEY": rc.SecretAccessKey,
		"AWS_REGION": "eu-west-2", "AWS_DEFAULT_REGION": "eu-west-2", "AWS_ENDPOINT_URL": s.Endpoint} {
		if got[k] != want {
			t.Errorf("after eval \"$(rsdata env)\", %s=%q, want %q", k, got[k], want)
		}
	}

	res = runCommand(t, env, "sh", "-c", `eval "$("$RSD" env)" && aws --output json redshift-data execute-statement `+
		`--cluster-identifier local --database dev --db-user awsuser --sql "select 42"`)
	var out struct{ Id string }
	if res.Code != 0 || json.Unmarshal([]byte(res.Stdout), &out) != nil || out.Id == "" {
		t.Fatalf("aws after eval \"$(rsdata env)\": exit %d, stdout %q, stderr %q", res.Code, res.Stdout, res.Stderr)
	}

	// Once the server has stopped, the configured address is printed.
	s.Stop()
	// log_format json, from the file under its old key, applies too.
	if !strings.Contains(s.Stderr.String(), `"msg":"request"`) {
		t.Errorf("log_format in the config file did not apply: no request line in JSON")
	}
	res = runCommand(t, env, bin, "env", "--listen", "0.0.0.0:7777")
	if res.Code != 0 || !strings.Contains(res.Stdout, "AWS_ENDPOINT_URL=http://127.0.0.1:7777\n") {
		t.Errorf("rsdata env with no server running: exit %d, stdout %q, stderr %q", res.Code, res.Stdout, res.Stderr)
	}

	// A data dir no rsdata has used has no credentials to print.
	res = runCommand(t, env, bin, "env", "--data-dir", newDataDir(t))
	if res.Code != 1 || !strings.Contains(res.Stderr, "no root credentials") || res.Stdout != "" {
		t.Errorf("rsdata env on an unused data dir: exit %d, stdout %q, stderr %q", res.Code, res.Stdout, res.Stderr)
	}
}
