package redshift

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/dbcreds"
)

// msgDuration is the text MOTO sends for an out-of-range DurationSeconds.
const msgDuration = "Token duration must be between 900 and 3600 seconds"

// Redshift's Query-protocol errors, each with the status of the service
// model.

func clusterNotFound(id string) *awserr.Error {
	return &awserr.Error{Code: "ClusterNotFound", Status: http.StatusNotFound, Message: "Cluster " + id + " not found."}
}

func invalidParameter(msg string) *awserr.Error {
	return &awserr.Error{Code: "InvalidParameterValue", Status: http.StatusBadRequest, Message: msg}
}

func unsupported(msg string) *awserr.Error {
	return &awserr.Error{Code: "UnsupportedOperation", Status: http.StatusBadRequest, Message: msg}
}

// toAWS is this API's one mapping from domain errors to wire errors.
func toAWS(err error) error {
	var (
		aerr     *awserr.Error
		invalid  *dbcreds.InvalidError
		unusable *dbcreds.UnusableError
		missing  *dbcreds.NotFoundError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &aerr):
		return aerr
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

// namespaceID is a stable UUID-shaped id for a cluster's namespace, derived
// from the account and cluster name so that it survives restarts.
func namespaceID(account, name string) string {
	sum := sha256.Sum256([]byte("redshift-namespace:" + account + ":" + name))
	sum[6] = sum[6]&0x0f | 0x50 // version 5 layout (name-based)
	sum[8] = sum[8]&0x3f | 0x80
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
