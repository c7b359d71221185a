package secretsmanager

import (
	"errors"
	"net/http"

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

// Each Secrets Manager exception rsdata sends, with its status. Their
// model member is Message; botocore and aws-sdk-go-v2 also read the
// "message" the JSON 1.1 writer sends.
func smError(code, msg string) *awserr.Error {
	return &awserr.Error{Code: code, Message: msg, Status: http.StatusBadRequest}
}

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
		return smError("ResourceNotFoundException", notFound.Message)
	case errors.Is(err, secrets.ErrNotFound):
		return smError("ResourceNotFoundException", msgNotFound)
	case errors.As(err, &exists):
		return smError("ResourceExistsException", exists.Message)
	case errors.As(err, &param):
		return smError("InvalidParameterException", param.Message)
	case errors.As(err, &request):
		return smError("InvalidRequestException", request.Message)
	case errors.Is(err, secrets.ErrBadNextToken):
		return smError("InvalidNextTokenException", secrets.ErrBadNextToken.Error())
	case errors.Is(err, seal.ErrOpen):
		return smError("DecryptionFailure", msgDecryption)
	default:
		// Logged by the router and sent as InternalFailure, without detail.
		return err
	}
}
