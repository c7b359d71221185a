package redshiftdata

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/records"
	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/secrets"
	"github.com/rsdata/rsdata/internal/statement"
)

// login is where and as whom a request runs, and what the caller must be
// allowed to do to get there.
type login struct {
	target     statement.Target
	ep         *engines.Endpoint
	dbUser     string
	database   string
	autoCreate bool
	secretArn  string
	password   string // from the secret; never stored
	// creds are the credential calls AWS makes on the caller's behalf
	// (GetClusterCredentials, GetCredentials, ...), authorized with the
	// caller's own permissions.
	creds []auth.Request
}

// resolveLogin validates the connection members of a request and chooses
// the database user the way the Data API does:
//   - cluster and DbUser: that existing user (GetClusterCredentials);
//   - cluster without DbUser: the caller's IAM user "IAM:<name>" or role
//     "IAMR:<name>" (GetClusterCredentialsWithIAM);
//   - workgroup: the same IAM mapping (redshift-serverless GetCredentials).
//
// The account's root user, which has no IAM database user, runs as the
// master user where AWS would map an identity.
func (s *Service) resolveLogin(ctx context.Context, c connection) (login, error) {
	target, ep, err := s.resolveTarget(c.ClusterIdentifier, c.WorkgroupName)
	if err != nil {
		return login{}, err
	}
	kind := string(target.Kind)
	if c.Database == nil || *c.Database == "" {
		return login{}, awserr.Validation("Database is required when connecting to a %s.", kind)
	}
	l := login{target: target, ep: ep, dbUser: str(c.DbUser), database: *c.Database}
	switch {
	case c.SecretArn != nil:
		return s.secretLogin(ctx, l, *c.SecretArn)
	case target.Kind == engines.Cluster && l.dbUser != "":
		l.creds = []auth.Request{
			{Action: "redshift:GetClusterCredentials", Resource: arn.DbUser(s.opts.Region, s.opts.AccountID, target.Name, l.dbUser)},
			{Action: "redshift:GetClusterCredentials", Resource: arn.DbName(s.opts.Region, s.opts.AccountID, target.Name, l.database)},
		}
	case target.Kind == engines.Cluster:
		l.dbUser, l.autoCreate = iamDbUser(auth.PrincipalFrom(ctx), ep)
		l.creds = []auth.Request{{Action: "redshift:GetClusterCredentialsWithIAM", Resource: arn.DbName(s.opts.Region, s.opts.AccountID, target.Name, l.database)}}
	default:
		l.dbUser, l.autoCreate = iamDbUser(auth.PrincipalFrom(ctx), ep)
		l.creds = []auth.Request{{Action: "redshift-serverless:GetCredentials", Resource: s.resourceARN(target)}}
	}
	// The credential calls see the target's tags as aws:ResourceTag/<key>
	// (the managed policy needs RedshiftDataFullAccess on a workgroup).
	// Root is allowed without looking at policies, so its requests skip
	// the look-up.
	if p := auth.PrincipalFrom(ctx); s.opts.Tags.Enabled() && (p == nil || !p.Root) {
		tags, err := s.opts.Tags.Of(ctx, target.Kind, target.Name)
		if err != nil {
			return login{}, err
		}
		for i := range l.creds {
			l.creds[i].Context = auth.ResourceTagContext(tags)
		}
	}
	return l, nil
}

// secretLogin logs in with the username and password a secret holds. The
// caller needs secretsmanager:GetSecretValue on the secret (with its tags as
// secretsmanager:ResourceTag/<key>, which the managed policy tests); a
// dbClusterIdentifier in the secret must name the cluster asked for.
func (s *Service) secretLogin(ctx context.Context, l login, secretID string) (login, error) {
	if s.opts.Secrets == nil {
		return login{}, awserr.Validation("SecretArn is not supported by this server.")
	}
	v, tags, arn, err := s.opts.Secrets.ValueForDataAPI(ctx, secretID)
	switch {
	case errors.Is(err, secrets.ErrNotFound):
		return login{}, awserr.Validation("Secrets Manager can't find the specified secret.")
	case errors.Is(err, secrets.ErrNotCredentials):
		return login{}, awserr.Validation("The secret must hold a JSON object with username and password.")
	case err != nil:
		var reqErr *secrets.InvalidRequestError
		if errors.As(err, &reqErr) {
			return login{}, awserr.Validation("%s", reqErr.Error())
		}
		return login{}, err
	}
	keys := map[string][]string{}
	auth.AddResourceTags(keys, "secretsmanager:ResourceTag/", tags)
	auth.AddResourceTags(keys, auth.ResourceTagPrefix, tags)
	l.creds = []auth.Request{{Action: "secretsmanager:GetSecretValue", Resource: arn, Context: keys}}
	if l.target.Kind == engines.Cluster && v.DbClusterIdentifier != "" && v.DbClusterIdentifier != l.target.Name {
		return login{}, awserr.Validation("The dbClusterIdentifier in the secret (%s) does not match the ClusterIdentifier %s.", v.DbClusterIdentifier, l.target.Name)
	}
	if v.Username == "" || v.Password == "" {
		return login{}, awserr.Validation("The secret must hold a JSON object with username and password.")
	}
	l.dbUser, l.password, l.secretArn = v.Username, v.Password, arn
	return l, nil
}

// iamDbUser maps the caller to its database user: "IAM:<user>" for an IAM
// user, "IAMR:<role>" for a role session, created on first use; the master
// user for the account's root.
func iamDbUser(p *auth.Principal, ep *engines.Endpoint) (string, bool) {
	switch {
	case p == nil || p.Root:
		return ep.MasterUser, false
	case p.RoleName != "":
		return "IAMR:" + p.RoleName, true
	default:
		return "IAM:" + p.UserName, true
	}
}

