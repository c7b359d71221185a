package awsquery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	redshifttypes "github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/httpx"
)

var (
	stsSvc      = Service{Name: "sts", Version: "2011-06-15", Namespace: "https://sts.amazonaws.com/doc/2011-06-15/", Errors: passThrough}
	iamSvc      = Service{Name: "iam", Version: "2010-05-08", Namespace: "https://iam.amazonaws.com/doc/2010-05-08/", Errors: passThrough}
	redshiftSvc = Service{Name: "redshift", Version: "2012-12-01", Namespace: "http://redshift.amazonaws.com/doc/2012-12-01/",
		ValidationCode: "InvalidParameterValue", Errors: passThrough}
)

// passThrough is the error mapping of services whose actions return wire
// errors already.
func passThrough(err error) error { return err }

// ---- decoding ----

type kv struct {
	Key   string
	Value string
}

type inner struct {
	A     string
	Inner []int `query:"Nums"`
}

type decodeIn struct {
	S       string
	PS      *string
	B       bool
	PB      *bool
	I       int
	I32     int32
	PI64    *int64
	U       uint16
	F       float64
	T       time.Time
	PT      *time.Time
	L       []string
	Groups  []string `query:"DbGroups,member=DbGroup"`
	Flat    []string `query:"Attr,flat"`
	Tags    []kv
	PTags   []*kv `query:"PTags"`
	Nested  *inner
	Renamed string `query:"Other"`
	Skipped string `query:"-"`
}

func decodeForm(t *testing.T, raw string) (*decodeIn, error) {
	t.Helper()
	dec, err := compileInput(reflect.TypeFor[decodeIn]())
	if err != nil {
		t.Fatalf("compileInput: %v", err)
	}
	values, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("bad test form %q: %v", raw, err)
	}
	in := new(decodeIn)
	return in, dec(newForm(values), "", reflect.ValueOf(in).Elem())
}

func TestDecode(t *testing.T) {
	ts := time.Date(2016, 12, 8, 21, 12, 53, 0, time.UTC)
	tsMilli := time.Date(2016, 12, 8, 21, 12, 53, 359_000_000, time.UTC)
	tests := []struct {
		name string
		form string
		want decodeIn
	}{
		{name: "empty form", form: "", want: decodeIn{}},
		{
			name: "scalars",
			form: "Action=X&Version=1&S=hello+world&PS=&B=true&PB=FALSE&I=-7&I32=2147483647&PI64=9007199254740993&U=65535&F=1.5" +
				"&T=2016-12-08T21%3A12%3A53Z&PT=2016-12-08T22%3A12%3A53.359%2B01%3A00&Other=r&Skipped=no",
			want: decodeIn{S: "hello world", PS: aws.String(""), B: true, PB: aws.Bool(false), I: -7, I32: 2147483647,
				PI64: aws.Int64(9007199254740993), U: 65535, F: 1.5, T: ts, PT: &tsMilli, Renamed: "r"},
		},
		{
			name: "lists in every style, out of order and with gaps",
			form: "L.member.2=b&L.member.1=a&L.member.10=c" +
				"&DbGroups.DbGroup.1=g1&DbGroups.DbGroup.2=g2" +
				"&Attr.2=y&Attr.1=x" +
				"&Tags.member.1.Key=k1&Tags.member.1.Value=v1&Tags.member.3.Key=k3" +
				"&PTags.member.1.Value=only-value" +
				"&Nested.A=a&Nested.Nums.member.1=5&Nested.Nums.member.2=6",
			want: decodeIn{
				L:      []string{"a", "b", "c"},
				Groups: []string{"g1", "g2"},
				Flat:   []string{"x", "y"},
				Tags:   []kv{{"k1", "v1"}, {Key: "k3"}},
				PTags:  []*kv{{Value: "only-value"}},
				Nested: &inner{A: "a", Inner: []int{5, 6}},
			},
		},
		{
			name: "empty list markers and unknown members",
			form: "L=&DbGroups=&Tags.member.x.Key=ignored&L.member.0=ignored&L.member.01=ignored&Unknown.member.1=u&DbGroups.member.1=wrong-style",
			want: decodeIn{L: []string{}, Groups: []string{}},
		},
		{
			name: "nested pointer allocated by any member",
			form: "Nested.Nums=",
			want: decodeIn{Nested: &inner{Inner: []int{}}},
		},
		{
			name: "first of repeated values wins",
			form: "S=first&S=second",
			want: decodeIn{S: "first"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeForm(t, tt.form)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("decoded\n%+v\nwant\n%+v", *got, tt.want)
			}
		})
	}
}

func TestDecodeGarbage(t *testing.T) {
	tests := []struct {
		form, param string
	}{
		{"I=abc", "I"},
		{"I=", "I"},
		{"I32=2147483648", "I32"},
		{"PI64=1.5", "PI64"},
		{"U=-1", "U"},
		{"B=yes", "B"},
		{"PB=1", "PB"},
		{"F=one", "F"},
		{"T=yesterday", "T"},
		{"PT=2016-12-08", "PT"},
		{"T=12%3A00", "T"},
		{"Nested.Nums.member.2=x", "Nested.Nums.member.2"},
	}
	for _, tt := range tests {
		t.Run(tt.form, func(t *testing.T) {
			_, err := decodeForm(t, tt.form)
			var aerr *awserr.Error
			if !errors.As(err, &aerr) {
				t.Fatalf("err = %v, want *awserr.Error", err)
			}
			if aerr.Code != "InvalidParameterValue" || aerr.Status != http.StatusBadRequest {
				t.Errorf("got %s/%d, want InvalidParameterValue/400", aerr.Code, aerr.Status)
			}
			if !strings.Contains(aerr.Message, "parameter "+tt.param+" ") {
				t.Errorf("message %q does not name parameter %s", aerr.Message, tt.param)
			}
		})
	}
	t.Run("long values are truncated in the message", func(t *testing.T) {
		_, err := decodeForm(t, "I="+strings.Repeat("9", 500))
		if err == nil || len(err.Error()) > 200 {
			t.Errorf("err = %v, want a short InvalidParameterValue", err)
		}
	})
}

