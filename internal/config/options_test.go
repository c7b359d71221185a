package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// precedenceCase sets one option from the file, the environment and a flag.
// file is the JSON value; the wants default to the value set.
type precedenceCase struct {
	file, env, flag string
	// legacyFile is the value under the snake_case key, when it differs.
	legacyFile                  string
	wantFile, wantEnv, wantFlag string
	accumulates                 bool // engines add up across sources
}

var precedenceCases = map[string]precedenceCase{
	"listen":                 {file: `"127.0.0.1:1001"`, env: "127.0.0.1:1002", flag: "127.0.0.1:1003"},
	"data-dir":               {file: `"/d/file"`, env: "/d/env", flag: "/d/flag"},
	"account-id":             {file: `"111111111111"`, env: "222222222222", flag: "333333333333"},
	"region":                 {file: `"eu-west-1"`, env: "eu-west-2", flag: "eu-west-3"},
	"peer-account":           {file: `["111111111111", "111111111112"]`, wantFile: "111111111111,111111111112", env: "222222222222,222222222223", flag: "333333333333"},
	"no-embedded":            {file: `true`, legacyFile: `false`, env: "false", wantEnv: "", flag: "true"},
	"cluster-port":           {file: `1001`, env: "1002", flag: "1003"},
	"workgroup-port":         {file: `2001`, env: "2002", flag: "2003"},
	"dialect":                {file: `"postgres"`, env: "redshift", flag: "postgres"},
	"cluster":                {file: `["a=postgres://u@h/d"]`, wantFile: "a", env: "b=postgres://u@h/d", flag: "c=postgres://u@h/d", accumulates: true},
	"workgroup":              {file: `"wa=postgres://u@h/d"`, wantFile: "wa", env: "wb=postgres://u@h/d", flag: "wc=postgres://u@h/d", accumulates: true},
	"store-dsn":              {file: `"postgres://f@h/d"`, env: "postgres://e@h/d", flag: "postgres://g@h/d"},
	"control-os-user":        {file: `"user-file"`, env: "user-env", flag: "user-flag"},
	"max-active-statements":  {file: `11`, env: "12", flag: "13"},
	"max-active-sessions":    {file: `21`, env: "22", flag: "23"},
	"max-pg-connections":     {file: `41`, env: "42", flag: "43"},
	"pg-tls-cert-file":       {file: `"/c/file"`, env: "/c/env", flag: "/c/flag"},
	"pg-tls-key-file":        {file: `"/k/file"`, env: "/k/env", flag: "/k/flag"},
	"pg-require-tls":         {file: `true`, env: "false", flag: "true"},
	"max-run-time":           {file: `"1h0m0s"`, env: "2h0m0s", flag: "3h0m0s"},
	"result-retention":       {file: `"1m0s"`, env: "2m0s", flag: "3m0s"},
	"shutdown-timeout":       {file: `"1s"`, env: "2s", flag: "3s"},
	"body-budget-mib":        {file: `31`, env: "32", flag: "33"},
	"body-read-timeout":      {file: `"4s"`, env: "5s", flag: "6s"},
	"log-level":              {file: `"debug"`, env: "warn", flag: "error"},
	"log-format":             {file: `"json"`, env: "text", flag: "json"},
	"metrics-listen":         {file: `"127.0.0.1:9101"`, env: "127.0.0.1:9102", flag: "127.0.0.1:9103"},
	"events-file":            {file: `"/e/file"`, env: "/e/env", flag: "/e/flag"},
	"events-webhook":         {file: `"http://file"`, env: "http://env", flag: "http://flag"},
	"datastore-aws-endpoint": {file: `"http://file"`, env: "http://env", flag: "http://flag"},
	"allow-reset":            {file: `true`, env: "false", flag: "true"},
	"seal-key-file":          {file: `"/k/file"`, env: "/k/env", flag: "/k/flag"},
	"replica-lease":          {file: `"11s"`, env: "12s", flag: "13s"},
	"replica-address":        {file: `"10.0.0.1:7001"`, env: "10.0.0.2:7002", flag: "10.0.0.3:7003"},
}

