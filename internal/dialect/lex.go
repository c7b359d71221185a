package dialect

import (
	"iter"
	"strings"
)

// Kind is what a token is.
type Kind uint8

const (
	Whitespace   Kind = iota + 1 // spaces, tabs, newlines
	Comment                      // -- to end of line, or /* */ (nested, as PostgreSQL does)
	Word                         // a keyword or unquoted identifier: letters, digits, _ and $
	QuotedIdent                  // "name", "" inside doubles the quote
	String                       // '...', E'...', B'...', X'...', N'...', U&'...'
	DollarString                 // $$...$$ or $tag$...$tag$
	Number                       // 12, 1.5, .5, 1e10
	Positional                   // $1: a positional parameter
	Named                        // :name: a Data API parameter
	Operator                     // +, <=, ||, ::, := and other runs of operator characters
	Punct                        // ( ) [ ] , ; . and a lone :
)

var kindNames = [...]string{"?", "Whitespace", "Comment", "Word", "QuotedIdent", "String", "DollarString",
	"Number", "Positional", "Named", "Operator", "Punct"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "?"
}

// Token is one lexeme: Text is exactly the input's bytes at Pos, so the
// concatenation of every token's Text is the input.
type Token struct {
	Kind Kind
	Pos  int // byte offset in the input
	Text string
	// Unterminated is set on a string, quoted identifier, dollar string or
	// block comment that runs to the end of the input.
	Unterminated bool
}

// Is reports whether t is the unquoted word w, given in lower case. Only
// ASCII letters fold, as in PostgreSQL (strings.EqualFold would also match
// the Kelvin sign with k).
func (t Token) Is(w string) bool {
	if t.Kind != Word || len(t.Text) != len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := t.Text[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}

// Significant reports whether t is neither whitespace nor a comment.
func (t Token) Significant() bool { return t.Kind != Whitespace && t.Kind != Comment }

// Lex splits sql into tokens the way PostgreSQL 15's scanner does with
// standard_conforming_strings on (the default): backslashes escape only
// in E'...' strings. It never fails: an unterminated construct becomes one
// token running to the end, marked Unterminated, so that any input, valid
// or not, round-trips byte for byte.
func Lex(sql string) []Token {
	// Counting first costs a second scan but saves the slice's growth,
	// which costs more (SQL can have a token per byte or two).
	n := 0
	for range Tokens(sql) {
		n++
	}
	toks := make([]Token, 0, n)
	for t := range Tokens(sql) {
		toks = append(toks, t)
	}
	return toks
}

// Tokens yields the tokens Lex returns, one at a time, without holding
// them: for a single pass over a statement (finding parameters, deciding
// whether any rule applies), it allocates nothing.
func Tokens(sql string) iter.Seq[Token] {
	return func(yield func(Token) bool) {
		for i := 0; i < len(sql); {
			t := next(sql, i)
			if !yield(t) {
				return
			}
			i += len(t.Text)
		}
	}
}

func next(sql string, i int) Token {
	c := sql[i]
	tok := func(k Kind, end int, unterminated bool) Token {
		return Token{Kind: k, Pos: i, Text: sql[i:end], Unterminated: unterminated}
	}
	switch {
	case isSpace(c):
		j := i + 1
		for j < len(sql) && isSpace(sql[j]) {
			j++
		}
		return tok(Whitespace, j, false)
	case c == '-' && at(sql, i+1) == '-':
		j := strings.IndexAny(sql[i:], "\n\r")
		if j < 0 {
			return tok(Comment, len(sql), false)
		}
		return tok(Comment, i+j, false)
	case c == '/' && at(sql, i+1) == '*':
		end, ok := blockComment(sql, i+2)
		return tok(Comment, end, !ok)
	case c == '\'':
		end, ok := quoted(sql, i+1, '\'', false)
		return tok(String, end, !ok)
	case c == '"':
		end, ok := quoted(sql, i+1, '"', false)
		return tok(QuotedIdent, end, !ok)
	case (c == 'e' || c == 'E') && at(sql, i+1) == '\'':
		end, ok := quoted(sql, i+2, '\'', true)
		return tok(String, end, !ok)
	case (c == 'b' || c == 'B' || c == 'x' || c == 'X' || c == 'n' || c == 'N') && at(sql, i+1) == '\'':
		end, ok := quoted(sql, i+2, '\'', false)
		return tok(String, end, !ok)
	case (c == 'u' || c == 'U') && at(sql, i+1) == '&' && at(sql, i+2) == '\'':
		end, ok := quoted(sql, i+3, '\'', false)
		return tok(String, end, !ok)
	case (c == 'u' || c == 'U') && at(sql, i+1) == '&' && at(sql, i+2) == '"':
		end, ok := quoted(sql, i+3, '"', false)
		return tok(QuotedIdent, end, !ok)
	case isIdentStart(c):
		j := i + 1
		for j < len(sql) && isIdentChar(sql[j]) {
			j++
		}
		return tok(Word, j, false)
	case isDigit(c) || c == '.' && isDigit(at(sql, i+1)):
		return tok(Number, number(sql, i), false)
	case c == '$':
		if isDigit(at(sql, i+1)) {
			j := i + 1
			for j < len(sql) && isDigit(sql[j]) {
				j++
			}
			return tok(Positional, j, false)
		}
		if end, ok, unterminated := dollarQuote(sql, i); ok {
			return tok(DollarString, end, unterminated)
		}
		return tok(Operator, i+1, false)
	case c == ':':
		switch n := at(sql, i+1); {
		case n == ':':
			// A cast (::), or a longer run of colons taken whole, so that a
			// colon right after another never starts a parameter (a:::b).
			j := i + 2
			for at(sql, j) == ':' {
				j++
			}
			return tok(Operator, j, false)
		case n == '=':
			return tok(Operator, i+2, false)
		case isNameChar(n):
			j := i + 1
			for j < len(sql) && isNameChar(sql[j]) {
				j++
			}
			return tok(Named, j, false)
		}
		return tok(Punct, i+1, false)
	case strings.IndexByte("()[],;.", c) >= 0:
		return tok(Punct, i+1, false)
	case isOpChar(c):
		j := i + 1
		for j < len(sql) && isOpChar(sql[j]) {
			// A comment starts inside an operator run: the operator ends there.
			if sql[j] == '-' && at(sql, j+1) == '-' || sql[j] == '/' && at(sql, j+1) == '*' {
				break
			}
			j++
		}
		return tok(Operator, j, false)
	}
	// Any other byte (a stray backslash, a control character) is a token
	// of its own; PostgreSQL will reject it, not us.
	return tok(Operator, i+1, false)
}

func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}
func isIdentChar(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '$' }

