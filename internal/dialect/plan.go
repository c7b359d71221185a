package dialect

// plan reads each statement's significant tokens once, before emit, and
// records what no single-word or call rule can see alone: the tokens to
// drop and the text to insert (SELECT TOP n's LIMIT, ALTER TABLE's no-op),
// the column types of CREATE TABLE (where type-name rules apply), and the
// first construct Redshift would refuse.
func (t *translator) plan() {
	toks := t.toks
	for i := 0; i < len(toks); {
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
		var s []int
		for k := i; k < end; k++ {
			if toks[k].Significant() {
				s = append(s, k)
			}
		}
		if len(s) > 0 {
			t.planStatement(s)
		}
		i = end + 1
	}
}

// stmt is one statement's significant tokens, by index in toks.
type stmt struct {
	t *translator
	s []int
}

func (st stmt) tok(k int) Token {
	if k < 0 || k >= len(st.s) {
		return Token{}
	}
	return st.t.toks[st.s[k]]
}
func (st stmt) is(k int, w string) bool { return st.tok(k).Is(w) }
func (st stmt) punct(k int, p string) bool {
	tk := st.tok(k)
	return tk.Kind == Punct && tk.Text == p
}

// close returns the k of the ")" matching the "(" at k, or -1.
func (st stmt) close(k int) int {
	depth := 0
	for ; k < len(st.s); k++ {
		if st.punct(k, "(") {
			depth++
		} else if st.punct(k, ")") {
			if depth--; depth == 0 {
				return k
			}
		}
	}
	return -1
}

// name returns the k after a possibly qualified name starting at k, or k.
func (st stmt) name(k int) int {
	for {
		if tk := st.tok(k); tk.Kind != Word && tk.Kind != QuotedIdent {
			return k
		}
		if !st.punct(k+1, ".") {
			return k + 1
		}
		k += 2
	}
}

func (t *translator) dropRange(lo, hi int) { // toks[lo..hi] inclusive, and the whitespace before
	if t.drop == nil {
		t.drop = make([]bool, len(t.toks))
	}
	if lo > 0 && t.toks[lo-1].Kind == Whitespace {
		lo--
	}
	for k := lo; k <= hi; k++ {
		t.drop[k] = true
	}
}

func (t *translator) insert(at int, s string) {
	if t.ins == nil {
		t.ins = map[int]string{}
	}
	t.ins[at] += s
}

func (t *translator) markType(i int) {
	if t.colType == nil {
		t.colType = map[int]bool{}
	}
	t.colType[i] = true
}

// notColumns are the words that start a table element that is not a
// column definition.
var notColumns = map[string]bool{"like": true, "primary": true, "unique": true, "constraint": true,
	"foreign": true, "check": true, "exclude": true}

