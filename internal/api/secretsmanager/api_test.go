package secretsmanager_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/api/secretsmanager"
	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awsjson"
	"github.com/rsdata/rsdata/internal/sdkhttp"
	"github.com/rsdata/rsdata/internal/seal"
	"github.com/rsdata/rsdata/internal/secrets"
	"github.com/rsdata/rsdata/internal/store"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

const (
	account = "123456789012"
	region  = "us-east-1"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	client *sm.Client
	svc    *secrets.Service
	clock  *clock
	conn   *pgx.Conn
	url    string
}

func newEnv(t *testing.T, p *auth.Principal) *env {
	t.Helper()
	return newEnvWith(t, p, auth.RootOnly{})
}

func newEnvWith(t *testing.T, p *auth.Principal, az auth.Authorizer) *env {
	t.Helper()
	ctx := context.Background()
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	st, err := store.Open(ctx, srv.ConnString("postgres", db), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	conn, err := pgx.Connect(ctx, srv.ConnString("postgres", db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	sealer, err := seal.New(bytes.Repeat([]byte{42}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}
	svc := secrets.New(secrets.Options{AccountID: account, Region: region, Clock: clk.Now}, st.Secrets(), sealer)
	r := awsjson.NewRouter(nil)
	secretsmanager.New(svc, az, secretsmanager.Options{AccountID: account, Region: region}).Register(r)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.ServeHTTP(w, req.WithContext(auth.WithPrincipal(req.Context(), p)))
	}))
	t.Cleanup(hs.Close)
	client := sm.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint: aws.String(hs.URL),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   &http.Client{Transport: sdkhttp.BufferedBodies{Next: http.DefaultTransport.(*http.Transport).Clone()}},
	})
	return &env{client: client, svc: svc, clock: clk, conn: conn, url: hs.URL}
}

var root = &auth.Principal{Root: true, ARN: "arn:aws:iam::" + account + ":root", AccountID: account}

func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("got %s %q, want %s %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
	// Every Secrets Manager exception a caller can cause is a 400.
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != 400 {
		t.Fatalf("%s sent with HTTP status %v, want 400", code, re)
	}
}

func tok(c byte) *string { return aws.String(string(bytes.Repeat([]byte{c}, 32))) }

const (
	msgNotFound = "Secrets Manager can't find the specified secret."
	msgDeleted  = "You can't perform this operation on the secret because it was marked for deletion."
)

