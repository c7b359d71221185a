// Package awsproto knows which AWS protocol a request speaks, so that the
// layers every request passes before it reaches a router (request ids and
// panics in httpx, signatures in auth) reply to it in that protocol: the
// Query protocol's XML for IAM, STS and Redshift, JSON 1.1 for the rest.
package awsproto

import (
	"net/http"

	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/awsjson"
	"github.com/rsdata/rsdata/internal/awsquery"
)

// WriteError replies with err in the protocol r speaks, with the Query
// protocol's own names for the authentication errors.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	if awsquery.IsQuery(r) {
		awsquery.WriteError(w, r, awserr.ForQuery(awserr.As(err)))
		return
	}
	awsjson.WriteError(w, r, err)
}
