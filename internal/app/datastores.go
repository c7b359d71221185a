package app

// The datastore API: its service over the control store and the executor,
// the first Admin token (RSDATA_ADMIN_TOKEN, or generated and kept in the
// data dir like the root credentials), and its handler under /api/.

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"

	apids "github.com/rsdata/rsdata/internal/api/datastores"
	"github.com/rsdata/rsdata/internal/config"
	"github.com/rsdata/rsdata/internal/datastore"
	"github.com/rsdata/rsdata/internal/httpx"
	"github.com/rsdata/rsdata/internal/pgexec"
	"github.com/rsdata/rsdata/internal/secretfile"
)

// adminTokenFile, in the data dir, holds the generated first Admin token.
const adminTokenFile = "admin-token.json"

type adminToken struct {
	Token string `json:"token"`
}

// datastoreState is what the app keeps of the datastore API.
type datastoreState struct {
	svc *datastore.Service
	// tokenAt is the file holding the generated admin token ("" when it
	// came from RSDATA_ADMIN_TOKEN); fresh when this start generated it.
	tokenAt string
	fresh   bool
	token   string
}

// buildDatastores makes the datastore service, registers the stored
// datastores as Data API targets and ensures the first Admin token.
func (a *App) buildDatastores(ctx context.Context, instance string) error {
	sealer := a.keys.sealer
	svc := datastore.New(datastore.Options{Logger: a.log.With("component", "datastores"), IAM: a.datastoreIAM(),
		Instance: instance},
		a.store.Datastores(), sealer, pgexec.Datastores{X: a.exec}, a.registry)
	a.ds = &datastoreState{svc: svc}
	if err := svc.Load(ctx); err != nil {
		return fmt.Errorf("datastores: %w", err)
	}
	if a.cfg.AdminToken != "" {
		_, err := svc.EnsureAdminToken(ctx, a.cfg.AdminToken)
		return err
	}
	path := filepath.Join(a.cfg.DataDir, adminTokenFile)
	var kept adminToken
	if err := secretfile.Read(path, &kept); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	created, err := svc.EnsureAdminToken(ctx, "")
	if err != nil {
		return err
	}
	a.ds.tokenAt, a.ds.token = path, kept.Token
	if created != "" {
		a.ds.fresh, a.ds.token = true, created
		if err := secretfile.Write(path, adminToken{Token: created}); err != nil {
			return err
		}
	}
	return nil
}

// datastoreHandler serves /api/ behind the edge's request id, log,
// recovery and body limits.
func (a *App) datastoreHandler(edge httpx.Options) http.Handler {
	edge.WriteError = nil
	edge.Panicked, edge.TooLarge, edge.Throttled = nil, nil, nil
	return httpx.Wrap(apids.New(a.ds.svc, a.log.With("component", "datastore-api")), edge)
}

// printDatastoreBanner says where the datastore API's admin token is.
func (a *App) printDatastoreBanner(endpoint string) {
	switch {
	case a.ds == nil:
		return
	case a.ds.tokenAt == "":
		fmt.Fprintf(a.out, "Datastore API %s/api (admin token from RSDATA_ADMIN_TOKEN)\n", endpoint)
	case a.ds.fresh && a.showSecrets:
		fmt.Fprintf(a.out, "Datastore API %s/api, generated admin token (stored in %s, shown only now):\n  %s\n", endpoint, a.ds.tokenAt, a.ds.token)
	default:
		fmt.Fprintf(a.out, "Datastore API %s/api, admin token in %s:\n  export RSDATA_TOKEN=$(sed -n 's/^ *\"token\": *\"\\([^\"]*\\)\".*/\\1/p' %s)\n",
			endpoint, a.ds.tokenAt, shellQuote(a.ds.tokenAt))
	}
}

// Datastores returns the datastore service.
func (a *App) Datastores() *datastore.Service { return a.ds.svc }

// AdminToken returns the first Admin token's secret when this process
// knows it (generated or kept in the data dir, or RSDATA_ADMIN_TOKEN).
func (a *App) AdminToken() string {
	if a.cfg.AdminToken != "" {
		return a.cfg.AdminToken
	}
	if a.ds == nil {
		return ""
	}
	return a.ds.token
}

// ReadAdminToken returns the token `rsdata token` authenticates with:
// RSDATA_TOKEN is read by the command itself; here RSDATA_ADMIN_TOKEN,
// else the generated one kept in the data dir.
func ReadAdminToken(cfg config.Config) (string, error) {
	if cfg.AdminToken != "" {
		return cfg.AdminToken, nil
	}
	path := filepath.Join(cfg.DataDir, adminTokenFile)
	var kept adminToken
	if err := secretfile.Read(path, &kept); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if kept.Token == "" {
		return "", fmt.Errorf("no admin token in %s: set RSDATA_TOKEN to an Admin token", path)
	}
	return kept.Token, nil
}
