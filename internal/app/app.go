// Package app is rsdata's composition root: it builds every component from
// the configuration, owns the HTTP server and background workers, and shuts
// them down in order (HTTP, statements, pools, store, PostgreSQL servers).
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
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
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/engines/embedded"
	"github.com/rsdata/rsdata/internal/events"
	"github.com/rsdata/rsdata/internal/httpx"
	"github.com/rsdata/rsdata/internal/identity"
	"github.com/rsdata/rsdata/internal/ids"
	"github.com/rsdata/rsdata/internal/pagetoken"
	"github.com/rsdata/rsdata/internal/pgexec"
	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/seal"
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
	showSecrets bool // the banner may print secrets
	servers     []*embedded.Instance
	lock        *dataDirLock
	ln          net.Listener

	registry *engines.Registry
	store    *store.Store
	exec     *pgexec.Executor
	engine   *statement.Engine
	events   *events.Dispatcher
	secrets  *secrets.Service
	dbcreds  *dbcreds.Issuer
	handler  http.Handler
	// ops lists what the handler serves (Operations).
	ops Operations
	// sealKey is the sealing key of the data directory (seal.key): it
	// seals secrets at rest, and the page-token key is derived from it.
	sealKey []byte
	tokens  *pagetoken.Codec

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
	logins := map[string]masterLogin{}
	loginsFile := filepath.Join(a.cfg.DataDir, "master-users.json")
	defer func() {
		if err != nil {
			a.shutdownComponents(context.Background())
			err = a.explainFailedStart(err, logins, loginsFile)
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

	storeDSN := a.cfg.StoreDSN
	needEmbedded := a.cfg.Embedded || storeDSN == ""
	if needEmbedded {
		if _, err := embedded.FindBinDir(); err != nil {
			return nil, err
		}
	}
	if storeDSN == "" {
		if storeDSN, err = a.startControl(ctx); err != nil {
			return nil, err
		}
	}
	if a.cfg.Embedded {
		if err := readJSONFile(loginsFile, &logins); err != nil {
			return nil, fmt.Errorf("%s: %w", loginsFile, err)
		}
		for _, e := range []embeddedEngine{
			{engines.Cluster, "local", "awsuser", a.cfg.ClusterPort},
			{engines.Workgroup, "default", "admin", a.cfg.WorkgroupPort},
		} {
			ep, err := a.startEngine(ctx, e, logins)
			if err != nil {
				return nil, err
			}
			if err := a.registry.Add(ep); err != nil {
				return nil, err
			}
			// Saved as soon as it is set, so a start interrupted later
			// does not lose a password PostgreSQL already uses.
			if err := writeSecretFile(loginsFile, logins); err != nil {
				return nil, err
			}
		}
	}
	for _, e := range a.cfg.Engines {
		ep := &engines.Endpoint{Kind: engines.Kind(e.Kind), Name: e.Name, Host: e.Host, Port: e.Port,
			AdminUser: e.User, AdminPassword: e.Password, MasterUser: e.User, Database: e.Database, SSLMode: e.SSLMode}
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
	a.exec = pgexec.New(pgexec.Options{Logger: a.log}, a.registry)
	if a.sealKey, err = seal.LoadOrCreateKey(filepath.Join(a.cfg.DataDir, "seal.key")); err != nil {
		return nil, fmt.Errorf("sealing key: %w", err)
	}
	// NextTokens and Markers are HMACed under a key derived from the
	// sealing key, so they survive a restart as the results they page
	// through do, and change when the sealing key does.
	a.tokens = pagetoken.New(a.sealKey)
	if err := a.buildEvents(opts.Clock); err != nil {
		return nil, err
	}
	a.engine = statement.New(statement.Options{
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
	}, a.store.Statements(), a.store.Statements(), a.exec)
	if err := a.engine.Recover(ctx); err != nil {
		return nil, fmt.Errorf("recover statements: %w", err)
	}
	// Recovery queues events for the statements it failed.
	a.events.Notify()
	if a.handler, err = a.buildHandler(); err != nil {
		return nil, err
	}
	a.startWorkers()
	a.banner = func(addr string) {
		a.printBanner(addr, logins)
		if len(logins) > 0 {
			if err := writeSecretFile(loginsFile, logins); err != nil {
				a.log.Error("recording shown master passwords failed", "err", err)
			}
		}
	}
	return a, nil
}

func (a *App) buildHandler() (http.Handler, error) {
	roots := []identity.RootKey{{AccountID: a.cfg.AccountID, AccessKeyID: a.RootAccessKeyID, SecretAccessKey: a.RootSecretAccessKey}}
	sealer, err := seal.New(a.sealKey)
	if err != nil {
		return nil, err
	}
	accounts := map[string]*identity.Service{a.cfg.AccountID: identity.New(identity.Options{AccountID: a.cfg.AccountID}, a.store.Identities(a.cfg.AccountID), sealer)}
	for _, p := range a.peers {
		roots = append(roots, identity.RootKey{AccountID: p.id, AccessKeyID: p.creds.AccessKeyID, SecretAccessKey: p.creds.SecretAccessKey})
		accounts[p.id] = identity.New(identity.Options{AccountID: p.id}, a.store.Identities(p.id), sealer)
	}
	sessionKey, err := seal.LoadOrCreateKey(filepath.Join(a.cfg.DataDir, "session.key"))
	if err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	who := identity.NewDirectory(identity.DirectoryOptions{Home: a.cfg.AccountID, Accounts: accounts, Roots: roots,
		Sessions: sessiontoken.New(sessionKey)})
	authz := auth.Policies{Source: who, HomeAccount: a.cfg.AccountID}

	jsonAPI := awsjson.NewRouter(a.log)
	resourceTags := tags.New(a.store.Tags(), a.cfg.Region, a.cfg.AccountID)
	a.secrets = secrets.New(secrets.Options{AccountID: a.cfg.AccountID, Region: a.cfg.Region, Tokens: a.tokens}, a.store.Secrets(), sealer)
	a.dbcreds = dbcreds.New(dbcreds.Options{Logger: a.log.With("component", "dbcreds")}, a.store.Leases(), pgexec.NewRoles(a.registry))
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
	api := httpx.Wrap(authn.Wrap(dispatch), httpx.Options{
		Logger: a.log, MaxBodyBytes: MaxBodyBytes, WriteError: awsproto.WriteError,
		BodyBudget: int64(a.cfg.BodyBudgetMiB) << 20, BodyWait: bodyWait,
		BodyReadTimeout: time.Duration(a.cfg.BodyReadTimeout),
		Panicked:        func() error { return awserr.InternalFailure() },
		TooLarge:        func(limit int64) error { return awserr.RequestEntityTooLarge(limit) },
		Throttled: func() error {
			return awserr.Throttling("Too many large requests are being received; retry later")
		},
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "ok\n")
	})
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
		Logger: a.log.With("component", "events")}, a.store.Events(), sinks...)
	return nil
}

