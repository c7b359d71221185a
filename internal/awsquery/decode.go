package awsquery

import (
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// form is a request's parameters with their names sorted, so that the
// members of a list or structure (all names under one prefix) are found by
// binary search.
type form struct {
	values url.Values
	names  []string
}

func newForm(values url.Values) *form {
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	sort.Strings(names)
	return &form{values: values, names: names}
}

// value returns the first value of name, or "".
func (f *form) value(name string) string {
	v, _ := f.lookup(name)
	return v
}

func (f *form) lookup(name string) (string, bool) {
	vs := f.values[name]
	if len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// under returns the names that start with prefix.
func (f *form) under(prefix string) []string {
	i := sort.SearchStrings(f.names, prefix)
	j := i
	for j < len(f.names) && strings.HasPrefix(f.names[j], prefix) {
		j++
	}
	return f.names[i:j]
}

// present reports whether the form carries name itself or any member of it.
func (f *form) present(name string) bool {
	if _, ok := f.values[name]; ok {
		return true
	}
	return len(f.under(name+".")) > 0
}

// indices returns, ascending, the distinct list positions N of the names
// "prefix.N" and "prefix.N.<member>". Positions count from 1; names whose
// segment is not such a number are unknown parameters and ignored. Gaps are
// tolerated: the elements keep their order.
func (f *form) indices(prefix string) []int {
	prefix += "."
	var out []int
	for _, name := range f.under(prefix) {
		seg, _, _ := strings.Cut(name[len(prefix):], ".")
		if n, ok := position(seg); ok {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func position(seg string) (int, bool) {
	if seg == "" || len(seg) > 9 || seg[0] == '0' {
		return 0, false
	}
	n := 0
	for _, c := range []byte(seg) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// decodeFunc decodes the parameter called name (and its members) into v.
// A parameter that is absent leaves v untouched.
type decodeFunc func(f *form, name string, v reflect.Value) error

// listStyle is how a list member's elements are named.
type listStyle struct {
	member string // element segment, "member" by default
	flat   bool   // elements are Name.N (flattened)
}

var timeType = reflect.TypeFor[time.Time]()

// compileInput builds the decoder of an input structure. Its rules:
//
//   - Each exported field is the parameter named by its `query` tag, or by
//     the field name without one; `query:"-"` skips the field. Members of
//     nested structures are "Parent.Child".
//   - Scalars: string, bool ("true"/"false", any case), signed and unsigned
//     integers, floats, time.Time (ISO 8601; without a zone it is UTC).
//     A pointer is set only when its parameter is present.
//   - Lists (slices of scalars, structures or pointers to them) are
//     Name.member.N by default; `query:"Name,member=DbGroup"` names the
//     element segment (Redshift's DbGroups.DbGroup.N) and
//     `query:"Name,flat"` drops it (Name.N). "Name=" alone is an empty,
//     non-nil list, as the SDKs send an empty list.
//   - Unknown parameters are ignored, as are Action and Version.
//
// A value that is not text of the member's type is InvalidParameterValue.
func compileInput(t reflect.Type) (decodeFunc, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%s is not a struct", t)
	}
	c := compiler{structs: map[reflect.Type]decodeFunc{}}
	return c.compile(t, listStyle{member: "member"})
}

type compiler struct {
	structs map[reflect.Type]decodeFunc // by type, so recursive shapes terminate
}

func (c *compiler) compile(t reflect.Type, list listStyle) (decodeFunc, error) {
	if t == timeType {
		return decodeTime, nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem, err := c.compile(t.Elem(), list)
		if err != nil {
			return nil, err
		}
		return func(f *form, name string, v reflect.Value) error {
			if !f.present(name) {
				return nil
			}
			p := reflect.New(t.Elem())
			if err := elem(f, name, p.Elem()); err != nil {
				return err
			}
			v.Set(p)
			return nil
		}, nil
	case reflect.String:
		return decodeScalar(func(s string, v reflect.Value) bool {
			v.SetString(s)
			return true
		}, "string"), nil
	case reflect.Bool:
		return decodeScalar(func(s string, v reflect.Value) bool {
			switch {
			case strings.EqualFold(s, "true"):
				v.SetBool(true)
			case strings.EqualFold(s, "false"):
				v.SetBool(false)
			default:
				return false
			}
			return true
		}, "Boolean"), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return decodeScalar(func(s string, v reflect.Value) bool {
			n, err := strconv.ParseInt(s, 10, t.Bits())
			v.SetInt(n)
			return err == nil
		}, "Integer"), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return decodeScalar(func(s string, v reflect.Value) bool {
			n, err := strconv.ParseUint(s, 10, t.Bits())
			v.SetUint(n)
			return err == nil
		}, "Integer"), nil
	case reflect.Float32, reflect.Float64:
		return decodeScalar(func(s string, v reflect.Value) bool {
			n, err := strconv.ParseFloat(s, t.Bits())
			v.SetFloat(n)
			return err == nil
		}, "Double"), nil
	case reflect.Slice:
		return c.compileList(t, list)
	case reflect.Struct:
		return c.compileStruct(t)
	}
	return nil, fmt.Errorf("unsupported member type %s", t)
}

func decodeScalar(set func(s string, v reflect.Value) bool, expected string) decodeFunc {
	return func(f *form, name string, v reflect.Value) error {
		s, ok := f.lookup(name)
		if !ok {
			return nil
		}
		tmp := reflect.New(v.Type()).Elem()
		if !set(s, tmp) {
			return invalidParameterValue(name, s, expected)
		}
		v.Set(tmp)
		return nil
	}
}

func decodeTime(f *form, name string, v reflect.Value) error {
	s, ok := f.lookup(name)
	if !ok {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC)
	}
	if err != nil {
		return invalidParameterValue(name, s, "ISO 8601 timestamp")
	}
	v.Set(reflect.ValueOf(t.UTC()))
	return nil
}

func (c *compiler) compileList(t reflect.Type, list listStyle) (decodeFunc, error) {
	et := t.Elem()
	if et.Kind() == reflect.Uint8 {
		return nil, fmt.Errorf("unsupported member type %s (blobs are not implemented)", t)
	}
	if base := et; base.Kind() == reflect.Slice || (base.Kind() == reflect.Pointer && base.Elem().Kind() == reflect.Slice) {
		return nil, fmt.Errorf("unsupported member type %s (lists of lists)", t)
	}
	elem, err := c.compile(et, listStyle{member: "member"})
	if err != nil {
		return nil, err
	}
	return func(f *form, name string, v reflect.Value) error {
		prefix := name
		if !list.flat {
			prefix = name + "." + list.member
		}
		positions := f.indices(prefix)
		if len(positions) == 0 {
			if _, ok := f.values[name]; ok {
				v.Set(reflect.MakeSlice(t, 0, 0))
			}
			return nil
		}
		s := reflect.MakeSlice(t, len(positions), len(positions))
		for i, n := range positions {
			if err := elem(f, prefix+"."+strconv.Itoa(n), s.Index(i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	}, nil
}

type fieldDecoder struct {
	name  string
	index int
	dec   decodeFunc
}

func (c *compiler) compileStruct(t reflect.Type) (decodeFunc, error) {
	if fn, ok := c.structs[t]; ok {
		return fn, nil
	}
	var fields []fieldDecoder
	// Registered before the fields compile so that a recursive shape refers
	// to this decoder instead of compiling forever.
	c.structs[t] = func(f *form, name string, v reflect.Value) error {
		for _, fd := range fields {
			key := fd.name
			if name != "" {
				key = name + "." + fd.name
			}
			if err := fd.dec(f, key, v.Field(fd.index)); err != nil {
				return err
			}
		}
		return nil
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, list, skip, err := parseQueryTag(sf)
		if err != nil {
			return nil, err
		}
		if skip {
			continue
		}
		dec, err := c.compile(sf.Type, list)
		if err != nil {
			return nil, fmt.Errorf("field %s.%s: %w", t, sf.Name, err)
		}
		fields = append(fields, fieldDecoder{name: name, index: i, dec: dec})
	}
	return c.structs[t], nil
}

// parseQueryTag reads `query:"Name[,member=Elem][,flat]"`.
func parseQueryTag(sf reflect.StructField) (name string, list listStyle, skip bool, err error) {
	tag := sf.Tag.Get("query")
	if tag == "-" {
		return "", list, true, nil
	}
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" {
		name = sf.Name
	}
	list.member = "member"
	for opt := range strings.SplitSeq(opts, ",") {
		switch {
		case opt == "":
		case opt == "flat":
			list.flat = true
		case strings.HasPrefix(opt, "member=") && len(opt) > len("member="):
			list.member = strings.TrimPrefix(opt, "member=")
		default:
			return "", list, false, fmt.Errorf("field %s: unknown query tag option %q", sf.Name, opt)
		}
	}
	return name, list, false, nil
}
