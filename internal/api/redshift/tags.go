package redshift

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/engines"
)

// Tag is the model's Tag shape.
type Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type CreateTagsInput struct {
	ResourceName string
	Tags         []Tag `query:"Tags,member=Tag"`
}

type DeleteTagsInput struct {
	ResourceName string
	TagKeys      []string `query:"TagKeys,member=TagKey"`
}

type DescribeTagsInput struct {
	ResourceName string
	ResourceType string
	MaxRecords   *int
	Marker       string
	TagKeys      []string `query:"TagKeys,member=TagKey"`
	TagValues    []string `query:"TagValues,member=TagValue"`
}

type TaggedResource struct {
	Tag          Tag    `xml:"Tag"`
	ResourceName string `xml:"ResourceName"`
	ResourceType string `xml:"ResourceType"`
}

type DescribeTagsOutput struct {
	TaggedResources []TaggedResource `xml:"TaggedResources>TaggedResource"`
}

type empty struct{}

// maxTags is Redshift's limit of tags per resource.
const maxTags = 50

func resourceNotFound(arn string) *awserr.Error {
	return awserr.ResourceNotFoundFault("The resource %s could not be found.", arn)
}

func invalidTag(msg string) *awserr.Error {
	return awserr.InvalidTagFault("%s", msg)
}

// ClusterTags returns the tags of the registered cluster name, for
// aws:ResourceTag conditions on the cluster.
func (a *API) ClusterTags(ctx context.Context, name string) (map[string]string, error) {
	return a.opts.Tags.Of(ctx, engines.Cluster, name)
}

// tagContext is the aws:ResourceTag/<key> condition context of a cluster,
// which also applies to its dbuser, dbname and dbgroup resources.
func (a *API) tagContext(ctx context.Context, name string) (map[string][]string, error) {
	tags, err := a.ClusterTags(ctx, name)
	if err != nil {
		return nil, err
	}
	return auth.ResourceTagContext(tags), nil
}

// taggedCluster resolves a cluster ARN to a registered cluster and checks
// that the caller may perform action on it.
func (a *API) taggedCluster(ctx context.Context, action, resourceARN string, reqTags map[string]string, reqKeys []string) (*engines.Endpoint, error) {
	if !a.opts.Tags.Enabled() {
		return nil, unsupported("Tagging is not supported by this server.")
	}
	if resourceARN == "" {
		return nil, invalidParameter("ResourceName is required.")
	}
	prefix := arn.Cluster(a.opts.Region, a.opts.AccountID, "")
	name, ok := strings.CutPrefix(resourceARN, prefix)
	if !ok || name == "" {
		return nil, invalidParameter("ResourceName " + resourceARN + " is not a cluster ARN (" + prefix + "<cluster identifier>).")
	}
	ep, ok := a.reg.Lookup(engines.Cluster, name)
	if !ok {
		return nil, resourceNotFound(resourceARN)
	}
	keys, err := a.tagContext(ctx, name)
	if err != nil {
		return nil, err
	}
	auth.AddTagKeys(keys, reqKeys...)
	auth.AddRequestTags(keys, reqTags)
	if err := auth.RequireWith(ctx, a.authz, auth.Request{Action: action, Resource: resourceARN, Context: keys}); err != nil {
		return nil, err
	}
	return ep, nil
}

// CreateTags adds or replaces tags on a cluster.
func (a *API) CreateTags(ctx context.Context, in *CreateTagsInput) (*empty, error) {
	if len(in.Tags) == 0 {
		return nil, invalidParameter("Tags is required.")
	}
	tags := make(map[string]string, len(in.Tags))
	for _, t := range in.Tags {
		if len(t.Key) < 1 || len(t.Key) > 128 || len(t.Value) > 256 {
			return nil, invalidTag("Tag keys must be 1 to 128 characters and values at most 256 characters.")
		}
		tags[t.Key] = t.Value
	}
	if _, err := a.taggedCluster(ctx, "redshift:CreateTags", in.ResourceName, tags, nil); err != nil {
		return nil, err
	}
	old, err := a.opts.Tags.Get(ctx, in.ResourceName)
	if err != nil {
		return nil, err
	}
	total := len(old)
	for k := range tags {
		if _, ok := old[k]; !ok {
			total++
		}
	}
	if total > maxTags {
		return nil, awserr.TagLimitExceededFault("You have exceeded the number of tags allowed.")
	}
	if err := a.opts.Tags.Set(ctx, in.ResourceName, tags); err != nil {
		return nil, err
	}
	return &empty{}, nil
}

// DeleteTags removes tags from a cluster.
func (a *API) DeleteTags(ctx context.Context, in *DeleteTagsInput) (*empty, error) {
	if len(in.TagKeys) == 0 {
		return nil, invalidParameter("TagKeys is required.")
	}
	if _, err := a.taggedCluster(ctx, "redshift:DeleteTags", in.ResourceName, nil, in.TagKeys); err != nil {
		return nil, err
	}
	if err := a.opts.Tags.Remove(ctx, in.ResourceName, in.TagKeys); err != nil {
		return nil, err
	}
	return &empty{}, nil
}

// DescribeTags lists the tags of one cluster, or of every cluster the
// caller may describe, one row per tag, filtered by TagKeys and TagValues.
// Only clusters carry tags here, so other ResourceTypes list nothing; every
// row comes in one page.
func (a *API) DescribeTags(ctx context.Context, in *DescribeTagsInput) (*DescribeTagsOutput, error) {
	out := &DescribeTagsOutput{TaggedResources: []TaggedResource{}}
	if in.ResourceType != "" && !strings.EqualFold(in.ResourceType, "cluster") {
		return out, nil
	}
	var arns []string
	if in.ResourceName != "" {
		if _, err := a.taggedCluster(ctx, "redshift:DescribeTags", in.ResourceName, nil, nil); err != nil {
			return nil, err
		}
		arns = []string{in.ResourceName}
	} else {
		if !a.opts.Tags.Enabled() {
			return out, nil
		}
		for _, ep := range a.reg.List(engines.Cluster) {
			clusterARN := arn.Cluster(a.opts.Region, a.opts.AccountID, ep.Name)
			if _, err := a.taggedCluster(ctx, "redshift:DescribeTags", clusterARN, nil, nil); err == nil {
				arns = append(arns, clusterARN) // a listing shows what the caller may see
			}
		}
	}
	for _, arn := range arns {
		tags, err := a.opts.Tags.Get(ctx, arn)
		if err != nil {
			return nil, err
		}
		keys := make([]string, 0, len(tags))
		for k := range tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if (len(in.TagKeys) > 0 && !slices.Contains(in.TagKeys, k)) || (len(in.TagValues) > 0 && !slices.Contains(in.TagValues, tags[k])) {
				continue
			}
			out.TaggedResources = append(out.TaggedResources, TaggedResource{Tag: Tag{Key: k, Value: tags[k]}, ResourceName: arn, ResourceType: "cluster"})
		}
	}
	return out, nil
}
