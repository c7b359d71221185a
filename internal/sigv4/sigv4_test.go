package sigv4_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/rsdata/rsdata/internal/sigv4"
)

const (
	akid    = "AKIDEXAMPLE"
	secret  = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	tmpAKID = "ASIATEMPEXAMPLE"
	tmpSec  = "tmpSecretKeyEXAMPLE/+="
	tmpTok  = "FwoGZXIvYXdzEXAMPLE//////////token+with/odd=chars"
	service = "redshift-data"
	region  = "us-east-1"
	// endpoint is the AWS endpoint the test requests are addressed to.
	endpoint = "https://redshift-data.us-east-1.amazonaws.com"
)

var (
	// signTime is deliberately away from midnight so that ±16 minutes does
	// not change the day.
	signTime = time.Date(2024, 3, 15, 12, 30, 45, 0, time.UTC)

	sentinels = []error{
		sigv4.ErrMissingAuth,
		sigv4.ErrMalformedAuth,
		sigv4.ErrUnknownAccessKey,
		sigv4.ErrSignatureMismatch,
		sigv4.ErrRequestExpired,
		sigv4.ErrWrongScope,
		sigv4.ErrTokenMismatch,
	}

	errStoreDown = errors.New("key store unavailable")
)

// keyStore is a KeyLookup backed by a map.
type keyStore map[string]sigv4.Credentials

func (k keyStore) lookup(id string) (sigv4.Credentials, error) {
	if id == "AKIDBROKEN" {
		return sigv4.Credentials{}, errStoreDown
	}
	c, ok := k[id]
	if !ok {
		return sigv4.Credentials{}, fmt.Errorf("access key %q: %w", id, sigv4.ErrUnknownAccessKey)
	}
	return c, nil
}

func defaultStore() keyStore {
	return keyStore{
		akid:    {AccessKeyID: akid, SecretAccessKey: secret},
		tmpAKID: {AccessKeyID: tmpAKID, SecretAccessKey: tmpSec, SessionToken: tmpTok},
	}
}

func defaultOptions(now time.Time) sigv4.Options {
	return sigv4.Options{
		Now:             func() time.Time { return now },
		AllowedServices: []string{service},
		Region:          region,
	}
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// reqSpec describes a client request before signing.
type reqSpec struct {
	method string
	url    string
	body   string
	header http.Header
}

func (s reqSpec) build(t testing.TB) (*http.Request, []byte) {
	t.Helper()
	body := []byte(s.body)
	var rd io.Reader
	if s.body != "" {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(s.method, s.url, rd)
	if err != nil {
		t.Fatalf("NewRequest(%q): %v", s.url, err)
	}
	for k, v := range s.header {
		r.Header[k] = append([]string(nil), v...)
	}
	return r, body
}

// signing parameters for the SDK oracle.
type signParams struct {
	creds       aws.Credentials
	service     string
	region      string
	at          time.Time
	payloadHash string // "" means the SHA-256 of the body
	// keepSDKQuery keeps the query as rewritten by SignHTTP.
	keepSDKQuery bool
}

func params() signParams {
	return signParams{
		creds:   aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret},
		service: service,
		region:  region,
		at:      signTime,
	}
}

func (p signParams) with(f func(*signParams)) signParams {
	f(&p)
	return p
}

func tempCreds(p *signParams) {
	p.creds = aws.Credentials{AccessKeyID: tmpAKID, SecretAccessKey: tmpSec, SessionToken: tmpTok}
}

// signHeader signs spec with the SDK signer (Authorization header form).
func signHeader(t testing.TB, spec reqSpec, p signParams) (*http.Request, []byte) {
	t.Helper()
	r, body := spec.build(t)
	ph := p.payloadHash
	if ph == "" {
		ph = hexSHA(body)
	}
	rawQuery := r.URL.RawQuery
	if err := v4.NewSigner().SignHTTP(context.Background(), p.creds, r, ph, p.service, p.region, p.at); err != nil {
		t.Fatalf("SignHTTP: %v", err)
	}
	// SignHTTP rewrites r.URL.RawQuery into its canonical form. Other
	// clients send the query as written, so put it back: the verifier has to
	// canonicalise the raw form itself.
	if !p.keepSDKQuery {
		r.URL.RawQuery = rawQuery
	}
	return r, body
}

// presign presigns spec with the SDK signer and returns the request a client
// would send for the presigned URL.
func presign(t testing.TB, spec reqSpec, p signParams) (*http.Request, []byte) {
	t.Helper()
	r, body := spec.build(t)
	ph := p.payloadHash
	if ph == "" {
		ph = "UNSIGNED-PAYLOAD"
	}
	u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), p.creds, r, ph, p.service, p.region, p.at)
	if err != nil {
		t.Fatalf("PresignHTTP: %v", err)
	}
	var rd io.Reader
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	r2, err := http.NewRequest(spec.method, u, rd)
	if err != nil {
		t.Fatalf("NewRequest(%q): %v", u, err)
	}
	for k, v := range hdr {
		switch k {
		case "Host":
			r2.Host = v[0]
		case "Content-Length":
		default:
			r2.Header[k] = v
		}
	}
	return r2, body
}

