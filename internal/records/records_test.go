package records

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
)

func decodeRecords(tb testing.TB, page []byte) [][]map[string]any {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(page))
	dec.UseNumber()
	var recs [][]map[string]any
	if err := dec.Decode(&recs); err != nil {
		tb.Fatalf("page is not valid JSON: %v\n%s", err, page)
	}
	if dec.More() {
		tb.Fatalf("trailing data after page: %s", page)
	}
	return recs
}

// The real AWS SDK decodes a GetStatementResult response built from
// AppendRecord output into the Field variants the encoder meant.
func TestRecordsDecodeWithAWSSDK(t *testing.T) {
	kinds := []Kind{KindLong, KindDouble, KindDouble, KindDouble, KindBool, KindBlob, KindTimestamp, KindString, KindString}
	row := [][]byte{
		[]byte("-9223372036854775808"), []byte("1e+100"), []byte("NaN"), []byte("-Infinity"),
		[]byte("t"), []byte(`\x00ff10`), []byte("2022-02-22 00:00:00"), []byte("a\"b\\c\n😀\xff"), nil,
	}
	body := []byte(`{"TotalNumRows":1,"ColumnMetadata":[],"Records":[`)
	body = AppendRecord(body, kinds, row)
	body = append(body, "]}"...)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("X-Amz-Target"); got != "RedshiftData.GetStatementResult" {
			http.Error(w, "unexpected target "+got, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Write(body)
	}))
	defer srv.Close()

	client := redshiftdata.New(redshiftdata.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  aws.AnonymousCredentials{},
	})
	out, err := client.GetStatementResult(context.Background(), &redshiftdata.GetStatementResultInput{Id: aws.String("x")})
	if err != nil {
		t.Fatalf("GetStatementResult: %v\nbody: %s", err, body)
	}
	if len(out.Records) != 1 || len(out.Records[0]) != len(row) {
		t.Fatalf("records = %#v", out.Records)
	}
	f := out.Records[0]
	if v, ok := f[0].(*types.FieldMemberLongValue); !ok || v.Value != math.MinInt64 {
		t.Errorf("field 0 = %#v", f[0])
	}
	if v, ok := f[1].(*types.FieldMemberDoubleValue); !ok || v.Value != 1e100 {
		t.Errorf("field 1 = %#v", f[1])
	}
	if v, ok := f[2].(*types.FieldMemberDoubleValue); !ok || !math.IsNaN(v.Value) {
		t.Errorf("field 2 = %#v", f[2])
	}
	if v, ok := f[3].(*types.FieldMemberDoubleValue); !ok || !math.IsInf(v.Value, -1) {
		t.Errorf("field 3 = %#v", f[3])
	}
	if v, ok := f[4].(*types.FieldMemberBooleanValue); !ok || !v.Value {
		t.Errorf("field 4 = %#v", f[4])
	}
	if v, ok := f[5].(*types.FieldMemberBlobValue); !ok || !bytes.Equal(v.Value, []byte{0, 0xff, 0x10}) {
		t.Errorf("field 5 = %#v", f[5])
	}
	if v, ok := f[6].(*types.FieldMemberStringValue); !ok || v.Value != "2022-02-22 00:00:00.0" {
		t.Errorf("field 6 = %#v", f[6])
	}
	if v, ok := f[7].(*types.FieldMemberStringValue); !ok || v.Value != "a\"b\\c\n😀\ufffd" {
		t.Errorf("field 7 = %#v", f[7])
	}
	if v, ok := f[8].(*types.FieldMemberIsNull); !ok || !v.Value {
		t.Errorf("field 8 = %#v", f[8])
	}
}

