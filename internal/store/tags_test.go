package store_test

import (
	"context"
	"maps"
	"testing"

	"github.com/rsdata/rsdata/internal/store"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

func TestResourceTags(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Start(t)
	s, err := store.Open(ctx, srv.ConnString("postgres", srv.NewDatabase(t)), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	const wg, other = "arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/a", "arn:aws:redshift:us-east-1:123456789012:cluster:c"
	expect := func(arn string, want map[string]string) {
		t.Helper()
		got, err := s.Tags().ResourceTags(ctx, arn)
		if err != nil || !maps.Equal(got, want) {
			t.Fatalf("ResourceTags(%s) = %v, %v; want %v", arn, got, err, want)
		}
	}
	expect(wg, map[string]string{})
	if err := s.Tags().TagResource(ctx, wg, map[string]string{"RedshiftDataFullAccess": "", "team": "a"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Tags().TagResource(ctx, other, map[string]string{"team": "b"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Tags().TagResource(ctx, wg, map[string]string{"team": "c"}); err != nil {
		t.Fatal(err)
	}
	expect(wg, map[string]string{"RedshiftDataFullAccess": "", "team": "c"})
	if err := s.Tags().UntagResource(ctx, wg, []string{"team", "absent"}); err != nil {
		t.Fatal(err)
	}
	expect(wg, map[string]string{"RedshiftDataFullAccess": ""})
	expect(other, map[string]string{"team": "b"})
}
