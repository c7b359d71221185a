package redshift

import (
	"errors"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/dbcreds"
)

// msgDuration is the text MOTO sends for an out-of-range DurationSeconds.
const msgDuration = "Token duration must be between 900 and 3600 seconds"

// Redshift's Query-protocol errors, each with the status of the service
// model.

func clusterNotFound(id string) *awserr.Error {
	return awserr.ClusterNotFound("Cluster %s not found.", id)
}

func invalidParameter(msg string) *awserr.Error {
	return awserr.InvalidParameterValue("%s", msg)
}

func unsupported(msg string) *awserr.Error {
	return awserr.UnsupportedOperation("%s", msg)
}

// toAWS is this API's one mapping from domain errors to wire errors.
func toAWS(err error) error {
	var (
		aerr     *awserr.Error
		invalid  *dbcreds.InvalidError
		unusable *dbcreds.UnusableError
		missing  *dbcreds.NotFoundError
		denied   *auth.DeniedError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &aerr):
		return aerr
	case errors.As(err, &denied):
		// Redshift still words refusals the older way (no reason for an
		// implicit deny), as the replies users quote show.
		return awserr.ForQuery(awserr.AccessDenied(denied.Short()))
	case errors.Is(err, auth.ErrDenied):
		return awserr.ForQuery(awserr.AccessDenied(err.Error()))
	case errors.Is(err, dbcreds.ErrInvalidDuration):
		return invalidParameter(msgDuration)
	case errors.As(err, &invalid):
		return invalidParameter(invalid.Error())
	case errors.As(err, &unusable) && unusable.Group:
		// As in Redshift, a group is a group: a user, a superuser or a
		// role of the database is no group one can join.
		return invalidParameter("Database group " + unusable.Role + " does not exist.")
	case errors.As(err, &unusable):
		return invalidParameter("Database user " + unusable.Role + " cannot be used for temporary credentials.")
	case errors.As(err, &missing):
		return invalidParameter("Database group " + missing.Role + " does not exist.")
	}
	return err
}