func TestFlow(t *testing.T) {
	e := newEnv(t, root)
	ctx := context.Background()
	c := e.client
	created, err := c.CreateSecret(ctx, &sm.CreateSecretInput{
		Name: aws.String("prod/redshift"), Description: aws.String("creds"), KmsKeyId: aws.String("alias/mine"),
		SecretString: aws.String("v1"), ClientRequestToken: tok('a'),
		Tags: []types.Tag{{Key: aws.String("RedshiftDataFullAccess"), Value: aws.String("yes")}, {Key: aws.String("team"), Value: aws.String("data")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.ARN)
	if !regexp.MustCompile(`^arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/redshift-[A-Za-z0-9]{6}$`).MatchString(arn) {
		t.Fatalf("ARN %s", arn)
	}
	if aws.ToString(created.VersionId) != *tok('a') || aws.ToString(created.Name) != "prod/redshift" {
		t.Fatalf("created %+v", created)
	}
	partial := arn[:len(arn)-7]
	for _, id := range []string{"prod/redshift", arn, partial} {
		got, err := c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			t.Fatalf("get %s: %v", id, err)
		}
		if aws.ToString(got.SecretString) != "v1" || aws.ToString(got.ARN) != arn || aws.ToString(got.VersionId) != *tok('a') ||
			!slices.Equal(got.VersionStages, []string{"AWSCURRENT"}) || !got.CreatedDate.Equal(e.clock.Now()) {
			t.Fatalf("get %s: %+v", id, got)
		}
	}
	// Another account's partial ARN is not this secret.
	_, err = c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("arn:aws:secretsmanager:us-east-1:999999999999:secret:prod/redshift")})
	wantErr(t, err, "ResourceNotFoundException", msgNotFound)

	e.clock.Add(time.Hour)
	desc, err := c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)
	if aws.ToString(desc.Description) != "creds" || aws.ToString(desc.KmsKeyId) != "alias/mine" || len(desc.Tags) != 2 ||
		!desc.LastAccessedDate.Equal(day) || desc.DeletedDate != nil ||
		!slices.Equal(desc.VersionIdsToStages[*tok('a')], []string{"AWSCURRENT"}) ||
		!desc.CreatedDate.Equal(e.clock.Now().Add(-time.Hour)) {
		t.Fatalf("describe %+v", desc)
	}

	// A new version becomes current; the old one previous.
	put, err := c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("prod/redshift"), SecretString: aws.String("v2"), ClientRequestToken: tok('b')})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(put.VersionId) != *tok('b') || !slices.Equal(put.VersionStages, []string{"AWSCURRENT"}) {
		t.Fatalf("put %+v", put)
	}
	// Retrying with the same token and value changes nothing.
	again, err := c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("prod/redshift"), SecretString: aws.String("v2"), ClientRequestToken: tok('b')})
	if err != nil || aws.ToString(again.VersionId) != *tok('b') {
		t.Fatalf("retry: %+v %v", again, err)
	}
	_, err = c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("prod/redshift"), SecretString: aws.String("other"), ClientRequestToken: tok('b')})
	wantErr(t, err, "ResourceExistsException", "You can't modify an existing version, you can only create new versions.")
	// A pending version moves no other label.
	if _, err := c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(arn), SecretString: aws.String("v3"), ClientRequestToken: tok('c'), VersionStages: []string{"AWSPENDING"}}); err != nil {
		t.Fatal(err)
	}
	for stage, want := range map[string]string{"AWSCURRENT": "v2", "AWSPREVIOUS": "v1", "AWSPENDING": "v3"} {
		got, err := c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(arn), VersionStage: aws.String(stage)})
		if err != nil || aws.ToString(got.SecretString) != want {
			t.Fatalf("%s: %+v %v", stage, got, err)
		}
	}
	byID, err := c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(arn), VersionId: tok('a')})
	if err != nil || aws.ToString(byID.SecretString) != "v1" || !slices.Equal(byID.VersionStages, []string{"AWSPREVIOUS"}) {
		t.Fatalf("by id: %+v %v", byID, err)
	}

	// UpdateSecret with a value: current moves again.
	upd, err := c.UpdateSecret(ctx, &sm.UpdateSecretInput{SecretId: aws.String(arn), Description: aws.String("new"), SecretString: aws.String("v4"), ClientRequestToken: tok('d')})
	if err != nil || aws.ToString(upd.VersionId) != *tok('d') {
		t.Fatalf("update: %+v %v", upd, err)
	}
	upd, err = c.UpdateSecret(ctx, &sm.UpdateSecretInput{SecretId: aws.String(arn), Description: aws.String("newer")})
	if err != nil || upd.VersionId != nil {
		t.Fatalf("update description: %+v %v", upd, err)
	}
	desc, err = c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	wantStages := map[string][]string{*tok('a'): nil, *tok('b'): {"AWSPREVIOUS"}, *tok('c'): {"AWSPENDING"}, *tok('d'): {"AWSCURRENT"}}
	for id, want := range wantStages {
		if !slices.Equal(desc.VersionIdsToStages[id], want) {
			t.Fatalf("stages %v", desc.VersionIdsToStages)
		}
	}
	if aws.ToString(desc.Description) != "newer" {
		t.Fatalf("description %q", aws.ToString(desc.Description))
	}

	// Tags.
	if _, err := c.TagResource(ctx, &sm.TagResourceInput{SecretId: aws.String(arn), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}, {Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &sm.UntagResourceInput{SecretId: aws.String(arn), TagKeys: []string{"RedshiftDataFullAccess"}}); err != nil {
		t.Fatal(err)
	}
	desc, err = c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	gotTags := map[string]string{}
	for _, tg := range desc.Tags {
		gotTags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	if len(gotTags) != 2 || gotTags["team"] != "ops" || gotTags["env"] != "prod" {
		t.Fatalf("tags %v", gotTags)
	}

	// Delete with a recovery window: reads fail, describe and restore work.
	del, err := c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("prod/redshift"), RecoveryWindowInDays: aws.Int64(7)})
	if err != nil {
		t.Fatal(err)
	}
	if !del.DeletionDate.Equal(e.clock.Now().Add(7*24*time.Hour)) || aws.ToString(del.ARN) != arn {
		t.Fatalf("delete %+v", del)
	}
	_, err = c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(arn)})
	wantErr(t, err, "InvalidRequestException", msgDeleted)
	_, err = c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(arn), SecretString: aws.String("x")})
	wantErr(t, err, "InvalidRequestException", msgDeleted)
	_, err = c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String(arn)})
	wantErr(t, err, "InvalidRequestException", msgDeleted)
	desc, err = c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(arn)})
	if err != nil || desc.DeletedDate == nil || !desc.DeletedDate.Equal(e.clock.Now()) {
		t.Fatalf("describe deleted: %+v %v", desc, err)
	}
	list, err := c.ListSecrets(ctx, &sm.ListSecretsInput{})
	if err != nil || len(list.SecretList) != 0 {
		t.Fatalf("list without planned deletions: %+v %v", list, err)
	}
	list, err = c.ListSecrets(ctx, &sm.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true)})
	if err != nil || len(list.SecretList) != 1 {
		t.Fatalf("list with planned deletions: %+v %v", list, err)
	}
	if _, err := c.RestoreSecret(ctx, &sm.RestoreSecretInput{SecretId: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil || aws.ToString(got.SecretString) != "v4" {
		t.Fatalf("after restore: %+v %v", got, err)
	}

	// Force delete: gone at once, and the name is free.
	if _, err := c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String(arn), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(arn)})
	wantErr(t, err, "ResourceNotFoundException", msgNotFound)
	if _, err := c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("never-was"), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Fatalf("force delete of a missing secret: %v", err)
	}
	if _, err := c.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("prod/redshift")}); err != nil {
		t.Fatalf("name not free: %v", err)
	}
}

