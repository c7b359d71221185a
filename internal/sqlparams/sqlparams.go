// Package sqlparams turns the Data API's named parameters into PostgreSQL
// positional parameters.
//
// The Data API accepts SQL with :name placeholders and a list of {name, value}
// string parameters. rsdata never splices values into SQL text: Rewrite
// replaces each placeholder with $1, $2, ... and returns the values to bind in
// that order. Values are meant to be sent as text with the unknown type OID so
// that PostgreSQL infers each type from context, the way the real service's
// JDBC setString-then-implicit-cast does.
//
// # Recognising placeholders
//
// A ':' starts a placeholder when the next byte is a name character
// ([0-9a-zA-Z_]) and the previous byte is not ':'. The name is the maximal run
// of name characters, so ":id2" is "id2", never "id"; names match exactly
// (case-sensitively). The rule makes these non-placeholders:
//
//   - casts: "x::text" is no placeholder, and ":id::int" is placeholder "id"
//     followed by the cast "::int"; in ":::a" nothing is a placeholder;
//   - ":=" (named function arguments), and ':' followed by a space or a quote.
//
// The SQL is split into tokens by dialect.Lex, the one SQL lexer in rsdata,
// so placeholders inside string literals (all prefixed forms, E'...' with its
// backslash escapes), quoted identifiers, dollar-quoted strings and comments
// stay as written; a ':' in a run of colons (a cast) starts none; a '$' that
// is part of an identifier (a$b$) starts nothing.
//
// A string, identifier or comment left open runs to the end of the text.
//
// Array slices are not special: in arr[lo:hi] the ":hi" is a placeholder if a
// parameter named hi is supplied, which is presumably what the real service does
// (write arr[lo: hi] to keep it a slice). When no such parameter is given the
// text is left alone, so slices in statements without parameters are safe.
//
// # Positional parameters in the SQL
//
// A statement that already contains a positional parameter such as $1 (outside
// strings, identifiers and comments) cannot be mixed with named ones: the
// numbers would collide, and the real service has no such feature. Rewrite
// returns an *Error for it, but only when it actually replaced a placeholder;
// otherwise the SQL is returned unchanged and fails, or not, in the database.
package sqlparams

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rsdata/rsdata/internal/dialect"
)

// Param is one Data API parameter.
type Param struct{ Name, Value string }

// Rewritten is SQL with positional placeholders and the values to bind in order.
type Rewritten struct {
	SQL    string   // :name replaced by $1, $2, ... (the same name always gets the same number)
	Values []string // Values[i] binds $(i+1)
	Used   []string // names referenced, in first-use order
}

// Error is a parameter problem the client caused; Message is public text.
type Error struct{ Message string }

// Error returns the public message.
func (e *Error) Error() string { return e.Message }

// Rewrite replaces the :name placeholders of sql that name a parameter in params.
// Placeholders naming no supplied parameter are left untouched (so the statement
// later fails in the database with a syntax error, as on AWS). When a name occurs
// more than once in params, the first occurrence supplies the value; Validate
// rejects such lists before this matters.
//
// With no params, or when no placeholder names a parameter, the result's SQL is
// sql itself and Values and Used are nil.
func Rewrite(sql string, params []Param) (Rewritten, error) {
	if len(params) == 0 {
		return Rewritten{SQL: sql}, nil
	}
	values := make(map[string]string, len(params))
	for _, p := range params {
		if _, dup := values[p.Name]; !dup {
			values[p.Name] = p.Value
		}
	}

	var (
		out        strings.Builder
		res        Rewritten
		numbers    map[string]int // name -> its $n
		copied     int            // sql[:copied] is already in out
		positional string         // first user-written $n seen, if any
	)
	for tok := range dialect.Tokens(sql) {
		switch tok.Kind {
		case dialect.Positional:
			if positional == "" {
				positional = tok.Text
			}
		case dialect.Named:
			name := tok.Text[1:]
			v, ok := values[name]
			if !ok {
				break
			}
			n, seen := numbers[name]
			if !seen {
				if numbers == nil {
					numbers = make(map[string]int)
					out.Grow(len(sql) + 8)
				}
				res.Values = append(res.Values, v)
				res.Used = append(res.Used, name)
				n = len(res.Values)
				numbers[name] = n
			}
			out.WriteString(sql[copied:tok.Pos])
			out.WriteByte('$')
			out.WriteString(strconv.Itoa(n))
			copied = tok.Pos + len(tok.Text)
		}
	}
	if numbers == nil {
		return Rewritten{SQL: sql}, nil
	}
	if positional != "" {
		return Rewritten{}, &Error{Message: fmt.Sprintf(
			"SQL text must not contain positional parameters (%s) when Parameters are given", positional)}
	}
	out.WriteString(sql[copied:])
	res.SQL = out.String()
	return res, nil
}

// Unused returns the names in params that none of the rewritten statements use,
// in the order given and each once. It returns nil when every name is used.
func Unused(params []Param, used ...[]string) []string {
	seen := make(map[string]bool)
	for _, u := range used {
		for _, name := range u {
			seen[name] = true
		}
	}
	var unused []string
	for _, p := range params {
		if !seen[p.Name] {
			seen[p.Name] = true // report a duplicated name once
			unused = append(unused, p.Name)
		}
	}
	return unused
}

// UnusedMessage formats AWS's ValidationException text for unused parameters:
// "Parameters list contains unused parameters. Unused parameters: [id]"  (multiple: "[a, b]").
func UnusedMessage(names []string) string {
	return "Parameters list contains unused parameters. Unused parameters: [" + strings.Join(names, ", ") + "]"
}

// Validate checks the parameter list as AWS does before running anything: each
// name matches ^[0-9a-zA-Z_]+$, each value is at least one character long, and
// no name occurs twice. It returns nil or an *Error.
//
// Pattern and length failures are all reported in one message phrased like the
// service's other constraint errors ("1 validation error detected: Value '@id'
// at 'parameters.1.member.name' failed to satisfy constraint: ..."); the real
// service was seen to send an empty message for a bad name, which helps no one.
// Duplicates are reported only when there is no constraint failure; that text is
// rsdata's own, shaped like the unused-parameters message. Whether the list may be
// empty is the caller's business: a Go slice cannot tell absent from empty.
func Validate(params []Param) error {
	var problems []string
	for i, p := range params {
		if !validName(p.Name) {
			problems = append(problems, fmt.Sprintf(
				"Value '%s' at 'parameters.%d.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z_]+",
				p.Name, i+1))
		}
		if p.Value == "" {
			problems = append(problems, fmt.Sprintf(
				"Value '' at 'parameters.%d.member.value' failed to satisfy constraint: Member must have length greater than or equal to 1",
				i+1))
		}
	}
	switch len(problems) {
	case 0:
	case 1:
		return &Error{Message: "1 validation error detected: " + problems[0]}
	default:
		return &Error{Message: fmt.Sprintf("%d validation errors detected: %s", len(problems), strings.Join(problems, "; "))}
	}

	seen := make(map[string]int, len(params)) // name -> occurrences
	var dups []string
	for _, p := range params {
		seen[p.Name]++
		if seen[p.Name] == 2 {
			dups = append(dups, p.Name)
		}
	}
	if len(dups) > 0 {
		return &Error{Message: "Parameters list contains duplicate parameters. Duplicate parameters: [" + strings.Join(dups, ", ") + "]"}
	}
	return nil
}

func validName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !isNameChar(name[i]) {
			return false
		}
	}
	return true
}

// isNameChar reports whether c may appear in a parameter name.
func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}