func noEnv(string) string { return "" }

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rsdata.json")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestEveryFlagFromEveryPlace sets every flag from the file (under both key
// spellings), its environment variable and the command line, and checks
// that flags beat the environment, which beats the file, which beats the
// default. A new option without a case here fails the test.
func TestEveryFlagFromEveryPlace(t *testing.T) {
	for i := range options {
		o := &options[i]
		if o.noFlag || o.name == "config" {
			continue
		}
		c, ok := precedenceCases[o.name]
		if !ok {
			t.Errorf("option %q has no precedence case: add one", o.name)
			continue
		}
		t.Run(o.name, func(t *testing.T) {
			if c.wantFile == "" {
				if s, err := strconv.Unquote(c.file); err == nil {
					c.wantFile = s
				} else {
					c.wantFile = c.file
				}
			}
			if c.wantEnv == "" && o.name != "no-embedded" {
				c.wantEnv = c.env
			}
			if c.wantFlag == "" {
				c.wantFlag = c.flag
			}
			if c.accumulates {
				c.wantFlag = strings.SplitN(c.flag, "=", 2)[0]
			}
			wantEnvAlone, wantEnvOverFile, wantAll := c.wantEnv, c.wantEnv, c.wantFlag
			if c.accumulates {
				wantEnvAlone = strings.SplitN(c.env, "=", 2)[0]
				wantEnvOverFile = c.wantFile + "," + wantEnvAlone
				wantAll = wantEnvOverFile + "," + c.wantFlag
			}
			get := func(args []string, env map[string]string) string {
				t.Helper()
				cfg, err := parse(args, envOf(env))
				if err != nil {
					t.Fatalf("parse(%q, %v): %v", args, env, err)
				}
				return o.bind(&cfg).String()
			}
			// Each step must change the value, or the test could not fail.
			def := get(nil, nil)
			for _, v := range [][2]string{{def, c.wantFile}, {c.wantFile, wantEnvOverFile}, {wantEnvOverFile, wantAll}, {def, c.wantFlag}} {
				if v[0] == v[1] {
					t.Fatalf("case values do not differ: %q", v[0])
				}
			}
			env := map[string]string{o.envName(): c.env}
			flagArg := "--" + o.name + "=" + c.flag

			file := writeFile(t, `{"`+o.name+`": `+c.file+`}`)
			if got := get([]string{"--config", file}, nil); got != c.wantFile {
				t.Errorf("file key %q: got %q, want %q", o.name, got, c.wantFile)
			}
			if k := o.legacyKey(); k != "" {
				v := c.file
				if c.legacyFile != "" {
					v = c.legacyFile
				}
				legacy := writeFile(t, `{"`+k+`": `+v+`}`)
				if got := get([]string{"--config", legacy}, nil); got != c.wantFile {
					t.Errorf("legacy file key %q: got %q, want %q", k, got, c.wantFile)
				}
			}
			if got := get(nil, env); got != wantEnvAlone {
				t.Errorf("%s alone: got %q, want %q", o.envName(), got, wantEnvAlone)
			}
			if got := get([]string{"--config", file}, env); got != wantEnvOverFile {
				t.Errorf("%s over the file: got %q, want %q", o.envName(), got, wantEnvOverFile)
			}
			if got := get([]string{flagArg}, nil); got != c.wantFlag {
				t.Errorf("%s alone: got %q, want %q", flagArg, got, c.wantFlag)
			}
			if got := get([]string{"--config", file, flagArg}, env); got != wantAll {
				t.Errorf("%s over %s and the file: got %q, want %q", flagArg, o.envName(), got, wantAll)
			}
		})
	}
}

// TestEnvironmentNames keeps the variables that existed before the table
// (and scripts use) under their names.
func TestEnvironmentNames(t *testing.T) {
	names := map[string]bool{}
	for i := range options {
		names[options[i].envName()] = true
	}
	for _, want := range []string{"RSDATA_LISTEN", "RSDATA_DATA_DIR", "RSDATA_ACCOUNT_ID", "RSDATA_REGION",
		"RSDATA_PEER_ACCOUNTS", "RSDATA_STORE_DSN", "RSDATA_CONTROL_OS_USER", "RSDATA_ROOT_ACCESS_KEY_ID",
		"RSDATA_ROOT_SECRET_ACCESS_KEY", "RSDATA_PG_BINDIR", "RSDATA_CONFIG", "RSDATA_NO_EMBEDDED", "RSDATA_LOG_LEVEL"} {
		if !names[want] {
			t.Errorf("no option reads %s", want)
		}
	}
}

