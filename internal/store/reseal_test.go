package store_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/rsdata/rsdata/internal/seal"
)

// TestReseal rotates the sealing key over real rows: values sealed under
// the old key are rewritten under the new one, those already under it are
// left alone, and afterwards the new key alone opens everything.
func TestReseal(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	s := db.store
	oldKey, newKey := bytes.Repeat([]byte{1}, seal.KeySize), bytes.Repeat([]byte{2}, seal.KeySize)
	before, _ := seal.New(oldKey)
	after, _ := seal.New(newKey)
	rotating, err := seal.NewRotating(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	oldSecret, _ := before.Seal([]byte("old-access-secret"))
	newSecret, _ := after.Seal([]byte("new-access-secret"))
	oldValue, _ := before.Seal([]byte(`{"username":"u","password":"p"}`))
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.conn.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO iam_users (account, name, id, path, arn, created_at) VALUES
		('123456789012', 'alice', 'AIDA1', '/', 'arn:aws:iam::123456789012:user/alice', now())`)
	exec(`INSERT INTO iam_access_keys (account, id, user_name, status, sealed_secret, created_at) VALUES
		('123456789012', 'AKIAOLD', 'alice', 'Active', $1, now()), ('123456789012', 'AKIANEW', 'alice', 'Active', $2, now())`, oldSecret, newSecret)
	exec(`INSERT INTO sm_secrets (arn, name, description, kms_key_id, tags, created_at, last_changed_at, revision)
		VALUES ('arn:s', 's', '', '', '[]', now(), now(), 1)`)
	exec(`INSERT INTO sm_secret_versions (secret_arn, version_id, seq, stages, is_binary, sealed_value, created_at)
		VALUES ('arn:s', 'v1', 0, '{AWSCURRENT}', false, $1, now())`, oldValue)

	oldPassword, _ := before.Seal([]byte("datastore-password"))
	exec(`INSERT INTO ds_connections (name, type, host, port, auth_type, username, sealed_password) VALUES
		('basic', 'redshift', 'h', 5439, 'BASIC', 'u', $1)`, oldPassword)
	// An IAM_ROLE connection has no password: nothing to reseal.
	exec(`INSERT INTO ds_connections (name, type, host, port, auth_type, role_arn) VALUES
		('iam', 'redshift', 'h', 5439, 'IAM_ROLE', 'arn:aws:iam::123456789012:role/r')`)

	n, err := s.Reseal(ctx, rotating.Reseal)
	if err != nil || n != 3 {
		t.Fatalf("Reseal = %d, %v; want the 3 values sealed under the old key", n, err)
	}
	for _, q := range []string{`SELECT sealed_secret FROM iam_access_keys WHERE id = 'AKIAOLD'`, `SELECT sealed_secret FROM iam_access_keys WHERE id = 'AKIANEW'`,
		`SELECT sealed_value FROM sm_secret_versions WHERE version_id = 'v1'`, `SELECT sealed_password FROM ds_connections WHERE name = 'basic'`} {
		var b []byte
		if err := db.conn.QueryRow(ctx, q).Scan(&b); err != nil {
			t.Fatal(err)
		}
		if _, err := after.Open(b); err != nil {
			t.Errorf("%s: the new key alone does not open it after Reseal: %v", q, err)
		}
	}
	if n, err := s.Reseal(ctx, rotating.Reseal); err != nil || n != 0 {
		t.Fatalf("a second Reseal = %d, %v; want nothing left to do", n, err)
	}
}