func TestRegisterRejectsBadTypes(t *testing.T) {
	type withMap struct{ M map[string]string }
	type withBlob struct{ B []byte }
	type withListOfLists struct{ L [][]string }
	type badTag struct {
		L []string `query:"L,members=X"`
	}
	type outAny struct{ V any }
	type outListOfLists struct{ L [][]string }
	type outMap struct{ M map[string]int }
	type outAttr struct {
		A string `xml:"a,attr"`
	}
	type outWrappedScalar struct {
		S string `xml:"A>B"`
	}
	type outDeepPath struct {
		L []string `xml:"A>B>C"`
	}
	type ok struct{ S string }
	noop := func(context.Context, *ok) (*ok, error) { return nil, nil }
	tests := map[string]func(r *Router){
		"input not a struct": func(r *Router) {
			Register(r, stsSvc, "A", func(context.Context, *string) (*ok, error) { return nil, nil })
		},
		"input map": func(r *Router) {
			Register(r, stsSvc, "A", func(context.Context, *withMap) (*ok, error) { return nil, nil })
		},
		"input blob": func(r *Router) {
			Register(r, stsSvc, "A", func(context.Context, *withBlob) (*ok, error) { return nil, nil })
		},
		"input list of list": func(r *Router) {
			Register(r, stsSvc, "A", func(context.Context, *withListOfLists) (*ok, error) { return nil, nil })
		},
		"input bad tag": func(r *Router) {
			Register(r, stsSvc, "A", func(context.Context, *badTag) (*ok, error) { return nil, nil })
		},
		"output not struct": func(r *Router) {
			Register(r, stsSvc, "A", func(context.Context, *ok) (*string, error) { return nil, nil })
		},
		"output interface": func(r *Router) {
			Register(r, stsSvc, "A", func(context.Context, *ok) (*outAny, error) { return nil, nil })
		},
		"output list of list": func(r *Router) {
			Register(r, stsSvc, "A", func(context.Context, *ok) (*outListOfLists, error) { return nil, nil })
		},
		"output map": func(r *Router) {
			Register(r, stsSvc, "A", func(context.Context, *ok) (*outMap, error) { return nil, nil })
		},
		"output attr": func(r *Router) {
			Register(r, stsSvc, "A", func(context.Context, *ok) (*outAttr, error) { return nil, nil })
		},
		"output wrapped scalar": func(r *Router) {
			Register(r, stsSvc, "A", func(context.Context, *ok) (*outWrappedScalar, error) { return nil, nil })
		},
		"output deep path": func(r *Router) {
			Register(r, stsSvc, "A", func(context.Context, *ok) (*outDeepPath, error) { return nil, nil })
		},
		"duplicate action": func(r *Router) { Register(r, stsSvc, "A", noop); Register(r, stsSvc, "A", noop) },
		"empty action":     func(r *Router) { Register(r, stsSvc, "", noop) },
		"service redefined": func(r *Router) {
			Register(r, stsSvc, "A", noop)
			other := stsSvc
			other.Version = "2099-01-01"
			Register(r, other, "B", noop)
		},
	}
	for name, reg := range tests {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Register did not panic")
				}
			}()
			reg(NewRouter(nil))
		})
	}
	t.Run("recursive shapes compile", func(t *testing.T) {
		type node struct {
			Name     string
			Children []node `xml:"Children>member"`
		}
		r := NewRouter(nil)
		Register(r, stsSvc, "A", func(context.Context, *node) (*node, error) { return nil, nil })
		if !r.Handles("sts") {
			t.Error("Handles(sts) = false")
		}
	})
}

// ---- encoding and errors through the router ----

// withScope is the test stand-in for the auth layer: it records the
// service of the SigV4 credential scope (Credential=AKID/date/region/SERVICE/aws4_request)
// or of an X-Test-Service header, without verifying anything.
func withScope(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.Header.Get("X-Test-Service")
		if _, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential="); ok {
			cred, _, _ = strings.Cut(cred, ",")
			if parts := strings.Split(cred, "/"); len(parts) == 5 {
				name = parts[3]
			}
		}
		if name != "" {
			r = r.WithContext(WithService(r.Context(), name))
		}
		next.ServeHTTP(w, r)
	})
}

type echoOut struct {
	Name     string     `xml:"Name"`
	Count    int32      `xml:"Count"`
	Zero     int64      // no tag: named after the field, written although zero
	Enabled  bool       `xml:"Enabled"`
	Ratio    float64    `xml:"Ratio,omitempty"`
	NoRatio  float64    `xml:"NoRatio,omitempty"`
	Opt      *string    `xml:"Opt"`
	EmptyStr string     `xml:"EmptyStr"`
	OmitStr  string     `xml:"OmitStr,omitempty"`
	When     time.Time  `xml:"When"`
	Never    time.Time  `xml:"Never"`
	Later    *time.Time `xml:"Later"`
	Items    []string   `xml:"Items>member"`
	None     []string   `xml:"None>member"`
	Empty    []string   `xml:"Empty>member"`
	OmitList []string   `xml:"OmitList>member,omitempty"`
	Groups   []string   `xml:"Groups>Group"`
	Flat     []int      `xml:"Flat"`
	Pairs    []kv       `xml:"Pairs>member"`
	PPairs   []*kv      `xml:"PPairs>member"`
	Blob     []byte     `xml:"Blob"`
	Escaped  string     `xml:"Escaped"`
	Nested   *nestedOut `xml:"Nested"`
	Absent   *nestedOut `xml:"Absent"`
	Skipped  string     `xml:"-"`
	internal string
}

type nestedOut struct {
	ID string `xml:"Id"`
}

