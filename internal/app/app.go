// Package app is rsdata's composition root: it builds every component from
// the configuration, owns the HTTP server, the PostgreSQL endpoints' fronts
// and background workers, and shuts them down in order (HTTP, fronts,
// statements, workers, pools, store, PostgreSQL servers).
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/rsdata/rsdata/internal/api/iam"
	"github.com/rsdata/rsdata/internal/api/redshift"
	"github.com/rsdata/rsdata/internal/api/redshiftdata"
	"github.com/rsdata/rsdata/internal/api/redshiftserverless"
	"github.com/rsdata/rsdata/internal/api/secretsmanager"
	"github.com/rsdata/rsdata/internal/api/sts"
	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/awsjson"
	"github.com/rsdata/rsdata/internal/awsproto"
	"github.com/rsdata/rsdata/internal/awsquery"
	"github.com/rsdata/rsdata/internal/config"
	"github.com/rsdata/rsdata/internal/dbcreds"
	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/engines/embedded"
	"github.com/rsdata/rsdata/internal/events"
	"github.com/rsdata/rsdata/internal/httpx"
	"github.com/rsdata/rsdata/internal/identity"
	"github.com/rsdata/rsdata/internal/metrics"
	"github.com/rsdata/rsdata/internal/pagetoken"
	"github.com/rsdata/rsdata/internal/pgexec"
	"github.com/rsdata/rsdata/internal/pgfront"
	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/secrets"
	"github.com/rsdata/rsdata/internal/sessiontoken"
	"github.com/rsdata/rsdata/internal/statement"
	"github.com/rsdata/rsdata/internal/store"
	"github.com/rsdata/rsdata/internal/tags"
)

// MaxBodyBytes bounds request bodies: 40 statements of 100 KB and room for
// parameters fit well within it.
const MaxBodyBytes = 8 << 20

// Bounds on what one connection can make the server hold or wait for
// before its request is handled. Headers of SDK requests (SigV4, a session
// token) take a few KiB.
const (
	maxHeaderBytes    = 64 << 10
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	// bodyWait is how long a large body waits for room in the body budget
	// before it is refused with ThrottlingException (which SDKs retry).
	bodyWait = 2 * time.Second
)

// Options are what New needs beyond the configuration.
type Options struct {
	Config config.Config
	Logger *slog.Logger
	// Stdout receives the start-up banner (credentials, endpoints).
	Stdout io.Writer
	// Endpoints are engines registered in addition to the configured ones;
	// tests use it to serve a throwaway PostgreSQL as a cluster.
	Endpoints []*engines.Endpoint
	// Clock overrides the statements' clock (retention, timestamps); request
	// signatures are always checked against the real time.
	Clock statement.Clock
	// ResultLimits overrides the result size limits (tests use small ones).
	ResultLimits results.Limits
	// ShowSecrets lets the banner print secrets (a generated root secret
	// key, master passwords): set it only when Stdout is a terminal, since
	// anything else (a file, a pipe to a log collector) keeps them. Without
	// it the banner names the mode-0600 files that hold them instead.
	ShowSecrets bool
	// Listen binds Config.Listen in New, right after the data dir is
	// locked and before any database starts, so a busy address fails at
	// once; Serve then serves on that listener. Without it Serve binds.
	Listen bool
}

// App is a running rsdata.
type App struct {
	cfg         config.Config
	log         *slog.Logger
	out         io.Writer
	showSecrets bool           // the banner may print secrets
	site        *embedded.Site // the embedded servers, when any run
	// fronts are the PostgreSQL wire fronts of the embedded engines, by
	// "cluster/local" (front.go).
	fronts  map[string]*pgfront.Server
	tls     *frontTLS // the fronts' certificate (front.go)
	servers []embedded.Server
	lock    *dataDirLock
	ln      net.Listener

	registry *engines.Registry
	store    *store.Store
	exec     *pgexec.Executor
	engine   *statement.Engine
	events   *events.Dispatcher
	secrets  *secrets.Service
	dbcreds  *dbcreds.Issuer
	handler  http.Handler
	metrics  *metrics.Metrics
	// ops lists what the handler serves (Operations).
	ops Operations
	// replicas is set when the control store is shared (--store-dsn):
	// leases, takeover and notifications between replicas (replicas.go).
	replicas *replicas
	// keys seal secrets at rest and sign tokens (keys.go); the page-token
	// key is derived from the primary sealing key.
	keys   *keys
	tokens *pagetoken.Codec
	ds     *datastoreState

	// RootAccessKeyID and RootSecretAccessKey are the root credentials.
	RootAccessKeyID     string
	RootSecretAccessKey string
	// peers are the peer accounts (config.PeerAccounts), in order.
	peers []*peerAccount

	stopWorkers context.CancelFunc
	workers     *errgroup.Group
	// banner prints credentials and endpoints once the listener is bound.
	banner      func(addr string)
	freshRoot   bool
	rootCredsAt string
	// resetting holds one tests-reset at a time (reset.go).
	resetting sync.Mutex
}

