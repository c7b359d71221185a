package embedded_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/engines/embedded"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

func TestFindBinDir(t *testing.T) {
	dir, err := embedded.FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir + "/initdb"); err != nil {
		t.Fatalf("FindBinDir returned %s without initdb: %v", dir, err)
	}
}

func TestFindBinDirHonoursOverride(t *testing.T) {
	t.Setenv("RSDATA_PG_BINDIR", t.TempDir()) // holds no binaries: must be passed over
	t.Setenv("PATH", "")
	dir, err := embedded.FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	if dir == os.Getenv("RSDATA_PG_BINDIR") {
		t.Fatalf("an empty override directory was accepted")
	}
}

// TestSupervisorRestartsKilledServer kills the postmaster outright and
// expects the supervisor to bring it back on the same port, with the data
// written before the crash intact.
func TestSupervisorRestartsKilledServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := pgtest.StartNew(ctx, "restart-test")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Remove()
	defer srv.Stop(context.Background())

	conn, err := pgx.Connect(ctx, srv.ConnString("postgres", "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "set synchronous_commit = on; create table survivor(x int); insert into survivor values (7)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	oldPID := srv.PID()
	if err := syscall.Kill(oldPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var x int
	deadline := time.Now().Add(60 * time.Second)
	for {
		conn, err = pgx.Connect(ctx, srv.ConnString("postgres", "postgres"))
		if err == nil {
			err = conn.QueryRow(ctx, "select x from survivor").Scan(&x)
			conn.Close(ctx)
			if err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come back after SIGKILL: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if x != 7 {
		t.Fatalf("survivor row = %d, want 7", x)
	}
	// One restart, or a few when a first attempt met the killed
	// postmaster's backends still holding its shared memory (under load).
	if srv.PID() == oldPID || srv.Restarts() < 1 {
		t.Fatalf("pid %d (old %d), restarts %d: want a new postmaster and at least one restart", srv.PID(), oldPID, srv.Restarts())
	}
}

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestChildEnv(t *testing.T) {
	env := map[string]string{"PATH": "/opt/pg/bin:/usr/bin", "TZ": "Europe/Paris", "HOME": "/root",
		"RSDATA_ROOT_SECRET_ACCESS_KEY": "s3cret", "AWS_SECRET_ACCESS_KEY": "s3cret", "PGPASSWORD": "s3cret", "PGHOST": "/tmp"}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"full environment", env, []string{"PATH=/opt/pg/bin:/usr/bin", "LANG=C", "LC_ALL=C", "TZ=Europe/Paris"}},
		{"empty environment", map[string]string{}, []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", "LC_ALL=C"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := embedded.ChildEnv(func(k string) string { return tc.env[k] })
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("ChildEnv = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPostmasterEnvironmentIsMinimal starts a server from a process whose
// environment holds secrets and reads the postmaster's environment as the
// kernel shows it (as a superuser session could with pg_read_binary_file):
// none of them may be there.
func TestPostmasterEnvironmentIsMinimal(t *testing.T) {
	t.Setenv("RSDATA_ROOT_SECRET_ACCESS_KEY", "leaked-root-secret")
	t.Setenv("PGPASSWORD", "leaked-pg-password")
	srv, err := pgtest.StartNew(context.Background(), "env")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Stop(context.Background())
		srv.Remove()
	})
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(srv.PID()) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	vars := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	for _, v := range vars {
		name, _, _ := strings.Cut(v, "=")
		switch {
		case strings.HasPrefix(name, "RSDATA_"), strings.Contains(v, "leaked"):
			t.Errorf("postmaster environment holds %s", name)
		case name != "PATH" && name != "LANG" && name != "LC_ALL" && name != "TZ" &&
			// PostgreSQL sets these itself after start-up.
			name != "PGDATA" && name != "PG_GRANDPARENT_PID" && !strings.HasPrefix(name, "LC_") && name != "PGSYSCONFDIR" && name != "PGLOCALEDIR":
			t.Errorf("postmaster environment holds unexpected %s", name)
		}
	}
}
