// Package pgtest gives tests a real, throwaway PostgreSQL: one server per test
// binary, started through the same embedded supervisor `rsdata serve` uses,
// and a fresh database per test. A missing PostgreSQL fails the test run; it
// is never skipped.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rsdata/rsdata/internal/engines/embedded"
)

// Server is a running throwaway PostgreSQL.
type Server struct {
	*embedded.Instance
	root string
}

var (
	once    sync.Once
	shared  *Server
	initErr error
	dbSeq   atomic.Int64
)

// Main runs the package's tests and then stops the shared server, if one was
// started, and removes its files. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if shared != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_ = shared.Stop(ctx)
		cancel()
		os.RemoveAll(shared.root)
	}
	os.Exit(code)
}

// Start returns the package's shared server, starting it on first use.
func Start(tb testing.TB) *Server {
	tb.Helper()
	once.Do(func() {
		shared, initErr = StartNew(context.Background(), "pgtest")
	})
	if initErr != nil {
		tb.Fatalf("pgtest: cannot start PostgreSQL: %v", initErr)
	}
	return shared
}

// StartNew starts a separate server that the caller must Stop and whose
// directory the caller removes with Remove. Tests of restarts use it.
func StartNew(ctx context.Context, name string) (*Server, error) {
	// A short path under /tmp keeps the socket path within the kernel's limit
	// and lets the postgres user traverse it when tests run as root.
	root, err := os.MkdirTemp("", "rsd-")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(root, 0o755); err != nil {
		return nil, err
	}
	inst, err := embedded.Start(ctx, embedded.Options{
		Name:      name,
		DataDir:   root + "/data",
		SocketDir: root + "/s",
		ListenTCP: true,
		SuperUser: "postgres",
		NoSync:    true,
		Settings:  map[string]string{"max_connections": "200"},
	})
	if err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	return &Server{Instance: inst, root: root}, nil
}

// Remove deletes the server's files; call after Stop.
func (s *Server) Remove() { os.RemoveAll(s.root) }

// Root is the directory holding the server's data and socket.
func (s *Server) Root() string { return s.root }

// NewDatabase creates an empty database for one test and drops it when the
// test ends. It returns the database's name.
func (s *Server) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1))
	s.Exec(tb, "postgres", "CREATE DATABASE "+name)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, s.ConnString("postgres", "postgres"))
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return name
}

// Exec runs SQL as the superuser in database db and fails the test on error.
func (s *Server) Exec(tb testing.TB, db, sql string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := connectWhenReady(ctx, s.ConnString("postgres", db))
	if err != nil {
		tb.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		tb.Fatalf("pgtest: %s: %v", sql, err)
	}
}

// connectWhenReady connects, waiting while the server answers that it
// cannot accept connections yet (57P03: starting, or recovering after a
// backend a test killed), until ctx ends.
func connectWhenReady(ctx context.Context, dsn string) (*pgx.Conn, error) {
	for {
		conn, err := pgx.Connect(ctx, dsn)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "57P03" {
			return conn, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(100 * time.Millisecond):
		}
	}
}