type nothing struct{}

type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func testRouter(t *testing.T) (*Router, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	r := NewRouter(slog.New(slog.NewTextHandler(logs, nil)))
	Register(r, stsSvc, "Echo", func(_ context.Context, in *struct{ Name string }) (*echoOut, error) {
		later := time.Date(2020, 1, 2, 3, 4, 5, 678_900_000, time.FixedZone("x", 3600))
		return &echoOut{
			Name: in.Name, Count: 3, Enabled: true, Ratio: 0.25,
			When:     time.Date(2016, 12, 8, 21, 12, 53, 0, time.UTC),
			Later:    &later,
			Items:    []string{"a", "b"},
			Empty:    []string{},
			OmitList: []string{},
			Groups:   []string{"g"},
			Flat:     []int{1, 2},
			Pairs:    []kv{{"k", "v"}},
			PPairs:   []*kv{{Key: "pk"}, nil},
			Blob:     []byte("hi\x00"),
			Escaped:  `<&">`,
			Nested:   &nestedOut{ID: "n"},
			Skipped:  "skipped",
			internal: "internal",
		}, nil
	})
	Register(r, stsSvc, "Nothing", func(context.Context, *nothing) (*nothing, error) { return nil, nil })
	Register(r, stsSvc, "Fail", func(_ context.Context, in *struct{ Kind string }) (*nothing, error) {
		switch in.Kind {
		case "fields":
			return nil, awserr.ResourceNotFound("res-1", "Query does not exist.").With("StatementId", "st<1>")
		case "server":
			return nil, awserr.InternalServer("boom")
		default:
			return nil, fmt.Errorf("secret internal detail")
		}
	})
	Register(r, iamSvc, "IAMOnly", func(context.Context, *nothing) (*nothing, error) { return nil, nil })
	Register(r, redshiftSvc, "Nothing", func(context.Context, *nothing) (*nothing, error) { return nil, nil })
	return r, logs
}

