package results_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rsdata/rsdata/internal/results"
)

// pageMap keeps pages in memory; the PostgreSQL store is tested in
// internal/store, the Writer's cutting here.
type pageMap map[int][]byte

func (m pageMap) PutPage(_ context.Context, _ string, n int, data []byte) error {
	m[n] = append([]byte(nil), data...)
	return nil
}

func (m pageMap) Page(_ context.Context, _ string, n int) ([]byte, error) {
	if d, ok := m[n]; ok {
		return d, nil
	}
	return nil, results.ErrPageNotFound
}

func (m pageMap) DeletePages(context.Context, string) error { clear(m); return nil }

// TestWriterHoldsBackTheLastPage writes records across several pages and
// checks that full pages are stored as they fill, the last one is handed
// back by Close (counted, not stored), and every page reads back as the
// records written.
func TestWriterHoldsBackTheLastPage(t *testing.T) {
	ctx := context.Background()
	store := pageMap{}
	w := results.NewWriter(store, "id", results.Limits{PageBytes: 100, MaxRowBytes: 1000, MaxResultBytes: 1 << 20, Separator: ","})
	var want []string
	for i := range 25 {
		rec := fmt.Sprintf(`[{"longValue":%d}]`, i) // 18-19 bytes
		want = append(want, rec)
		if err := w.Add(ctx, []byte(rec)); err != nil {
			t.Fatal(err)
		}
	}
	sum, last, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if last == nil {
		t.Fatal("Close returned no last page for a partial page")
	}
	if sum.Rows != 25 || sum.Pages != len(store)+1 || last.N != len(store) {
		t.Fatalf("summary %+v, last page %d, %d pages stored", sum, last.N, len(store))
	}
	if _, stored := store[last.N]; stored {
		t.Fatal("Close stored the last page itself")
	}
	store[last.N] = last.Data
	var got []string
	for n := range sum.Pages {
		recs, err := results.ReadPage(ctx, store, "id", n)
		if err != nil {
			t.Fatal(err)
		}
		if n == last.N && string(recs) != string(last.Records) {
			t.Fatalf("last page records %q, compressed data holds %q", last.Records, recs)
		}
		got = append(got, strings.Split(strings.ReplaceAll(string(recs), "],[", "]\x00["), "\x00")...)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("pages hold %v, want %v", got, want)
	}

	empty := results.NewWriter(pageMap{}, "e", results.DefaultLimits)
	if sum, last, err := empty.Close(); err != nil || last != nil || sum.Pages != 0 {
		t.Fatalf("empty result: %+v, %+v", sum, last)
	}
}

// failingPages refuses to store page failAt.
type failingPages struct {
	pageMap
	failAt int
}

func (f failingPages) PutPage(ctx context.Context, id string, n int, data []byte) error {
	if n == f.failAt {
		return errStoreDown
	}
	return f.pageMap.PutPage(ctx, id, n, data)
}

var errStoreDown = errors.New("store down")

// TestWriterReportsFailedPageWrites checks that a page stored in the
// background and refused by the store fails the result: the next Add or
// Close returns the store's error.
func TestWriterReportsFailedPageWrites(t *testing.T) {
	ctx := context.Background()
	for _, records := range []int{12, 40} {
		w := results.NewWriter(failingPages{pageMap{}, 1}, "id", results.Limits{PageBytes: 100, MaxRowBytes: 1000, MaxResultBytes: 1 << 20, Separator: ","})
		var err error
		for i := 0; i < records && err == nil; i++ {
			err = w.Add(ctx, []byte(fmt.Sprintf(`[{"longValue":%d}]`, i)))
		}
		if err == nil {
			_, _, err = w.Close()
		}
		if !errors.Is(err, errStoreDown) {
			t.Fatalf("%d records with page 1 refused: %v", records, err)
		}
	}
}
