package dialect

import (
	"strings"
)

// Layout is the distribution and sort choices one statement makes for a
// table: Redshift's DISTSTYLE, DISTKEY and SORTKEY, which PostgreSQL has no
// use for but SVV_TABLE_INFO and PG_TABLE_DEF report.
type Layout struct {
	// Table is the table's name as written (quotes kept, schema if given),
	// for the database to resolve in the session that ran the statement.
	Table string
	// DistStyle is AUTO, EVEN, KEY or ALL; "" when the statement gives none.
	DistStyle string
	// DistKey is the KEY column, folded as PostgreSQL folds it.
	DistKey string
	// SortKind is COMPOUND, INTERLEAVED or AUTO (also for SORTKEY NONE);
	// "" when the statement gives no sort key.
	SortKind string
	// SortKeys are the sort key columns in order.
	SortKeys []string
}

// Layouts returns the layouts of the CREATE TABLE, CREATE TABLE AS and
// ALTER TABLE statements in sql that give a distribution or sort choice:
// the table attributes DISTSTYLE x, DISTKEY(col), [COMPOUND|INTERLEAVED]
// SORTKEY(cols) and SORTKEY AUTO, the column attributes DISTKEY and
// SORTKEY, and ALTER TABLE's ALTER DISTSTYLE x [DISTKEY col], ALTER
// DISTKEY col and ALTER [COMPOUND] SORTKEY (cols)|AUTO|NONE. It reads
// tokens only: what it cannot read it leaves out.
func Layouts(sql string) []Layout {
	toks := Lex(sql)
	sig := make([]Token, 0, len(toks))
	for _, t := range toks {
		if t.Significant() {
			sig = append(sig, t)
		}
	}
	var out []Layout
	for lo := 0; lo < len(sig); {
		hi := lo
		for depth := 0; hi < len(sig); hi++ {
			if sig[hi].Kind != Punct {
				continue
			}
			if sig[hi].Text == "(" {
				depth++
			} else if sig[hi].Text == ")" {
				depth--
			} else if sig[hi].Text == ";" && depth <= 0 {
				break
			}
		}
		if l, ok := layoutOf(sig[lo:hi]); ok {
			out = append(out, l)
		}
		lo = hi + 1
	}
	return out
}

// layoutOf reads one statement's significant tokens.
func layoutOf(s []Token) (Layout, bool) {
	var l Layout
	k := 0
	at := func(i int, w string) bool { return i < len(s) && s[i].Is(w) }
	switch {
	case at(0, "create"):
		k = 1
		for at(k, "global") || at(k, "local") || at(k, "temp") || at(k, "temporary") || at(k, "unlogged") {
			k++
		}
		if !at(k, "table") {
			return l, false
		}
		k++
		if at(k, "if") && at(k+1, "not") && at(k+2, "exists") {
			k += 3
		}
		name, n := tableName(s, k)
		if name == "" {
			return l, false
		}
		l.Table, k = name, n
		if k < len(s) && s[k].Text == "(" {
			end := closing(s, k)
			if end < 0 {
				return l, false
			}
			columnAttributes(s[k+1:end], &l)
			k = end + 1
		}
		tableAttributes(s[k:], &l)
	case at(0, "alter") && at(1, "table"):
		name, n := tableName(s, 2)
		if name == "" || !at(n, "alter") {
			return l, false
		}
		l.Table, k = name, n+1
		switch {
		case at(k, "diststyle") && k+1 < len(s):
			l.DistStyle = strings.ToUpper(s[k+1].Text)
			if at(k+2, "distkey") && k+3 < len(s) {
				l.DistKey = ident(s[k+3])
			}
		case at(k, "distkey") && k+1 < len(s):
			l.DistStyle, l.DistKey = "KEY", ident(s[k+1])
		default:
			tableAttributes(s[k:], &l)
			if at(k, "sortkey") && at(k+1, "none") {
				l.SortKind = "AUTO"
			}
		}
	default:
		return l, false
	}
	if !validStyle(l.DistStyle) {
		l.DistStyle, l.DistKey = "", ""
	}
	return l, l.DistStyle != "" || l.SortKind != ""
}

func validStyle(s string) bool {
	return s == "" || s == "AUTO" || s == "EVEN" || s == "KEY" || s == "ALL"
}

// tableName reads a possibly qualified name at s[k]; it returns it as
// written and the index after it.
func tableName(s []Token, k int) (string, int) {
	var b strings.Builder
	for k < len(s) && (s[k].Kind == Word || s[k].Kind == QuotedIdent) {
		b.WriteString(s[k].Text)
		k++
		if k+1 < len(s) && s[k].Text == "." {
			b.WriteByte('.')
			k++
			continue
		}
		break
	}
	return b.String(), k
}

// closing returns the index of the ")" matching the "(" at s[k], or -1.
func closing(s []Token, k int) int {
	depth := 0
	for i := k; i < len(s); i++ {
		if s[i].Kind != Punct {
			continue
		}
		switch s[i].Text {
		case "(":
			depth++
		case ")":
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}

// ident is a column name as PostgreSQL folds it.
func ident(t Token) string {
	if t.Kind == QuotedIdent {
		return strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(t.Text, `"`), `"`), `""`, `"`)
	}
	return strings.ToLower(t.Text)
}

