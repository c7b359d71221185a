package main

import (
	"bytes"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// psqlTLS runs \conninfo, then sql, with psql and returns the result.
func psqlTLS(t testing.TB, conninfo, password, sql string) cmdResult {
	t.Helper()
	env := append(cleanEnv("PG"), "PGPASSWORD="+password, "PGCONNECT_TIMEOUT=10")
	return runCommand(t, env, psqlPath(t), conninfo, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", `\conninfo`, "-c", sql)
}

// tlsLine is how psql's \conninfo reports a TLS connection.
const tlsLine = "SSL connection (protocol: TLSv1.3"

// servedCertificate asks the PostgreSQL endpoint at port for TLS, as
// libpq does, and returns the certificate it presents (DER).
func servedCertificate(t testing.TB, port int) []byte {
	t.Helper()
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	answer := make([]byte, 1)
	if _, err := c.Write([]byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, answer); err != nil || answer[0] != 'S' {
		t.Fatalf("SSLRequest answered %q, %v; want S", answer, err)
	}
	// Only the certificate is wanted here; psql verifies it below.
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	return tc.ConnectionState().PeerCertificates[0].Raw
}

// pemDER is the DER of the first certificate of a PEM file.
func pemDER(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("%s holds no PEM certificate", path)
	}
	return block.Bytes
}

// TestPostgresEndpointSpeaksTLS: a real `rsdata serve` generates a
// certificate for its PostgreSQL endpoints in the data dir and names it in
// its banner; psql connects with sslmode=require (TLS 1.3, by \conninfo),
// with verify-full against that file by the name localhost, and still in
// the clear with sslmode=disable; a wrong root certificate fails
// verification; the key is the owner's alone; a restart serves the same
// certificate.
func TestPostgresEndpointSpeaksTLS(t *testing.T) {
	t.Parallel()
	dir := newDataDir(t)
	s := startServe(t, serveOptions{DataDir: dir})
	certFile, keyFile := filepath.Join(dir, "pg-tls.crt"), filepath.Join(dir, "pg-tls.key")
	if !strings.Contains(s.Stdout.String(), "sslrootcert="+certFile) {
		t.Errorf("the banner does not name the certificate %s as sslrootcert:\n%s", certFile, s.Stdout.String())
	}
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the generated key: %v, %v; want mode 0600", st, err)
	}
	port, pw := s.EnginePort("cluster", "local"), s.MasterLogins()["cluster/local"].Password
	base := fmt.Sprintf("port=%d user=awsuser dbname=dev", port)
	for _, opts := range []string{
		"host=127.0.0.1 sslmode=require",
		"host=localhost sslmode=verify-full sslrootcert=" + certFile,
	} {
		res := psqlTLS(t, base+" "+opts, pw, "select getdate() is not null")
		if res.Code != 0 || !strings.Contains(res.Stdout, tlsLine) || !strings.HasSuffix(strings.TrimSpace(res.Stdout), "t") {
			t.Errorf("psql %s: exit %d, stdout %q, stderr %q; want TLS and t", opts, res.Code, res.Stdout, res.Stderr)
		}
	}
	res := psqlTLS(t, base+" host=127.0.0.1 sslmode=disable", pw, "select nvl(null, 'plain')")
	if res.Code != 0 || strings.Contains(res.Stdout, "SSL connection") || !strings.HasSuffix(strings.TrimSpace(res.Stdout), "plain") {
		t.Errorf("psql sslmode=disable: exit %d, stdout %q, stderr %q", res.Code, res.Stdout, res.Stderr)
	}
	wg := fmt.Sprintf("host=localhost port=%d user=admin dbname=dev sslmode=verify-full sslrootcert=%s", s.EnginePort("workgroup", "default"), certFile)
	if res := psqlTLS(t, wg, s.MasterLogins()["workgroup/default"].Password, "select nvl2(null, 'a', 'b')"); res.Code != 0 ||
		!strings.Contains(res.Stdout, tlsLine) || !strings.HasSuffix(strings.TrimSpace(res.Stdout), "b") {
		t.Errorf("the workgroup endpoint with verify-full: exit %d, stdout %q, stderr %q", res.Code, res.Stdout, res.Stderr)
	}
	caFile, _, _ := operatorCertificate(t, t.TempDir())
	if res := psql(t, base+" host=localhost sslmode=verify-full sslrootcert="+caFile, pw, "select 1"); res.Code == 0 ||
		!strings.Contains(res.Stderr, "certificate verify failed") {
		t.Errorf("verify-full with another root certificate: exit %d, stderr %q", res.Code, res.Stderr)
	}

	served := servedCertificate(t, port)
	if !bytes.Equal(served, pemDER(t, certFile)) {
		t.Error("the endpoint does not present the certificate in pg-tls.crt")
	}
	s.Stop()
	s = startServe(t, serveOptions{DataDir: dir})
	if again := servedCertificate(t, s.EnginePort("cluster", "local")); !bytes.Equal(again, served) {
		t.Error("a restart presents another certificate; want the generated one kept")
	}
}

