// Package tags owns the tags of Redshift clusters and Redshift Serverless
// workgroups. Tags are keyed by the resource's ARN (built by package arn),
// so the Redshift and Redshift Serverless APIs that write them and the
// Data API that reads them for aws:ResourceTag conditions share one view.
// IAM users and roles and Secrets Manager secrets keep their own tags with
// their resources.
package tags

import (
	"context"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/engines"
)

// Store keeps tags by ARN.
type Store interface {
	// ResourceTags returns the tags of arn: an empty map when it has none.
	ResourceTags(ctx context.Context, arn string) (map[string]string, error)
	// TagResource adds tags to arn, replacing the values of keys it
	// already has; all or nothing.
	TagResource(ctx context.Context, arn string, tags map[string]string) error
	// UntagResource removes keys from arn; absent keys are not an error.
	UntagResource(ctx context.Context, arn string, keys []string) error
}

// Service reads and writes the tags of one account's clusters and
// workgroups. A nil *Service keeps no tags: reads return none and
// Enabled reports false, so a server without a store still answers.
type Service struct {
	store           Store
	region, account string
}

// New returns the tags of account's resources in region, kept in store.
func New(store Store, region, account string) *Service {
	return &Service{store: store, region: region, account: account}
}

// Enabled reports whether tags can be written.
func (s *Service) Enabled() bool { return s != nil && s.store != nil }

// Get returns the tags of the resource resourceARN; none is an empty map.
func (s *Service) Get(ctx context.Context, resourceARN string) (map[string]string, error) {
	if !s.Enabled() {
		return map[string]string{}, nil
	}
	return s.store.ResourceTags(ctx, resourceARN)
}

// Set adds tags to resourceARN, replacing the values of keys it already
// has; all or nothing.
func (s *Service) Set(ctx context.Context, resourceARN string, tags map[string]string) error {
	return s.store.TagResource(ctx, resourceARN, tags)
}

// Remove removes keys from resourceARN; absent keys are not an error.
func (s *Service) Remove(ctx context.Context, resourceARN string, keys []string) error {
	return s.store.UntagResource(ctx, resourceARN, keys)
}

// ARN is the ARN under which the tags of the cluster or workgroup name
// are kept.
func (s *Service) ARN(kind engines.Kind, name string) string {
	if kind == engines.Workgroup {
		return arn.Workgroup(s.region, s.account, name)
	}
	return arn.Cluster(s.region, s.account, name)
}

// Of returns the tags of the registered cluster or workgroup name, for
// aws:ResourceTag conditions; none is an empty map.
func (s *Service) Of(ctx context.Context, kind engines.Kind, name string) (map[string]string, error) {
	if !s.Enabled() {
		return map[string]string{}, nil
	}
	return s.store.ResourceTags(ctx, s.ARN(kind, name))
}
