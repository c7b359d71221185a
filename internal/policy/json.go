package policy

import (
	"encoding/json"
	"io"
	"strings"
	"unicode/utf8"
)

// A policy is decoded into this small tree, not into structs, because
// encoding/json would quietly accept what IAM refuses and what a security
// boundary must not guess about: duplicate keys (which of two "Effect"s
// counts?), field names in the wrong case, trailing data and invalid UTF-8.

type jkind uint8

const (
	jString jkind = iota + 1
	jNumber
	jBool
	jNull
	jArray
	jObject
)

type jvalue struct {
	kind jkind
	s    string // jString: the text; jNumber: the literal as written
	b    bool
	arr  []jvalue
	obj  []jmember
}

type jmember struct {
	key string
	val jvalue
}

// maxDepth bounds nesting. The deepest valid policy path is
// document > Statement[] > statement > Condition > operator > key > values[],
// so anything near this limit is malformed anyway.
const maxDepth = 16

func decodeJSON(doc string) (jvalue, error) {
	if !utf8.ValidString(doc) {
		return jvalue{}, malformed(msgSyntax)
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	v, err := readValue(dec, 0)
	if err != nil {
		return jvalue{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return jvalue{}, malformed(msgSyntax)
	}
	return v, nil
}

func readValue(dec *json.Decoder, depth int) (jvalue, error) {
	tok, err := dec.Token()
	if err != nil {
		return jvalue{}, malformed(msgSyntax)
	}
	switch t := tok.(type) {
	case string:
		return jvalue{kind: jString, s: t}, nil
	case json.Number:
		return jvalue{kind: jNumber, s: t.String()}, nil
	case bool:
		return jvalue{kind: jBool, b: t}, nil
	case nil:
		return jvalue{kind: jNull}, nil
	case json.Delim:
		if depth >= maxDepth {
			return jvalue{}, malformed(msgSyntax)
		}
		switch t {
		case '{':
			v := jvalue{kind: jObject}
			seen := make(map[string]bool)
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return jvalue{}, malformed(msgSyntax)
				}
				key, ok := kt.(string)
				if !ok || seen[key] {
					return jvalue{}, malformed(msgSyntax)
				}
				seen[key] = true
				val, err := readValue(dec, depth+1)
				if err != nil {
					return jvalue{}, err
				}
				v.obj = append(v.obj, jmember{key: key, val: val})
			}
			if end, err := dec.Token(); err != nil || end != json.Delim('}') {
				return jvalue{}, malformed(msgSyntax)
			}
			return v, nil
		case '[':
			v := jvalue{kind: jArray}
			for dec.More() {
				el, err := readValue(dec, depth+1)
				if err != nil {
					return jvalue{}, err
				}
				v.arr = append(v.arr, el)
			}
			if end, err := dec.Token(); err != nil || end != json.Delim(']') {
				return jvalue{}, malformed(msgSyntax)
			}
			return v, nil
		}
	}
	return jvalue{}, malformed(msgSyntax)
}

// stringList reads an element that IAM allows as a string or a non-empty
// array of strings.
func stringList(v jvalue) ([]string, error) {
	switch v.kind {
	case jString:
		return []string{v.s}, nil
	case jArray:
		if len(v.arr) == 0 {
			return nil, malformed(msgSyntax)
		}
		out := make([]string, 0, len(v.arr))
		for _, el := range v.arr {
			if el.kind != jString {
				return nil, malformed(msgSyntax)
			}
			out = append(out, el.s)
		}
		return out, nil
	}
	return nil, malformed(msgSyntax)
}

// scalarList reads condition values: a scalar or a non-empty array of
// scalars. Numbers keep their literal text and booleans become "true" or
// "false", as IAM compares them as strings for the string operators.
func scalarList(v jvalue) ([]string, error) {
	scalar := func(v jvalue) (string, bool) {
		switch v.kind {
		case jString, jNumber:
			return v.s, true
		case jBool:
			if v.b {
				return "true", true
			}
			return "false", true
		}
		return "", false
	}
	if v.kind == jArray {
		if len(v.arr) == 0 {
			return nil, malformed(msgSyntax)
		}
		out := make([]string, 0, len(v.arr))
		for _, el := range v.arr {
			s, ok := scalar(el)
			if !ok {
				return nil, malformed(msgSyntax)
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, ok := scalar(v)
	if !ok {
		return nil, malformed(msgSyntax)
	}
	return []string{s}, nil
}
