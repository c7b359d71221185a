package redshiftdata

import (
	"context"
	"errors"
	"strconv"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/statement"
)

// Texts AWS sends, verbatim.
const (
	msgQueryNotExist = "Query does not exist."
	msgNoResult      = "Query does not have result. Please check query status with DescribeStatement."
	msgBatchParent   = "BatchExecuteStatement result can only be retrieved with sub-statement id."
	msgIDPattern     = `id must satisfy regex pattern: ^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\d+)?$`
	msgNoEndpoint    = "Redshift endpoint doesn't exist in this region."
	msgNoTarget      = "Either ClusterIdentifier or WorkgroupName needs to be specified."
	msgSecretEmpty   = "username and password in secret cannot be empty"
	msgTooManyActive = "Active statements exceeded the limit for this cluster or workgroup. Wait for running statements to finish, or cancel some, and try again."
	msgInvalidToken  = "Invalid NextToken. Pass the NextToken from the previous response unchanged."
	msgShuttingDown  = "The service is shutting down; retry the request."

	msgTooManySessions = "Active sessions exceeded the limit for this cluster or workgroup. Close idle sessions or wait for them to expire, and try again."
	msgTooManyWaiters  = "The number of active requests with WaitTimeSeconds for the same SQL statement exceeds the limit. Retry without WaitTimeSeconds, or later."
	msgWrongFormat     = "The statement's result format does not match this API: use GetStatementResult for JSON results and GetStatementResultV2 for CSV results."
)

// mapError is this API's one mapping from domain errors to wire errors,
// which the router applies to every error an operation returns. The
// resource a not-found error names is the one the request named (in).
func mapError(in any, err error) error {
	id := ""
	if r, ok := in.(namesResource); ok {
		id = r.resourceID()
	}
	var (
		aerr    *awserr.Error
		invalid *statement.InvalidError
		expired *statement.ExpiredError
		notCan  *statement.NotCancellableError

		unavailable    *statement.SessionUnavailableError
		invalidSession *statement.SessionInvalidError
		busy           *statement.SessionBusyError

		conn *statement.ConnectionError
		db   *statement.DatabaseError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &aerr):
		return aerr
	case errors.Is(err, auth.ErrDenied):
		return awserr.AccessDenied(err.Error())
	case errors.As(err, &invalid):
		return awserr.Validation("%s", invalid.Message)
	case errors.Is(err, statement.ErrNotFound):
		return awserr.ResourceNotFound(id, msgQueryNotExist)
	case errors.Is(err, statement.ErrNoResult):
		return awserr.ResourceNotFound(id, msgNoResult)
	case errors.As(err, &expired):
		return awserr.Validation("Could not retrieve the query result as it has expired after %s.", strconv.FormatInt(expired.At.Unix(), 10))
	case errors.As(err, &notCan):
		return awserr.Validation("Could not cancel a query that is already in %s state with ID: %s", notCan.Status, notCan.ID)
	case errors.Is(err, statement.ErrTooManyActive):
		return awserr.ActiveStatementsExceeded(msgTooManyActive)
	case errors.Is(err, statement.ErrBadToken):
		return awserr.Validation(msgInvalidToken)
	case errors.As(err, &unavailable):
		return awserr.Validation("Session is not available")
	case errors.As(err, &invalidSession):
		return awserr.Validation("Session with Id: %s is invalid", invalidSession.ID)
	case errors.As(err, &busy):
		return awserr.Validation("Session %s is busy running statement %s; a session runs one statement at a time.", busy.ID, busy.Statement)
	case errors.Is(err, statement.ErrSessionNotFound):
		return awserr.ResourceNotFound(id, "Session with Id: %s does not exist.", id)
	case errors.Is(err, statement.ErrTooManySessions):
		return awserr.ActiveSessionsExceeded(msgTooManySessions)
	case errors.Is(err, statement.ErrTooManyWaiters):
		return awserr.ActiveWaitingRequestsExceeded(msgTooManyWaiters)
	case errors.Is(err, statement.ErrBatchParent):
		return awserr.Validation(msgBatchParent)
	case errors.Is(err, statement.ErrWrongFormat):
		return awserr.Validation(msgWrongFormat)
	case errors.Is(err, statement.ErrShuttingDown):
		return awserr.InternalServer(msgShuttingDown)
	case errors.As(err, &conn): // the catalog operations could not log in
		return awserr.DatabaseConnection("%s", conn.Message)
	case errors.As(err, &db): // the database refused a catalog query
		return awserr.Validation("%s", db.Message)
	case errors.Is(err, context.DeadlineExceeded):
		return awserr.QueryTimeout("The request timed out.")
	default:
		return err // the JSON writer logs it and sends InternalFailure
	}
}

// namesResource is implemented by inputs that name a statement or a
// session, which ResourceNotFoundException reports as its ResourceId.
type namesResource interface{ resourceID() string }

func (in *IdInput) resourceID() string                    { return str(in.Id) }
func (in *GetStatementResultInput) resourceID() string    { return str(in.Id) }
func (in *ExecuteStatementInput) resourceID() string      { return str(in.SessionId) }
func (in *BatchExecuteStatementInput) resourceID() string { return str(in.SessionId) }
func (in *ListSessionsInput) resourceID() string          { return str(in.SessionId) }
