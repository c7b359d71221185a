package store

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/seal"
	"github.com/rsdata/rsdata/internal/secrets"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

// openSecretsDB opens a store on a fresh database, creating the secrets
// tables if the migrations do not (yet) include them.
func openSecretsDB(t *testing.T) (*Secrets, *pgx.Conn) {
	t.Helper()
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	ctx := context.Background()
	s, err := Open(ctx, srv.ConnString("postgres", db), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	conn, err := pgx.Connect(ctx, srv.ConnString("postgres", db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return s.Secrets(), conn
}

var secretBase = time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)

func sampleSecret(name string) *secrets.Secret {
	return &secrets.Secret{
		ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + name + "-AbCdEf", Name: name,
		Description: "d", KmsKeyID: "alias/k", Tags: []secrets.Tag{{Key: "a", Value: "1"}},
		CreatedDate: secretBase, LastChangedDate: secretBase,
		Versions: []secrets.Version{{ID: strings.Repeat("1", 32), Stages: []string{"AWSCURRENT"}, CreatedDate: secretBase, Sealed: []byte{1, 2, 3}}},
	}
}

func TestSecretsStoreRoundTrip(t *testing.T) {
	s, _ := openSecretsDB(t)
	ctx := context.Background()
	want := sampleSecret("app/db")
	if err := s.CreateSecret(ctx, want); err != nil {
		t.Fatal(err)
	}
	if want.Revision != 1 {
		t.Fatalf("revision after create = %d, want 1", want.Revision)
	}
	for _, get := range []func() (*secrets.Secret, error){
		func() (*secrets.Secret, error) { return s.GetSecretByName(ctx, "app/db") },
		func() (*secrets.Secret, error) { return s.GetSecretByARN(ctx, want.ARN) },
	} {
		got, err := get()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v\nwant %+v", got, want)
		}
	}
	dup := sampleSecret("app/db")
	dup.ARN += "x"
	if err := s.CreateSecret(ctx, dup); !errors.Is(err, secrets.ErrNameTaken) {
		t.Fatalf("duplicate name: %v, want ErrNameTaken", err)
	}
	if _, err := s.GetSecretByName(ctx, "nope"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("missing name: %v", err)
	}
	if _, err := s.GetSecretByARN(ctx, want.ARN+"x"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("missing arn: %v", err)
	}
}

func TestSecretsStoreUpdate(t *testing.T) {
	s, conn := openSecretsDB(t)
	ctx := context.Background()
	sec := sampleSecret("x")
	if err := s.CreateSecret(ctx, sec); err != nil {
		t.Fatal(err)
	}
	later := secretBase.Add(time.Hour)
	sec.Description, sec.Tags, sec.LastChangedDate = "new", nil, later
	sec.DeletedDate, sec.DeletionDate = later, later.Add(7*24*time.Hour)
	sec.Versions[0].Stages = []string{"AWSPREVIOUS"}
	// A changed value for an existing version must be ignored: values are
	// written once.
	sec.Versions[0].Sealed = []byte{9}
	sec.Versions = append(sec.Versions, secrets.Version{ID: strings.Repeat("2", 32), Stages: []string{"AWSCURRENT"}, Binary: true, CreatedDate: later, Sealed: []byte{4}})
	if err := s.UpdateSecret(ctx, sec); err != nil {
		t.Fatal(err)
	}
	// The same revision again has lost the race.
	if err := s.UpdateSecret(ctx, sec); !errors.Is(err, secrets.ErrConflict) {
		t.Fatalf("stale update: %v, want ErrConflict", err)
	}
	got, err := s.GetSecretByName(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision != 2 || got.Description != "new" || len(got.Tags) != 0 || !got.LastChangedDate.Equal(later) ||
		!got.DeletedDate.Equal(later) || !got.DeletionDate.Equal(later.Add(7*24*time.Hour)) {
		t.Fatalf("after update: %+v", got)
	}
	wantVersions := []secrets.Version{
		{ID: strings.Repeat("1", 32), Stages: []string{"AWSPREVIOUS"}, CreatedDate: secretBase, Sealed: []byte{1, 2, 3}},
		{ID: strings.Repeat("2", 32), Stages: []string{"AWSCURRENT"}, Binary: true, CreatedDate: later, Sealed: []byte{4}},
	}
	if !reflect.DeepEqual(got.Versions, wantVersions) {
		t.Fatalf("versions %+v\nwant %+v", got.Versions, wantVersions)
	}
	// Dropping a version from the set removes its row.
	got.Versions = got.Versions[1:]
	if err := s.UpdateSecret(ctx, got); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM sm_secret_versions`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("versions left: %d, %v", n, err)
	}

	day := time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)
	if err := s.TouchSecret(ctx, sec.ARN, day); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListSecrets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || !list[0].LastAccessedDate.Equal(day) || list[0].Revision != 3 || len(list[0].Versions) != 1 {
		t.Fatalf("list: %+v", list)
	}

	if err := s.DeleteSecret(ctx, sec.ARN); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSecret(ctx, sec.ARN); err != nil {
		t.Fatalf("deleting a missing secret: %v", err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM sm_secret_versions`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("versions after delete: %d, %v", n, err)
	}
	if _, err := s.GetSecretByARN(ctx, sec.ARN); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

// Through the service, as it is used: the plaintext never reaches the
// database.
func TestSecretsSealedAtRest(t *testing.T) {
	s, conn := openSecretsDB(t)
	ctx := context.Background()
	sealer, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc := secrets.New(secrets.Options{AccountID: "123456789012", Region: "us-east-1"}, s, sealer)
	const plain = `{"username":"admin","password":"hunter2-very-secret"}`
	str := plain
	out, err := svc.CreateSecret(ctx, &secrets.CreateSecretRequest{Name: "sealed", SecretString: &str})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PutSecretValue(ctx, &secrets.PutSecretValueRequest{SecretID: out.ARN, SecretBinary: []byte("binary-hunter2-very-secret")}); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `SELECT v::text FROM sm_secrets v UNION ALL SELECT v::text FROM sm_secret_versions v`)
	if err != nil {
		t.Fatal(err)
	}
	dump, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(dump, "\n")
	if !strings.Contains(all, "sealed") {
		t.Fatalf("dump does not hold the secret's row: %s", all)
	}
	var raw [][]byte
	rows, err = conn.Query(ctx, `SELECT sealed_value FROM sm_secret_versions`)
	if err != nil {
		t.Fatal(err)
	}
	if raw, err = pgx.CollectRows(rows, pgx.RowTo[[]byte]); err != nil || len(raw) != 2 {
		t.Fatalf("sealed values: %d, %v", len(raw), err)
	}
	for _, needle := range []string{"hunter2", "very-secret", "username"} {
		if strings.Contains(all, needle) {
			t.Errorf("%q readable in the database", needle)
		}
		for _, b := range raw {
			if bytes.Contains(b, []byte(needle)) {
				t.Errorf("%q readable in sealed_value", needle)
			}
		}
	}
	got, err := svc.GetSecretValue(ctx, &secrets.GetSecretValueRequest{SecretID: "sealed", VersionStage: "AWSPREVIOUS"})
	if err != nil {
		t.Fatal(err)
	}
	if got.SecretString == nil || *got.SecretString != plain {
		t.Fatalf("opened value %v", got.SecretString)
	}
}