// toSigv4 converts a client request into what a Go server would see.
func toSigv4(r *http.Request, body []byte) *sigv4.Request {
	h := r.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if r.ContentLength > 0 && h.Get("Content-Length") == "" {
		h.Set("Content-Length", strconv.FormatInt(r.ContentLength, 10))
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	return &sigv4.Request{
		Method:        r.Method,
		Path:          r.URL.EscapedPath(),
		RawQuery:      r.URL.RawQuery,
		Host:          host,
		Header:        h,
		PayloadSHA256: hexSHA(body),
	}
}

// ---- request shapes -------------------------------------------------------

func executeStatement() reqSpec {
	return reqSpec{
		method: http.MethodPost,
		url:    endpoint + "/",
		body:   `{"ClusterIdentifier":"c1","Database":"dev","Sql":"select 1"}`,
		header: http.Header{
			"Content-Type": {"application/x-amz-json-1.1"},
			"X-Amz-Target": {"RedshiftData.ExecuteStatement"},
			"User-Agent":   {"aws-sdk-go-v2/1.0"},
		},
	}
}

func getRoot() reqSpec {
	return reqSpec{method: http.MethodGet, url: endpoint + "/"}
}

type successCase struct {
	name   string
	sign   func(t testing.TB) (*http.Request, []byte)
	now    time.Time // zero: signTime
	result sigv4.Result
}

func headerResult() sigv4.Result {
	return sigv4.Result{AccessKeyID: akid, Date: signTime, Region: region, Service: service}
}

func successCases() []successCase {
	hdr := func(spec reqSpec, p signParams) func(testing.TB) (*http.Request, []byte) {
		return func(t testing.TB) (*http.Request, []byte) { return signHeader(t, spec, p) }
	}
	pre := func(spec reqSpec, p signParams) func(testing.TB) (*http.Request, []byte) {
		return func(t testing.TB) (*http.Request, []byte) { return presign(t, spec, p) }
	}
	withURL := func(spec reqSpec, u string) reqSpec { spec.url = u; return spec }
	withHeader := func(spec reqSpec, k string, v ...string) reqSpec {
		h := spec.header.Clone()
		if h == nil {
			h = http.Header{}
		}
		h[k] = v
		spec.header = h
		return spec
	}
	withExpires := func(spec reqSpec, secs string) reqSpec {
		u, _ := url.Parse(spec.url)
		q := u.Query()
		q.Set("X-Amz-Expires", secs)
		u.RawQuery = q.Encode()
		spec.url = u.String()
		return spec
	}
	res := headerResult()
	tmpRes := res
	tmpRes.AccessKeyID, tmpRes.SessionToken = tmpAKID, tmpTok
	preRes := res
	preRes.Presigned = true
	preTmpRes := tmpRes
	preTmpRes.Presigned = true
	midnight := time.Date(2024, 3, 15, 23, 59, 50, 0, time.UTC)
	midRes := res
	midRes.Date = midnight
	otherRegion := res
	otherRegion.Region = "eu-west-1"

	return []successCase{
		{name: "GET root", sign: hdr(getRoot(), params()), result: res},
		{name: "ExecuteStatement POST with body", sign: hdr(executeStatement(), params()), result: res},
		{name: "empty POST body", sign: hdr(reqSpec{method: "POST", url: endpoint + "/", header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}}}, params()), result: res},
		{name: "query special characters and repeated keys",
			sign:   hdr(withURL(executeStatement(), endpoint+"/?b=2&a=1&a=0&A=9&c=%2F%20+x&d=%C3%BC&e=&f&g=a%3Db&h=*'()!$,:@&i=%7e-._~&%26k=v%3d"), params()),
			result: res},
		{name: "path with spaces and unicode", sign: hdr(withURL(getRoot(), endpoint+"/a b/ünïcödé/x+y"), params()), result: res},
		{name: "pre-escaped path", sign: hdr(withURL(getRoot(), endpoint+"/a%2Fb/c%20d/%E2%82%AC"), params()), result: res},
		{name: "dot segments and double slashes kept", sign: hdr(withURL(getRoot(), endpoint+"/a/./b/../c//d/"), params()), result: res},
		{name: "header values with runs of spaces and multiple values",
			sign:   hdr(withHeader(withHeader(executeStatement(), "X-Custom", "  a   b    c  "), "X-Multi", "one", "two  words", " three"), params()),
			result: res},
		{name: "non-canonical header key in map", sign: hdr(withHeader(getRoot(), "x-lower-case", "v"), params()), result: res},
		{name: "session token", sign: hdr(executeStatement(), params().with(tempCreds)), result: tmpRes},
		{name: "host with port", sign: hdr(withURL(getRoot(), "http://localhost:8080/"), params()), result: res},
		{name: "default https port stripped by signer", sign: hdr(withURL(getRoot(), "https://redshift-data.us-east-1.amazonaws.com:443/"), params()), result: res},
		{name: "X-Amz-Content-Sha256 header with body hash",
			sign:   hdr(withHeader(executeStatement(), "X-Amz-Content-Sha256", hexSHA([]byte(executeStatement().body))), params()),
			result: res},
		{name: "X-Amz-Content-Sha256 UNSIGNED-PAYLOAD",
			sign:   hdr(withHeader(executeStatement(), "X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"), params().with(func(p *signParams) { p.payloadHash = "UNSIGNED-PAYLOAD" })),
			result: res},
		{name: "scope day differs from server day (signed before midnight)",
			sign:   hdr(getRoot(), params().with(func(p *signParams) { p.at = midnight })),
			now:    midnight.Add(10 * time.Minute),
			result: midRes},
		{name: "other region when verifier region is open",
			sign:   hdr(getRoot(), params().with(func(p *signParams) { p.region = "eu-west-1" })),
			result: otherRegion},
		{name: "presigned GET with expiry", sign: pre(withExpires(getRoot(), "300"), params()), result: preRes},
		{name: "presigned without X-Amz-Expires", sign: pre(getRoot(), params()), result: preRes},
		{name: "presigned with session token", sign: pre(withExpires(getRoot(), "900"), params().with(tempCreds)), result: preTmpRes},
		{name: "presigned POST over body hash (non-S3 style)",
			sign:   pre(withExpires(executeStatement(), "60"), params().with(func(p *signParams) { p.payloadHash = hexSHA([]byte(executeStatement().body)) })),
			result: preRes},
		{name: "presigned POST with UNSIGNED-PAYLOAD and hoisted X-Amz-Target", sign: pre(withExpires(executeStatement(), "60"), params()), result: preRes},
		{name: "presigned with query special characters",
			sign:   pre(withURL(getRoot(), endpoint+"/p%20q/ü?z=1&a=x+y&a=%2B&X-Amz-Expires=120"), params()),
			result: preRes},
		{name: "presigned with X-Amz-Content-Sha256 header",
			sign: pre(withHeader(withExpires(executeStatement(), "60"), "X-Amz-Content-Sha256", hexSHA([]byte(executeStatement().body))),
				params().with(func(p *signParams) { p.payloadHash = hexSHA([]byte(executeStatement().body)) })),
			result: preRes},
	}
}

func checkResult(t *testing.T, got *sigv4.Result, want sigv4.Result) {
	t.Helper()
	if got == nil {
		t.Fatal("nil result without error")
	}
	if !got.Date.Equal(want.Date) || got.AccessKeyID != want.AccessKeyID || got.Region != want.Region ||
		got.Service != want.Service || got.SessionToken != want.SessionToken || got.Presigned != want.Presigned {
		t.Fatalf("result = %+v, want %+v", *got, want)
	}
}

func TestVerifySuccess(t *testing.T) {
	for _, tc := range successCases() {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			if now.IsZero() {
				now = signTime
			}
			opts := defaultOptions(now)
			if tc.result.Region != region {
				opts.Region = ""
			}
			r, body := tc.sign(t)
			res, err := sigv4.New(opts, defaultStore().lookup).Verify(toSigv4(r, body))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			checkResult(t, res, tc.result)
		})
	}
}