// New builds and starts every component except the HTTP listener. On error
// it stops what it had started.
func New(ctx context.Context, opts Options) (_ *App, err error) {
	a := &App{cfg: opts.Config, log: opts.Logger, out: opts.Stdout, showSecrets: opts.ShowSecrets, registry: engines.NewRegistry()}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.out == nil {
		a.out = io.Discard
	}
	// The executor first: an engine's PostgreSQL endpoint uses it from the
	// moment it serves (to install the Redshift schema for psql clients).
	a.exec = pgexec.New(pgexec.Options{Logger: a.log}, a.registry)
	defer func() {
		if err != nil {
			a.shutdownComponents(context.Background())
			err = a.explainFailedStart(err)
		}
	}()
	if err := os.MkdirAll(a.cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if err := os.Chmod(a.cfg.DataDir, 0o711); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	// First the lock, so a second rsdata on this dir touches nothing the
	// first one runs; then the address, so a busy one fails at once.
	if a.lock, err = lockDataDir(a.cfg.DataDir); err != nil {
		return nil, err
	}
	if opts.Listen {
		if a.ln, err = net.Listen("tcp", a.cfg.Listen); err != nil {
			return nil, fmt.Errorf("listen on %s: %w", a.cfg.Listen, err)
		}
		if err := a.lock.record(clientAddr(a.ln.Addr())); err != nil {
			return nil, err
		}
	}
	if err := a.loadRootCredentials(); err != nil {
		return nil, err
	}
	// Before any server starts, so an unusable key pair fails at once.
	if a.cfg.Embedded {
		if a.tls, err = a.loadFrontTLS(); err != nil {
			return nil, err
		}
	}

	storeDSN := a.cfg.StoreDSN
	needEmbedded := a.cfg.Embedded || storeDSN == ""
	if needEmbedded {
		if _, err := embedded.FindBinDir(); err != nil {
			return nil, err
		}
	}
	if needEmbedded {
		if a.site, err = embedded.OpenSite(embedded.SiteOptions{DataDir: a.cfg.DataDir, Logger: a.log, Progress: a.out}); err != nil {
			return nil, err
		}
	}
	if storeDSN == "" {
		if storeDSN, err = a.site.StartControl(ctx, a.cfg.ControlOSUser); err != nil {
			return nil, err
		}
	}
	if a.cfg.Embedded {
		mode, err := dialect.ParseMode(a.cfg.Dialect)
		if err != nil {
			return nil, err
		}
		for _, e := range []embedded.EngineSpec{
			{Kind: engines.Cluster, Name: "local", MasterUser: "awsuser", Port: a.cfg.ClusterPort},
			{Kind: engines.Workgroup, Name: "default", MasterUser: "admin", Port: a.cfg.WorkgroupPort},
		} {
			ep, ln, err := a.site.StartEngine(ctx, e)
			if err != nil {
				return nil, err
			}
			ep.Dialect = mode
			// The front serves the engine's advertised port from here on,
			// before any API can report it.
			a.startFront(ep, ln)
			if err := a.registry.Add(ep); err != nil {
				return nil, err
			}
		}
	}
	for _, e := range a.cfg.Engines {
		mode, err := dialect.ParseMode(e.Dialect)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", e.Kind, e.Name, err)
		}
		ep := &engines.Endpoint{Kind: engines.Kind(e.Kind), Name: e.Name, Host: e.Host, Port: e.Port,
			AdminUser: e.User, AdminPassword: e.Password, MasterUser: e.User, Database: e.Database, SSLMode: e.SSLMode,
			Dialect: mode}
		if ep.Port == 0 {
			ep.Port = 5432
		}
		if err := a.registry.Add(ep); err != nil {
			return nil, err
		}
	}
	for _, ep := range opts.Endpoints {
		if err := a.registry.Add(ep); err != nil {
			return nil, err
		}
	}

	if a.store, err = store.Open(ctx, storeDSN, store.Options{HomeAccount: a.cfg.AccountID}); err != nil {
		return nil, err
	}
	for _, id := range a.cfg.PeerAccounts {
		peer := &peerAccount{id: id}
		a.peers = append(a.peers, peer)
		path := filepath.Join(a.cfg.DataDir, "root-credentials-"+id+".json")
		if peer.creds, peer.fresh, err = loadOrCreateCredentials(path); err != nil {
			return nil, err
		}
		peer.credsAt = path
	}
	instance, err := a.instanceID()
	if err != nil {
		return nil, err
	}
	if a.site != nil {
		// Taken once: every server has started by now.
		a.servers = a.site.Servers()
	}
	a.metrics = a.buildMetrics()
	if a.keys, err = a.loadKeys(); err != nil {
		return nil, err
	}
	// NextTokens and Markers are HMACed under a key derived from the
	// sealing key, so they survive a restart as the results they page
	// through do, and change when the sealing key does.
	a.tokens = pagetoken.New(a.keys.primary)
	a.reseal(ctx)
	if err := a.buildEvents(opts.Clock); err != nil {
		return nil, err
	}
	var bus statement.Bus
	if a.cfg.StoreDSN != "" {
		a.replicas = newReplicas(a, instance)
		bus = a.replicas
	}
	a.engine = statement.New(statement.Options{
		Bus:         bus,
		OnEvent:     a.events.Notify,
		Instance:    instance,
		MaxActive:   a.cfg.MaxActiveStatements,
		MaxSessions: a.cfg.MaxActiveSessions,
		MaxRunTime:  time.Duration(a.cfg.MaxRunTime),
		Retention:   time.Duration(a.cfg.ResultRetention),
		Limits:      opts.ResultLimits,
		Clock:       opts.Clock,
		Logger:      a.log,
		Tokens:      a.tokens,
		Observer:    a.metrics.Statements(),
	}, a.store.Statements(), a.store.Statements(), a.exec)
	if a.replicas != nil {
		a.replicas.terminateLeftovers(ctx)
	}
	if err := a.engine.Recover(ctx); err != nil {
		return nil, fmt.Errorf("recover statements: %w", err)
	}
	// Recovery queues events for the statements it failed.
	a.events.Notify()
	if err := a.buildDatastores(ctx, instance); err != nil {
		return nil, err
	}
	if a.replicas != nil {
		if err := a.replicas.start(ctx); err != nil {
			return nil, fmt.Errorf("register this replica in the control store: %w", err)
		}
	}
	if a.handler, err = a.buildHandler(); err != nil {
		return nil, err
	}
	a.startWorkers()
	a.banner = func(addr string) {
		a.printBanner(addr)
		if a.site != nil {
			if err := a.site.MarkShown(); err != nil {
				a.log.Error("recording shown master passwords failed", "err", err)
			}
		}
	}
	return a, nil
}

