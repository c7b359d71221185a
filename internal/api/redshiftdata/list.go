// ListStatements and ListSessions.

package redshiftdata

import (
	"context"
	"strconv"
	"time"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/statement"
)

var statusValues = map[string]bool{"SUBMITTED": true, "PICKED": true, "STARTED": true, "FINISHED": true, "ABORTED": true, "FAILED": true, "ALL": true}

// listTarget reads the mutually exclusive cluster and workgroup filters.
// A workgroup may be named by its ARN, as in ExecuteStatement; one that
// names no workgroup filters everything out.
func (s *Service) listTarget(cluster, workgroup *string) (statement.Target, error) {
	c, w := str(cluster), str(workgroup)
	switch {
	case c != "" && w != "":
		return statement.Target{}, awserr.Validation("ClusterIdentifier and WorkgroupName are mutually exclusive; specify one.")
	case c != "":
		return statement.Target{Kind: engines.Cluster, Name: c}, nil
	case w != "":
		if ep, ok := s.lookupWorkgroup(w); ok {
			w = ep.Name
		}
		return statement.Target{Kind: engines.Workgroup, Name: w}, nil
	}
	return statement.Target{}, nil
}

func maxResults(v *int64, limit int64) (int, error) {
	if v == nil {
		return 0, nil
	}
	if *v < 0 || *v > limit {
		return 0, validationf(strconv.FormatInt(*v, 10), "maxResults", "Member must have value less than or equal to "+strconv.FormatInt(limit, 10))
	}
	return int(*v), nil
}

// ListStatements lists the caller's statements, newest first.
func (s *Service) ListStatements(ctx context.Context, in *ListStatementsInput) (*ListStatementsOutput, error) {
	req := statement.ListRequest{Owner: s.owner(ctx), Status: str(in.Status), NamePrefix: str(in.StatementName),
		Database: str(in.Database), NextToken: str(in.NextToken)}
	if in.Status != nil && !statusValues[*in.Status] {
		return nil, validationf(*in.Status, "status", "Member must satisfy enum value set: [SUBMITTED, PICKED, STARTED, FINISHED, ABORTED, FAILED, ALL]")
	}
	var err error
	if req.MaxResults, err = maxResults(in.MaxResults, statement.MaxListResults); err != nil {
		return nil, err
	}
	if in.RoleLevel == nil || *in.RoleLevel {
		// The default: every statement of the caller's role, not only
		// those of this role session.
		req.Owner.UserID = ""
	}
	if req.Target, err = s.listTarget(in.ClusterIdentifier, in.WorkgroupName); err != nil {
		return nil, err
	}
	if err := auth.Require(ctx, s.authz, "redshift-data:ListStatements", "*"); err != nil {
		return nil, err
	}
	list, next, err := s.engine.List(ctx, req)
	if err != nil {
		return nil, err
	}
	out := &ListStatementsOutput{Statements: make([]StatementData, 0, len(list)), NextToken: next}
	for _, st := range list {
		out.Statements = append(out.Statements, StatementData{
			Id: st.ID, QueryString: st.SQL, QueryStrings: st.QueryStrings, SecretArn: st.SecretArn,
			Status: string(st.Status), StatementName: st.Name, CreatedAt: ptime(st.CreatedAt),
			UpdatedAt: ptime(st.UpdatedAt), QueryParameters: params(st.Params), IsBatchStatement: st.Batch,
			ResultFormat: st.ResultFormat, SessionId: st.SessionID,
		})
	}
	return out, nil
}

var sessionStatusValues = map[string]bool{"AVAILABLE": true, "BUSY": true, "CLOSED": true}

// ListSessions lists the caller's sessions of the last 24 hours.
func (s *Service) ListSessions(ctx context.Context, in *ListSessionsInput) (*ListSessionsOutput, error) {
	req := statement.SessionListRequest{Owner: s.owner(ctx), Status: str(in.Status), SessionID: str(in.SessionId),
		Database: str(in.Database), NextToken: str(in.NextToken)}
	if in.Status != nil && !sessionStatusValues[*in.Status] {
		return nil, validationf(*in.Status, "status", "Member must satisfy enum value set: [AVAILABLE, BUSY, CLOSED]")
	}
	var err error
	if req.MaxResults, err = maxResults(in.MaxResults, statement.MaxListResults); err != nil {
		return nil, err
	}
	if in.RoleLevel == nil || *in.RoleLevel {
		req.Owner.UserID = ""
	}
	if req.Target, err = s.listTarget(in.ClusterIdentifier, in.WorkgroupName); err != nil {
		return nil, err
	}
	if req.SessionID != "" && (in.Status != nil || req.Target.Name != "" || in.Database != nil) {
		return nil, awserr.Validation("SessionId cannot be combined with Status, ClusterIdentifier, WorkgroupName or Database.")
	}
	if err := auth.Require(ctx, s.authz, "redshift-data:ListSessions", "*"); err != nil {
		return nil, err
	}
	list, next, err := s.engine.ListSessions(ctx, req)
	if err != nil {
		return nil, err
	}
	out := &ListSessionsOutput{Sessions: make([]SessionData, 0, len(list)), NextToken: next}
	for _, ss := range list {
		d := SessionData{SessionId: ss.ID, Status: string(ss.Status), CreatedAt: ptime(ss.CreatedAt),
			UpdatedAt: ptime(ss.UpdatedAt), Database: ss.Database, DbUser: ss.DbUser,
			SessionAliveSeconds: int64(ss.KeepAlive / time.Second), CurrentStatementId: ss.CurrentStatement}
		if ss.Status != statement.SessionBusy {
			d.SessionTtl = ptime(ss.TTL)
		} else {
			d.SessionTtl = ptime(ss.CreatedAt.Add(statement.MaxSessionKeepAlive))
		}
		if ss.Target.Kind == engines.Cluster {
			d.ClusterIdentifier = ss.Target.Name
		} else {
			d.WorkgroupName = ss.Target.Name
		}
		out.Sessions = append(out.Sessions, d)
	}
	return out, nil
}
