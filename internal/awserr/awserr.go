// Package awserr is the AWS wire error: a code, a public message, an HTTP
// status and whether the fault is the caller's. Each exception rsdata sends is
// defined once here with its status; protocol packages turn an *Error into a
// JSON or XML envelope. Core packages never import this package: the API
// layers map domain errors onto these constructors.
package awserr

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an error as AWS sends it.
type Error struct {
	Code    string
	Message string
	Status  int
	// Fields are extra members the service model requires in the error body,
	// such as ResourceId or StatementId.
	Fields map[string]string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Sender reports whether the caller is at fault (Query protocol <Type>).
func (e *Error) Sender() bool { return e.Status < 500 }

// As extracts an *Error from err; unknown errors become InternalFailure with
// a generic message, so internal detail never reaches the client.
//
// As a backstop behind the protocol layers' own checks, a database error
// saying the caller's text cannot be stored (a NUL character, invalid
// UTF-8) is the caller's fault: a ValidationException (400), not a 500.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var db sqlStater
	if errors.As(err, &db) {
		switch db.SQLState() {
		case sqlstateUntranslatableCharacter, sqlstateCharacterNotInRepertoire:
			return Validation("1 validation error detected: a value failed to satisfy constraint: Member must contain only valid UTF-8 characters and no null characters")
		}
	}
	return InternalFailure()
}

// sqlStater is implemented by database errors that carry a SQLSTATE, such
// as *pgconn.PgError; declared here so that the wire layer need not import
// a database driver.
type sqlStater interface{ SQLState() string }

// SQLSTATEs of text PostgreSQL cannot hold.
const (
	sqlstateUntranslatableCharacter  = "22P05" // a NUL character in text
	sqlstateCharacterNotInRepertoire = "22021" // invalid UTF-8
)

func newErr(code string, status int, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: code, Message: msg, Status: status}
}

// With returns a copy of e carrying an extra body member.
func (e *Error) With(member, value string) *Error {
	c := *e
	c.Fields = map[string]string{member: value}
	for k, v := range e.Fields {
		if k != member {
			c.Fields[k] = v
		}
	}
	return &c
}

// Common to every service.

func InternalFailure() *Error {
	return newErr("InternalFailure", http.StatusInternalServerError, "The request processing has failed because of an unknown error, exception or failure.")
}
func SerializationException(format string, args ...any) *Error {
	return newErr("SerializationException", http.StatusBadRequest, format, args...)
}
func UnknownOperation(op string) *Error {
	return newErr("UnknownOperationException", http.StatusBadRequest, "Unknown operation %s", op)
}
func RequestEntityTooLarge(limit int64) *Error {
	return newErr("RequestEntityTooLargeException", http.StatusRequestEntityTooLarge, "Request body exceeds the limit of %d bytes", limit)
}
func MissingAuthenticationToken() *Error {
	return newErr("MissingAuthenticationTokenException", http.StatusBadRequest, "Request is missing Authentication Token")
}
func IncompleteSignature(msg string) *Error {
	return newErr("IncompleteSignatureException", http.StatusBadRequest, "%s", msg)
}
func UnrecognizedClient() *Error {
	return newErr("UnrecognizedClientException", http.StatusBadRequest, "The security token included in the request is invalid.")
}
func ExpiredToken() *Error {
	return newErr("ExpiredTokenException", http.StatusBadRequest, "The security token included in the request is expired")
}
func InvalidSignature(msg string) *Error {
	return newErr("InvalidSignatureException", http.StatusBadRequest, "%s", msg)
}
func AccessDenied(msg string) *Error {
	return newErr("AccessDeniedException", http.StatusBadRequest, "%s", msg)
}
func Throttling(msg string) *Error {
	return newErr("ThrottlingException", http.StatusBadRequest, "%s", msg)
}

// Redshift Data API exceptions, with the statuses of the service model
// (ResourceNotFoundException is 400 because that is what AWS really sends).

func Validation(format string, args ...any) *Error {
	return newErr("ValidationException", http.StatusBadRequest, format, args...)
}
func ResourceNotFound(resourceID, format string, args ...any) *Error {
	return newErr("ResourceNotFoundException", http.StatusBadRequest, format, args...).With("ResourceId", resourceID)
}
func ActiveStatementsExceeded(format string, args ...any) *Error {
	return newErr("ActiveStatementsExceededException", http.StatusBadRequest, format, args...)
}
func ActiveSessionsExceeded(format string, args ...any) *Error {
	return newErr("ActiveSessionsExceededException", http.StatusBadRequest, format, args...)
}
func ActiveWaitingRequestsExceeded(format string, args ...any) *Error {
	return newErr("ActiveWaitingRequestsExceededException", http.StatusBadRequest, format, args...)
}
func QueryTimeout(format string, args ...any) *Error {
	return newErr("QueryTimeoutException", http.StatusBadRequest, format, args...)
}
func ExecuteStatement(statementID, format string, args ...any) *Error {
	return newErr("ExecuteStatementException", http.StatusInternalServerError, format, args...).With("StatementId", statementID)
}
func DatabaseConnection(format string, args ...any) *Error {
	return newErr("DatabaseConnectionException", http.StatusInternalServerError, format, args...)
}
func InternalServer(format string, args ...any) *Error {
	return newErr("InternalServerException", http.StatusInternalServerError, format, args...)
}

