package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

// The fuzz targets send arbitrary input to every registered operation of a
// real App (store and targets on the package's throwaway PostgreSQL),
// signed by the root user as an SDK would sign it, and require of every
// reply that it is not a 5xx and that an error is a well-formed AWS error
// envelope of the request's protocol. The one 5xx allowed is the Data
// API's DatabaseConnectionException, a server fault in AWS's model (500)
// that the catalog operations send, as AWS does, when the database named
// cannot be connected to (one that does not exist). Their seeds are generated from the
// operations the routers registered, so a new operation is fuzzed without
// anyone listing it; testdata/fuzz/<FuzzName>/ keeps the inputs that once
// got a 500 (issue 9: NUL characters, invalid UTF-8, forged tokens), which
// plain `go test` replays.

// send POSTs body to the App's server, signed for service by the root
// user (X-Amz-Target, when set, is signed too, as the SDKs sign it). ok is
// false when the request cannot be put on the wire at all (a header value
// with a newline): no client can send it, so there is nothing to check.
func send(tb testing.TB, env *apptest.Env, contentType, target string, body []byte, service string) (res *http.Response, reply []byte, ok bool) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, env.Server.URL+"/", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if target != "" {
		req.Header["X-Amz-Target"] = []string{target}
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: apptest.AccessKeyID, SecretAccessKey: apptest.SecretAccessKey},
		req, hex.EncodeToString(sum[:]), service, apptest.Region, time.Now()); err != nil {
		tb.Fatal(err)
	}
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		if strings.Contains(err.Error(), "invalid header") {
			return nil, nil, false
		}
		tb.Fatal(err)
	}
	defer res.Body.Close()
	reply, err = io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return res, reply, true
}

func FuzzJSON(f *testing.F) {
	env := apptest.Start(f, apptest.Options{})
	signing := map[string]string{}
	for _, op := range env.App.Operations().JSON {
		prefix, _, _ := strings.Cut(op.Target, ".")
		signing[prefix] = op.SigningName
		f.Add(op.Target, []byte(`{}`))
		f.Add(op.Target, []byte(``))
	}
	if len(signing) < 3 {
		f.Fatalf("the App registers JSON operations of %d services", len(signing))
	}
	// The harness reaches the operations: a signed request is served.
	if res, reply, _ := send(f, env, "application/x-amz-json-1.1", "RedshiftData.ListStatements", []byte(`{}`), "redshift-data"); res.StatusCode != http.StatusOK {
		f.Fatalf("ListStatements: %d %s", res.StatusCode, reply)
	}
	f.Fuzz(func(t *testing.T, target string, body []byte) {
		prefix, _, _ := strings.Cut(target, ".")
		service := signing[prefix]
		if service == "" {
			service = "redshift-data"
		}
		res, reply, ok := send(t, env, "application/x-amz-json-1.1", target, body, service)
		if !ok {
			return
		}
		if res.StatusCode >= 500 && res.Header.Get("X-Amzn-ErrorType") != "DatabaseConnectionException" {
			t.Fatalf("%s %q: %d %s", target, body, res.StatusCode, reply)
		}
		if res.StatusCode < 400 {
			return
		}
		var envelope struct {
			Type    *string `json:"__type"`
			Message *string `json:"message"`
		}
		if err := json.Unmarshal(reply, &envelope); err != nil || envelope.Type == nil || *envelope.Type == "" || envelope.Message == nil {
			t.Fatalf("%s %q: %d, not a JSON error envelope: %s", target, body, res.StatusCode, reply)
		}
		if got := res.Header.Get("X-Amzn-ErrorType"); got != *envelope.Type {
			t.Fatalf("%s %q: X-Amzn-ErrorType %q, __type %q", target, body, got, *envelope.Type)
		}
		if res.Header.Get("Content-Type") != "application/x-amz-json-1.1" || res.Header.Get("x-amzn-RequestId") == "" {
			t.Fatalf("%s %q: headers %v", target, body, res.Header)
		}
	})
}

func FuzzQuery(f *testing.F) {
	env := apptest.Start(f, apptest.Options{})
	services := map[string]bool{}
	for _, op := range env.App.Operations().Query {
		services[op.Service] = true
		f.Add(op.Service, []byte("Action="+op.Action+"&Version="+op.Version))
		f.Add(op.Service, []byte("Action="+op.Action))
	}
	if len(services) < 3 {
		f.Fatalf("the App registers Query actions of %d services", len(services))
	}
	if res, reply, _ := send(f, env, "application/x-www-form-urlencoded; charset=utf-8", "", []byte("Action=GetCallerIdentity&Version=2011-06-15"), "sts"); res.StatusCode != http.StatusOK {
		f.Fatalf("GetCallerIdentity: %d %s", res.StatusCode, reply)
	}
	f.Fuzz(func(t *testing.T, service string, form []byte) {
		res, reply, ok := send(t, env, "application/x-www-form-urlencoded; charset=utf-8", "", form, service)
		if !ok {
			return
		}
		if res.StatusCode >= 500 {
			t.Fatalf("%s %q: %d %s", service, form, res.StatusCode, reply)
		}
		if res.StatusCode < 400 {
			return
		}
		var envelope struct {
			XMLName xml.Name `xml:"ErrorResponse"`
			Error   struct {
				Type, Code string
				Message    *string
			}
			RequestID string `xml:"RequestId"`
		}
		if err := xml.Unmarshal(reply, &envelope); err != nil || envelope.Error.Code == "" ||
			envelope.Error.Type != "Sender" || envelope.Error.Message == nil || envelope.RequestID == "" {
			t.Fatalf("%s %q: %d, not a Query error envelope (%v): %s", service, form, res.StatusCode, err, reply)
		}
		if res.Header.Get("Content-Type") != "text/xml" {
			t.Fatalf("%s %q: Content-Type %q", service, form, res.Header.Get("Content-Type"))
		}
	})
}