// TestVerifyOverHTTP sends every success case through a real Go HTTP client
// and server, so the conversion sees exactly what a server receives (escaped
// path, raw query, Host, Content-Length in the header map).
func TestVerifyOverHTTP(t *testing.T) {
	got := make(chan *sigv4.Request, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got <- &sigv4.Request{
			Method:        r.Method,
			Path:          r.URL.EscapedPath(),
			RawQuery:      r.URL.RawQuery,
			Host:          r.Host,
			Header:        r.Header,
			PayloadSHA256: hexSHA(body),
		}
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}}
	defer client.CloseIdleConnections()

	for _, tc := range successCases() {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			if now.IsZero() {
				now = signTime
			}
			opts := defaultOptions(now)
			if tc.result.Region != region {
				opts.Region = ""
			}
			r, _ := tc.sign(t)
			if r.URL.Scheme == "http" {
				r.URL.Scheme = "https" // the test server speaks TLS; the Host header stays as signed
			}
			resp, err := client.Do(r)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			req := <-got
			res, err := sigv4.New(opts, defaultStore().lookup).Verify(req)
			if err != nil {
				t.Fatalf("Verify(%+v): %v", *req, err)
			}
			checkResult(t, res, tc.result)
		})
	}
}

// ---- failures --------------------------------------------------------------

type failCase struct {
	name   string
	sign   func(t testing.TB) (*http.Request, []byte)
	mutate func(r *sigv4.Request)
	now    time.Time // zero: signTime
	opts   func(o *sigv4.Options)
	want   error // nil: must succeed
}

func setHeader(k string, v ...string) func(*sigv4.Request) {
	return func(r *sigv4.Request) { r.Header[http.CanonicalHeaderKey(k)] = v }
}

func delHeader(k string) func(*sigv4.Request) {
	return func(r *sigv4.Request) { delete(r.Header, http.CanonicalHeaderKey(k)) }
}

// editAuth rewrites the Authorization header.
func editAuth(f func(string) string) func(*sigv4.Request) {
	return func(r *sigv4.Request) { r.Header["Authorization"] = []string{f(r.Header["Authorization"][0])} }
}

func replaceAuth(old, new string) func(*sigv4.Request) {
	return editAuth(func(s string) string { return strings.Replace(s, old, new, 1) })
}

// editQuery rewrites one presigned query parameter (del: remove it).
func editQuery(key, value string, del bool) func(*sigv4.Request) {
	return func(r *sigv4.Request) {
		q, err := url.ParseQuery(r.RawQuery)
		if err != nil {
			panic(err)
		}
		if del {
			q.Del(key)
		} else {
			q.Set(key, value)
		}
		r.RawQuery = q.Encode()
	}
}

func flipLastHex(s string) string {
	last := s[len(s)-1]
	if last == '0' {
		return s[:len(s)-1] + "1"
	}
	return s[:len(s)-1] + "0"
}