func TestRecoveryWindowEnds(t *testing.T) {
	e := newEnv(t, root)
	ctx := context.Background()
	if _, err := e.client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("s"), SecretString: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(29 * 24 * time.Hour)
	if _, err := e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("s")}); err != nil {
		t.Fatalf("within the default 30-day window: %v", err)
	}
	e.clock.Add(24 * time.Hour)
	_, err := e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("s")})
	wantErr(t, err, "ResourceNotFoundException", msgNotFound)
	var n int
	if err := e.conn.QueryRow(ctx, `SELECT count(*) FROM sm_secret_versions`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("versions left: %d %v", n, err)
	}
}

func TestListFiltersAndPaging(t *testing.T) {
	e := newEnv(t, root)
	ctx := context.Background()
	for i, name := range []string{"app/one", "app/two", "db/three", "App/four"} {
		in := &sm.CreateSecretInput{Name: aws.String(name), Description: aws.String("Desc " + name)}
		if i%2 == 0 {
			in.Tags = []types.Tag{{Key: aws.String("kind"), Value: aws.String("even")}}
		}
		if _, err := e.client.CreateSecret(ctx, in); err != nil {
			t.Fatal(err)
		}
		e.clock.Add(time.Second)
	}
	names := func(in *sm.ListSecretsInput) []string {
		t.Helper()
		var out []string
		p := sm.NewListSecretsPaginator(e.client, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if in.MaxResults != nil && len(page.SecretList) > int(*in.MaxResults) {
				t.Fatalf("page of %d", len(page.SecretList))
			}
			for _, s := range page.SecretList {
				out = append(out, aws.ToString(s.Name))
			}
		}
		return out
	}
	filter := func(key types.FilterNameStringType, vals ...string) []types.Filter {
		return []types.Filter{{Key: key, Values: vals}}
	}
	for _, tc := range []struct {
		in   *sm.ListSecretsInput
		want []string
	}{
		{&sm.ListSecretsInput{MaxResults: aws.Int32(1)}, []string{"app/one", "app/two", "db/three", "App/four"}},
		{&sm.ListSecretsInput{SortOrder: types.SortOrderTypeDesc}, []string{"App/four", "db/three", "app/two", "app/one"}},
		{&sm.ListSecretsInput{SortBy: types.SortByTypeName}, []string{"App/four", "app/one", "app/two", "db/three"}},
		{&sm.ListSecretsInput{Filters: filter(types.FilterNameStringTypeName, "app/")}, []string{"app/one", "app/two"}},
		{&sm.ListSecretsInput{Filters: filter(types.FilterNameStringTypeName, "!app/")}, []string{"db/three", "App/four"}},
		{&sm.ListSecretsInput{Filters: filter(types.FilterNameStringTypeDescription, "desc app")}, []string{"app/one", "app/two", "App/four"}},
		{&sm.ListSecretsInput{Filters: filter(types.FilterNameStringTypeTagValue, "even")}, []string{"app/one", "db/three"}},
		{&sm.ListSecretsInput{Filters: append(filter(types.FilterNameStringTypeTagKey, "kind"), filter(types.FilterNameStringTypeName, "db")...)}, []string{"db/three"}},
		{&sm.ListSecretsInput{Filters: filter(types.FilterNameStringTypeAll, "THREE")}, []string{"db/three"}},
	} {
		if got := names(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: got %v, want %v", tc.in, got, tc.want)
		}
	}
	_, err := e.client.ListSecrets(ctx, &sm.ListSecretsInput{NextToken: aws.String("garbage")})
	wantErr(t, err, "InvalidNextTokenException", "The NextToken value is invalid.")
}