func (a *App) buildHandler() (http.Handler, error) {
	roots := []identity.RootKey{{AccountID: a.cfg.AccountID, AccessKeyID: a.RootAccessKeyID, SecretAccessKey: a.RootSecretAccessKey}}
	sealer := a.keys.sealer
	accounts := map[string]*identity.Service{a.cfg.AccountID: identity.New(identity.Options{AccountID: a.cfg.AccountID}, a.store.Identities(a.cfg.AccountID), sealer)}
	for _, p := range a.peers {
		roots = append(roots, identity.RootKey{AccountID: p.id, AccessKeyID: p.creds.AccessKeyID, SecretAccessKey: p.creds.SecretAccessKey})
		accounts[p.id] = identity.New(identity.Options{AccountID: p.id}, a.store.Identities(p.id), sealer)
	}
	who := identity.NewDirectory(identity.DirectoryOptions{Home: a.cfg.AccountID, Accounts: accounts, Roots: roots,
		Sessions: sessiontoken.New(a.keys.session)})
	authz := auth.Policies{Source: who, HomeAccount: a.cfg.AccountID}

	jsonAPI := awsjson.NewRouter(a.log)
	resourceTags := tags.New(a.store.Tags(), a.cfg.Region, a.cfg.AccountID)
	a.secrets = secrets.New(secrets.Options{AccountID: a.cfg.AccountID, Region: a.cfg.Region, Tokens: a.tokens}, a.store.Secrets(), sealer)
	a.dbcreds = dbcreds.New(dbcreds.Options{Logger: a.log.With("component", "dbcreds"), OnIssue: a.metrics.CredentialsIssued}, a.store.Leases(), pgexec.NewRoles(a.registry))
	workgroups := redshiftserverless.New(redshiftserverless.Options{AccountID: a.cfg.AccountID, Region: a.cfg.Region, Tags: resourceTags},
		a.registry, a.dbcreds, authz)
	clusters := redshift.New(redshift.Options{AccountID: a.cfg.AccountID, Region: a.cfg.Region, Tags: resourceTags}, a.registry, a.dbcreds, authz)
	redshiftdata.New(redshiftdata.Options{AccountID: a.cfg.AccountID, Region: a.cfg.Region, Secrets: a.secrets, Tokens: a.tokens,
		Tags: resourceTags},
		a.engine, a.registry, catalogs{a.exec}, authz).Register(jsonAPI)
	secretsmanager.New(a.secrets, authz, secretsmanager.Options{AccountID: a.cfg.AccountID, Region: a.cfg.Region}).Register(jsonAPI)
	workgroups.Register(jsonAPI)
	queryAPI := awsquery.NewRouter(a.log)
	sts.New(who, authz).Register(queryAPI)
	iam.New(accounts, a.cfg.AccountID, authz, a.tokens).Register(queryAPI)
	clusters.Register(queryAPI)

	a.ops = Operations{JSON: jsonAPI.Operations(), Query: queryAPI.Operations()}

	// One endpoint serves every API: Query-protocol requests (form bodies,
	// IAM and STS) go to the Query router, for the service their signature
	// is scoped to; everything else is JSON 1.1, routed by X-Amz-Target.
	dispatch := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if awsquery.IsQuery(r) {
			queryAPI.ServeHTTP(w, r.WithContext(awsquery.WithService(r.Context(), auth.ServiceFrom(r.Context()))))
			return
		}
		jsonAPI.ServeHTTP(w, r.WithContext(awsjson.WithService(r.Context(), auth.ServiceFrom(r.Context()))))
	})
	authn := auth.NewAuthenticator(auth.Options{Region: a.cfg.Region, Services: a.ops.services(),
		Logger: a.log}, who, awsproto.WriteError)
	edge := httpx.Options{
		Logger: a.log, MaxBodyBytes: MaxBodyBytes, WriteError: awsproto.WriteError,
		BodyBudget: int64(a.cfg.BodyBudgetMiB) << 20, BodyWait: bodyWait,
		BodyReadTimeout: time.Duration(a.cfg.BodyReadTimeout),
		Observe:         a.metrics.Request,
		Panicked:        func() error { return awserr.InternalFailure() },
		TooLarge:        func(limit int64) error { return awserr.RequestEntityTooLarge(limit) },
		Throttled: func() error {
			return awserr.Throttling("Too many large requests are being received; retry later")
		},
	}
	api := httpx.Wrap(authn.Wrap(a.forwardSessions(dispatch)), edge)
	mux := http.NewServeMux()
	mux.Handle(resetPath, a.resetEndpoint(who, edge))
	a.opsRoutes(mux)
	mux.Handle("/api/", a.datastoreHandler(edge))
	mux.Handle("/", api)
	return mux, nil
}

