package config

// The options table: every setting's flag, config-file key, environment
// variable and help, in one place. Load, the usage text and the tests all
// read it, so adding a setting is one entry here (and its field and
// default in config.go).

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// option is one setting. Its flag is --name, its config-file key is name
// (and, for files written before flag names were keys, the snake_case
// spelling), and its environment variable is RSDATA_NAME with hyphens as
// underscores, unless the fields below say otherwise.
type option struct {
	name string
	help string
	// bind returns the value behind the setting in c; nil for a variable
	// that is documented here but read elsewhere.
	bind func(c *Config) flag.Value

	// env overrides the derived variable name; "-" means none.
	env string
	// legacy overrides the derived snake_case file key; "-" means none.
	legacy string
	// legacyInverted: the legacy key means the opposite ("embedded": true
	// is "no-embedded": false).
	legacyInverted bool
	// list: a repeatable flag, a JSON array in the file and a
	// comma-separated environment variable. A source that sets a list
	// replaces what lower ones set, except for values that accumulate
	// (engines).
	list bool
	// noFlag and noFile keep a setting out of the command line (secrets)
	// or the file.
	noFlag, noFile bool
	// fromFile decodes a file value that is not a scalar or a list of them.
	fromFile func(c *Config, raw []byte) error
}

// options is the table. Keep it in the order `rsdata serve -h` shows.
var options = []option{
	{name: "config", noFile: true, help: "JSON configuration file; its keys are these flag names",
		bind: str(func(c *Config) *string { return &c.ConfigFile })},
	{name: "listen", help: "address of the AWS API endpoint",
		bind: str(func(c *Config) *string { return &c.Listen })},
	{name: "data-dir", help: "directory for rsdata's state and embedded PostgreSQL data",
		bind: str(func(c *Config) *string { return &c.DataDir })},
	{name: "account-id", help: "AWS account id used in ARNs",
		bind: str(func(c *Config) *string { return &c.AccountID })},
	{name: "region", help: "AWS region served",
		bind: str(func(c *Config) *string { return &c.Region })},
	{name: "peer-account", env: "RSDATA_PEER_ACCOUNTS", legacy: "peer_accounts", list: true,
		help: "another account id, holding IAM identities only, whose principals may assume this account's roles",
		bind: func(c *Config) flag.Value { return (*listValue)(&c.PeerAccounts) }},
	{name: "no-embedded", legacy: "embedded", legacyInverted: true,
		help: "do not run the embedded cluster \"local\" and workgroup \"default\"",
		bind: func(c *Config) flag.Value { return (*negatedBool)(&c.Embedded) }},
	{name: "cluster-port", help: "preferred PostgreSQL port of the embedded cluster (another is chosen when taken; 0: any)",
		bind: num(func(c *Config) *int { return &c.ClusterPort })},
	{name: "workgroup-port", help: "preferred PostgreSQL port of the embedded workgroup",
		bind: num(func(c *Config) *int { return &c.WorkgroupPort })},
	{name: "dialect", help: "SQL dialect of the embedded cluster and workgroup: redshift (Redshift SQL translated to PostgreSQL, PostgreSQL-only syntax refused) or postgres (SQL passed through)",
		bind: str(func(c *Config) *string { return &c.Dialect })},
	{name: "cluster", legacy: "-", list: true,
		help: "register an external engine as a cluster: NAME=postgres://USER:PASSWORD@HOST:PORT/DATABASE[?dialect=postgres] (adds to the other sources' engines)",
		bind: func(c *Config) flag.Value { return engineValue{kind: "cluster", into: &c.Engines} }},
	{name: "workgroup", legacy: "-", list: true,
		help: "register an external engine as a workgroup: NAME=postgres://... (adds to the other sources' engines)",
		bind: func(c *Config) flag.Value { return engineValue{kind: "workgroup", into: &c.Engines} }},
	{name: "engines", noFlag: true, env: "-", legacy: "-", fromFile: decodeEngines,
		help: `external engines as objects: {"kind": "cluster", "name", "host", "port", "user", "password", "database", "sslmode", "dialect"}`,
		bind: func(c *Config) flag.Value { return engineValue{into: &c.Engines} }},
	{name: "store-dsn", help: "PostgreSQL URL of the control store (default: an embedded server)",
		bind: str(func(c *Config) *string { return &c.StoreDSN })},
	{name: "control-os-user", help: "system user the embedded control server runs as when rsdata runs as root (created if missing)",
		bind: str(func(c *Config) *string { return &c.ControlOSUser })},
	{name: "max-active-statements", help: "active statements allowed per cluster or workgroup",
		bind: num(func(c *Config) *int { return &c.MaxActiveStatements })},
	{name: "max-active-sessions", help: "open sessions allowed per cluster or workgroup",
		bind: num(func(c *Config) *int { return &c.MaxActiveSessions })},
	{name: "max-pg-connections", help: "connections the PostgreSQL endpoint of each embedded cluster or workgroup accepts at once (at most 250)",
		bind: num(func(c *Config) *int { return &c.MaxPGConnections })},
	{name: "pg-tls-cert-file", help: "PEM certificate (chain) the PostgreSQL endpoints present to clients that ask for TLS, with --pg-tls-key-file (default: a self-signed one generated in the data dir)",
		bind: str(func(c *Config) *string { return &c.PGTLSCertFile })},
	{name: "pg-tls-key-file", help: "PEM private key of --pg-tls-cert-file",
		bind: str(func(c *Config) *string { return &c.PGTLSKeyFile })},
	{name: "pg-require-tls", help: "refuse PostgreSQL endpoint clients that do not ask for TLS (sslmode=disable), as Redshift's require_ssl does",
		bind: boolean(func(c *Config) *bool { return &c.PGRequireTLS })},
	{name: "max-run-time", help: "longest a statement may run",
		bind: dur(func(c *Config) *Duration { return &c.MaxRunTime })},
	{name: "result-retention", help: "how long results stay readable",
		bind: dur(func(c *Config) *Duration { return &c.ResultRetention })},
	{name: "shutdown-timeout", help: "bound on the whole shutdown: requests in flight get two thirds, then their connections are closed",
		bind: dur(func(c *Config) *Duration { return &c.ShutdownTimeout })},
	{name: "body-budget-mib", help: "MiB of request bodies over 64 KiB held at once; a request that does not fit waits briefly, then is refused with ThrottlingException (at least 8, the largest body)",
		bind: num(func(c *Config) *int { return &c.BodyBudgetMiB })},
	{name: "body-read-timeout", help: "bound on the time a request body takes to arrive; slower connections are closed",
		bind: dur(func(c *Config) *Duration { return &c.BodyReadTimeout })},
	{name: "log-level", help: "debug, info, warn or error",
		bind: str(func(c *Config) *string { return &c.LogLevel })},
	{name: "log-format", help: "text or json (one line per request either way)",
		bind: str(func(c *Config) *string { return &c.LogFormat })},
	{name: "metrics-listen", help: "serve /metrics on this address instead of the API endpoint",
		bind: str(func(c *Config) *string { return &c.MetricsListen })},
	{name: "events-file", help: "append status-change events of WithEvent statements to this file as JSON lines",
		bind: str(func(c *Config) *string { return &c.EventsFile })},
	{name: "events-webhook", help: "POST status-change events of WithEvent statements to this URL",
		bind: str(func(c *Config) *string { return &c.EventsWebhook })},
	{name: "datastore-aws-endpoint", help: "STS and Redshift endpoint of IAM_ROLE datastores, e.g. https://sts.us-east-1.amazonaws.com (default: rsdata's own endpoint)",
		bind: str(func(c *Config) *string { return &c.DatastoreAWSEndpoint })},
	{name: "seal-key-file", help: "file holding the sealing key every replica shares: base64 or hex, one key a line, the first seals and the others still open (rotation); default: seal.key generated in the data dir",
		bind: str(func(c *Config) *string { return &c.SealKeyFile })},
	{name: "replica-lease", help: "with a shared --store-dsn: a replica that has not renewed its lease for this long is taken over by another (its statements end FAILED, its sessions close)",
		bind: dur(func(c *Config) *Duration { return &c.ReplicaLease })},
	{name: "replica-address", help: "host:port the other replicas reach this one at, for calls about its sessions (default: the listen address)",
		bind: str(func(c *Config) *string { return &c.ReplicaAddress })},
	{name: "allow-reset", help: "serve POST /_rsdata/reset (root credentials only), which drops every database user object, statement, IAM identity, secret and tag: for test suites",
		bind: boolean(func(c *Config) *bool { return &c.AllowReset })},

	// Secrets: environment only, so they appear in neither process lists
	// nor config files.
	{name: "root-access-key-id", noFlag: true, noFile: true, legacy: "-",
		help: "root access key id, with RSDATA_ROOT_SECRET_ACCESS_KEY (default: generated on first start, kept in the data dir)",
		bind: str(func(c *Config) *string { return &c.RootAccessKeyID })},
	{name: "root-secret-access-key", noFlag: true, noFile: true, legacy: "-",
		help: "root secret access key, with RSDATA_ROOT_ACCESS_KEY_ID",
		bind: str(func(c *Config) *string { return &c.RootSecretAccessKey })},
	{name: "admin-token", noFlag: true, noFile: true, legacy: "-",
		help: "the datastore API's first Admin bearer token, at least 16 characters (default: generated on first start, kept in the data dir)",
		bind: str(func(c *Config) *string { return &c.AdminToken })},
	{name: "datastore-aws-access-key-id", noFlag: true, noFile: true, legacy: "-",
		help: "access key id IAM_ROLE datastores assume their roles with, with RSDATA_DATASTORE_AWS_SECRET_ACCESS_KEY (default: rsdata's own rsdata-datastores user)",
		bind: str(func(c *Config) *string { return &c.DatastoreAWSAccessKeyID })},
	{name: "datastore-aws-secret-access-key", noFlag: true, noFile: true, legacy: "-",
		help: "secret access key, with RSDATA_DATASTORE_AWS_ACCESS_KEY_ID",
		bind: str(func(c *Config) *string { return &c.DatastoreAWSSecretAccessKey })},
	{name: "seal-key", noFlag: true, noFile: true, legacy: "-",
		help: "the sealing key(s) themselves, as --seal-key-file holds them (comma-separated)",
		bind: str(func(c *Config) *string { return &c.SealKey })},
	// Read by engines/embedded itself; listed so that -h shows it.
	{name: "pg-bindir", noFlag: true, noFile: true, legacy: "-",
		help: "directory of PostgreSQL's initdb and postgres (default: pg_config --bindir, PATH, the distributions' directories)"},
}