func TestVerifyFailures(t *testing.T) {
	post := func(t testing.TB) (*http.Request, []byte) { return signHeader(t, executeStatement(), params()) }
	postQuery := func(t testing.TB) (*http.Request, []byte) {
		spec := executeStatement()
		spec.url = endpoint + "/?a=1&b=two"
		return signHeader(t, spec, params())
	}
	postTmp := func(t testing.TB) (*http.Request, []byte) {
		return signHeader(t, executeStatement(), params().with(tempCreds))
	}
	withParams := func(f func(*signParams)) func(t testing.TB) (*http.Request, []byte) {
		return func(t testing.TB) (*http.Request, []byte) { return signHeader(t, executeStatement(), params().with(f)) }
	}
	presigned := func(expires string, f func(*signParams)) func(t testing.TB) (*http.Request, []byte) {
		return func(t testing.TB) (*http.Request, []byte) {
			spec := getRoot()
			if expires != "" {
				spec.url += "?X-Amz-Expires=" + expires
			}
			p := params()
			if f != nil {
				p = p.with(f)
			}
			return presign(t, spec, p)
		}
	}
	presignedBodyHash := func(t testing.TB) (*http.Request, []byte) {
		spec := executeStatement()
		return presign(t, spec, params().with(func(p *signParams) { p.payloadHash = hexSHA([]byte(spec.body)) }))
	}
	presignedUnsigned := func(t testing.TB) (*http.Request, []byte) { return presign(t, executeStatement(), params()) }
	presignedContentSHA := func(t testing.TB) (*http.Request, []byte) {
		spec := executeStatement()
		spec.header.Set("X-Amz-Content-Sha256", hexSHA([]byte(spec.body)))
		return presign(t, spec, params().with(func(p *signParams) { p.payloadHash = hexSHA([]byte(spec.body)) }))
	}
	contentSHA := func(v string) func(t testing.TB) (*http.Request, []byte) {
		return func(t testing.TB) (*http.Request, []byte) {
			spec := executeStatement()
			spec.header.Set("X-Amz-Content-Sha256", v)
			return signHeader(t, spec, params().with(func(p *signParams) { p.payloadHash = v }))
		}
	}
	setBody := func(s string) func(*sigv4.Request) {
		return func(r *sigv4.Request) { r.PayloadSHA256 = hexSHA([]byte(s)) }
	}
	noop := func(*sigv4.Request) {}
	prevDay := signTime.AddDate(0, 0, -1).Format("20060102")
	day := signTime.Format("20060102")

	cases := []failCase{
		// Sanity: the unmodified request verifies, and unsigned headers may change.
		{name: "unmodified", sign: post, mutate: noop},
		{name: "unsigned header changed", sign: post, mutate: setHeader("User-Agent", "curl/8")},
		{name: "unsigned header added", sign: post, mutate: setHeader("X-Forwarded-For", "10.0.0.1")},
		{name: "signature in upper case", sign: post, mutate: editAuth(func(s string) string {
			i := strings.LastIndex(s, "=")
			return s[:i+1] + strings.ToUpper(s[i+1:])
		})},

		// Tampering.
		{name: "body changed", sign: post, mutate: setBody(`{"Sql":"drop table t"}`), want: sigv4.ErrSignatureMismatch},
		{name: "signed header changed", sign: post, mutate: setHeader("X-Amz-Target", "RedshiftData.CancelStatement"), want: sigv4.ErrSignatureMismatch},
		{name: "signed header removed", sign: post, mutate: delHeader("Content-Type"), want: sigv4.ErrSignatureMismatch},
		{name: "signed header value added", sign: post, mutate: setHeader("X-Amz-Target", "RedshiftData.ExecuteStatement", "x"), want: sigv4.ErrSignatureMismatch},
		{name: "content-length changed", sign: post, mutate: setHeader("Content-Length", "1"), want: sigv4.ErrSignatureMismatch},
		{name: "query parameter added", sign: post, mutate: func(r *sigv4.Request) { r.RawQuery = "x=1" }, want: sigv4.ErrSignatureMismatch},
		{name: "query value changed", sign: postQuery, mutate: func(r *sigv4.Request) { r.RawQuery = "a=1&b=three" }, want: sigv4.ErrSignatureMismatch},
		{name: "query reordered is still valid", sign: postQuery, mutate: func(r *sigv4.Request) { r.RawQuery = "b=two&a=1" }},
		{name: "query equivalent encoding is still valid", sign: postQuery, mutate: func(r *sigv4.Request) { r.RawQuery = "%61=%31&b=t%77o" }},
		{name: "query with bad escape", sign: postQuery, mutate: func(r *sigv4.Request) { r.RawQuery = "a=1&b=%zz" }, want: sigv4.ErrMalformedAuth},
		{name: "method changed", sign: post, mutate: func(r *sigv4.Request) { r.Method = "PUT" }, want: sigv4.ErrSignatureMismatch},
		{name: "path changed", sign: post, mutate: func(r *sigv4.Request) { r.Path = "/x" }, want: sigv4.ErrSignatureMismatch},
		{name: "path trailing slash", sign: post, mutate: func(r *sigv4.Request) { r.Path = "//" }, want: sigv4.ErrSignatureMismatch},
		{name: "empty path canonicalises to /", sign: post, mutate: func(r *sigv4.Request) { r.Path = "" }},
		{name: "host changed", sign: post, mutate: func(r *sigv4.Request) { r.Host = "evil.example.com" }, want: sigv4.ErrSignatureMismatch},
		{name: "x-amz-date moved by one second", sign: post, mutate: setHeader("X-Amz-Date", signTime.Add(time.Second).Format("20060102T150405Z")), want: sigv4.ErrSignatureMismatch},
		{name: "signature altered", sign: post, mutate: editAuth(flipLastHex), want: sigv4.ErrSignatureMismatch},
		{name: "signature truncated", sign: post, mutate: editAuth(func(s string) string { return s[:len(s)-2] }), want: sigv4.ErrSignatureMismatch},
		{name: "wrong secret", sign: withParams(func(p *signParams) { p.creds.SecretAccessKey = "not-the-secret" }), mutate: noop, want: sigv4.ErrSignatureMismatch},

		// Clock skew.
		{name: "skew -16m (request too old)", sign: post, mutate: noop, now: signTime.Add(16 * time.Minute), want: sigv4.ErrRequestExpired},
		{name: "skew +16m (request in future)", sign: post, mutate: noop, now: signTime.Add(-16 * time.Minute), want: sigv4.ErrRequestExpired},
		{name: "skew 14m59s old accepted", sign: post, mutate: noop, now: signTime.Add(14*time.Minute + 59*time.Second)},
		{name: "skew 14m59s future accepted", sign: post, mutate: noop, now: signTime.Add(-(14*time.Minute + 59*time.Second))},
		{name: "skew exactly 15m accepted", sign: post, mutate: noop, now: signTime.Add(15 * time.Minute)},
		{name: "skew 15m01s old refused", sign: post, mutate: noop, now: signTime.Add(15*time.Minute + time.Second), want: sigv4.ErrRequestExpired},
		{name: "skew 15m01s future refused", sign: post, mutate: noop, now: signTime.Add(-(15*time.Minute + time.Second)), want: sigv4.ErrRequestExpired},
		{name: "custom MaxSkew 5m", sign: post, mutate: noop, now: signTime.Add(6 * time.Minute),
			opts: func(o *sigv4.Options) { o.MaxSkew = 5 * time.Minute }, want: sigv4.ErrRequestExpired},

		// Scope.
		{name: "wrong region", sign: withParams(func(p *signParams) { p.region = "us-west-2" }), mutate: noop, want: sigv4.ErrWrongScope},
		{name: "wrong service", sign: withParams(func(p *signParams) { p.service = "redshift" }), mutate: noop, want: sigv4.ErrWrongScope},
		{name: "any service when AllowedServices empty", sign: withParams(func(p *signParams) { p.service = "redshift" }), mutate: noop,
			opts: func(o *sigv4.Options) { o.AllowedServices = nil }},
		{name: "one of several allowed services", sign: withParams(func(p *signParams) { p.service = "redshift" }), mutate: noop,
			opts: func(o *sigv4.Options) { o.AllowedServices = []string{"redshift-data", "redshift"} }},
		{name: "scope date differs from X-Amz-Date day", sign: post, mutate: replaceAuth("/"+day+"/", "/"+prevDay+"/"), want: sigv4.ErrWrongScope},
		{name: "scope date garbage", sign: post, mutate: replaceAuth("/"+day+"/", "/2024-3-15/"), want: sigv4.ErrWrongScope},
		{name: "scope terminator wrong", sign: post, mutate: replaceAuth("/aws4_request", "/aws4_reques"), want: sigv4.ErrWrongScope},
		{name: "scope region empty", sign: post, mutate: replaceAuth("/"+region+"/", "//"), want: sigv4.ErrWrongScope,
			opts: func(o *sigv4.Options) { o.Region = "" }},

		// Keys.
		{name: "unknown access key", sign: withParams(func(p *signParams) { p.creds.AccessKeyID = "AKIDUNKNOWN" }), mutate: noop, want: sigv4.ErrUnknownAccessKey},
		{name: "nil lookup", sign: post, mutate: noop, want: sigv4.ErrUnknownAccessKey, opts: func(o *sigv4.Options) {}},

		// Malformed / missing.
		{name: "missing auth", sign: post, mutate: delHeader("Authorization"), want: sigv4.ErrMissingAuth},
		{name: "empty authorization header", sign: post, mutate: setHeader("Authorization", " "), want: sigv4.ErrMissingAuth},
		{name: "garbage authorization", sign: post, mutate: setHeader("Authorization", "garbage"), want: sigv4.ErrMalformedAuth},
		{name: "algorithm only", sign: post, mutate: setHeader("Authorization", "AWS4-HMAC-SHA256"), want: sigv4.ErrMalformedAuth},
		{name: "wrong algorithm", sign: post, mutate: replaceAuth("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"), want: sigv4.ErrMalformedAuth},
		{name: "SigV4a algorithm", sign: post, mutate: replaceAuth("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256"), want: sigv4.ErrMalformedAuth},
		{name: "SigV2 style header", sign: post, mutate: setHeader("Authorization", "AWS "+akid+":c2lnbmF0dXJl"), want: sigv4.ErrMalformedAuth},
		{name: "bearer token", sign: post, mutate: setHeader("Authorization", "Bearer abc"), want: sigv4.ErrMalformedAuth},
		{name: "missing Signature", sign: post, mutate: editAuth(func(s string) string { return s[:strings.Index(s, ", Signature=")] }), want: sigv4.ErrMalformedAuth},
		{name: "missing Credential", sign: post, mutate: editAuth(func(s string) string {
			return "AWS4-HMAC-SHA256 " + s[strings.Index(s, "SignedHeaders="):]
		}), want: sigv4.ErrMalformedAuth},
		{name: "duplicate parameter", sign: post, mutate: editAuth(func(s string) string { return s + ", Signature=00" }), want: sigv4.ErrMalformedAuth},
		{name: "unknown parameter", sign: post, mutate: editAuth(func(s string) string { return s + ", Foo=bar" }), want: sigv4.ErrMalformedAuth},
		{name: "parameter without =", sign: post, mutate: editAuth(func(s string) string { return s + ", Foo" }), want: sigv4.ErrMalformedAuth},
		{name: "no spaces after commas accepted", sign: post, mutate: editAuth(func(s string) string { return strings.ReplaceAll(s, ", ", ",") })},
		{name: "credential with 4 parts", sign: post, mutate: replaceAuth("/aws4_request", ""), want: sigv4.ErrMalformedAuth},
		{name: "credential with empty key id", sign: post, mutate: replaceAuth("Credential="+akid, "Credential="), want: sigv4.ErrMalformedAuth},
		{name: "SignedHeaders missing host", sign: post, mutate: replaceAuth(";host;", ";"), want: sigv4.ErrMalformedAuth},
		{name: "SignedHeaders unsorted", sign: post, mutate: replaceAuth("content-type;host", "host;content-type"), want: sigv4.ErrMalformedAuth},
		{name: "SignedHeaders upper case", sign: post, mutate: replaceAuth(";host;", ";Host;"), want: sigv4.ErrMalformedAuth},
		{name: "SignedHeaders empty name", sign: post, mutate: replaceAuth(";host;", ";host;;"), want: sigv4.ErrMalformedAuth},
		{name: "missing X-Amz-Date", sign: post, mutate: delHeader("X-Amz-Date"), want: sigv4.ErrMalformedAuth},
		{name: "unparsable X-Amz-Date", sign: post, mutate: setHeader("X-Amz-Date", "2024-03-15T12:30:45Z"), want: sigv4.ErrMalformedAuth},
		{name: "two X-Amz-Date values", sign: post, mutate: setHeader("X-Amz-Date", "20240315T123045Z", "20240315T123045Z"), want: sigv4.ErrMalformedAuth},
		{name: "two Authorization headers", sign: post, mutate: func(r *sigv4.Request) {
			r.Header["Authorization"] = append(r.Header["Authorization"], r.Header["Authorization"][0])
		}, want: sigv4.ErrMalformedAuth},
		{name: "header and query auth together", sign: post, mutate: func(r *sigv4.Request) { r.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256" }, want: sigv4.ErrMalformedAuth},

		// Payload hash header.
		{name: "x-amz-content-sha256 body hash", sign: contentSHA(hexSHA([]byte(executeStatement().body))), mutate: noop},
		{name: "x-amz-content-sha256 differs from body", sign: contentSHA(hexSHA([]byte(executeStatement().body))), mutate: setBody("{}"), want: sigv4.ErrSignatureMismatch},
		{name: "x-amz-content-sha256 UNSIGNED-PAYLOAD ignores body", sign: contentSHA("UNSIGNED-PAYLOAD"), mutate: setBody("{}")},
		{name: "x-amz-content-sha256 unsupported value", sign: contentSHA("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"), mutate: noop, want: sigv4.ErrMalformedAuth},

		// Session tokens.
		{name: "token valid", sign: postTmp, mutate: noop},
		{name: "token missing", sign: postTmp, mutate: delHeader("X-Amz-Security-Token"), want: sigv4.ErrTokenMismatch},
		{name: "token changed", sign: postTmp, mutate: setHeader("X-Amz-Security-Token", tmpTok+"x"), want: sigv4.ErrTokenMismatch},
		{name: "token rotated in store", sign: postTmp, mutate: noop, want: sigv4.ErrTokenMismatch, opts: func(o *sigv4.Options) {}},
		{name: "token sent for long-term key", sign: withParams(func(p *signParams) { p.creds.SessionToken = "unexpected" }), mutate: noop, want: sigv4.ErrTokenMismatch},

		// Presigned.
		{name: "presigned unmodified", sign: presigned("300", nil), mutate: noop},
		{name: "presigned at expiry accepted", sign: presigned("300", nil), mutate: noop, now: signTime.Add(300 * time.Second)},
		{name: "presigned expired", sign: presigned("300", nil), mutate: noop, now: signTime.Add(301 * time.Second), want: sigv4.ErrRequestExpired},
		{name: "presigned long expiry beyond skew accepted", sign: presigned("604800", nil), mutate: noop, now: signTime.Add(6 * 24 * time.Hour)},
		{name: "presigned not yet valid", sign: presigned("300", nil), mutate: noop, now: signTime.Add(-16 * time.Minute), want: sigv4.ErrRequestExpired},
		{name: "presigned without expiry uses skew", sign: presigned("", nil), mutate: noop, now: signTime.Add(16 * time.Minute), want: sigv4.ErrRequestExpired},
		{name: "presigned expires over a week", sign: presigned("604801", nil), mutate: noop, want: sigv4.ErrMalformedAuth},
		{name: "presigned expires not a number", sign: presigned("5m", nil), mutate: noop, want: sigv4.ErrMalformedAuth},
		{name: "presigned expires negative", sign: presigned("-1", nil), mutate: noop, want: sigv4.ErrMalformedAuth},
		{name: "presigned expires extended", sign: presigned("300", nil), mutate: editQuery("X-Amz-Expires", "3000", false), want: sigv4.ErrSignatureMismatch},
		{name: "presigned signature altered", sign: presigned("300", nil), mutate: func(r *sigv4.Request) {
			q, _ := url.ParseQuery(r.RawQuery)
			editQuery("X-Amz-Signature", flipLastHex(q.Get("X-Amz-Signature")), false)(r)
		}, want: sigv4.ErrSignatureMismatch},
		{name: "presigned query re-encoded and reordered", sign: func(t testing.TB) (*http.Request, []byte) {
			return presign(t, reqSpec{method: "GET", url: endpoint + "/?z=a+b&y=%2a&X-Amz-Expires=300"}, params())
		}, mutate: func(r *sigv4.Request) {
			q, err := url.ParseQuery(r.RawQuery)
			if err != nil {
				panic(err)
			}
			r.RawQuery = q.Encode() // sorted by key, spaces as '+'
			if !strings.Contains(r.RawQuery, "z=a+b") {
				panic("unexpected encoding " + r.RawQuery)
			}
		}},
		{name: "presigned extra query parameter", sign: presigned("300", nil), mutate: func(r *sigv4.Request) { r.RawQuery += "&Action=Drop" }, want: sigv4.ErrSignatureMismatch},
		{name: "presigned method changed", sign: presigned("300", nil), mutate: func(r *sigv4.Request) { r.Method = "DELETE" }, want: sigv4.ErrSignatureMismatch},
		{name: "presigned signature missing", sign: presigned("300", nil), mutate: editQuery("X-Amz-Signature", "", true), want: sigv4.ErrMalformedAuth},
		{name: "presigned credential missing", sign: presigned("300", nil), mutate: editQuery("X-Amz-Credential", "", true), want: sigv4.ErrMalformedAuth},
		{name: "presigned date missing", sign: presigned("300", nil), mutate: editQuery("X-Amz-Date", "", true), want: sigv4.ErrMalformedAuth},
		{name: "presigned signed headers missing host", sign: presigned("300", nil), mutate: editQuery("X-Amz-SignedHeaders", "x-amz-date", false), want: sigv4.ErrMalformedAuth},
		{name: "presigned algorithm wrong", sign: presigned("300", nil), mutate: editQuery("X-Amz-Algorithm", "AWS4-HMAC-SHA1", false), want: sigv4.ErrMalformedAuth},
		{name: "presigned signature repeated", sign: presigned("300", nil), mutate: func(r *sigv4.Request) { r.RawQuery += "&X-Amz-Signature=00" }, want: sigv4.ErrMalformedAuth},
		{name: "presigned only signature parameter", sign: post, mutate: func(r *sigv4.Request) {
			delete(r.Header, "Authorization")
			r.RawQuery = "X-Amz-Signature=00"
		}, want: sigv4.ErrMalformedAuth},
		{name: "presigned wrong region", sign: presigned("300", func(p *signParams) { p.region = "eu-west-1" }), mutate: noop, want: sigv4.ErrWrongScope},
		{name: "presigned unknown key", sign: presigned("300", func(p *signParams) { p.creds.AccessKeyID = "AKIDNOPE" }), mutate: noop, want: sigv4.ErrUnknownAccessKey},
		{name: "presigned wrong secret", sign: presigned("300", func(p *signParams) { p.creds.SecretAccessKey = "nope" }), mutate: noop, want: sigv4.ErrSignatureMismatch},
		{name: "presigned token valid", sign: presigned("300", tempCreds), mutate: noop},
		{name: "presigned token missing", sign: presigned("300", tempCreds), mutate: editQuery("X-Amz-Security-Token", "", true), want: sigv4.ErrTokenMismatch},
		{name: "presigned token mismatched", sign: presigned("300", tempCreds), mutate: editQuery("X-Amz-Security-Token", "other", false), want: sigv4.ErrTokenMismatch},
		{name: "presigned token in header instead of query", sign: presigned("300", tempCreds), mutate: func(r *sigv4.Request) {
			editQuery("X-Amz-Security-Token", "", true)(r)
			r.Header["X-Amz-Security-Token"] = []string{tmpTok}
		}, want: sigv4.ErrSignatureMismatch}, // token accepted, but it was part of the signed query
		{name: "presigned unsigned payload ignores body", sign: presignedUnsigned, mutate: setBody("{}")},
		{name: "presigned body hash accepted", sign: presignedBodyHash, mutate: noop},
		{name: "presigned body hash, body changed", sign: presignedBodyHash, mutate: setBody("{}"), want: sigv4.ErrSignatureMismatch},
		{name: "presigned content-sha256 header", sign: presignedContentSHA, mutate: noop},
		{name: "presigned content-sha256 header, body changed", sign: presignedContentSHA, mutate: setBody("{}"), want: sigv4.ErrSignatureMismatch},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, body := tc.sign(t)
			req := toSigv4(r, body)
			tc.mutate(req)
			now := tc.now
			if now.IsZero() {
				now = signTime
			}
			opts := defaultOptions(now)
			lookup := defaultStore().lookup
			switch tc.name {
			case "nil lookup":
				lookup = nil
			case "token rotated in store":
				s := defaultStore()
				c := s[tmpAKID]
				c.SessionToken = "rotated"
				s[tmpAKID] = c
				lookup = s.lookup
			}
			if tc.opts != nil {
				tc.opts(&opts)
			}
			res, err := sigv4.New(opts, lookup).Verify(req)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify: unexpected error %v", err)
				}
				if res == nil || res.AccessKeyID == "" {
					t.Fatalf("Verify: bad result %+v", res)
				}
				return
			}
			assertKind(t, err, tc.want)
			if res != nil {
				t.Fatalf("result %+v returned together with error", res)
			}
		})
	}
}

