package tags

import (
	"context"
	"testing"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/engines"
)

// mapStore keeps tags in memory.
type mapStore map[string]map[string]string

func (m mapStore) ResourceTags(_ context.Context, a string) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range m[a] {
		out[k] = v
	}
	return out, nil
}

func (m mapStore) TagResource(_ context.Context, a string, tags map[string]string) error {
	if m[a] == nil {
		m[a] = map[string]string{}
	}
	for k, v := range tags {
		m[a][k] = v
	}
	return nil
}

func (m mapStore) UntagResource(_ context.Context, a string, keys []string) error {
	for _, k := range keys {
		delete(m[a], k)
	}
	return nil
}

// TestOneKeyPerResource: tags written under the ARN the Redshift Serverless
// API names are the ones the Data API reads for the workgroup, and a
// cluster of the same name is another resource.
func TestOneKeyPerResource(t *testing.T) {
	ctx := context.Background()
	s := New(mapStore{}, "us-east-1", "123456789012")
	if err := s.Set(ctx, arn.Workgroup("us-east-1", "123456789012", "default"), map[string]string{"team": "data"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Of(ctx, engines.Workgroup, "default")
	if err != nil || got["team"] != "data" {
		t.Fatalf("workgroup tags = %v, %v", got, err)
	}
	if got, _ := s.Of(ctx, engines.Cluster, "default"); len(got) != 0 {
		t.Fatalf("cluster default has the workgroup's tags: %v", got)
	}
	if err := s.Remove(ctx, s.ARN(engines.Workgroup, "default"), []string{"team", "absent"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Of(ctx, engines.Workgroup, "default"); len(got) != 0 {
		t.Fatalf("tags after Remove = %v", got)
	}
}

// TestNoStore: a server without a tag store reads no tags and says so.
func TestNoStore(t *testing.T) {
	var s *Service
	if s.Enabled() {
		t.Fatal("a nil Service is enabled")
	}
	if got, err := s.Of(context.Background(), engines.Cluster, "local"); err != nil || len(got) != 0 {
		t.Fatalf("Of = %v, %v", got, err)
	}
}
