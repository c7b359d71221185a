package redshiftdata_test

import (
	"bufio"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"

	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// corpusCase is one case of internal/dialect/testdata/corpus/<area>.txt.
type corpusCase struct {
	name, doc, sql string
	setup          []string
	columns, typ   []string
	expect         [][]string
	errText        string
	hasError       bool
	unordered      bool
}

// readCorpus parses a corpus file (the shared format: "=== name", then
// doc:, setup:, sql: with two-space continuation lines, columns:, types:,
// expect: or error:, ordered:).
func readCorpus(t *testing.T, path string) []corpusCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusCase
	var c *corpusCase
	last := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "":
			continue
		case strings.HasPrefix(line, "=== "):
			out = append(out, corpusCase{name: strings.TrimPrefix(line, "=== ")})
			c = &out[len(out)-1]
			continue
		case c == nil:
			t.Fatalf("%s:%d: a line before the first case", path, n)
		case strings.HasPrefix(line, "  "):
			switch last {
			case "sql":
				c.sql += "\n" + line[2:]
			case "setup":
				c.setup[len(c.setup)-1] += "\n" + line[2:]
			default:
				t.Fatalf("%s:%d: a continuation line after %s:", path, n, last)
			}
			continue
		}
		key, val, ok := strings.Cut(line, ": ")
		if !ok {
			key, val = strings.TrimSuffix(line, ":"), ""
		}
		switch key {
		case "doc":
			c.doc = val
		case "setup":
			c.setup = append(c.setup, val)
		case "sql":
			c.sql = val
		case "columns":
			c.columns = strings.Split(val, " | ")
		case "types":
			c.typ = strings.Split(val, " | ")
		case "expect":
			c.expect = append(c.expect, strings.Split(val, " | "))
		case "error":
			c.hasError, c.errText = true, val
		case "ordered":
			c.unordered = val == "false"
		default:
			t.Fatalf("%s:%d: unknown line %q", path, n, line)
		}
		last = key
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, c := range out {
		if c.doc == "" || c.sql == "" {
			t.Fatalf("%s: case %q lacks doc: or sql:", path, c.name)
		}
	}
	return out
}

// fieldText is a field as the corpus writes it: the Data API's text of the
// value, t/f for booleans, \N for NULL.
func fieldText(t *testing.T, f types.Field) string {
	switch v := f.(type) {
	case *types.FieldMemberStringValue:
		return v.Value
	case *types.FieldMemberLongValue:
		return strconv.FormatInt(v.Value, 10)
	case *types.FieldMemberDoubleValue:
		return strconv.FormatFloat(v.Value, 'f', -1, 64)
	case *types.FieldMemberBooleanValue:
		if v.Value {
			return "t"
		}
		return "f"
	case *types.FieldMemberIsNull:
		return `\N`
	case *types.FieldMemberBlobValue:
		return hex.EncodeToString(v.Value)
	}
	t.Fatalf("field %#v", f)
	return ""
}

// sameValue compares a documented value with the Data API's: the Data API
// writes a timestamp without fractional seconds with ".0" ("2009-08-28
// 00:00:00.0") where AWS's SQL examples show psql's "2009-08-28 00:00:00".
func sameValue(want, got string) bool {
	return want == got || want+".0" == got
}

// runCorpus runs each case of a corpus file through the Data API, its
// setup and statement in one batch (one session and transaction), and
// compares the result with the documented one.
func runCorpus(t *testing.T, env *apptest.Env, file string) {
	cases := readCorpus(t, filepath.Join("..", "..", "dialect", "testdata", "corpus", file))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sqls := append(append([]string{}, c.setup...), c.sql)
			var id string
			if len(sqls) == 1 {
				out, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
					ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database),
					DbUser: aws.String("awsuser"), Sql: aws.String(c.sql)})
				if err != nil {
					t.Fatal(err)
				}
				id = *out.Id
			} else {
				out, err := env.Client.BatchExecuteStatement(ctx, &redshiftdata.BatchExecuteStatementInput{
					ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database),
					DbUser: aws.String("awsuser"), Sqls: sqls})
				if err != nil {
					t.Fatal(err)
				}
				id = *out.Id
			}
			d := env.Wait(t, id)
			if c.hasError {
				if d.Status != types.StatusStringFailed || !strings.Contains(aws.ToString(d.Error), c.errText) {
					t.Fatalf("%s: want FAILED with %q, got %s %q", c.sql, c.errText, d.Status, aws.ToString(d.Error))
				}
				return
			}
			if d.Status != types.StatusStringFinished {
				t.Fatalf("%s: %s %q", c.sql, d.Status, aws.ToString(d.Error))
			}
			if len(d.SubStatements) > 0 {
				id = *d.SubStatements[len(d.SubStatements)-1].Id
			}
			r, err := env.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: &id})
			if err != nil {
				t.Fatal(err)
			}
			for i, name := range c.columns {
				if i >= len(r.ColumnMetadata) || aws.ToString(r.ColumnMetadata[i].Name) != name {
					t.Errorf("%s: column %d: want %q, metadata %v", c.sql, i, name, columnNames(r.ColumnMetadata))
				}
			}
			for i, typ := range c.typ {
				if i >= len(r.ColumnMetadata) || aws.ToString(r.ColumnMetadata[i].TypeName) != typ {
					t.Errorf("%s: column %d: want type %q, got %q", c.sql, i, typ, aws.ToString(r.ColumnMetadata[i].TypeName))
				}
			}
			var got [][]string
			for _, rec := range r.Records {
				var row []string
				for _, f := range rec {
					row = append(row, fieldText(t, f))
				}
				got = append(got, row)
			}
			if !sameRows(c.expect, got, c.unordered) {
				t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.expect)
			}
		})
	}
}

func columnNames(md []types.ColumnMetadata) []string {
	var out []string
	for _, m := range md {
		out = append(out, aws.ToString(m.Name))
	}
	return out
}

func sameRows(want, got [][]string, unordered bool) bool {
	if len(want) != len(got) {
		return false
	}
	used := make([]bool, len(got))
	for i, w := range want {
		if !unordered {
			if !sameRow(w, got[i]) {
				return false
			}
			continue
		}
		found := false
		for j, g := range got {
			if !used[j] && sameRow(w, g) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func sameRow(want, got []string) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if !sameValue(want[i], got[i]) {
			return false
		}
	}
	return true
}

// TestInstalledFunctionsCorpus runs AWS's examples of the functions rsdata
// installs (internal/dialect/testdata/corpus/functions.txt).
func TestInstalledFunctionsCorpus(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	runCorpus(t, env, "functions.txt")
}

// TestSystemViewsCorpus runs the system-view cases
// (internal/dialect/testdata/corpus/system-views.txt).
func TestSystemViewsCorpus(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	runCorpus(t, env, "system-views.txt")
}
