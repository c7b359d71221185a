// Role statements in the extended protocol (JDBC, pgx, pg8000 send every
// statement with Parse, Bind, Describe, Execute and Sync, often several
// before one Sync). The server never sees the role statement: its Parse
// goes as a DO block that is never executed, which the server parses,
// binds and describes as PostgreSQL would the statement (no rows, NoData;
// refused in an aborted transaction). Its Execute is where the statement
// runs, in order with the rest of the pipeline, and only if the server
// would run it: the front first asks the server where it stands (a probe,
// below); once everything before has succeeded, rsdata runs the statement
// and the front answers the Execute itself, with PostgreSQL's tag, or
// sends a refusal in band, so the server skips to the Sync and aborts the
// transaction as its own error would.

package pgfront

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/rsdata/rsdata/internal/dialect"
)

// roleSubstitute is what the server parses in place of a role statement.
// It is never executed: any Execute of its portals is the front's.
const roleSubstitute = "DO $rsdata_role$BEGIN END$rsdata_role$"

// refusedName names the statement a refusal's Parse would create: the
// Parse always fails, so it never exists, and the client's unnamed
// statement is left alone.
const refusedName = "rsdata_refused"

// maxProbeMessage bounds the messages down reads while a probe is out;
// larger ones are the client's and stream through.
const maxProbeMessage = 4096

// extRoles is the relay's state for role statements in the extended
// protocol.
type extRoles struct {
	// up's alone: the role statement of each prepared statement and
	// portal that is one, by name.
	stmts   map[string]*dialect.RoleCommand
	portals map[string]*rolePortal

	// Under cwMu. failed: an ErrorResponse has come since the last
	// ReadyForQuery with none due (the server is skipping to the Sync the
	// client has not sent yet). probe: the one up waits for.
	failed bool
	probe  *probe

	downDone chan struct{} // closed when down returns
}

// rolePortal is a portal bound to a role statement.
type rolePortal struct {
	cmd *dialect.RoleCommand
	ran bool // executed once: PostgreSQL runs a portal once
}

func newExtRoles() extRoles {
	return extRoles{stmts: map[string]*dialect.RoleCommand{}, portals: map[string]*rolePortal{}, downDone: make(chan struct{})}
}

// verdict is what a probe learnt.
type verdict int

const (
	// skipped: the server skips the Execute (an error came first, or the
	// probe's own: the transaction is aborted, the portal does not exist),
	// and the client has the error.
	skipped verdict = iota + 1
	// run: everything before succeeded and the portal is the role
	// statement's; the front answers the Execute.
	run
	// forward: the portal is not the substitute (the statement was
	// replaced behind the front's back, e.g. by DEALLOCATE): the client's
	// Execute goes to the server.
	forward
)

// A probe, sent in place of an Execute of a role portal, with nothing
// after it until it is answered:
//
//	Parse(n, SELECT 1 AS "n")  ParseComplete
//	Describe(statement n)      ParameterDescription (none), RowDescription naming n
//	Close(statement n)         CloseComplete
//	Describe(portal)           NoData (the substitute's portal), or an error
//	Flush
//
// n is new for each probe, so the RowDescription can be no response of the
// client's; the messages before it are held until it comes, and dropped
// then. If anything the client sent before fails, the server skips the
// probe and the error comes instead. In an aborted transaction its Parse
// fails as the Execute would (25P02); a portal that does not exist fails
// its Describe (34000): either error is the client's answer to its Execute.
type probe struct {
	name    string
	step    int      // of probeSteps, the next response due
	held    [][]byte // responses that may be the probe's first ones
	verdict chan verdict
}

// probeSteps are the probe's responses, as matched by probe.matches.
var probeSteps = []byte{'1', 't', 'T', '3', 'n'}

func (p *probe) matches(typ byte, body []byte) bool {
	if typ != probeSteps[p.step] {
		return false
	}
	switch typ {
	case 't':
		return bytes.Equal(body, []byte{0, 0})
	case 'T':
		return bytes.Contains(body, []byte(p.name+"\x00"))
	}
	return len(body) == 0
}

// prepareRole notes a Parse of a role statement and returns what the
// server parses instead (sendSQL forgets the name's at any other Parse).
func (r *relay) prepareRole(name string, cmd *dialect.RoleCommand) string {
	r.roles.stmts[name] = cmd
	return roleSubstitute
}

// bindRole notes whether a Bind makes portal a role statement's.
func (r *relay) bindRole(portal, stmt string) {
	if cmd := r.roles.stmts[stmt]; cmd != nil {
		r.roles.portals[portal] = &rolePortal{cmd: cmd}
	} else {
		delete(r.roles.portals, portal)
	}
}

// closeRole forgets a closed statement's or portal's role statement.
func (r *relay) closeRole(c *pgproto3.Close) {
	if c.ObjectType == 'S' {
		delete(r.roles.stmts, c.Name)
	} else {
		delete(r.roles.portals, c.Name)
	}
}

// executeRole handles the Execute (body) of portal, a role statement's:
// it probes, then runs the statement and answers, or sends the refusal.
func (r *relay) executeRole(portal string, rp *rolePortal, body []byte) error {
	v, err := r.probe(portal)
	if err != nil || v == skipped {
		return err
	}
	if v == forward {
		delete(r.roles.portals, portal)
		return copyBody(r.bw, 'E', body)
	}
	var ref *Refusal
	if rp.ran {
		ref = &Refusal{Code: "55000", Message: `portal "` + portal + `" cannot be run`}
	} else {
		rp.ran = true
		ref = r.runRole(rp.cmd)
	}
	if ref != nil {
		buf, err := (&pgproto3.Parse{Name: refusedName, Query: r.refuseInBand(ref)}).Encode(nil)
		if err != nil {
			return err
		}
		_, err = r.bw.Write(buf)
		return err
	}
	buf, err := (&pgproto3.CommandComplete{CommandTag: []byte(rp.cmd.Tag())}).Encode(nil)
	if err != nil {
		return err
	}
	r.cwMu.Lock()
	defer r.cwMu.Unlock()
	if _, err := r.cw.Write(buf); err != nil {
		return err
	}
	return r.cw.Flush()
}

