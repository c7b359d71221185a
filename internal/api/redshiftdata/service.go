// Package redshiftdata implements the Amazon Redshift Data API operations:
// request shapes in, domain calls, response shapes out. Every operation is
// registered once on the JSON 1.1 router; errors go through toAWS.
package redshiftdata

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"time"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/awsjson"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/statement"
)

// TargetPrefix is the X-Amz-Target prefix of this service.
const TargetPrefix = "RedshiftData."

// Options identifies the account and region ARNs are built for.
type Options struct {
	AccountID string
	Region    string
}

// Service holds the Data API's dependencies.
type Service struct {
	opts    Options
	engine  *statement.Engine
	engines *engines.Registry
	authz   auth.Authorizer
}

// New returns the service.
func New(opts Options, engine *statement.Engine, reg *engines.Registry, authz auth.Authorizer) *Service {
	return &Service{opts: opts, engine: engine, engines: reg, authz: authz}
}

// Register adds every implemented operation to r.
func (s *Service) Register(r *awsjson.Router) {
	awsjson.Register(r, TargetPrefix+"ExecuteStatement", s.ExecuteStatement)
	awsjson.Register(r, TargetPrefix+"DescribeStatement", s.DescribeStatement)
	awsjson.Register(r, TargetPrefix+"GetStatementResult", s.GetStatementResult)
	awsjson.Register(r, TargetPrefix+"CancelStatement", s.CancelStatement)
	awsjson.Register(r, TargetPrefix+"ListStatements", s.ListStatements)
}

var (
	idPattern        = regexp.MustCompile(`^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\d+)?$`)
	clusterPattern   = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	workgroupPattern = regexp.MustCompile(`^(([a-z0-9-]{3,63})|(arn:(aws(-[a-z]+)*):redshift-serverless:[a-z]{2}(-gov|(-iso[a-z]?))?-[a-z]+-\d{1}:\d{12}:workgroup/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))$`)
)

