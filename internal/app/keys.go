package app

// The keys rsdata signs and seals with. A single node generates its own in
// the data dir (seal.key, session.key). Replicas sharing a control store
// must agree on all of them, so the operator gives one sealing key
// (--seal-key-file or RSDATA_SEAL_KEY), possibly followed by older ones
// still accepted while a rotation runs, and every other key derives from
// the primary one.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rsdata/rsdata/internal/seal"
)

// keys are the sealing and signing keys of this process.
type keys struct {
	// sealer seals under the primary sealing key and opens under it or an
	// older one.
	sealer *seal.Sealer
	// primary is the primary sealing key; page tokens derive from it.
	primary []byte
	// session signs STS session tokens.
	session []byte
	// internal authenticates calls one replica forwards to another.
	internal []byte
	// rotating is set when older keys are given: values they sealed are
	// resealed under the primary one.
	rotating bool
}

// loadKeys reads the operator's sealing keys, or the data dir's.
func (a *App) loadKeys() (*keys, error) {
	var given [][]byte
	switch {
	case a.cfg.SealKeyFile != "":
		b, err := os.ReadFile(a.cfg.SealKeyFile)
		if err != nil {
			return nil, fmt.Errorf("sealing key: %w", err)
		}
		if given, err = seal.ParseKeys(b); err != nil {
			return nil, fmt.Errorf("sealing key file %s: %w", a.cfg.SealKeyFile, err)
		}
	case a.cfg.SealKey != "":
		var err error
		if given, err = seal.ParseKeys([]byte(a.cfg.SealKey)); err != nil {
			return nil, fmt.Errorf("RSDATA_SEAL_KEY: %w", err)
		}
	}
	if len(given) > 0 {
		s, err := seal.NewRotating(given[0], given[1:]...)
		if err != nil {
			return nil, err
		}
		return &keys{sealer: s, primary: given[0], session: seal.Derive(given[0], "sts session tokens"),
			internal: seal.Derive(given[0], "replica calls"), rotating: len(given) > 1}, nil
	}
	primary, err := seal.LoadOrCreateKey(filepath.Join(a.cfg.DataDir, "seal.key"))
	if err != nil {
		return nil, fmt.Errorf("sealing key: %w", err)
	}
	session, err := seal.LoadOrCreateKey(filepath.Join(a.cfg.DataDir, "session.key"))
	if err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	s, err := seal.New(primary)
	if err != nil {
		return nil, err
	}
	return &keys{sealer: s, primary: primary, session: session, internal: seal.Derive(primary, "replica calls")}, nil
}

// reseal, when older sealing keys are given, seals again under the primary
// key every value an older one sealed: the rotation's last step, after
// which the older keys can be dropped. Several replicas may do it at once.
func (a *App) reseal(ctx context.Context) {
	if !a.keys.rotating {
		return
	}
	n, err := a.store.Reseal(ctx, a.keys.sealer.Reseal)
	if err != nil {
		a.log.Error("resealing under the primary sealing key left values no key opens", "err", err)
	}
	a.log.Info("resealed under the primary sealing key", "values", n)
}