// envName is the option's environment variable, "" for none.
func (o *option) envName() string {
	switch o.env {
	case "-":
		return ""
	case "":
		return "RSDATA_" + strings.ToUpper(strings.ReplaceAll(o.name, "-", "_"))
	}
	return o.env
}

// legacyKey is the option's snake_case config-file key, "" for none.
func (o *option) legacyKey() string {
	switch {
	case o.noFile || o.legacy == "-":
		return ""
	case o.legacy != "":
		return o.legacy
	}
	if k := strings.ReplaceAll(o.name, "-", "_"); k != o.name {
		return k
	}
	return ""
}

// Setting describes one option for documentation and tests outside the
// package: "" for a way it cannot be set.
type Setting struct {
	Flag, Env, FileKey, LegacyFileKey, Help string
	// Arg names the flag's value ("duration"; "" for a boolean flag);
	// Repeatable flags may be given more than once.
	Arg        string
	Repeatable bool
	// Default is the default value as text ("" when unset).
	Default string
}

// Settings lists every option, in the table's order, with the defaults
// getenv gives.
func Settings(getenv func(string) string) []Setting {
	def := Default(getenv)
	var out []Setting
	for i := range options {
		o := &options[i]
		s := Setting{Env: o.envName(), LegacyFileKey: o.legacyKey(), Help: o.help}
		if !o.noFlag {
			s.Flag = "--" + o.name
		}
		if !o.noFile {
			s.FileKey = o.name
		}
		if o.bind != nil {
			v := o.bind(&def)
			s.Default, s.Arg, s.Repeatable = v.String(), argName(v), o.list
		}
		out = append(out, s)
	}
	return out
}

