package machinecpu

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	r, err := parse("cpu  874921 7 649431 1098485 12728 3 21153 70527 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n")
	if err != nil {
		t.Fatal(err)
	}
	tick := 10 * time.Millisecond
	if want := (874921 + 7 + 649431 + 3 + 21153) * tick; r.Busy != want {
		t.Errorf("Busy = %v, want %v", r.Busy, want)
	}
	if want := 70527 * tick; r.Steal != want {
		t.Errorf("Steal = %v, want %v", r.Steal, want)
	}
	if want := (874921 + 7 + 649431 + 1098485 + 12728 + 3 + 21153 + 70527) * tick; r.Total != want {
		t.Errorf("Total = %v, want %v", r.Total, want)
	}
	for _, bad := range []string{"", "intr 1 2 3", "cpu 1 2 3", "cpu 1 2 x 4 5 6 7 8"} {
		if _, err := parse(bad); err == nil {
			t.Errorf("parse(%q) succeeded", bad)
		}
	}
}

// TestReadMoves checks the live file: busy time grows while this test
// spins, and never runs backwards.
func TestReadMoves(t *testing.T) {
	from, err := Read()
	if err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(100 * time.Millisecond); time.Now().Before(end); {
	}
	to, err := Read()
	if err != nil {
		t.Fatal(err)
	}
	d := to.Since(from)
	if d.Busy <= 0 || d.Total < d.Busy || d.Steal < 0 {
		t.Errorf("over 100 ms of spinning: %+v", d)
	}
	if s := d.StealShare(); s < 0 || s > 1 {
		t.Errorf("StealShare = %v", s)
	}
}
