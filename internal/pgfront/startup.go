package pgfront

// A connection's start-up: SSLRequest (and the TLS handshake when the
// front has a certificate), GSSENCRequest, CancelRequest, then the
// StartupMessage the front relays.

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// started is a connection whose StartupMessage has come.
type started struct {
	// conn and r are the client's connection from now on: the TLS one
	// when the client asked for it.
	conn net.Conn
	r    *bufio.Reader
	// packet is the StartupMessage as received, to be relayed as it is;
	// database is the database it names (the user's name when it names
	// none, as PostgreSQL defaults it).
	packet   []byte
	database string
}

// startup reads start-up packets until a StartupMessage. An SSLRequest is
// answered 'S' and followed by a TLS handshake when the front has a
// certificate ('N' without one); a GSSENCRequest is answered 'N'; a
// CancelRequest is forwarded to the server. Anything else, each request
// asked twice, a failed handshake, or a client without TLS when the front
// requires it, ends the connection (nil). deadline bounds it all, the
// handshake's writes too.
func (s *Server) startup(client net.Conn, cr *bufio.Reader, deadline time.Time) *started {
	var sslAsked, gssAsked, secure bool
	for range 3 { // SSLRequest, GSSENCRequest, the StartupMessage
		var hdr [4]byte
		if _, err := io.ReadFull(cr, hdr[:]); err != nil {
			return nil
		}
		n := binary.BigEndian.Uint32(hdr[:])
		if n < 8 || n > maxStartupLen {
			return nil
		}
		pkt := make([]byte, n)
		copy(pkt, hdr[:])
		if _, err := io.ReadFull(cr, pkt[4:]); err != nil {
			return nil
		}
		switch code := binary.BigEndian.Uint32(pkt[4:8]); {
		case code == sslRequestCode || code == gssEncRequestCode:
			// Bytes sent before the answer would be read as if encrypted
			// by a server that said yes: refuse them, as PostgreSQL does
			// (the TLS layer reads the socket itself, never what cr
			// holds, so nothing sent in the clear can pass as encrypted).
			if n != 8 || cr.Buffered() > 0 {
				s.opts.Logger.Debug("PostgreSQL endpoint: bytes after an encryption request; closed", "engine", s.opts.Name, "client", client.RemoteAddr())
				return nil
			}
			ssl := code == sslRequestCode
			if ssl && sslAsked || !ssl && gssAsked || secure {
				s.opts.Logger.Debug("PostgreSQL endpoint: encryption requested twice; closed", "engine", s.opts.Name, "client", client.RemoteAddr())
				return nil
			}
			sslAsked, gssAsked = sslAsked || ssl, gssAsked || !ssl
			if !ssl || s.opts.TLS == nil {
				if _, err := client.Write([]byte{'N'}); err != nil {
					return nil
				}
				continue
			}
			tc, err := s.handshake(client, deadline)
			if err != nil {
				return nil
			}
			client, cr, secure = tc, bufio.NewReaderSize(tc, bufSize), true
		case code == cancelRequestCode:
			s.forwardCancel(pkt)
			return nil
		case code>>16 == 3:
			var sm pgproto3.StartupMessage
			if err := sm.Decode(pkt[4:]); err != nil {
				sendError(client, &pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "08P01",
					Message: "invalid startup packet layout"})
				return nil
			}
			database := sm.Parameters["database"]
			if database == "" {
				database = sm.Parameters["user"]
			}
			if s.opts.RequireTLS && !secure {
				// As PostgreSQL (and Redshift with require_ssl) words it.
				host, _, _ := net.SplitHostPort(client.RemoteAddr().String())
				sendError(client, &pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "28000",
					Message: fmt.Sprintf(`no pg_hba.conf entry for host "%s", user "%s", database "%s", SSL off`,
						host, sm.Parameters["user"], database)})
				return nil
			}
			return &started{conn: client, r: cr, packet: pkt, database: database}
		default:
			sendError(client, &pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "0A000",
				Message: fmt.Sprintf("unsupported frontend protocol %d.%d: server supports 3.0", code>>16, code&0xffff)})
			return nil
		}
	}
	return nil
}

// handshake answers 'S' and runs the server side of a TLS handshake on
// client within deadline (reads and writes both, so a client that stalls
// mid-handshake or stops reading is cut off).
func (s *Server) handshake(client net.Conn, deadline time.Time) (*tls.Conn, error) {
	_ = client.SetWriteDeadline(deadline)
	if _, err := client.Write([]byte{'S'}); err != nil {
		return nil, err
	}
	tc := tls.Server(client, s.opts.TLS)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		// The error names what went wrong (a protocol version, an
		// unknown certificate authority, a timeout), never a secret.
		s.opts.Logger.Debug("PostgreSQL endpoint: TLS handshake failed; closed", "engine", s.opts.Name, "client", client.RemoteAddr(), "err", err)
		return nil, err
	}
	_ = client.SetWriteDeadline(time.Time{})
	return tc, nil
}
