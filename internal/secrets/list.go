// ListSecrets: filters, sorting and opaque NextTokens.

package secrets

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Filter is a ListSecrets filter: Key is description, name, tag-key,
// tag-value, primary-region, owning-service or all; a value starting with
// "!" excludes what it matches.
type Filter struct {
	Key    string
	Values []string
}

// ListSecretsRequest is ListSecrets' input. MaxResults 0 means 100.
// SortBy is created-date (the default), last-accessed-date,
// last-changed-date or name; SortOrder asc (the default) or desc.
type ListSecretsRequest struct {
	IncludePlannedDeletion bool
	MaxResults             int
	NextToken              string
	Filters                []Filter
	SortBy                 string
	SortOrder              string
}

// ListSecretsResponse is a page of secrets, without values.
type ListSecretsResponse struct {
	Secrets   []*Secret
	NextToken string
}

func (f Filter) validate() error {
	switch f.Key {
	case "description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all":
	default:
		return invalidParam("Invalid filter key: %s", f.Key)
	}
	if len(f.Values) < 1 || len(f.Values) > 10 {
		return invalidParam("A filter must have between 1 and 10 values.")
	}
	return nil
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// matches reports whether sec matches one filter value (without its "!").
func (f Filter) matches(sec *Secret, val string) bool {
	switch f.Key {
	case "name":
		return strings.HasPrefix(sec.Name, val)
	case "description":
		return hasPrefixFold(sec.Description, val)
	case "tag-key":
		return slices.ContainsFunc(sec.Tags, func(t Tag) bool { return strings.HasPrefix(t.Key, val) })
	case "tag-value":
		return slices.ContainsFunc(sec.Tags, func(t Tag) bool { return strings.HasPrefix(t.Value, val) })
	case "all":
		var attrs []string
		attrs = append(attrs, words(sec.Name)...)
		attrs = append(attrs, words(sec.Description)...)
		for _, t := range sec.Tags {
			attrs = append(attrs, words(t.Key)...)
			attrs = append(attrs, words(t.Value)...)
		}
		for _, w := range words(val) {
			if !slices.ContainsFunc(attrs, func(a string) bool { return hasPrefixFold(a, w) }) {
				return false
			}
		}
		return true
	}
	return false // primary-region, owning-service: rsdata secrets have neither
}

func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// keep applies one filter: some positive value matches (if there are any)
// and no negated value does.
func (f Filter) keep(sec *Secret) bool {
	positive, hit := false, false
	for _, v := range f.Values {
		if neg, ok := strings.CutPrefix(v, "!"); ok {
			if f.matches(sec, neg) {
				return false
			}
			continue
		}
		positive = true
		hit = hit || f.matches(sec, v)
	}
	return !positive || hit
}

// tokenKind names ListSecrets tokens to pagetoken.
const tokenKind = "secrets/ListSecrets"

func (s *Service) encodeToken(offset int) string {
	return s.opts.Tokens.Encode(tokenKind, strconv.Itoa(offset))
}

func (s *Service) decodeToken(tok string) (int, error) {
	n, ok := s.opts.Tokens.Decode(tokenKind, tok)
	if !ok {
		return 0, ErrBadNextToken
	}
	off, err := strconv.Atoi(n)
	if err != nil || off < 0 {
		return 0, ErrBadNextToken
	}
	return off, nil
}

// ListSecrets returns a page of the secrets that pass every filter, not
// counting those scheduled for deletion unless asked. A NextToken is an
// offset into the sorted list.
func (s *Service) ListSecrets(ctx context.Context, req *ListSecretsRequest) (*ListSecretsResponse, error) {
	max := req.MaxResults
	if max == 0 {
		max = 100
	}
	if max < 1 || max > 100 {
		return nil, invalidParam("MaxResults must be between 1 and 100.")
	}
	for _, f := range req.Filters {
		if err := f.validate(); err != nil {
			return nil, err
		}
	}
	var key func(*Secret) time.Time
	switch req.SortBy {
	case "", "created-date":
		key = func(s *Secret) time.Time { return s.CreatedDate }
	case "last-accessed-date":
		key = func(s *Secret) time.Time { return s.LastAccessedDate }
	case "last-changed-date":
		key = func(s *Secret) time.Time { return s.LastChangedDate }
	case "name":
	default:
		return nil, invalidParam("Invalid SortBy value: %s", req.SortBy)
	}
	if req.SortOrder != "" && req.SortOrder != "asc" && req.SortOrder != "desc" {
		return nil, invalidParam("Invalid SortOrder value: %s", req.SortOrder)
	}
	offset := 0
	if req.NextToken != "" {
		var err error
		if offset, err = s.decodeToken(req.NextToken); err != nil {
			return nil, err
		}
	}
	all, err := s.store.ListSecrets(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var kept []*Secret
	for _, sec := range all {
		if sec.ScheduledForDeletion() && (!req.IncludePlannedDeletion || !now.Before(sec.DeletionDate)) {
			continue
		}
		if !slices.ContainsFunc(req.Filters, func(f Filter) bool { return !f.keep(sec) }) {
			kept = append(kept, sec.public())
		}
	}
	sort.SliceStable(kept, func(i, j int) bool {
		a, b := kept[i], kept[j]
		if req.SortOrder == "desc" {
			a, b = b, a
		}
		if key != nil && !key(a).Equal(key(b)) {
			return key(a).Before(key(b))
		}
		return a.Name < b.Name
	})
	if offset > len(kept) {
		return nil, ErrBadNextToken
	}
	out := &ListSecretsResponse{Secrets: kept[offset:min(offset+max, len(kept))]}
	if offset+max < len(kept) {
		out.NextToken = s.encodeToken(offset + max)
	}
	return out, nil
}
