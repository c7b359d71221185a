package pgfront

// The certificate the fronts present to clients that ask for TLS: an
// operator's, or one generated and kept in the data directory.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Validity of a generated certificate, and how long before its expiry a
// start replaces it (so a long-running server does not reach it). Clients
// such as macOS's refuse server certificates valid for more than 825 days.
const (
	generatedValidity = 825 * 24 * time.Hour
	renewBefore       = 30 * 24 * time.Hour
)

// TLSConfig is the server side of the fronts' TLS: the key pair in
// certFile and keyFile (PEM; the certificate file may hold the chain after
// it), TLS 1.2 at least. An unreadable file or a key that is not the
// certificate's is an error.
func TLSConfig(certFile, keyFile string) (*tls.Config, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("certificate %s with key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

// EnsureCertificate makes sure certFile and keyFile hold a usable
// self-signed certificate for hosts (names and IP addresses), valid at
// now: one already there is kept; one missing, unreadable, not matching
// its key, not naming every host, expired or due to expire within 30 days
// is replaced by a new ECDSA P-256 pair. The key is written with mode 0600
// and the certificate 0644 (clients read it as their root certificate),
// each replaced atomically. It reports whether it generated a new one.
func EnsureCertificate(certFile, keyFile string, hosts []string, now time.Time) (bool, error) {
	if usable(certFile, keyFile, hosts, now) {
		return false, nil
	}
	certPEM, keyPEM, err := selfSigned(hosts, now)
	if err != nil {
		return false, err
	}
	// The key first: a crash between the two leaves a pair that does not
	// match, which the next start replaces.
	if err := writeAtomic(keyFile, keyPEM, 0o600); err != nil {
		return false, err
	}
	if err := writeAtomic(certFile, certPEM, 0o644); err != nil {
		return false, err
	}
	return true, nil
}

// usable reports whether the pair on disk can serve hosts at now.
func usable(certFile, keyFile string, hosts []string, now time.Time) bool {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return false
	}
	leaf := pair.Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return false
		}
	}
	if now.Before(leaf.NotBefore) || now.Add(renewBefore).After(leaf.NotAfter) {
		return false
	}
	for _, h := range hosts {
		if leaf.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

// selfSigned returns a new certificate for hosts, signed by its own key,
// and that key, both PEM.
func selfSigned(hosts []string, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "rsdata PostgreSQL endpoint", Organization: []string{"rsdata"}},
		// An hour back, for clients whose clock is a little behind.
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(generatedValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range hosts { // each once, though asked for twice
		ip := net.ParseIP(h)
		switch {
		case ip == nil && !slices.Contains(tmpl.DNSNames, h):
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		case ip != nil && !slices.ContainsFunc(tmpl.IPAddresses, ip.Equal):
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// writeAtomic replaces path with b, readable as mode says, so a crash
// leaves either the old file or the new one.
func writeAtomic(path string, b []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// Fingerprint is the SHA-256 of the first certificate in the PEM file at
// path, in hex, as logs and clients show it.
func Fingerprint(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	block, _ := pem.Decode(bytes.TrimSpace(b))
	if block == nil || block.Type != "CERTIFICATE" {
		return "", errors.New(path + " holds no PEM certificate")
	}
	sum := sha256.Sum256(block.Bytes)
	return hex.EncodeToString(sum[:]), nil
}
