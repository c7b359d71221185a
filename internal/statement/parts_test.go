package statement

import (
	"encoding/base64"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/pagetoken"
)

func TestCursorRoundTrip(t *testing.T) {
	tokens := pagetoken.Random()
	w, _ := newWindow(tokens, "statement/ListStatements", 1, "")
	c := Cursor{CreatedAt: time.Date(2026, 12, 4, 18, 0, 0, 123456000, time.UTC), ID: "a:b:c"}
	got, ok := w.decodeCursor(w.encodeCursor(c))
	if !ok || !got.CreatedAt.Equal(c.CreatedAt) || got.ID != c.ID {
		t.Fatalf("round trip: %v %v", got, ok)
	}
	// The plain tokens of earlier versions, and another listing's token,
	// are refused.
	other, _ := newWindow(tokens, "statement/ListSessions", 1, "")
	for _, bad := range []string{"", "!!", encodeB64("l1:1:x"), encodeB64("l1:x:y"), other.encodeCursor(c)} {
		if _, ok := w.decodeCursor(bad); ok {
			t.Errorf("decodeCursor(%q) accepted", bad)
		}
	}
}

func encodeB64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestWindow(t *testing.T) {
	for _, tc := range []struct{ max, limit int }{{0, MaxListResults}, {-1, MaxListResults}, {7, 7}, {MaxListResults + 1, MaxListResults}} {
		w, err := newWindow(pagetoken.Random(), "k", tc.max, "")
		if err != nil || w.limit != tc.limit || w.fetch() != tc.limit+1 || w.after != nil {
			t.Errorf("newWindow(%d): %+v %v", tc.max, w, err)
		}
	}
	if _, err := newWindow(pagetoken.Random(), "k", 1, "x"); !errors.Is(err, ErrBadToken) {
		t.Errorf("bad token: %v", err)
	}
	tokens := pagetoken.Random()
	w, _ := newWindow(tokens, "k", 2, "")
	key := func(s string) Cursor { return Cursor{ID: s} }
	if list, next := cut(w, []string{"a", "b"}, key); len(list) != 2 || next != "" {
		t.Errorf("a last page: %v %q", list, next)
	}
	list, next := cut(w, []string{"a", "b", "c"}, key)
	if len(list) != 2 || next == "" {
		t.Fatalf("a page with more: %v %q", list, next)
	}
	w, err := newWindow(tokens, "k", 2, next)
	if err != nil || w.after == nil || w.after.ID != "b" {
		t.Fatalf("next window: %+v %v", w, err)
	}
}

func TestRecentCacheEvictsOldestFirst(t *testing.T) {
	c := newRecentCache(3)
	for i := range 5 {
		var page []byte
		if i%2 == 0 {
			page = []byte(fmt.Sprint(i))
		}
		c.put(&Statement{ID: fmt.Sprint(i), Status: Finished}, page)
	}
	for i := range 5 {
		st, ok := c.get(fmt.Sprint(i))
		if kept := i >= 2; ok != kept {
			t.Errorf("statement %d cached %v, want %v", i, ok, kept)
		} else if ok && st.ID != fmt.Sprint(i) {
			t.Errorf("statement %d cached as %s", i, st.ID)
		}
	}
	if p := c.page("4"); string(p) != "4" {
		t.Errorf("page of 4: %q", p)
	}
	if p := c.page("3"); p != nil {
		t.Errorf("page of 3, which had none: %q", p)
	}
	if p := c.page("0"); p != nil {
		t.Errorf("page of an evicted statement: %q", p)
	}
	// get hands out copies: changing one does not change the cache.
	st, _ := c.get("4")
	st.Status = Failed
	if again, _ := c.get("4"); again.Status != Finished {
		t.Error("a caller's change reached the cache")
	}
}

func TestAdmission(t *testing.T) {
	a := newAdmission(2)
	other := Target{Kind: engines.Workgroup, Name: "wg"}
	for range 2 {
		if err := a.admit(local); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.admit(local); !errors.Is(err, ErrTooManyActive) {
		t.Fatalf("over the limit: %v", err)
	}
	if err := a.admit(other); err != nil {
		t.Fatalf("another target: %v", err)
	}
	a.release(local)
	if err := a.admit(local); err != nil {
		t.Fatalf("after a release: %v", err)
	}
	a.close()
	if err := a.admit(other); !errors.Is(err, ErrShuttingDown) || !a.closing() {
		t.Fatalf("after close: %v", err)
	}
}
