package secretsmanager

import (
	"errors"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/seal"
	"github.com/rsdata/rsdata/internal/secrets"
)

// Texts Secrets Manager sends, verbatim.
const (
	msgNotFound   = "Secrets Manager can't find the specified secret."
	msgDecryption = "Secrets Manager can't decrypt the protected secret text using the provided KMS key."
)

// toAWS is this API's one mapping from domain errors to wire errors.
func toAWS(err error) error {
	var (
		aerr     *awserr.Error
		notFound *secrets.NotFoundError
		exists   *secrets.ExistsError
		param    *secrets.InvalidParameterError
		request  *secrets.InvalidRequestError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &aerr):
		return aerr
	case errors.Is(err, auth.ErrDenied):
		return awserr.AccessDenied(err.Error())
	case errors.As(err, &notFound):
		return awserr.SecretsResourceNotFound("%s", notFound.Message)
	case errors.Is(err, secrets.ErrNotFound):
		return awserr.SecretsResourceNotFound("%s", msgNotFound)
	case errors.As(err, &exists):
		return awserr.ResourceExists("%s", exists.Message)
	case errors.As(err, &param):
		return awserr.InvalidParameter("%s", param.Message)
	case errors.As(err, &request):
		return awserr.InvalidRequest("%s", request.Message)
	case errors.Is(err, secrets.ErrBadNextToken):
		return awserr.InvalidNextToken("%s", secrets.ErrBadNextToken.Error())
	case errors.Is(err, seal.ErrOpen):
		return awserr.DecryptionFailure("%s", msgDecryption)
	default:
		// Logged by the router and sent as InternalFailure, without detail.
		return err
	}
}
