// TagResource and UntagResource.

package secrets

import (
	"context"
	"slices"
	"sort"
	"time"
)

// mergeTags sets each of add on tags, keeping keys unique and sorted.
func mergeTags(tags, add []Tag) ([]Tag, error) {
	m := make(map[string]string, len(tags)+len(add))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	for _, t := range add {
		m[t.Key] = t.Value
	}
	if len(m) > maxTags {
		return nil, invalidParam("The number of tags on a secret can't exceed %d.", maxTags)
	}
	out := make([]Tag, 0, len(m))
	for k, v := range m {
		out = append(out, Tag{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// TagResourceRequest is TagResource's input.
type TagResourceRequest struct {
	SecretID string
	Tags     []Tag
}

// TagResourceResponse is TagResource's (empty) output.
type TagResourceResponse struct{}

// TagResource adds tags, replacing the values of keys already present.
func (s *Service) TagResource(ctx context.Context, req *TagResourceRequest) (*TagResourceResponse, error) {
	if err := validTags(req.Tags); err != nil {
		return nil, err
	}
	_, err := s.mutate(ctx, req.SecretID, func(sec *Secret, now time.Time) (bool, error) {
		if sec.ScheduledForDeletion() {
			return false, ErrMarkedForDeletion
		}
		tags, err := mergeTags(sec.Tags, req.Tags)
		if err != nil {
			return false, err
		}
		sec.Tags, sec.LastChangedDate = tags, now
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return &TagResourceResponse{}, nil
}

// UntagResourceRequest is UntagResource's input.
type UntagResourceRequest struct {
	SecretID string
	TagKeys  []string
}

// UntagResourceResponse is UntagResource's (empty) output.
type UntagResourceResponse struct{}

// UntagResource removes the tags with the given keys; absent keys are not
// an error.
func (s *Service) UntagResource(ctx context.Context, req *UntagResourceRequest) (*UntagResourceResponse, error) {
	_, err := s.mutate(ctx, req.SecretID, func(sec *Secret, now time.Time) (bool, error) {
		if sec.ScheduledForDeletion() {
			return false, ErrMarkedForDeletion
		}
		n := len(sec.Tags)
		sec.Tags = slices.DeleteFunc(sec.Tags, func(t Tag) bool { return slices.Contains(req.TagKeys, t.Key) })
		if len(sec.Tags) == n {
			return false, nil
		}
		sec.LastChangedDate = now
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return &UntagResourceResponse{}, nil
}
