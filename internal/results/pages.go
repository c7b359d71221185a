package results

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/klauspost/compress/s2"

	"github.com/rsdata/rsdata/internal/pagetoken"
)

// PageStore keeps result pages durably. Pages are numbered from 0.
type PageStore interface {
	// PutPage stores page n of a statement's result; it is durable when
	// PutPage returns. Storing the same page again replaces it.
	PutPage(ctx context.Context, statementID string, n int, data []byte) error
	// Page returns page n as stored, or ErrPageNotFound.
	Page(ctx context.Context, statementID string, n int) ([]byte, error)
	// DeletePages removes every page of the statement; it is idempotent.
	DeletePages(ctx context.Context, statementID string) error
}

// ErrPageNotFound is returned for a page that was never stored or has been
// removed.
var ErrPageNotFound = errors.New("result page not found")

// LimitError reports a result that broke a size limit.
type LimitError struct {
	What  string // "row" or "result"
	Limit int64
}

func (e *LimitError) Error() string {
	if e.What == "row" {
		return fmt.Sprintf("ERROR: Packet for query is too large: a result row exceeds the maximum row size of %d bytes", e.Limit)
	}
	return fmt.Sprintf("ERROR: Query result exceeds the maximum result size of %d bytes; use UNLOAD or a narrower query", e.Limit)
}

// Limits bounds what a Writer accepts.
type Limits struct {
	// PageBytes is the encoded size at which a page is cut.
	PageBytes int
	// MaxRowBytes is the largest encoded row accepted (AWS: 64 KB).
	MaxRowBytes int
	// MaxResultBytes is the largest encoded result accepted (AWS: 500 MB).
	MaxResultBytes int64
	// StrictPages cuts a page before a record would take it past
	// PageBytes (CSV chunks are at most 1 MB); otherwise a page is cut
	// after the record that fills it.
	StrictPages bool
	// Separator goes between records in a page: "," for JSON records,
	// nothing for CSV lines, which end themselves.
	Separator string
}

// DefaultLimits are AWS's limits with pages of about 1 MiB.
var DefaultLimits = Limits{PageBytes: 1 << 20, MaxRowBytes: 64 << 10, MaxResultBytes: 500 << 20, Separator: ","}

// Summary describes a fully written result.
type Summary struct {
	Rows  int64
	Bytes int64
	Pages int
}

// Writer cuts a stream of encoded records into pages and stores each page
// as soon as it is full, so a result is never held whole in memory; the
// last page is handed back by Close. A full page is stored in the
// background while the next one fills: at most one store write is in
// flight, and its failure is returned by the next Add or by Close.
type Writer struct {
	store PageStore
	id    string
	lim   Limits
	buf   []byte
	sum   Summary
	// cbuf is the buffer the next page is compressed into; spare is the
	// other one, which the write in flight (if any) is storing.
	cbuf, spare []byte
	inFlight    chan error // the write in flight's result; nil when none
}

// NewWriter returns a Writer storing pages for statement id.
func NewWriter(store PageStore, id string, lim Limits) *Writer {
	if lim.PageBytes <= 0 {
		lim.PageBytes = DefaultLimits.PageBytes
	}
	return &Writer{store: store, id: id, lim: lim}
}

// AddHeader appends a record that is not a row (a CSV header line): it
// takes page space and bytes but is not counted in Rows.
func (w *Writer) AddHeader(ctx context.Context, rec []byte) error {
	if err := w.Add(ctx, rec); err != nil {
		return err
	}
	w.sum.Rows--
	return nil
}

// Add appends one encoded record, storing a page when it fills up.
func (w *Writer) Add(ctx context.Context, rec []byte) error {
	if w.lim.MaxRowBytes > 0 && len(rec) > w.lim.MaxRowBytes {
		return &LimitError{What: "row", Limit: int64(w.lim.MaxRowBytes)}
	}
	if w.lim.MaxResultBytes > 0 && w.sum.Bytes+int64(len(rec)) > w.lim.MaxResultBytes {
		return &LimitError{What: "result", Limit: w.lim.MaxResultBytes}
	}
	if w.lim.StrictPages && len(w.buf) > 0 && len(w.buf)+len(rec) > w.lim.PageBytes {
		if err := w.flush(ctx); err != nil {
			return err
		}
	}
	if len(w.buf) > 0 {
		w.buf = append(w.buf, w.lim.Separator...)
	}
	w.buf = append(w.buf, rec...)
	w.sum.Rows++
	w.sum.Bytes += int64(len(rec))
	if len(w.buf) >= w.lim.PageBytes {
		return w.flush(ctx)
	}
	return nil
}