func TestErrors(t *testing.T) {
	e := newEnv(t, root)
	ctx := context.Background()
	c := e.client
	if _, err := c.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("taken"), SecretString: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("novalue")}); err != nil {
		t.Fatal(err)
	}
	missing := aws.String("missing")
	for name, tc := range map[string]struct {
		call      func() error
		code, msg string
	}{
		"create taken": {func() error {
			_, err := c.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("taken")})
			return err
		}, "ResourceExistsException", "The operation failed because the secret taken already exists."},
		"create bad name": {func() error {
			_, err := c.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("has space")})
			return err
		}, "InvalidParameterException", "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"},
		"create both values": {func() error {
			_, err := c.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("b"), SecretString: aws.String("x"), SecretBinary: []byte("y")})
			return err
		}, "InvalidParameterException", "You can't specify both a binary secret value and a string secret value in the same secret."},
		"get missing": {func() error {
			_, err := c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: missing})
			return err
		}, "ResourceNotFoundException", msgNotFound},
		"get no value": {func() error {
			_, err := c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("novalue")})
			return err
		}, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"},
		"get unknown version": {func() error {
			_, err := c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("taken"), VersionId: tok('z')})
			return err
		}, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for VersionId: " + *tok('z')},
		"describe missing": {func() error {
			_, err := c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: missing})
			return err
		}, "ResourceNotFoundException", msgNotFound},
		"put missing": {func() error {
			_, err := c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: missing, SecretString: aws.String("x")})
			return err
		}, "ResourceNotFoundException", msgNotFound},
		"put no value": {func() error {
			_, err := c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("taken")})
			return err
		}, "InvalidParameterException", "You must provide either SecretString or SecretBinary."},
		"update missing": {func() error {
			_, err := c.UpdateSecret(ctx, &sm.UpdateSecretInput{SecretId: missing, Description: aws.String("d")})
			return err
		}, "ResourceNotFoundException", msgNotFound},
		"delete missing": {func() error {
			_, err := c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: missing})
			return err
		}, "ResourceNotFoundException", msgNotFound},
		"delete window too short": {func() error {
			_, err := c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("taken"), RecoveryWindowInDays: aws.Int64(6)})
			return err
		}, "InvalidParameterException", "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."},
		"delete window too long": {func() error {
			_, err := c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("taken"), RecoveryWindowInDays: aws.Int64(31)})
			return err
		}, "InvalidParameterException", "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."},
		"delete force and window": {func() error {
			_, err := c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("taken"), RecoveryWindowInDays: aws.Int64(7), ForceDeleteWithoutRecovery: aws.Bool(true)})
			return err
		}, "InvalidParameterException", "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."},
		"restore missing": {func() error {
			_, err := c.RestoreSecret(ctx, &sm.RestoreSecretInput{SecretId: missing})
			return err
		}, "ResourceNotFoundException", msgNotFound},
		"tag missing": {func() error {
			_, err := c.TagResource(ctx, &sm.TagResourceInput{SecretId: missing, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		}, "ResourceNotFoundException", msgNotFound},
		"tag reserved": {func() error {
			_, err := c.TagResource(ctx, &sm.TagResourceInput{SecretId: aws.String("taken"), Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}}})
			return err
		}, "InvalidParameterException", "Tag keys starting with aws: are reserved for AWS use."},
		"untag missing": {func() error {
			_, err := c.UntagResource(ctx, &sm.UntagResourceInput{SecretId: missing, TagKeys: []string{"k"}})
			return err
		}, "ResourceNotFoundException", msgNotFound},
		"list bad max": {func() error {
			_, err := c.ListSecrets(ctx, &sm.ListSecretsInput{MaxResults: aws.Int32(101)})
			return err
		}, "InvalidParameterException", "MaxResults must be between 1 and 100."},
	} {
		t.Run(name, func(t *testing.T) { wantErr(t, tc.call(), tc.code, tc.msg) })
	}
}

