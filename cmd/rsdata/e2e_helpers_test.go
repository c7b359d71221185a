package main

// Helpers for the end-to-end tests: building the rsdata binary once, running
// `rsdata serve` as a child process with its own data dir, and talking to it
// with the AWS CLI, boto3, psql and aws-sdk-go-v2.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"

	"github.com/rsdata/rsdata/internal/engines/embedded"
)

// Bounds on everything the tests wait for.
const (
	buildTimeout     = 5 * time.Minute
	readyTimeout     = 90 * time.Second
	stopTimeout      = 60 * time.Second
	commandTimeout   = 2 * time.Minute
	statementWait    = 60 * time.Second
	pollInterval     = 50 * time.Millisecond
	postgresExitWait = 60 * time.Second
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// rsdataBinary builds ./cmd/rsdata once per test run and returns its path.
func rsdataBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
		if err != nil {
			buildErr = fmt.Errorf("go env GOMOD: %w", err)
			return
		}
		gomod := strings.TrimSpace(string(out))
		if gomod == "" || gomod == os.DevNull {
			buildErr = errors.New("go env GOMOD: not inside the module")
			return
		}
		if buildDir, err = os.MkdirTemp("", "rsd-e2e-bin-"); err != nil {
			buildErr = err
			return
		}
		bin := filepath.Join(buildDir, "rsdata")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/rsdata")
		cmd.Dir = filepath.Dir(gomod)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/rsdata: %w\n%s", err, out)
			return
		}
		binPath = bin
	})
	if buildErr != nil {
		t.Fatalf("building rsdata: %v", buildErr)
	}
	return binPath
}

// newDataDir returns a fresh directory the postgres system user can
// traverse (t.TempDir's parents are not), removed when the test ends.
func newDataDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "rsd-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// lockedBuffer collects a child's output while it runs.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveOptions describe one `rsdata serve` start.
type serveOptions struct {
	// DataDir is reused across starts of the same test; "" makes a new one.
	DataDir string
	// Args are extra flags after the ones every test passes.
	Args []string
	// Env is added to the child's environment.
	Env []string
	// NoEmbedded skips the --cluster-port/--workgroup-port flags, for
	// --no-embedded runs.
	NoEmbedded bool
	// Listen is the --listen address; "" picks a free port. With port 0 the
	// bound address is read from rsdata's "serving" log line.
	Listen string
	// NoWait returns as soon as the process has started, without waiting
	// for /healthz.
	NoWait bool
}

// server is a running `rsdata serve` child process.
type server struct {
	t        testing.TB
	DataDir  string
	Listen   string // host:port of the Data API
	Endpoint string // http://host:port
	cmd      *exec.Cmd
	Stdout   *lockedBuffer
	Stderr   *lockedBuffer

	exited  chan struct{}
	state   *os.ProcessState
	waitErr error
}

// startServe runs `rsdata serve` and waits until /healthz answers. The
// process is stopped (SIGTERM, then SIGKILL) when the test ends.
func startServe(t testing.TB, opts serveOptions) *server {
	t.Helper()
	bin := rsdataBinary(t)
	if opts.DataDir == "" {
		opts.DataDir = newDataDir(t)
	}
	listen := opts.Listen
	if listen == "" {
		listen = net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
	}
	args := []string{"serve", "--listen", listen, "--data-dir", opts.DataDir, "--shutdown-timeout", "10s"}
	if !opts.NoEmbedded {
		// Port 0: embedded.Start picks free ports, so tests never collide
		// with a developer's rsdata or with each other.
		args = append(args, "--cluster-port", "0", "--workgroup-port", "0")
	}
	args = append(args, opts.Args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(cleanEnv("RSDATA_"), opts.Env...)
	s := &server{t: t, DataDir: opts.DataDir, Listen: listen, Endpoint: "http://" + listen, cmd: cmd,
		Stdout: &lockedBuffer{}, Stderr: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.Stdout, s.Stderr
	// If the test binary dies, rsdata shuts down rather than lingering.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start rsdata: %v", err)
	}
	go func() {
		s.waitErr = cmd.Wait()
		s.state = cmd.ProcessState
		close(s.exited)
	}()
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("rsdata %s stdout:\n%s", s.DataDir, s.Stdout.String())
			t.Logf("rsdata %s stderr:\n%s", s.DataDir, tailLines(s.Stderr.String(), 60))
		}
	})
	if opts.NoWait {
		return s
	}
	if strings.HasSuffix(listen, ":0") {
		s.Listen = s.waitForOutput(s.Stderr, servingLine, "serving address")[1]
		s.Endpoint = "http://" + s.Listen
	}
	s.waitHealthy()
	// rsdata prints its banner before it accepts requests, but its stdout
	// and stderr reach this process through separate pipes, so the banner
	// may still be in transit when /healthz answers.
	s.waitForOutput(s.Stdout, bannerEnd, "banner")
	return s
}