// identList reads "(a, b, ...)" at s[k]; it returns the names and the index of ")".
func identList(s []Token, k int) ([]string, int) {
	end := closing(s, k)
	if end < 0 {
		return nil, -1
	}
	var cols []string
	for i := k + 1; i < end; i++ {
		if s[i].Kind == Word || s[i].Kind == QuotedIdent {
			cols = append(cols, ident(s[i]))
		}
	}
	return cols, end
}

// columnAttributes reads the column attributes DISTKEY and SORTKEY in a
// CREATE TABLE's column list (without its parentheses).
func columnAttributes(s []Token, l *Layout) {
	col := ""
	depth := 0
	start := true
	for i := 0; i < len(s); i++ {
		t := s[i]
		if t.Kind == Punct {
			switch t.Text {
			case "(":
				depth++
			case ")":
				depth--
			case ",":
				if depth == 0 {
					start = true
					continue
				}
			}
			start = false
			continue
		}
		if depth != 0 {
			continue
		}
		if start {
			start = false
			col = ""
			if t.Kind == Word || t.Kind == QuotedIdent {
				col = ident(t)
			}
			continue
		}
		if col == "" {
			continue
		}
		switch {
		case t.Is("distkey"):
			l.DistStyle, l.DistKey = "KEY", col
		case t.Is("sortkey") && !(i+1 < len(s) && s[i+1].Text == "("):
			l.SortKind, l.SortKeys = "COMPOUND", []string{col}
		}
	}
}

// tableAttributes reads the table attributes after a column list (or
// after ALTER TABLE name ALTER), up to a top-level AS.
func tableAttributes(s []Token, l *Layout) {
	for i := 0; i < len(s); i++ {
		t := s[i]
		switch {
		case t.Is("as"):
			return
		case t.Kind == Punct && t.Text == "(":
			if end := closing(s, i); end > 0 {
				i = end
			}
		case t.Is("diststyle") && i+1 < len(s):
			l.DistStyle = strings.ToUpper(s[i+1].Text)
			if l.DistStyle != "KEY" {
				l.DistKey = ""
			}
			i++
		case t.Is("distkey") && i+1 < len(s) && s[i+1].Text == "(":
			cols, end := identList(s, i+1)
			if end < 0 {
				return
			}
			if len(cols) == 1 {
				l.DistStyle, l.DistKey = "KEY", cols[0]
			}
			i = end
		case t.Is("sortkey") && i+1 < len(s) && (s[i+1].Is("auto") || s[i+1].Is("none")):
			l.SortKind, l.SortKeys = "AUTO", nil
			i++
		case t.Is("sortkey") && i+1 < len(s) && s[i+1].Text == "(":
			cols, end := identList(s, i+1)
			if end < 0 {
				return
			}
			l.SortKind, l.SortKeys = "COMPOUND", cols
			if i > 0 && s[i-1].Is("interleaved") {
				l.SortKind = "INTERLEAVED"
			}
			i = end
		}
	}
}

// RecordLayoutSQL returns a statement that records the layouts of sql's
// CREATE TABLE and ALTER TABLE statements in InstallSchema, to run after
// sql succeeded, in the same session (and transaction); "" when there is
// none. It never fails: whatever goes wrong (the installed schema is
// missing, say) is caught in a subtransaction, so it cannot abort the
// caller's transaction.
func RecordLayoutSQL(mode Mode, sql string) string {
	if mode == Postgres {
		return ""
	}
	interesting := false
	for t := range Tokens(sql) {
		if t.Is("distkey") || t.Is("diststyle") || t.Is("sortkey") {
			interesting = true
			break
		}
	}
	if !interesting {
		return ""
	}
	ls := Layouts(sql)
	if len(ls) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("DO $rsdata_layout$BEGIN ")
	for _, l := range ls {
		b.WriteString("PERFORM " + InstallSchema + ".record_layout(")
		b.WriteString("to_regclass(" + literal(l.Table) + "), " + literal(l.DistStyle) + ", " + literal(l.DistKey) + ", " + literal(l.SortKind) + ", ")
		if l.SortKeys == nil {
			b.WriteString("NULL")
		} else {
			b.WriteString("ARRAY[")
			for i, c := range l.SortKeys {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(literal(c))
			}
			b.WriteString("]::text[]")
		}
		b.WriteString("); ")
	}
	b.WriteString("EXCEPTION WHEN OTHERS THEN NULL; END$rsdata_layout$")
	out := b.String()
	if strings.Count(out, "$rsdata_layout$") != 2 {
		return ""
	}
	return out
}

// literal is s as a SQL string literal; "" is NULL.
func literal(s string) string {
	if s == "" {
		return "NULL"
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// CreatedDatabase returns the name of the database a CREATE DATABASE
// statement creates (folded as PostgreSQL folds it), or "" when sql is not
// one. It reads the first three significant tokens only.
func CreatedDatabase(sql string) string {
	var words [3]Token
	n := 0
	for t := range Tokens(sql) {
		if !t.Significant() {
			continue
		}
		words[n] = t
		if n++; n == 3 {
			break
		}
	}
	if n < 3 || !words[0].Is("create") || !words[1].Is("database") {
		return ""
	}
	if name := words[2]; name.Kind == Word || name.Kind == QuotedIdent {
		return ident(name)
	}
	return ""
}