func TestBinaryValue(t *testing.T) {
	e := newEnv(t, root)
	ctx := context.Background()
	bin := []byte{0, 1, 2, 0xff, 'x'}
	if _, err := e.client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("bin"), SecretBinary: bin}); err != nil {
		t.Fatal(err)
	}
	got, err := e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("bin")})
	if err != nil || !bytes.Equal(got.SecretBinary, bin) || got.SecretString != nil {
		t.Fatalf("binary: %+v %v", got, err)
	}
	if _, _, _, err := e.svc.ValueForDataAPI(ctx, "bin"); !errors.Is(err, secrets.ErrNotCredentials) {
		t.Fatalf("ValueForDataAPI of a binary secret: %v", err)
	}
}

func TestValueForDataAPI(t *testing.T) {
	e := newEnv(t, root)
	ctx := context.Background()
	out, err := e.client.CreateSecret(ctx, &sm.CreateSecretInput{
		Name:         aws.String("redshift/local"),
		SecretString: aws.String(`{"username":"u","password":"p","dbClusterIdentifier":"local","port":5439,"engine":"redshift","host":"h","dbname":"dev"}`),
		Tags:         []types.Tag{{Key: aws.String("RedshiftDataFullAccess"), Value: aws.String("true")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.ARN)
	for _, id := range []string{"redshift/local", arn, arn[:len(arn)-7]} {
		v, tags, gotARN, err := e.svc.ValueForDataAPI(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := secrets.Value{Username: "u", Password: "p", DbClusterIdentifier: "local", Engine: "redshift", Host: "h", Port: "5439", DbName: "dev"}
		if *v != want || gotARN != arn || len(tags) != 1 || tags["RedshiftDataFullAccess"] != "true" {
			t.Fatalf("%s: %+v %v %s", id, v, tags, gotARN)
		}
	}
	if _, err := e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(arn), SecretString: aws.String(`{"username":"u2","password":"p2","port":"5440"}`)}); err != nil {
		t.Fatal(err)
	}
	v, _, _, err := e.svc.ValueForDataAPI(ctx, arn)
	if err != nil || v.Username != "u2" || v.Password != "p2" || v.Port != "5440" || v.DbClusterIdentifier != "" {
		t.Fatalf("after put: %+v %v", v, err)
	}
	if _, _, _, err := e.svc.ValueForDataAPI(ctx, "nope"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	if _, err := e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(arn), SecretString: aws.String(`not json`)}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := e.svc.ValueForDataAPI(ctx, arn); !errors.Is(err, secrets.ErrNotCredentials) {
		t.Fatalf("not JSON: %v", err)
	}
	if _, err := e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := e.svc.ValueForDataAPI(ctx, arn); !errors.Is(err, secrets.ErrMarkedForDeletion) {
		t.Fatalf("marked for deletion: %v", err)
	}
}

func TestValuesSealedAtRest(t *testing.T) {
	e := newEnv(t, root)
	ctx := context.Background()
	if _, err := e.client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("s"), SecretString: aws.String(`{"password":"correct-horse-battery"}`)}); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	if err := e.conn.QueryRow(ctx, `SELECT sealed_value FROM sm_secret_versions`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) == 0 || bytes.Contains(raw, []byte("correct-horse")) {
		t.Fatalf("sealed value %q", raw)
	}
}

