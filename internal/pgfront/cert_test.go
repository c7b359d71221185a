package pgfront_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/pgfront"
)

// TestGeneratedCertificate: the first call makes an ECDSA P-256
// certificate naming every host, its key readable by its owner alone;
// later calls keep it (the same fingerprint) until it nears its expiry,
// its key no longer matches, or it does not name a host asked for.
func TestGeneratedCertificate(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "pg-tls.crt"), filepath.Join(dir, "pg-tls.key")
	hosts := []string{"localhost", "127.0.0.1", "::1", "127.0.0.1"} // as the app asks: the advertised host is 127.0.0.1 too
	now := time.Now()
	ensure := func(hosts []string, at time.Time) bool {
		t.Helper()
		created, err := pgfront.EnsureCertificate(certFile, keyFile, hosts, at)
		if err != nil {
			t.Fatal(err)
		}
		return created
	}
	fingerprint := func() string {
		t.Helper()
		fp, err := pgfront.Fingerprint(certFile)
		if err != nil {
			t.Fatal(err)
		}
		return fp
	}
	if !ensure(hosts, now) {
		t.Fatal("no certificate generated in an empty directory")
	}
	for path, want := range map[string]os.FileMode{keyFile: 0o600, certFile: 0o644} {
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, %v; want %v", filepath.Base(path), st.Mode().Perm(), err, want)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	b, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if pub, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		t.Errorf("key %T, want ECDSA P-256", cert.PublicKey)
	}
	if !slices.Contains(cert.DNSNames, "localhost") || len(cert.IPAddresses) != 2 ||
		!cert.IPAddresses[0].Equal(net.ParseIP("127.0.0.1")) || !cert.IPAddresses[1].Equal(net.ParseIP("::1")) {
		t.Errorf("names %v, addresses %v; want localhost, 127.0.0.1 and ::1", cert.DNSNames, cert.IPAddresses)
	}
	// Self-signed: it verifies against itself as the root.
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "localhost"}); err != nil {
		t.Errorf("the certificate as its own root: %v", err)
	}
	first := fingerprint()

	if ensure(hosts, now.Add(24*time.Hour)) || fingerprint() != first {
		t.Error("a valid certificate was replaced")
	}
	if !ensure(hosts, cert.NotAfter.Add(time.Hour)) || fingerprint() == first {
		t.Error("an expired certificate was kept")
	}
	second := fingerprint()
	if !ensure(append(hosts, "rsdata.internal"), now) || fingerprint() == second {
		t.Error("a certificate that does not name a host asked for was kept")
	}
	third := fingerprint()
	// A key that is not the certificate's (a crash between the two
	// writes): replaced.
	other := filepath.Join(t.TempDir(), "other.crt")
	if _, err := pgfront.EnsureCertificate(other, keyFile, hosts, now); err != nil {
		t.Fatal(err)
	}
	if !ensure(hosts, now) || fingerprint() == third {
		t.Error("a certificate whose key does not match was kept")
	}
	if _, err := pgfront.TLSConfig(certFile, keyFile); err != nil {
		t.Errorf("the regenerated pair: %v", err)
	}
}
