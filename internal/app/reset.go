package app

// The tests-reset: with --allow-reset, a POST to /_rsdata/reset signed
// with the root credentials returns rsdata to a clean state without
// deleting the data dir, so a test suite can start each run afresh.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/awsproto"
	"github.com/rsdata/rsdata/internal/httpx"
	"github.com/rsdata/rsdata/internal/store"
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
		a.log.Info("reset: databases, statements, sessions, IAM identities, secrets, tags and datastores removed")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"Reset":true}`+"\n")
	})
	return httpx.Wrap(authn.Wrap(reset), edge)
}

// Reset returns rsdata to a clean state: running statements are ended and
// sessions closed (on every replica), then every statement, result,
// session, event, lease, secret and resource tag, every IAM user, role,
// policy and key of every account (root credentials stay), and every
// datastore, connection, catalog and datastore API token but the first
// Admin token are removed from the store, and each embedded engine drops
// what users made (databases but dev, schemas of dev, roles but its master
// user). Registered external engines are not touched. Requests served
// meanwhile may see a part-reset state.
func (a *App) Reset(ctx context.Context) error {
	a.resetting.Lock()
	defer a.resetting.Unlock()
	if err := a.engine.Reset(ctx); err != nil {
		return fmt.Errorf("ending statements: %w", err)
	}
	if a.replicas != nil {
		if err := a.replicas.resetOthers(ctx); err != nil {
			return fmt.Errorf("ending the other replicas' statements: %w", err)
		}
		defer a.replicas.resetEnded()
	}
	a.exec.Reset()
	steps := []func(context.Context) error{a.store.Statements().Reset, a.store.Events().Reset,
		a.store.Leases().Reset, a.store.Secrets().Reset, a.store.Tags().Reset, a.store.Identities(a.cfg.AccountID).Reset}
	for _, p := range a.peers {
		steps = append(steps, a.store.Identities(p.id).Reset)
	}
	if a.ds != nil {
		steps = append(steps, func(ctx context.Context) error { return a.ds.svc.Reset(ctx, a.AdminToken()) })
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

// unfinishedWait bounds how long a reset waits for the other replicas to
// end their statements before it empties the store all the same.
const unfinishedWait = 30 * time.Second

// resetOthers asks the other replicas to end their running statements and
// close their sessions, and waits until no statement is left unfinished in
// the store, so that no worker writes one back once the store is emptied.
func (r *replicas) resetOthers(ctx context.Context) error {
	if err := r.a.store.Replicas().AnnounceReset(ctx, r.instance, store.ResetBegins); err != nil {
		return err
	}
	deadline := time.Now().Add(unfinishedWait)
	for {
		n, err := r.a.store.Statements().Unfinished(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			r.a.log.Warn("reset: statements still unfinished on other replicas; emptying the store all the same", "statements", n)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// resetEnded tells the other replicas the store is empty.
func (r *replicas) resetEnded() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.a.store.Replicas().AnnounceReset(ctx, r.instance, store.ResetEnded); err != nil {
		r.a.log.Warn("announcing the reset's end to the other replicas failed", "err", err)
	}
}

// resetRequested handles another replica's reset phase: before the store
// is emptied, end this replica's statements and sessions; after, register
// the datastores again (none are left) and add RSDATA_ADMIN_TOKEN back if
// the resetting replica did not know it.
func (r *replicas) resetRequested(payload string) {
	phase, instance, ok := strings.Cut(payload, " ")
	if !ok || instance == r.instance {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), resetTimeout)
		defer cancel()
		switch phase {
		case store.ResetBegins:
			if err := r.a.engine.Reset(ctx); err != nil {
				r.a.log.Error("reset from another replica: ending statements failed", "err", err)
			}
			r.a.exec.Reset()
		case store.ResetEnded:
			r.a.ds.svc.Changed(0)
			if r.a.cfg.AdminToken != "" {
				if _, err := r.a.ds.svc.EnsureAdminToken(ctx, r.a.cfg.AdminToken); err != nil {
					r.a.log.Error("reset from another replica: adding the admin token back failed", "err", err)
				}
			}
		}
	}()
}