// TestSecretsOnlyFromTheEnvironment: root credentials are never a flag or a
// file key.
func TestSecretsOnlyFromTheEnvironment(t *testing.T) {
	cfg, err := parse(nil, envOf(map[string]string{"RSDATA_ADMIN_TOKEN": "admin-token-of-ci-1234",
		"RSDATA_DATASTORE_AWS_ACCESS_KEY_ID": "AKIAD", "RSDATA_DATASTORE_AWS_SECRET_ACCESS_KEY": "d"}))
	if err != nil || cfg.AdminToken != "admin-token-of-ci-1234" || cfg.DatastoreAWSAccessKeyID != "AKIAD" || cfg.DatastoreAWSSecretAccessKey != "d" {
		t.Fatalf("datastore secrets from the environment: %+v %v", cfg, err)
	}
	if _, err := parse([]string{"--admin-token", "admin-token-of-ci-1234"}, noEnv); err == nil || !strings.Contains(err.Error(), "not a flag: set RSDATA_ADMIN_TOKEN") {
		t.Errorf("admin token as a flag: %v", err)
	}
	cfg, err = parse(nil, envOf(map[string]string{"RSDATA_ROOT_ACCESS_KEY_ID": "AKIAX", "RSDATA_ROOT_SECRET_ACCESS_KEY": "s"}))
	if err != nil || cfg.RootAccessKeyID != "AKIAX" || cfg.RootSecretAccessKey != "s" {
		t.Fatalf("from the environment: %q %q %v", cfg.RootAccessKeyID, cfg.RootSecretAccessKey, err)
	}
	if _, err := parse([]string{"--root-access-key-id", "AKIAX"}, noEnv); err == nil || !strings.Contains(err.Error(), "not a flag: set RSDATA_ROOT_ACCESS_KEY_ID") {
		t.Errorf("as a flag: %v", err)
	}
	file := writeFile(t, `{"root-secret-access-key": "s"}`)
	if _, err := parse([]string{"--config", file}, noEnv); err == nil || !strings.Contains(err.Error(), `unknown key "root-secret-access-key"`) {
		t.Errorf("in the file: %v", err)
	}
}

// TestConfigFileFromEnvironment reads the file RSDATA_CONFIG names; --config
// wins over it.
func TestConfigFileFromEnvironment(t *testing.T) {
	a, b := writeFile(t, `{"listen": "127.0.0.1:1"}`), writeFile(t, `{"listen": "127.0.0.1:2"}`)
	cfg, err := parse(nil, envOf(map[string]string{"RSDATA_CONFIG": a}))
	if err != nil || cfg.Listen != "127.0.0.1:1" || cfg.ConfigFile != a {
		t.Errorf("RSDATA_CONFIG: %+v %v", cfg, err)
	}
	cfg, err = parse([]string{"--config", b}, envOf(map[string]string{"RSDATA_CONFIG": a}))
	if err != nil || cfg.Listen != "127.0.0.1:2" || cfg.ConfigFile != b {
		t.Errorf("--config over RSDATA_CONFIG: %+v %v", cfg, err)
	}
}

