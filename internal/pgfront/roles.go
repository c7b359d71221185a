package pgfront

// Redshift's user and group DDL through the front: psql's CREATE USER is a
// simple Query the front answers itself, having had rsdata run it
// (Options.Roles), since the master user is no PostgreSQL superuser and
// the server would refuse it.

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/rsdata/rsdata/internal/dialect"
)

// RoleParser is a Translator that recognises role statements (CREATE
// USER, ALTER GROUP, ...) for Options.Roles to run.
type RoleParser interface {
	// ParseRole returns the role statement sql is, nil when it is none; a
	// *Refusal when it is one that cannot run (a syntax error, a bad
	// password, other statements with it).
	ParseRole(sql string) (*dialect.RoleCommand, error)
}

// ParseRole implements RoleParser.
func (d Dialect) ParseRole(sql string) (*dialect.RoleCommand, error) {
	cmd, err := dialect.ParseRole(dialect.Mode(d), sql)
	if ref, ok := errors.AsType[*dialect.Refusal](err); ok {
		return nil, &Refusal{Code: ref.Code, Message: ref.Message}
	}
	return cmd, err
}

// parseRole is the role statement sql is, when the Translator is a
// RoleParser and Options.Roles is set; nil otherwise.
func (r *relay) parseRole(sql string) (*dialect.RoleCommand, error) {
	rp, ok := r.s.opts.Translator.(RoleParser)
	if !ok || r.s.opts.Roles == nil {
		return nil, nil
	}
	return rp.ParseRole(sql)
}

// roleTimeout bounds Options.Roles.
const roleTimeout = 30 * time.Second

// startupUser is the user a StartupMessage (with its length) names: the
// server authenticates exactly that user before the relay begins.
func startupUser(pkt []byte) string {
	var sm pgproto3.StartupMessage
	if len(pkt) < 8 || sm.Decode(pkt[4:]) != nil {
		return ""
	}
	return sm.Parameters["user"]
}

// roleQuery handles a Query whose SQL is a role statement. It returns the
// SQL to send the server instead ("" when the front answered the client
// itself, nothing going to the server).
//
// It is run through Options.Roles when nothing is in flight, so the
// client's next ReadyForQuery is the front's own: its CommandComplete
// carries PostgreSQL's tag, and the ReadyForQuery the session's
// transaction status, which the statement leaves as it was (it commits on
// its own, whatever block is open). A failure is the refusal answered
// alone when idle, or sent in band inside a transaction, which it aborts
// as the server's own error would. In a failed transaction it is ignored,
// as the server ignores every command there. A Query behind others still
// in flight is refused in band. (A Parse of one is roleprobe.go's.)
func (r *relay) roleQuery(cmd *dialect.RoleCommand) string {
	r.cwMu.Lock()
	defer r.cwMu.Unlock()
	status := byte(r.status.Load())
	if r.pending.Load() != 0 {
		return r.refuseInBand(&Refusal{Code: "0A000", Message: cmd.Verb.String() + " cannot be pipelined: send it once earlier queries have completed"})
	}
	var ref *Refusal
	if status == 'E' {
		ref = &Refusal{Code: "25P02", Message: "current transaction is aborted, commands ignored until end of transaction block"}
	} else {
		ref = r.runRole(cmd)
	}
	var buf []byte
	var err error
	if ref != nil {
		if status == 'T' {
			return r.refuseInBand(ref)
		}
		buf, err = (&pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: ref.Code, Message: ref.Message}).Encode(nil)
	} else {
		buf, err = (&pgproto3.CommandComplete{CommandTag: []byte(cmd.Tag())}).Encode(nil)
	}
	if err == nil {
		buf, err = (&pgproto3.ReadyForQuery{TxStatus: status}).Encode(buf)
	}
	if err == nil {
		_, _ = r.cw.Write(buf)
		_ = r.cw.Flush()
	}
	return ""
}
