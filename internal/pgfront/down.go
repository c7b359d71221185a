// The relay's server-to-client side: backend messages streamed to the
// client, ErrorResponses reworded, and the responses to what the front
// added to a Query or Sync held back.

package pgfront

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// down relays the server's messages until either side closes. It decodes
// only ErrorResponse (to reword it) and ReadyForQuery (to follow the
// session's state); the rest streams through.
func (r *relay) down() {
	for {
		typ, n, err := readHeader(r.br)
		if err != nil {
			return
		}
		r.cwMu.Lock()
		err = r.downMessage(typ, n)
		if err == nil && r.br.Buffered() == 0 {
			err = r.cw.Flush()
		}
		r.cwMu.Unlock()
		if err != nil {
			return
		}
	}
}

func (r *relay) downMessage(typ byte, n int) error {
	if done, err := r.probeMessage(typ, n); done || err != nil {
		return err
	}
	if r.heldDO != nil {
		// A held "DO" completion followed by ReadyForQuery was the
		// Follower's statement's: dropped. Followed by anything else, it
		// was the client's own: sent on.
		held := r.heldDO
		r.heldDO = nil
		if typ != 'Z' {
			if _, err := r.cw.Write(held); err != nil {
				return err
			}
		}
	}
	d := r.following()
	if d.injected > 0 {
		if typ == 'Z' {
			if err := r.dropInjected(d.injected); err != nil {
				return err
			}
		} else if held, err := r.holdTail(typ, n, d.injected); held || err != nil {
			return err
		}
	}
	switch {
	case typ == 'C' && n == len("DO")+1 && d.followed:
		body := make([]byte, n)
		if _, err := io.ReadFull(r.br, body); err != nil {
			return err
		}
		if string(body) != "DO\x00" {
			return copyBody(r.cw, typ, body)
		}
		r.heldDO = append([]byte{typ, 0, 0, 0, byte(n + 4)}, body...)
		return nil
	case typ == 'Z' && n == 1:
		st, err := r.br.ReadByte()
		if err != nil {
			return err
		}
		r.status.Store(uint32(st))
		r.pending.Add(-1)
		r.readied()
		if !r.ready.Swap(true) {
			// Start-up and authentication are over: the session may now
			// idle as long as the client likes.
			_ = r.client.SetReadDeadline(time.Time{})
			if hook := r.s.opts.Authenticated; hook != nil {
				ctx, cancel := context.WithTimeout(context.Background(), authenticatedHookTimeout)
				hook(ctx, r.database)
				cancel()
			}
		}
		_, err = r.cw.Write([]byte{'Z', 0, 0, 0, 5, st})
		return err
	case typ == 'E' && n <= maxErrorMessage:
		body := make([]byte, n)
		if _, err := io.ReadFull(r.br, body); err != nil {
			return err
		}
		var e pgproto3.ErrorResponse
		if err := e.Decode(body); err != nil {
			return copyBody(r.cw, typ, body)
		}
		if !r.reword(&e) {
			return copyBody(r.cw, typ, body)
		}
		buf, err := e.Encode(nil)
		if err != nil {
			return err
		}
		_, err = r.cw.Write(buf)
		return err
	}
	return copyMessage(r.cw, r.br, typ, n)
}

// reword rewrites e as Redshift words it: a refusal sent in band, or a
// row of redshiftErrors. It reports whether e changed.
func (r *relay) reword(e *pgproto3.ErrorResponse) bool {
	if e.Code == "42703" && strings.Contains(e.Message, markerPrefix) {
		r.refusedMu.Lock()
		defer r.refusedMu.Unlock()
		for marker, ref := range r.refused {
			if strings.Contains(e.Message, `"`+marker+`"`) {
				delete(r.refused, marker)
				*e = pgproto3.ErrorResponse{Severity: e.Severity, SeverityUnlocalized: e.SeverityUnlocalized,
					Code: ref.Code, Message: ref.Message}
				return true
			}
		}
	}
	return rewordError(e)
}

// holdTail holds a message that may be one of the responses to the
// injected sets before the ReadyForQuery due (sets of them): only the
// last sets*len(injectedResponses) such messages can be, and the oldest
// beyond those goes to the client. Any other message sends every held one
// on first (ours come last, after every response of the client's, and an
// error skips them all).
func (r *relay) holdTail(typ byte, n, sets int) (bool, error) {
	if typ == 'N' || typ == 'A' || typ == 'S' {
		// Notices, notifications and parameter changes may come at any
		// point, a client takes them whenever they come: they go on,
		// ahead of the held messages, which stay held.
		return false, nil
	}
	if (typ != '1' && typ != '2' && typ != '3' || n != 0) && !(typ == 'C' && n == len("DO")+1) {
		return false, r.sendTail()
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r.br, body); err != nil {
		return true, err
	}
	r.tail = append(r.tail, append([]byte{typ, 0, 0, 0, byte(n + 4)}, body...))
	if len(r.tail) > sets*len(injectedResponses) {
		if _, err := r.cw.Write(r.tail[0]); err != nil {
			return true, err
		}
		r.tail = r.tail[1:]
	}
	return true, nil
}

// dropInjected drops the held messages, at the ReadyForQuery, when they
// are exactly the responses to the sets injected; otherwise (an error
// skipped them) they were the client's and go to it.
func (r *relay) dropInjected(sets int) error {
	if len(r.tail) == sets*len(injectedResponses) {
		match := true
		for i, m := range r.tail {
			want := injectedResponses[i%len(injectedResponses)]
			if m[0] != want.typ || string(m[5:]) != want.body {
				match = false
				break
			}
		}
		if match {
			r.tail = nil
			return nil
		}
	}
	return r.sendTail()
}

// sendTail sends the held messages on to the client.
func (r *relay) sendTail() error {
	for _, m := range r.tail {
		if _, err := r.cw.Write(m); err != nil {
			return err
		}
	}
	r.tail = nil
	return nil
}
