// ListStatements: a window of the stored statements, newest first, with
// the live status of those running here.

package statement

import "context"

// ListRequest filters ListStatements.
type ListRequest struct {
	Owner      Owner
	Status     string // a Status, "ALL", or "" (FINISHED, as AWS documents)
	NamePrefix string
	Target     Target
	Database   string
	MaxResults int
	NextToken  string
}

// List returns statements newest first and a token for the next page.
func (e *Engine) List(ctx context.Context, req ListRequest) ([]*Statement, string, error) {
	q := ListQuery{Principal: req.Owner.Principal, UserID: req.Owner.UserID, NamePrefix: req.NamePrefix,
		Target: req.Target, Database: req.Database,
		CreatedAfter: e.now().Add(-e.opts.Retention)}
	want := Status(req.Status)
	switch req.Status {
	case "ALL":
	case "":
		want = Finished
		q.Statuses = []Status{Finished}
	default:
		q.Statuses = []Status{want}
		if !want.Terminal() {
			// The store may still say SUBMITTED of a statement this
			// process shows as PICKED or STARTED (see work): ask for
			// every unfinished one and filter on the live status below.
			q.Statuses = []Status{Submitted, Picked, Started}
		}
	}
	w, err := newWindow(e.opts.Tokens, "statement/ListStatements", req.MaxResults, req.NextToken)
	if err != nil {
		return nil, "", err
	}
	q.After, q.Limit = w.after, w.fetch()
	list, err := e.store.List(ctx, q)
	if err != nil {
		return nil, "", err
	}
	// The page and its token are cut before filtering, so a page may
	// hold fewer than MaxResults statements and still have a NextToken.
	list, next := cut(w, list, func(s *Statement) Cursor { return Cursor{CreatedAt: s.CreatedAt, ID: s.ID} })
	kept := list[:0]
	e.mu.Lock()
	for _, st := range list {
		if r, ok := e.live[st.ID]; ok {
			st.Status, st.UpdatedAt, st.StartedAt, st.RedshiftPid = r.st.Status, r.st.UpdatedAt, r.st.StartedAt, r.st.RedshiftPid
		}
		if req.Status == "ALL" || st.Status == want {
			kept = append(kept, st)
		}
	}
	e.mu.Unlock()
	return kept, next, nil
}
