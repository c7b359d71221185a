// Package sdkhttp holds HTTP client plumbing for AWS SDK clients that talk
// to rsdata on loopback: the test helpers and the load command.
package sdkhttp

import (
	"bytes"
	"io"
	"net/http"
)

// BufferedBodies is an http.RoundTripper that hands the transport its own
// in-memory copy of each request body.
//
// aws-sdk-go-v2 closes a request's body as soon as the response headers
// arrive, while net/http's write loop may still be finishing with that
// body; the transport then takes the closed body for a write error and
// closes the connection under the response being read, and the call fails
// with "use of closed network connection" (aws/aws-sdk-go-v2#1825). Against
// a server on loopback that answers within microseconds this happens every
// few large replies. With a body of its own the transport never sees the
// SDK's Close, so what is measured or tested is the server, not this race.
type BufferedBodies struct{ Next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (t BufferedBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return t.Next.RoundTrip(req)
	}
	b, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	r.ContentLength = int64(len(b))
	return t.Next.RoundTrip(r)
}
