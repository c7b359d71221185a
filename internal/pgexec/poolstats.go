// Pool statistics for the metrics: open, idle and acquired connections
// per engine.

package pgexec

import (
	"cmp"
	"slices"

	"github.com/rsdata/rsdata/internal/engines"
)

// PoolStat is the connection count of one engine's pools, summed.
type PoolStat struct {
	Kind engines.Kind
	Name string
	// Total is every open connection; Idle those not in use; Acquired
	// those in use.
	Total, Idle, Acquired int32
}

// PoolStats sums the pools' connections per engine, sorted by kind and
// name.
func (x *Executor) PoolStats() []PoolStat {
	x.mu.Lock()
	byEngine := map[[2]string]*PoolStat{}
	for k, p := range x.pools {
		st := p.Stat()
		e := byEngine[[2]string{string(k.kind), k.name}]
		if e == nil {
			e = &PoolStat{Kind: k.kind, Name: k.name}
			byEngine[[2]string{string(k.kind), k.name}] = e
		}
		e.Total += st.TotalConns()
		e.Idle += st.IdleConns()
		e.Acquired += st.AcquiredConns()
	}
	x.mu.Unlock()
	out := make([]PoolStat, 0, len(byEngine))
	for _, e := range byEngine {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b PoolStat) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
	})
	return out
}