// assertKind checks that err matches want and no other sentinel.
func assertKind(t *testing.T, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("Verify succeeded, want %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %q (%T) does not match %q", err, err, want)
	}
	for _, s := range sentinels {
		if s != want && errors.Is(err, s) {
			t.Fatalf("error %q also matches %q", err, s)
		}
	}
	if err.Error() == "" {
		t.Fatal("empty error message")
	}
}

func TestSentinelsDistinct(t *testing.T) {
	for i, a := range sentinels {
		for j, b := range sentinels {
			if i != j && errors.Is(a, b) {
				t.Errorf("sentinel %d matches sentinel %d", i, j)
			}
		}
	}
}

func TestLookupFailureIsNotASentinel(t *testing.T) {
	r, body := signHeader(t, executeStatement(), params().with(func(p *signParams) { p.creds.AccessKeyID = "AKIDBROKEN" }))
	_, err := sigv4.New(defaultOptions(signTime), defaultStore().lookup).Verify(toSigv4(r, body))
	if !errors.Is(err, errStoreDown) {
		t.Fatalf("error %v does not wrap the lookup error", err)
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			t.Fatalf("lookup failure %q matches sentinel %q", err, s)
		}
	}
}

func TestNilRequest(t *testing.T) {
	_, err := sigv4.New(sigv4.Options{}, defaultStore().lookup).Verify(nil)
	assertKind(t, err, sigv4.ErrMissingAuth)
}