// authorizeLogin checks the credential calls a login needs.
func (s *Service) authorizeLogin(ctx context.Context, l login) error {
	for _, req := range l.creds {
		if err := auth.RequireWith(ctx, s.authz, req); err != nil {
			return err
		}
	}
	return nil
}

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
		}
	} else {
		l, err := s.resolveLogin(ctx, in.connection)
		if err != nil {
			return nil, err
		}
		req.Target, req.Database, req.DbUser, req.AutoCreate = l.target, l.database, l.dbUser, l.autoCreate
		req.SecretArn, req.Password = l.secretArn, l.password
		resource = s.resourceARN(l.target)
		login = l
	}
	if err := auth.RequireWith(ctx, s.authz, auth.Request{Action: action, Resource: resource, Context: keys}); err != nil {
		return nil, err
	}
	if err := s.authorizeLogin(ctx, login); err != nil {
		return nil, err
	}
	st, err := s.engine.Execute(ctx, req)
	if err != nil {
		return nil, err
	}
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

// resultPage is a result reply written around pre-encoded records, so
// serving a page never re-encodes its rows.
type resultPage struct {
	csv       bool
	records   []byte
	columns   []byte
	total     int64
	nextToken string
	built     *[3][]byte // parts, once built
}

// parts returns the reply in the order it is written: its opening, its
// records (escaped into one string for CSV) and its closing members.
func (p *resultPage) parts() [3][]byte {
	if p.built != nil {
		return *p.built
	}
	head := `{"Records":[`
	body := p.records
	if p.csv {
		body = nil
		if len(p.records) > 0 {
			head += `{"CSVRecords":"`
			body = append(records.AppendJSONString(make([]byte, 0, len(p.records)+len(p.records)/8+2), p.records), `"}`...)
		}
	}
	tail := make([]byte, 0, len(p.columns)+128)
	tail = append(tail, `],"ColumnMetadata":`...)
	tail = append(tail, p.columns...)
	tail = append(tail, `,"TotalNumRows":`...)
	tail = strconv.AppendInt(tail, p.total, 10)
	if p.csv {
		tail = append(tail, `,"ResultFormat":"CSV"`...)
	}
	if p.nextToken != "" {
		tail = append(tail, `,"NextToken":`...)
		tail = strconv.AppendQuote(tail, p.nextToken)
	}
	tail = append(tail, '}')
	p.built = &[3][]byte{[]byte(head), body, tail}
	return *p.built
}

// ContentLength implements awsjson.RawWriter.
func (p *resultPage) ContentLength() int {
	n := 0
	for _, b := range p.parts() {
		n += len(b)
	}
	return n
}

// WriteJSON implements awsjson.RawWriter.
func (p *resultPage) WriteJSON(w io.Writer) error {
	for _, b := range p.parts() {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
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

func (s *Service) result(ctx context.Context, in *GetStatementResultInput, format statement.Format) (*resultPage, error) {
	if err := checkID(in.Id); err != nil {
		return nil, err
	}
	wait, err := waitTime(in.WaitTimeSeconds)
	if err != nil {
		return nil, err
	}
	// GetStatementResultV2 is authorized by the same action.
	if err := s.authorizeOn(ctx, "redshift-data:GetStatementResult", *in.Id); err != nil {
		return nil, err
	}
	if wait > 0 {
		if _, err := s.waitAndGet(ctx, *in.Id, wait); err != nil {
			return nil, err
		}
	}
	page, err := s.engine.Result(ctx, *in.Id, s.viewer(ctx), format, str(in.NextToken))
	if err != nil {
		return nil, err
	}
	cols, err := json.Marshal(columnMetadata(page.Statement.Columns))
	if err != nil {
		return nil, err
	}
	return &resultPage{csv: format == statement.FormatCSV, records: page.Records, columns: cols,
		total: page.Statement.ResultRows, nextToken: page.NextToken}, nil
}

// GetStatementResult returns one page of a JSON-format result.
func (s *Service) GetStatementResult(ctx context.Context, in *GetStatementResultInput) (*resultPage, error) {
	return s.result(ctx, in, statement.FormatJSON)
}

// GetStatementResultV2 returns one page (at most 1 MB) of a CSV result.
func (s *Service) GetStatementResultV2(ctx context.Context, in *GetStatementResultInput) (*resultPage, error) {
	return s.result(ctx, in, statement.FormatCSV)
}

// CancelStatement cancels a running statement.
func (s *Service) CancelStatement(ctx context.Context, in *IdInput) (*CancelStatementOutput, error) {
	if err := checkID(in.Id); err != nil {
		return nil, err
	}
	if err := s.authorizeOn(ctx, "redshift-data:CancelStatement", *in.Id); err != nil {
		return nil, err
	}
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.engine.Cancel(wait, *in.Id, s.viewer(ctx)); err != nil {
		return nil, err
	}
	return &CancelStatementOutput{Status: true}, nil
}

var statusValues = map[string]bool{"SUBMITTED": true, "PICKED": true, "STARTED": true, "FINISHED": true, "ABORTED": true, "FAILED": true, "ALL": true}

// listTarget reads the mutually exclusive cluster and workgroup filters.
func listTarget(cluster, workgroup *string) (statement.Target, error) {
	c, w := str(cluster), str(workgroup)
	switch {
	case c != "" && w != "":
		return statement.Target{}, awserr.Validation("ClusterIdentifier and WorkgroupName are mutually exclusive; specify one.")
	case c != "":
		return statement.Target{Kind: engines.Cluster, Name: c}, nil
	case w != "":
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
	if req.Target, err = listTarget(in.ClusterIdentifier, in.WorkgroupName); err != nil {
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
	if req.Target, err = listTarget(in.ClusterIdentifier, in.WorkgroupName); err != nil {
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
