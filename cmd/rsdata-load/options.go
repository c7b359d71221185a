package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// options is what one run does.
type options struct {
	Endpoint  string
	Region    string
	KeyID     string
	Secret    string
	Token     string
	Cluster   string
	Workgroup string
	Database  string
	DbUser    string

	// Large-result mode.
	Statements int
	Rows       int
	Width      int

	// Round-trip mode: this many sequential `select 1` round trips, each
	// after one `select 1` straight to PostgreSQL at FloorDSN when set.
	Select1  int
	FloorDSN string
	// Clients share the Select1 round trips, each with its own SDK client
	// and connection.
	Clients int

	// Flood mode: FloodBodies concurrent requests of BodyMiB MiB each,
	// signed then unsigned, FloodRounds times; then SlowBodies connections
	// that send a signed request's header and 5 bytes of its 1 MiB body and
	// stall, watched for at most SlowWait. A normal client runs select 1
	// round trips throughout.
	FloodBodies int
	BodyMiB     int
	FloodRounds int
	SlowBodies  int
	SlowWait    time.Duration

	Poll      time.Duration
	Timeout   time.Duration
	ServerPID int
}

// Bounds that keep one run of the command small enough for a shared
// machine, whatever the flags say.
const (
	maxStatements = 100
	maxRows       = 10_000_000
	maxWidth      = 60_000 // below the Data API's 64 KB row limit
	maxSelect1    = 1_000_000
	maxClients    = 64
	maxTimeout    = time.Hour
	maxFlood      = 256
	maxBodyMiB    = 16
	maxRounds     = 20
	maxSlow       = 1000
	maxSlowWait   = 5 * time.Minute
)

