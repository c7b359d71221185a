package store

import (
	"context"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// TestPolicyVersionsUpgrade opens a control database written before policy
// versions existed, holding a customer managed policy, and checks that the
// upgrade keeps the policy usable: its document is its default version v1.
func TestPolicyVersionsUpgrade(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Start(t)
	dsn := srv.ConnString("postgres", srv.NewDatabase(t))

	saved := migrations
	migrations = saved[:len(saved)-1]
	old, err := Open(ctx, dsn)
	migrations = saved
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift-data:*","Resource":"*"}]}`
	if _, err := old.pool.Exec(ctx, `INSERT INTO iam_policies (arn, name, id, path, description, document, default_version, created_at, updated_at)
		VALUES ('arn:aws:iam::123456789012:policy/P', 'P', 'ANPAEXAMPLE', '/', '', $1, 'v1', $2, $2)`, doc, created); err != nil {
		t.Fatal(err)
	}
	old.Close()

	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	versions, err := s.ListPolicyVersions(ctx, "arn:aws:iam::123456789012:policy/P")
	if err != nil || len(versions) != 1 {
		t.Fatalf("versions after the upgrade: %+v, %v", versions, err)
	}
	if v := versions[0]; v.VersionID != "v1" || !v.IsDefault || v.Document != doc || !v.CreatedAt.Equal(created) {
		t.Fatalf("version after the upgrade: %+v", v)
	}
	v2, err := s.CreatePolicyVersion(ctx, "arn:aws:iam::123456789012:policy/P", doc, false, created, 5)
	if err != nil || v2.VersionID != "v2" {
		t.Fatalf("a new version after the upgrade: %+v, %v", v2, err)
	}
}
