package iam

import (
	"errors"
	"net/http"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/identity"
)

// errorTable maps domain errors to IAM's wire errors: the one place codes
// and statuses are decided. Every matched error's text is public (IAM's own
// message); anything unmatched reaches the router, which logs it and sends
// InternalFailure.
var errorTable = []struct {
	match  func(error) bool
	code   string
	status int
}{
	{is(identity.ErrNoSuchEntity), "NoSuchEntity", http.StatusNotFound},
	{is(identity.ErrEntityAlreadyExists), "EntityAlreadyExists", http.StatusConflict},
	{is(identity.ErrDeleteConflict), "DeleteConflict", http.StatusConflict},
	{is(identity.ErrLimitExceeded), "LimitExceeded", http.StatusConflict},
	{as[*identity.MalformedError], "MalformedPolicyDocument", http.StatusBadRequest},
	{as[*identity.ValidationError], "ValidationError", http.StatusBadRequest},
	{is(auth.ErrDenied), "AccessDenied", http.StatusForbidden},
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
			return &awserr.Error{Code: row.code, Message: publicMessage(err), Status: row.status}
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
