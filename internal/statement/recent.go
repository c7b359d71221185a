package statement

import "sync"

// recentCache holds the final state of statements this process finished
// lately, so describing or reading one does not go back to the store. A
// terminal statement never changes, so a copy stays right. It also holds
// the result of those whose whole result is one small page, evicted with
// the statement. It is a fixed ring: the oldest entry is evicted first,
// whether or not it was read since (a statement is read mostly right after
// it ends, so recency of use adds nothing worth an LRU's bookkeeping).
type recentCache struct {
	mu    sync.Mutex
	byID  map[string]recentEntry
	order []string // ring of ids, oldest at next
	next  int
}

type recentEntry struct {
	st   *Statement
	page []byte // nil when not cached
}

// recentSize bounds the cache of finished statements; cachedPageBytes
// bounds the results cached with them (at most 16 MiB in all).
const (
	recentSize      = 4096
	cachedPageBytes = 4 << 10
)

func newRecentCache(size int) *recentCache {
	return &recentCache{byID: make(map[string]recentEntry, size), order: make([]string, size)}
}

// put caches a finished statement (which the cache then owns) and, when
// not nil, its one-page result, evicting the oldest entry when full.
func (c *recentCache) put(st *Statement, page []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.order[c.next]; old != "" {
		delete(c.byID, old)
	}
	c.order[c.next] = st.ID
	c.next = (c.next + 1) % len(c.order)
	c.byID[st.ID] = recentEntry{st: st, page: page}
}

// get returns a copy of the cached statement id.
func (c *recentCache) get(id string) (*Statement, bool) {
	c.mu.Lock()
	e, ok := c.byID[id]
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	copied := *e.st
	return &copied, true
}

// page returns statement id's cached one-page result, or nil.
func (c *recentCache) page(id string) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[id].page
}
