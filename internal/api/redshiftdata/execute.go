// ExecuteStatement and BatchExecuteStatement.

package redshiftdata

import (
	"context"
	"strconv"
	"time"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/httpx"
	"github.com/rsdata/rsdata/internal/statement"
)

// submit validates what ExecuteStatement and BatchExecuteStatement share
// and submits the statement.
func (s *Service) submit(ctx context.Context, in *submission, req statement.ExecuteRequest, action string) (*ExecuteStatementOutput, error) {
	if in.StatementName != nil && len(*in.StatementName) > 2048 {
		return nil, validationf(*in.StatementName, "statementName", "Member must have length less than or equal to 2048")
	}
	if in.ResultFormat != nil {
		if *in.ResultFormat != "JSON" && *in.ResultFormat != "CSV" {
			return nil, validationf(*in.ResultFormat, "resultFormat", "Member must satisfy enum value set: [JSON, CSV]")
		}
		req.Format = statement.Format(*in.ResultFormat)
	}
	if in.ClientToken != nil && (len(*in.ClientToken) < 1 || len(*in.ClientToken) > 64) {
		return nil, validationf(*in.ClientToken, "clientToken", "Member must have length between 1 and 64")
	}
	if in.SessionKeepAliveSeconds != nil {
		if *in.SessionKeepAliveSeconds < 0 || *in.SessionKeepAliveSeconds > 86400 {
			return nil, validationf(strconv.FormatInt(*in.SessionKeepAliveSeconds, 10), "sessionKeepAliveSeconds",
				"Member must have value between 0 and 86400")
		}
		d := time.Duration(*in.SessionKeepAliveSeconds) * time.Second
		req.KeepAlive = &d
	}
	wait, err := waitTime(in.WaitTimeSeconds)
	if err != nil {
		return nil, err
	}
	for _, p := range in.Parameters {
		if p.Name == nil || p.Value == nil {
			return nil, awserr.Validation("1 validation error detected: Value null at 'parameters.member.name' failed to satisfy constraint: Member must not be null")
		}
		req.Params = append(req.Params, statement.Param{Name: *p.Name, Value: *p.Value})
	}
	req.Owner, req.Name = s.owner(ctx), str(in.StatementName)
	req.WithEvent = in.WithEvent != nil && *in.WithEvent
	req.ClientToken = str(in.ClientToken)

	resource := "*"
	var keys map[string][]string
	var login login
	// gone is set when a session's target is no longer registered (its
	// datastore was deleted, on this replica or another): its login must
	// run nothing more, even on the connection the session holds.
	gone := false
	if in.SessionId != nil {
		if in.ClusterIdentifier != nil || in.WorkgroupName != nil {
			return nil, awserr.Validation("SessionId cannot be combined with ClusterIdentifier or WorkgroupName: a session already names its cluster or workgroup.")
		}
		if !idPattern.MatchString(*in.SessionId) {
			return nil, validationf(*in.SessionId, "sessionId", "Member must satisfy regular expression pattern: [a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\\d{0,2})?")
		}
		req.SessionID = *in.SessionId
		// A statement sent into a session is authorized on the session's
		// cluster or workgroup, with the session owner's aws:userid as
		// redshift-data:session-owner-iam-userid.
		if target, owner, ok := s.engine.SessionInfo(req.SessionID); ok {
			resource = s.resourceARN(target)
			keys = map[string][]string{"redshift-data:session-owner-iam-userid": {owner.UserID}}
			if ep, ok := s.engines.Lookup(target.Kind, target.Name); ok {
				req.Dialect = ep.Dialect
			} else {
				gone = true
			}
		}
	} else {
		l, err := s.resolveLogin(ctx, in.connection)
		if err != nil {
			return nil, err
		}
		req.Target, req.Database, req.DbUser, req.AutoCreate = l.target, l.database, l.dbUser, l.autoCreate
		req.SecretArn, req.Password = l.secretArn, l.password
		req.Dialect = l.ep.Dialect
		resource = s.resourceARN(l.target)
		login = l
	}
	if err := auth.RequireWith(ctx, s.authz, auth.Request{Action: action, Resource: resource, Context: keys}); err != nil {
		return nil, err
	}
	if err := s.authorizeLogin(ctx, login); err != nil {
		return nil, err
	}
	if gone {
		return nil, awserr.Validation(msgNoEndpoint)
	}
	st, err := s.engine.Execute(ctx, req)
	if err != nil {
		return nil, err
	}
	httpx.SetStatementID(ctx, st.ID)
	if wait > 0 {
		id := st.ID
		if err := s.engine.Wait(ctx, id, wait); err != nil {
			return nil, err
		}
		if st, err = s.engine.Get(ctx, id, s.viewer(ctx)); err != nil {
			return nil, err
		}
	}
	out := &ExecuteStatementOutput{Id: st.ID, CreatedAt: ptime(st.CreatedAt), Database: st.Database,
		SessionId: st.SessionID, SecretArn: st.SecretArn}
	if st.Target.Kind == engines.Cluster {
		out.ClusterIdentifier, out.DbUser = st.Target.Name, st.DbUser
	} else {
		out.WorkgroupName, out.DbUser = st.Target.Name, st.DbUser
	}
	if wait > 0 {
		out.Status, out.RedshiftPid, out.HasResultSet = string(st.Status), &st.RedshiftPid, &st.HasResultSet
	}
	return out, nil
}

// ExecuteStatement runs one SQL statement asynchronously.
func (s *Service) ExecuteStatement(ctx context.Context, in *ExecuteStatementInput) (*ExecuteStatementOutput, error) {
	if in.Sql == nil {
		return nil, missing("sql")
	}
	return s.submit(ctx, &in.submission, statement.ExecuteRequest{SQLs: []string{*in.Sql}}, "redshift-data:ExecuteStatement")
}

// BatchExecuteStatement runs up to 40 SQL statements in order, in one
// transaction or each on its own.
func (s *Service) BatchExecuteStatement(ctx context.Context, in *BatchExecuteStatementInput) (*ExecuteStatementOutput, error) {
	if in.Sqls == nil {
		return nil, missing("sqls")
	}
	if len(in.Sqls) < 1 || len(in.Sqls) > statement.MaxBatchSQLs {
		return nil, awserr.Validation("1 validation error detected: Value at 'sqls' failed to satisfy constraint: Member must have length between 1 and 40")
	}
	mode := statement.ModeTransaction
	if in.ExecutionMode != nil {
		if *in.ExecutionMode != statement.ModeTransaction && *in.ExecutionMode != statement.ModeAutoCommit {
			return nil, validationf(*in.ExecutionMode, "executionMode", "Member must satisfy enum value set: [TRANSACTION, AUTO_COMMIT]")
		}
		mode = *in.ExecutionMode
	}
	return s.submit(ctx, &in.submission, statement.ExecuteRequest{SQLs: in.Sqls, Batch: true, Mode: mode},
		"redshift-data:BatchExecuteStatement")
}

func params(ps []statement.Param) []QueryParameter {
	if len(ps) == 0 {
		return nil
	}
	out := make([]QueryParameter, len(ps))
	for i, p := range ps {
		out[i] = QueryParameter{Name: p.Name, Value: p.Value}
	}
	return out
}
