package embedded

import (
	"context"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPortTakenBeforeTheBind: the port Start chose is taken by someone
// else before the postmaster binds it (another process on a busy
// machine); Start tries another port and the server comes up there.
func TestPortTakenBeforeTheBind(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// A short path the postgres system user can traverse when tests run
	// as root (t.TempDir's parent is 0700).
	root, err := os.MkdirTemp("", "rsd-port-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(root)
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	var taken []int
	opts := Options{Name: "port-race", DataDir: root + "/data", SocketDir: root + "/s", ListenTCP: true,
		SuperUser: "postgres", NoSync: true}
	opts.beforeLaunch = func(port int) {
		if len(taken) > 0 {
			return
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			t.Fatalf("taking port %d: %v", port, err)
		}
		t.Cleanup(func() { l.Close() })
		taken = append(taken, port)
	}
	inst, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start with its first port taken: %v", err)
	}
	defer inst.Stop(context.Background())
	if len(taken) != 1 || inst.Port() == taken[0] {
		t.Fatalf("taken %v, server on %d: want it on another port", taken, inst.Port())
	}
	conn, err := pgx.Connect(ctx, inst.ConnString("postgres", "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var one int
	if err := conn.QueryRow(ctx, "select 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("select 1 on the server: %d, %v", one, err)
	}
	// The supervisor still restarts it: the failed first launch did not
	// leave it marked as stopping.
	if inst.stopping {
		t.Fatal("the instance is marked stopping after a retried launch")
	}
}