// validationf formats AWS's standard one-constraint validation message.
func validationf(value, member, constraint string) error {
	return awserr.Validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

func missing(member string) error {
	return awserr.Validation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptime(t time.Time) *awsjson.Time {
	if t.IsZero() {
		return nil
	}
	at := awsjson.Time(t)
	return &at
}

// owner is the caller as the owner of what it creates: the owning identity
// and the exact aws:userid.
func (s *Service) owner(ctx context.Context) statement.Owner {
	p := auth.PrincipalFrom(ctx)
	if p == nil {
		return statement.Owner{}
	}
	return statement.Owner{Principal: p.OwnerARN, UserID: p.UserID}
}

// viewer is the caller when it looks a statement up: by default AWS lets
// every session of the owning role see it, so only the owning identity counts.
func (s *Service) viewer(ctx context.Context) statement.Owner {
	return statement.Owner{Principal: s.owner(ctx).Principal}
}

func (s *Service) resourceARN(t statement.Target) string {
	if t.Kind == statement.Workgroup {
		return fmt.Sprintf("arn:aws:redshift-serverless:%s:%s:workgroup/%s", s.opts.Region, s.opts.AccountID, t.Name)
	}
	return fmt.Sprintf("arn:aws:redshift:%s:%s:cluster:%s", s.opts.Region, s.opts.AccountID, t.Name)
}

// ExecuteStatement runs one SQL statement asynchronously.
func (s *Service) ExecuteStatement(ctx context.Context, in *ExecuteStatementInput) (*ExecuteStatementOutput, error) {
	if in.Sql == nil {
		return nil, missing("sql")
	}
	if err := unsupported(in); err != nil {
		return nil, err
	}
	if in.StatementName != nil && len(*in.StatementName) > 2048 {
		return nil, validationf(*in.StatementName, "statementName", "Member must have length less than or equal to 2048")
	}
	if in.ResultFormat != nil && *in.ResultFormat != "JSON" && *in.ResultFormat != "CSV" {
		return nil, validationf(*in.ResultFormat, "resultFormat", "Member must satisfy enum value set: [JSON, CSV]")
	}
	target, ep, err := s.resolveTarget(in.ClusterIdentifier, in.WorkgroupName)
	if err != nil {
		return nil, err
	}
	if in.Database == nil || *in.Database == "" {
		return nil, awserr.Validation("Database is required when connecting to a %s.", map[statement.TargetKind]string{statement.Cluster: "cluster", statement.Workgroup: "workgroup"}[target.Kind])
	}
	dbUser := str(in.DbUser)
	if target.Kind == statement.Cluster && dbUser == "" {
		return nil, awserr.Validation("DbUser is required for ClusterIdentifier: rsdata does not yet map IAM identities to database users or read secrets, so name an existing database user such as %q.", ep.MasterUser)
	}
	if target.Kind == statement.Workgroup {
		dbUser = ep.MasterUser
	}
	if err := auth.Require(ctx, s.authz, "redshift-data:ExecuteStatement", s.resourceARN(target)); err != nil {
		return nil, toAWS(err, "")
	}
	st, err := s.engine.Execute(ctx, statement.ExecuteRequest{
		Owner: s.owner(ctx), Target: target, Database: *in.Database, DbUser: dbUser,
		SQL: *in.Sql, Name: str(in.StatementName), ResultFormat: str(in.ResultFormat),
	})
	if err != nil {
		return nil, toAWS(err, "")
	}
	out := &ExecuteStatementOutput{Id: st.ID, CreatedAt: ptime(st.CreatedAt), Database: st.Database,
		DbUser: str(in.DbUser)}
	if target.Kind == statement.Cluster {
		out.ClusterIdentifier = target.Name
	} else {
		out.WorkgroupName = target.Name
		out.DbUser = st.DbUser
	}
	return out, nil
}

// unsupported refuses, clearly, members whose behaviour is not built yet,
// rather than silently ignoring them. ClientToken is accepted: every SDK
// sends one.
func unsupported(in *ExecuteStatementInput) error {
	switch {
	case len(in.Parameters) > 0:
		return awserr.Validation("Parameters are not supported by this rsdata version yet.")
	case in.SessionId != nil || in.SessionKeepAliveSeconds != nil:
		return awserr.Validation("Sessions (SessionId, SessionKeepAliveSeconds) are not supported by this rsdata version yet.")
	case in.WithEvent != nil && *in.WithEvent:
		return awserr.Validation("WithEvent is not supported by this rsdata version yet.")
	case in.ResultFormat != nil && *in.ResultFormat == "CSV":
		return awserr.Validation("ResultFormat CSV is not supported by this rsdata version yet.")
	case in.SecretArn != nil:
		return awserr.Validation("SecretArn is not supported by this rsdata version yet; use DbUser.")
	case in.WaitTimeSeconds != nil:
		return awserr.Validation("WaitTimeSeconds is not supported by this rsdata version yet.")
	}
	return nil
}

func (s *Service) resolveTarget(cluster, workgroup *string) (statement.Target, *engines.Endpoint, error) {
	c, w := str(cluster), str(workgroup)
	switch {
	case c != "" && w != "":
		return statement.Target{}, nil, awserr.Validation("ClusterIdentifier and WorkgroupName are mutually exclusive; specify one.")
	case c == "" && w == "":
		return statement.Target{}, nil, awserr.Validation("Either ClusterIdentifier or WorkgroupName must be specified.")
	case c != "":
		if len(c) > 63 || !clusterPattern.MatchString(c) {
			return statement.Target{}, nil, validationf(c, "clusterIdentifier", "Member must satisfy regular expression pattern: [a-z][a-z0-9]*(-[a-z0-9]+)*")
		}
		ep, ok := s.engines.Lookup(engines.Cluster, c)
		if !ok {
			return statement.Target{}, nil, awserr.Validation(msgNoEndpoint)
		}
		return statement.Target{Kind: statement.Cluster, Name: c}, ep, nil
	default:
		if len(w) < 3 || len(w) > 128 || !workgroupPattern.MatchString(w) {
			return statement.Target{}, nil, validationf(w, "workgroupName", "Member must satisfy regular expression pattern: ^[a-z0-9-]{3,63}$")
		}
		ep, ok := s.engines.Lookup(engines.Workgroup, w)
		if !ok {
			return statement.Target{}, nil, awserr.Validation(msgNoEndpoint)
		}
		return statement.Target{Kind: statement.Workgroup, Name: w}, ep, nil
	}
}

func checkID(id *string) error {
	if id == nil {
		return missing("id")
	}
	if !idPattern.MatchString(*id) {
		return awserr.Validation(msgIDPattern)
	}
	return nil
}

// DescribeStatement reports a statement's state.
func (s *Service) DescribeStatement(ctx context.Context, in *IdInput) (*DescribeStatementOutput, error) {
	if err := checkID(in.Id); err != nil {
		return nil, err
	}
	if in.WaitTimeSeconds != nil {
		return nil, awserr.Validation("WaitTimeSeconds is not supported by this rsdata version yet.")
	}
	if err := auth.Require(ctx, s.authz, "redshift-data:DescribeStatement", "*"); err != nil {
		return nil, toAWS(err, *in.Id)
	}
	st, err := s.engine.Get(ctx, *in.Id, s.viewer(ctx))
	if err != nil {
		return nil, toAWS(err, *in.Id)
	}
	out := &DescribeStatementOutput{
		Id: st.ID, SecretArn: st.SecretArn, DbUser: st.DbUser, Database: st.Database,
		Duration: st.Duration(), Error: st.Error, Status: string(st.Status),
		CreatedAt: ptime(st.CreatedAt), UpdatedAt: ptime(st.UpdatedAt), RedshiftPid: st.RedshiftPid,
		HasResultSet: st.HasResultSet, QueryString: st.SQL, ResultRows: st.ResultRows,
		ResultSize: st.ResultSize, RedshiftQueryId: st.RedshiftQueryID, ResultFormat: st.ResultFormat,
	}
	if st.Target.Kind == statement.Cluster {
		out.ClusterIdentifier = st.Target.Name
	} else {
		out.WorkgroupName = st.Target.Name
	}
	return out, nil
}

// resultPage is a GetStatementResult reply written around pre-encoded
// records, so serving a page never re-encodes its rows.
type resultPage struct {
	records   []byte
	columns   []byte
	total     int64
	nextToken string
}

func (p *resultPage) WriteJSON(w io.Writer) error {
	var head bytes.Buffer
	head.WriteString(`{"Records":[`)
	if _, err := w.Write(head.Bytes()); err != nil {
		return err
	}
	if _, err := w.Write(p.records); err != nil {
		return err
	}
	tail := make([]byte, 0, len(p.columns)+128)
	tail = append(tail, `],"ColumnMetadata":`...)
	tail = append(tail, p.columns...)
	tail = append(tail, `,"TotalNumRows":`...)
	tail = strconv.AppendInt(tail, p.total, 10)
	if p.nextToken != "" {
		tail = append(tail, `,"NextToken":`...)
		tail = strconv.AppendQuote(tail, p.nextToken)
	}
	tail = append(tail, '}')
	_, err := w.Write(tail)
	return err
}

func columnMetadata(cols []results.Column) []ColumnMetadata {
	out := make([]ColumnMetadata, len(cols))
	for i, c := range cols {
		out[i] = ColumnMetadata{
			IsCaseSensitive: c.IsCaseSensitive, IsCurrency: c.IsCurrency, IsSigned: c.IsSigned,
			Label: c.Label, Name: c.Name, Nullable: c.Nullable, Precision: c.Precision, Scale: c.Scale,
			SchemaName: c.SchemaName, TableName: c.TableName, TypeName: c.TypeName, Length: c.Length,
			ColumnDefault: c.ColumnDefault,
		}
	}
	return out
}

// GetStatementResult returns one page of a finished statement's rows.
func (s *Service) GetStatementResult(ctx context.Context, in *GetStatementResultInput) (*resultPage, error) {
	if err := checkID(in.Id); err != nil {
		return nil, err
	}
	if in.WaitTimeSeconds != nil {
		return nil, awserr.Validation("WaitTimeSeconds is not supported by this rsdata version yet.")
	}
	if err := auth.Require(ctx, s.authz, "redshift-data:GetStatementResult", "*"); err != nil {
		return nil, toAWS(err, *in.Id)
	}
	page, err := s.engine.Result(ctx, *in.Id, s.viewer(ctx), str(in.NextToken))
	if err != nil {
		return nil, toAWS(err, *in.Id)
	}
	if page.Statement.ResultFormat == "CSV" {
		return nil, awserr.Validation("The statement's ResultFormat is CSV; use GetStatementResultV2.")
	}
	cols, err := json.Marshal(columnMetadata(page.Statement.Columns))
	if err != nil {
		return nil, err
	}
	return &resultPage{records: page.Records, columns: cols, total: page.Statement.ResultRows, nextToken: page.NextToken}, nil
}

// CancelStatement cancels a running statement.
func (s *Service) CancelStatement(ctx context.Context, in *IdInput) (*CancelStatementOutput, error) {
	if err := checkID(in.Id); err != nil {
		return nil, err
	}
	if err := auth.Require(ctx, s.authz, "redshift-data:CancelStatement", "*"); err != nil {
		return nil, toAWS(err, *in.Id)
	}
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.engine.Cancel(wait, *in.Id, s.viewer(ctx)); err != nil {
		return nil, toAWS(err, *in.Id)
	}
	return &CancelStatementOutput{Status: true}, nil
}

var statusValues = map[string]bool{"SUBMITTED": true, "PICKED": true, "STARTED": true, "FINISHED": true, "ABORTED": true, "FAILED": true, "ALL": true}

// ListStatements lists the caller's statements, newest first.
func (s *Service) ListStatements(ctx context.Context, in *ListStatementsInput) (*ListStatementsOutput, error) {
	req := statement.ListRequest{Owner: s.owner(ctx), Status: str(in.Status), NamePrefix: str(in.StatementName),
		Database: str(in.Database), NextToken: str(in.NextToken)}
	if in.Status != nil && !statusValues[*in.Status] {
		return nil, validationf(*in.Status, "status", "Member must satisfy enum value set: [SUBMITTED, PICKED, STARTED, FINISHED, ABORTED, FAILED, ALL]")
	}
	if in.MaxResults != nil {
		if *in.MaxResults < 0 || *in.MaxResults > statement.MaxListResults {
			return nil, validationf(strconv.FormatInt(*in.MaxResults, 10), "maxResults", "Member must have value less than or equal to 100")
		}
		req.MaxResults = int(*in.MaxResults)
	}
	if in.RoleLevel == nil || *in.RoleLevel {
		// The default: every statement of the caller's role, not only
		// those of this role session.
		req.Owner.UserID = ""
	}
	if in.ClusterIdentifier != nil || in.WorkgroupName != nil {
		c, w := str(in.ClusterIdentifier), str(in.WorkgroupName)
		if c != "" && w != "" {
			return nil, awserr.Validation("ClusterIdentifier and WorkgroupName are mutually exclusive; specify one.")
		}
		if c != "" {
			req.Target = statement.Target{Kind: statement.Cluster, Name: c}
		} else if w != "" {
			req.Target = statement.Target{Kind: statement.Workgroup, Name: w}
		}
	}
	if err := auth.Require(ctx, s.authz, "redshift-data:ListStatements", "*"); err != nil {
		return nil, toAWS(err, "")
	}
	list, next, err := s.engine.List(ctx, req)
	if err != nil {
		return nil, toAWS(err, "")
	}
	out := &ListStatementsOutput{Statements: make([]StatementData, 0, len(list)), NextToken: next}
	for _, st := range list {
		out.Statements = append(out.Statements, StatementData{
			Id: st.ID, QueryString: st.SQL, SecretArn: st.SecretArn, Status: string(st.Status),
			StatementName: st.Name, CreatedAt: ptime(st.CreatedAt), UpdatedAt: ptime(st.UpdatedAt),
			ResultFormat: st.ResultFormat,
		})
	}
	return out, nil
}
