// DescribeStatement and CancelStatement, and the validation, waiting and
// authorization the statement operations share.

package redshiftdata

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/httpx"
	"github.com/rsdata/rsdata/internal/statement"
)

// waitTime validates WaitTimeSeconds (1-30).
func waitTime(v *int64) (time.Duration, error) {
	if v == nil {
		return 0, nil
	}
	if *v < 1 {
		return 0, validationf(strconv.FormatInt(*v, 10), "waitTimeSeconds", "Member must have value greater than or equal to 1")
	}
	if *v > 30 {
		return 0, validationf(strconv.FormatInt(*v, 10), "waitTimeSeconds", "Member must have value less than or equal to 30")
	}
	return time.Duration(*v) * time.Second, nil
}

// DescribeStatement reports a statement's state, a batch's with its
// sub-statements.
func (s *Service) DescribeStatement(ctx context.Context, in *IdInput) (*DescribeStatementOutput, error) {
	if err := checkID(in.Id); err != nil {
		return nil, err
	}
	wait, err := waitTime(in.WaitTimeSeconds)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeOn(ctx, "redshift-data:DescribeStatement", *in.Id); err != nil {
		return nil, err
	}
	st, err := s.waitAndGet(ctx, *in.Id, wait)
	if err != nil {
		return nil, err
	}
	out := &DescribeStatementOutput{
		Id: st.ID, SecretArn: st.SecretArn, DbUser: st.DbUser, Database: st.Database,
		Duration: st.Duration(), Error: st.Error, Status: string(st.Status),
		CreatedAt: ptime(st.CreatedAt), UpdatedAt: ptime(st.UpdatedAt), RedshiftPid: st.RedshiftPid,
		HasResultSet: st.HasResultSet, QueryString: st.SQL, ResultRows: st.ResultRows,
		ResultSize: st.ResultSize, RedshiftQueryId: st.RedshiftQueryID, ResultFormat: st.ResultFormat,
		QueryParameters: params(st.Params), SessionId: st.SessionID, ExecutionMode: st.ExecutionMode,
	}
	if st.Target.Kind == engines.Cluster {
		out.ClusterIdentifier = st.Target.Name
	} else {
		out.WorkgroupName = st.Target.Name
	}
	for _, sub := range st.Subs {
		out.SubStatements = append(out.SubStatements, SubStatementData{
			Id: sub.ID, Duration: sub.Duration(), Error: sub.Error, Status: string(sub.Status),
			CreatedAt: ptime(sub.CreatedAt), UpdatedAt: ptime(sub.UpdatedAt), QueryString: sub.SQL,
			ResultRows: sub.ResultRows, ResultSize: sub.ResultSize, RedshiftQueryId: sub.RedshiftQueryID,
			HasResultSet: sub.HasResultSet,
		})
	}
	return out, nil
}

// authorizeOn authorizes an action on one statement. These actions have no
// resource type; their condition key is the statement owner's aws:userid,
// so the statement is looked up first (as the caller may see it). A
// statement the caller cannot see is authorized as if it were the caller's
// own: a caller allowed to act on its own statements then learns only that
// this one does not exist, and one without the permission at all is denied.
func (s *Service) authorizeOn(ctx context.Context, action, id string) error {
	httpx.SetStatementID(ctx, id)
	owner := s.owner(ctx).UserID
	if st, err := s.engine.Get(ctx, id, s.viewer(ctx)); err == nil {
		owner = st.Owner.UserID
	}
	return auth.RequireWith(ctx, s.authz, auth.Request{Action: action, Resource: "*",
		Context: map[string][]string{"redshift-data:statement-owner-iam-userid": {owner}}})
}

// waitAndGet long-polls (when wait > 0) and then reads the statement.
func (s *Service) waitAndGet(ctx context.Context, id string, wait time.Duration) (*statement.Statement, error) {
	st, err := s.engine.Get(ctx, id, s.viewer(ctx))
	if err != nil || st.Status.Terminal() {
		return st, err
	}
	if wait == 0 {
		// Without WaitTimeSeconds, a running statement gets a moment to
		// end before it is described (see describeSettle); a statement
		// with its maximum of waiters is described at once.
		if err := s.engine.Wait(ctx, id, describeSettle); err != nil && !errors.Is(err, statement.ErrTooManyWaiters) {
			return nil, err
		}
	} else if err := s.engine.Wait(ctx, id, wait); err != nil {
		return nil, err
	}
	return s.engine.Get(ctx, id, s.viewer(ctx))
}

// describeSettle is how long DescribeStatement without WaitTimeSeconds
// waits for a running statement to end before it answers. Clients poll
// DescribeStatement in a loop, often with no pause at all; a statement
// that ends within a couple of milliseconds, as most short queries do
// here, is then seen ended on the first poll instead of after several,
// and a tight loop polling a long statement costs the server a request
// every couple of milliseconds rather than as fast as it can send them.
// It is far below the latency AWS's own DescribeStatement has.
const describeSettle = 2 * time.Millisecond

// cancelWait bounds how long CancelStatement waits for the statement to
// stop before answering QueryTimeoutException.
const cancelWait = 10 * time.Second

// CancelStatement cancels a running statement.
func (s *Service) CancelStatement(ctx context.Context, in *IdInput) (*CancelStatementOutput, error) {
	if err := checkID(in.Id); err != nil {
		return nil, err
	}
	if err := s.authorizeOn(ctx, "redshift-data:CancelStatement", *in.Id); err != nil {
		return nil, err
	}
	wait, cancel := context.WithTimeout(ctx, cancelWait)
	defer cancel()
	if err := s.engine.Cancel(wait, *in.Id, s.viewer(ctx)); err != nil {
		return nil, err
	}
	if errors.Is(wait.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		// The cancel request went out (and is repeated until the
		// statement ends), but the statement has not stopped in time.
		return nil, context.DeadlineExceeded
	}
	return &CancelStatementOutput{Status: true}, nil
}
