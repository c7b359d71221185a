package iam

import (
	"strconv"

	"github.com/rsdata/rsdata/internal/identity"
	"github.com/rsdata/rsdata/internal/pagetoken"
)

// IAM's list operations return at most MaxItems items (1-1000, default
// 100) and, when there are more, IsTruncated and a Marker to pass back.
const (
	defaultMaxItems = 100
	maxMaxItems     = 1000
)

// markerKind names IAM Markers to pagetoken. A Marker holds the key of the
// last item of its page; one kind serves every list, since a Marker used
// with another list only names a position by key there.
const markerKind = "iam/Marker"

// pageOf cuts the page that marker and maxItems ask for out of a whole
// listing, items in the store's order. The marker names the last item of
// the previous page by its key, so an item added or removed in between
// neither repeats nor skips one; a marker whose item is gone resumes after
// the items that sort before it. next is "" on the last page.
func pageOf[T any](tokens *pagetoken.Codec, items []T, key func(T) string, marker *string, maxItems *int32) (page []T, next string, err error) {
	limit := defaultMaxItems
	if maxItems != nil {
		switch n := *maxItems; {
		case n < 1:
			return nil, "", &identity.ValidationError{Message: "1 validation error detected: Value '" + strconv.Itoa(int(n)) +
				"' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"}
		case n > maxMaxItems:
			return nil, "", &identity.ValidationError{Message: "1 validation error detected: Value '" + strconv.Itoa(int(n)) +
				"' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"}
		default:
			limit = int(n)
		}
	}
	start := 0
	if marker != nil && *marker != "" {
		after, ok := tokens.Decode(markerKind, *marker)
		if !ok {
			return nil, "", &identity.ValidationError{Message: "Invalid Marker."}
		}
		start = len(items)
		for i, it := range items {
			if k := key(it); k == after {
				start = i + 1
				break
			} else if k > after && i < start {
				start = i
			}
		}
	}
	end := min(start+limit, len(items))
	if end < len(items) {
		next = tokens.Encode(markerKind, key(items[end-1]))
	}
	return items[start:end], next, nil
}