var (
	// The "serving" log line, in the text or the JSON log format.
	servingLine = regexp.MustCompile(`(?:msg=serving addr=|"msg":"serving","addr":")([^"\s]+)`)
	// bannerEnd is the banner's last line.
	bannerEnd = regexp.MustCompile(`(?m)^Data API endpoint: (\S+)$`)
)

// waitForOutput waits for re to match what rsdata wrote to out and returns
// the match; what names the awaited output in failures.
func (s *server) waitForOutput(out *lockedBuffer, re *regexp.Regexp, what string) []string {
	s.t.Helper()
	deadline := time.Now().Add(readyTimeout)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m
		}
		select {
		case <-s.exited:
			s.t.Fatalf("rsdata exited before printing its %s (%v); stdout:\n%s\nstderr:\n%s", what, s.waitErr, s.Stdout.String(), tailLines(s.Stderr.String(), 40))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("rsdata printed no %s within %s; stdout:\n%s\nstderr:\n%s", what, readyTimeout, s.Stdout.String(), tailLines(s.Stderr.String(), 40))
		}
	}
}

func (s *server) waitHealthy() {
	s.t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(readyTimeout)
	for {
		resp, err := client.Get(s.Endpoint + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-s.exited:
			s.t.Fatalf("rsdata exited before serving (%v); stderr:\n%s", s.waitErr, tailLines(s.Stderr.String(), 40))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("rsdata did not answer /healthz within %s; stderr:\n%s", readyTimeout, tailLines(s.Stderr.String(), 40))
		}
	}
}

// Stop sends SIGTERM and waits, escalating to SIGKILL after stopTimeout. It
// is idempotent and returns the exit state.
func (s *server) Stop() *os.ProcessState {
	select {
	case <-s.exited:
		return s.state
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		s.t.Errorf("rsdata did not exit within %s of SIGTERM; killing it", stopTimeout)
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	return s.state
}

// Kill9 kills rsdata outright and reaps it.
func (s *server) Kill9() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatalf("kill -9 rsdata: %v", err)
	}
	<-s.exited
}

// Pid is the rsdata process id.
func (s *server) Pid() int { return s.cmd.Process.Pid }

// exportLine is the `export AWS_...` line rsdata prints for the root
// credentials.
var exportLine = regexp.MustCompile(`(?m)^\s*export (AWS_ACCESS_KEY_ID=.*)$`)

// PrintedEnv returns the variables of the printed export line, as a shell
// sets them when the line is pasted (it reads the secret key from its file
// when stdout is not a terminal).
func (s *server) PrintedEnv() map[string]string {
	s.t.Helper()
	m := exportLine.FindStringSubmatch(s.Stdout.String())
	if m == nil {
		s.t.Fatalf("rsdata printed no export line; stdout:\n%s", s.Stdout.String())
	}
	env := shellExport(s.t, m[0])
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"} {
		if env[k] == "" {
			s.t.Fatalf("export line %q sets no %s", m[0], k)
		}
	}
	return env
}

// shellExport runs an export line in sh and returns the AWS_ variables it
// sets.
func shellExport(t testing.TB, line string) map[string]string {
	t.Helper()
	res := runCommand(t, []string{"PATH=" + os.Getenv("PATH")}, "sh", "-c", strings.TrimSpace(line)+" && env")
	if res.Code != 0 {
		t.Fatalf("sh -c %q: exit %d: %s", line, res.Code, res.Stderr)
	}
	env := map[string]string{}
	for _, kv := range strings.Split(res.Stdout, "\n") {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "AWS_") {
			env[k] = v
		}
	}
	return env
}

// rootCredentials reads <data-dir>/root-credentials.json.
type rootCredentials struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
}