// probe sends a probe for an Execute of portal and waits for down's
// verdict (or for the server to hang up).
func (r *relay) probe(portal string) (verdict, error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	p := &probe{name: "rsdata_probe_" + hex.EncodeToString(b[:]), verdict: make(chan verdict, 1)}
	r.cwMu.Lock()
	if r.pending.Load() == 0 && r.roles.failed {
		// An error came, and nothing since: the server skips to the Sync.
		r.cwMu.Unlock()
		return skipped, nil
	}
	r.roles.probe = p
	r.cwMu.Unlock()
	for _, m := range []pgproto3.FrontendMessage{
		&pgproto3.Parse{Name: p.name, Query: `SELECT 1 AS "` + p.name + `"`},
		&pgproto3.Describe{ObjectType: 'S', Name: p.name},
		&pgproto3.Close{ObjectType: 'S', Name: p.name},
		&pgproto3.Describe{ObjectType: 'P', Name: portal},
		&pgproto3.Flush{},
	} {
		buf, err := m.Encode(nil)
		if err != nil {
			return 0, err
		}
		if _, err := r.bw.Write(buf); err != nil {
			return 0, err
		}
	}
	if err := r.bw.Flush(); err != nil {
		return 0, err
	}
	select {
	case v := <-p.verdict:
		return v, nil
	case <-r.roles.downDone:
		return 0, io.ErrUnexpectedEOF
	}
}

// probeMessage is down's side of a probe, called (under cwMu) for every
// message from the server before anything else sees it. It reports
// whether it dealt with the message (held, dropped or sent).
func (r *relay) probeMessage(typ byte, n int) (bool, error) {
	x := &r.roles
	if typ == 'Z' {
		x.failed = false
		return false, nil
	}
	if r.pending.Load() != 0 {
		// A response to what the client sent before its last Sync: the
		// probe, if any, comes after that Sync's ReadyForQuery.
		return false, nil
	}
	if typ == 'E' {
		x.failed = true
	}
	p := x.probe
	if p == nil || typ == 'N' || typ == 'A' || typ == 'S' {
		// Notices, notifications and parameter changes come whenever
		// they come, and go on ahead of what is held.
		return false, nil
	}
	if typ == 'E' {
		// The server skips the rest of the probe (or the error is the
		// probe's own), and the client gets the error as it is.
		err := r.releaseProbe(p)
		r.decide(skipped)
		return false, err
	}
	if n > maxProbeMessage {
		if p.step == len(probeSteps)-1 {
			// A wide RowDescription: the portal is not the substitute's.
			r.decide(forward)
			if typ == 'T' {
				_, err := r.br.Discard(n)
				return true, err
			}
			return false, nil
		}
		return false, r.releaseProbe(p)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r.br, body); err != nil {
		return true, err
	}
	msg := binary.BigEndian.AppendUint32([]byte{typ}, uint32(n+4))
	msg = append(msg, body...)
	switch {
	case p.matches(typ, body):
		p.step++
		switch p.step {
		case 1, 2:
			p.held = append(p.held, msg)
		case 3:
			// The RowDescription naming the probe: what was held was
			// its own.
			p.held = nil
		case len(probeSteps):
			r.decide(run)
		}
		return true, nil
	case p.step == len(probeSteps)-1:
		// The portal's Describe has rows: not the substitute's.
		r.decide(forward)
		if typ == 'T' {
			return true, nil
		}
		_, err := r.cw.Write(msg)
		return true, err
	case p.step > 2:
		// Cannot happen: the server answers the probe in order.
		_, err := r.cw.Write(msg)
		return true, err
	}
	// The client's: send what was held, then see whether this begins
	// the probe's responses.
	if err := r.releaseProbe(p); err != nil {
		return true, err
	}
	if p.matches(typ, body) {
		p.step++
		p.held = append(p.held, msg)
		return true, nil
	}
	_, err := r.cw.Write(msg)
	return true, err
}

// releaseProbe sends the messages held as the probe's first responses,
// which were the client's, on to it.
func (r *relay) releaseProbe(p *probe) error {
	if p.step > 2 {
		return nil
	}
	for _, m := range p.held {
		if _, err := r.cw.Write(m); err != nil {
			return err
		}
	}
	p.held, p.step = nil, 0
	return nil
}

// decide ends the probe out with v.
func (r *relay) decide(v verdict) {
	r.roles.probe.verdict <- v
	r.roles.probe = nil
}

// runRole runs cmd for the session's user (Options.Roles) and returns the
// refusal the client gets, nil when it ran.
func (r *relay) runRole(cmd *dialect.RoleCommand) *Refusal {
	ctx, cancel := context.WithTimeout(context.Background(), roleTimeout)
	defer cancel()
	err := r.s.opts.Roles(ctx, r.user, cmd)
	if err == nil {
		return nil
	}
	var ref *Refusal
	if !errors.As(err, &ref) {
		r.s.opts.Logger.Warn("PostgreSQL endpoint: role statement failed", "engine", r.s.opts.Name, "err", err)
		ref = &Refusal{Code: "XX000", Message: "the statement could not be run"}
	}
	return ref
}