// Operations are the operations Handler serves, by protocol.
type Operations struct {
	JSON  []awsjson.Operation
	Query []awsquery.Operation
}

// Operations lists every operation Handler serves, as its routers know
// them (tests generate their seed inputs from it).
func (a *App) Operations() Operations { return a.ops }

// services are the SigV4 signing names of the services o holds, the
// credential-scope services the authenticator accepts: the routers, which
// declare them, are their one source.
func (o Operations) services() []string {
	var names []string
	for _, op := range o.JSON {
		names = append(names, op.SigningName)
	}
	for _, op := range o.Query {
		names = append(names, op.Service)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Handler serves every API rsdata implements on one endpoint.
func (a *App) Handler() http.Handler { return a.handler }

// Registry returns the registered engines.
func (a *App) Registry() *engines.Registry { return a.registry }

// buildEvents creates the dispatcher of status-change events and its sinks.
func (a *App) buildEvents(clock statement.Clock) error {
	var sinks []events.Sink
	if a.cfg.EventsFile != "" {
		sinks = append(sinks, events.NewFileSink(a.cfg.EventsFile))
	}
	if a.cfg.EventsWebhook != "" {
		hook, err := events.NewWebhookSink(events.WebhookOptions{URL: a.cfg.EventsWebhook})
		if err != nil {
			return fmt.Errorf("events webhook: %w", err)
		}
		sinks = append(sinks, hook)
	}
	var ec events.Clock
	if clock != nil {
		ec = clock
	}
	a.events = events.New(events.Options{Account: a.cfg.AccountID, Region: a.cfg.Region, Clock: ec,
		Logger: a.log.With("component", "events"), Observer: a.metrics}, a.store.Events(), sinks...)
	return nil
}
