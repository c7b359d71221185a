package secrets

import (
	"errors"
	"fmt"
)

// publicText is an error whose text is Secrets Manager's own wording,
// shown to clients as it is: data, not a Go error string. Each is a
// distinct pointer.
type publicText struct{ text string }

func (p *publicText) Error() string { return p.text }

// ErrNotFound means no such secret (or, for the Data API, no such value).
var ErrNotFound error = &publicText{"Secrets Manager can't find the specified secret."}

// Public texts, as Secrets Manager words them.
const (
	msgMarkedForDeletion = "You can't perform this operation on the secret because it was marked for deletion."
	msgBothValues        = "You can't specify both a binary secret value and a string secret value in the same secret."
	msgNoValue           = "You must provide either SecretString or SecretBinary."
	msgBadName           = "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"
	msgVersionExists     = "You can't modify an existing version, you can only create new versions."
	msgWindow            = "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."
	msgForceAndWindow    = "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."
	msgBadToken          = "The NextToken value is invalid."
)

// NotFoundError is a missing secret value: no version with the id or
// staging label asked for. errors.Is(err, ErrNotFound) holds.
type NotFoundError struct{ Message string }

func (e *NotFoundError) Error() string        { return e.Message }
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// ExistsError is a name or version that already exists.
type ExistsError struct{ Message string }

func (e *ExistsError) Error() string { return e.Message }

func nameExists(name string) error {
	return &ExistsError{Message: fmt.Sprintf("The operation failed because the secret %s already exists.", name)}
}

// InvalidParameterError is a request parameter with a bad value.
type InvalidParameterError struct{ Message string }

func (e *InvalidParameterError) Error() string { return e.Message }

func invalidParam(format string, args ...any) error {
	return &InvalidParameterError{Message: fmt.Sprintf(format, args...)}
}

// InvalidRequestError is a request that is well formed but not valid for
// the secret's state, such as reading a secret scheduled for deletion.
type InvalidRequestError struct{ Message string }

func (e *InvalidRequestError) Error() string { return e.Message }

// ErrMarkedForDeletion is the InvalidRequestError for secrets scheduled for
// deletion.
var ErrMarkedForDeletion error = &InvalidRequestError{Message: msgMarkedForDeletion}

// ErrBadNextToken is a NextToken this service did not hand out.
var ErrBadNextToken error = &publicText{msgBadToken}

// ErrNotCredentials is returned by ValueForDataAPI when the secret's current
// value is binary or not a JSON object.
var ErrNotCredentials = errors.New("secrets: the secret value is not a JSON object of database credentials")
