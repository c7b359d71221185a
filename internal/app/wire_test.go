package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

var ctx = context.Background()

type wireReply struct {
	status  int
	header  http.Header
	body    map[string]any
	rawBody string
}

// call sends a raw JSON 1.1 request, signed with the given credentials and
// scope unless sign is false.
func call(t *testing.T, env *apptest.Env, target, body string, mutate func(r *http.Request), sign bool, key, secret, region, service string, at time.Time) wireReply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, env.Server.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	if sign {
		sum := sha256.Sum256([]byte(body))
		err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
			req, hex.EncodeToString(sum[:]), service, region, at)
		if err != nil {
			t.Fatal(err)
		}
	}
	if mutate != nil {
		mutate(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := wireReply{status: resp.StatusCode, header: resp.Header, rawBody: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func rootCall(t *testing.T, env *apptest.Env, target, body string) wireReply {
	return call(t, env, target, body, nil, true, apptest.AccessKeyID, apptest.SecretAccessKey, apptest.Region, "redshift-data", time.Now())
}

func expectError(t *testing.T, r wireReply, status int, code, message string) {
	t.Helper()
	if r.status != status || r.body["__type"] != code || (message != "" && r.body["message"] != message) {
		t.Fatalf("got %d %s; want %d %s %q", r.status, r.rawBody, status, code, message)
	}
	if r.header.Get("X-Amzn-ErrorType") != code {
		t.Errorf("X-Amzn-ErrorType = %q, want %q", r.header.Get("X-Amzn-ErrorType"), code)
	}
	if len(r.header.Get("x-amzn-RequestId")) != 36 {
		t.Errorf("x-amzn-RequestId = %q", r.header.Get("x-amzn-RequestId"))
	}
	if ct := r.header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestAuthenticationRefusals(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	const target = "RedshiftData.ListStatements"
	now := time.Now()
	cases := []struct {
		name                         string
		sign                         bool
		key, secret, region, service string
		at                           time.Time
		mutate                       func(*http.Request)
		code, message                string
	}{
		{name: "no authentication", code: "MissingAuthenticationTokenException", message: "Request is missing Authentication Token"},
		{name: "unknown key", sign: true, key: "AKIAUNKNOWN000000000", secret: "x", region: apptest.Region, service: "redshift-data", at: now,
			code: "UnrecognizedClientException", message: "The security token included in the request is invalid."},
		{name: "wrong secret", sign: true, key: apptest.AccessKeyID, secret: "wrong", region: apptest.Region, service: "redshift-data", at: now,
			code: "InvalidSignatureException", message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
		{name: "16 minutes old", sign: true, key: apptest.AccessKeyID, secret: apptest.SecretAccessKey, region: apptest.Region, service: "redshift-data", at: now.Add(-16 * time.Minute),
			code: "InvalidSignatureException"},
		{name: "wrong region", sign: true, key: apptest.AccessKeyID, secret: apptest.SecretAccessKey, region: "eu-west-1", service: "redshift-data", at: now,
			code: "InvalidSignatureException"},
		{name: "wrong service", sign: true, key: apptest.AccessKeyID, secret: apptest.SecretAccessKey, region: apptest.Region, service: "s3", at: now,
			code: "InvalidSignatureException"},
		{name: "body changed after signing", sign: true, key: apptest.AccessKeyID, secret: apptest.SecretAccessKey, region: apptest.Region, service: "redshift-data", at: now,
			mutate: func(r *http.Request) {
				r.Body = io.NopCloser(strings.NewReader(`{"Status":"FAILED"}`))
				r.ContentLength = int64(len(`{"Status":"FAILED"}`))
			}, code: "InvalidSignatureException"},
		{name: "garbage authorization", mutate: func(r *http.Request) { r.Header.Set("Authorization", "AWS4-HMAC-SHA256 nonsense") },
			code: "IncompleteSignatureException"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := call(t, env, target, `{}`, c.mutate, c.sign, c.key, c.secret, c.region, c.service, c.at)
			expectError(t, r, http.StatusBadRequest, c.code, c.message)
			if c.message == "" && r.body["message"] == "" {
				t.Errorf("no message in %s", r.rawBody)
			}
		})
	}
	// The same request, correctly signed, is served.
	if r := rootCall(t, env, target, `{}`); r.status != http.StatusOK {
		t.Fatalf("signed request refused: %d %s", r.status, r.rawBody)
	}
}

// TestPresignedRequest authenticates with the query-string form of SigV4.
func TestPresignedRequest(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	body := `{"Status":"ALL"}`
	presign := func(secret string, expires string) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/?X-Amz-Expires="+expires, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "RedshiftData.ListStatements")
		sum := sha256.Sum256([]byte(body))
		url, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: apptest.AccessKeyID, SecretAccessKey: secret},
			req, hex.EncodeToString(sum[:]), "redshift-data", apptest.Region, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		out, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		out.Header = hdr
		return out
	}
	do := func(req *http.Request) (int, string) {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, b := do(presign(apptest.SecretAccessKey, "300")); status != 200 || b != `{"Statements":[]}` {
		t.Fatalf("presigned request: %d %s", status, b)
	}
	if status, b := do(presign("wrong", "300")); status != 400 || !strings.Contains(b, "InvalidSignatureException") {
		t.Fatalf("presigned with a wrong secret: %d %s", status, b)
	}
}

func TestProtocolErrors(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	expectError(t, rootCall(t, env, "RedshiftData.ExecuteStatement", `{"Sql": `), http.StatusBadRequest, "SerializationException", "")
	expectError(t, rootCall(t, env, "RedshiftData.ExecuteStatement", `{"Sql": 5}`), http.StatusBadRequest, "SerializationException", "")
	expectError(t, rootCall(t, env, "RedshiftData.ExecuteStatement", `[1,2]`), http.StatusBadRequest, "SerializationException", "")
	expectError(t, rootCall(t, env, "RedshiftData.DropEverything", `{}`), http.StatusBadRequest, "UnknownOperationException", "Unknown operation RedshiftData.DropEverything")
	expectError(t, rootCall(t, env, "", `{}`), http.StatusBadRequest, "UnknownOperationException", "")
	expectError(t, rootCall(t, env, "RedshiftData.ExecuteStatement", `{}`), http.StatusBadRequest, "ValidationException",
		"1 validation error detected: Value null at 'sql' failed to satisfy constraint: Member must not be null")

	// Members the model does not know (a newer SDK's) are accepted.
	r := rootCall(t, env, "RedshiftData.ListStatements", `{"SomeFutureMember": {"x": [1]}, "Status": "ALL"}`)
	if r.status != http.StatusOK || r.rawBody != `{"Statements":[]}` {
		t.Fatalf("unknown member: %d %s", r.status, r.rawBody)
	}
	// Bodies are bounded.
	big := `{"Sql":"` + strings.Repeat("x", 9<<20) + `"}`
	r = rootCall(t, env, "RedshiftData.ExecuteStatement", big)
	expectError(t, r, http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", "")
}

func TestResponseShapes(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	d := env.Run(t, "select 1 as one")
	r := rootCall(t, env, "RedshiftData.DescribeStatement", `{"Id":"`+*d.Id+`"}`)
	if r.status != 200 {
		t.Fatal(r.rawBody)
	}
	for _, absent := range []string{"Error", "SecretArn", "WorkgroupName", "SessionId", "QueryParameters", "SubStatements"} {
		if _, ok := r.body[absent]; ok {
			t.Errorf("DescribeStatement sends %s for a plain finished statement: %s", absent, r.rawBody)
		}
	}
	if strings.Contains(r.rawBody, "null") {
		t.Errorf("null in %s", r.rawBody)
	}
	created, ok := r.body["CreatedAt"].(float64)
	if !ok || created < 1.7e9 || created > 4e9 {
		t.Errorf("CreatedAt is not epoch seconds: %v", r.body["CreatedAt"])
	}
	res := rootCall(t, env, "RedshiftData.GetStatementResult", `{"Id":"`+*d.Id+`"}`)
	if _, ok := res.body["NextToken"]; ok || !strings.HasPrefix(res.rawBody, `{"Records":[[{"longValue":1}]],"ColumnMetadata":[`) {
		t.Errorf("result page: %s", res.rawBody)
	}
}

// TestResultPagesHaveContentLength checks that result pages, written around
// pre-encoded records, arrive with an exact Content-Length as AWS's replies
// do rather than chunked, in JSON and in CSV.
func TestResultPagesHaveContentLength(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	// Well over net/http's 4 KiB response buffer, past which a reply
	// without a Content-Length would be sent chunked.
	const sql = "select g, repeat('x', 20) from generate_series(1, 2000) g"
	for _, tc := range []struct{ format, op string }{{"JSON", "GetStatementResult"}, {"CSV", "GetStatementResultV2"}} {
		r := rootCall(t, env, "RedshiftData.ExecuteStatement", `{"ClusterIdentifier":"local","Database":"`+env.Database+
			`","DbUser":"awsuser","Sql":"`+sql+`","ResultFormat":"`+tc.format+`"}`)
		id, _ := r.body["Id"].(string)
		if r.status != http.StatusOK || id == "" {
			t.Fatalf("%s: ExecuteStatement: %s", tc.format, r.rawBody)
		}
		env.Wait(t, id)
		res := rootCall(t, env, "RedshiftData."+tc.op, `{"Id":"`+id+`"}`)
		if res.status != http.StatusOK || len(res.rawBody) < 16384 || !json.Valid([]byte(res.rawBody)) {
			t.Fatalf("%s: %s returned %d, %d bytes: %.200s", tc.format, tc.op, res.status, len(res.rawBody), res.rawBody)
		}
		if got, want := res.header.Get("Content-Length"), strconv.Itoa(len(res.rawBody)); got != want {
			t.Errorf("%s: Content-Length %q for a %s-byte reply", tc.format, got, want)
		}
	}
}

func TestHealthz(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	resp, err := http.Get(env.Server.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(body, []byte("ok\n")) {
		t.Fatalf("healthz: %d %q", resp.StatusCode, body)
	}
}