func (t *translator) planStatement(s []int) {
	st := stmt{t, s}
	switch {
	case st.is(0, "create") && (st.is(1, "index") || st.is(1, "unique") && st.is(2, "index")):
		// Redshift has no indexes.
		t.refuse(codeUnsupported, `SQL command "%s" not supported on Redshift tables.`, t.text(s))
	case st.is(0, "create") && st.is(1, "extension"):
		t.syntaxError(s[1])
	case st.is(0, "savepoint") || st.is(0, "release") && len(s) > 1 || st.is(0, "rollback") && (st.is(1, "to") || st.is(2, "to")):
		t.refuse(codeUnsupported, "SAVEPOINT is not supported")
	case st.is(0, "listen") || st.is(0, "notify") || st.is(0, "unlisten"):
		t.refuse(codeUnsupported, "%s is not supported", upperASCII(st.tok(0).Text))
	case st.is(0, "alter") && st.is(1, "table"):
		t.planAlterTable(st)
	case st.is(0, "merge") && st.is(len(s)-2, "remove") && st.is(len(s)-1, "duplicates"):
		t.planMergeRemoveDuplicates(st)
	}
	t.planCreate(st)
	t.planNavigation(st)

	writableWith := st.is(0, "with")
	for k := 0; k < len(s); k++ {
		tk := st.tok(k)
		if tk.Kind == Punct && tk.Text == "[" && st.is(k-1, "array") {
			t.syntaxError(s[k])
		}
		if tk.Kind == Operator && tk.Text == "::" {
			t.checkType(st, k+1)
		}
		if tk.Kind != Word {
			continue
		}
		switch {
		case tk.Is("conflict") && st.is(k-1, "on"):
			t.syntaxError(s[k-1])
		case tk.Is("returning"), tk.Is("tablesample"):
			t.syntaxError(s[k])
		case tk.Is("ties") && st.is(k-1, "with"):
			t.syntaxError(s[k-1])
		case writableWith && (tk.Is("insert") || tk.Is("update") || tk.Is("delete")) && st.punct(k-1, "(") && st.is(k-2, "as"):
			// A data-modifying statement in WITH: Redshift's WITH takes
			// SELECTs only.
			t.syntaxError(s[k])
		case tk.Is("as") && t.inCast(s[k]):
			t.checkType(st, k+1)
		case tk.Is("select"):
			t.planTop(st, k)
			t.planQualify(st, k)
		case tk.Is("collate") && st.tok(k+1).Kind == Word && collations[lowerWord(st.tok(k+1).Text)] != "":
			// COLLATE CASE_SENSITIVE | CS | CASE_INSENSITIVE | CI, of a
			// column or an expression: PostgreSQL's default collation, or
			// the nondeterministic one installed. PostgreSQL cannot make a
			// nondeterministic collation a database's default: CREATE
			// DATABASE ... COLLATE CASE_INSENSITIVE is refused.
			if st.is(0, "create") && st.is(1, "database") {
				if collations[lowerWord(st.tok(k+1).Text)] == collations["cs"] {
					t.dropRange(s[k], s[k+1])
					break
				}
				t.refuse(codeUnsupported, "CREATE DATABASE ... COLLATE is not supported: give the columns COLLATE CASE_INSENSITIVE instead")
				break
			}
			t.dropRange(s[k+1], s[k+1])
			t.insert(s[k+1], " "+collations[lowerWord(st.tok(k+1).Text)])
		case tk.Is("approximate") && st.is(k+1, "count"):
			// APPROXIMATE COUNT(DISTINCT x): PostgreSQL counts exactly.
			t.dropRange(s[k], s[k])
		}
	}
}

// text is the statement's text from its first to its last significant
// token.
func (t *translator) text(s []int) string {
	var b []byte
	for k := s[0]; k <= s[len(s)-1]; k++ {
		b = append(b, t.toks[k].Text...)
	}
	return string(b)
}

// rangeTypes are PostgreSQL's range types, which Redshift does not have.
var rangeTypes = map[string]bool{"int4range": true, "int8range": true, "numrange": true, "tsrange": true,
	"tstzrange": true, "daterange": true}

// checkType refuses the types Redshift lacks when one starts at k: UUID,
// the range types and arrays.
func (t *translator) checkType(st stmt, k int) {
	tk := st.tok(k)
	if tk.Kind != Word {
		return
	}
	low := lowerWord(tk.Text)
	switch {
	case low == "uuid" || rangeTypes[low]:
		t.refuse(codeNoType, `type "%s" does not exist`, low)
		return
	}
	// An array type: a type name (one or more words, with a modifier)
	// followed by [ ] or ARRAY.
	j := k
	for st.tok(j).Kind == Word && !st.is(j, "array") && !st.is(j, "not") && !st.is(j, "null") &&
		!st.is(j, "default") && !st.is(j, "primary") && !st.is(j, "references") {
		j++
		if st.punct(j, "(") {
			if c := st.close(j); c > 0 {
				j = c + 1
			}
			break
		}
	}
	if st.punct(j, "[") || st.is(j, "array") && j > k {
		t.refuse(codeUnsupported, "array types are not supported")
	}
}

func lowerWord(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}

