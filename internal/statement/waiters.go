package statement

import (
	"context"
	"sync"
	"time"
)

// waiters bounds and serves long-polling requests: each waits on a
// statement's done channel, woken by its end rather than by polling.
type waiters struct {
	mu  sync.Mutex
	max int
	n   map[string]int // waiting requests per statement id
	// released is closed by release, at shutdown: every wait returns at
	// once, as if its time had passed, so no long poll holds the server up.
	released chan struct{}
	once     sync.Once
}

func newWaiters(max int) *waiters {
	return &waiters{max: max, n: map[string]int{}, released: make(chan struct{})}
}

// isReleased reports whether release was called.
func (w *waiters) isReleased() bool {
	select {
	case <-w.released:
		return true
	default:
		return false
	}
}

// release ends every wait, and every later one at once. It is idempotent.
func (w *waiters) release() { w.once.Do(func() { close(w.released) }) }

// wait blocks until done is closed, d has passed, ctx ends or the waiters
// are released, whichever is first. It returns ctx's error when ctx ended, ErrTooManyWaiters when id
// already has its maximum of waiting requests, nil otherwise.
func (w *waiters) wait(ctx context.Context, id string, done <-chan struct{}, d time.Duration) error {
	w.mu.Lock()
	if w.n[id] >= w.max {
		w.mu.Unlock()
		return ErrTooManyWaiters
	}
	w.n[id]++
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		if w.n[id]--; w.n[id] <= 0 {
			delete(w.n, id)
		}
		w.mu.Unlock()
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-w.released:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}
