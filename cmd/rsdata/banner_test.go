package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestBannerShowsNoSecretToAPipe: rsdata's stdout is a pipe here, as when
// it is redirected to a file or a log collector. The banner must hold no
// secret (root, peer account, master passwords), must name the mode-0600
// files that hold them, and its export lines must still set the right keys
// when pasted into a shell.
func TestBannerShowsNoSecretToAPipe(t *testing.T) {
	t.Parallel()
	const peer = "210987654321"
	s := startServe(t, serveOptions{Args: []string{"--peer-account", peer}})
	out := s.Stdout.String()
	rc := s.RootCredentials()
	var peerCreds rootCredentials
	readJSON(t, filepath.Join(s.DataDir, "root-credentials-"+peer+".json"), &peerCreds)

	secrets := map[string]string{"root secret key": rc.SecretAccessKey, "peer secret key": peerCreds.SecretAccessKey}
	for key, l := range s.MasterLogins() {
		secrets["master password of "+key] = l.Password
	}
	for what, secret := range secrets {
		if secret == "" || strings.Contains(out, secret) {
			t.Errorf("the banner printed the %s to a pipe (or it is empty)", what)
		}
	}
	for _, file := range []string{"root-credentials.json", "root-credentials-" + peer + ".json", "master-users.json"} {
		if !strings.Contains(out, filepath.Join(s.DataDir, file)) {
			t.Errorf("the banner does not name %s:\n%s", file, out)
		}
	}
	if env := s.PrintedEnv(); env["AWS_ACCESS_KEY_ID"] != rc.AccessKeyID || env["AWS_SECRET_ACCESS_KEY"] != rc.SecretAccessKey {
		t.Errorf("the pasted export line sets %s/%q, want the keys of root-credentials.json", env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
	}
}