func (w *Writer) flush(ctx context.Context) error {
	if len(w.buf) == 0 {
		return nil
	}
	if err := w.wait(); err != nil {
		return err
	}
	// s2 costs little CPU and shrinks JSON records several times over,
	// which is what the store's write path is bound by.
	data := s2.Encode(w.cbuf[:cap(w.cbuf)], w.buf)
	n := w.sum.Pages
	done := make(chan error, 1)
	go func() { done <- w.store.PutPage(ctx, w.id, n, data) }()
	w.inFlight = done
	w.cbuf, w.spare = w.spare, data
	w.sum.Pages++
	w.buf = w.buf[:0]
	return nil
}

// wait waits for the write in flight, if any, and returns its error.
func (w *Writer) wait() error {
	if w.inFlight == nil {
		return nil
	}
	err := <-w.inFlight
	w.inFlight = nil
	return err
}

// Reset drops what was written so far.
func (w *Writer) Reset(ctx context.Context) error {
	// A page still being stored would land after the delete.
	if err := w.wait(); err != nil {
		return err
	}
	w.buf = w.buf[:0]
	if w.sum.Pages > 0 {
		if err := w.store.DeletePages(ctx, w.id); err != nil {
			return err
		}
	}
	w.sum = Summary{}
	return nil
}

// LastPage is a result's last page, which Close hands back instead of
// storing it.
type LastPage struct {
	N int
	// Data is the page as the PageStore keeps it (compressed).
	Data []byte
	// Records is the page's records, uncompressed.
	Records []byte
}

// Close ends the result: it waits for the page write in flight and returns
// its error, or the result's summary, whose Pages counts the last page, and
// that last page, which Close does not store: the caller stores it in the
// same write as the statement's final state, so a small result costs one
// store round trip, not two. last is nil when the result has no rows.
// Close must be called even when the statement failed, before its pages
// are deleted.
func (w *Writer) Close() (sum Summary, last *LastPage, err error) {
	if err := w.wait(); err != nil {
		return w.sum, nil, err
	}
	if len(w.buf) > 0 {
		last = &LastPage{N: w.sum.Pages, Data: s2.Encode(nil, w.buf), Records: w.buf}
		w.sum.Pages++
	}
	w.buf, w.cbuf, w.spare = nil, nil, nil
	return w.sum, last, nil
}

// ReadPage returns page n's records, comma-separated, ready to be placed
// between "[" and "]".
func ReadPage(ctx context.Context, store PageStore, id string, n int) ([]byte, error) {
	data, err := store.Page(ctx, id, n)
	if err != nil {
		return nil, err
	}
	out, err := s2.Decode(nil, data)
	if err != nil {
		return nil, fmt.Errorf("result page %d of %s is corrupt: %w", n, id, err)
	}
	return out, nil
}

// tokenKind names result-page tokens to pagetoken.
const tokenKind = "results/page"

// NextToken returns the opaque token for page n of statement id, minted
// with tokens. Tokens are bound to their statement: DecodeToken refuses one
// issued for another, and any token tokens did not mint.
func NextToken(tokens *pagetoken.Codec, id string, n int) string {
	return tokens.Encode(tokenKind, id+":"+strconv.Itoa(n))
}

// DecodeToken returns the page a token names; ok is false when the token
// is not one tokens minted or belongs to another statement.
func DecodeToken(tokens *pagetoken.Codec, tok, id string) (n int, ok bool) {
	payload, ok := tokens.Decode(tokenKind, tok)
	if !ok {
		return 0, false
	}
	rest, found := strings.CutPrefix(payload, id+":")
	if !found {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
