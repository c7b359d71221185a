package dialect

// A wordRule replaces the word toks[i], given the significant tokens
// around it (prev, next: indexes, -1 at either end): it returns the
// replacement and the index after what it consumed (0: the word alone),
// or "" when the context does not match.
type wordRule func(t *translator, i, prev, next int) (string, int)

// wordRules is the table of single-word rewrites, keyed by the lower-case
// word. It is filled by init, like callRules; never changed after.
var wordRules map[string]wordRule

// A callRule rewrites a call name(args...) of a Redshift function that
// PostgreSQL lacks or spells differently. build writes the replacement for
// the name through the call's ")" (or further: it returns the index after
// what it consumed, or 0 for the ")"); open is the "(", end the ")", and
// args the trimmed top-level arguments, which it writes with t.arg or
// t.emit so that calls nested in them are translated too. applies, when
// set, decides from the context (name at i, ")" at end) whether the rule
// takes the call, before anything is written.
type callRule struct {
	arity   func(n int) bool
	applies func(t *translator, i, end, hi int) bool
	build   func(t *translator, open, end int, args []span) int
}

// callRules is the table of call rewrites, keyed by the lower-case name.
// It is filled by init only because the builders reach back into it
// through emit (a Go initialization cycle otherwise); it is never changed
// after.
var callRules map[string]callRule

func init() {
	wordRules = map[string]wordRule{
		// SYSDATE: the transaction's start, timestamp without time zone;
		// SYSDATE( is someone's function.
		"sysdate": func(t *translator, _, _, next int) (string, int) {
			if next >= 0 && t.toks[next].Text == "(" {
				return "", 0
			}
			return "LOCALTIMESTAMP", 0
		},
		// VARCHAR(MAX), CHARACTER VARYING(MAX), NVARCHAR(MAX): Redshift's
		// longest VARCHAR.
		"max": func(t *translator, _, prev, next int) (string, int) {
			if prev < 0 || t.toks[prev].Text != "(" || next < 0 || t.toks[next].Text != ")" {
				return "", 0
			}
			if pp := t.prevSig(prev); pp < 0 || !(t.toks[pp].Is("varchar") || t.toks[pp].Is("varying") || t.toks[pp].Is("nvarchar")) {
				return "", 0
			}
			return "65535", 0
		},
	}
	for word, rule := range typeRules {
		wordRules[word] = rule
	}
	callRules = map[string]callRule{
		// GETDATE(): the statement's start, timestamp without time zone, in
		// the session's time zone, to the second (Redshift shows no
		// fractional seconds).
		"getdate": {arity: exactly(0), build: func(t *translator, _, _ int, _ []span) int {
			t.b.WriteString("date_trunc('second', statement_timestamp()::timestamp)")
			return 0
		}},
		// NVL(a, b, ...) is COALESCE; the call's own spacing is kept.
		"nvl": {arity: atLeast(2), build: func(t *translator, open, end int, _ []span) int {
			t.b.WriteString("COALESCE")
			t.emit(open, end+1)
			return 0
		}},
		// NVL2(e, a, b): a when e is not null, else b.
		"nvl2": {arity: exactly(3), build: func(t *translator, _, _ int, args []span) int {
			t.b.WriteString("CASE WHEN ")
			t.arg(args[0])
			t.b.WriteString(" IS NOT NULL THEN ")
			t.arg(args[1])
			t.b.WriteString(" ELSE ")
			t.arg(args[2])
			t.b.WriteString(" END")
			return 0
		}},
		// DECODE(e, s1, r1, ..., [default]); two arguments is PostgreSQL's
		// own decode(text, format), left alone by the arity.
		"decode": {arity: atLeast(3), build: buildDecode},
		// LEN(s) is length(s): both ignore a CHAR's trailing blanks.
		"len": {arity: exactly(1), build: func(t *translator, open, end int, _ []span) int {
			t.b.WriteString("length")
			t.emit(open, end+1)
			return 0
		}},
	}
	for name, rule := range queryRules {
		callRules[name] = rule
	}
}

// buildDecode writes DECODE as CASE. Redshift's DECODE matches a NULL
// expression with a NULL search, which a simple CASE (=) does not; so the
// simple form "CASE e WHEN s THEN r" is used only when every search is a
// non-null literal (where = and IS NOT DISTINCT FROM agree), and otherwise
// "CASE WHEN e IS NOT DISTINCT FROM s THEN r", which repeats e.
func buildDecode(t *translator, _, _ int, args []span) int {
	pairs := args[1:]
	def := -1
	if len(pairs)%2 == 1 {
		def = len(args) - 1
		pairs = pairs[:len(pairs)-1]
	}
	simple := true
	for k := 0; k < len(pairs); k += 2 {
		if !t.literal(pairs[k]) {
			simple = false
		}
	}
	t.b.WriteString("CASE")
	if simple {
		t.b.WriteByte(' ')
		t.arg(args[0])
	}
	for k := 0; k < len(pairs); k += 2 {
		t.b.WriteString(" WHEN ")
		if !simple {
			t.arg(args[0])
			t.b.WriteString(" IS NOT DISTINCT FROM ")
		}
		t.arg(pairs[k])
		t.b.WriteString(" THEN ")
		t.arg(pairs[k+1])
	}
	if def >= 0 {
		t.b.WriteString(" ELSE ")
		t.arg(args[def])
	}
	t.b.WriteString(" END")
	return 0
}

// literal reports whether a is one string or number literal, signed or not.
func (t *translator) literal(a span) bool {
	lo := a.lo
	if a.hi-lo == 2 && t.toks[lo].Kind == Operator && (t.toks[lo].Text == "-" || t.toks[lo].Text == "+") {
		lo++
	}
	if a.hi-lo != 1 {
		return false
	}
	k := t.toks[lo].Kind
	return k == Number || k == String || k == DollarString
}