// do sends one request through httpx (request ids) and withScope.
func do(t *testing.T, h http.Handler, method, target, service, body string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	if service != "" {
		req.Header.Set("X-Test-Service", service)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func serve(r *Router) http.Handler {
	return httpx.Wrap(withScope(r), httpx.Options{WriteError: WriteError})
}

func TestEncodeResult(t *testing.T) {
	r, _ := testRouter(t)
	h := serve(r)
	tests := []struct {
		name, method, target, service, body string
		want                                string // %s is the request id
	}{
		{
			name: "full output", method: http.MethodPost, target: "/", service: "sts",
			body: "Action=Echo&Version=2011-06-15&Name=a%26b",
			want: `<EchoResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><EchoResult>` +
				`<Name>a&amp;b</Name><Count>3</Count><Zero>0</Zero><Enabled>true</Enabled><Ratio>0.25</Ratio><EmptyStr></EmptyStr>` +
				`<When>2016-12-08T21:12:53Z</When><Later>2020-01-02T02:04:05.678Z</Later>` +
				`<Items><member>a</member><member>b</member></Items><Empty></Empty><Groups><Group>g</Group></Groups>` +
				`<Flat>1</Flat><Flat>2</Flat><Pairs><member><Key>k</Key><Value>v</Value></member></Pairs>` +
				`<PPairs><member><Key>pk</Key><Value></Value></member></PPairs><Blob>aGkA</Blob>` +
				`<Escaped>&lt;&amp;&#34;&gt;</Escaped><Nested><Id>n</Id></Nested>` +
				`</EchoResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></EchoResponse>`,
		},
		{
			name: "empty output keeps the result element", method: http.MethodPost, target: "/", service: "sts",
			body: "Action=Nothing&Version=2011-06-15",
			want: `<NothingResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><NothingResult></NothingResult>` +
				`<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></NothingResponse>`,
		},
		{
			name: "GET with the query string, no Version", method: http.MethodGet, target: "/?Action=Nothing", service: "redshift",
			want: `<NothingResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><NothingResult></NothingResult>` +
				`<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></NothingResponse>`,
		},
		{
			name: "no service in context: resolved by Version", method: http.MethodPost, target: "/",
			body: "Action=Nothing&Version=2012-12-01",
			want: `<NothingResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><NothingResult></NothingResult>` +
				`<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></NothingResponse>`,
		},
		{
			name: "no service in context: resolved by unique action", method: http.MethodPost, target: "/",
			body: "Action=IAMOnly",
			want: `<IAMOnlyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><IAMOnlyResult></IAMOnlyResult>` +
				`<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></IAMOnlyResponse>`,
		},
		{
			name: "POST with the parameters in the query string", method: http.MethodPost, target: "/?Action=Nothing&Version=2011-06-15", service: "sts",
			want: `<NothingResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><NothingResult></NothingResult>` +
				`<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></NothingResponse>`,
		},
		{
			name: "POST body wins over the query string", method: http.MethodPost, target: "/?Action=Fail&Kind=x", service: "sts",
			body: "Action=Nothing",
			want: `<NothingResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><NothingResult></NothingResult>` +
				`<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></NothingResponse>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := do(t, h, tt.method, tt.target, tt.service, tt.body)
			id := res.Header.Get("x-amzn-RequestId")
			if id == "" {
				t.Fatal("no x-amzn-RequestId header")
			}
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			if ct := res.Header.Get("Content-Type"); ct != "text/xml" {
				t.Errorf("Content-Type = %q", ct)
			}
			if cl := res.Header.Get("Content-Length"); cl != fmt.Sprint(len(body)) {
				t.Errorf("Content-Length = %q, body is %d bytes", cl, len(body))
			}
			if want := fmt.Sprintf(tt.want, id); body != want {
				t.Errorf("body\n%s\nwant\n%s", body, want)
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2016, 12, 8, 21, 12, 53, 0, time.UTC), "2016-12-08T21:12:53Z"},
		{time.Date(2016, 12, 8, 21, 12, 53, 359_999_999, time.UTC), "2016-12-08T21:12:53.359Z"},
		{time.Date(2016, 12, 8, 21, 12, 53, 100_000_000, time.UTC), "2016-12-08T21:12:53.100Z"},
		{time.Date(2016, 12, 8, 21, 12, 53, 999_999, time.UTC), "2016-12-08T21:12:53Z"},
		{time.Date(2016, 12, 8, 23, 12, 53, 0, time.FixedZone("CEST", 2*3600)), "2016-12-08T21:12:53Z"},
	}
	for _, tt := range tests {
		if got := formatTime(tt.in); got != tt.want {
			t.Errorf("formatTime(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	r, logs := testRouter(t)
	h := serve(r)
	const stsNS = ` xmlns="https://sts.amazonaws.com/doc/2011-06-15/"`
	envelope := func(ns, typ, code, msg, extra string) string {
		return `<ErrorResponse` + ns + `><Error><Type>` + typ + `</Type><Code>` + code + `</Code><Message>` + msg +
			`</Message>` + extra + `</Error><RequestId>%s</RequestId></ErrorResponse>`
	}
	tests := []struct {
		name, method, target, service, body string
		status                              int
		want                                string
	}{
		{
			name: "handler awserr with model members", method: http.MethodPost, target: "/", service: "sts",
			body:   "Action=Fail&Kind=fields",
			status: 400,
			want:   envelope(stsNS, "Sender", "ResourceNotFoundException", "Query does not exist.", `<ResourceId>res-1</ResourceId><StatementId>st&lt;1&gt;</StatementId>`),
		},
		{
			name: "server fault is Receiver", method: http.MethodPost, target: "/", service: "sts",
			body:   "Action=Fail&Kind=server",
			status: 500,
			want:   envelope(stsNS, "Receiver", "InternalServerException", "boom", ""),
		},
		{
			name: "plain error hides its text", method: http.MethodPost, target: "/", service: "sts",
			body:   "Action=Fail",
			status: 500,
			want:   envelope(stsNS, "Receiver", "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.", ""),
		},
		{
			name: "unknown action", method: http.MethodPost, target: "/", service: "sts",
			body:   "Action=Nope&Version=2011-06-15",
			status: 400,
			want:   envelope(stsNS, "Sender", "InvalidAction", "Could not find operation Nope for version 2011-06-15", ""),
		},
		{
			name: "action of another service", method: http.MethodPost, target: "/", service: "sts",
			body:   "Action=IAMOnly",
			status: 400,
			want:   envelope(stsNS, "Sender", "InvalidAction", "Could not find operation IAMOnly for version NO_VERSION_SPECIFIED", ""),
		},
		{
			name: "wrong version", method: http.MethodPost, target: "/", service: "sts",
			body:   "Action=Nothing&Version=2010-05-08",
			status: 400,
			want:   envelope(stsNS, "Sender", "InvalidAction", "Could not find operation Nothing for version 2010-05-08", ""),
		},
		{
			name: "missing action", method: http.MethodPost, target: "/", service: "sts",
			body:   "Version=2011-06-15",
			status: 400,
			want:   envelope(stsNS, "Sender", "MissingAction", "The request must contain the parameter Action.", ""),
		},
		{
			name: "unknown service in context", method: http.MethodPost, target: "/", service: "s3",
			body:   "Action=Nothing",
			status: 400,
			want:   envelope("", "Sender", "InvalidAction", "Could not find operation Nothing for version NO_VERSION_SPECIFIED", ""),
		},
		{
			name: "no service and an ambiguous action", method: http.MethodPost, target: "/",
			body:   "Action=Nothing",
			status: 400,
			want:   envelope("", "Sender", "InvalidAction", "Could not find operation Nothing for version NO_VERSION_SPECIFIED", ""),
		},
		{
			name: "undecodable body", method: http.MethodPost, target: "/", service: "sts",
			body:   "Action=Nothing&bad=%zz",
			status: 404,
			want:   envelope(stsNS, "Sender", "MalformedQueryString", "The request body is not valid URL-encoded form data", ""),
		},
		{
			name: "undecodable query string", method: http.MethodGet, target: "/?Action=Nothing&x=%zz", service: "sts",
			status: 404,
			want:   envelope(stsNS, "Sender", "MalformedQueryString", "The query string is not valid URL-encoded form data", ""),
		},
		{
			name: "unknown and mis-shaped parameters are ignored", method: http.MethodPost, target: "/", service: "sts",
			body:   "Action=Echo&Name.member.1=x&Name=ok&Unknown=1",
			status: 200,
		},
		{
			name: "unsupported method", method: http.MethodPut, target: "/?Action=Nothing", service: "sts",
			status: 400,
			want:   envelope(stsNS, "Sender", "InvalidAction", "The HTTP method PUT is not supported by the Query protocol", ""),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := do(t, h, tt.method, tt.target, tt.service, tt.body)
			if res.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d: %s", res.StatusCode, tt.status, body)
			}
			if tt.want == "" {
				return
			}
			if ct := res.Header.Get("Content-Type"); ct != "text/xml" {
				t.Errorf("Content-Type = %q", ct)
			}
			id := res.Header.Get("x-amzn-RequestId")
			if want := fmt.Sprintf(tt.want, id); id == "" || body != want {
				t.Errorf("body\n%s\nwant\n%s", body, want)
			}
		})
	}
	if l := logs.String(); !strings.Contains(l, "secret internal detail") || strings.Count(l, "operation failed") != 1 {
		t.Errorf("want exactly the plain error logged, got logs:\n%s", l)
	}
}

func TestTypedDecodeErrorThroughRouter(t *testing.T) {
	r := NewRouter(nil)
	Register(r, redshiftSvc, "Typed", func(context.Context, *struct{ DurationSeconds *int32 }) (*nothing, error) {
		t.Error("handler ran despite a bad parameter")
		return nil, nil
	})
	res, body := do(t, serve(r), http.MethodPost, "/", "redshift", "Action=Typed&DurationSeconds=15m")
	want := fmt.Sprintf(`<ErrorResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><Error><Type>Sender</Type>`+
		`<Code>InvalidParameterValue</Code><Message>Value (15m) for parameter DurationSeconds is invalid. Expected: Integer.</Message>`+
		`</Error><RequestId>%s</RequestId></ErrorResponse>`, res.Header.Get("x-amzn-RequestId"))
	if res.StatusCode != 400 || body != want {
		t.Errorf("status %d body\n%s\nwant\n%s", res.StatusCode, body, want)
	}
}

func TestBodyLimit(t *testing.T) {
	r, _ := testRouter(t)
	h := httpx.Wrap(withScope(r), httpx.Options{MaxBodyBytes: 64})
	res, body := do(t, h, http.MethodPost, "/", "sts", "Action=Echo&Name="+strings.Repeat("x", 100))
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "<Code>RequestEntityTooLargeException</Code>") {
		t.Errorf("status %d body %s", res.StatusCode, body)
	}
}

func TestRequestIDWithoutHTTPX(t *testing.T) {
	r, _ := testRouter(t)
	for _, form := range []string{"Action=Nothing", "Action=Nope"} {
		res, body := do(t, withScope(r), http.MethodPost, "/", "sts", form)
		id := res.Header.Get("x-amzn-RequestId")
		if len(id) != 36 || !strings.Contains(body, "<RequestId>"+id+"</RequestId>") {
			t.Errorf("%s: header id %q not in body %s", form, id, body)
		}
	}
}

func TestPackageWriteError(t *testing.T) {
	r, _ := testRouter(t)
	for _, tt := range []struct {
		name, service, wantRoot string
		write                   func(http.ResponseWriter, *http.Request, error)
	}{
		{"package level", "sts", `<ErrorResponse><Error>`, WriteError},
		{"router, known service", "iam", `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error>`, r.WriteError},
		{"router, unknown service", "s3", `<ErrorResponse><Error>`, r.WriteError},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/", nil)
			req = req.WithContext(WithService(req.Context(), tt.service))
			tt.write(rec, req, awserr.AccessDenied("nope"))
			body := rec.Body.String()
			if rec.Code != 400 || !strings.HasPrefix(body, tt.wantRoot) || !strings.Contains(body, "<Code>AccessDeniedException</Code><Message>nope</Message>") {
				t.Errorf("status %d body %s", rec.Code, body)
			}
		})
	}
}

func TestIsQuery(t *testing.T) {
	tests := []struct {
		method, target, contentType string
		want                        bool
	}{
		{"POST", "/", "application/x-www-form-urlencoded; charset=utf-8", true},
		{"POST", "/", "application/x-www-form-urlencoded", true},
		{"POST", "/", "application/x-amz-json-1.1", false},
		{"POST", "/", "", false},
		{"GET", "/?Action=GetCallerIdentity&Version=2011-06-15", "", true},
		{"POST", "/?Action=GetCallerIdentity", "", true},
		{"GET", "/?X-Amz-Target=RedshiftData.ExecuteStatement", "", false},
		{"GET", "/", "application/x-www-form-urlencoded", false},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, tt.target, nil)
		if tt.contentType != "" {
			req.Header.Set("Content-Type", tt.contentType)
		}
		if got := IsQuery(req); got != tt.want {
			t.Errorf("IsQuery(%s %s %q) = %v, want %v", tt.method, tt.target, tt.contentType, got, tt.want)
		}
	}
}

func TestServiceContext(t *testing.T) {
	if got := ServiceFrom(context.Background()); got != "" {
		t.Errorf("ServiceFrom(empty) = %q", got)
	}
	if got := ServiceFrom(WithService(context.Background(), "iam")); got != "iam" {
		t.Errorf("ServiceFrom = %q, want iam", got)
	}
	r, _ := testRouter(t)
	if !r.Handles("redshift") || r.Handles("s3") {
		t.Error("Handles is wrong")
	}
}

// ---- end to end with real clients ----

type assumeRoleIn struct {
	RoleArn         string
	RoleSessionName string
	DurationSeconds *int32
	ExternalId      *string
	Policy          *string
	PolicyArns      []policyArn
}

// policyArn is STS's PolicyDescriptorType, whose one member is lower-case.
type policyArn struct {
	Arn string `query:"arn"`
}

type credentialsOut struct {
	AccessKeyId     string    `xml:"AccessKeyId"`
	SecretAccessKey string    `xml:"SecretAccessKey"`
	SessionToken    string    `xml:"SessionToken"`
	Expiration      time.Time `xml:"Expiration"`
}

type assumedRoleUser struct {
	AssumedRoleId string `xml:"AssumedRoleId"`
	Arn           string `xml:"Arn"`
}

type assumeRoleOut struct {
	Credentials      credentialsOut  `xml:"Credentials"`
	AssumedRoleUser  assumedRoleUser `xml:"AssumedRoleUser"`
	PackedPolicySize *int32          `xml:"PackedPolicySize"`
	SourceIdentity   *string         `xml:"SourceIdentity"`
}

type getCallerIdentityOut struct {
	UserId  string `xml:"UserId"`
	Account string `xml:"Account"`
	Arn     string `xml:"Arn"`
}

type getClusterCredentialsIn struct {
	DbUser            string
	DbName            *string
	ClusterIdentifier string
	DurationSeconds   *int32
	AutoCreate        *bool
	DbGroups          []string `query:"DbGroups,member=DbGroup"`
	CustomDomainName  *string
}

type getClusterCredentialsOut struct {
	DbUser     string    `xml:"DbUser"`
	DbPassword string    `xml:"DbPassword"`
	Expiration time.Time `xml:"Expiration"`
}

type createRoleIn struct {
	RoleName                 string
	AssumeRolePolicyDocument string
	Path                     *string
	MaxSessionDuration       *int32
	Tags                     []kv
}

type roleOut struct {
	Path               string    `xml:"Path"`
	RoleName           string    `xml:"RoleName"`
	RoleId             string    `xml:"RoleId"`
	Arn                string    `xml:"Arn"`
	CreateDate         time.Time `xml:"CreateDate"`
	MaxSessionDuration *int32    `xml:"MaxSessionDuration"`
	Tags               []kv      `xml:"Tags>member"`
}

type createRoleOut struct {
	Role roleOut `xml:"Role"`
}

var expiration = time.Date(2031, 7, 15, 23, 28, 33, 359_000_000, time.UTC)

func e2eRouter(t *testing.T) *Router {
	t.Helper()
	r := NewRouter(slog.New(slog.DiscardHandler))
	Register(r, stsSvc, "GetCallerIdentity", func(ctx context.Context, _ *struct{}) (*getCallerIdentityOut, error) {
		return &getCallerIdentityOut{UserId: "AIDAEXAMPLE", Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/" + ServiceFrom(ctx)}, nil
	})
	Register(r, stsSvc, "AssumeRole", func(_ context.Context, in *assumeRoleIn) (*assumeRoleOut, error) {
		if in.RoleSessionName == "denied" {
			return nil, &awserr.Error{Code: "AccessDenied", Status: http.StatusForbidden, Message: "User is not authorized to perform: sts:AssumeRole"}
		}
		// Echo every input back through the output so the test sees what was decoded.
		echo, _ := json.Marshal(in)
		size := int32(len(in.PolicyArns))
		return &assumeRoleOut{
			Credentials: credentialsOut{
				AccessKeyId:     "ASIA" + in.RoleSessionName,
				SecretAccessKey: fmt.Sprint(*in.DurationSeconds),
				SessionToken:    string(echo),
				Expiration:      expiration,
			},
			AssumedRoleUser:  assumedRoleUser{AssumedRoleId: "AROAEXAMPLE:" + in.RoleSessionName, Arn: in.RoleArn},
			PackedPolicySize: &size,
		}, nil
	})
	Register(r, redshiftSvc, "GetClusterCredentials", func(_ context.Context, in *getClusterCredentialsIn) (*getClusterCredentialsOut, error) {
		if in.ClusterIdentifier == "missing" {
			return nil, &awserr.Error{Code: "ClusterNotFound", Status: http.StatusNotFound, Message: "Cluster missing not found."}
		}
		echo, _ := json.Marshal(in)
		return &getClusterCredentialsOut{DbUser: "IAM:" + in.DbUser, DbPassword: string(echo), Expiration: expiration}, nil
	})
	Register(r, iamSvc, "CreateRole", func(_ context.Context, in *createRoleIn) (*createRoleOut, error) {
		path := "/"
		if in.Path != nil {
			path = *in.Path
		}
		return &createRoleOut{Role: roleOut{
			Path: path, RoleName: in.RoleName, RoleId: "AROA" + strings.ToUpper(in.RoleName),
			Arn:                "arn:aws:iam::123456789012:role" + path + in.RoleName,
			CreateDate:         time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
			MaxSessionDuration: in.MaxSessionDuration, Tags: in.Tags,
		}}, nil
	})
	return r
}

func e2eServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(httpx.Wrap(withScope(e2eRouter(t)), httpx.Options{WriteError: WriteError}))
	t.Cleanup(srv.Close)
	return srv
}

func sdkConfig(srv *httptest.Server) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("x", "y", ""),
		BaseEndpoint: aws.String(srv.URL),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   srv.Client(),
	}
}

func TestSTSClient(t *testing.T) {
	srv := e2eServer(t)
	client := sts.NewFromConfig(sdkConfig(srv))
	ctx := t.Context()

	id, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if aws.ToString(id.UserId) != "AIDAEXAMPLE" || aws.ToString(id.Account) != "123456789012" ||
		aws.ToString(id.Arn) != "arn:aws:iam::123456789012:user/sts" {
		t.Errorf("GetCallerIdentity = %q %q %q", aws.ToString(id.UserId), aws.ToString(id.Account), aws.ToString(id.Arn))
	}

	out, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String("arn:aws:iam::123456789012:role/demo"),
		RoleSessionName: aws.String("sess1"),
		DurationSeconds: aws.Int32(1800),
		ExternalId:      aws.String("ext-id"),
		Policy:          aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`),
		PolicyArns: []ststypes.PolicyDescriptorType{
			{Arn: aws.String("arn:aws:iam::aws:policy/A")}, {Arn: aws.String("arn:aws:iam::aws:policy/B")},
		},
	})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	c := out.Credentials
	if aws.ToString(c.AccessKeyId) != "ASIAsess1" || aws.ToString(c.SecretAccessKey) != "1800" {
		t.Errorf("credentials = %q %q", aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey))
	}
	if c.Expiration == nil || !c.Expiration.Equal(expiration) {
		t.Errorf("Expiration = %v, want %v", c.Expiration, expiration)
	}
	var echoed assumeRoleIn
	if err := json.Unmarshal([]byte(aws.ToString(c.SessionToken)), &echoed); err != nil {
		t.Fatalf("echo: %v", err)
	}
	wantIn := assumeRoleIn{
		RoleArn: "arn:aws:iam::123456789012:role/demo", RoleSessionName: "sess1", DurationSeconds: aws.Int32(1800),
		ExternalId: aws.String("ext-id"),
		Policy:     aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`),
		PolicyArns: []policyArn{{"arn:aws:iam::aws:policy/A"}, {"arn:aws:iam::aws:policy/B"}},
	}
	if !reflect.DeepEqual(echoed, wantIn) {
		t.Errorf("server decoded %+v, want %+v", echoed, wantIn)
	}
	if u := out.AssumedRoleUser; u == nil || aws.ToString(u.Arn) != "arn:aws:iam::123456789012:role/demo" || aws.ToString(u.AssumedRoleId) != "AROAEXAMPLE:sess1" {
		t.Errorf("AssumedRoleUser = %+v", out.AssumedRoleUser)
	}
	//lint:ignore SA1019 the wire still carries PackedPolicySize, and rsdata sends it as STS does
	if aws.ToInt32(out.PackedPolicySize) != 2 || out.SourceIdentity != nil {
		//lint:ignore SA1019 as above
		t.Errorf("PackedPolicySize = %v, SourceIdentity = %v", out.PackedPolicySize, out.SourceIdentity)
	}

	_, err = client.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/demo"), RoleSessionName: aws.String("denied"),
	})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("AssumeRole denied: err = %v, want smithy.APIError", err)
	}
	if apiErr.ErrorCode() != "AccessDenied" || apiErr.ErrorMessage() != "User is not authorized to perform: sts:AssumeRole" {
		t.Errorf("error = %s / %s", apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	var httpErr interface{ HTTPStatusCode() int }
	if !errors.As(err, &httpErr) || httpErr.HTTPStatusCode() != http.StatusForbidden {
		t.Errorf("HTTP status of %v is not 403", err)
	}
	var reqIDErr interface{ ServiceRequestID() string }
	if !errors.As(err, &reqIDErr) || len(reqIDErr.ServiceRequestID()) != 36 {
		t.Errorf("request id not parsed from %v", err)
	}
}

func TestRedshiftClient(t *testing.T) {
	srv := e2eServer(t)
	client := redshift.NewFromConfig(sdkConfig(srv))
	ctx := t.Context()

	out, err := client.GetClusterCredentials(ctx, &redshift.GetClusterCredentialsInput{
		DbUser:            aws.String("alice"),
		DbName:            aws.String("dev"),
		ClusterIdentifier: aws.String("c1"),
		DurationSeconds:   aws.Int32(3600),
		AutoCreate:        aws.Bool(true),
		DbGroups:          []string{"analysts", "readers", "g3"},
	})
	if err != nil {
		t.Fatalf("GetClusterCredentials: %v", err)
	}
	if aws.ToString(out.DbUser) != "IAM:alice" {
		t.Errorf("DbUser = %q", aws.ToString(out.DbUser))
	}
	if out.Expiration == nil || !out.Expiration.Equal(expiration) {
		t.Errorf("Expiration = %v, want %v", out.Expiration, expiration)
	}
	var echoed getClusterCredentialsIn
	if err := json.Unmarshal([]byte(aws.ToString(out.DbPassword)), &echoed); err != nil {
		t.Fatalf("echo: %v", err)
	}
	want := getClusterCredentialsIn{
		DbUser: "alice", DbName: aws.String("dev"), ClusterIdentifier: "c1", DurationSeconds: aws.Int32(3600),
		AutoCreate: aws.Bool(true), DbGroups: []string{"analysts", "readers", "g3"},
	}
	if !reflect.DeepEqual(echoed, want) {
		t.Errorf("server decoded %+v, want %+v", echoed, want)
	}

	_, err = client.GetClusterCredentials(ctx, &redshift.GetClusterCredentialsInput{
		DbUser: aws.String("alice"), ClusterIdentifier: aws.String("missing"),
	})
	var notFound *redshifttypes.ClusterNotFoundFault
	if !errors.As(err, &notFound) {
		t.Fatalf("err = %v, want *types.ClusterNotFoundFault", err)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ClusterNotFound" || apiErr.ErrorMessage() != "Cluster missing not found." {
		t.Errorf("error = %v", err)
	}
}

func TestIAMClient(t *testing.T) {
	srv := e2eServer(t)
	client := iam.NewFromConfig(sdkConfig(srv))
	out, err := client.CreateRole(t.Context(), &iam.CreateRoleInput{
		RoleName:                 aws.String("demo"),
		AssumeRolePolicyDocument: aws.String(`{}`),
		Path:                     aws.String("/svc/"),
		MaxSessionDuration:       aws.Int32(7200),
		Tags: []iamtypes.Tag{
			{Key: aws.String("team"), Value: aws.String("data")},
			{Key: aws.String("env"), Value: aws.String("")},
		},
	})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	role := out.Role
	if role == nil || aws.ToString(role.Arn) != "arn:aws:iam::123456789012:role/svc/demo" || aws.ToString(role.RoleId) != "AROADEMO" ||
		aws.ToInt32(role.MaxSessionDuration) != 7200 {
		t.Fatalf("Role = %+v", role)
	}
	if role.CreateDate == nil || !role.CreateDate.Equal(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)) {
		t.Errorf("CreateDate = %v", role.CreateDate)
	}
	var tags []kv
	for _, tag := range role.Tags {
		tags = append(tags, kv{aws.ToString(tag.Key), aws.ToString(tag.Value)})
	}
	if want := []kv{{"team", "data"}, {"env", ""}}; !reflect.DeepEqual(tags, want) {
		t.Errorf("Tags = %+v, want %+v", tags, want)
	}
}

func TestBoto3(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatalf("python3 is required: %v", err)
	}
	srv := e2eServer(t)
	const script = `
import json, sys
import boto3, botocore.exceptions
sts = boto3.client("sts", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="x", aws_secret_access_key="y")
ident = sts.get_caller_identity()
out = {"identity": {k: ident[k] for k in ("UserId", "Account", "Arn")},
       "request_id": ident["ResponseMetadata"]["RequestId"],
       "header_id": ident["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-requestid")}
role = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/demo", RoleSessionName="py", DurationSeconds=900)
out["expiration"] = role["Credentials"]["Expiration"].isoformat()
try:
    sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/demo", RoleSessionName="denied")
except botocore.exceptions.ClientError as e:
    out["error"] = {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                    "type": e.response["Error"].get("Type"),
                    "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
                    "request_id": e.response["ResponseMetadata"].get("RequestId")}
print(json.dumps(out))
`
	cmd := exec.CommandContext(t.Context(), "python3", "-c", script, srv.URL)
	cmd.Env = append(cmd.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1")
	raw, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("boto3: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("boto3: %v", err)
	}
	var got struct {
		Identity   map[string]string
		RequestID  string `json:"request_id"`
		HeaderID   string `json:"header_id"`
		Expiration string
		Error      struct {
			Code, Message, Type string
			Status              int
			RequestID           string `json:"request_id"`
		}
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("boto3 output %s: %v", raw, err)
	}
	wantIdentity := map[string]string{"UserId": "AIDAEXAMPLE", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/sts"}
	if !reflect.DeepEqual(got.Identity, wantIdentity) {
		t.Errorf("identity = %v", got.Identity)
	}
	if len(got.RequestID) != 36 || got.RequestID != got.HeaderID {
		t.Errorf("request id body %q header %q", got.RequestID, got.HeaderID)
	}
	if got.Expiration != "2031-07-15T23:28:33.359000+00:00" {
		t.Errorf("Expiration = %q", got.Expiration)
	}
	e := got.Error
	if e.Code != "AccessDenied" || e.Message != "User is not authorized to perform: sts:AssumeRole" || e.Type != "Sender" ||
		e.Status != 403 || len(e.RequestID) != 36 {
		t.Errorf("error = %+v", e)
	}
}

// TestTextNoActionCanStore: a parameter name or value holding a NUL
// character or bytes that are not UTF-8 is refused before the action runs,
// with the service's constraint-failure code (ValidationError for IAM and
// STS, InvalidParameterValue for Redshift); both used to reach PostgreSQL
// and come back as 500 InternalFailure.
func TestTextNoActionCanStore(t *testing.T) {
	r, _ := testRouter(t)
	h := serve(r)
	for _, c := range []struct {
		name, service, body, code, msg string
	}{
		{"nul in sts", "sts", "Action=Echo&Name=%00", "ValidationError",
			"1 validation error detected: Value at 'Name' failed to satisfy constraint: Member must not contain null characters"},
		{"invalid utf-8 in sts", "sts", "Action=Echo&Name=%FF%FE", "ValidationError",
			"1 validation error detected: Value at 'Name' failed to satisfy constraint: Member must contain only valid UTF-8 characters"},
		{"raw invalid utf-8", "sts", "Action=Echo&Name=\xff\xfe", "ValidationError",
			"1 validation error detected: Value at 'Name' failed to satisfy constraint: Member must contain only valid UTF-8 characters"},
		{"nul in an unknown parameter's name", "iam", "Action=IAMOnly&X%00=1", "ValidationError",
			"1 validation error detected: A parameter name failed to satisfy constraint: Member must not contain null characters"},
		{"nul in redshift", "redshift", "Action=Nothing&ClusterIdentifier=a%00b", "InvalidParameterValue",
			"1 validation error detected: Value at 'ClusterIdentifier' failed to satisfy constraint: Member must not contain null characters"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, body := do(t, h, http.MethodPost, "/", c.service, c.body)
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "<Code>"+c.code+"</Code><Message>"+strings.ReplaceAll(c.msg, "'", "&#39;")+"</Message>") {
				t.Fatalf("got %d %s", res.StatusCode, body)
			}
		})
	}
}

// TestCredentialScopeService: a Query request whose Version names one
// service but whose signature is scoped to another, or to a service the
// Query router does not serve, is SignatureDoesNotMatch.
func TestCredentialScopeService(t *testing.T) {
	r, _ := testRouter(t)
	h := serve(r)
	for _, c := range []struct{ name, service, body, want string }{
		{"iam action signed for sts", "sts", "Action=IAMOnly&Version=2010-05-08", "iam"},
		{"sts action signed for redshift-data", "redshift-data", "Action=Echo&Version=2011-06-15", "sts"},
		{"sts action without version signed for redshift-data", "redshift-data", "Action=Echo", "sts"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, body := do(t, h, http.MethodPost, "/", c.service, c.body)
			want := "<Code>SignatureDoesNotMatch</Code><Message>Credential should be scoped to correct service: &#39;" + c.want + "&#39;. </Message>"
			if res.StatusCode != http.StatusForbidden || !strings.Contains(body, want) {
				t.Fatalf("got %d %s", res.StatusCode, body)
			}
		})
	}
	if res, body := do(t, h, http.MethodPost, "/", "sts", "Action=Echo&Version=2011-06-15"); res.StatusCode != http.StatusOK {
		t.Fatalf("correctly scoped: %d %s", res.StatusCode, body)
	}
}

// TestRouterMapsEveryError: an action returns a domain error as it is; the
// router maps it with the service's mapping, so no handler can forget to.
func TestRouterMapsEveryError(t *testing.T) {
	errDomain := errors.New("no such role")
	svc := stsSvc
	svc.Errors = func(err error) error {
		if errors.Is(err, errDomain) {
			return &awserr.Error{Code: "NoSuchEntity", Status: http.StatusNotFound, Message: "The role cannot be found."}
		}
		return err
	}
	r := NewRouter(nil)
	Register(r, svc, "Find", func(context.Context, *nothing) (*nothing, error) { return nil, errDomain })
	res, body := do(t, serve(r), http.MethodPost, "/", "sts", "Action=Find&Version=2011-06-15")
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "<Code>NoSuchEntity</Code>") {
		t.Fatalf("status %d body %s, want the mapped NoSuchEntity", res.StatusCode, body)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a service without an error mapping was accepted")
		}
	}()
	svc.Errors = nil
	Register(NewRouter(nil), svc, "Find", func(context.Context, *nothing) (*nothing, error) { return nil, nil })
}