// startWorkers runs the background work: event delivery, and the minute
// reaper of expired results and temporary database users.
func (a *App) startWorkers() {
	ctx, cancel := context.WithCancel(context.Background())
	g, ctx := errgroup.WithContext(ctx)
	a.stopWorkers, a.workers = cancel, g
	g.Go(func() error {
		a.events.Run(ctx)
		return nil
	})
	g.Go(func() error {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				if err := a.engine.Reap(ctx); err != nil && ctx.Err() == nil {
					a.log.Error("removing expired statements failed", "err", err)
				}
				// Temporary database users past their expiry lose their login.
				if _, err := a.dbcreds.Reap(ctx); err != nil && ctx.Err() == nil {
					a.log.Error("revoking expired database credentials failed", "err", err)
				}
			}
		}
	})
}

// Serve listens on the configured address until ctx ends, then shuts down.
// ready, when not nil, receives the bound address once requests are served.
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	ln := a.ln
	a.ln = nil
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", a.cfg.Listen); err != nil {
			a.Shutdown(context.Background())
			return fmt.Errorf("listen on %s: %w", a.cfg.Listen, err)
		}
		if err := a.lock.record(clientAddr(ln.Addr())); err != nil {
			a.log.Warn("recording the address in the lock file failed", "err", err)
		}
	}
	var err error
	// No ReadTimeout or WriteTimeout: the body's deadline is set per
	// request by httpx and lifted once it is read, so long polls and long
	// result downloads are not cut.
	srv := &http.Server{Handler: a.handler, ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: idleTimeout,
		MaxHeaderBytes: maxHeaderBytes, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	// The banner is printed before requests are accepted (the bound
	// listener queues them), so whoever sees the endpoint answer has been
	// shown the credentials to call it with.
	if a.banner != nil {
		a.banner(clientAddr(ln.Addr()))
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("serving", "addr", ln.Addr().String())
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err = <-errc:
		a.Shutdown(context.Background())
	case <-ctx.Done():
		a.stop(srv)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// stop shuts the server down within --shutdown-timeout, graceful first and
// then hard: long polls are released at once (they report the statement as
// it stands); requests in flight get two thirds of the bound, after which
// their connections are closed; the rest of the bound goes to ending
// running statements, the workers, the pools and the PostgreSQL servers,
// which are told to quit at once (SIGQUIT) when the bound has passed.
func (a *App) stop(srv *http.Server) {
	bound := time.Duration(a.cfg.ShutdownTimeout)
	deadline := time.Now().Add(bound)
	a.log.Info("shutting down", "bound", bound)
	if a.engine != nil {
		a.engine.ReleaseWaiters()
	}
	gctx, cancel := context.WithTimeout(context.Background(), bound*2/3)
	if err := srv.Shutdown(gctx); err != nil {
		a.log.Warn("requests still in flight at the graceful bound; closing their connections", "err", err)
		_ = srv.Close()
	}
	cancel()
	sctx, cancel := context.WithDeadline(context.Background(), deadline)
	a.Shutdown(sctx)
	cancel()
}

// Shutdown stops workers, running statements, pools, the store and the
// embedded servers, in that order. The HTTP server must be stopped first.
func (a *App) Shutdown(ctx context.Context) {
	a.closeEngine(ctx)
	if a.stopWorkers != nil {
		// After the engine, so events of the statements it just ended are
		// handed on; what stays pending is delivered after the next start.
		a.stopWorkers()
		done := make(chan struct{})
		go func() { _ = a.workers.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			a.log.Warn("background work still running at the shutdown bound")
		}
		a.stopWorkers = nil
	}
	a.shutdownComponents(ctx)
}

func (a *App) closeEngine(ctx context.Context) {
	if a.engine == nil {
		return
	}
	ectx, cancel := boundedBy(ctx, 30*time.Second)
	if err := a.engine.Close(ectx); err != nil {
		a.log.Warn("statements still running at shutdown", "err", err)
	}
	cancel()
}

// boundedBy is ctx with its own deadline, or with d when it has none.
func boundedBy(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

func (a *App) shutdownComponents(ctx context.Context) {
	a.closeEngine(ctx)
	if a.exec != nil {
		a.exec.Close()
	}
	if a.store != nil {
		a.store.Close()
	}
	for i := len(a.servers) - 1; i >= 0; i-- {
		sctx, cancel := boundedBy(ctx, 60*time.Second)
		_ = a.servers[i].Stop(sctx)
		cancel()
	}
	a.servers = nil
	if a.ln != nil {
		a.ln.Close()
		a.ln = nil
	}
	// Last: the next rsdata on this dir may start once the servers are down.
	a.lock.release()
	a.lock = nil
}

// explainFailedStart adds to err where the credentials this start generated
// are kept: they were never shown, and PostgreSQL may already use them.
func (a *App) explainFailedStart(err error, logins map[string]masterLogin, loginsFile string) error {
	var kept []string
	if a.freshRoot {
		kept = append(kept, "root credentials in "+a.rootCredsAt)
	}
	for _, l := range logins {
		if !l.Shown {
			kept = append(kept, "master passwords in "+loginsFile)
			break
		}
	}
	for _, p := range a.peers {
		if p.fresh {
			kept = append(kept, "peer account "+p.id+" root credentials in "+p.credsAt)
		}
	}
	if len(kept) == 0 {
		return err
	}
	return fmt.Errorf("%w (credentials generated by this start are kept: %s)", err, strings.Join(kept, "; "))
}

// instanceID is this data dir's stable identity in the store.
func (a *App) instanceID() (string, error) {
	path := filepath.Join(a.cfg.DataDir, "instance-id")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	id := ids.UUID()
	return id, os.WriteFile(path, []byte(id+"\n"), 0o600)
}

type rootCredentials struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
}

// loadRootCredentials takes them from the environment, else from the data
// dir, else generates and stores them (mode 0600) and prints them once.
func (a *App) loadRootCredentials() error {
	if a.cfg.RootAccessKeyID != "" {
		a.RootAccessKeyID, a.RootSecretAccessKey = a.cfg.RootAccessKeyID, a.cfg.RootSecretAccessKey
		return nil
	}
	path := filepath.Join(a.cfg.DataDir, "root-credentials.json")
	rc, fresh, err := loadOrCreateCredentials(path)
	if err != nil {
		return err
	}
	a.RootAccessKeyID, a.RootSecretAccessKey = rc.AccessKeyID, rc.SecretAccessKey
	a.freshRoot, a.rootCredsAt = fresh, path
	return nil
}

// loadOrCreateCredentials reads root credentials from path, or generates
// them and stores them there (mode 0600); fresh reports the latter.
func loadOrCreateCredentials(path string) (rc rootCredentials, fresh bool, err error) {
	if err := readJSONFile(path, &rc); err != nil {
		return rc, false, fmt.Errorf("%s: %w", path, err)
	}
	if rc.AccessKeyID != "" {
		return rc, false, nil
	}
	rc.AccessKeyID = "AKIA" + ids.Token(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
	rc.SecretAccessKey = ids.Token(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
	return rc, true, writeSecretFile(path, rc)
}

// peerAccount is an account that holds IAM identities only.
type peerAccount struct {
	id      string
	creds   rootCredentials
	fresh   bool   // creds were generated by this start
	credsAt string // the file holding creds
}

// PeerRootCredentials returns the root credentials of peer account id.
func (a *App) PeerRootCredentials(id string) (accessKeyID, secretAccessKey string, ok bool) {
	for _, p := range a.peers {
		if p.id == id {
			return p.creds.AccessKeyID, p.creds.SecretAccessKey, true
		}
	}
	return "", "", false
}

// clientAddr is the address clients use to reach a listener: a wildcard
// host becomes the loopback address.
func clientAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	host := tcp.IP.String()
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}

// printBanner prints the endpoint, the credentials and any master password
// not shown before (marking it shown). Secrets are printed only when
// showSecrets is set (stdout is a terminal); otherwise the export lines read
// them from their files when pasted into a shell.
func (a *App) printBanner(addr string, logins map[string]masterLogin) {
	endpoint := "http://" + addr
	show := a.freshRoot && a.showSecrets
	switch {
	case a.rootCredsAt == "":
		fmt.Fprintf(a.out, "Root credentials: from RSDATA_ROOT_ACCESS_KEY_ID / RSDATA_ROOT_SECRET_ACCESS_KEY\n")
	case show:
		fmt.Fprintf(a.out, "Generated root credentials (stored in %s, shown only now):\n", a.rootCredsAt)
	case a.freshRoot:
		fmt.Fprintf(a.out, "Generated root credentials, stored in %s (mode 0600; secrets are printed only to a terminal):\n", a.rootCredsAt)
	default:
		fmt.Fprintf(a.out, "Root credentials: %s\n", a.rootCredsAt)
	}
	secret := "<secret>"
	if show {
		secret = a.RootSecretAccessKey
	} else if a.rootCredsAt != "" {
		secret = secretFrom(a.rootCredsAt)
	}
	fmt.Fprintf(a.out, "  export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_REGION=%[3]s AWS_DEFAULT_REGION=%[3]s AWS_ENDPOINT_URL=%[4]s\n\n",
		a.RootAccessKeyID, secret, a.cfg.Region, endpoint)
	for _, kind := range []engines.Kind{engines.Cluster, engines.Workgroup} {
		for _, ep := range a.registry.List(kind) {
			fmt.Fprintf(a.out, "%-9s %-10s postgres %s:%d (database %s, user %s)\n", kind, ep.Name, ep.Host, ep.Port, ep.Database, ep.MasterUser)
		}
	}
	keys := make([]string, 0, len(logins))
	for key := range logins {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if l := logins[key]; !l.Shown {
			if a.showSecrets {
				fmt.Fprintf(a.out, "  new master user for %s: %s / %s\n", key, l.User, l.Password)
			} else {
				fmt.Fprintf(a.out, "  new master user for %s: %s (password in %s)\n", key, l.User,
					filepath.Join(a.cfg.DataDir, "master-users.json"))
			}
			l.Shown = true
			logins[key] = l
		}
	}
	for _, p := range a.peers {
		secret := secretFrom(p.credsAt)
		if p.fresh && a.showSecrets {
			secret = p.creds.SecretAccessKey
		}
		fmt.Fprintf(a.out, "Peer account %s (IAM identities only), root credentials in %s:\n", p.id, p.credsAt)
		fmt.Fprintf(a.out, "  export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s\n", p.creds.AccessKeyID, secret)
	}
	fmt.Fprintf(a.out, "Data API endpoint: %s\n", endpoint)
}

// secretFrom is a shell command substitution that reads the secret key from
// a root credentials file (as writeSecretFile lays it out) with sed alone.
func secretFrom(path string) string {
	return `$(sed -n 's/^ *"secret_access_key": *"\([^"]*\)".*/\1/p' ` + shellQuote(path) + `)`
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
