// Package corpus reads the shared Redshift SQL corpus: the cases in
// internal/dialect/testdata/corpus/*.txt, each an example of AWS's
// Redshift SQL reference (the statement and its documented output, or the
// error Redshift gives). It only parses; each front door's test (the Data
// API through boto3, psql on the wire front) runs the cases its own way.
//
// The format, one case after another:
//
//	# a comment
//	=== <case name>
//	doc: <the AWS page the example comes from, by title>
//	setup: <one SQL statement>            (zero or more, run first, in order)
//	sql: <the statement>                  (continued on lines starting with two spaces)
//	columns: <name> | <name>              (optional)
//	types: <typeName> | <typeName>        (optional: ColumnMetadata's typeName)
//	expect: <value> | <value>             (zero or more rows; NULL is \N)
//	error: <text the error must contain>  (instead of rows)
//	ordered: false                        (rows compared as a multiset; anywhere after sql)
//
// setup and sql may continue on following lines that start with two
// spaces; the continuation keeps its line break.
package corpus

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Null is how a SQL NULL is written in an expect line.
const Null = `\N`

// Case is one example.
type Case struct {
	File string // the file's base name
	Line int    // the line of its === header
	Name string
	Doc  string
	// Setup runs before SQL, in order, in the same session.
	Setup []string
	SQL   string
	// Columns and Types are nil when not given.
	Columns []string
	Types   []string
	// Rows are the documented rows; a value is its text form, or Null.
	Rows [][]string
	// Error, when set, is text the statement's error must contain; the
	// case then has no rows.
	Error string
	// Ordered is false when the rows are compared as a multiset.
	Ordered bool
}

// Load reads every *.txt file of dir, in name order.
func Load(dir string) ([]Case, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var all []Case
	names := map[string]string{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		cases, err := Parse(filepath.Base(f), fh)
		fh.Close()
		if err != nil {
			return nil, err
		}
		for _, c := range cases {
			if prev, ok := names[c.Name]; ok {
				return nil, fmt.Errorf("%s:%d: case %q is also in %s", c.File, c.Line, c.Name, prev)
			}
			names[c.Name] = c.File
		}
		all = append(all, cases...)
	}
	return all, nil
}

// Parse reads the cases of one file; file names it in errors.
func Parse(file string, r io.Reader) ([]Case, error) {
	var cases []Case
	var cur *Case
	// stage orders the keys: 0 header, 1 doc, 2 setup, 3 sql, 4 columns,
	// 5 types, 6 expect or error; ordered may come anywhere after sql.
	stage, orderedSeen := 0, false
	var last *string // the setup or sql a continuation line extends
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n := 0
	errf := func(format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", file, n, fmt.Sprintf(format, args...))
	}
	finish := func() error {
		if cur == nil {
			return nil
		}
		if cur.Doc == "" {
			return fmt.Errorf("%s:%d: case %q has no doc", file, cur.Line, cur.Name)
		}
		if cur.SQL == "" {
			return fmt.Errorf("%s:%d: case %q has no sql", file, cur.Line, cur.Name)
		}
		cases = append(cases, *cur)
		return nil
	}
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(line, "  ") && last != nil {
			*last += "\n" + line[2:]
			continue
		}
		last = nil
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if name, ok := strings.CutPrefix(line, "=== "); ok {
			if err := finish(); err != nil {
				return nil, err
			}
			cur = &Case{File: file, Line: n, Name: strings.TrimSpace(name), Ordered: true}
			stage, orderedSeen = 0, false
			continue
		}
		if cur == nil {
			return nil, errf("a line outside a case (cases start with \"=== name\")")
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			return nil, errf("want \"key: value\", got %q", line)
		}
		val = strings.TrimPrefix(val, " ")
		if key == "ordered" {
			// A property of the whole expected output: anywhere after
			// sql, once.
			switch {
			case cur.SQL == "":
				return nil, errf("%q before sql", key)
			case orderedSeen:
				return nil, errf("a second %q", key)
			case val != "true" && val != "false":
				return nil, errf("ordered: want true or false")
			}
			orderedSeen, cur.Ordered = true, val == "true"
			continue
		}
		want := map[string]int{"doc": 1, "setup": 2, "sql": 3, "columns": 4, "types": 5, "expect": 6, "error": 6}[key]
		switch {
		case want == 0:
			return nil, errf("unknown key %q", key)
		case want < stage || want == stage && key != "setup" && key != "expect" && key != "error":
			return nil, errf("%q out of order (doc, setup, sql, columns, types, expect or error, ordered)", key)
		case want > 3 && cur.SQL == "":
			return nil, errf("%q before sql", key)
		}
		stage = want
		switch key {
		case "doc":
			cur.Doc = val
		case "setup":
			cur.Setup = append(cur.Setup, val)
			last = &cur.Setup[len(cur.Setup)-1]
		case "sql":
			cur.SQL = val
			last = &cur.SQL
		case "columns":
			cur.Columns = SplitRow(val)
		case "types":
			cur.Types = SplitRow(val)
		case "expect":
			if cur.Error != "" {
				return nil, errf("a case has rows or an error, not both")
			}
			cur.Rows = append(cur.Rows, SplitRow(val))
		case "error":
			if len(cur.Rows) > 0 || cur.Error != "" {
				return nil, errf("a case has rows or one error, not both")
			}
			cur.Error = val
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return cases, nil
}

// SplitRow splits a row written as the corpus writes it (values separated
// by " | "), so a runner can read what psql prints in the same form.
func SplitRow(s string) []string { return strings.Split(s, " | ") }

// Equal reports whether got matches c's expected rows: in order, or as
// a multiset when c is not Ordered, each value compared in its Canonical
// form.
func (c Case) Equal(got [][]string) bool {
	if len(got) != len(c.Rows) {
		return false
	}
	key := func(row []string) string {
		parts := make([]string, len(row))
		for i, v := range row {
			parts[i] = Canonical(v)
		}
		return strings.Join(parts, "\x00")
	}
	if c.Ordered {
		for i := range got {
			if key(got[i]) != key(c.Rows[i]) {
				return false
			}
		}
		return true
	}
	count := map[string]int{}
	for _, row := range c.Rows {
		count[key(row)]++
	}
	for _, row := range got {
		count[key(row)]--
		if count[key(row)] < 0 {
			return false
		}
	}
	return true
}

// Canonical puts the text forms one value takes at the two front doors
// and in AWS's documentation in one form, so a runner compares values,
// not spellings: a number by its value (the Data API's double 10 is 10.0
// to boto3, psql prints 10); a timestamp's ".0" of whole seconds dropped
// (the Data API writes "2009-08-28 00:00:00.0" where AWS's SQL examples
// show "2009-08-28 00:00:00"); a VARBYTE without psql's \x prefix (the
// Data API's blob and AWS's examples are bare hexadecimal). Anything else
// is compared byte for byte.
func Canonical(v string) string {
	if v != "" && strings.Trim(v, "0123456789.-") == "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
	}
	if m := wholeSeconds.FindStringSubmatchIndex(v); m != nil {
		return v[:m[2]] + v[m[3]:]
	}
	if hex, ok := strings.CutPrefix(v, `\x`); ok {
		return hex
	}
	return v
}

// wholeSeconds finds the ".0" after a timestamp's seconds (submatch 1),
// before an optional time zone offset.
var wholeSeconds = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.0)(?:[+-]\d{2}(?::?\d{2})?)?$`)
