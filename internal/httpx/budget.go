package httpx

import (
	"context"
	"sync"
)

// budget is a counting semaphore over bytes. Unlike
// golang.org/x/sync/semaphore it is not first-in first-out: a request that
// fits goes ahead of a larger one waiting for room, so a queue of large
// bodies never holds up the small ones behind it.
type budget struct {
	mu   sync.Mutex
	free int64
	// changed is closed (and replaced) whenever room is given back.
	changed chan struct{}
}

func newBudget(n int64) *budget { return &budget{free: n, changed: make(chan struct{})} }

// acquire takes n bytes of room, waiting for it until ctx ends; it reports
// whether it took them. A request larger than the whole budget waits for
// ctx and fails.
func (b *budget) acquire(ctx context.Context, n int64) bool {
	for {
		b.mu.Lock()
		if n <= b.free {
			b.free -= n
			b.mu.Unlock()
			return true
		}
		ch := b.changed
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}

// release gives back n bytes taken by acquire.
func (b *budget) release(n int64) {
	b.mu.Lock()
	b.free += n
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}
