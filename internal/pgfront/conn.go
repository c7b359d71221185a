package pgfront

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Start-up packet codes (the protocol version field of a StartupMessage).
const (
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
	cancelRequestCode = 80877102
	// maxStartupLen is PostgreSQL's own bound on a start-up packet.
	maxStartupLen = 10000
	// maxSQLMessage bounds the Query and Parse messages the front holds to
	// translate; every other message streams through whatever its size.
	maxSQLMessage = 64 << 20
	// maxErrorMessage bounds an ErrorResponse held to be reworded; a larger
	// one streams through as it is.
	maxErrorMessage = 1 << 20
	bufSize         = 32 << 10
)

// handle serves one client connection: its start-up, then the relay.
func (s *Server) handle(client net.Conn) {
	defer s.untrack(client)
	defer client.Close()
	deadline := time.Now().Add(s.opts.StartupTimeout)
	_ = client.SetReadDeadline(deadline)
	st := s.startup(client, bufio.NewReaderSize(client, bufSize), deadline)
	if st == nil {
		return
	}
	// From here on the client's connection is the TLS one when it asked.
	client, cr, startup, database := st.conn, st.r, st.packet, st.database
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		// As Redshift words its own limit; the client may retry later.
		sendError(client, &pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "53300",
			Message: fmt.Sprintf(`connection limit "%d" exceeded for non-bootstrap users`, s.opts.MaxConns)})
		return
	}
	backend, err := net.DialTimeout("tcp", s.opts.Backend, defaultDialTimeout)
	if err != nil {
		s.opts.Logger.Warn("PostgreSQL endpoint: the server behind it is unreachable", "engine", s.opts.Name, "err", err)
		sendError(client, &pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "57P03",
			Message: "the database system is not accepting connections"})
		return
	}
	if !s.addConn(backend) {
		backend.Close()
		return
	}
	defer s.dropConn(backend)
	defer backend.Close()
	if _, err := backend.Write(startup); err != nil {
		return
	}
	r := &relay{s: s, client: client, backend: backend, cr: cr,
		br: bufio.NewReaderSize(backend, bufSize), bw: bufio.NewWriterSize(backend, bufSize),
		cw: bufio.NewWriterSize(client, bufSize), refused: map[string]*Refusal{}, database: database, user: startupUser(startup),
		stmtAfter: map[string]string{}, portalAfter: map[string]string{}, roles: newExtRoles()}
	// The start-up's ReadyForQuery is the first one due.
	r.expect(due{})
	down := r.roles.downDone
	go func() {
		defer close(down)
		r.down()
		// The server hung up: so does the client's side.
		client.Close()
	}()
	r.up()
	backend.Close()
	<-down
}

// forwardCancel sends a CancelRequest, as received, to the server, which
// matches its process id and secret key (relayed to the client in
// BackendKeyData) and cancels that session's statement. Like PostgreSQL,
// the front answers nothing.
func (s *Server) forwardCancel(pkt []byte) {
	c, err := net.DialTimeout("tcp", s.opts.Backend, defaultDialTimeout)
	if err != nil {
		return
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(defaultDialTimeout))
	if _, err := c.Write(pkt); err != nil {
		return
	}
	// The server closes the connection once it has read the request.
	_, _ = io.Copy(io.Discard, c)
}

// sendError writes one ErrorResponse, for a connection the front ends.
func sendError(w io.Writer, e *pgproto3.ErrorResponse) {
	buf, err := e.Encode(nil)
	if err == nil {
		_, _ = w.Write(buf)
	}
}

// relay is one connection past its start-up: up carries the client's
// messages to the server, down the server's to the client.
type relay struct {
	s               *Server
	client, backend net.Conn
	cr, br          *bufio.Reader
	bw              *bufio.Writer // to the server; up's alone

	cwMu sync.Mutex // cw: down writes, and up when it answers a refusal itself
	cw   *bufio.Writer

	// pending counts ReadyForQuery messages due: one per Query, Sync and
	// FunctionCall sent, and the start-up's. status is the transaction
	// status of the last one ('I' idle, 'T' in a transaction, 'E' failed).
	pending atomic.Int64
	status  atomic.Uint32
	ready   atomic.Bool

	refusedMu sync.Mutex
	refused   map[string]*Refusal // by marker (refuseInBand)

	database string // the start-up's, for Options.Authenticated
	user     string // the start-up's, for Options.Roles

	// follows has one entry per ReadyForQuery due, in order: what the
	// front added to the Query or Sync it ends, whose responses the client
	// must not see. A Query's "DO" completion is held in heldDO until the
	// next message shows it was the last before ReadyForQuery; the
	// responses that may be a Sync's injected sets are held in tail.
	followsMu sync.Mutex
	follows   []due
	heldDO    []byte
	tail      [][]byte

	// up's alone: the Follower's statement of each prepared statement and
	// portal that has one, by name, and those of the portals executed
	// since the last Sync, to run before it.
	stmtAfter, portalAfter map[string]string
	executed               []string

	roles extRoles // role statements in the extended protocol (roleprobe.go)
}