func TestErrorMessages(t *testing.T) {
	verify := func(t *testing.T, mutate func(*sigv4.Request), p signParams, now time.Time) error {
		r, body := signHeader(t, getRoot(), p)
		req := toSigv4(r, body)
		mutate(req)
		_, err := sigv4.New(defaultOptions(now), defaultStore().lookup).Verify(req)
		return err
	}
	noop := func(*sigv4.Request) {}
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	p := params().with(func(p *signParams) { p.at = at })

	tests := []struct {
		name string
		err  error
		want string
	}{
		{"expired", verify(t, noop, p, at.Add(20*time.Minute)),
			"Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z (20240101T002000Z - 15 min.)"},
		{"not yet current", verify(t, noop, p, at.Add(-20*time.Minute)),
			"Signature not yet current: 20240101T000000Z is still later than 20231231T235500Z (20231231T234000Z + 15 min.)"},
		{"missing", verify(t, delHeader("Authorization"), p, at), "Missing Authentication Token"},
		{"mismatch", verify(t, func(r *sigv4.Request) { r.Method = "POST" }, p, at),
			"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
		{"unknown key", verify(t, noop, p.with(func(p *signParams) { p.creds.AccessKeyID = "AKIDX" }), at),
			"The security token included in the request is invalid."},
		{"region", verify(t, noop, p.with(func(p *signParams) { p.region = "us-west-2" }), at),
			"Credential should be scoped to a valid region, not 'us-west-2'."},
		{"service", verify(t, noop, p.with(func(p *signParams) { p.service = "s3" }), at),
			"Credential should be scoped to correct service: 'redshift-data', not 's3'."},
		{"scope date", verify(t, replaceAuth("/20240101/", "/20231231/"), p, at),
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20231231' != '20240101', from '20240101T000000Z'."},
		{"terminator", verify(t, replaceAuth("/aws4_request", "/aws5_request"), p, at),
			"Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."},
		{"no host", verify(t, replaceAuth("host;", ""), p, at), "Signed headers must include the 'host' header."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("no error")
			}
			if got := tc.err.Error(); got != tc.want {
				t.Fatalf("message\n got: %s\nwant: %s", got, tc.want)
			}
		})
	}

	t.Run("ExpiredError fields", func(t *testing.T) {
		err := verify(t, noop, p, at.Add(20*time.Minute))
		var ee *sigv4.ExpiredError
		if !errors.As(err, &ee) {
			t.Fatalf("%T is not *ExpiredError", err)
		}
		if !ee.RequestTime.Equal(at) || !ee.Now.Equal(at.Add(20*time.Minute)) || ee.Window != 15*time.Minute ||
			ee.NotYetValid || ee.Presigned || !ee.Limit().Equal(at.Add(5*time.Minute)) {
			t.Fatalf("unexpected %+v", *ee)
		}
	})
	t.Run("typed Error", func(t *testing.T) {
		err := verify(t, setHeader("Authorization", "garbage"), p, at)
		var e *sigv4.Error
		if !errors.As(err, &e) || e.Kind != sigv4.ErrMalformedAuth || e.Message == "" {
			t.Fatalf("unexpected %#v", err)
		}
	})
}

