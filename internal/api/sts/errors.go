package sts

import (
	"errors"
	"net/http"

	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/identity"
)

// toAWS maps the Directory's errors to STS's wire errors; anything else
// passes through (an *awserr.Error as it is, the rest as an internal
// failure).
func toAWS(err error) error {
	var (
		invalid *identity.ValidationError
		mal     *identity.MalformedError
		denied  *identity.AssumeRoleDeniedError
	)
	switch {
	case errors.As(err, &invalid):
		return &awserr.Error{Code: "ValidationError", Message: invalid.Message, Status: http.StatusBadRequest}
	case errors.As(err, &mal):
		return &awserr.Error{Code: "MalformedPolicyDocument", Message: mal.Message, Status: http.StatusBadRequest}
	case errors.As(err, &denied):
		return &awserr.Error{Code: "AccessDenied", Message: denied.Error(), Status: http.StatusForbidden}
	}
	return err
}
