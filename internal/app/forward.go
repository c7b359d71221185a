package app

// Forwarding calls about a session to the replica that holds it. A Data
// API session is a database connection held by one replica; a statement
// sent into it through another replica is passed to the owner, which
// answers it. The request goes on as the caller signed it, so the owner
// verifies the caller's SigV4 signature itself (the signature names the
// Host the caller used, which the hop keeps): a replica vouches for
// nothing, so the hop cannot be used to impersonate anyone. The hop is
// marked with an HMAC under a key derived from the shared sealing key, so
// the owner answers it itself rather than forwarding it again; a mark
// that does not verify is ignored.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rsdata/rsdata/internal/httpx"
	"github.com/rsdata/rsdata/internal/statement"
)

// hopHeader marks a request one replica forwarded to another:
// "<unix seconds> <hex HMAC>".
const hopHeader = "X-Rsdata-Replica-Hop"

// hopMaxAge bounds how old a hop mark may be.
const hopMaxAge = time.Minute

// forwardTimeout bounds a forwarded call: the longest long poll (30 s) and
// room for the statement's submission.
const forwardTimeout = 2 * time.Minute

// sessionTargets are the operations that name a session to run in.
var sessionTargets = map[string]bool{
	"RedshiftData.ExecuteStatement":      true,
	"RedshiftData.BatchExecuteStatement": true,
}

// hopMAC is the mark of a hop at unix time ts for request r: it binds the
// caller's signature, so a mark cannot be moved to another request.
func (r *replicas) hopMAC(ts string, req *http.Request) string {
	m := hmac.New(sha256.New, r.a.keys.internal)
	m.Write([]byte(ts + "\n" + req.Header.Get("Authorization") + "\n" + req.Header.Get("X-Amz-Date")))
	return hex.EncodeToString(m.Sum(nil))
}

// forwarded reports whether req carries a valid hop mark.
func (r *replicas) forwarded(req *http.Request) bool {
	ts, mac, ok := strings.Cut(req.Header.Get(hopHeader), " ")
	if !ok {
		return false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > hopMaxAge {
		return false
	}
	return hmac.Equal([]byte(mac), []byte(r.hopMAC(ts, req)))
}

// sessionOwner returns the address of the live replica other than this
// one that holds session id open, if any.
func (r *replicas) sessionOwner(ctx context.Context, id string) (string, bool) {
	s, err := r.a.store.Statements().GetSession(ctx, id)
	if err != nil || s.Status == statement.SessionClosed || s.Instance == r.instance {
		return "", false
	}
	addr, live, err := r.a.store.Replicas().Address(ctx, s.Instance)
	if err != nil || !live || addr == "" {
		return "", false
	}
	return addr, true
}

// forwardSessions passes calls about a session another replica holds to
// that replica; everything else goes to next.
func (a *App) forwardSessions(next http.Handler) http.Handler {
	if a.replicas == nil {
		return next
	}
	client := &http.Client{Timeout: forwardTimeout}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		// Alone on the store, every open session is this replica's.
		if !sessionTargets[req.Header.Get("X-Amz-Target")] || !a.replicas.Shared() || a.replicas.forwarded(req) {
			next.ServeHTTP(w, req)
			return
		}
		body, err := httpx.ReadBody(req)
		var in struct{ SessionId string }
		if err != nil || !bytes.Contains(body, []byte(`"SessionId"`)) || json.Unmarshal(body, &in) != nil ||
			in.SessionId == "" || a.engine.HasSession(in.SessionId) {
			next.ServeHTTP(w, req)
			return
		}
		addr, ok := a.replicas.sessionOwner(req.Context(), in.SessionId)
		if !ok || !a.replicas.forward(w, req, client, addr, body) {
			// The owner is gone: answered here, as the session stands in
			// the store.
			next.ServeHTTP(w, req)
		}
	})
}

// forward sends req to the replica at addr and copies its answer to w; it
// returns false, having written nothing, when the replica cannot be
// reached.
func (r *replicas) forward(w http.ResponseWriter, req *http.Request, client *http.Client, addr string, body []byte) bool {
	out, err := http.NewRequestWithContext(req.Context(), req.Method, "http://"+addr+req.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return false
	}
	for k, vs := range req.Header {
		if k == "Connection" || k == hopHeader {
			continue
		}
		out.Header[k] = vs
	}
	out.Host = req.Host
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	out.Header.Set(hopHeader, ts+" "+r.hopMAC(ts, req))
	resp, err := client.Do(out)
	if err != nil {
		r.a.log.Warn("forwarding a session call to its replica failed", "addr", addr, "err", err)
		return false
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		if k == "Content-Length" || k == "Connection" {
			continue
		}
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
	return true
}
