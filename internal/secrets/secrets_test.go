package secrets

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	for name, ok := range map[string]bool{
		"a": true, "prod/app_db+x=y.z@w-1": true, strings.Repeat("n", 512): true,
		"": false, strings.Repeat("n", 513): false, "has space": false, "semi;colon": false, "é": false,
	} {
		var invalid *InvalidParameterError
		err := validName(name)
		if ok != (err == nil) || (err != nil && !errors.As(err, &invalid)) {
			t.Errorf("validName(%q) = %v", name, err)
		}
	}
}

func TestNextToken(t *testing.T) {
	s := New(Options{}, nil, nil)
	if off, err := s.decodeToken(s.encodeToken(42)); err != nil || off != 42 {
		t.Fatalf("round trip: %d %v", off, err)
	}
	plain := base64.RawURLEncoding.EncodeToString([]byte("o:5")) // as tokens used to be minted
	for _, bad := range []string{"garbage!", "eHl6", s.encodeToken(-1), plain, New(Options{}, nil, nil).encodeToken(5)} {
		if _, err := s.decodeToken(bad); !errors.Is(err, ErrBadNextToken) {
			t.Errorf("decodeToken(%q) = %v", bad, err)
		}
	}
}

func TestFilterNegation(t *testing.T) {
	sec := &Secret{Name: "app/db", Description: "Main DB", Tags: []Tag{{Key: "team", Value: "data"}}}
	for _, tc := range []struct {
		f    Filter
		keep bool
	}{
		{Filter{Key: "name", Values: []string{"app"}}, true},
		{Filter{Key: "name", Values: []string{"App"}}, false}, // case-sensitive
		{Filter{Key: "description", Values: []string{"main"}}, true},
		{Filter{Key: "name", Values: []string{"!app"}}, false},
		{Filter{Key: "name", Values: []string{"!x"}}, true},
		{Filter{Key: "tag-key", Values: []string{"x", "te"}}, true},
		{Filter{Key: "all", Values: []string{"DATA"}}, true},
		{Filter{Key: "primary-region", Values: []string{"us"}}, false},
	} {
		if got := tc.f.keep(sec); got != tc.keep {
			t.Errorf("%+v: keep = %v", tc.f, got)
		}
	}
}
