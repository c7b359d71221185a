package httpx

import (
	"context"
	"runtime/debug"
	"sync"
	"time"
)

// budget is a counting semaphore over bytes. Unlike
// golang.org/x/sync/semaphore it is not first-in first-out: a request that
// fits goes ahead of a larger one waiting for room, so a queue of large
// bodies never holds up the small ones behind it.
type budget struct {
	mu    sync.Mutex
	size  int64
	free  int64
	freed bool // a return of memory to the OS is scheduled
	// changed is closed (and replaced) whenever room is given back.
	changed chan struct{}
}

func newBudget(n int64) *budget { return &budget{size: n, free: n, changed: make(chan struct{})} }

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

// returnDelay is how long the budget must stay unused before the memory of
// the bodies it held is handed back to the OS.
const returnDelay = time.Second

// release gives back n bytes taken by acquire. When the last large body is
// done, the memory they took is returned to the OS soon after: the garbage
// collector would otherwise keep the heap they grew (and the process's
// RSS) until its next cycle, which an idle server may not run for minutes.
func (b *budget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.free += n
	close(b.changed)
	b.changed = make(chan struct{})
	if b.free == b.size && !b.freed {
		b.freed = true
		time.AfterFunc(returnDelay, b.returnMemory)
	}
}

func (b *budget) returnMemory() {
	b.mu.Lock()
	idle := b.free == b.size
	if !idle {
		// Busy again: try once more when this round of bodies is done.
		b.freed = false
	}
	b.mu.Unlock()
	if idle {
		debug.FreeOSMemory()
		b.mu.Lock()
		b.freed = false
		b.mu.Unlock()
	}
}