func argName(v flag.Value) string {
	switch v.(type) {
	case *negatedBool, *boolValue:
		return ""
	case *intValue:
		return "int"
	case *durationValue:
		return "duration"
	case engineValue:
		return "NAME=URL"
	}
	return "string"
}

// Binding helpers: one per field type.

func str(field func(*Config) *string) func(*Config) flag.Value {
	return func(c *Config) flag.Value { return (*stringValue)(field(c)) }
}

func num(field func(*Config) *int) func(*Config) flag.Value {
	return func(c *Config) flag.Value { return (*intValue)(field(c)) }
}

func boolean(field func(*Config) *bool) func(*Config) flag.Value {
	return func(c *Config) flag.Value { return (*boolValue)(field(c)) }
}

func dur(field func(*Config) *Duration) func(*Config) flag.Value {
	return func(c *Config) flag.Value { return (*durationValue)(field(c)) }
}

type stringValue string

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string     { return string(*v) }

type intValue int

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("%q is not a whole number", s)
	}
	*v = intValue(n)
	return nil
}
func (v *intValue) String() string { return strconv.Itoa(int(*v)) }

type durationValue Duration

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 30s or 24h", s)
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string { return time.Duration(*v).String() }

type boolValue bool

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("%q is not true or false", s)
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) String() string   { return strconv.FormatBool(bool(*v)) }
func (v *boolValue) IsBoolFlag() bool { return true }

// negatedBool is a "no-" flag over a positive field.
type negatedBool bool

func (v *negatedBool) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("%q is not true or false", s)
	}
	*v = negatedBool(!b)
	return nil
}
func (v *negatedBool) String() string {
	if *v {
		return ""
	}
	return "true"
}
func (v *negatedBool) IsBoolFlag() bool { return true }

type listValue []string

func (v *listValue) Set(s string) error { *v = append(*v, s); return nil }
func (v *listValue) String() string     { return strings.Join(*v, ",") }
func (v *listValue) reset()             { *v = nil }

// engineValue adds NAME=postgres://... engines of one kind.
type engineValue struct {
	kind string
	into *[]Engine
}

func (v engineValue) Set(s string) error {
	name, dsn, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("want NAME=postgres://USER:PASSWORD@HOST:PORT/DATABASE")
	}
	e, err := ParseEngineURL(v.kind, name, dsn)
	if err != nil {
		return err
	}
	*v.into = append(*v.into, e)
	return nil
}

// String names the engines of its kind (all kinds when kind is "").
func (v engineValue) String() string {
	if v.into == nil {
		return ""
	}
	var names []string
	for _, e := range *v.into {
		if v.kind == "" || e.Kind == v.kind {
			names = append(names, e.Name)
		}
	}
	return strings.Join(names, ",")
}
