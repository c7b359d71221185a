package dialect

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"strings"
)

// InstallSchema is the schema that holds Redshift's functions and system
// views in every database of a redshift-dialect engine.
const InstallSchema = "rsdata_redshift"

// InstallSQL creates or replaces everything in InstallSchema: functions,
// system views, and the tables behind them (table layouts, query history).
// It is idempotent and meant to run in one transaction, as the engine's
// admin login; InstallVersion tells whether a database already has it.
//
//go:embed installed.sql
var InstallSQL string

// InstallVersion identifies InstallSQL: a digest of its text, so that any
// change to the script installs it again.
var InstallVersion = func() string {
	sum := sha256.Sum256([]byte(InstallSQL))
	return hex.EncodeToString(sum[:8])
}()

// installedFuncs are the Redshift functions installed in InstallSchema
// whose unquoted, unqualified calls the translator qualifies: those
// PostgreSQL lacks, and those it has with other results (DATE_TRUNC of a
// date, REGEXP_REPLACE, which replaces every match in Redshift, TRUNC of a
// timestamp, JSON_ARRAY_LENGTH's null_if_invalid, TO_CHAR's TZ of a
// timestamp and L, TO_DATE's and TO_TIMESTAMP's overflowing fields and
// is_strict, ...). Functions that
// behave alike (SPLIT_PART, BTRIM, MD5, STRPOS, ...) are left to
// PostgreSQL. The value says the first argument is a date part, which
// Redshift takes as a bare word: dateadd(month, ...).
var installedFuncs = map[string]bool{
	"dateadd": true, "datediff": true, "date_part": true, "pgdate_part": true, "date_trunc": true,
	"add_months": false, "months_between": false, "last_day": false, "next_day": false,
	"trunc": false, "convert_timezone": false, "date_part_year": false,
	"charindex": false, "strtol": false, "crc32": false, "func_sha1": false, "sha2": false,
	"replicate": false, "regexp_substr": false, "regexp_count": false, "regexp_instr": false,
	"regexp_replace":         false,
	"json_extract_path_text": false, "json_extract_array_element_text": false,
	"json_array_length": false, "is_valid_json": false, "is_valid_json_array": false,
	"json_parse": false, "json_serialize": false,
	"to_char": false, "to_date": false, "to_timestamp": false,
	"version": false,
}

// Revision is the cluster revision VERSION() names ("Redshift 1.0.1").
const Revision = "1"

// renamedFuncs are installed under the name Redshift gives their result
// column (select dateadd(...) shows a column date_add, date_part's is
// pgdate_part, its synonym), so that the qualified call keeps Redshift's
// column name.
var renamedFuncs = map[string]string{"dateadd": "date_add", "datediff": "date_diff", "date_part": "pgdate_part"}

// systemViews are Redshift's system views installed in InstallSchema; an
// unquoted, unqualified one after FROM, JOIN or a GRANT's ON [TABLE] is
// qualified.
var systemViews = map[string]bool{
	"pg_table_def": true, "svv_table_info": true, "svv_tables": true, "svv_columns": true,
	"svv_all_schemas": true, "svv_all_tables": true, "svv_all_columns": true,
	"stv_sessions": true, "stv_recents": true,
	"stl_query": true, "svl_qlog": true, "sys_query_history": true,
}

// InstalledFunctions and SystemViews list what the translator qualifies,
// for tests and documentation.
func InstalledFunctions() []string {
	out := keys(installedFuncs)
	for i, f := range out {
		if to, ok := renamedFuncs[f]; ok {
			out[i] = to
		}
	}
	return out
}

// SystemViews lists the system views installed in InstallSchema.
func SystemViews() []string { return keys(systemViews) }

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// installedShapes marks the (first letter, length) pairs of installed
// names, so that most words are dismissed without folding them.
var installedShapes = func() (shapes [26][32]bool) {
	for _, m := range []map[string]bool{installedFuncs, systemViews} {
		for name := range m {
			shapes[name[0]-'a'][len(name)] = true
		}
	}
	return shapes
}()

// installedWord returns w in lower case when it names an installed
// function or system view, else "".
func installedWord(w string) string {
	if len(w) < 4 || len(w) > 31 {
		return ""
	}
	first := w[0] | 0x20 // ASCII letters to lower case; others fail below
	if first < 'a' || first > 'z' || !installedShapes[first-'a'][len(w)] {
		return ""
	}
	var buf [31]byte
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	if _, ok := installedFuncs[string(buf[:len(w)])]; ok {
		return string(buf[:len(w)])
	}
	if systemViews[string(buf[:len(w)])] {
		return string(buf[:len(w)])
	}
	return ""
}