// planCreate handles CREATE TABLE's column list (types, arrays,
// INHERITS, partitioning) and CREATE VIEW ... WITH NO SCHEMA BINDING.
func (t *translator) planCreate(st stmt) {
	if !st.is(0, "create") {
		return
	}
	k := 1
	if st.is(k, "or") && st.is(k+1, "replace") {
		k += 2
	}
	for st.is(k, "global") || st.is(k, "local") || st.is(k, "temp") || st.is(k, "temporary") || st.is(k, "unlogged") {
		k++
	}
	if st.is(k, "view") {
		// A late-binding view: PostgreSQL's views always bind.
		n := len(st.s)
		if n >= 5 && st.is(n-4, "with") && st.is(n-3, "no") && st.is(n-2, "schema") && st.is(n-1, "binding") {
			t.dropRange(st.s[n-4], st.s[n-1])
		}
		return
	}
	if !st.is(k, "table") {
		return
	}
	k++
	if st.is(k, "if") && st.is(k+1, "not") && st.is(k+2, "exists") {
		k += 3
	}
	k = st.name(k)
	if st.is(k, "partition") && st.is(k+1, "of") {
		t.syntaxError(st.s[k])
		return
	}
	if !st.punct(k, "(") {
		return
	}
	c := st.close(k)
	if c < 0 {
		return
	}
	// Each element of the list: a column "name type ..." gets its type
	// marked; constraints and LIKE are left as they are.
	for e := k + 1; e < c; {
		next := e
		for depth := 0; next < c; next++ {
			if st.punct(next, "(") {
				depth++
			} else if st.punct(next, ")") {
				depth--
			} else if st.punct(next, ",") && depth == 0 {
				break
			}
		}
		if first := st.tok(e); (first.Kind == Word || first.Kind == QuotedIdent) && !(first.Kind == Word && notColumns[lowerWord(first.Text)]) && e+1 < next {
			t.markType(st.s[e+1])
			t.checkType(st, e+1)
			for j := e + 2; j < next; j++ {
				if st.is(j, "identity") && st.punct(j+1, "(") {
					if t.identity == nil {
						t.identity = map[int]bool{}
					}
					t.identity[st.s[j]] = true
				}
			}
		}
		e = next + 1
	}
	for j := c + 1; j < len(st.s); j++ {
		switch {
		case st.is(j, "as"):
			return
		case st.is(j, "inherits"):
			t.refuse(codeUnsupported, "table inheritance is not supported")
		case st.is(j, "partition") && st.is(j+1, "by"):
			t.syntaxError(st.s[j])
		}
	}
}

// planAlterTable makes ALTER TABLE t ALTER DISTSTYLE|DISTKEY|SORTKEY|ENCODE
// ... and ALTER TABLE t ALTER COLUMN c ENCODE x a statement that checks
// the table exists and the user may alter it, and changes nothing:
// SET WITHOUT CLUSTER (no Redshift table is clustered). ALTER TABLE t ADD
// [COLUMN] c type gets its type marked and its ENCODE removed.
func (t *translator) planAlterTable(st stmt) {
	k := 2
	if st.is(k, "if") && st.is(k+1, "exists") {
		k += 2
	}
	n := st.name(k)
	if n == k {
		return
	}
	a := st.tok(n + 1)
	storage := st.is(n, "alter") && (a.Is("diststyle") || a.Is("distkey") || a.Is("sortkey") || a.Is("compound") ||
		a.Is("interleaved") || a.Is("encode") ||
		a.Is("column") && st.is(n+3, "encode") && st.tok(n+3+1).Kind == Word && len(st.s) == n+5)
	if storage {
		t.dropRange(st.s[n], st.s[len(st.s)-1])
		t.insert(st.s[len(st.s)-1]+1, " SET WITHOUT CLUSTER")
		return
	}
	if st.is(n, "add") {
		c := n + 1
		if st.is(c, "column") {
			c++
		}
		if c+1 < len(st.s) {
			t.markType(st.s[c+1])
			t.checkType(st, c+1)
		}
		for j := c + 1; j+1 < len(st.s); j++ {
			if st.is(j, "encode") && st.tok(j+1).Kind == Word && encodings[lowerWord(st.tok(j+1).Text)] {
				t.dropRange(st.s[j], st.s[j+1])
			}
		}
	}
}

