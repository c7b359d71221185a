package awsjson

import (
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rsdata/rsdata/internal/awserr"
)

// Text that no operation can store is refused here, once, before any
// handler runs, so no operation can forget to: PostgreSQL cannot hold a NUL
// character in text (SQLSTATE 22P05) and refuses invalid UTF-8 (22021), and
// neither is text AWS accepts.
//
// A body that is not UTF-8 is not JSON (RFC 8259 section 8.1), which AWS's
// JSON services report as a SerializationException; encoding/json would
// otherwise quietly replace the bad bytes with U+FFFD. A NUL written as
// \u0000 is valid JSON, so it is the decoded member that is refused, with a
// ValidationException in AWS's "1 validation error detected" form.

// checkUTF8 refuses a body that is not valid UTF-8.
func checkUTF8(body []byte) error {
	if utf8.Valid(body) {
		return nil
	}
	for i := 0; i < len(body); {
		r, n := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && n <= 1 {
			return awserr.SerializationException("Could not parse request body into json: Invalid UTF-8 start byte 0x%02x", body[i])
		}
		i += n
	}
	return awserr.SerializationException("Could not parse request body into json: Invalid UTF-8")
}

// checkNUL refuses an input any of whose strings (members, list elements,
// map keys and values, at any depth) holds a NUL character. Blobs ([]byte)
// may hold any byte.
func checkNUL(in any) error {
	path, found := findNUL(reflect.ValueOf(in), "")
	if !found {
		return nil
	}
	return awserr.Validation("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must not contain null characters", path)
}

func findNUL(v reflect.Value, path string) (string, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", false
		}
		return findNUL(v.Elem(), path)
	case reflect.String:
		return path, strings.IndexByte(v.String(), 0) >= 0
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if f.Anonymous && f.Tag.Get("json") == "" {
				name = ""
			}
			if p, ok := findNUL(v.Field(i), join(path, name)); ok {
				return p, true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "", false
		}
		for i := range v.Len() {
			if p, ok := findNUL(v.Index(i), path+"."+strconv.Itoa(i+1)+".member"); ok {
				return p, true
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if _, ok := findNUL(iter.Key(), path); ok {
				return path + ".key", true
			}
			if p, ok := findNUL(iter.Value(), path+".value"); ok {
				return p, true
			}
		}
	}
	return "", false
}

func join(path, name string) string {
	switch {
	case name == "":
		return path
	case path == "":
		return lowerFirst(name)
	}
	return path + "." + lowerFirst(name)
}

// lowerFirst spells a member as AWS's validation messages do ("sql",
// "statementName", "parameters.1.member.value").
func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}
