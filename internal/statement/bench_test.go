package statement

import (
	"context"
	"testing"
)

// BenchmarkSelect1 is the engine's own cost of the `select 1` round trip
// (Execute, Wait until FINISHED, Result) over the fake executor and the
// in-memory store: what the engine adds to BenchmarkEngineSelect1 in
// internal/bench before any database or store round trip.
func BenchmarkSelect1(b *testing.B) {
	store, x := newMemStore(), &fakeExec{}
	e := New(Options{}, store, store, x)
	defer e.Close(context.Background())
	ctx := context.Background()
	r := req("select 1")
	for b.Loop() {
		st, err := e.Execute(ctx, r)
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Wait(ctx, st.ID, MaxWait); err != nil {
			b.Fatal(err)
		}
		p, err := e.Result(ctx, st.ID, alice, FormatJSON, "")
		if err != nil || string(p.Records) != `[{"longValue":1}]` {
			b.Fatalf("Result: %v %q", err, p.Records)
		}
		// The fakes keep a log of everything; keep it from growing.
		x.mu.Lock()
		x.ran, x.released = x.ran[:0], x.released[:0]
		x.mu.Unlock()
	}
}
