// Package corpus reads the shared SQL corpus, internal/dialect/testdata/
// corpus/*.txt: cases re-typed from AWS's Redshift SQL reference (a
// statement and its documented output), which the Data API and the
// PostgreSQL endpoint tests both run. It only parses; each runner compares.
//
// The format, one file per area (UTF-8; lines starting with # are
// comments, blank lines are ignored):
//
//	=== <case name>
//	doc: <the Redshift SQL reference page, by title>      (required)
//	setup: <one SQL statement>                            (zero or more)
//	sql: <the statement>                                  (required)
//	columns: <name> | <name>                              (optional)
//	types: <typeName> | <typeName>                        (optional)
//	expect: <value> | <value>                             (zero or more rows; \N is NULL)
//	error: <text the error message must contain>          (instead of expect)
//	ordered: false                                        (rows compared as a multiset)
//
// A statement (sql or setup) continues on following lines that start
// with two spaces; they are joined with newlines, those two spaces removed.
package corpus

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Null is how the corpus writes NULL.
const Null = `\N`

// Case is one corpus case.
type Case struct {
	File string // the file's base name
	Line int    // where its === line is
	Name string
	Doc  string
	// Setup runs, in order and in the same session, before SQL.
	Setup []string
	SQL   string
	// Columns and Types are the documented column names and Data API type
	// names; nil when the case gives none.
	Columns []string
	Types   []string
	// Rows are the expected rows, each value as the Data API's text form,
	// Null for NULL.
	Rows [][]string
	// Error, when set, is text the statement's error message must contain;
	// the statement must fail.
	Error string
	// Ordered is false when the documented output has no ORDER BY.
	Ordered bool
}

// SplitRow splits a row, columns or types line at " | ".
func SplitRow(s string) []string { return strings.Split(s, " | ") }

// Load reads every *.txt file of dir, in name order. A missing dir is no
// cases.
func Load(dir string) ([]Case, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var all []Case
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		cases, err := Parse(filepath.Base(path), f)
		f.Close()
		if err != nil {
			return nil, err
		}
		all = append(all, cases...)
	}
	return all, nil
}

// Parse reads the cases of one file; name names it in errors.
func Parse(name string, r io.Reader) ([]Case, error) {
	var cases []Case
	var cur *Case
	var cont *string // the statement continuation lines extend
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	finish := func() error {
		if cur == nil {
			return nil
		}
		switch {
		case cur.Doc == "":
			return fmt.Errorf("%s:%d: case %q has no doc: line", name, cur.Line, cur.Name)
		case cur.SQL == "":
			return fmt.Errorf("%s:%d: case %q has no sql: line", name, cur.Line, cur.Name)
		case cur.Error != "" && (cur.Rows != nil || cur.Columns != nil || cur.Types != nil):
			return fmt.Errorf("%s:%d: case %q has both error: and expected output", name, cur.Line, cur.Name)
		}
		cases = append(cases, *cur)
		return nil
	}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "  ") && cont != nil {
			*cont += "\n" + line[2:]
			continue
		}
		cont = nil
		if strings.TrimSpace(line) == "" {
			continue
		}
		if name2, ok := strings.CutPrefix(line, "=== "); ok {
			if err := finish(); err != nil {
				return nil, err
			}
			cur = &Case{File: name, Line: n, Name: strings.TrimSpace(name2), Ordered: true}
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("%s:%d: %q before the first === line", name, n, line)
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%s:%d: %q is not a key: value line", name, n, line)
		}
		val = strings.TrimPrefix(val, " ")
		switch key {
		case "doc":
			cur.Doc = val
		case "setup":
			cur.Setup = append(cur.Setup, val)
			cont = &cur.Setup[len(cur.Setup)-1]
		case "sql":
			if cur.SQL != "" {
				return nil, fmt.Errorf("%s:%d: case %q has two sql: lines", name, n, cur.Name)
			}
			cur.SQL = val
			cont = &cur.SQL
		case "columns":
			cur.Columns = SplitRow(val)
		case "types":
			cur.Types = SplitRow(val)
		case "expect":
			cur.Rows = append(cur.Rows, SplitRow(val))
		case "error":
			cur.Error = val
		case "ordered":
			if val != "false" && val != "true" {
				return nil, fmt.Errorf("%s:%d: ordered: %q, want true or false", name, n, val)
			}
			cur.Ordered = val == "true"
		default:
			return nil, fmt.Errorf("%s:%d: unknown key %q", name, n, key)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return cases, nil
}

// Equal reports whether got matches c's expected rows: in order, or as
// a multiset when c is not Ordered.
func (c Case) Equal(got [][]string) bool {
	if len(got) != len(c.Rows) {
		return false
	}
	key := func(row []string) string { return strings.Join(row, "\x00") }
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
