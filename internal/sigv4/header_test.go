package sigv4

import (
	"slices"
	"testing"
)

// TestHeaderSetMatchesFolding checks that the allocation-free look-up of
// canonical header maps answers exactly what case folding every key does,
// and that maps it cannot serve (non-canonical keys, keys differing only in
// case, non-token bytes) are folded.
func TestHeaderSetMatchesFolding(t *testing.T) {
	maps := []struct {
		name   string
		h      map[string][]string
		folded bool
	}{
		{"canonical, as a Go server builds it", map[string][]string{
			"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Date": {"20240101T000000Z"},
			"Authorization": {"AWS4-HMAC-SHA256 ..."}, "X-Amz-Security-Token": {"tok"}, "Www-Authenticate": {"a", "b"},
			"Te": {"trailers"}, "X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}, "Content-Md5": {"x"},
		}, false},
		{"lower-case key", map[string][]string{"x-amz-date": {"20240101T000000Z"}, "Host": {"h"}}, true},
		{"keys differing only in case", map[string][]string{"X-Multi": {"one"}, "x-multi": {"two"}, "X-MULTI": {"three"}}, true},
		{"key with a space", map[string][]string{"X Amz Date": {"d"}, "Host": {"h"}}, true},
		{"key with a non-ASCII letter folding to ASCII", map[string][]string{"X-\u212Aey": {"kelvin"}, "X-Key": {"plain"}}, true},
		{"empty key", map[string][]string{"": {"empty"}, "Host": {"h"}}, false},
	}
	names := []string{"content-type", "x-amz-date", "authorization", "x-amz-security-token", "www-authenticate",
		"te", "x-amz-content-sha256", "content-md5", "host", "x-multi", "x amz date", "x-key", "", "missing",
		"x-amz-date-", "-x-amz-date", "x--amz"}
	for _, m := range maps {
		s := newHeaderSet(m.h)
		if got := s.folded != nil; got != m.folded {
			t.Errorf("%s: folded %v, want %v", m.name, got, m.folded)
		}
		want := foldHeaders(m.h)
		for _, n := range names {
			if got := s.get(n); !slices.Equal(got, want[n]) {
				t.Errorf("%s: get(%q) = %q, want %q", m.name, n, got, want[n])
			}
		}
	}
}
