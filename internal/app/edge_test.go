package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// queryReply is a Query-protocol reply.
type queryReply struct {
	status  int
	header  http.Header
	rawBody string
	code    string
	message string
}

// queryCall sends a raw Query-protocol form, signed by the root user for
// service: the SDKs percent-encode what they send, so only raw requests can
// carry bytes that are not UTF-8.
func queryCall(t testing.TB, env *apptest.Env, service, form string) queryReply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, env.Server.URL+"/", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(form))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: apptest.AccessKeyID, SecretAccessKey: apptest.SecretAccessKey},
		req, hex.EncodeToString(sum[:]), service, apptest.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := queryReply{status: resp.StatusCode, header: resp.Header, rawBody: string(raw)}
	var env2 struct {
		Error struct{ Code, Message string }
	}
	if xml.Unmarshal(raw, &env2) == nil {
		r.code, r.message = env2.Error.Code, env2.Error.Message
	}
	return r
}

// TestTextTheDatabaseCannotStore sends what issue 9 sent: a NUL character
// (valid JSON as \u0000) in members of every JSON service, a body that is
// not UTF-8, and NUL or non-UTF-8 bytes in Query forms. Each reached
// PostgreSQL and came back as 500 InternalFailure (SQLSTATE 22P05/22021);
// each must be AWS's 400.
func TestTextTheDatabaseCannotStore(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	const validation, serialization = "ValidationException", "SerializationException"
	for _, c := range []struct{ name, target, body, code string }{
		{"statement name", "RedshiftData.ExecuteStatement", `{"ClusterIdentifier":"local","Database":"dev","Sql":"select 1","StatementName":"\u0000"}`, validation},
		{"sql", "RedshiftData.ExecuteStatement", `{"ClusterIdentifier":"local","Database":"dev","Sql":"select '\u0000'"}`, validation},
		{"sqls element", "RedshiftData.BatchExecuteStatement", `{"WorkgroupName":"default","Database":"dev","Sqls":["select 1","select '\u0000'"]}`, validation},
		{"parameter value", "RedshiftData.ExecuteStatement", `{"ClusterIdentifier":"local","Database":"dev","Sql":"select :a","Parameters":[{"name":"a","value":"\u0000"}]}`, validation},
		{"cluster identifier", "RedshiftData.ExecuteStatement", `{"ClusterIdentifier":"\u0000","Database":"dev","Sql":"select 1"}`, validation},
		{"session id", "RedshiftData.ExecuteStatement", `{"SessionId":"\u0000","Sql":"select 1"}`, validation},
		{"forged next token", "RedshiftData.ListStatements", `{"NextToken":"\u0000"}`, validation},
		{"statement id", "RedshiftData.DescribeStatement", `{"Id":"\u0000"}`, validation},
		{"invalid utf-8 sql", "RedshiftData.ExecuteStatement", "{\"ClusterIdentifier\":\"local\",\"Database\":\"dev\",\"Sql\":\"select '\xff\xfe'\"}", serialization},
		{"secret name", "secretsmanager.CreateSecret", `{"Name":"a\u0000b","SecretString":"x"}`, validation},
		{"secret id", "secretsmanager.GetSecretValue", `{"SecretId":"\u0000"}`, validation},
		{"secret string", "secretsmanager.CreateSecret", `{"Name":"ok","SecretString":"\u0000"}`, validation},
		{"secret invalid utf-8", "secretsmanager.DescribeSecret", "{\"SecretId\":\"\xff\xfe\"}", serialization},
		{"workgroup name", "RedshiftServerless.GetCredentials", `{"workgroupName":"\u0000"}`, validation},
		{"db name", "RedshiftServerless.GetCredentials", `{"workgroupName":"default","dbName":"\u0000"}`, validation},
	} {
		t.Run(c.name, func(t *testing.T) {
			signing := map[string]string{"RedshiftData": "redshift-data", "secretsmanager": "secretsmanager", "RedshiftServerless": "redshift-serverless"}
			prefix, _, _ := strings.Cut(c.target, ".")
			r := call(t, env, c.target, c.body, nil, true, apptest.AccessKeyID, apptest.SecretAccessKey, apptest.Region, signing[prefix], time.Now())
			expectError(t, r, http.StatusBadRequest, c.code, "")
		})
	}
	for _, c := range []struct{ name, service, form, code string }{
		{"iam user name nul", "iam", "Action=CreateUser&Version=2010-05-08&UserName=%00", "ValidationError"},
		{"iam user name raw invalid utf-8", "iam", "Action=CreateUser&Version=2010-05-08&UserName=\xff\xfe", "ValidationError"},
		{"iam get user nul", "iam", "Action=GetUser&Version=2010-05-08&UserName=a%00", "ValidationError"},
		{"sts role session name", "sts", "Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=%00", "ValidationError"},
		{"redshift create tags", "redshift", "Action=CreateTags&Version=2012-12-01&ResourceName=arn:aws:redshift:us-east-1:123456789012:cluster:local&Tags.Tag.1.Key=k&Tags.Tag.1.Value=%00", "InvalidParameterValue"},
		{"redshift cluster identifier", "redshift", "Action=DescribeClusters&Version=2012-12-01&ClusterIdentifier=%FF%FE", "InvalidParameterValue"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := queryCall(t, env, c.service, c.form)
			if r.status != http.StatusBadRequest || r.code != c.code || r.message == "" {
				t.Fatalf("got %d %s; want 400 %s", r.status, r.rawBody, c.code)
			}
		})
	}
}