func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	o := options{Region: "us-east-1"}
	fs := flag.NewFlagSet("rsdata-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `rsdata-load: a bounded Data API load against a running rsdata on loopback

Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, when set,
AWS_SESSION_TOKEN; the region from AWS_REGION (default us-east-1).

By default it runs --statements statements of
  select repeat('x', WIDTH) from generate_series(1, ROWS)
at once, waits for all to finish, then pages through every result at once.
With --select1 N it instead runs N select 1 round trips (Execute, Describe
until FINISHED, GetStatementResult) and prints p50/p90; with --floor-dsn it
also times select 1 through pgx on that PostgreSQL, interleaved with the
round trips, and prints the ratio of the p50s. With --clients C the round
trips are shared by C clients at once, and it prints round trips per second
and the machine's CPU time per round trip (Linux).
With --flood-bodies N and/or --slow-bodies M it instead attacks the server's
bounds on request bodies: N concurrent ExecuteStatement requests of
--body-mib MiB, signed then unsigned, --flood-rounds times; then M
connections that send a signed request's header and 5 bytes of its 1 MiB body
and stall. It prints the replies, how long the stalled connections stayed
open, the server's peak RSS (with --server-pid) and how a normal client's
select 1 round trips fared meanwhile.

Flags:
`)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.Endpoint, "endpoint", "", "rsdata's Data API endpoint, e.g. http://127.0.0.1:7439 (loopback only; required)")
	fs.StringVar(&o.Cluster, "cluster", "local", "cluster identifier to run on")
	fs.StringVar(&o.Workgroup, "workgroup", "", "workgroup to run on; when set, --cluster is ignored")
	fs.StringVar(&o.Database, "database", "dev", "database")
	fs.StringVar(&o.DbUser, "db-user", "awsuser", "database user (clusters only)")
	fs.IntVar(&o.Statements, "statements", 20, fmt.Sprintf("statements run at once (1-%d)", maxStatements))
	fs.IntVar(&o.Rows, "rows", 100_000, fmt.Sprintf("rows per result (1-%d)", maxRows))
	fs.IntVar(&o.Width, "width", 1000, fmt.Sprintf("characters per row (1-%d)", maxWidth))
	fs.IntVar(&o.Select1, "select1", 0, fmt.Sprintf("run this many select 1 round trips instead (0-%d)", maxSelect1))
	fs.IntVar(&o.Clients, "clients", 1, fmt.Sprintf("with --select1: clients running the round trips at once, each with its own connection (1-%d)", maxClients))
	fs.StringVar(&o.FloorDSN, "floor-dsn", "", "with --select1: PostgreSQL URL (loopback) of the same cluster; each round trip is preceded by one select 1 there with pgx, and the ratio of the p50s printed (a password may come from PGPASSWORD)")
	fs.IntVar(&o.FloodBodies, "flood-bodies", 0, fmt.Sprintf("concurrent large requests per round, signed then unsigned (0-%d)", maxFlood))
	fs.IntVar(&o.BodyMiB, "body-mib", 8, fmt.Sprintf("with --flood-bodies: MiB per request body (1-%d)", maxBodyMiB))
	fs.IntVar(&o.FloodRounds, "flood-rounds", 3, fmt.Sprintf("with --flood-bodies: rounds of each kind (1-%d)", maxRounds))
	fs.IntVar(&o.SlowBodies, "slow-bodies", 0, fmt.Sprintf("connections that stall after 5 bytes of a 1 MiB body (0-%d)", maxSlow))
	fs.DurationVar(&o.SlowWait, "slow-wait", 75*time.Second, fmt.Sprintf("with --slow-bodies: how long to wait for the server to close them (at most %v)", maxSlowWait))
	fs.DurationVar(&o.Poll, "poll", 50*time.Millisecond, "pause between DescribeStatement polls of large statements")
	fs.DurationVar(&o.Timeout, "timeout", 10*time.Minute, fmt.Sprintf("bound on the whole run (at most %v)", maxTimeout))
	fs.IntVar(&o.ServerPID, "server-pid", 0, "pid of the rsdata server to sample memory of (Linux /proc), with its child processes")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	o.KeyID, o.Secret, o.Token = getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN")
	if r := getenv("AWS_REGION"); r != "" {
		o.Region = r
	}
	return o, o.validate()
}

func (o options) validate() error {
	var errs []error
	if err := checkLoopback(o.Endpoint); err != nil {
		errs = append(errs, err)
	}
	if o.KeyID == "" || o.Secret == "" {
		errs = append(errs, errors.New("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"))
	}
	if o.Cluster == "" && o.Workgroup == "" {
		errs = append(errs, errors.New("give --cluster or --workgroup"))
	}
	if o.Database == "" {
		errs = append(errs, errors.New("--database must not be empty"))
	}
	if o.Statements < 1 || o.Statements > maxStatements {
		errs = append(errs, fmt.Errorf("--statements must be 1-%d", maxStatements))
	}
	if o.Rows < 1 || o.Rows > maxRows {
		errs = append(errs, fmt.Errorf("--rows must be 1-%d", maxRows))
	}
	if o.Width < 1 || o.Width > maxWidth {
		errs = append(errs, fmt.Errorf("--width must be 1-%d", maxWidth))
	}
	if o.Select1 < 0 || o.Select1 > maxSelect1 {
		errs = append(errs, fmt.Errorf("--select1 must be 0-%d", maxSelect1))
	}
	if o.Clients < 1 || o.Clients > maxClients {
		errs = append(errs, fmt.Errorf("--clients must be 1-%d", maxClients))
	}
	if o.FloorDSN != "" {
		if err := checkLoopbackDSN(o.FloorDSN); err != nil {
			errs = append(errs, err)
		}
		if o.Clients > 1 {
			errs = append(errs, errors.New("--floor-dsn times one client's round trips; use it with --clients 1"))
		}
	}
	if o.FloodBodies < 0 || o.FloodBodies > maxFlood {
		errs = append(errs, fmt.Errorf("--flood-bodies must be 0-%d", maxFlood))
	}
	if o.BodyMiB < 1 || o.BodyMiB > maxBodyMiB {
		errs = append(errs, fmt.Errorf("--body-mib must be 1-%d", maxBodyMiB))
	}
	if o.FloodRounds < 1 || o.FloodRounds > maxRounds {
		errs = append(errs, fmt.Errorf("--flood-rounds must be 1-%d", maxRounds))
	}
	if o.SlowBodies < 0 || o.SlowBodies > maxSlow {
		errs = append(errs, fmt.Errorf("--slow-bodies must be 0-%d", maxSlow))
	}
	if o.SlowWait <= 0 || o.SlowWait > maxSlowWait {
		errs = append(errs, fmt.Errorf("--slow-wait must be positive and at most %v", maxSlowWait))
	}
	if o.Poll < 0 || o.Poll > time.Minute {
		errs = append(errs, errors.New("--poll must be between 0 and 1m"))
	}
	if o.Timeout <= 0 || o.Timeout > maxTimeout {
		errs = append(errs, fmt.Errorf("--timeout must be positive and at most %v", maxTimeout))
	}
	if o.ServerPID < 0 {
		errs = append(errs, errors.New("--server-pid must be a pid"))
	}
	return errors.Join(errs...)
}

// checkLoopback accepts only http(s) URLs whose host is a loopback address
// or "localhost": the command is a load generator for one's own machine.
func checkLoopback(endpoint string) error {
	if endpoint == "" {
		return errors.New("--endpoint is required")
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--endpoint %q: want http://HOST:PORT", endpoint)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--endpoint %q: only loopback addresses (127.0.0.0/8, ::1, localhost) are allowed", endpoint)
}

// checkLoopbackDSN accepts only a PostgreSQL address on a loopback host or a
// Unix socket.
func checkLoopbackDSN(dsn string) error {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("--floor-dsn: %w", err)
	}
	if strings.HasPrefix(cfg.Host, "/") {
		return nil
	}
	if ip := net.ParseIP(cfg.Host); cfg.Host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--floor-dsn host %q: only loopback addresses are allowed", cfg.Host)
	}
	return nil
}
