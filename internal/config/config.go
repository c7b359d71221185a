// Package config is rsdata's typed configuration: defaults, an optional JSON
// file, environment variables and flags, in increasing precedence, then
// Validate.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Engine registers an external PostgreSQL-wire endpoint as a cluster or
// workgroup.
type Engine struct {
	Kind     string `json:"kind"` // "cluster" or "workgroup"
	Name     string `json:"name"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	User     string `json:"user"`
	Password string `json:"password"`
	Database string `json:"database"`
	SSLMode  string `json:"sslmode"`
	// Dialect is the SQL the engine's users write: "redshift" (also "",
	// the default) or "postgres" (passed through untouched).
	Dialect string `json:"dialect,omitempty"`
}

// Config is everything `rsdata serve` needs. Which flag, environment
// variable and config-file key sets each field is the options table in
// options.go, the only list of them.
type Config struct {
	// ConfigFile is the JSON file the configuration was read from, if any.
	ConfigFile string

	Listen    string
	DataDir   string
	AccountID string
	Region    string
	// PeerAccounts are further accounts that hold IAM identities only (see
	// README, "Several accounts"): their principals reach this server's
	// clusters, workgroups and secrets by assuming a role of AccountID.
	PeerAccounts []string

	// Embedded runs the default cluster "local" and workgroup "default" on
	// PostgreSQL servers rsdata supervises.
	Embedded      bool
	ClusterPort   int
	WorkgroupPort int
	// Dialect is the SQL dialect of the embedded cluster and workgroup:
	// "redshift" (translated to PostgreSQL) or "postgres" (untouched).
	Dialect string
	// StoreDSN points the control store at an existing PostgreSQL database
	// instead of the embedded control server.
	StoreDSN string
	// ControlOSUser is the system user the embedded control server runs as
	// when rsdata runs as root, created if missing, so that the clusters'
	// user (postgres) cannot read the control store's files.
	ControlOSUser string

	Engines []Engine

	MaxActiveStatements int
	MaxActiveSessions   int
	// MaxPGConnections bounds the connections the PostgreSQL endpoint of
	// each embedded cluster or workgroup (its wire front) relays at once.
	MaxPGConnections int
	MaxRunTime       Duration
	ResultRetention  Duration
	ShutdownTimeout  Duration
	LogLevel         string
	// LogFormat is "text" (the default) or "json" (slog's JSON handler).
	LogFormat string
	// MetricsListen, when set, serves /metrics on this address instead of
	// the API endpoint.
	MetricsListen string

	// PGTLSCertFile and PGTLSKeyFile are the key pair the PostgreSQL
	// endpoints present to clients that ask for TLS; neither set: a
	// self-signed certificate generated in the data dir. PGRequireTLS
	// refuses clients that do not ask.
	PGTLSCertFile string
	PGTLSKeyFile  string
	PGRequireTLS  bool

	// BodyBudgetMiB bounds the request bodies (those over 64 KiB) the server
	// holds at once, in MiB; BodyReadTimeout bounds the time a request's
	// body may take to arrive.
	BodyBudgetMiB   int
	BodyReadTimeout Duration

	// EventsFile and EventsWebhook receive "Redshift Data Statement Status
	// Change" events of statements run WithEvent (JSON lines; HTTP POST).
	EventsFile    string
	EventsWebhook string

	// AllowReset enables POST /_rsdata/reset, signed by the root
	// credentials: tests return rsdata to a clean state between runs.
	AllowReset bool

	// SealKeyFile names a file holding the sealing key(s) every replica
	// shares (see README, "Several replicas"); SealKey holds them itself
	// and comes from the environment only. Neither set: the key generated
	// in the data dir (seal.key), for a single node.
	SealKeyFile string
	SealKey     string
	// ReplicaLease is how long a replica on a shared control store may go
	// without renewing its lease before another one takes its statements
	// over (ends them FAILED, terminates their backends, closes its
	// sessions).
	ReplicaLease Duration
	// ReplicaAddress is the host:port other replicas reach this one at,
	// for calls about a session it holds; "" is the listen address.
	ReplicaAddress string

	// Root credentials come from the environment only, never a flag or
	// the file.
	RootAccessKeyID     string
	RootSecretAccessKey string
	// AdminToken is the datastore API's first Admin token (environment
	// only); without it one is generated and kept in the data dir.
	AdminToken string

	// DatastoreAWSEndpoint is where IAM_ROLE datastores call STS and
	// Redshift ("": rsdata's own endpoint); DatastoreAWSAccessKeyID and
	// DatastoreAWSSecretAccessKey (environment only) are the base
	// credentials there (default: rsdata's own rsdata-datastores user).
	DatastoreAWSEndpoint        string
	DatastoreAWSAccessKeyID     string
	DatastoreAWSSecretAccessKey string
}

// Duration is a time.Duration written as "24h" in JSON.
type Duration time.Duration

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("durations are strings such as \"24h\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Default returns the configuration used when nothing is set.
func Default(getenv func(string) string) Config {
	return Config{
		Listen:              "127.0.0.1:7439",
		DataDir:             DefaultDataDir(getenv),
		AccountID:           "123456789012",
		Region:              "us-east-1",
		Embedded:            true,
		ClusterPort:         5439,
		ControlOSUser:       "rsdata-control",
		WorkgroupPort:       5440,
		Dialect:             "redshift",
		MaxActiveStatements: 500,
		MaxActiveSessions:   500,
		MaxPGConnections:    200,
		MaxRunTime:          Duration(24 * time.Hour),
		ResultRetention:     Duration(24 * time.Hour),
		ShutdownTimeout:     Duration(15 * time.Second),
		BodyBudgetMiB:       24,
		BodyReadTimeout:     Duration(30 * time.Second),
		LogLevel:            "info",
		LogFormat:           "text",
		ReplicaLease:        Duration(30 * time.Second),
	}
}

// DefaultDataDir is a per-user directory: $XDG_DATA_HOME/rsdata or
// ~/.local/share/rsdata, and /var/lib/rsdata for root (whose home the
// postgres system user cannot enter).
func DefaultDataDir(getenv func(string) string) string {
	if os.Geteuid() == 0 {
		return "/var/lib/rsdata"
	}
	if x := getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "rsdata")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "rsdata")
	}
	return filepath.Join(os.TempDir(), "rsdata")
}

// ParseEngineURL reads a postgres:// URL into an Engine.
func ParseEngineURL(kind, name, raw string) (Engine, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return Engine{}, fmt.Errorf("%s %s: want a postgres://USER:PASSWORD@HOST:PORT/DATABASE URL", kind, name)
	}
	e := Engine{Kind: kind, Name: name, Host: u.Hostname(), Database: strings.TrimPrefix(u.Path, "/"),
		SSLMode: u.Query().Get("sslmode"), Dialect: u.Query().Get("dialect")}
	if p := u.Port(); p != "" {
		if e.Port, err = strconv.Atoi(p); err != nil {
			return Engine{}, fmt.Errorf("%s %s: bad port %q", kind, name, p)
		}
	}
	if u.User != nil {
		e.User = u.User.Username()
		e.Password, _ = u.User.Password()
	}
	return e, nil
}

var (
	accountPattern = regexp.MustCompile(`^\d{12}$`)
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
	namePattern    = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
)

// validDialect reports whether d names a SQL dialect; "" is the default
// (redshift) where a default applies.
func validDialect(d string) bool { return d == "" || d == "redshift" || d == "postgres" }

// Validate reports every problem with cfg at once.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen %q: %w", c.Listen, err))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data dir must be set"))
	}
	if !accountPattern.MatchString(c.AccountID) {
		errs = append(errs, fmt.Errorf("account id %q must be 12 digits", c.AccountID))
	}
	peers := map[string]bool{c.AccountID: true}
	for _, p := range c.PeerAccounts {
		switch {
		case !accountPattern.MatchString(p):
			errs = append(errs, fmt.Errorf("peer account id %q must be 12 digits", p))
		case peers[p]:
			errs = append(errs, fmt.Errorf("peer account id %s is given twice or is the account id", p))
		}
		peers[p] = true
	}
	if !regionPattern.MatchString(c.Region) {
		errs = append(errs, fmt.Errorf("region %q is not a region name such as us-east-1", c.Region))
	}
	if (c.RootAccessKeyID == "") != (c.RootSecretAccessKey == "") {
		errs = append(errs, errors.New("set both RSDATA_ROOT_ACCESS_KEY_ID and RSDATA_ROOT_SECRET_ACCESS_KEY, or neither"))
	}
	if c.MaxActiveStatements < 1 || c.MaxActiveSessions < 1 {
		errs = append(errs, errors.New("max active statements and max active sessions must be at least 1"))
	}
	// The embedded servers allow 300 connections; rsdata's own pools need
	// some of them.
	if c.MaxPGConnections < 1 || c.MaxPGConnections > 250 {
		errs = append(errs, errors.New("max PostgreSQL connections must be between 1 and 250"))
	}
	if (c.PGTLSCertFile == "") != (c.PGTLSKeyFile == "") {
		errs = append(errs, errors.New("set both --pg-tls-cert-file and --pg-tls-key-file, or neither"))
	}
	if c.MaxRunTime <= 0 || c.ResultRetention <= 0 || c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("max run time, result retention and shutdown timeout must be positive"))
	}
	if c.BodyBudgetMiB < 8 || c.BodyBudgetMiB > 1<<20 {
		errs = append(errs, errors.New("body budget must be at least 8 MiB (the largest request body) and at most 1 TiB"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log format %q must be text or json", c.LogFormat))
	}
	if c.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
			errs = append(errs, fmt.Errorf("metrics listen %q: %w", c.MetricsListen, err))
		}
	}
	if c.SealKeyFile != "" && c.SealKey != "" {
		errs = append(errs, errors.New("set the sealing key with --seal-key-file or RSDATA_SEAL_KEY, not both"))
	}
	if c.ReplicaLease < Duration(time.Second) {
		errs = append(errs, errors.New("replica lease must be at least 1s"))
	}
	if c.ReplicaAddress != "" {
		if _, _, err := net.SplitHostPort(c.ReplicaAddress); err != nil {
			errs = append(errs, fmt.Errorf("replica address %q: %w", c.ReplicaAddress, err))
		}
	}
	if c.BodyReadTimeout <= 0 {
		errs = append(errs, errors.New("body read timeout must be positive"))
	}
	if !validDialect(c.Dialect) || c.Dialect == "" {
		errs = append(errs, fmt.Errorf("dialect %q must be redshift or postgres", c.Dialect))
	}
	seen := map[string]bool{}
	if c.Embedded {
		seen["cluster/local"], seen["workgroup/default"] = true, true
	}
	for _, e := range c.Engines {
		if e.Kind != "cluster" && e.Kind != "workgroup" {
			errs = append(errs, fmt.Errorf("engine %q: kind must be cluster or workgroup", e.Name))
		}
		if !namePattern.MatchString(e.Name) || len(e.Name) > 63 || (e.Kind == "workgroup" && len(e.Name) < 3) {
			errs = append(errs, fmt.Errorf("engine name %q must be lowercase letters, digits and hyphens, starting with a letter", e.Name))
		}
		if seen[e.Kind+"/"+e.Name] {
			errs = append(errs, fmt.Errorf("%s %q is defined twice", e.Kind, e.Name))
		}
		seen[e.Kind+"/"+e.Name] = true
		if e.Host == "" || e.User == "" || e.Database == "" {
			errs = append(errs, fmt.Errorf("%s %q needs host, user and database", e.Kind, e.Name))
		}
		if !validDialect(e.Dialect) {
			errs = append(errs, fmt.Errorf("%s %q: dialect %q must be redshift or postgres", e.Kind, e.Name, e.Dialect))
		}
	}
	if !c.Embedded && len(c.Engines) == 0 {
		errs = append(errs, errors.New("with --no-embedded, register at least one engine with --cluster or --workgroup"))
	}
	if (c.DatastoreAWSAccessKeyID == "") != (c.DatastoreAWSSecretAccessKey == "") {
		errs = append(errs, errors.New("RSDATA_DATASTORE_AWS_ACCESS_KEY_ID and RSDATA_DATASTORE_AWS_SECRET_ACCESS_KEY must be set together"))
	}
	if c.DatastoreAWSEndpoint != "" {
		if u, err := url.Parse(c.DatastoreAWSEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("datastore AWS endpoint %q must be an http or https URL", c.DatastoreAWSEndpoint))
		}
	}
	if c.EventsWebhook != "" {
		if u, err := url.Parse(c.EventsWebhook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("events webhook %q must be an http or https URL", c.EventsWebhook))
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log level %q must be debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}