// planTop rewrites SELECT TOP n [DISTINCT|ALL] ... (r_SELECT_list; the
// other order is taken too) as SELECT ... LIMIT n:
// TOP n is removed, and LIMIT n written at the end of that SELECT (before
// the ")" of a subquery, or at the statement's end). A SELECT followed
// by UNION, INTERSECT or EXCEPT is left alone.
func (t *translator) planTop(st stmt, k int) {
	j := k + 1
	if (st.is(j, "distinct") || st.is(j, "all")) && st.is(j+1, "top") {
		j++
	}
	if !st.is(j, "top") || st.tok(j+1).Kind != Number {
		return
	}
	end := len(st.s)
	for m, depth := j+2, 0; m < len(st.s); m++ {
		switch {
		case st.punct(m, "("):
			depth++
		case st.punct(m, ")"):
			if depth == 0 {
				end = m
			}
			depth--
		case depth == 0 && (st.is(m, "union") || st.is(m, "intersect") || st.is(m, "except")):
			return
		}
		if end != len(st.s) {
			break
		}
	}
	n := st.tok(j + 1).Text
	t.dropRange(st.s[j], st.s[j+1])
	t.insert(st.s[end-1]+1, " LIMIT "+n)
}

// planQualify rewrites QUALIFY (r_QUALIFY_clause), which PostgreSQL lacks,
// for a SELECT over one relation with an alias (Redshift requires the
// alias when QUALIFY follows FROM) into a filter over a subquery that
// carries each row whole and the condition's value. SELECT * keeps exactly
// the relation's columns:
//
//	SELECT (alias).* FROM (SELECT alias AS alias, (condition) AS rsdata_qualify
//	  FROM relation alias ...) rsdata_q WHERE rsdata_qualify [ORDER BY ...]
//
// and a SELECT list gets the row's columns back under the alias:
//
//	SELECT list FROM (SELECT alias AS rsdata_row, (condition) AS rsdata_qualify
//	  FROM relation alias ...) rsdata_q CROSS JOIN LATERAL
//	  (SELECT (rsdata_q.rsdata_row).*) alias WHERE rsdata_q.rsdata_qualify ...
//
// The list is then computed after the filter, which is the same only
// when it holds no window function (OVER) and there is no GROUP BY or
// HAVING: other forms, and joins, are left for PostgreSQL to refuse.
func (t *translator) planQualify(st stmt, k int) {
	from := -1
	for m, depth := k+1, 0; m < len(st.s); m++ {
		if st.punct(m, "(") {
			depth++
		} else if st.punct(m, ")") {
			if depth == 0 {
				return
			}
			depth--
		} else if depth == 0 && st.is(m, "from") {
			from = m
			break
		} else if st.is(m, "over") {
			return
		}
	}
	if from < 0 {
		return
	}
	whole := from == k+2 && st.tok(k+1).Kind == Operator && st.tok(k+1).Text == "*"
	n := st.name(from + 1)
	if n == from+1 {
		return
	}
	if st.is(n, "as") {
		n++
	}
	alias := st.tok(n)
	if alias.Kind != Word && alias.Kind != QuotedIdent || alias.Is("where") || alias.Is("qualify") || alias.Is("group") {
		return
	}
	q, c := -1, len(st.s)
	for m, depth := n+1, 0; m < len(st.s); m++ {
		switch {
		case st.punct(m, "("):
			depth++
		case st.punct(m, ")"):
			if depth == 0 {
				c = m
			}
			depth--
		case depth > 0:
		case q < 0 && (st.is(m, "group") || st.is(m, "having")) && !whole:
			return
		case st.punct(m, ","), st.is(m, "join"), st.is(m, "union"), st.is(m, "intersect"), st.is(m, "except"):
			if q < 0 {
				return
			}
			if !st.punct(m, ",") && !st.is(m, "join") {
				c = m
			}
		case st.is(m, "qualify") && q < 0:
			q = m
		case q >= 0 && (st.is(m, "order") || st.is(m, "limit") || st.is(m, "offset")):
			c = m
		}
		if c != len(st.s) {
			break
		}
	}
	if q < 0 || c <= q+1 {
		return
	}
	if t.moved == nil {
		t.moved, t.post = map[int]span{}, map[int]string{}
	}
	cond := span{st.s[q+1], st.s[c-1] + 1}
	a := alias.Text
	if whole {
		star := st.s[k+1]
		if t.drop == nil {
			t.drop = make([]bool, len(t.toks))
		}
		t.drop[star] = true
		t.insert(star, "("+a+").* FROM (SELECT "+a+" AS "+a+", (")
		t.moved[star] = cond
		t.post[star] = ") AS rsdata_qualify"
		t.dropRange(st.s[q], st.s[c-1])
		t.insert(st.s[c-1]+1, ") rsdata_q WHERE rsdata_qualify")
		return
	}
	rel := st.s[from+1]
	t.insert(rel, "(SELECT "+a+" AS rsdata_row, (")
	t.moved[rel] = cond
	t.post[rel] = ") AS rsdata_qualify FROM "
	t.dropRange(st.s[q], st.s[c-1])
	t.insert(st.s[c-1]+1, ") rsdata_q CROSS JOIN LATERAL (SELECT (rsdata_q.rsdata_row).*) "+a+" WHERE rsdata_q.rsdata_qualify")
}

