package pgfront

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/rsdata/rsdata/internal/dialect"
)

// Defaults of Options.
const (
	DefaultMaxConns       = 200
	DefaultStartupTimeout = 60 * time.Second
	defaultDialTimeout    = 10 * time.Second
)

// Options configures a front.
type Options struct {
	// Name names the engine in logs ("cluster local").
	Name string
	// Backend is the host:port of the PostgreSQL server behind the front.
	// It must ask for passwords over TCP: the front relays authentication
	// and checks none itself.
	Backend string
	// Translator translates Query and Parse messages; nil passes SQL
	// through untouched.
	Translator Translator
	// MaxConns bounds the connections relayed at once (DefaultMaxConns
	// when 0). One more gets an ErrorResponse and is closed.
	MaxConns int
	// StartupTimeout bounds how long a new connection may take to send its
	// start-up packet and finish authenticating (DefaultStartupTimeout when
	// 0), so a silent client cannot hold a slot.
	StartupTimeout time.Duration
	// Authenticated, when set, runs once a client has logged in, with the
	// database its start-up names, before the client learns it may send
	// queries (its first ReadyForQuery is held until it returns): rsdata
	// installs the Redshift functions and views there, so a psql session
	// finds them even in a database the Data API never used. It runs only
	// for logged-in clients, so nobody unauthenticated can make rsdata
	// connect anywhere.
	Authenticated func(ctx context.Context, database string)
	// Roles, when set, runs a user or group statement (CREATE USER, ALTER
	// GROUP, ...) that a RoleParser Translator recognises, for user, the
	// session's authenticated user, and returns nil, a *Refusal for the
	// client, or another error (logged; the client gets a generic one).
	// Without it such statements go to the server like any other.
	Roles func(ctx context.Context, user string, cmd *dialect.RoleCommand) error
	// TLS, when set, is the server side of TLS (TLSConfig): an SSLRequest
	// is answered 'S' and the connection goes on over TLS. Nil answers
	// 'N', and clients go on in the clear or give up.
	TLS *tls.Config
	// RequireTLS refuses, as PostgreSQL's pg_hba.conf hostssl does, a
	// client that starts up without TLS (Redshift's require_ssl).
	RequireTLS bool
	Logger     *slog.Logger
}

// Server is one engine's front. Serve accepts connections until Close.
type Server struct {
	opts  Options
	slots chan struct{} // one per relayed connection

	mu      sync.Mutex
	ln      net.Listener
	conns   map[net.Conn]struct{}
	closed  bool
	failure error // why Serve stopped, when not by Close
	// handlers counts connection goroutines, admitted or not: a flood of
	// connections that never finish their start-up is bounded too.
	handlers int
	wg       sync.WaitGroup
}

// New returns a front; Serve starts it.
func New(opts Options) *Server {
	if opts.MaxConns <= 0 {
		opts.MaxConns = DefaultMaxConns
	}
	if opts.StartupTimeout <= 0 {
		opts.StartupTimeout = DefaultStartupTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Translator == nil {
		opts.Translator = Dialect("postgres")
	}
	return &Server{opts: opts, slots: make(chan struct{}, opts.MaxConns), conns: map[net.Conn]struct{}{}}
}

// ErrServerClosed is Serve's answer after Close.
var ErrServerClosed = errors.New("pgfront: server closed")

// Serve accepts connections on ln until Close, and relays each one on its
// own goroutines. It returns ErrServerClosed after Close; any other error
// means the front died, which Err reports from then on.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.ln = ln
	s.mu.Unlock()
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			if retryableAccept(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.opts.Logger.Warn("PostgreSQL endpoint: accept failed; retrying", "engine", s.opts.Name, "err", err, "in", backoff)
				time.Sleep(backoff)
				continue
			}
			s.mu.Lock()
			s.failure = err
			s.mu.Unlock()
			s.opts.Logger.Error("PostgreSQL endpoint stopped", "engine", s.opts.Name, "err", err)
			return err
		}
		backoff = 0
		if !s.track(c) {
			c.Close()
			continue
		}
		go s.handle(c)
	}
}

// retryableAccept: out of file descriptors, or a timeout, passes; the
// listener itself is fine.
func retryableAccept(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

// track registers a new connection's goroutine, refusing it when Close has
// begun or when twice MaxConns goroutines already run (connections beyond
// that are closed without a word: they could only be told the limit).
func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.handlers >= 2*s.opts.MaxConns {
		return false
	}
	s.handlers++
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers--
	delete(s.conns, c)
	s.wg.Done()
}

// addConn registers a backend connection so Close closes it too; false
// when Close has begun.
func (s *Server) addConn(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) dropConn(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Close stops accepting, closes every connection (clients see their
// connection end, as when the server shuts down) and waits, within ctx,
// for every goroutine of the front to end. Idempotent.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	if s.ln != nil {
		s.ln.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Err is nil while the front serves (or was closed by Close), and why it
// stopped when its listener failed: readiness reports the engine down.
func (s *Server) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failure
}

// Addr is the listener's address, once Serve has it.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}