// due is one ReadyForQuery due, and what the front added before it.
type due struct {
	followed bool // a Query with a Follower's statement appended
	injected int  // a Sync preceded by that many injectedSet sequences
}

// expect records one more ReadyForQuery due.
func (r *relay) expect(d due) {
	r.pending.Add(1)
	r.followsMu.Lock()
	r.follows = append(r.follows, d)
	r.followsMu.Unlock()
}

// following returns what the front added before the ReadyForQuery due next.
func (r *relay) following() due {
	r.followsMu.Lock()
	defer r.followsMu.Unlock()
	if len(r.follows) == 0 {
		return due{}
	}
	return r.follows[0]
}

// readied drops the entry of the ReadyForQuery that came.
func (r *relay) readied() {
	r.followsMu.Lock()
	if len(r.follows) > 0 {
		r.follows = r.follows[1:]
	}
	r.followsMu.Unlock()
}

var errProtocol = errors.New("protocol violation")

// authenticatedHookTimeout bounds Options.Authenticated: a slow install
// delays a new session's first query, never forever.
const authenticatedHookTimeout = 30 * time.Second

// readHeader reads a message's type and the length of its body.
func readHeader(r *bufio.Reader) (byte, int, error) {
	hdr, err := r.Peek(5)
	if err != nil {
		return 0, 0, err
	}
	typ, n := hdr[0], int(binary.BigEndian.Uint32(hdr[1:5]))
	if n < 4 {
		return 0, 0, errProtocol
	}
	_, _ = r.Discard(5)
	return typ, n - 4, nil
}

// copyMessage writes a message's header and streams its body through.
func copyMessage(w *bufio.Writer, r *bufio.Reader, typ byte, n int) error {
	var hdr [5]byte
	hdr[0] = typ
	binary.BigEndian.PutUint32(hdr[1:], uint32(n+4))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := io.CopyN(w, r, int64(n))
	return err
}

// up relays the client's messages until either side closes; it
// translates Query and Parse messages.
func (r *relay) up() {
	for {
		typ, n, err := readHeader(r.cr)
		if err != nil {
			return
		}
		switch typ {
		case 'Q', 'P':
			if n > maxSQLMessage {
				r.fatal("54000", fmt.Sprintf("statement of %d bytes is larger than the %d bytes the endpoint accepts", n, maxSQLMessage))
				return
			}
			body := make([]byte, n)
			if _, err := io.ReadFull(r.cr, body); err != nil {
				return
			}
			if err := r.sendSQL(typ, body); err != nil {
				return
			}
		case 'S':
			if err := r.sync(n); err != nil {
				return
			}
		case 'F':
			r.expect(due{})
			if err := copyMessage(r.bw, r.cr, typ, n); err != nil {
				return
			}
		case 'B':
			if err := r.bind(n); err != nil {
				return
			}
		case 'E', 'C':
			if err := r.executeOrClose(typ, n); err != nil {
				return
			}
		case 'X':
			_ = copyMessage(r.bw, r.cr, typ, n)
			_ = r.bw.Flush()
			return
		default:
			if err := copyMessage(r.bw, r.cr, typ, n); err != nil {
				return
			}
		}
		// Flush once the client has nothing more buffered, so a pipeline
		// of messages (Parse, Bind, Execute, Sync) goes out in one write.
		if r.cr.Buffered() == 0 {
			if err := r.bw.Flush(); err != nil {
				return
			}
		}
	}
}