// isNameChar is a Data API parameter name's byte: [0-9a-zA-Z_].
func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '_'
}

func isOpChar(c byte) bool { return c != 0 && strings.IndexByte("+-*/<>=~!@#%^&|`?", c) >= 0 }

// quoted returns the end of a quoted run whose body starts at i: a doubled
// quote stands for itself; backslash escapes the next byte when set.
func quoted(sql string, i int, q byte, backslash bool) (int, bool) {
	for i < len(sql) {
		switch sql[i] {
		case '\\':
			if backslash {
				i += 2
				continue
			}
		case q:
			if at(sql, i+1) == q {
				i += 2
				continue
			}
			return i + 1, true
		}
		i++
	}
	return len(sql), false
}

func blockComment(sql string, i int) (int, bool) {
	depth := 1
	for i+1 < len(sql) {
		switch {
		case sql[i] == '/' && sql[i+1] == '*':
			depth++
			i += 2
		case sql[i] == '*' && sql[i+1] == '/':
			depth--
			i += 2
			if depth == 0 {
				return i, true
			}
		default:
			i++
		}
	}
	return len(sql), false
}

func number(sql string, i int) int {
	j := i
	for j < len(sql) && isDigit(sql[j]) {
		j++
	}
	// "1..2" is 1 then ..2 in PostgreSQL's eyes; keep a lone trailing dot
	// with the number as it does ("1." is numeric).
	if at(sql, j) == '.' && at(sql, j+1) != '.' {
		j++
		for j < len(sql) && isDigit(sql[j]) {
			j++
		}
	}
	if c := at(sql, j); c == 'e' || c == 'E' {
		k := j + 1
		if s := at(sql, k); s == '+' || s == '-' {
			k++
		}
		if isDigit(at(sql, k)) {
			for k < len(sql) && isDigit(sql[k]) {
				k++
			}
			j = k
		}
	}
	return j
}

// dollarQuote reports whether a dollar quote starts at i ($$ or $tag$, the
// tag an identifier without $) and where it ends.
func dollarQuote(sql string, i int) (end int, ok, unterminated bool) {
	j := i + 1
	if isIdentStart(at(sql, j)) {
		for isIdentStart(at(sql, j)) || isDigit(at(sql, j)) {
			j++
		}
	}
	if at(sql, j) != '$' {
		return 0, false, false
	}
	delim := sql[i : j+1]
	body := j + 1
	if k := strings.Index(sql[body:], delim); k >= 0 {
		return body + k + len(delim), true, false
	}
	return len(sql), true, true
}