func exactly(n int) func(int) bool { return func(m int) bool { return m == n } }
func atLeast(n int) func(int) bool { return func(m int) bool { return m >= n } }

// Table attributes and column attributes Redshift accepts in CREATE TABLE
// and PostgreSQL does not: they steer Redshift's storage, which PostgreSQL
// does not have, so they are removed.
var (
	distStyles = map[string]bool{"auto": true, "even": true, "key": true, "all": true}
	backups    = map[string]bool{"yes": true, "no": true}
	encodings  = map[string]bool{"raw": true, "az64": true, "bytedict": true, "delta": true, "delta32k": true,
		"lzo": true, "mostly8": true, "mostly16": true, "mostly32": true, "runlength": true, "text255": true,
		"text32k": true, "zstd": true, "auto": true}
)

// ddlMask marks the tokens to remove from each CREATE TABLE statement in
// toks: DISTSTYLE x, DISTKEY(col), [COMPOUND|INTERLEAVED] SORTKEY(cols),
// SORTKEY AUTO, the column attributes DISTKEY, SORTKEY and ENCODE x, the
// table attribute ENCODE AUTO, and BACKUP YES|NO. Only the part before a
// top-level AS (CREATE TABLE ... AS SELECT) is looked at; a word at the
// start of a column definition is a column's name, never an attribute.
// It returns nil when nothing is removed.
func ddlMask(toks []Token) []bool {
	var drop []bool
	mark := func(lo, hi int) { // toks[lo..hi] inclusive, and the whitespace before
		if drop == nil {
			drop = make([]bool, len(toks))
		}
		if lo > 0 && toks[lo-1].Kind == Whitespace {
			lo--
		}
		for k := lo; k <= hi; k++ {
			drop[k] = true
		}
	}
	sig := func(i int) int {
		for k := i + 1; k < len(toks); k++ {
			if toks[k].Significant() {
				return k
			}
		}
		return -1
	}
	wordIn := func(i int, set map[string]bool) bool {
		return i >= 0 && toks[i].Kind == Word && len(toks[i].Text) <= 9 && set[lowerASCII(toks[i].Text)]
	}
	// closeOf returns the ")" matching the "(" at i, or -1.
	closeOf := func(i int) int {
		depth := 0
		for k := i; k < len(toks); k++ {
			if toks[k].Kind != Punct {
				continue
			}
			switch toks[k].Text {
			case "(":
				depth++
			case ")":
				if depth--; depth == 0 {
					return k
				}
			case ";":
				return -1
			}
		}
		return -1
	}

	for i := 0; i < len(toks); {
		// One statement: toks[i:end].
		end := i
		for depth := 0; end < len(toks); end++ {
			if toks[end].Kind == Punct {
				if toks[end].Text == "(" {
					depth++
				} else if toks[end].Text == ")" {
					depth--
				} else if toks[end].Text == ";" && depth <= 0 {
					break
				}
			}
		}
		if k := createTable(toks, i, end); k > 0 {
			depth, prev := 0, -1
			for ; k < end; k++ {
				tok := toks[k]
				if !tok.Significant() {
					continue
				}
				if tok.Kind == Punct {
					switch tok.Text {
					case "(":
						depth++
					case ")":
						depth--
					}
					prev = k
					continue
				}
				if depth == 0 && tok.Is("as") {
					break
				}
				columnStart := prev >= 0 && toks[prev].Kind == Punct && (toks[prev].Text == "(" || toks[prev].Text == ",")
				n := sig(k)
				switch {
				case columnStart || tok.Kind != Word:
				case tok.Is("diststyle") && wordIn(n, distStyles),
					tok.Is("backup") && wordIn(n, backups),
					tok.Is("encode") && wordIn(n, encodings),
					tok.Is("sortkey") && n >= 0 && toks[n].Is("auto"):
					mark(k, n)
					k = n
				case tok.Is("auto") && n >= 0 && toks[n].Is("refresh") && wordIn(sig(n), backups):
					mark(k, sig(n))
					k = sig(n)
				case tok.Is("distkey") || tok.Is("sortkey"):
					lo, hi := k, k
					if tok.Is("sortkey") && prev >= 0 && (toks[prev].Is("compound") || toks[prev].Is("interleaved")) {
						lo = prev
					}
					if n >= 0 && toks[n].Text == "(" {
						if hi = closeOf(n); hi < 0 {
							break
						}
					}
					mark(lo, hi)
					k = hi
				}
				prev = k
			}
		}
		i = end + 1
	}
	return drop
}

// createTable returns the index after TABLE when toks[i:end] is a CREATE
// [GLOBAL|LOCAL] [TEMP|TEMPORARY|UNLOGGED] TABLE statement, or after VIEW
// in CREATE MATERIALIZED VIEW (which takes the same attributes), else 0.
func createTable(toks []Token, i, end int) int {
	state := 0
	for k := i; k < end; k++ {
		if !toks[k].Significant() {
			continue
		}
		tok := toks[k]
		switch {
		case state == 0 && tok.Is("create"):
			state = 1
		case state == 1 && (tok.Is("global") || tok.Is("local") || tok.Is("temp") || tok.Is("temporary") || tok.Is("unlogged")):
		case state == 1 && tok.Is("table"), state == 2 && tok.Is("view"):
			return k + 1
		case state == 1 && tok.Is("materialized"):
			state = 2
		default:
			return 0
		}
	}
	return 0
}

func lowerASCII(s string) string {
	var buf [9]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return string(buf[:len(s)])
}
