// Package records encodes result rows the way the Data API returns them:
// JSON arrays of Field objects (GetStatementResult) and RFC 4180 CSV
// (GetStatementResultV2), from PostgreSQL's text-format values. It knows
// nothing of databases: pgexec decides each column's Kind from its type.
package records

import (
	"encoding/base64"
	"fmt"
	"unicode/utf8"
)

// Kind says how a column's text values become Data API Field JSON.
type Kind uint8

const (
	// KindString emits {"stringValue":"..."} with the text as PostgreSQL
	// printed it. It is the zero value, so an unknown column is still
	// encoded losslessly.
	KindString Kind = iota
	// KindLong emits {"longValue":N}.
	KindLong
	// KindDouble emits {"doubleValue":N}, or the JSON strings "NaN",
	// "Infinity" and "-Infinity" for non-finite values.
	KindDouble
	// KindBool emits {"booleanValue":true|false}.
	KindBool
	// KindBlob emits {"blobValue":"<base64>"} from bytea text (hex or escape).
	KindBlob
	// KindTimestamp emits {"stringValue":"..."} in java.sql.Timestamp style:
	// PostgreSQL's ISO text with ".0" added when there are no fractional
	// seconds, as Redshift shows timestamp columns.
	KindTimestamp
)

// String returns the Field member the kind produces, for messages.
func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindLong:
		return "long"
	case KindDouble:
		return "double"
	case KindBool:
		return "bool"
	case KindBlob:
		return "blob"
	case KindTimestamp:
		return "timestamp"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// AppendRecord appends one row as a JSON array of Field objects, e.g.
// [{"longValue":42},{"stringValue":"x"},{"isNull":true}], to dst and returns it.
// values are the row's text-format values (nil = NULL).
//
// kinds[i] says how values[i] is encoded; a value without a kind is a
// string. The output is always valid JSON whatever the bytes: a value that
// does not parse as its kind (which PostgreSQL never sends) falls back to a
// string rather than corrupting the page. It allocates only when dst must
// grow.
func AppendRecord(dst []byte, kinds []Kind, values [][]byte) []byte {
	dst = append(dst, '[')
	for i, v := range values {
		if i > 0 {
			dst = append(dst, ',')
		}
		if v == nil {
			dst = append(dst, `{"isNull":true}`...)
			continue
		}
		k := KindString
		if i < len(kinds) {
			k = kinds[i]
		}
		dst = appendField(dst, k, v)
	}
	return append(dst, ']')
}

func appendField(dst []byte, k Kind, v []byte) []byte {
	switch k {
	case KindLong:
		if isInteger(v) {
			dst = append(dst, `{"longValue":`...)
			dst = append(dst, v...)
			return append(dst, '}')
		}
	case KindDouble:
		if isJSONNumber(v) {
			dst = append(dst, `{"doubleValue":`...)
			dst = append(dst, v...)
			return append(dst, '}')
		}
		if string(v) == "NaN" || string(v) == "Infinity" || string(v) == "-Infinity" {
			// The AWS JSON protocol sends non-finite doubles as these strings.
			dst = append(dst, `{"doubleValue":"`...)
			dst = append(dst, v...)
			return append(dst, `"}`...)
		}
	case KindBool:
		if len(v) == 1 && v[0] == 't' {
			return append(dst, `{"booleanValue":true}`...)
		}
		if len(v) == 1 && v[0] == 'f' {
			return append(dst, `{"booleanValue":false}`...)
		}
	case KindBlob:
		if out, ok := appendBlob(dst, v); ok {
			return out
		}
	case KindTimestamp:
		if at := timestampFractionAt(v); at >= 0 {
			dst = append(dst, `{"stringValue":"`...)
			dst = AppendJSONString(dst, v[:at])
			dst = append(dst, ".0"...)
			dst = AppendJSONString(dst, v[at:])
			return append(dst, `"}`...)
		}
	}
	dst = append(dst, `{"stringValue":"`...)
	dst = AppendJSONString(dst, v)
	return append(dst, `"}`...)
}