func TestAccessDenied(t *testing.T) {
	e := newEnv(t, &auth.Principal{ARN: "arn:aws:iam::" + account + ":user/alice", AccountID: account})
	_, err := e.client.CreateSecret(context.Background(), &sm.CreateSecretInput{Name: aws.String("s")})
	wantErr(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: secretsmanager:CreateSecret on resource: *")
	_, err = e.client.GetSecretValue(context.Background(), &sm.GetSecretValueInput{SecretId: aws.String("missing")})
	wantErr(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: secretsmanager:GetSecretValue on resource: missing")
	_, err = e.client.ListSecrets(context.Background(), &sm.ListSecretsInput{})
	wantErr(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: secretsmanager:ListSecrets")
}

// recorder authorizes as RootOnly and keeps every request it was asked.
type recorder struct {
	mu   sync.Mutex
	reqs []auth.Request
}

func (r *recorder) Authorize(ctx context.Context, p *auth.Principal, req auth.Request) error {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return auth.RootOnly{}.Authorize(ctx, p, req)
}

func (r *recorder) last() auth.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reqs[len(r.reqs)-1]
}

func TestAuthorizationRequests(t *testing.T) {
	rec := &recorder{}
	e := newEnvWith(t, root, rec)
	ctx := context.Background()
	out, err := e.client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("s"), SecretString: aws.String("x"),
		Tags: []types.Tag{{Key: aws.String("RedshiftDataFullAccess"), Value: aws.String("yes")}}})
	if err != nil {
		t.Fatal(err)
	}
	if r := rec.last(); r.Action != "secretsmanager:CreateSecret" || r.Resource != "*" || !slices.Equal(r.Context["aws:RequestTag/RedshiftDataFullAccess"], []string{"yes"}) {
		t.Fatalf("create: %+v", r)
	}
	for _, call := range []struct {
		action string
		do     func() error
	}{
		{"secretsmanager:GetSecretValue", func() error {
			_, err := e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("s")})
			return err
		}},
		{"secretsmanager:DescribeSecret", func() error {
			_, err := e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("s")})
			return err
		}},
		{"secretsmanager:PutSecretValue", func() error {
			_, err := e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("y")})
			return err
		}},
		{"secretsmanager:UpdateSecret", func() error {
			_, err := e.client.UpdateSecret(ctx, &sm.UpdateSecretInput{SecretId: aws.String("s"), Description: aws.String("d")})
			return err
		}},
		{"secretsmanager:TagResource", func() error {
			_, err := e.client.TagResource(ctx, &sm.TagResourceInput{SecretId: aws.String("s"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		}},
		{"secretsmanager:UntagResource", func() error {
			_, err := e.client.UntagResource(ctx, &sm.UntagResourceInput{SecretId: aws.String("s"), TagKeys: []string{"k"}})
			return err
		}},
		{"secretsmanager:DeleteSecret", func() error {
			_, err := e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("s")})
			return err
		}},
		{"secretsmanager:RestoreSecret", func() error {
			_, err := e.client.RestoreSecret(ctx, &sm.RestoreSecretInput{SecretId: aws.String("s")})
			return err
		}},
	} {
		if err := call.do(); err != nil {
			t.Fatalf("%s: %v", call.action, err)
		}
		r := rec.last()
		if r.Action != call.action || r.Resource != aws.ToString(out.ARN) ||
			!slices.Equal(r.Context["secretsmanager:ResourceTag/RedshiftDataFullAccess"], []string{"yes"}) ||
			!slices.Equal(r.Context["aws:ResourceTag/RedshiftDataFullAccess"], []string{"yes"}) {
			t.Fatalf("%s: %+v", call.action, r)
		}
	}
	if _, err := e.client.ListSecrets(ctx, &sm.ListSecretsInput{}); err != nil {
		t.Fatal(err)
	}
	if r := rec.last(); r.Action != "secretsmanager:ListSecrets" || r.Resource != "*" {
		t.Fatalf("list: %+v", r)
	}
}