// namesRelation reports whether a relation's name follows toks[prev]: FROM
// or JOIN, the ON [TABLE] of a GRANT or REVOKE, or a comma of a list one of
// these starts (from svv_tables t, svv_columns c).
func (t *translator) namesRelation(prev int) bool {
	if prev < 0 {
		return false
	}
	p := t.toks[prev]
	if p.Text == "," {
		return t.inRelationList(prev)
	}
	if p.Is("table") {
		prev = t.prevSig(prev)
		return prev >= 0 && t.toks[prev].Is("on")
	}
	return p.Is("from") || p.Is("join") || p.Is("on")
}

// listStops are words of clauses whose comma-separated lists name no
// relation: met first going back from a comma, they say it is not a FROM
// or ON list's.
var listStops = map[string]bool{"select": true, "where": true, "by": true, "set": true, "values": true,
	"having": true, "returning": true, "into": true, "using": true, "and": true, "or": true, "not": true,
	"when": true, "then": true, "else": true, "case": true, "distinct": true, "to": true, "with": true,
	"in": true, "over": true, "within": true}

// inRelationList reports whether the comma toks[comma] separates the items
// of a FROM list or of a GRANT's or REVOKE's ON list: going back at the
// comma's parenthesis depth, a FROM, JOIN or ON comes before any word of
// another clause (listStops), an opening parenthesis or the statement's
// start. A join condition's AND stops it too: such a name is left alone.
func (t *translator) inRelationList(comma int) bool {
	depth := 0
	for j := t.prevSig(comma); j >= 0; j = t.prevSig(j) {
		tok := t.toks[j]
		switch {
		case tok.Text == ")":
			depth++
		case tok.Text == "(":
			if depth == 0 {
				return false
			}
			depth--
		case depth > 0:
		case tok.Text == ";":
			return false
		case tok.Is("from") || tok.Is("join") || tok.Is("on"):
			return true
		case tok.Kind == Word && listStops[strings.ToLower(tok.Text)]:
			return false
		}
	}
	return false
}

// qualify writes toks[i], an installed name, qualified with InstallSchema
// when its context calls for it, and returns the index after what it
// consumed; i when it left the word alone. A function is qualified when
// called (name followed by "("), a system view after FROM, JOIN or ON
// [TABLE] (GRANT SELECT ON svv_table_info TO u); never
// when already qualified, quoted, or being defined (CREATE FUNCTION
// dateadd). A bare date-part word as the first argument of DATEADD,
// DATEDIFF, DATE_PART or DATE_TRUNC becomes a string literal.
func (t *translator) qualify(name string, i, hi int) int {
	prev := t.prevSig(i)
	if prev >= 0 && (t.toks[prev].Text == "." || t.toks[prev].Is("function") || t.toks[prev].Is("procedure")) {
		return i
	}
	next := t.nextSig(i, hi)
	if systemViews[name] {
		if !t.namesRelation(prev) {
			return i
		}
		if next >= 0 && (t.toks[next].Text == "." || t.toks[next].Text == "(") {
			return i
		}
		t.b.WriteString(InstallSchema + ".")
		t.b.WriteString(t.toks[i].Text)
		return i + 1
	}
	datePart, ok := installedFuncs[name]
	if !ok || next < 0 || t.toks[next].Text != "(" {
		return i
	}
	t.b.WriteString(InstallSchema + ".")
	if to, ok := renamedFuncs[name]; ok {
		t.b.WriteString(to)
	} else {
		t.b.WriteString(t.toks[i].Text)
	}
	if !datePart {
		return i + 1
	}
	args, end := t.callArgs(next, hi)
	if end < 0 || len(args) == 0 || t.significant(args[0]) != 1 || t.toks[args[0].lo].Kind != Word {
		return i + 1
	}
	t.emit(i+1, args[0].lo)
	t.b.WriteByte('\'')
	t.b.WriteString(strings.ToLower(t.toks[args[0].lo].Text))
	t.b.WriteByte('\'')
	t.emit(args[0].hi, end+1)
	return end + 1
}
