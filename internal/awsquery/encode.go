package awsquery

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rsdata/rsdata/internal/awserr"
)

// formatTime formats t as Query outputs carry timestamps: ISO 8601 in UTC,
// with milliseconds only when there is a fractional second
// ("2016-12-08T21:12:53Z", "2016-12-08T21:12:53.359Z"; botocore and
// smithy-go parse both, and AWS sends both).
func formatTime(t time.Time) string {
	t = t.UTC().Truncate(time.Millisecond)
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

// encodeFunc writes v as the element called name, or nothing when v is
// absent (a nil pointer or a zero time).
type encodeFunc func(e *xml.Encoder, name string, v reflect.Value) error

// compileOutput builds the encoder of an output structure. Outputs use
// encoding/xml's tags and shapes, written through an xml.Encoder, with the
// differences the Query wire needs (encoding/xml opens the wrapper of
// "List>member" even for a nil list and writes time.Time with nanoseconds
// and the local zone):
//
//   - `xml:"Name"` names a member's element (default: the field name);
//     `xml:"-"` and XMLName fields are skipped; `,omitempty` omits zero
//     scalars, empty strings and empty lists.
//   - A list is `xml:"Name>member"` (AWS's default wrapped form,
//     <Name><member>…</member></Name>) or `xml:"Name>Elem"` for a model's
//     own element name (Redshift's <Clusters><Cluster>); a list tagged
//     `xml:"Name"` repeats <Name> (a flattened list), as with encoding/xml.
//   - Absent members are omitted: nil pointers, nil lists and zero
//     time.Time values write no element, wrapper included.
//   - time.Time is ISO 8601 UTC (formatTime), []byte is base64, bool is
//     true/false, numbers are in Go's shortest decimal form.
//
// Maps, interfaces and lists of lists are rejected, as are other tag options.
func compileOutput(t reflect.Type) (encodeFunc, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%s is not a struct", t)
	}
	c := encCompiler{structs: map[reflect.Type]encodeFunc{}}
	return c.compile(t)
}

type encCompiler struct {
	structs map[reflect.Type]encodeFunc // by type, so recursive shapes terminate
}

func (c *encCompiler) compile(t reflect.Type) (encodeFunc, error) {
	if t == timeType {
		return func(e *xml.Encoder, name string, v reflect.Value) error {
			tt := v.Interface().(time.Time)
			if tt.IsZero() {
				return nil
			}
			return textElement(e, name, formatTime(tt))
		}, nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem, err := c.compile(t.Elem())
		if err != nil {
			return nil, err
		}
		return func(e *xml.Encoder, name string, v reflect.Value) error {
			if v.IsNil() {
				return nil
			}
			return elem(e, name, v.Elem())
		}, nil
	case reflect.String:
		return scalar(func(v reflect.Value) string { return v.String() }), nil
	case reflect.Bool:
		return scalar(func(v reflect.Value) string { return strconv.FormatBool(v.Bool()) }), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return scalar(func(v reflect.Value) string { return strconv.FormatInt(v.Int(), 10) }), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return scalar(func(v reflect.Value) string { return strconv.FormatUint(v.Uint(), 10) }), nil
	case reflect.Float32, reflect.Float64:
		bits := t.Bits()
		return scalar(func(v reflect.Value) string { return strconv.FormatFloat(v.Float(), 'g', -1, bits) }), nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return scalar(func(v reflect.Value) string { return base64.StdEncoding.EncodeToString(v.Bytes()) }), nil
		}
		return nil, fmt.Errorf("unsupported member type %s (lists of lists)", t)
	case reflect.Struct:
		return c.compileStruct(t)
	}
	return nil, fmt.Errorf("unsupported member type %s", t)
}

func scalar(text func(v reflect.Value) string) encodeFunc {
	return func(e *xml.Encoder, name string, v reflect.Value) error {
		return textElement(e, name, text(v))
	}
}

func textElement(e *xml.Encoder, name, text string) error {
	start := xml.StartElement{Name: xml.Name{Local: name}}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if err := e.EncodeToken(xml.CharData(text)); err != nil {
		return err
	}
	return e.EncodeToken(start.End())
}

type fieldEncoder struct {
	index     int
	name      string
	list      bool
	member    string // element name of a wrapped list's items; "" when flattened
	omitEmpty bool
	enc       encodeFunc // the member's, or a list item's, encoder
}