// collations are Redshift's collation names (r_COLLATE) and what each is
// in PostgreSQL: case-sensitive is the default collation; case-insensitive
// the nondeterministic ICU collation of the installed schema
// (installed.sql), which compares strings equal when they differ in case
// only.
var collations = map[string]string{
	"case_sensitive":   `pg_catalog."default"`,
	"cs":               `pg_catalog."default"`,
	"case_insensitive": InstallSchema + ".case_insensitive",
	"ci":               InstallSchema + ".case_insensitive",
}

// planMergeRemoveDuplicates rewrites MERGE INTO target USING source
// [[AS] alias] ON condition REMOVE DUPLICATES, Redshift's simplified MERGE
// (r_MERGE), whose target and source have the same columns in the same
// order: target rows that match a source row take its values, several
// matching one collapse into one, and unmatched source rows are inserted.
// That is every matching target row deleted and every source row
// inserted, which needs no column names:
//
//	WITH rsdata_merge AS (DELETE FROM target USING source [AS alias] WHERE condition)
//	INSERT INTO target SELECT * FROM source [AS alias]
//
// one statement, so it runs in a session, a transaction or a batch as the
// MERGE would. Any other shape is left for PostgreSQL to refuse.
func (t *translator) planMergeRemoveDuplicates(st stmt) {
	n := len(st.s)
	if !st.is(1, "into") {
		return
	}
	tgtEnd := st.name(2)
	if tgtEnd == 2 || !st.is(tgtEnd, "using") {
		return
	}
	srcEnd := st.name(tgtEnd + 1)
	if srcEnd == tgtEnd+1 {
		return
	}
	aliasEnd := srcEnd
	if st.is(aliasEnd, "as") {
		aliasEnd++
	}
	if a := st.tok(aliasEnd); (a.Kind == Word || a.Kind == QuotedIdent) && !a.Is("on") {
		aliasEnd++
	} else {
		aliasEnd = srcEnd
	}
	on := aliasEnd
	if !st.is(on, "on") || on+1 > n-3 {
		return
	}
	target := t.text(st.s[2:tgtEnd])
	source := t.text(st.s[tgtEnd+1 : aliasEnd])
	first := st.s[0]
	t.dropRange(first, st.s[n-1])
	if t.moved == nil {
		t.moved, t.post = map[int]span{}, map[int]string{}
	}
	t.insert(first, "WITH rsdata_merge AS (DELETE FROM "+target+" USING "+source+" WHERE ")
	t.moved[first] = span{st.s[on+1], st.s[n-3] + 1}
	t.post[first] = ") INSERT INTO " + target + " SELECT * FROM " + source
}