func (s *server) RootCredentials() rootCredentials {
	s.t.Helper()
	path := filepath.Join(s.DataDir, "root-credentials.json")
	st, err := os.Stat(path)
	if err != nil {
		s.t.Fatalf("root credentials file: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		s.t.Errorf("%s has mode %v, want 0600", path, st.Mode().Perm())
	}
	var rc rootCredentials
	readJSON(s.t, path, &rc)
	if rc.AccessKeyID == "" || rc.SecretAccessKey == "" {
		s.t.Fatalf("%s holds no credentials", path)
	}
	return rc
}

type masterLogin struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// MasterLogins reads <data-dir>/master-users.json.
func (s *server) MasterLogins() map[string]masterLogin {
	s.t.Helper()
	var m map[string]masterLogin
	readJSON(s.t, filepath.Join(s.DataDir, "master-users.json"), &m)
	return m
}

// EnginePort is the PostgreSQL port the banner prints for an engine.
func (s *server) EnginePort(kind, name string) int {
	s.t.Helper()
	re := regexp.MustCompile(`(?m)^` + kind + `\s+` + regexp.QuoteMeta(name) + `\s+postgres 127\.0\.0\.1:(\d+) `)
	m := re.FindStringSubmatch(s.Stdout.String())
	if m == nil {
		s.t.Fatalf("banner names no %s %s; stdout:\n%s", kind, name, s.Stdout.String())
	}
	p, _ := strconv.Atoi(m[1])
	return p
}

// Client is an aws-sdk-go-v2 Data API client for this server.
func (s *server) Client(accessKeyID, secret string) *redshiftdata.Client {
	return redshiftdata.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(accessKeyID, secret, ""),
		BaseEndpoint: aws.String(s.Endpoint),
	})
}

// RootClient is a client with the root credentials from the data dir.
func (s *server) RootClient() *redshiftdata.Client {
	rc := s.RootCredentials()
	return s.Client(rc.AccessKeyID, rc.SecretAccessKey)
}

func readJSON(t testing.TB, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
}

// cleanEnv is this process's environment without variables starting with
// any of the prefixes, so a developer's settings do not leak into children.
func cleanEnv(prefixes ...string) []string {
	var env []string
next:
	for _, kv := range os.Environ() {
		for _, p := range prefixes {
			if strings.HasPrefix(kv, p) {
				continue next
			}
		}
		env = append(env, kv)
	}
	return env
}

// awsEnv is a hermetic environment for the AWS CLI and boto3: no profile,
// config or credentials files of the developer's, plus vars.
func awsEnv(t testing.TB, vars map[string]string) []string {
	t.Helper()
	missing := filepath.Join(os.TempDir(), "rsd-e2e-no-such-aws-file")
	env := append(cleanEnv("AWS_", "BOTO_"),
		"AWS_CONFIG_FILE="+missing, "AWS_SHARED_CREDENTIALS_FILE="+missing,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// cmdResult is a finished child command.
type cmdResult struct {
	Stdout, Stderr string
	Code           int
}

// runCommand runs a command to completion, bounded by commandTimeout.
func runCommand(t testing.TB, env []string, name string, args ...string) cmdResult {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is required by this test and is not on PATH: %v", name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	res := cmdResult{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s %s did not finish within %s; stderr:\n%s", name, strings.Join(args, " "), commandTimeout, res.Stderr)
	case errors.As(err, &exitErr):
		res.Code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("run %s: %v", name, err)
	}
	return res
}

// awsCLI runs `aws --output json <args>` with env.
func awsCLI(t testing.TB, env []string, args ...string) cmdResult {
	t.Helper()
	return runCommand(t, env, "aws", append([]string{"--output", "json"}, args...)...)
}

// awsJSON runs the AWS CLI, requires success and decodes its output.
func awsJSON(t testing.TB, env []string, into any, args ...string) {
	t.Helper()
	res := awsCLI(t, env, args...)
	if res.Code != 0 {
		t.Fatalf("aws %s: exit %d\nstderr: %s", strings.Join(args, " "), res.Code, res.Stderr)
	}
	if err := json.Unmarshal([]byte(res.Stdout), into); err != nil {
		t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, res.Stdout)
	}
}

