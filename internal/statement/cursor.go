package statement

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// window is one page of a newest-first listing (statements or sessions):
// at most limit items after the position a NextToken names.
type window struct {
	limit int
	after *Cursor
}

func newWindow(maxResults int, token string) (window, error) {
	w := window{limit: maxResults}
	if w.limit <= 0 || w.limit > MaxListResults {
		w.limit = MaxListResults
	}
	if token != "" {
		c, ok := decodeCursor(token)
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
	return list, encodeCursor(key(list[w.limit-1]))
}

func encodeCursor(c Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte("l1:" + strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + ":" + c.ID))
}

func decodeCursor(tok string) (*Cursor, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return nil, false
	}
	parts := strings.SplitN(string(raw), ":", 3)
	if len(parts) != 3 || parts[0] != "l1" {
		return nil, false
	}
	us, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return nil, false
	}
	return &Cursor{CreatedAt: time.UnixMicro(us).UTC(), ID: parts[2]}, true
}
