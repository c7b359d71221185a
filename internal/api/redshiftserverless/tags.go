package redshiftserverless

import (
	"context"
	"sort"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/engines"
)

// Tag is the model's Tag shape.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type TagResourceInput struct {
	ResourceArn string `json:"resourceArn"`
	Tags        []Tag  `json:"tags"`
}

type TagResourceOutput struct{}

type UntagResourceInput struct {
	ResourceArn string   `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

type UntagResourceOutput struct{}

type ListTagsForResourceInput struct {
	ResourceArn string `json:"resourceArn"`
}

type ListTagsForResourceOutput struct {
	Tags []Tag `json:"tags"`
}

// WorkgroupTags returns the tags of the registered workgroup name, for
// aws:ResourceTag conditions on the workgroup.
func (a *API) WorkgroupTags(ctx context.Context, name string) (map[string]string, error) {
	return a.opts.Tags.Of(ctx, engines.Workgroup, name)
}

// tagContext is the aws:ResourceTag/<key> condition context of a workgroup.
func (a *API) tagContext(ctx context.Context, name string) (map[string][]string, error) {
	tags, err := a.WorkgroupTags(ctx, name)
	if err != nil {
		return nil, err
	}
	return auth.ResourceTagContext(tags), nil
}

// taggable checks that arn is a registered workgroup's ARN and that the
// caller may perform action on it, with the workgroup's tags (and those of
// the request, when it carries some) as condition keys.
func (a *API) taggable(ctx context.Context, action, arn string, reqTags map[string]string, reqKeys []string) error {
	if !a.opts.Tags.Enabled() {
		return awserr.Validation("Tagging is not supported by this server.")
	}
	if arn == "" {
		return awserr.Validation("1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null")
	}
	var ep *engines.Endpoint
	for _, w := range a.reg.List(engines.Workgroup) {
		if a.workgroupARN(w.Name) == arn {
			ep = w
			break
		}
	}
	if ep == nil {
		return resourceNotFound(arn, "Resource "+arn+" not found.")
	}
	keys, err := a.tagContext(ctx, ep.Name)
	if err != nil {
		return err
	}
	auth.AddTagKeys(keys, reqKeys...)
	auth.AddRequestTags(keys, reqTags)
	if err := auth.RequireWith(ctx, a.authz, auth.Request{Action: action, Resource: arn, Context: keys}); err != nil {
		return err
	}
	return nil
}

// TagResource adds or replaces tags on a workgroup.
func (a *API) TagResource(ctx context.Context, in *TagResourceInput) (*TagResourceOutput, error) {
	if len(in.Tags) > 200 {
		return nil, awserr.Validation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200")
	}
	tags := make(map[string]string, len(in.Tags))
	for _, t := range in.Tags {
		if len(t.Key) < 1 || len(t.Key) > 128 || len(t.Value) > 256 {
			return nil, awserr.Validation("Tag keys must be 1 to 128 characters and values at most 256 characters.")
		}
		tags[t.Key] = t.Value
	}
	if err := a.taggable(ctx, "redshift-serverless:TagResource", in.ResourceArn, tags, nil); err != nil {
		return nil, err
	}
	if err := a.opts.Tags.Set(ctx, in.ResourceArn, tags); err != nil {
		return nil, err
	}
	return &TagResourceOutput{}, nil
}

// UntagResource removes tags from a workgroup.
func (a *API) UntagResource(ctx context.Context, in *UntagResourceInput) (*UntagResourceOutput, error) {
	if in.TagKeys == nil {
		return nil, awserr.Validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	}
	if err := a.taggable(ctx, "redshift-serverless:UntagResource", in.ResourceArn, nil, in.TagKeys); err != nil {
		return nil, err
	}
	if err := a.opts.Tags.Remove(ctx, in.ResourceArn, in.TagKeys); err != nil {
		return nil, err
	}
	return &UntagResourceOutput{}, nil
}

// ListTagsForResource lists a workgroup's tags, sorted by key.
func (a *API) ListTagsForResource(ctx context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	if err := a.taggable(ctx, "redshift-serverless:ListTagsForResource", in.ResourceArn, nil, nil); err != nil {
		return nil, err
	}
	tags, err := a.opts.Tags.Get(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	out := &ListTagsForResourceOutput{Tags: make([]Tag, 0, len(tags))}
	for k, v := range tags {
		out.Tags = append(out.Tags, Tag{Key: k, Value: v})
	}
	sort.Slice(out.Tags, func(i, j int) bool { return out.Tags[i].Key < out.Tags[j].Key })
	return out, nil
}