// psqlPath is the psql of the server binaries rsdata uses, else PATH's.
func psqlPath(t testing.TB) string {
	t.Helper()
	if dir, err := embedded.FindBinDir(); err == nil {
		if p := filepath.Join(dir, "psql"); isExecutable(p) {
			return p
		}
	}
	p, err := exec.LookPath("psql")
	if err != nil {
		t.Fatalf("psql is required by this test: not found beside the PostgreSQL server binaries nor on PATH")
	}
	return p
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// psql runs one SQL command with psql over TCP and returns its result.
func psql(t testing.TB, conninfo, password, sql string) cmdResult {
	t.Helper()
	env := append(cleanEnv("PG"), "PGPASSWORD="+password, "PGCONNECT_TIMEOUT=10")
	return runCommand(t, env, psqlPath(t), conninfo, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql)
}

// mustPsql is psql that must succeed; it returns trimmed stdout.
func mustPsql(t testing.TB, conninfo, password, sql string) string {
	t.Helper()
	res := psql(t, conninfo, password, sql)
	if res.Code != 0 {
		t.Fatalf("psql %q: exit %d\nstderr: %s", sql, res.Code, res.Stderr)
	}
	return strings.TrimSpace(res.Stdout)
}

// execute runs sql through the Go SDK on a cluster (dbUser set) or a
// workgroup and returns the statement id.
func execute(t testing.TB, c *redshiftdata.Client, in redshiftdata.ExecuteStatementInput) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := c.ExecuteStatement(ctx, &in)
	if err != nil {
		t.Fatalf("ExecuteStatement %q: %v", aws.ToString(in.Sql), err)
	}
	if aws.ToString(out.Id) == "" {
		t.Fatalf("ExecuteStatement %q returned no Id", aws.ToString(in.Sql))
	}
	return aws.ToString(out.Id)
}

// onCluster is an ExecuteStatementInput for cluster "local" as awsuser.
func onCluster(sql string) redshiftdata.ExecuteStatementInput {
	return redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"), Database: aws.String("dev"),
		DbUser: aws.String("awsuser"), Sql: aws.String(sql)}
}

func terminal(s types.StatusString) bool {
	return s == types.StatusStringFinished || s == types.StatusStringFailed || s == types.StatusStringAborted
}

// waitStatus polls DescribeStatement until done(status) holds.
func waitStatus(t testing.TB, c *redshiftdata.Client, id string, done func(types.StatusString) bool) *redshiftdata.DescribeStatementOutput {
	t.Helper()
	deadline := time.Now().Add(statementWait)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := c.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: aws.String(id)})
		cancel()
		if err != nil {
			t.Fatalf("DescribeStatement %s: %v", id, err)
		}
		if done(out.Status) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("statement %s still %s after %s", id, out.Status, statementWait)
		}
		time.Sleep(pollInterval)
	}
}

// waitDone waits for a terminal status.
func waitDone(t testing.TB, c *redshiftdata.Client, id string) *redshiftdata.DescribeStatementOutput {
	t.Helper()
	return waitStatus(t, c, id, terminal)
}

// mustFinish waits and requires FINISHED.
func mustFinish(t testing.TB, c *redshiftdata.Client, id string) *redshiftdata.DescribeStatementOutput {
	t.Helper()
	d := waitDone(t, c, id)
	if d.Status != types.StatusStringFinished {
		t.Fatalf("statement %s (%s) ended %s: %s", id, aws.ToString(d.QueryString), d.Status, aws.ToString(d.Error))
	}
	return d
}

// allRecords reads every page of a result with the SDK's paginator.
func allRecords(t testing.TB, c *redshiftdata.Client, id string) (rows [][]types.Field, pages int, total int64) {
	t.Helper()
	p := redshiftdata.NewGetStatementResultPaginator(c, &redshiftdata.GetStatementResultInput{Id: aws.String(id)})
	for p.HasMorePages() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := p.NextPage(ctx)
		cancel()
		if err != nil {
			t.Fatalf("GetStatementResult %s page %d: %v", id, pages, err)
		}
		pages++
		total = out.TotalNumRows
		rows = append(rows, out.Records...)
	}
	return rows, pages, total
}

// longValue returns a Field's long value or fails.
func longValue(t testing.TB, f types.Field) int64 {
	t.Helper()
	v, ok := f.(*types.FieldMemberLongValue)
	if !ok {
		t.Fatalf("field %#v is not a longValue", f)
	}
	return v.Value
}