// sendSQL translates a Query or Parse message and sends what the server
// should run.
func (r *relay) sendSQL(typ byte, body []byte) error {
	var q pgproto3.Query
	var p pgproto3.Parse
	var sql string
	if typ == 'Q' {
		if err := q.Decode(body); err != nil {
			return err
		}
		sql = q.String
	} else {
		if err := p.Decode(body); err != nil {
			return err
		}
		sql = p.Query
	}
	out, err := r.s.opts.Translator.Translate(sql)
	cmd, rerr := r.parseRole(sql)
	switch {
	case rerr != nil:
		err = rerr
	case cmd != nil && typ == 'P':
		out, err = r.prepareRole(p.Name, cmd), nil
	case cmd != nil:
		if out = r.roleQuery(cmd); out == "" {
			return nil
		}
	}
	if typ == 'P' && (cmd == nil || rerr != nil) {
		delete(r.roles.stmts, p.Name)
	}
	if err != nil {
		ref := asRefusal(err)
		if typ == 'Q' && r.answerRefusal(ref) {
			return nil
		}
		out = r.refuseInBand(ref)
	}
	followed := false
	after := ""
	if f, ok := r.s.opts.Translator.(Follower); ok && err == nil {
		after = f.After(sql)
	}
	switch {
	case typ == 'Q' && after != "":
		// After a line break, so a trailing line comment cannot
		// swallow it; an empty statement before it is harmless.
		out += "\n;" + after
		followed = true
	case typ == 'P' && after != "":
		r.stmtAfter[p.Name] = after
	case typ == 'P':
		delete(r.stmtAfter, p.Name)
	}
	if typ == 'Q' {
		r.expect(due{followed: followed})
		// It replaces the unnamed statement and portal.
		delete(r.roles.stmts, "")
		delete(r.roles.portals, "")
	}
	if out == sql {
		return copyBody(r.bw, typ, body)
	}
	var msg []byte
	if typ == 'Q' {
		q.String = out
		msg, err = q.Encode(nil)
	} else {
		p.Query = out
		msg, err = p.Encode(nil)
	}
	if err != nil {
		return err
	}
	_, err = r.bw.Write(msg)
	return err
}

func copyBody(w *bufio.Writer, typ byte, body []byte) error {
	var hdr [5]byte
	hdr[0] = typ
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(body)+4))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := w.Write(body)
	return err
}

func asRefusal(err error) *Refusal {
	var ref *Refusal
	if errors.As(err, &ref) {
		return ref
	}
	return &Refusal{Code: "XX000", Message: err.Error()}
}

// answerRefusal answers a refused Query itself, the statement never
// reaching the server, when that cannot put the client and the server out
// of step: nothing is in flight (every ReadyForQuery due has come) and no
// transaction is open (Redshift would abort it; the server would not know).
// Otherwise it returns false and the refusal goes in band.
func (r *relay) answerRefusal(ref *Refusal) bool {
	r.cwMu.Lock()
	defer r.cwMu.Unlock()
	if r.pending.Load() != 0 || r.status.Load() != 'I' {
		return false
	}
	e := &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: ref.Code, Message: ref.Message}
	buf, err := e.Encode(nil)
	if err != nil {
		return false
	}
	buf, _ = (&pgproto3.ReadyForQuery{TxStatus: 'I'}).Encode(buf)
	_, _ = r.cw.Write(buf)
	_ = r.cw.Flush()
	return true
}

// markerPrefix starts the column name of a refusal sent in band.
const markerPrefix = "rsdata_refused_"

// refuseInBand returns SQL that the server refuses while parsing it, in
// order with whatever is in flight and with the transaction state the
// client expects (an open transaction is aborted, a pipeline stops at the
// error): a column reference that cannot exist, named by a marker that
// down recognises in the ErrorResponse and replaces with the refusal's
// SQLSTATE and message.
func (r *relay) refuseInBand(ref *Refusal) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	marker := markerPrefix + hex.EncodeToString(b[:])
	r.refusedMu.Lock()
	r.refused[marker] = ref
	r.refusedMu.Unlock()
	return `SELECT "` + marker + `"`
}

// fatal tells the client why the front ends its connection.
func (r *relay) fatal(code, msg string) {
	r.cwMu.Lock()
	defer r.cwMu.Unlock()
	sendError(r.cw, &pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: msg})
	_ = r.cw.Flush()
}

// layoutName names the front's own prepared statement and portal, which
// run a Follower's statement after an Execute: a client's own names are
// never touched.
const layoutName = "rsdata_layout"

// maxNamedMessage bounds the Execute and Close messages up decodes to
// follow portal names; a larger one streams through as it is.
const maxNamedMessage = 4096