// operatorCertificate makes, with openssl, an authority and a server
// certificate it issued for localhost, and returns the authority's
// certificate, the server's and its key.
func operatorCertificate(t testing.TB, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caFile, caKey := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	csr, ext := filepath.Join(dir, "server.csr"), filepath.Join(dir, "ext.cnf")
	if err := os.WriteFile(ext, []byte("subjectAltName=DNS:localhost\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", caKey, "-out", caFile, "-subj", "/CN=operator CA", "-days", "2"},
		{"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", keyFile, "-out", csr, "-subj", "/CN=localhost"},
		{"x509", "-req", "-in", csr, "-CA", caFile, "-CAkey", caKey, "-CAcreateserial", "-out", certFile, "-days", "2", "-extfile", ext},
	} {
		if res := runCommand(t, os.Environ(), "openssl", args...); res.Code != 0 {
			t.Fatalf("openssl %s: %s", strings.Join(args, " "), res.Stderr)
		}
	}
	return caFile, certFile, keyFile
}

// TestOperatorTLSCertificate: with RSDATA_PG_TLS_CERT_FILE and
// RSDATA_PG_TLS_KEY_FILE, the endpoints present the operator's
// certificate (verify-full against the operator's authority succeeds) and
// rsdata generates none; with --pg-require-tls a client in the clear is
// refused as Redshift's require_ssl refuses it; a key that is not the
// certificate's stops the start with an error that says so.
func TestOperatorTLSCertificate(t *testing.T) {
	t.Parallel()
	caFile, certFile, keyFile := operatorCertificate(t, t.TempDir())
	dir := newDataDir(t)
	s := startServe(t, serveOptions{DataDir: dir, Args: []string{"--pg-require-tls"},
		Env: []string{"RSDATA_PG_TLS_CERT_FILE=" + certFile, "RSDATA_PG_TLS_KEY_FILE=" + keyFile}})
	port, pw := s.EnginePort("cluster", "local"), s.MasterLogins()["cluster/local"].Password
	base := fmt.Sprintf("port=%d user=awsuser dbname=dev", port)
	res := psqlTLS(t, base+" host=localhost sslmode=verify-full sslrootcert="+caFile, pw, "select nvl(null, 'ok')")
	if res.Code != 0 || !strings.Contains(res.Stdout, tlsLine) || !strings.HasSuffix(strings.TrimSpace(res.Stdout), "ok") {
		t.Errorf("verify-full against the operator's authority: exit %d, stdout %q, stderr %q", res.Code, res.Stdout, res.Stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "pg-tls.crt")); !os.IsNotExist(err) {
		t.Errorf("rsdata generated a certificate though the operator gave one: %v", err)
	}
	if !strings.Contains(s.Stdout.String(), certFile) {
		t.Errorf("the banner does not name the operator's certificate:\n%s", s.Stdout.String())
	}
	if res := psql(t, base+" host=127.0.0.1 sslmode=disable", pw, "select 1"); res.Code == 0 ||
		!strings.Contains(res.Stderr, `no pg_hba.conf entry for host "127.0.0.1", user "awsuser", database "dev", SSL off`) {
		t.Errorf("a client in the clear with --pg-require-tls: exit %d, stderr %q", res.Code, res.Stderr)
	}
	s.Stop()

	_, _, otherKey := operatorCertificate(t, t.TempDir())
	bad := startServe(t, serveOptions{Args: []string{"--pg-tls-cert-file", certFile, "--pg-tls-key-file", otherKey}, NoWait: true})
	select {
	case <-bad.exited:
	case <-time.After(readyTimeout):
		t.Fatal("rsdata started with a key that is not its certificate's")
	}
	if bad.state.Success() || !strings.Contains(bad.Stderr.String(), "private key does not match public key") ||
		!strings.Contains(bad.Stderr.String(), "--pg-tls-cert-file") {
		t.Errorf("start with a mismatched pair: %v, stderr %q", bad.state, tailLines(bad.Stderr.String(), 5))
	}
}