func (fe *fieldEncoder) encode(e *xml.Encoder, v reflect.Value) error {
	if fe.omitEmpty && v.IsZero() {
		return nil
	}
	if !fe.list {
		return fe.enc(e, fe.name, v)
	}
	if v.IsNil() || (fe.omitEmpty && v.Len() == 0) {
		return nil
	}
	if fe.member == "" {
		for i := range v.Len() {
			if err := fe.enc(e, fe.name, v.Index(i)); err != nil {
				return err
			}
		}
		return nil
	}
	start := xml.StartElement{Name: xml.Name{Local: fe.name}}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for i := range v.Len() {
		if err := fe.enc(e, fe.member, v.Index(i)); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

var xmlNameType = reflect.TypeFor[xml.Name]()

func (c *encCompiler) compileStruct(t reflect.Type) (encodeFunc, error) {
	if fn, ok := c.structs[t]; ok {
		return fn, nil
	}
	var fields []fieldEncoder
	// Registered before the fields compile so that a recursive shape refers
	// to this encoder instead of compiling forever.
	c.structs[t] = func(e *xml.Encoder, name string, v reflect.Value) error {
		start := xml.StartElement{Name: xml.Name{Local: name}}
		if err := e.EncodeToken(start); err != nil {
			return err
		}
		for i := range fields {
			if err := fields[i].encode(e, v.Field(fields[i].index)); err != nil {
				return err
			}
		}
		return e.EncodeToken(start.End())
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("xml")
		if !sf.IsExported() || tag == "-" || sf.Type == xmlNameType {
			continue
		}
		fe, err := c.compileField(sf, tag)
		if err != nil {
			return nil, fmt.Errorf("field %s.%s: %w", t, sf.Name, err)
		}
		fe.index = i
		fields = append(fields, fe)
	}
	return c.structs[t], nil
}

func (c *encCompiler) compileField(sf reflect.StructField, tag string) (fieldEncoder, error) {
	path, opts, _ := strings.Cut(tag, ",")
	fe := fieldEncoder{name: sf.Name}
	for opt := range strings.SplitSeq(opts, ",") {
		switch opt {
		case "":
		case "omitempty":
			fe.omitEmpty = true
		default:
			return fe, fmt.Errorf("unsupported xml tag option %q", opt)
		}
	}
	name, member, wrapped := strings.Cut(path, ">")
	if name != "" {
		fe.name = name
	}
	t := sf.Type
	fe.list = t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8
	switch {
	case wrapped && (!fe.list || member == "" || strings.Contains(member, ">")):
		return fe, fmt.Errorf("xml path %q: only a list may be wrapped, as Name>member", path)
	case wrapped:
		fe.member = member
	}
	var err error
	if fe.list {
		fe.enc, err = c.compile(t.Elem())
	} else {
		fe.enc, err = c.compile(t)
	}
	return fe, err
}

// encodeResult writes
//
//	<ActionResponse xmlns="ns"><ActionResult>…</ActionResult><ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></ActionResponse>
func encodeResult(buf *bytes.Buffer, ns, action, requestID string, result func(e *xml.Encoder, name string) error) error {
	e := xml.NewEncoder(buf)
	root := xml.StartElement{Name: xml.Name{Space: ns, Local: action + "Response"}}
	if err := e.EncodeToken(root); err != nil {
		return err
	}
	if err := result(e, action+"Result"); err != nil {
		return err
	}
	md := xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}}
	if err := e.EncodeToken(md); err != nil {
		return err
	}
	if err := textElement(e, "RequestId", requestID); err != nil {
		return err
	}
	if err := e.EncodeToken(md.End()); err != nil {
		return err
	}
	if err := e.EncodeToken(root.End()); err != nil {
		return err
	}
	return e.Close()
}

type errorEnvelope struct {
	XMLName   xml.Name // ErrorResponse, in the service's namespace
	Error     errorDetail
	RequestID string `xml:"RequestId"`
}

type errorDetail struct {
	Type    string
	Code    string
	Message string
	Fields  []errorField `xml:",any"`
}

type errorField struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

// encodeError writes
//
//	<ErrorResponse xmlns="ns"><Error><Type>Sender</Type><Code>C</Code><Message>M</Message>[<Member>V</Member>…]</Error><RequestId>id</RequestId></ErrorResponse>
//
// Extra members the model requires (awserr.Error.Fields) follow Message
// inside Error, sorted by name, where both SDKs' modelled-error decoders
// look for them.
func encodeError(buf *bytes.Buffer, ns, requestID string, e *awserr.Error) {
	typ := "Receiver"
	if e.Sender() {
		typ = "Sender"
	}
	env := errorEnvelope{
		XMLName:   xml.Name{Space: ns, Local: "ErrorResponse"},
		Error:     errorDetail{Type: typ, Code: e.Code, Message: e.Message},
		RequestID: requestID,
	}
	names := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		env.Error.Fields = append(env.Error.Fields, errorField{XMLName: xml.Name{Local: k}, Value: e.Fields[k]})
	}
	// Every member is a string and every name comes from the code base, so
	// encoding cannot fail.
	_ = xml.NewEncoder(buf).Encode(env)
}
