package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// FileSink appends events to a file as JSON lines, one event per line. The
// file is opened (and created, mode 0600, if missing) on the first Deliver of
// a round and synced and closed by Flush, so a renamed file (log rotation) is
// followed by a new one at the next round.
type FileSink struct {
	path string

	mu      sync.Mutex
	f       *os.File // open between the first Deliver of a round and Flush
	created bool     // f's file did not exist before: its directory entry needs a sync
}

var _ Flusher = (*FileSink)(nil)

// NewFileSink returns a sink appending to the file at path.
func NewFileSink(path string) *FileSink { return &FileSink{path: path} }

// Name implements Sink.
func (s *FileSink) Name() string { return "file " + s.path }

// Deliver implements Sink: it appends ev and a newline with one write to a
// file opened with O_APPEND, so processes sharing the file do not interleave
// lines. ev is compacted first, so that it fits on one line.
func (s *FileSink) Deliver(ctx context.Context, ev []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var line bytes.Buffer
	if err := json.Compact(&line, ev); err != nil {
		return fmt.Errorf("event is not JSON: %w", err)
	}
	line.WriteByte('\n')
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		_, err := os.Stat(s.path)
		created := errors.Is(err, fs.ErrNotExist)
		f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("open event file: %w", err)
		}
		s.f, s.created = f, created
	}
	if _, err := s.f.Write(line.Bytes()); err != nil {
		return fmt.Errorf("append to event file: %w", err)
	}
	return nil
}

// Flush implements Flusher: it syncs the file (and, for a file Deliver
// created, its directory) and closes it. It does not watch ctx: a sync
// cannot be interrupted.
func (s *FileSink) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	f, created := s.f, s.created
	s.f, s.created = nil, false
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync event file: %w", err)
	}
	if created {
		if err := syncDir(filepath.Dir(s.path)); err != nil {
			return fmt.Errorf("sync event file's directory: %w", err)
		}
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// DefaultWebhookTimeout bounds one webhook delivery when WebhookOptions sets
// no Timeout.
const DefaultWebhookTimeout = 10 * time.Second

// WebhookOptions configures a WebhookSink.
type WebhookOptions struct {
	// URL receives each event as the body of a POST; http or https.
	URL string
	// Header is sent with every request (for example Authorization).
	Header http.Header
	// Timeout bounds one delivery, response included. Default 10 s.
	Timeout time.Duration
	// Client sends the requests; default http.DefaultClient's transport.
	// Redirects are never followed, whatever the client says.
	Client *http.Client
}

// WebhookSink POSTs each event, Content-Type application/json, to a URL. A
// 2xx answer accepts the event; any other answer, a redirect included (a
// redirected POST may be replayed as a body-less GET), or no answer within
// the timeout, is an error and the event is offered again later.
type WebhookSink struct {
	url    string
	name   string
	header http.Header
	client *http.Client
}

// NewWebhookSink validates opts and returns the sink.
func NewWebhookSink(opts WebhookOptions) (*WebhookSink, error) {
	u, err := url.Parse(opts.URL)
	if err != nil {
		return nil, errors.New("event webhook: the URL does not parse")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("event webhook %s: the URL must be absolute, http or https", u.Redacted())
	}
	var client http.Client
	if opts.Client != nil {
		client = *opts.Client
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultWebhookTimeout
	}
	client.Timeout = opts.Timeout
	return &WebhookSink{url: opts.URL, name: "webhook " + u.Redacted(), header: opts.Header.Clone(), client: &client}, nil
}

// Name implements Sink; the URL's password, if any, is masked.
func (s *WebhookSink) Name() string { return s.name }

// Deliver implements Sink.
func (s *WebhookSink) Deliver(ctx context.Context, ev []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(ev))
	if err != nil {
		return err
	}
	for k, v := range s.header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	// The client's errors carry the URL without its password.
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	// Reading (a bounded part of) the body lets the connection be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return &StatusError{Code: resp.StatusCode}
	}
	return nil
}

// StatusError is a webhook's answer other than 2xx.
type StatusError struct{ Code int }

func (e *StatusError) Error() string {
	return fmt.Sprintf("webhook answered %d %s", e.Code, http.StatusText(e.Code))
}
