package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/identity"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// TestMigrationFiles: the embedded files are numbered without gaps.
func TestMigrationFiles(t *testing.T) {
	all, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < accountsVersion || !strings.Contains(all[accountsVersion-1].name, "iam_accounts") {
		t.Fatalf("migration %d is not the accounts one: %+v", accountsVersion, all)
	}
}

// TestPolicyVersionsUpgrade opens a control database written before policy
// versions existed, holding a customer managed policy, and checks that the
// upgrade keeps the policy usable: its document is its default version v1.
func TestPolicyVersionsUpgrade(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Start(t)
	dsn := srv.ConnString("postgres", srv.NewDatabase(t))

	old, err := open(ctx, dsn, Options{}, 6)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift-data:*","Resource":"*"}]}`
	if _, err := old.db.pool.Exec(ctx, `INSERT INTO iam_policies (arn, name, id, path, description, document, default_version, created_at, updated_at)
		VALUES ('arn:aws:iam::123456789012:policy/P', 'P', 'ANPAEXAMPLE', '/', '', $1, 'v1', $2, $2)`, doc, created); err != nil {
		t.Fatal(err)
	}
	old.Close()

	s, err := Open(ctx, dsn, Options{HomeAccount: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ids := s.Identities("123456789012")
	versions, err := ids.ListPolicyVersions(ctx, "arn:aws:iam::123456789012:policy/P")
	if err != nil || len(versions) != 1 {
		t.Fatalf("versions after the upgrade: %+v, %v", versions, err)
	}
	if v := versions[0]; v.VersionID != "v1" || !v.IsDefault || v.Document != doc || !v.CreatedAt.Equal(created) {
		t.Fatalf("version after the upgrade: %+v", v)
	}
	v2, err := ids.CreatePolicyVersion(ctx, "arn:aws:iam::123456789012:policy/P", doc, false, created, 5)
	if err != nil || v2.VersionID != "v2" {
		t.Fatalf("a new version after the upgrade: %+v, %v", v2, err)
	}
}

// TestAccountsUpgrade opens a control database as the version before
// accounts left it: rsdata's own identities in the shared tables and a peer
// account's in its own schema. After the upgrade each account sees its own
// identities, the peer schema is gone, and one name can exist in both
// accounts.
func TestAccountsUpgrade(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Start(t)
	dsn := srv.ConnString("postgres", srv.NewDatabase(t))
	const home, peer = "123456789012", "210987654321"
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	// The home account's identities, as the old store wrote them.
	old, err := open(ctx, dsn, Options{}, accountsVersion-1)
	if err != nil {
		t.Fatal(err)
	}
	writeOld := func(s *Store, account, user string) {
		t.Helper()
		for _, q := range []string{
			`INSERT INTO iam_users (name, id, path, arn, created_at) VALUES ('` + user + `', 'AIDA` + account + `', '/', 'arn:aws:iam::` + account + `:user/` + user + `', now())`,
			`INSERT INTO iam_access_keys (id, user_name, status, sealed_secret, created_at) VALUES ('AKIA` + account + `', '` + user + `', 'Active', '\x01', now())`,
			`INSERT INTO iam_tags (owner_kind, owner_name, key, value) VALUES ('user', '` + user + `', 'team', '` + account + `')`,
			`INSERT INTO iam_roles (name, id, path, arn, description, trust_policy, max_session_duration, created_at) VALUES ('etl', 'AROA` + account + `', '/', 'arn:aws:iam::` + account + `:role/etl', '', '{}', 3600, now())`,
		} {
			if _, err := s.db.pool.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	writeOld(old, home, "alice")
	if _, err := old.db.pool.Exec(ctx, `CREATE SCHEMA account_`+peer); err != nil {
		t.Fatal(err)
	}
	old.Close()
	// The peer account's, in its schema, as OpenAccount left it.
	oldPeer, err := open(ctx, dsn+" search_path=account_"+peer, Options{}, accountsVersion-1)
	if err != nil {
		t.Fatal(err)
	}
	writeOld(oldPeer, peer, "alice")
	oldPeer.Close()

	// Identities exist, so the upgrade needs to know whose they are.
	if _, err := Open(ctx, dsn, Options{}); err == nil || !strings.Contains(err.Error(), "HomeAccount") {
		t.Fatalf("upgrade without the home account: %v", err)
	}
	s, err := Open(ctx, dsn, Options{HomeAccount: home})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, account := range []string{home, peer} {
		ids := s.Identities(account)
		u, err := ids.GetUser(ctx, "alice")
		if err != nil || u.ARN != "arn:aws:iam::"+account+":user/alice" || len(u.Tags) != 1 || u.Tags[0].Value != account {
			t.Fatalf("%s: alice = %+v, %v", account, u, err)
		}
		k, err := ids.GetAccessKey(ctx, "AKIA"+account)
		if err != nil || k.UserName != "alice" {
			t.Fatalf("%s: key = %+v, %v", account, k, err)
		}
		if r, err := ids.GetRole(ctx, "etl"); err != nil || r.ARN != "arn:aws:iam::"+account+":role/etl" {
			t.Fatalf("%s: role = %+v, %v", account, r, err)
		}
		// Another account's key is not this account's.
		other := map[string]string{home: peer, peer: home}[account]
		if _, err := ids.GetAccessKey(ctx, "AKIA"+other); !errors.Is(err, identity.ErrNoSuchEntity) {
			t.Fatalf("%s sees %s's key: %v", account, other, err)
		}
	}
	var schemas int
	if err := s.db.pool.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname = 'account_`+peer+`'`).Scan(&schemas); err != nil || schemas != 0 {
		t.Fatalf("peer schema still there: %d, %v", schemas, err)
	}
	// New identities keep the accounts apart by name too.
	if err := s.Identities(home).CreateUser(ctx, &identity.User{Name: "bob", ID: "AIDABOBHOME", Path: "/", ARN: "arn:aws:iam::" + home + ":user/bob", CreatedAt: created}); err != nil {
		t.Fatal(err)
	}
	if err := s.Identities(peer).CreateUser(ctx, &identity.User{Name: "BOB", ID: "AIDABOBPEER", Path: "/", ARN: "arn:aws:iam::" + peer + ":user/BOB", CreatedAt: created}); err != nil {
		t.Fatalf("a name taken in another account: %v", err)
	}
	if err := s.Identities(peer).CreateUser(ctx, &identity.User{Name: "bob", ID: "AIDABOBPEER2", Path: "/", ARN: "arn:aws:iam::" + peer + ":user/bob", CreatedAt: created}); !errors.Is(err, identity.ErrEntityAlreadyExists) {
		t.Fatalf("the same name twice in one account, ignoring case: %v", err)
	}
}
