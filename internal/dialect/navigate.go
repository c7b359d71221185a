package dialect

import "strings"

// PartiQL navigation into SUPER values (stored as jsonb): c[0], c[0][1],
// c[0].a.b, json_parse(...).a, alias.col.attr. PostgreSQL's own jsonb
// subscripting is zero-based and lax like Redshift's (a missing key, an
// index out of range or a step into a scalar is NULL), and it is the same
// syntax as an array subscript, so a catalog query's indkey[0] keeps
// working: the translation keeps every [ ] and writes each .attr step as
// ['attr'] (lower case unless quoted, as Redshift folds identifiers). Only
// what can be told apart from PostgreSQL's own grammar lexically is
// navigation: a step after ] or after a function call's ) (PostgreSQL has
// no such syntax), after a parenthesised expression that calls JSON_PARSE
// or casts to SUPER ((row).field stays a composite's field), and after
// alias.col where alias is a table alias of the statement's FROM
// (schema.table.col and db.schema.table stay names). A function call
// navigated into is wrapped in parentheses, as PostgreSQL's subscripting
// requires.

// planNavigation rewrites the navigation chains of one statement.
func (t *translator) planNavigation(st stmt) {
	var aliases map[string]bool
	for k := 0; k < len(st.s); k++ {
		tk := st.tok(k)
		switch {
		case tk.Kind == Punct && tk.Text == "[" && !st.is(k-1, "array") && !st.punct(k+1, "]") && k > 0:
			// (x[] is an array type, which checkType refuses.)
			t.wrapCall(st, k-1)
			k = t.navChain(st, k) - 1
		case tk.Kind == Punct && tk.Text == "." && st.punct(k-1, ")") && attrName(st.tok(k+1)):
			if !t.wrapCall(st, k-1) && !t.superParens(st, k-1) {
				continue
			}
			k = t.navChain(st, k) - 1
		case (tk.Kind == Word || tk.Kind == QuotedIdent) && !st.punct(k-1, ".") &&
			st.punct(k+1, ".") && attrName(st.tok(k+2)) && st.punct(k+3, ".") && attrName(st.tok(k+4)):
			if aliases == nil {
				aliases = fromAliases(st)
			}
			if tk.Kind == Word && aliases[lowerWord(tk.Text)] {
				k = t.navChain(st, k+3) - 1
			}
		}
	}
}

// navChain rewrites the steps [i] and .attr from k on and returns the k
// after the chain. A chain that is a whole SELECT item and ends in an
// attribute is named after it, as Redshift names the column.
func (t *translator) navChain(st stmt, k int) int {
	first := k - 1
	if st.punct(first, ")") {
		first = st.open(first)
		if name := st.tok(first - 1); name.Kind == Word && !notCalls[lowerWord(name.Text)] || name.Kind == QuotedIdent {
			first--
		}
	}
	for first >= 2 && st.punct(first-1, ".") && (st.tok(first-2).Kind == Word || st.tok(first-2).Kind == QuotedIdent) {
		first -= 2
	}
	attr := -1
	defer func() {
		if attr >= 0 && st.selectItem(first, k-1) {
			t.insert(st.s[k-1]+1, " AS "+quoteIdent(attrOf(st.tok(attr))))
		}
	}()
	for {
		switch {
		case st.punct(k, "["):
			c := st.closeBracket(k)
			if c < 0 {
				attr = -1
				return len(st.s)
			}
			attr = -1
			k = c + 1
		case st.punct(k, ".") && attrName(st.tok(k+1)):
			t.dropRange(st.s[k], st.s[k+1])
			t.insert(st.s[k], "["+attrLiteral(st.tok(k+1))+"]")
			attr = k + 1
			k += 2
		default:
			return k
		}
	}
}

// wrapCall parenthesises the function call whose ")" is at k, if it is
// one, and reports whether it was.
func (t *translator) wrapCall(st stmt, k int) bool {
	if !st.punct(k, ")") {
		return false
	}
	o := st.open(k)
	if o < 1 {
		return false
	}
	name := st.tok(o - 1)
	if !(name.Kind == Word && !notCalls[lowerWord(name.Text)] || name.Kind == QuotedIdent) {
		return false
	}
	start := o - 1
	for start >= 2 && st.punct(start-1, ".") && (st.tok(start-2).Kind == Word || st.tok(start-2).Kind == QuotedIdent) {
		start -= 2
	}
	t.insert(st.s[start], "(")
	t.insert(st.s[k]+1, ")")
	return true
}

// superParens reports whether the parenthesised expression whose ")" is
// at k is a SUPER one by its look: it calls JSON_PARSE or names SUPER.
func (t *translator) superParens(st stmt, k int) bool {
	o := st.open(k)
	if o < 0 {
		return false
	}
	for j := o + 1; j < k; j++ {
		if st.is(j, "json_parse") || st.is(j, "super") {
			return true
		}
	}
	return false
}

