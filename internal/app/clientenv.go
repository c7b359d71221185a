package app

// What `rsdata env` prints: how an AWS client reaches the rsdata that uses
// a data dir, read from that dir's files (which this package writes).

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"

	"github.com/rsdata/rsdata/internal/config"
	"github.com/rsdata/rsdata/internal/secretfile"
)

// ClientEnv is the root account's view of one rsdata.
type ClientEnv struct {
	AccessKeyID, SecretAccessKey, Region string
	// Endpoint is http://host:port; Running reports that it came from the
	// lock file of a running rsdata rather than the configuration.
	Endpoint string
	Running  bool
}

// ReadClientEnv reads the root credentials (the environment's, else
// root-credentials.json in the data dir) and the address: the one the
// running rsdata recorded in its lock file, else the configured one.
func ReadClientEnv(cfg config.Config) (ClientEnv, error) {
	ce := ClientEnv{AccessKeyID: cfg.RootAccessKeyID, SecretAccessKey: cfg.RootSecretAccessKey, Region: cfg.Region}
	if ce.AccessKeyID == "" {
		path := filepath.Join(cfg.DataDir, rootCredentialsFile)
		var rc rootCredentials
		if err := secretfile.Read(path, &rc); err != nil {
			return ce, fmt.Errorf("%s: %w", path, err)
		}
		if rc.AccessKeyID == "" {
			return ce, fmt.Errorf("no root credentials in %s: rsdata serve creates them on its first start with this data dir", path)
		}
		ce.AccessKeyID, ce.SecretAccessKey = rc.AccessKeyID, rc.SecretAccessKey
	}
	listen := cfg.Listen
	if h, ok := runningHolder(cfg.DataDir); ok {
		listen, ce.Running = h.Listen, true
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return ce, fmt.Errorf("listen %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	ce.Endpoint = "http://" + net.JoinHostPort(host, port)
	return ce, nil
}

// ExportLine is a POSIX shell line that sets the AWS variables.
func (ce ClientEnv) ExportLine() string {
	return exportLine(shellQuote(ce.AccessKeyID), shellQuote(ce.SecretAccessKey), ce.Region, ce.Endpoint)
}

// exportLine is the export line of the banner and of `rsdata env`; secret
// is already shell text (quoted, or a command substitution).
func exportLine(accessKeyID, secret, region, endpoint string) string {
	return fmt.Sprintf("export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_REGION=%[3]s AWS_DEFAULT_REGION=%[3]s AWS_ENDPOINT_URL=%[4]s",
		accessKeyID, secret, region, endpoint)
}

// runningHolder reads the data dir's lock file and reports its holder if
// that process is alive and has recorded its address. (Taking the lock to
// find out would make a starting rsdata fail.)
func runningHolder(dataDir string) (holder, bool) {
	var h holder
	b, err := os.ReadFile(filepath.Join(dataDir, lockFileName))
	if err != nil || json.Unmarshal(b, &h) != nil || h.PID <= 0 || h.Listen == "" {
		return h, false
	}
	err = syscall.Kill(h.PID, 0)
	return h, err == nil || errors.Is(err, syscall.EPERM)
}