// Query protocol errors of the protocol itself, and those IAM, STS and
// Redshift share.

func MissingAction(format string, args ...any) *Error {
	return newErr("MissingAction", http.StatusBadRequest, format, args...)
}
func InvalidAction(format string, args ...any) *Error {
	return newErr("InvalidAction", http.StatusBadRequest, format, args...)
}
func MalformedQueryString(format string, args ...any) *Error {
	return newErr("MalformedQueryString", http.StatusNotFound, format, args...)
}

// ValidationError is IAM's and STS's parameter-constraint failure.
func ValidationError(format string, args ...any) *Error {
	return newErr("ValidationError", http.StatusBadRequest, format, args...)
}

// InvalidParameterValue is Redshift's parameter-constraint failure.
func InvalidParameterValue(format string, args ...any) *Error {
	return newErr("InvalidParameterValue", http.StatusBadRequest, format, args...)
}
func MalformedPolicyDocument(format string, args ...any) *Error {
	return newErr("MalformedPolicyDocument", http.StatusBadRequest, format, args...)
}

// QueryAccessDenied is the Query protocol's AccessDenied (403), as IAM and
// STS send it.
func QueryAccessDenied(format string, args ...any) *Error {
	return newErr("AccessDenied", http.StatusForbidden, format, args...)
}

// IAM.

func NoSuchEntity(format string, args ...any) *Error {
	return newErr("NoSuchEntity", http.StatusNotFound, format, args...)
}
func EntityAlreadyExists(format string, args ...any) *Error {
	return newErr("EntityAlreadyExists", http.StatusConflict, format, args...)
}
func DeleteConflict(format string, args ...any) *Error {
	return newErr("DeleteConflict", http.StatusConflict, format, args...)
}
func LimitExceeded(format string, args ...any) *Error {
	return newErr("LimitExceeded", http.StatusConflict, format, args...)
}

// Redshift.

func ClusterNotFound(format string, args ...any) *Error {
	return newErr("ClusterNotFound", http.StatusNotFound, format, args...)
}
func UnsupportedOperation(format string, args ...any) *Error {
	return newErr("UnsupportedOperation", http.StatusBadRequest, format, args...)
}
func ResourceNotFoundFault(format string, args ...any) *Error {
	return newErr("ResourceNotFoundFault", http.StatusNotFound, format, args...)
}
func InvalidTagFault(format string, args ...any) *Error {
	return newErr("InvalidTagFault", http.StatusBadRequest, format, args...)
}
func TagLimitExceededFault(format string, args ...any) *Error {
	return newErr("TagLimitExceededFault", http.StatusBadRequest, format, args...)
}

// Redshift Serverless.

// ServerlessResourceNotFound is Redshift Serverless's
// ResourceNotFoundException, which names the resource in resourceName.
func ServerlessResourceNotFound(resourceName, format string, args ...any) *Error {
	return newErr("ResourceNotFoundException", http.StatusBadRequest, format, args...).With("resourceName", resourceName)
}

// Secrets Manager (every one a 400).

func SecretsResourceNotFound(format string, args ...any) *Error {
	return newErr("ResourceNotFoundException", http.StatusBadRequest, format, args...)
}
func ResourceExists(format string, args ...any) *Error {
	return newErr("ResourceExistsException", http.StatusBadRequest, format, args...)
}
func InvalidParameter(format string, args ...any) *Error {
	return newErr("InvalidParameterException", http.StatusBadRequest, format, args...)
}
func InvalidRequest(format string, args ...any) *Error {
	return newErr("InvalidRequestException", http.StatusBadRequest, format, args...)
}
func InvalidNextToken(format string, args ...any) *Error {
	return newErr("InvalidNextTokenException", http.StatusBadRequest, format, args...)
}
func DecryptionFailure(format string, args ...any) *Error {
	return newErr("DecryptionFailure", http.StatusBadRequest, format, args...)
}

// queryCodes are the Query protocol's names (and statuses) for the
// authentication and authorization errors the JSON protocols name
// otherwise: the same refusal reads InvalidClientTokenId from STS and IAM
// but UnrecognizedClientException from the Data API.
var queryCodes = map[string]struct {
	code   string
	status int
}{
	"UnrecognizedClientException":         {"InvalidClientTokenId", http.StatusForbidden},
	"InvalidSignatureException":           {"SignatureDoesNotMatch", http.StatusForbidden},
	"MissingAuthenticationTokenException": {"MissingAuthenticationToken", http.StatusForbidden},
	"IncompleteSignatureException":        {"IncompleteSignature", http.StatusBadRequest},
	"AccessDeniedException":               {"AccessDenied", http.StatusForbidden},
	"ExpiredTokenException":               {"ExpiredToken", http.StatusForbidden},
	"SerializationException":              {"MalformedQueryString", http.StatusBadRequest},
	"ThrottlingException":                 {"Throttling", http.StatusBadRequest},
}

// ForQuery returns e as a Query-protocol service names it.
func ForQuery(e *Error) *Error {
	q, ok := queryCodes[e.Code]
	if !ok {
		return e
	}
	c := *e
	c.Code, c.Status = q.code, q.status
	return &c
}