// TestAWSTestSuiteVector checks the "get-vanilla" example of AWS's published
// SigV4 test suite, independently of the SDK.
func TestAWSTestSuiteVector(t *testing.T) {
	req := &sigv4.Request{
		Method: "GET",
		Path:   "/",
		Host:   "example.amazonaws.com",
		Header: map[string][]string{
			"X-Amz-Date":    {"20150830T123600Z"},
			"Authorization": {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		},
		PayloadSHA256: hexSHA(nil),
	}
	now := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	v := sigv4.New(sigv4.Options{Now: func() time.Time { return now }}, defaultStore().lookup)
	if _, err := v.Verify(req); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

// manualSign computes a SigV4 signature for "GET /" with the signed headers
// dateHeader and host. It is only used where the SDK cannot produce the
// request (a Date header instead of X-Amz-Date) and is itself checked
// against the SDK in TestDateHeader.
func manualSign(dateHeader, dateValue, host string, at time.Time) string {
	canonical := "GET\n/\n\n" + dateHeader + ":" + dateValue + "\nhost:" + host + "\n\n" + dateHeader + ";host\n" + hexSHA(nil)
	if dateHeader > "host" {
		canonical = "GET\n/\n\nhost:" + host + "\n" + dateHeader + ":" + dateValue + "\n\nhost;" + dateHeader + "\n" + hexSHA(nil)
	}
	day := at.Format("20060102")
	scope := day + "/" + region + "/" + service + "/aws4_request"
	sts := "AWS4-HMAC-SHA256\n" + at.Format("20060102T150405Z") + "\n" + scope + "\n" + hexSHA([]byte(canonical))
	mac := func(k []byte, s string) []byte { h := hmac.New(sha256.New, k); h.Write([]byte(s)); return h.Sum(nil) }
	k := mac(mac(mac(mac([]byte("AWS4"+secret), day), region), service), "aws4_request")
	return hex.EncodeToString(mac(k, sts))
}

func TestDateHeader(t *testing.T) {
	host := "redshift-data.us-east-1.amazonaws.com"
	// Cross-check the manual signer against the SDK.
	r, _ := signHeader(t, getRoot(), params())
	sdkAuth := r.Header.Get("Authorization")
	manual := manualSign("x-amz-date", signTime.Format("20060102T150405Z"), host, signTime)
	if !strings.HasSuffix(sdkAuth, "Signature="+manual) {
		t.Fatalf("manual signer disagrees with SDK:\n sdk: %s\n manual: %s", sdkAuth, manual)
	}

	httpDate := signTime.Format("Mon, 02 Jan 2006 15:04:05 GMT")
	authFor := func(sig, signed string) string {
		return "AWS4-HMAC-SHA256 Credential=" + akid + "/" + signTime.Format("20060102") + "/" + region + "/" + service +
			"/aws4_request, SignedHeaders=" + signed + ", Signature=" + sig
	}
	sig := manualSign("date", httpDate, host, signTime)
	base := func() *sigv4.Request {
		return &sigv4.Request{
			Method: "GET", Path: "/", Host: host, PayloadSHA256: hexSHA(nil),
			Header: map[string][]string{"Date": {httpDate}, "Authorization": {authFor(sig, "date;host")}},
		}
	}
	v := sigv4.New(defaultOptions(signTime), defaultStore().lookup)

	res, err := v.Verify(base())
	if err != nil {
		t.Fatalf("Date header: %v", err)
	}
	if !res.Date.Equal(signTime) {
		t.Fatalf("Date = %v", res.Date)
	}

	t.Run("date changed", func(t *testing.T) {
		req := base()
		req.Header["Date"] = []string{signTime.Add(time.Second).Format("Mon, 02 Jan 2006 15:04:05 GMT")}
		_, err := v.Verify(req)
		assertKind(t, err, sigv4.ErrSignatureMismatch)
	})
	t.Run("date unparsable", func(t *testing.T) {
		req := base()
		req.Header["Date"] = []string{"yesterday"}
		_, err := v.Verify(req)
		assertKind(t, err, sigv4.ErrMalformedAuth)
	})
	t.Run("date too old", func(t *testing.T) {
		_, err := sigv4.New(defaultOptions(signTime.Add(16*time.Minute)), defaultStore().lookup).Verify(base())
		assertKind(t, err, sigv4.ErrRequestExpired)
	})
	t.Run("x-amz-date takes precedence", func(t *testing.T) {
		req := base()
		req.Header["X-Amz-Date"] = []string{signTime.Add(time.Second).Format("20060102T150405Z")}
		_, err := v.Verify(req)
		assertKind(t, err, sigv4.ErrSignatureMismatch)
	})
	t.Run("no date at all", func(t *testing.T) {
		req := base()
		delete(req.Header, "Date")
		_, err := v.Verify(req)
		assertKind(t, err, sigv4.ErrMalformedAuth)
	})
}

// TestQuerySemicolon documents how query segments containing ';' are
// handled. net/url drops such segments, so the SDK signer leaves them out of
// the signature, and SignHTTP even rewrites r.URL.RawQuery to its canonical
// form, removing them from the request it sends. A client that keeps them
// (or an attacker appending them) must not get them through unsigned: the
// verifier signs them literally, so the request fails.
func TestQuerySemicolon(t *testing.T) {
	spec := getRoot()
	spec.url = endpoint + "/?b=x;y&a=1"
	r, body := signHeader(t, spec, params().with(func(p *signParams) { p.keepSDKQuery = true }))
	if r.URL.RawQuery != "a=1" {
		t.Fatalf("SDK signer no longer rewrites the query: %q", r.URL.RawQuery)
	}
	v := sigv4.New(defaultOptions(signTime), defaultStore().lookup)
	if _, err := v.Verify(toSigv4(r, body)); err != nil {
		t.Fatalf("rewritten query: %v", err)
	}
	req := toSigv4(r, body)
	req.RawQuery = "b=x;y&a=1"
	_, err := v.Verify(req)
	assertKind(t, err, sigv4.ErrSignatureMismatch)
}

// FuzzVerify feeds arbitrary Authorization headers, queries, dates and paths
// to Verify. It must never panic, and every failure must be classified.
func FuzzVerify(f *testing.F) {
	r, _ := signHeader(f, executeStatement(), params())
	pr, _ := presign(f, reqSpec{method: "GET", url: endpoint + "/?X-Amz-Expires=300"}, params().with(tempCreds))
	amz := signTime.Format("20060102T150405Z")
	f.Add(r.Header.Get("Authorization"), "", amz, "/", "")
	f.Add("", pr.URL.RawQuery, "", "/", "")
	f.Add("", pr.URL.RawQuery+"&X-Amz-Signature=1", amz, "/", tmpTok)
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240315/us-east-1/redshift-data/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "a=%", amz, "/%", "")
	f.Add("AWS4-HMAC-SHA256 Credential=////, SignedHeaders=;, Signature=", "X-Amz-Algorithm=&X-Amz-Expires=99999999999", "99999999T999999Z", "", "")
	f.Add("AWS4-HMAC-SHA256 ,,,=,=", "X-Amz-Signature", "\x00", "/ü/\xff", "\xff")
	f.Add("AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a/b/c/d/aws4_request&X-Amz-Date=20240315T123045Z&X-Amz-SignedHeaders=host&X-Amz-Signature=zz&X-Amz-Expires=-1", "Fri, 15 Mar 2024 12:30:45 GMT", "/", "")
	f.Add("garbage", "%zz=%zz&&&;", "", "//..//", "")

	v := sigv4.New(defaultOptions(signTime), defaultStore().lookup)
	f.Fuzz(func(t *testing.T, authz, rawQuery, amzDate, path, token string) {
		h := map[string][]string{
			"Content-Type": {"application/x-amz-json-1.1"},
			"X-Amz-Target": {"RedshiftData.ExecuteStatement"},
		}
		if authz != "" {
			h["Authorization"] = []string{authz}
		}
		if amzDate != "" {
			h["X-Amz-Date"] = []string{amzDate}
			h["Date"] = []string{amzDate}
		}
		if token != "" {
			h["X-Amz-Security-Token"] = []string{token}
		}
		req := &sigv4.Request{
			Method: "POST", Path: path, RawQuery: rawQuery, Host: "redshift-data.us-east-1.amazonaws.com",
			Header: h, PayloadSHA256: hexSHA([]byte(authz)),
		}
		res, err := v.Verify(req)
		if err == nil {
			if res == nil {
				t.Fatal("nil result without error")
			}
			return
		}
		if res != nil {
			t.Fatal("result with error")
		}
		if err.Error() == "" {
			t.Fatal("empty error message")
		}
		n := 0
		for _, s := range sentinels {
			if errors.Is(err, s) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("error %q matches %d sentinels", err, n)
		}
	})
}

// TestSigningKeyCacheFollowsTheSecret verifies through one Verifier, whose
// derived signing keys are cached, across a change of the key's secret: a
// request signed with the old secret is refused once the secret changed, and
// one signed with the new secret is accepted at once.
func TestSigningKeyCacheFollowsTheSecret(t *testing.T) {
	store := defaultStore()
	v := sigv4.New(defaultOptions(signTime), store.lookup)
	oldReq, oldBody := signHeader(t, executeStatement(), params())
	for range 2 {
		if _, err := v.Verify(toSigv4(oldReq, oldBody)); err != nil {
			t.Fatalf("Verify with the current secret: %v", err)
		}
	}
	const rotated = "rotatedSecretEXAMPLEKEY/abcdefghijklmnopq"
	store[akid] = sigv4.Credentials{AccessKeyID: akid, SecretAccessKey: rotated}
	_, err := v.Verify(toSigv4(oldReq, oldBody))
	assertKind(t, err, sigv4.ErrSignatureMismatch)
	newReq, newBody := signHeader(t, executeStatement(), params().with(func(p *signParams) {
		p.creds.SecretAccessKey = rotated
	}))
	if _, err := v.Verify(toSigv4(newReq, newBody)); err != nil {
		t.Fatalf("Verify with the rotated secret: %v", err)
	}
}

// BenchmarkVerify measures one verification of a header-signed request
// shaped like the Go SDK's ExecuteStatement (its header set included), with
// the signing key already cached, as on a server's hot path.
func BenchmarkVerify(b *testing.B) {
	spec := executeStatement()
	spec.header.Set("Amz-Sdk-Invocation-Id", "3c1c2b8e-7a4c-4a55-8d3f-0d7d5b4e9a11")
	spec.header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	spec.header.Set("Accept-Encoding", "identity")
	r, body := signHeader(b, spec, params())
	req := toSigv4(r, body)
	v := sigv4.New(defaultOptions(signTime), defaultStore().lookup)
	if _, err := v.Verify(req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(req); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCheckService: the credential scope's service must be the signing name
// of the API called, whatever other service the server also accepts.
func TestCheckService(t *testing.T) {
	for _, c := range []struct {
		signed, want string
		ok           bool
	}{
		{"redshift-data", "redshift-data", true},
		{"iam", "redshift-data", false},
		{"sts", "iam", false},
		{"redshift", "redshift-serverless", false},
		{"redshift-serverless", "redshift", false},
		{"secretsmanager", "secretsmanager", true},
		{"", "secretsmanager", false},
		{"REDSHIFT-DATA", "redshift-data", false},
	} {
		err := sigv4.CheckService(c.signed, c.want)
		if c.ok {
			if err != nil {
				t.Errorf("CheckService(%q, %q) = %v", c.signed, c.want, err)
			}
			continue
		}
		var serr *sigv4.Error
		if !errors.Is(err, sigv4.ErrWrongScope) || !errors.As(err, &serr) ||
			serr.Message != "Credential should be scoped to correct service: '"+c.want+"'. " {
			t.Errorf("CheckService(%q, %q) = %#v", c.signed, c.want, err)
		}
	}
}
