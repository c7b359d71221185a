package statement

import "context"

// Reset ends every statement running in this process as CancelStatement
// does (ABORTED, with a cancel request to its backend), waits for them,
// bounded by ctx, then closes every session and forgets the finished
// statements kept in memory. It is for a test suite's reset between runs
// (`rsdata serve --allow-reset`): the caller then empties the store, so
// nothing it ended stays visible. Statements submitted while it runs are
// not ended; the engine keeps accepting them. Idempotent.
func (e *Engine) Reset(ctx context.Context) error {
	e.mu.Lock()
	var runs []*run
	for id, r := range e.live {
		if r.st.ID == id && !r.st.Status.Terminal() {
			r.aborted = true
			runs = append(runs, r)
		}
	}
	e.mu.Unlock()
	for _, r := range runs {
		r.cancel()
	}
	for _, r := range runs {
		select {
		case <-r.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	e.sessions.mu.Lock()
	var open []string
	for id := range e.sessions.byID {
		open = append(open, id)
	}
	e.sessions.mu.Unlock()
	for _, id := range open {
		e.sessions.close(id, true)
	}
	e.recent.clear()
	return nil
}

// clear empties the cache.
func (c *recentCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.byID)
	clear(c.order)
	c.next = 0
}
