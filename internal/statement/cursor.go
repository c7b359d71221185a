package statement

import (
	"strconv"
	"strings"
	"time"

	"github.com/rsdata/rsdata/internal/pagetoken"
)

// window is one page of a newest-first listing (statements or sessions):
// at most limit items after the position a NextToken names. Its tokens are
// minted for one listing (kind), so one listing's token is refused by
// another.
type window struct {
	limit  int
	after  *Cursor
	tokens *pagetoken.Codec
	kind   string
}

func newWindow(tokens *pagetoken.Codec, kind string, maxResults int, token string) (window, error) {
	w := window{limit: maxResults, tokens: tokens, kind: kind}
	if w.limit <= 0 || w.limit > MaxListResults {
		w.limit = MaxListResults
	}
	if token != "" {
		c, ok := w.decodeCursor(token)
		if !ok {
			return w, ErrBadToken
		}
		w.after = c
	}
	return w, nil
}

// fetch is how many items to ask the store for: one more than the page,
// to learn whether another page follows.
func (w window) fetch() int { return w.limit + 1 }

// cut trims a fetched list to the page and returns the NextToken ("" on
// the last page).
func cut[T any](w window, list []T, key func(T) Cursor) ([]T, string) {
	if len(list) <= w.limit {
		return list, ""
	}
	list = list[:w.limit]
	return list, w.encodeCursor(key(list[w.limit-1]))
}

func (w window) encodeCursor(c Cursor) string {
	return w.tokens.Encode(w.kind, strconv.FormatInt(c.CreatedAt.UnixMicro(), 10)+":"+c.ID)
}

func (w window) decodeCursor(tok string) (*Cursor, bool) {
	payload, ok := w.tokens.Decode(w.kind, tok)
	if !ok {
		return nil, false
	}
	us, id, ok := strings.Cut(payload, ":")
	if !ok {
		return nil, false
	}
	n, err := strconv.ParseInt(us, 10, 64)
	if err != nil {
		return nil, false
	}
	return &Cursor{CreatedAt: time.UnixMicro(n).UTC(), ID: id}, true
}