// isInteger reports whether v is -?[0-9]+, which is how PostgreSQL prints
// int2, int4, int8 and oid, and is a valid JSON number.
func isInteger(v []byte) bool {
	if len(v) > 0 && v[0] == '-' {
		v = v[1:]
	}
	if len(v) == 0 {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isJSONNumber reports whether v matches JSON's number grammar. PostgreSQL's
// float output ("1.5", "-0", "1e+100", "1.2e-05") always does, except for
// the non-finite words.
func isJSONNumber(v []byte) bool {
	i := 0
	if i < len(v) && v[i] == '-' {
		i++
	}
	switch {
	case i < len(v) && v[i] == '0':
		i++
	case i < len(v) && v[i] >= '1' && v[i] <= '9':
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(v) && v[i] == '.' {
		i++
		start := i
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		start := i
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(v)
}

// timestampFractionAt returns where ".0" goes in a PostgreSQL ISO timestamp
// without fractional seconds ("2022-02-22 00:00:00", "0044-03-15 00:00:00 BC",
// "10000-01-01 00:00:00"), or -1 when v already has a fraction or is not of
// that shape ("infinity").
func timestampFractionAt(v []byte) int {
	sp := -1
	for i, c := range v {
		if c == ' ' {
			sp = i
			break
		}
	}
	// "HH:MM:SS" follows the space after the date.
	at := sp + 9
	if sp < 0 || at > len(v) || v[sp+3] != ':' || v[sp+6] != ':' {
		return -1
	}
	if at < len(v) && v[at] == '.' {
		return -1
	}
	return at
}

// appendBlob appends {"blobValue":"<base64>"} for a bytea value in text
// form: hex ("\x00ff") or the legacy escape format. It reports false, with
// dst unchanged in content, when v is not valid bytea text.
func appendBlob(dst, v []byte) ([]byte, bool) {
	start := len(dst)
	dst = append(dst, `{"blobValue":"`...)
	// Decode into a stack buffer whose size is a multiple of 3, so each
	// full chunk encodes to base64 without padding and chunks concatenate.
	var buf [96]byte
	n := 0
	flush := func() {
		dst = base64.StdEncoding.AppendEncode(dst, buf[:n])
		n = 0
	}
	if len(v) >= 2 && v[0] == '\\' && v[1] == 'x' {
		h := v[2:]
		if len(h)%2 != 0 {
			return dst[:start], false
		}
		for i := 0; i < len(h); i += 2 {
			hi, ok1 := unhex(h[i])
			lo, ok2 := unhex(h[i+1])
			if !ok1 || !ok2 {
				return dst[:start], false
			}
			buf[n] = hi<<4 | lo
			n++
			if n == len(buf) {
				flush()
			}
		}
	} else {
		for i := 0; i < len(v); i++ {
			c := v[i]
			if c == '\\' {
				switch {
				case i+1 < len(v) && v[i+1] == '\\':
					i++
				case i+3 < len(v) && isOctal(v[i+1]) && isOctal(v[i+2]) && isOctal(v[i+3]) && v[i+1] <= '3':
					c = (v[i+1]-'0')<<6 | (v[i+2]-'0')<<3 | (v[i+3] - '0')
					i += 3
				default:
					return dst[:start], false
				}
			}
			buf[n] = c
			n++
			if n == len(buf) {
				flush()
			}
		}
	}
	flush()
	return append(dst, `"}`...), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// jsonSafe marks the ASCII bytes that stand for themselves inside a JSON
// string. It is never written to after initialisation.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s escaped as the inside of a JSON string:
// quote and backslash escaped, control characters as \n, \r, \t or \u00XX,
// invalid UTF-8 replaced by U+FFFD. Other characters, "<", ">" and "&"
// included, are copied as they are.
func AppendJSONString(dst, s []byte) []byte {
	run := 0 // start of the pending run of bytes that need no escaping
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[run:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			run = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[run:i]...)
			dst = append(dst, "\ufffd"...)
			i++
			run = i
			continue
		}
		i += size
	}
	return append(dst, s[run:]...)
}