// stringValue returns a Field's string value or fails.
func stringValue(t testing.TB, f types.Field) string {
	t.Helper()
	v, ok := f.(*types.FieldMemberStringValue)
	if !ok {
		t.Fatalf("field %#v is not a stringValue", f)
	}
	return v.Value
}

// postgresProcesses lists live processes whose command line mentions dir
// (the postmasters rsdata started with -D under it). Zombies have an empty
// command line and are not listed.
func postgresProcesses(dir string) []string {
	entries, _ := os.ReadDir("/proc")
	var found []string
	self := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil || e.Name() == self {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(b) == 0 {
			continue
		}
		cmdline := strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ")
		if strings.Contains(cmdline, dir) && strings.Contains(cmdline, "postgres") {
			found = append(found, e.Name()+": "+cmdline)
		}
	}
	return found
}

// postmasterPIDs reads the postmaster.pid files under <data-dir>/pg.
func postmasterPIDs(dataDir string) map[string]int {
	pids := map[string]int{}
	files, _ := filepath.Glob(filepath.Join(dataDir, "pg", "*", "postmaster.pid"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		line, _, _ := strings.Cut(string(b), "\n")
		if pid, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && pid > 0 {
			pids[filepath.Base(filepath.Dir(f))] = pid
		}
	}
	return pids
}

// processAlive is false for a missing or zombie process.
func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// waitNoPostgres waits, bounded, until no process under dir and none of
// pids is alive, and fails listing what remains.
func waitNoPostgres(t testing.TB, dir string, pids map[string]int) {
	t.Helper()
	deadline := time.Now().Add(postgresExitWait)
	for {
		var left []string
		for name, pid := range pids {
			if processAlive(pid) {
				left = append(left, fmt.Sprintf("postmaster of %s (pid %d)", name, pid))
			}
		}
		left = append(left, postgresProcesses(dir)...)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("PostgreSQL processes of %s still running after %s:\n%s", dir, postgresExitWait, strings.Join(left, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// cliWait polls describe-statement with env until the statement ends.
func cliWait(t testing.TB, env []string, id string) cliStatement {
	t.Helper()
	deadline := time.Now().Add(statementWait)
	for {
		var d cliStatement
		awsJSON(t, env, &d, "redshift-data", "describe-statement", "--id", id)
		switch d.Status {
		case "FINISHED", "FAILED", "ABORTED":
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("statement %s still %s after %s", id, d.Status, statementWait)
		}
		time.Sleep(pollInterval)
	}
}

// pgServer is where an embedded server listens, as its postmaster.pid
// (in <data-dir>/pg/<name>) says.
type pgServer struct {
	PID       int
	Port      int
	SocketDir string
}

// EmbeddedServer reads the postmaster.pid of embedded server name
// ("cluster-local", "workgroup-default", "control").
func (s *server) EmbeddedServer(name string) pgServer {
	s.t.Helper()
	b, err := os.ReadFile(filepath.Join(s.DataDir, "pg", name, "postmaster.pid"))
	if err != nil {
		s.t.Fatalf("embedded server %s: %v", name, err)
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 5 {
		s.t.Fatalf("embedded server %s: short postmaster.pid %q", name, b)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(lines[0]))
	port, _ := strconv.Atoi(strings.TrimSpace(lines[3]))
	return pgServer{PID: pid, Port: port, SocketDir: strings.TrimSpace(lines[4])}
}

// adminPsql runs sql as the operator would: as rsdata's bootstrap role
// "rsdata", through the Unix socket of embedded server name, which only
// the server's OS user and root can open. It must succeed.
func (s *server) adminPsql(name, db, sql string) string {
	s.t.Helper()
	srv := s.EmbeddedServer(name)
	env := append(cleanEnv("PG"), "PGCONNECT_TIMEOUT=10")
	res := runCommand(s.t, env, psqlPath(s.t), fmt.Sprintf("host=%s port=%d user=rsdata dbname=%s", srv.SocketDir, srv.Port, db),
		"-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql)
	if res.Code != 0 {
		s.t.Fatalf("admin psql on %s %q: exit %d\nstderr: %s", name, sql, res.Code, res.Stderr)
	}
	return strings.TrimSpace(res.Stdout)
}
