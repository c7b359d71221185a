// Package apptest runs a real rsdata App for tests: its cluster "local" and
// workgroup "default" are served by the package's throwaway PostgreSQL, its
// store lives in a fresh database, and tests talk to it through
// httptest.NewServer with real aws-sdk-go-v2 clients.
package apptest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"

	"github.com/rsdata/rsdata/internal/app"
	"github.com/rsdata/rsdata/internal/config"
	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/sdkhttp"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// Test credentials of the root user.
const (
	AccessKeyID     = "AKIATESTROOT00000001"
	SecretAccessKey = "test-root-secret-access-key-000000000000"
	Region          = "us-east-1"
	AccountID       = "123456789012"
)

// Env is a running App and what tests need to reach it.
type Env struct {
	App      *app.App
	Server   *httptest.Server
	PG       *pgtest.Server
	Database string // the cluster's and workgroup's database
	StoreDB  string
	Client   *redshiftdata.Client
	Clock    *Clock

	stopOnce sync.Once
}

// Options adjusts the App under test.
type Options struct {
	MaxActiveStatements int
	MaxRunTime          time.Duration
	Limits              results.Limits
	// Configure adjusts the configuration before the App starts.
	Configure func(*config.Config)
	// StoreDB reuses a store database (to test restarts); "" makes one.
	StoreDB string
	// Database reuses a target database; "" makes one.
	Database string
	DataDir  string
	// Stdout receives the start-up banner, which App.Serve prints.
	Stdout io.Writer
	// Dialect is both engines' SQL dialect; "" is Redshift, the default.
	Dialect dialect.Mode
}

// Clock is a settable clock; it starts at the real time and only moves when
// told to.
type Clock struct {
	mu  sync.Mutex
	off time.Duration
}

// Now implements statement.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// Start runs an App for the test and stops it when the test ends.
func Start(t testing.TB, opts Options) *Env {
	t.Helper()
	pg := pgtest.Start(t)
	env := &Env{PG: pg, Database: opts.Database, StoreDB: opts.StoreDB, Clock: &Clock{}}
	if env.Database == "" {
		env.Database = pg.NewDatabase(t)
		// The master users are made as `rsdata serve` makes them: no
		// PostgreSQL superuser, CREATEDB, reading and writing every table;
		// both share the test's database, so both get what owning it gives.
		pg.Exec(t, env.Database, `DO $$ BEGIN
			IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'awsuser') THEN CREATE ROLE awsuser LOGIN CREATEDB; END IF;
			IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'admin') THEN CREATE ROLE admin LOGIN CREATEDB; END IF;
			IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'plainuser') THEN CREATE ROLE plainuser LOGIN; END IF;
		END $$; GRANT pg_read_all_data, pg_write_all_data, pg_signal_backend TO awsuser, admin;
		GRANT ALL ON DATABASE `+env.Database+` TO awsuser, admin;
		GRANT CREATE, USAGE ON SCHEMA public TO PUBLIC`)
	}
	if env.StoreDB == "" {
		env.StoreDB = pg.NewDatabase(t)
	}
	cfg := config.Default(func(string) string { return "" })
	cfg.Embedded = false
	cfg.DataDir = opts.DataDir
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	cfg.StoreDSN = pg.ConnString("postgres", env.StoreDB)
	cfg.RootAccessKeyID, cfg.RootSecretAccessKey = AccessKeyID, SecretAccessKey
	if opts.MaxActiveStatements > 0 {
		cfg.MaxActiveStatements = opts.MaxActiveStatements
	}
	if opts.MaxRunTime > 0 {
		cfg.MaxRunTime = config.Duration(opts.MaxRunTime)
	}
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	endpoint := func(kind engines.Kind, name, master string) *engines.Endpoint {
		return &engines.Endpoint{Kind: kind, Name: name, Host: "127.0.0.1", Port: pg.Port(),
			SocketDir: pg.SocketDir(), AdminUser: "postgres", MasterUser: master, Database: env.Database, Embedded: true,
			Dialect: opts.Dialect}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a, err := app.New(ctx, app.Options{
		Config:       cfg,
		Endpoints:    []*engines.Endpoint{endpoint(engines.Cluster, "local", "awsuser"), endpoint(engines.Workgroup, "default", "admin")},
		Clock:        env.Clock,
		ResultLimits: opts.Limits,
		Stdout:       opts.Stdout,
	})
	if err != nil {
		t.Fatalf("apptest: start app: %v", err)
	}
	env.App = a
	env.Server = httptest.NewServer(a.Handler())
	t.Cleanup(env.Stop)
	env.Client = env.NewClient(AccessKeyID, SecretAccessKey)
	return env
}

// Stop shuts the App down as `rsdata serve` does on SIGTERM: HTTP first,
// then statements, pools and the store. It is idempotent.
func (e *Env) Stop() {
	e.stopOnce.Do(func() {
		e.Server.Close()
		e.App.Shutdown(context.Background())
	})
}

// AWSConfig returns an SDK configuration that reaches the App with the given
// credentials and no retries (so refusals surface at once).
func (e *Env) AWSConfig(accessKeyID, secret string) aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKeyID, secret, ""),
		BaseEndpoint: aws.String(e.Server.URL),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   &http.Client{Transport: sdkhttp.BufferedBodies{Next: http.DefaultTransport.(*http.Transport).Clone()}},
	}
}

// NewClient returns a Data API client using the given credentials.
func (e *Env) NewClient(accessKeyID, secret string) *redshiftdata.Client {
	return redshiftdata.NewFromConfig(e.AWSConfig(accessKeyID, secret))
}

// Wait polls DescribeStatement until the statement is terminal.
func (e *Env) Wait(t testing.TB, id string) *redshiftdata.DescribeStatementOutput {
	t.Helper()
	return e.WaitWith(t, e.Client, id)
}

// WaitWith is Wait through another client (another caller).
func (e *Env) WaitWith(t testing.TB, client *redshiftdata.Client, id string) *redshiftdata.DescribeStatementOutput {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: aws.String(id)})
		if err != nil {
			t.Fatalf("DescribeStatement %s: %v", id, err)
		}
		switch out.Status {
		case types.StatusStringFinished, types.StatusStringFailed, types.StatusStringAborted:
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("statement %s still %s after 60s", id, out.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Run executes sql on the cluster as awsuser and waits for it to end.
func (e *Env) Run(t testing.TB, sql string) *redshiftdata.DescribeStatementOutput {
	t.Helper()
	out, err := e.Client.ExecuteStatement(context.Background(), &redshiftdata.ExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(e.Database), DbUser: aws.String("awsuser"), Sql: aws.String(sql),
	})
	if err != nil {
		t.Fatalf("ExecuteStatement %q: %v", sql, err)
	}
	return e.Wait(t, *out.Id)
}
