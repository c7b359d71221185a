package app

// The tests-reset: with --allow-reset, a POST to /_rsdata/reset signed
// with the root credentials returns rsdata to a clean state without
// deleting the data dir, so a test suite can start each run afresh.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/awsproto"
	"github.com/rsdata/rsdata/internal/httpx"
)

const (
	// resetPath is the reset's address; resetService is the signing name
	// its SigV4 scope must carry (curl --aws-sigv4 "aws:amz:REGION:rsdata").
	resetPath    = "/_rsdata/reset"
	resetService = "rsdata"
	// resetTimeout bounds a reset: ending running statements, emptying
	// the store, and dropping what users made on each embedded engine.
	resetTimeout = 2 * time.Minute
)

// resetEndpoint serves resetPath: 404 unless --allow-reset; otherwise a
// POST signed (SigV4, service "rsdata") by this account's root, which
// resets and answers 200. Anyone else is refused as the APIs refuse them.
func (a *App) resetEndpoint(keys auth.KeyStore, edge httpx.Options) http.Handler {
	if !a.cfg.AllowReset {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "404 page not found (the reset is served with rsdata serve --allow-reset)", http.StatusNotFound)
		})
	}
	authn := auth.NewAuthenticator(auth.Options{Region: a.cfg.Region, Services: []string{resetService},
		Logger: a.log}, keys, awsproto.WriteError)
	reset := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := auth.PrincipalFrom(r.Context())
		if p == nil || !p.Root || p.AccountID != a.cfg.AccountID {
			name := "anonymous"
			if p != nil {
				name = p.ARN
			}
			awsproto.WriteError(w, r, awserr.AccessDenied(fmt.Sprintf(
				"User: %s is not authorized to reset rsdata: only the root credentials of account %s are", name, a.cfg.AccountID)))
			return
		}
		// The reset runs to its end on its own context: a client that
		// goes away must not leave it half done.
		ctx, cancel := context.WithTimeout(context.Background(), resetTimeout)
		defer cancel()
		if err := a.Reset(ctx); err != nil {
			a.log.Error("reset failed", "err", err)
			awsproto.WriteError(w, r, awserr.InternalFailure())
			return
		}
		a.log.Info("reset: databases, statements, sessions, IAM identities, secrets and tags removed")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"Reset":true}`+"\n")
	})
	return httpx.Wrap(authn.Wrap(reset), edge)
}

// Reset returns rsdata to a clean state: running statements are ended and
// sessions closed, then every statement, result, session, event, lease,
// secret and resource tag, and every IAM user, role, policy and key of
// every account (root credentials stay) are removed from the store, and
// each embedded engine drops what users made (databases but dev, schemas
// of dev, roles but its master user). Registered external engines are not
// touched. Requests served meanwhile may see a part-reset state.
func (a *App) Reset(ctx context.Context) error {
	a.resetting.Lock()
	defer a.resetting.Unlock()
	if err := a.engine.Reset(ctx); err != nil {
		return fmt.Errorf("ending statements: %w", err)
	}
	a.exec.Reset()
	steps := []func(context.Context) error{a.store.Statements().Reset, a.store.Events().Reset,
		a.store.Leases().Reset, a.store.Secrets().Reset, a.store.Tags().Reset, a.store.Identities(a.cfg.AccountID).Reset}
	for _, p := range a.peers {
		steps = append(steps, a.store.Identities(p.id).Reset)
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	if a.site != nil {
		return a.site.Reset(ctx)
	}
	return nil
}
