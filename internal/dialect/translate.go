package dialect

import (
	"fmt"
	"strings"
)

// Mode is an engine's SQL dialect: what the SQL its users send is written in.
type Mode string

const (
	// Redshift translates Redshift SQL into PostgreSQL; the default.
	Redshift Mode = "redshift"
	// Postgres passes SQL through untouched.
	Postgres Mode = "postgres"
)

// ParseMode accepts "redshift", "postgres" and "" (Redshift, the default).
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case "", Redshift:
		return Redshift, nil
	case Postgres:
		return Postgres, nil
	}
	return "", fmt.Errorf("dialect %q: want %q or %q", s, Redshift, Postgres)
}

// Translate returns sql as PostgreSQL should run it in mode ("" is
// Redshift). It never fails: what no rule recognises is passed through
// byte for byte, and PostgreSQL is left to judge it. Data API parameters
// (:name) and positional ones ($1) are tokens like any other and are
// carried through untouched, to be bound, never spliced, later.
func Translate(mode Mode, sql string) string {
	if mode == Postgres {
		return sql
	}
	// Most statements need no rule: one pass that keeps no tokens says so.
	candidate := false
	for t := range Tokens(sql) {
		if t.Kind == Word && (lookup(t.Text) != "" || installedWord(t.Text) != "") {
			candidate = true
			break
		}
	}
	if !candidate {
		return sql
	}
	toks := Lex(sql)
	tr := &translator{toks: toks, drop: ddlMask(toks)}
	tr.b.Grow(len(sql) + 64)
	tr.emit(0, len(toks))
	return tr.b.String()
}

// words are the unquoted words a rule starts at, lower case; "create"
// sends the statement through ddlMask, which has no word rule.
var words = map[string]bool{
	"getdate": true, "sysdate": true, "nvl": true, "nvl2": true, "decode": true, "len": true,
	"max": true, "create": true,
}

// lookup returns w in lower case when a rule starts at it, else "".
func lookup(w string) string {
	if len(w) < 3 || len(w) > 7 {
		return ""
	}
	var buf [7]byte
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	if words[string(buf[:len(w)])] { // no allocation: the compiler sees the lookup
		return string(buf[:len(w)])
	}
	return ""
}

type translator struct {
	toks []Token
	drop []bool // tokens a DDL rule removed; nil when none
	b    strings.Builder
}

// emit writes toks[lo:hi], translated.
func (t *translator) emit(lo, hi int) {
	for i := lo; i < hi; {
		if t.drop != nil && t.drop[i] {
			i++
			continue
		}
		tok := t.toks[i]
		if tok.Kind == Word {
			if name := lookup(tok.Text); name != "" {
				if n := t.rewrite(name, i, hi); n > i {
					i = n
					continue
				}
			} else if name := installedWord(tok.Text); name != "" {
				if n := t.qualify(name, i, hi); n > i {
					i = n
					continue
				}
			}
		}
		t.b.WriteString(tok.Text)
		i++
	}
}

// rewrite applies the rule for word toks[i] (lower-cased as name) if its
// context matches, and returns the index after what it consumed; i when no
// rule applied.
func (t *translator) rewrite(name string, i, hi int) int {
	prev := t.prevSig(i)
	if prev >= 0 && (t.toks[prev].Text == "." || t.toks[prev].Is("function") || t.toks[prev].Is("procedure")) {
		return i // a qualified name (myschema.nvl) or a function's own definition: the user's
	}
	if rule, ok := wordRules[name]; ok {
		if s := rule(t, prev, t.nextSig(i, hi)); s != "" {
			t.b.WriteString(s)
			return i + 1
		}
		return i
	}
	rule, ok := callRules[name]
	if !ok {
		return i
	}
	open := t.nextSig(i, hi)
	if open < 0 || t.toks[open].Text != "(" {
		return i // a column or table named len, nvl, ...
	}
	args, end := t.callArgs(open, hi)
	if end < 0 || !rule.arity(len(args)) {
		return i
	}
	rule.build(t, open, end, args)
	return end + 1
}

// A span is toks[lo:hi].
type span struct{ lo, hi int }

// callArgs splits the call whose "(" is toks[open] into its top-level
// arguments (whitespace trimmed) and returns the index of its ")", or -1
// when the parentheses do not balance before hi.
func (t *translator) callArgs(open, hi int) ([]span, int) {
	var args []span
	depth, start := 0, open+1
	for k := open; k < hi; k++ {
		tok := t.toks[k]
		if tok.Kind != Punct {
			continue
		}
		switch tok.Text {
		case "(", "[":
			depth++
		case ")", "]":
			depth--
			if depth == 0 {
				if a := t.trim(start, k); t.significant(a) > 0 || len(args) > 0 {
					args = append(args, a)
				}
				return args, k
			}
		case ",":
			if depth == 1 {
				args = append(args, t.trim(start, k))
				start = k + 1
			}
		case ";":
			return nil, -1
		}
	}
	return nil, -1
}

func (t *translator) trim(lo, hi int) span {
	for lo < hi && t.toks[lo].Kind == Whitespace {
		lo++
	}
	for hi > lo && t.toks[hi-1].Kind == Whitespace {
		hi--
	}
	return span{lo, hi}
}

func (t *translator) prevSig(i int) int {
	for k := i - 1; k >= 0; k-- {
		if t.toks[k].Significant() && (t.drop == nil || !t.drop[k]) {
			return k
		}
	}
	return -1
}

func (t *translator) nextSig(i, hi int) int {
	for k := i + 1; k < hi; k++ {
		if t.toks[k].Significant() {
			return k
		}
	}
	return -1
}

// arg writes one argument, translated, in parentheses unless it is a
// single token, so that CASE's operators cannot bind into it. An argument
// ending in a -- comment gets a newline, or what follows would be in it.
func (t *translator) arg(a span) {
	paren := t.significant(a) > 1
	if paren {
		t.b.WriteByte('(')
	}
	t.emit(a.lo, a.hi)
	if last := t.toks[a.hi-1]; last.Kind == Comment && strings.HasPrefix(last.Text, "--") {
		t.b.WriteByte('\n')
	}
	if paren {
		t.b.WriteByte(')')
	}
}

// significant counts a's tokens that are neither whitespace nor comments.
func (t *translator) significant(a span) int {
	n := 0
	for k := a.lo; k < a.hi; k++ {
		if t.toks[k].Significant() {
			n++
		}
	}
	return n
}
