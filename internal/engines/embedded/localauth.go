package embedded

// Local authentication: which method the server's socket asks for, and
// switching a data directory made when it trusted local connections over
// to passwords.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// LocalAuthInEffect reads pg_hba.conf and returns the method of its local
// (Unix socket) lines: LocalTrust for a data directory made before
// LocalSCRAM was asked for, until RequireLocalPassword.
func (i *Instance) LocalAuthInEffect() (string, error) {
	b, err := os.ReadFile(filepath.Join(i.opts.DataDir, "pg_hba.conf"))
	if err != nil {
		return "", err
	}
	method := ""
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && f[0] == "local" {
			if method != "" && method != f[len(f)-1] {
				return "mixed", nil
			}
			method = f[len(f)-1]
		}
	}
	return method, nil
}

// RequireLocalPassword makes the Unix socket authenticate with
// Options.LocalAuth: it rewrites the method of pg_hba.conf's local lines,
// has the server reload it, and waits until a connection without a
// password is refused. The caller first gives SuperUser its Password. It
// is idempotent.
func (i *Instance) RequireLocalPassword(ctx context.Context) error {
	path := filepath.Join(i.opts.DataDir, "pg_hba.conf")
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.Split(string(b), "\n")
	changed := false
	for n, line := range lines {
		f := strings.Fields(line)
		if len(f) >= 4 && f[0] == "local" && f[len(f)-1] != i.opts.LocalAuth {
			lines[n] = strings.Join(append(f[:len(f)-1], i.opts.LocalAuth), " ")
			changed = true
		}
	}
	if changed {
		tmp := path + ".rsdata"
		if err := os.WriteFile(tmp, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
			return err
		}
		if i.runAs != nil {
			if err := os.Chown(tmp, int(i.runAs.Uid), int(i.runAs.Gid)); err != nil {
				return err
			}
		}
		if err := os.Rename(tmp, path); err != nil {
			return err
		}
		i.opts.Logger.Info("PostgreSQL now asks local connections for a password", "server", i.opts.Name, "method", i.opts.LocalAuth)
	}
	if i.opts.LocalAuth == LocalTrust {
		return nil
	}
	// SIGHUP makes the postmaster reload pg_hba.conf; new connections then
	// follow it.
	if pid := i.PID(); pid > 0 {
		if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
			return err
		}
	}
	noPassword := fmt.Sprintf("host=%s port=%d user=%s dbname=postgres sslmode=disable",
		quoteConnValue(i.opts.SocketDir), i.port, quoteConnValue(i.opts.SuperUser))
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		conn, err := pgconn.Connect(ctx, noPassword)
		if err == nil {
			conn.Close(ctx)
		} else if ctx.Err() == nil {
			// 28P01 invalid_password, 28000 invalid_authorization_specification.
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && (pgErr.Code == "28P01" || pgErr.Code == "28000") {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("PostgreSQL %s still accepts local connections without a password", i.opts.Name)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
