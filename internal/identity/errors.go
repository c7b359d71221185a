package identity

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors the Service returns wrap one of these in an
// *Error carrying IAM's public message; test with errors.Is.
var (
	// ErrNoSuchEntity: the user, role, policy, key or attachment does not exist.
	ErrNoSuchEntity = errors.New("no such entity")
	// ErrEntityAlreadyExists: a user, role or policy with that name exists.
	ErrEntityAlreadyExists = errors.New("entity already exists")
	// ErrDeleteConflict: the entity still has dependents (keys, policies,
	// attachments) and IAM refuses to delete it.
	ErrDeleteConflict = errors.New("delete conflict")
	// ErrLimitExceeded: an IAM quota (keys per user, tags, document size).
	ErrLimitExceeded = errors.New("limit exceeded")
	// ErrHasVersions: a managed policy to delete still has versions besides
	// its default one; it is an ErrDeleteConflict.
	ErrHasVersions = fmt.Errorf("%w: the policy has non-default versions", ErrDeleteConflict)
	// ErrUnknownKey: LookupKey found no Active access key with that id.
	ErrUnknownKey = errors.New("unknown access key")
)

// Error is a sentinel with IAM's public message for it.
type Error struct {
	Err     error // one of the sentinels above
	Message string
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

func errorf(sentinel error, format string, args ...any) error {
	return &Error{Err: sentinel, Message: fmt.Sprintf(format, args...)}
}

// MalformedError is a policy document IAM would refuse; Message is public.
type MalformedError struct {
	Message string
}

func (e *MalformedError) Error() string { return "malformed policy document: " + e.Message }

// ValidationError is a request parameter outside IAM's constraints; Message
// is public.
type ValidationError struct {
	Message string
}

func (e *ValidationError) Error() string { return e.Message }

func invalid(format string, args ...any) error {
	return &ValidationError{Message: fmt.Sprintf(format, args...)}
}

func noSuchUser(name string) error {
	return errorf(ErrNoSuchEntity, "The user with name %s cannot be found.", name)
}

func noSuchRole(name string) error {
	return errorf(ErrNoSuchEntity, "The role with name %s cannot be found.", name)
}

func noSuchPolicy(arn string) error {
	return errorf(ErrNoSuchEntity, "Policy %s does not exist or is not attachable.", arn)
}

func noSuchOwner(o Owner) error {
	if o.Kind == KindRole {
		return noSuchRole(o.Name)
	}
	return noSuchUser(o.Name)
}

// ownerErr gives a bare ErrNoSuchEntity from the Store the owner's message.
func ownerErr(o Owner, err error) error {
	if errors.Is(err, ErrNoSuchEntity) && !hasMessage(err) {
		return noSuchOwner(o)
	}
	return err
}

func hasMessage(err error) bool {
	var e *Error
	return errors.As(err, &e)
}