// injectedSet is what the front sends before a Sync for each Follower's
// statement due: Close first, so a set cut short (a cancelled statement)
// cannot leave the name taken, and after, so nothing lingers in the
// session. Closing a name that does not exist is not an error.
func injectedSet(after string) []pgproto3.FrontendMessage {
	return []pgproto3.FrontendMessage{
		&pgproto3.Close{ObjectType: 'P', Name: layoutName},
		&pgproto3.Close{ObjectType: 'S', Name: layoutName},
		&pgproto3.Parse{Name: layoutName, Query: after},
		&pgproto3.Bind{DestinationPortal: layoutName, PreparedStatement: layoutName},
		&pgproto3.Execute{Portal: layoutName},
		&pgproto3.Close{ObjectType: 'P', Name: layoutName},
		&pgproto3.Close{ObjectType: 'S', Name: layoutName},
	}
}

// injectedResponses are the server's responses to one injectedSet, in
// order (a CommandComplete's body is its tag).
var injectedResponses = []struct {
	typ  byte
	body string
}{{'3', ""}, {'3', ""}, {'1', ""}, {'2', ""}, {'C', "DO\x00"}, {'3', ""}, {'3', ""}}

// sync sends, before the client's Sync, an injectedSet for each distinct
// Follower's statement of the portals executed since the last one (kept
// once each, so a client executing without Sync holds no more than its
// distinct statements). When
// an error earlier in the batch makes the server skip to the Sync, they
// are skipped too: they run only if everything before them succeeded, in
// the same transaction.
func (r *relay) sync(n int) error {
	sets := r.executed
	r.executed = nil
	r.expect(due{injected: len(sets)})
	for _, after := range sets {
		for _, m := range injectedSet(after) {
			buf, err := m.Encode(nil)
			if err != nil {
				return err
			}
			if _, err := r.bw.Write(buf); err != nil {
				return err
			}
		}
	}
	return copyMessage(r.bw, r.cr, 'S', n)
}

// bind relays a Bind, noting whether its portal runs a statement with a
// Follower's statement. Only the two names are read; the parameters,
// whatever their size, stream through.
func (r *relay) bind(n int) error {
	portal, err := readCString(r.cr, &n)
	if err != nil {
		return err
	}
	stmt, err := readCString(r.cr, &n)
	if err != nil {
		return err
	}
	if after := r.stmtAfter[stmt]; after != "" {
		r.portalAfter[portal] = after
	} else {
		delete(r.portalAfter, portal)
	}
	r.bindRole(portal, stmt)
	var hdr [5]byte
	hdr[0] = 'B'
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(portal)+1+len(stmt)+1+n+4))
	for _, b := range [][]byte{hdr[:], []byte(portal), {0}, []byte(stmt), {0}} {
		if _, err := r.bw.Write(b); err != nil {
			return err
		}
	}
	_, err = io.CopyN(r.bw, r.cr, int64(n))
	return err
}

// readCString reads a NUL-terminated string of at most *n bytes with its
// NUL, and counts them off *n.
func readCString(cr *bufio.Reader, n *int) (string, error) {
	var b []byte
	for *n > 0 {
		c, err := cr.ReadByte()
		if err != nil {
			return "", err
		}
		*n--
		if c == 0 {
			return string(b), nil
		}
		b = append(b, c)
	}
	return "", errProtocol
}

// executeOrClose relays an Execute, noting a Follower's statement due
// before the next Sync, or a Close, forgetting the closed name's.
func (r *relay) executeOrClose(typ byte, n int) error {
	if n > maxNamedMessage {
		return copyMessage(r.bw, r.cr, typ, n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r.cr, body); err != nil {
		return err
	}
	if typ == 'E' {
		var e pgproto3.Execute
		if e.Decode(body) == nil {
			if rp := r.roles.portals[e.Portal]; rp != nil {
				return r.executeRole(e.Portal, rp, body)
			}
			if after := r.portalAfter[e.Portal]; after != "" && !slices.Contains(r.executed, after) {
				r.executed = append(r.executed, after)
			}
		}
	} else {
		var c pgproto3.Close
		if c.Decode(body) == nil {
			r.closeRole(&c)
			switch c.ObjectType {
			case 'S':
				delete(r.stmtAfter, c.Name)
			case 'P':
				delete(r.portalAfter, c.Name)
			}
		}
	}
	return copyBody(r.bw, typ, body)
}
