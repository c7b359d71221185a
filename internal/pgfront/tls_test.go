package pgfront_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rsdata/rsdata/internal/pgfront"
)

// generatedCert makes a self-signed certificate as rsdata does for its
// fronts (localhost and the loopback addresses) in a new directory, and
// returns its file and the front's TLS configuration.
func generatedCert(t testing.TB) (string, *tls.Config) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "pg-tls.crt"), filepath.Join(dir, "pg-tls.key")
	if _, err := pgfront.EnsureCertificate(certFile, keyFile, []string{"localhost", "127.0.0.1", "::1"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	cfg, err := pgfront.TLSConfig(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return certFile, cfg
}

// psqlAt runs psql as alice against the front at host with extra
// connection options, running each of commands.
func (e *env) psqlAt(t *testing.T, host, options string, commands ...string) result {
	t.Helper()
	args := []string{fmt.Sprintf("host=%s port=%d user=%s dbname=%s %s", host, e.port, user, e.db, options), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"}
	for _, c := range commands {
		args = append(args, "-c", c)
	}
	return runPsql(t, []string{"PGPASSWORD=" + password, "PGCONNECT_TIMEOUT=10"}, args...)
}

// tlsLine is how psql's \conninfo reports a TLS connection.
const tlsLine = "SSL connection (protocol: TLSv1.3"

// TestTLSWithPsql: with a certificate, the front answers psql's
// SSLRequest 'S' and speaks TLS 1.3 with it (\conninfo says so from the
// client's side: the link behind the front is plain, so the server's own
// pg_stat_ssl cannot tell) in every sslmode that asks for it, and verifies
// with verify-full against the certificate file, by name and by address;
// a wrong root certificate fails verification; sslmode=disable goes on in
// the clear; Redshift SQL runs over TLS.
func TestTLSWithPsql(t *testing.T) {
	certFile, cfg := generatedCert(t)
	e := start(t, pgfront.Options{TLS: cfg})
	for _, tc := range []struct{ host, options string }{
		{"127.0.0.1", "sslmode=require"},
		{"127.0.0.1", "sslmode=prefer"},
		{"127.0.0.1", "sslmode=require gssencmode=prefer"},
		{"localhost", "sslmode=verify-full sslrootcert=" + certFile},
		{"127.0.0.1", "sslmode=verify-full sslrootcert=" + certFile},
		{"localhost", "sslmode=verify-ca sslrootcert=" + certFile},
	} {
		res := e.psqlAt(t, tc.host, tc.options, `\conninfo`, "select getdate() is not null, nvl(null, 'x')")
		if res.Code != 0 || !strings.Contains(res.Stdout, tlsLine) || !strings.HasSuffix(strings.TrimSpace(res.Stdout), "t|x") {
			t.Errorf("psql host=%s %s: exit %d, stdout %q, stderr %q; want TLS 1.3 and t|x", tc.host, tc.options, res.Code, res.Stdout, res.Stderr)
		}
	}
	res := e.psqlAt(t, "127.0.0.1", "sslmode=disable", `\conninfo`, "select nvl(null, 'plain')")
	if res.Code != 0 || strings.Contains(res.Stdout, "SSL connection") || !strings.HasSuffix(strings.TrimSpace(res.Stdout), "plain") {
		t.Errorf("psql sslmode=disable: exit %d, stdout %q, stderr %q; want a plain connection that works", res.Code, res.Stdout, res.Stderr)
	}
	otherCert, _ := generatedCert(t)
	res = e.psqlAt(t, "localhost", "sslmode=verify-full sslrootcert="+otherCert, "select 1")
	if res.Code == 0 || !strings.Contains(res.Stderr, "certificate verify failed") {
		t.Errorf("psql verify-full with another root certificate: exit %d, stderr %q; want verification to fail", res.Code, res.Stderr)
	}
}

// TestTLSWithPgx: pgx with a tls.Config that trusts the certificate gets
// a *tls.Conn of TLS 1.2 or later under its connection, runs the extended
// protocol over it, and cancels a statement (its CancelRequest comes on a
// new connection, as libpq sends it too).
func TestTLSWithPgx(t *testing.T) {
	certFile, cfg := generatedCert(t)
	e := start(t, pgfront.Options{TLS: cfg})
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	cc, err := pgx.ParseConfig(fmt.Sprintf("postgres://%s:%s@localhost:%d/%s", user, password, e.port, e.db))
	if err != nil {
		t.Fatal(err)
	}
	cc.TLSConfig = &tls.Config{RootCAs: roots, ServerName: "localhost", MinVersion: tls.VersionTLS12}
	cc.Fallbacks = nil
	ctx := context.Background()
	c, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		t.Fatalf("pgx over TLS: %v", err)
	}
	defer c.Close(ctx)
	tc, ok := c.PgConn().Conn().(*tls.Conn)
	if !ok {
		t.Fatalf("pgx's connection is a %T, want *tls.Conn", c.PgConn().Conn())
	}
	if st := tc.ConnectionState(); !st.HandshakeComplete || st.Version < tls.VersionTLS12 {
		t.Errorf("TLS state: complete %v, version %x", st.HandshakeComplete, st.Version)
	}
	var v string
	if err := c.QueryRow(ctx, "select nvl($1::text, 'x')", nil).Scan(&v); err != nil || v != "x" {
		t.Errorf("nvl($1, 'x') over TLS: %q, %v", v, err)
	}
	e.cancelSleep(t, c)
	// A client that does not trust the certificate gives up.
	cc.TLSConfig = &tls.Config{RootCAs: x509.NewCertPool(), ServerName: "localhost"}
	if c, err := pgx.ConnectConfig(ctx, cc); err == nil {
		c.Close(ctx)
		t.Error("pgx connected though it trusts no root")
	}
}

// TestOperatorCertificate: a certificate the operator gives, issued by
// their own authority, is the one served: verify-full against that
// authority succeeds, against the front's would-be generated one fails.
func TestOperatorCertificate(t *testing.T) {
	dir := t.TempDir()
	caFile, certFile, keyFile := issue(t, dir, "localhost")
	cfg, err := pgfront.TLSConfig(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	e := start(t, pgfront.Options{TLS: cfg})
	res := e.psqlAt(t, "localhost", "sslmode=verify-full sslrootcert="+caFile, `\conninfo`, "select 1")
	if res.Code != 0 || !strings.Contains(res.Stdout, tlsLine) {
		t.Errorf("verify-full against the operator's authority: exit %d, stdout %q, stderr %q", res.Code, res.Stdout, res.Stderr)
	}
	// The certificate names localhost only.
	res = e.psqlAt(t, "127.0.0.1", "sslmode=verify-full sslrootcert="+caFile, "select 1")
	if res.Code == 0 || !strings.Contains(res.Stderr, "does not match host name") {
		t.Errorf("verify-full by an address the certificate does not name: exit %d, stderr %q", res.Code, res.Stderr)
	}
	// A key that is not the certificate's, and a missing file, are refused.
	_, _, otherKey := issue(t, t.TempDir(), "localhost")
	if _, err := pgfront.TLSConfig(certFile, otherKey); err == nil || !strings.Contains(err.Error(), "private key does not match public key") {
		t.Errorf("a mismatched pair: %v", err)
	}
	if _, err := pgfront.TLSConfig(filepath.Join(dir, "missing.crt"), keyFile); err == nil || !strings.Contains(err.Error(), "missing.crt") {
		t.Errorf("a missing certificate file: %v; want an error naming it", err)
	}
}

// issue writes an authority's certificate and a server certificate for
// host that it signed, with the server's key, and returns their files.
func issue(t testing.TB, dir, host string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "operator CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	caFile, certFile, keyFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
	for path, block := range map[string]*pem.Block{caFile: {Type: "CERTIFICATE", Bytes: caDER},
		certFile: {Type: "CERTIFICATE", Bytes: der}, keyFile: {Type: "EC PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return caFile, certFile, keyFile
}

// TestRequireTLS: with RequireTLS, a client that starts without TLS is
// refused as PostgreSQL refuses a host no hostssl line lets in off SSL
// (FATAL 28000), before any server sees it; one with TLS logs in.
func TestRequireTLS(t *testing.T) {
	_, cfg := generatedCert(t)
	e := start(t, pgfront.Options{TLS: cfg, RequireTLS: true})
	ctx := context.Background()
	_, err := pgx.Connect(ctx, fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?sslmode=disable", user, password, e.port, e.db))
	var pgErr *pgconn.PgError
	want := fmt.Sprintf(`no pg_hba.conf entry for host "127.0.0.1", user "%s", database "%s", SSL off`, user, e.db)
	if !errors.As(err, &pgErr) || pgErr.Code != "28000" || pgErr.Severity != "FATAL" || pgErr.Message != want {
		t.Errorf("a plain client with TLS required: %v; want FATAL 28000 %s", err, want)
	}
	res := e.psqlAt(t, "127.0.0.1", "sslmode=disable", "select 1")
	if res.Code == 0 || !strings.Contains(res.Stderr, "SSL off") {
		t.Errorf("psql sslmode=disable with TLS required: exit %d, stderr %q", res.Code, res.Stderr)
	}
	res = e.psqlAt(t, "127.0.0.1", "sslmode=prefer", `\conninfo`, "select nvl(null, 'ok')")
	if res.Code != 0 || !strings.Contains(res.Stdout, tlsLine) || !strings.HasSuffix(strings.TrimSpace(res.Stdout), "ok") {
		t.Errorf("psql sslmode=prefer with TLS required: exit %d, stdout %q, stderr %q", res.Code, res.Stdout, res.Stderr)
	}
}

// sslRequest is the 8-byte SSLRequest packet.
var sslRequest = []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}

// TestStalledHandshakeIsCutOff: a client that asks for TLS and then sends
// nothing, or half a ClientHello, is disconnected after StartupTimeout,
// and the slot it never took leaves the front serving.
func TestStalledHandshakeIsCutOff(t *testing.T) {
	_, cfg := generatedCert(t)
	const timeout = 500 * time.Millisecond
	e := start(t, pgfront.Options{TLS: cfg, MaxConns: 1, StartupTimeout: timeout})
	addr := net.JoinHostPort(e.host, strconv.Itoa(e.port))
	// The first bytes of a TLS handshake record holding a ClientHello.
	for name, send := range map[string][]byte{"silent after 'S'": nil, "half a ClientHello": {0x16, 0x03, 0x01, 0x02, 0x00, 0x01}} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := c.Write(sslRequest); err != nil {
			t.Fatal(err)
		}
		answer := make([]byte, 1)
		if _, err := io.ReadFull(c, answer); err != nil || answer[0] != 'S' {
			t.Fatalf("%s: answer %q, %v; want S", name, answer, err)
		}
		if _, err := c.Write(send); err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		_, err = io.Copy(io.Discard, c)
		took := time.Since(began)
		c.Close()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("%s: still connected after %s", name, took)
		} else if took > timeout+5*time.Second {
			t.Errorf("%s: closed after %s, want about %s", name, took, timeout)
		}
	}
	if got := e.mustPsql(t, "select 1"); got != "1" {
		t.Errorf("after the stalled handshakes: %q", got)
	}
}

// TestMalformedTLSStartups: with TLS on, the front still refuses bytes
// pipelined after an SSLRequest (answering nothing, so they can never be
// taken as sent over TLS), and closes a connection that sends plain
// bytes where its handshake should be, or asks for TLS again over TLS.
func TestMalformedTLSStartups(t *testing.T) {
	certFile, cfg := generatedCert(t)
	e := start(t, pgfront.Options{TLS: cfg})
	addr := net.JoinHostPort(e.host, strconv.Itoa(e.port))
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		return c
	}
	for name, send := range map[string][]byte{
		"SSLRequest with a StartupMessage after it":      append(append([]byte{}, sslRequest...), startupPacket(user, e.db)...),
		"SSLRequest with a ClientHello's start after it": append(append([]byte{}, sslRequest...), 0x16, 0x03, 0x01),
	} {
		c := dial()
		if _, err := c.Write(send); err != nil {
			t.Fatal(err)
		}
		reply, err := io.ReadAll(c)
		c.Close()
		if err != nil || len(reply) > 0 {
			t.Errorf("%s: reply %q, %v; want the connection closed without an answer", name, reply, err)
		}
	}
	// Plain bytes where the ClientHello belongs: a StartupMessage, or the
	// SSLRequest again.
	answer := make([]byte, 1)
	for name, send := range map[string][]byte{"StartupMessage": startupPacket(user, e.db), "second SSLRequest": sslRequest} {
		c := dial()
		if _, err := c.Write(sslRequest); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, answer); err != nil || answer[0] != 'S' {
			t.Fatalf("answer %q, %v; want S", answer, err)
		}
		if _, err := c.Write(send); err != nil {
			t.Fatal(err)
		}
		reply, err := io.ReadAll(c)
		c.Close()
		if err != nil || len(reply) > 0 && reply[0] != 0x15 { // at most a TLS alert record
			t.Errorf("a plain %s after 'S': reply %q, %v; want the handshake to fail and the connection closed", name, reply, err)
		}
	}
	// A second SSLRequest, over TLS.
	pemBytes, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pemBytes)
	c := dial()
	defer c.Close()
	if _, err := c.Write(sslRequest); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, answer); err != nil || answer[0] != 'S' {
		t.Fatalf("answer %q, %v; want S", answer, err)
	}
	tc := tls.Client(c, &tls.Config{RootCAs: roots, ServerName: "localhost"})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if _, err := tc.Write(sslRequest); err != nil {
		t.Fatal(err)
	}
	reply, err := io.ReadAll(tc)
	if len(reply) > 0 {
		t.Errorf("a second SSLRequest over TLS: reply %q, %v; want the connection closed", reply, err)
	}
	// The front still serves.
	if got := e.mustPsql(t, "select 1"); got != "1" {
		t.Errorf("after the malformed start-ups: %q", got)
	}
}