// notCalls are the keywords that a "(" can follow without being a call.
var notCalls = map[string]bool{"select": true, "in": true, "exists": true, "values": true, "as": true,
	"and": true, "or": true, "not": true, "on": true, "where": true, "from": true, "join": true, "when": true,
	"then": true, "else": true, "by": true, "over": true, "filter": true, "any": true, "all": true,
	"some": true, "using": true, "with": true, "having": true, "is": true, "case": true, "distinct": true,
	"lateral": true, "into": true, "set": true, "return": true, "returns": true, "like": true, "ilike": true,
	"between": true, "union": true, "intersect": true, "except": true, "limit": true, "offset": true}

// open returns the k of the "(" matching the ")" at k, or -1.
func (st stmt) open(k int) int {
	depth := 0
	for ; k >= 0; k-- {
		if st.punct(k, ")") {
			depth++
		} else if st.punct(k, "(") {
			if depth--; depth == 0 {
				return k
			}
		}
	}
	return -1
}

// closeBracket returns the k of the "]" matching the "[" at k, or -1.
func (st stmt) closeBracket(k int) int {
	depth := 0
	for ; k < len(st.s); k++ {
		if st.punct(k, "[") {
			depth++
		} else if st.punct(k, "]") {
			if depth--; depth == 0 {
				return k
			}
		}
	}
	return -1
}

func attrName(tk Token) bool {
	return tk.Kind == Word || tk.Kind == QuotedIdent && !tk.Unterminated
}

// attrLiteral is the attribute name of tk as a string literal: an
// unquoted name folds to lower case, a quoted one keeps its case.
func attrLiteral(tk Token) string {
	return "'" + strings.ReplaceAll(attrOf(tk), "'", "''") + "'"
}

// attrOf is the attribute tk names.
func attrOf(tk Token) string {
	if tk.Kind == QuotedIdent {
		return strings.ReplaceAll(tk.Text[1:len(tk.Text)-1], `""`, `"`)
	}
	return lowerWord(tk.Text)
}

func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// selectItem reports whether st[first..last] is a whole item of a SELECT
// list: after SELECT, DISTINCT or a "," of that list, before a ",", FROM,
// ";" or the end, and not in parentheses opened inside the list.
func (st stmt) selectItem(first, last int) bool {
	if n := last + 1; n < len(st.s) && !st.punct(n, ",") && !st.punct(n, ";") && !st.is(n, "from") {
		return false
	}
	if !(st.punct(first-1, ",") || st.is(first-1, "select") || st.is(first-1, "distinct")) {
		return false
	}
	depth := 0
	for k := first - 1; k >= 0; k-- {
		switch {
		case st.punct(k, ")"):
			depth++
		case st.punct(k, "("):
			if depth == 0 {
				return false
			}
			depth--
		case depth > 0:
		case st.is(k, "select"):
			return true
		case st.punct(k, ";"), st.is(k, "from"), st.is(k, "where"), st.is(k, "by"), st.is(k, "on"),
			st.is(k, "having"), st.is(k, "values"), st.is(k, "set"):
			return false
		}
	}
	return false
}

// fromAliases returns the table aliases the statement declares after FROM
// and JOIN (lower case): FROM t [AS] a, s.t [AS] b JOIN u [AS] c.
func fromAliases(st stmt) map[string]bool {
	aliases := map[string]bool{}
	for k := 0; k < len(st.s); k++ {
		if !st.is(k, "from") && !st.is(k, "join") {
			continue
		}
		for j := k + 1; ; {
			n := st.name(j)
			if st.punct(j, "(") {
				if n = st.close(j) + 1; n == 0 {
					break
				}
			} else if n == j {
				break
			}
			if st.is(n, "as") {
				n++
			}
			if tk := st.tok(n); tk.Kind == Word && !aliasStops[lowerWord(tk.Text)] {
				aliases[lowerWord(tk.Text)] = true
				n++
			}
			if !st.punct(n, ",") {
				break
			}
			j = n + 1
		}
	}
	return aliases
}

// aliasStops are the words that can follow a table in FROM without being
// its alias.
var aliasStops = map[string]bool{"where": true, "join": true, "inner": true, "left": true, "right": true,
	"full": true, "cross": true, "natural": true, "on": true, "using": true, "group": true, "order": true,
	"having": true, "limit": true, "offset": true, "union": true, "intersect": true, "except": true,
	"qualify": true, "window": true, "for": true, "set": true, "returning": true, "at": true}

// navDot reports whether the "." at toks[i] may be PartiQL navigation
// without "[": it follows ")", or it is the second dot of a.b.c.
func navDot(toks []Token, i int) bool {
	p := prevSignificant(toks, i)
	if p < 0 {
		return false
	}
	if toks[p].Kind == Punct && toks[p].Text == ")" {
		return true
	}
	pp := prevSignificant(toks, p)
	ppp := prevSignificant(toks, pp)
	return isName(toks[p]) && pp >= 0 && toks[pp].Kind == Punct && toks[pp].Text == "." && ppp >= 0 && isName(toks[ppp])
}

func prevSignificant(toks []Token, i int) int {
	for k := i - 1; k >= 0; k-- {
		if toks[k].Significant() {
			return k
		}
	}
	return -1
}

func isName(t Token) bool { return t.Kind == Word || t.Kind == QuotedIdent }
