package iam

import (
	"errors"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/identity"
)

// errorTable maps domain errors to IAM's wire errors (awserr defines each
// code and status once). Every matched error's text is public (IAM's own
// message); anything unmatched reaches the router, which logs it and sends
// InternalFailure.
var errorTable = []struct {
	match func(error) bool
	wire  func(format string, args ...any) *awserr.Error
}{
	{is(identity.ErrNoSuchEntity), awserr.NoSuchEntity},
	{is(identity.ErrEntityAlreadyExists), awserr.EntityAlreadyExists},
	{is(identity.ErrDeleteConflict), awserr.DeleteConflict},
	{is(identity.ErrLimitExceeded), awserr.LimitExceeded},
	{as[*identity.MalformedError], awserr.MalformedPolicyDocument},
	{as[*identity.ValidationError], awserr.ValidationError},
	{is(auth.ErrDenied), awserr.QueryAccessDenied},
}

func is(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

func as[T error](err error) bool {
	var t T
	return errors.As(err, &t)
}

// toAWS returns err as IAM sends it.
func toAWS(err error) error {
	var ae *awserr.Error
	if err == nil || errors.As(err, &ae) {
		return err
	}
	for _, row := range errorTable {
		if row.match(err) {
			return row.wire("%s", publicMessage(err))
		}
	}
	return err
}

// publicMessage extracts the client-facing text of a matched error.
func publicMessage(err error) string {
	var (
		ie *identity.Error
		me *identity.MalformedError
		ve *identity.ValidationError
		de *auth.DeniedError
	)
	switch {
	case errors.As(err, &me):
		return me.Message
	case errors.As(err, &ve):
		return ve.Message
	case errors.As(err, &ie):
		return ie.Message
	case errors.As(err, &de):
		return de.Error()
	}
	return "Access denied"
}

// validation is a request the handler itself refuses.
func validation(msg string) error { return &identity.ValidationError{Message: msg} }
