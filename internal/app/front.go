package app

// The PostgreSQL wire fronts of the embedded engines (internal/pgfront).

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/engines/embedded"
	"github.com/rsdata/rsdata/internal/pgexec"
	"github.com/rsdata/rsdata/internal/pgfront"
)

// frontTLS is the fronts' TLS: the certificate they present and the file
// clients verify it with.
type frontTLS struct {
	config *tls.Config
	// certFile is the certificate's file; generated tells whether rsdata
	// made it (self-signed, so it is its own root: a client's
	// sslrootcert) or the operator gave it.
	certFile  string
	generated bool
}

// loadFrontTLS loads the operator's key pair (--pg-tls-cert-file and
// --pg-tls-key-file), refusing one that cannot serve, or else makes sure
// the data dir holds a self-signed certificate for the names clients
// reach the fronts by, generating it on first start and when it expires.
func (a *App) loadFrontTLS() (*frontTLS, error) {
	if a.cfg.PGTLSCertFile != "" {
		cfg, err := pgfront.TLSConfig(a.cfg.PGTLSCertFile, a.cfg.PGTLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("PostgreSQL endpoint TLS (--pg-tls-cert-file, --pg-tls-key-file): %w", err)
		}
		a.log.Info("PostgreSQL endpoints' TLS certificate", "cert", a.cfg.PGTLSCertFile)
		return &frontTLS{config: cfg, certFile: a.cfg.PGTLSCertFile}, nil
	}
	certFile, keyFile := filepath.Join(a.cfg.DataDir, "pg-tls.crt"), filepath.Join(a.cfg.DataDir, "pg-tls.key")
	hosts := []string{"localhost", "127.0.0.1", "::1", embedded.FrontHost}
	created, err := pgfront.EnsureCertificate(certFile, keyFile, hosts, time.Now())
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL endpoint TLS certificate in %s: %w", a.cfg.DataDir, err)
	}
	cfg, err := pgfront.TLSConfig(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL endpoint TLS: %w", err)
	}
	a.log.Info("PostgreSQL endpoints' TLS certificate (self-signed; clients' sslrootcert)", "cert", certFile, "generated", created)
	return &frontTLS{config: cfg, certFile: certFile, generated: true}, nil
}

// startFront serves ln, ep's advertised port, with a front relaying to
// ep's server and translating its dialect.
func (a *App) startFront(ep *engines.Endpoint, ln net.Listener) {
	host, port := ep.ServerAddr()
	srv := pgfront.New(pgfront.Options{
		Name:       string(ep.Kind) + " " + ep.Name,
		Backend:    net.JoinHostPort(host, strconv.Itoa(port)),
		Translator: pgfront.Dialect(ep.Dialect),
		MaxConns:   a.cfg.MaxPGConnections,
		TLS:        a.tls.config,
		RequireTLS: a.cfg.PGRequireTLS,
		Authenticated: func(ctx context.Context, database string) {
			a.exec.EnsureInstalled(ctx, ep, database)
		},
		Roles: func(ctx context.Context, user string, cmd *dialect.RoleCommand) error {
			return frontRoleError(a.exec.RunRole(ctx, ep, user, cmd))
		},
		Logger: a.log.With("component", "pgfront"),
	})
	if a.fronts == nil {
		a.fronts = map[string]*pgfront.Server{}
	}
	a.fronts[string(ep.Kind)+"/"+ep.Name] = srv
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, pgfront.ErrServerClosed) {
			a.log.Error("PostgreSQL endpoint stopped", "engine", string(ep.Kind)+" "+ep.Name, "err", err)
		}
	}()
}

// closeFronts ends every front connection (their sessions end as they do
// when the server stops) and waits, within ctx or 10 s, for the relays.
func (a *App) closeFronts(ctx context.Context) {
	fctx, cancel := boundedBy(ctx, 10*time.Second)
	defer cancel()
	for name, srv := range a.fronts {
		if err := srv.Close(fctx); err != nil {
			a.log.Warn("PostgreSQL endpoint connections still closing at the bound", "engine", name, "err", err)
		}
	}
}

// frontErr is why ep's front stopped serving, nil while it serves or when
// ep has none.
func (a *App) frontErr(ep *engines.Endpoint) error {
	srv, ok := a.fronts[string(ep.Kind)+"/"+ep.Name]
	if !ok || !ep.Embedded {
		return nil
	}
	return srv.Err()
}

// frontRoleError is a role statement's error as the front's client sees
// it: rsdata's refusal or the server's error, with its SQLSTATE; anything
// else stays for the front's log.
func frontRoleError(err error) error {
	if re, ok := errors.AsType[*pgexec.RoleError](err); ok {
		return &pgfront.Refusal{Code: re.Code, Message: re.Message}
	}
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		return &pgfront.Refusal{Code: pe.Code, Message: pe.Message}
	}
	return err
}