// TestEnginesInTheFile keeps the structured engines key of earlier files.
func TestEnginesInTheFile(t *testing.T) {
	file := writeFile(t, `{"engines": [{"kind": "cluster", "name": "ext", "host": "h", "port": 5432, "user": "u", "password": "p", "database": "d", "sslmode": "require"}]}`)
	cfg, err := parse([]string{"--config", file, "--workgroup", "wg1=postgres://u@h/d"}, noEnv)
	if err != nil || len(cfg.Engines) != 2 || cfg.Engines[0] != (Engine{Kind: "cluster", Name: "ext", Host: "h", Port: 5432, User: "u", Password: "p", Database: "d", SSLMode: "require"}) || cfg.Engines[1].Name != "wg1" {
		t.Fatalf("engines: %+v %v", cfg.Engines, err)
	}
	if _, err := parse([]string{"--engines", "[]"}, noEnv); err == nil || !strings.Contains(err.Error(), `not a flag: set "engines" in the config file`) {
		t.Errorf("--engines: %v", err)
	}
	// Each engine's dialect: the object's key, the URL's parameter; both
	// checked.
	file = writeFile(t, `{"engines": [{"kind": "cluster", "name": "ext", "host": "h", "user": "u", "database": "d", "dialect": "postgres"}]}`)
	cfg, err = parse([]string{"--config", file, "--cluster", "c2=postgres://u@h/d?dialect=postgres&sslmode=require", "--workgroup", "wg2=postgres://u@h/d"}, noEnv)
	if err != nil || cfg.Engines[0].Dialect != "postgres" || cfg.Engines[1].Dialect != "postgres" || cfg.Engines[1].SSLMode != "require" || cfg.Engines[2].Dialect != "" {
		t.Fatalf("engine dialects: %+v %v", cfg.Engines, err)
	}
	for _, args := range [][]string{{"--cluster", "c3=postgres://u@h/d?dialect=mysql"}, {"--dialect", "Redshift"}} {
		cfg, err := parse(args, noEnv)
		if err == nil {
			err = cfg.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), "must be redshift or postgres") {
			t.Errorf("%v: %v, want refused", args, err)
		}
	}
	file = writeFile(t, `{"engines": [{"kind": "cluster", "nmae": "ext"}]}`)
	if _, err := parse([]string{"--config", file}, noEnv); err == nil || !strings.Contains(err.Error(), "nmae") {
		t.Errorf("unknown engine field: %v", err)
	}
}

// TestMisspellingsSuggestTheNearest: an unknown file key or flag is refused
// naming the nearest known one, in either key spelling.
func TestMisspellingsSuggestTheNearest(t *testing.T) {
	for key, want := range map[string]string{"lisen": "listen", "data_dri": "data-dir", "data-dirr": "data-dir",
		"max_run_tme": "max-run-time", "eventswebhook": "events-webhook"} {
		file := writeFile(t, `{"`+key+`": "x", "region": "eu-west-1"}`)
		_, err := parse([]string{"--config", file}, noEnv)
		if err == nil || !strings.Contains(err.Error(), `unknown key "`+key+`" (did you mean "`+want+`"?)`) || !strings.Contains(err.Error(), file) {
			t.Errorf("file key %q: %v", key, err)
		}
	}
	file := writeFile(t, `{"no_such_setting": true}`)
	if _, err := parse([]string{"--config", file}, noEnv); err == nil || !strings.Contains(err.Error(), `unknown key "no_such_setting"`) || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("far from every key: %v", err)
	}
	file = writeFile(t, `{"data-dir": "/a", "data_dir": "/b"}`)
	if _, err := parse([]string{"--config", file}, noEnv); err == nil || !strings.Contains(err.Error(), "same setting") {
		t.Errorf("both spellings: %v", err)
	}
	for flag, want := range map[string]string{"--lisen": "--listen", "-data-dri=/x": "--data-dir", "--peer-accounts": "--peer-account"} {
		_, err := parse([]string{"--region", "eu-west-1", flag}, noEnv)
		if err == nil || !strings.Contains(err.Error(), "did you mean "+want+"?") {
			t.Errorf("flag %q: %v", flag, err)
		}
	}
	// A flag's value that looks like a flag is not taken for one.
	if cfg, err := parse([]string{"--events-file", "-lisen"}, noEnv); err != nil || cfg.EventsFile != "-lisen" {
		t.Errorf("flag value: %q %v", cfg.EventsFile, err)
	}
}

// TestBadValues names the source of a bad value.
func TestBadValues(t *testing.T) {
	if _, err := parse(nil, envOf(map[string]string{"RSDATA_CLUSTER_PORT": "many"})); err == nil || !strings.Contains(err.Error(), "RSDATA_CLUSTER_PORT") {
		t.Errorf("env: %v", err)
	}
	file := writeFile(t, `{"max-run-time": "forever", "listen": ["a", "b"]}`)
	if _, err := parse([]string{"--config", file}, noEnv); err == nil || !strings.Contains(err.Error(), "max-run-time") || !strings.Contains(err.Error(), "not a list") {
		t.Errorf("file: %v", err)
	}
}