// Byte-exact output for inputs PostgreSQL does not send, or that need exact
// escaping; each must stay valid JSON.
func TestAppendRecordExact(t *testing.T) {
	cases := []struct {
		name  string
		kinds []Kind
		vals  [][]byte
		want  string
	}{
		{"empty row", nil, nil, `[]`},
		{"control characters", []Kind{KindString}, [][]byte{[]byte("\x00\x01\x08\x0c\x1f\x7f")},
			`[{"stringValue":"\u0000\u0001\u0008\u000c\u001f` + "\x7f" + `"}]`},
		{"html stays literal", []Kind{KindString}, [][]byte{[]byte("<a href='x'>&</a>")},
			`[{"stringValue":"<a href='x'>&</a>"}]`},
		{"invalid utf-8", []Kind{KindString}, [][]byte{[]byte("a\xffb\xe2\x82c\xc3")},
			`[{"stringValue":"a` + "\ufffd" + `b` + "\ufffd\ufffd" + `c` + "\ufffd" + `"}]`},
		{"surrogate half is invalid utf-8", []Kind{KindString}, [][]byte{[]byte("\xed\xa0\x80")},
			`[{"stringValue":"` + "\ufffd\ufffd\ufffd" + `"}]`},
		{"valid multibyte kept", []Kind{KindString}, [][]byte{[]byte("é😀")}, `[{"stringValue":"é😀"}]`},
		{"missing kind is a string", []Kind{KindLong}, [][]byte{[]byte("1"), []byte("2")},
			`[{"longValue":1},{"stringValue":"2"}]`},
		{"non-integer long falls back to string", []Kind{KindLong, KindLong, KindLong},
			[][]byte{[]byte("1.5"), []byte("-"), []byte("")},
			`[{"stringValue":"1.5"},{"stringValue":"-"},{"stringValue":""}]`},
		{"non-number double falls back to string", []Kind{KindDouble, KindDouble, KindDouble, KindDouble},
			[][]byte{[]byte("01"), []byte("1."), []byte("nan"), []byte("1e")},
			`[{"stringValue":"01"},{"stringValue":"1."},{"stringValue":"nan"},{"stringValue":"1e"}]`},
		{"odd bool falls back to string", []Kind{KindBool}, [][]byte{[]byte("true")}, `[{"stringValue":"true"}]`},
		{"bad hex blob falls back to string", []Kind{KindBlob, KindBlob}, [][]byte{[]byte(`\x0g`), []byte(`\x0`)},
			`[{"stringValue":"\\x0g"},{"stringValue":"\\x0"}]`},
		{"bad escape blob falls back to string", []Kind{KindBlob}, [][]byte{[]byte(`a\9`)}, `[{"stringValue":"a\\9"}]`},
		{"uppercase hex blob", []Kind{KindBlob}, [][]byte{[]byte(`\xFBFF`)}, `[{"blobValue":"+/8="}]`},
		{"timestamp shapes", []Kind{KindTimestamp, KindTimestamp, KindTimestamp},
			[][]byte{[]byte("-infinity"), []byte("2020-01-01 00:00"), []byte("2020-01-01 00:00:00.000001")},
			`[{"stringValue":"-infinity"},{"stringValue":"2020-01-01 00:00"},{"stringValue":"2020-01-01 00:00:00.000001"}]`},
		{"unknown kind is a string", []Kind{Kind(200)}, [][]byte{[]byte("x")}, `[{"stringValue":"x"}]`},
		{"empty but not null", []Kind{KindString, KindBlob, KindLong}, [][]byte{{}, {}, {}},
			`[{"stringValue":""},{"blobValue":""},{"stringValue":""}]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := AppendRecord([]byte("prefix"), c.kinds, c.vals)
			if !bytes.HasPrefix(got, []byte("prefix")) {
				t.Fatalf("dst prefix lost: %s", got)
			}
			got = got[len("prefix"):]
			if string(got) != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
			if !json.Valid(got) {
				t.Errorf("not valid JSON: %s", got)
			}
		})
	}
}

// Every string survives encoding/json decoding unchanged when it is valid
// UTF-8, including every ASCII byte.
func TestAppendRecordStringsDecode(t *testing.T) {
	var all []byte
	for c := 1; c < 128; c++ {
		all = append(all, byte(c))
	}
	inputs := []string{string(all), "😀\U0010FFFF\u00a0\u2029", strings.Repeat(`"\`, 100)}
	for _, in := range inputs {
		page := AppendRecord(nil, []Kind{KindString}, [][]byte{[]byte(in)})
		recs := decodeRecords(t, append(append([]byte{'['}, page...), ']'))
		if got := recs[0][0]["stringValue"]; got != in {
			t.Errorf("decoded %q, want %q", got, in)
		}
	}
}

func TestAppendRecordDoesNotAllocate(t *testing.T) {
	kinds := []Kind{KindLong, KindDouble, KindDouble, KindBool, KindBlob, KindTimestamp, KindString, KindString}
	row := [][]byte{
		[]byte("42"), []byte("1.5"), []byte("NaN"), []byte("f"), []byte(`\x` + strings.Repeat("ab", 500)),
		[]byte("2022-02-22 00:00:00"), []byte("tab\there \"q\" \x01 é \xff"), nil,
	}
	dst := make([]byte, 0, 1<<16)
	allocs := testing.AllocsPerRun(100, func() {
		dst = AppendRecord(dst[:0], kinds, row)
	})
	if allocs != 0 {
		t.Errorf("AppendRecord allocated %v times per row with a large enough dst", allocs)
	}
	if !json.Valid(dst) {
		t.Errorf("not valid JSON: %s", dst)
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{
		KindString: "string", KindLong: "long", KindDouble: "double", KindBool: "bool",
		KindBlob: "blob", KindTimestamp: "timestamp", Kind(99): "Kind(99)",
	} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", uint8(k), got, want)
		}
	}
}

// TestCSV checks RFC 4180's rules: CRLF after each record, and quotes
// (doubled inside) around a field holding a comma, a quote, CR or LF, or
// with a leading or trailing space. NULL is an empty field and the empty
// string a quoted one, so the two stay apart.
func TestCSV(t *testing.T) {
	got := AppendCSVRecord(nil, nil, [][]byte{[]byte("plain"), []byte("a,b"), []byte(`say "hi"`), []byte("two\nlines"), []byte(" pad"), nil, []byte("")})
	want := "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" pad\",,\"\"\r\n"
	if string(got) != want {
		t.Fatalf("record = %q, want %q", got, want)
	}
}

// TestJSONStringLikeAWS: CSV results travel as one JSON string. Unlike
// encoding/json, nothing but quote, backslash and control characters is
// escaped ("<", ">" and "&" stay as they are), and the SDK's decoder reads
// back the original.
func TestJSONStringLikeAWS(t *testing.T) {
	in := "a<b>&c\"d\\e\x01f\tg\u00e9"
	got := string(AppendJSONString(nil, []byte(in)))
	if want := `a<b>&c\"d\\e\u0001f\tg` + "\u00e9"; got != want {
		t.Fatalf("escaped = %s, want %s", got, want)
	}
	var back string
	if err := json.Unmarshal([]byte(`"`+got+`"`), &back); err != nil || back != in {
		t.Fatalf("decoded %q, %v", back, err)
	}
}
