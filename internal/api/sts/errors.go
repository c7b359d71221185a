package sts

import (
	"errors"

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
		return awserr.ValidationError("%s", invalid.Message)
	case errors.As(err, &mal):
		return awserr.MalformedPolicyDocument("%s", mal.Message)
	case errors.As(err, &denied):
		return awserr.QueryAccessDenied("%s", denied.Error())
	}
	return err
}
