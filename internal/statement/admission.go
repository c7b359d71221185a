package statement

import "sync"

// admission bounds active statements (SUBMITTED, PICKED or STARTED) per
// target and refuses every statement once the engine is closing.
type admission struct {
	mu     sync.Mutex
	max    int
	active map[Target]int
	closed bool
}

func newAdmission(max int) *admission {
	return &admission{max: max, active: map[Target]int{}}
}

// admit counts one more active statement on t, or returns ErrShuttingDown
// or ErrTooManyActive. Each successful admit is paired with one release.
func (a *admission) admit(t Target) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return ErrShuttingDown
	}
	if a.active[t] >= a.max {
		return ErrTooManyActive
	}
	a.active[t]++
	return nil
}

// release ends an admitted statement's count.
func (a *admission) release(t Target) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.active[t]--; a.active[t] <= 0 {
		delete(a.active, t)
	}
}

// close refuses every later admit.
func (a *admission) close() {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
}

// closing reports whether close was called.
func (a *admission) closing() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed
}
