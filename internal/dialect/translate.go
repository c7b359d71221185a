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
// byte for byte, and PostgreSQL is left to judge it; a statement Redshift
// would refuse is translated all the same (TranslateStrict refuses it).
// Data API parameters (:name) and positional ones ($1) are tokens like any
// other and are carried through untouched, to be bound, never spliced,
// later.
func Translate(mode Mode, sql string) string {
	out, _ := translate(mode, sql)
	return out
}

// TranslateStrict is Translate that also refuses, with a *Refusal, the
// PostgreSQL-only syntax Redshift rejects (CREATE INDEX, ON CONFLICT,
// RETURNING, ...): a front door reports the refusal as the statement's
// error instead of running it. In mode Postgres nothing is refused.
func TranslateStrict(mode Mode, sql string) (string, error) {
	out, ref := translate(mode, sql)
	if ref != nil {
		return "", ref
	}
	return out, nil
}

func translate(mode Mode, sql string) (string, *Refusal) {
	if mode == Postgres {
		return sql, nil
	}
	// Most statements need no rule: one pass that keeps no tokens says so.
	// It also looks for what may be PartiQL navigation without "[": a "."
	// after ")", a name of three parts (parts counts the names of the
	// dotted chain so far).
	afterDot, afterClose, parts := false, false, 0
	for t := range Tokens(sql) {
		switch t.Kind {
		case Whitespace, Comment:
			continue
		case Word, QuotedIdent:
			if t.Kind == Word && (lookup(t.Text) != "" || installedWord(t.Text) != "") {
				return translateTokens(sql)
			}
			if afterDot && parts > 0 {
				if parts++; parts >= 3 {
					return translateTokens(sql)
				}
			} else {
				parts = 1
			}
			afterDot, afterClose = false, false
		case Punct:
			if t.Text == "[" || t.Text == "." && afterClose {
				return translateTokens(sql)
			}
			afterDot, afterClose = t.Text == ".", t.Text == ")"
			if !afterDot {
				parts = 0
			}
		default:
			afterDot, afterClose, parts = false, false, 0
		}
	}
	return sql, nil
}

// translateTokens translates a statement some rule may apply to.
func translateTokens(sql string) (string, *Refusal) {
	toks := Lex(sql)
	tr := &translator{toks: toks, drop: ddlMask(toks)}
	if needsPlan(toks) {
		tr.plan()
	}
	tr.b.Grow(len(sql) + 64)
	tr.emit(0, len(toks))
	if s, ok := tr.ins[len(toks)]; ok {
		tr.b.WriteString(s)
	}
	return tr.b.String(), tr.refusal
}

// words are the unquoted words a rule starts at, lower case; "create",
// "alter", "with" and the others that are no rule's name send the
// statement through ddlMask and plan.
var words = map[string]bool{
	"getdate": true, "sysdate": true, "nvl": true, "nvl2": true, "decode": true, "len": true,
	"max": true, "create": true, "alter": true, "identity": true, "top": true, "approximate": true,
	"listagg": true, "median": true, "ratio_to_report": true, "conflict": true, "returning": true,
	"with": true, "tablesample": true, "ties": true, "savepoint": true, "release": true, "rollback": true,
	"listen": true, "notify": true, "unlisten": true, "array": true, "text": true, "varchar": true,
	"nvarchar": true, "nchar": true, "bpchar": true, "varbyte": true, "varbinary": true, "binary": true,
	"super": true, "uuid": true, "int4range": true, "int8range": true, "numrange": true, "tsrange": true,
	"tstzrange": true, "daterange": true, "qualify": true,
	"collate": true, "percentile_cont": true, "percentile_disc": true, "merge": true,
}

// planWords are the words of words that plan looks for; a statement
// with none of them (nor a "[") skips it.
var planWords = map[string]bool{
	"create": true, "alter": true, "top": true, "qualify": true, "approximate": true, "conflict": true,
	"returning": true, "with": true, "tablesample": true, "ties": true, "savepoint": true, "release": true,
	"rollback": true, "listen": true, "notify": true, "unlisten": true, "array": true, "uuid": true,
	"int4range": true, "int8range": true, "numrange": true, "tsrange": true, "tstzrange": true,
	"daterange": true, "collate": true, "super": true, "merge": true,
}

func needsPlan(toks []Token) bool {
	for i, t := range toks {
		if t.Kind == Punct && (t.Text == "[" || t.Text == "." && navDot(toks, i)) {
			return true
		}
		if t.Kind == Word {
			if w := lookup(t.Text); w != "" && planWords[w] {
				return true
			}
		}
	}
	return false
}

// maxWord is the longest word in words.
const maxWord = len("ratio_to_report")

// lookup returns w in lower case when a rule starts at it, else "".
func lookup(w string) string {
	if len(w) < 3 || len(w) > maxWord {
		return ""
	}
	var buf [maxWord]byte
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
	// ins holds text written before a token (len(toks): at the end);
	// moved, a span written (translated) after that text, then post:
	// how QUALIFY's condition moves into the SELECT list.
	ins    map[int]string
	moved  map[int]span
	post   map[int]string
	inMove int // > 0 while a moved span is written: its tokens are dropped where they stood
	// colType marks the first token of a column's type in CREATE TABLE
	// and ALTER TABLE ADD COLUMN, where type-name rules apply.
	colType map[int]bool
	// identity marks the IDENTITY words of column definitions.
	identity map[int]bool
	// refusal is the first construct Redshift would refuse, if any.
	refusal *Refusal
	// limit is the end of the span being emitted, for a call rule that
	// reads past its ")" (LISTAGG's WITHIN GROUP and OVER).
	limit int
	b     strings.Builder
}

// emit writes toks[lo:hi], translated.
func (t *translator) emit(lo, hi int) {
	for i := lo; i < hi; {
		if t.ins != nil {
			if s, ok := t.ins[i]; ok {
				t.b.WriteString(s)
			}
			if m, ok := t.moved[i]; ok {
				t.inMove++
				t.emit(m.lo, m.hi)
				t.inMove--
				t.b.WriteString(t.post[i])
			}
		}
		if t.drop != nil && t.drop[i] && t.inMove == 0 {
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
		if s, n := rule(t, i, prev, t.nextSig(i, hi)); s != "" {
			t.b.WriteString(s)
			if n <= i {
				n = i + 1
			}
			if label, ok := itemNames[name]; ok {
				t.nameItem(i, n-1, label)
			}
			return n
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
	if rule.applies != nil && !rule.applies(t, i, end, hi) {
		return i
	}
	t.limit = hi
	if n := rule.build(t, open, end, args); n > end {
		return n
	}
	if label, ok := itemNames[name]; ok {
		t.nameItem(i, end, label)
	}
	return end + 1
}

// itemNames are the result column names Redshift gives a call that is a
// whole SELECT item, where what it becomes would be named otherwise
// (r_GETDATE, r_SYSDATE: "timestamp"; r_LEN: "len"). NVL's "coalesce" and
// DECODE's "case" are already what PostgreSQL says.
var itemNames = map[string]string{"getdate": "timestamp", "sysdate": "timestamp", "len": "len"}

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
		if t.toks[k].Significant() && (t.drop == nil || !t.drop[k] || t.inMove > 0) {
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
