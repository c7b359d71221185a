package redshiftdata_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rsdata/rsdata/internal/dialect/corpus"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// corpusScript runs every case through the Data API with boto3, one
// process for all: it reads the cases as JSON on stdin and prints one
// result per case as JSON. A case with setup statements runs them and
// its sql in one session, which ends with the sql (a keep-alive of 0, so
// that open sessions do not hold every pooled connection); each statement
// is polled to its end. Values
// are written in their text form: numbers as Python prints them, booleans
// as t and f, NULL as \N.
const corpusScript = `
import json, sys, time
import boto3

rsd = boto3.client("redshift-data", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
target = {"ClusterIdentifier": "local", "Database": sys.argv[4], "DbUser": "awsuser"}

def wait(sid):
    while True:
        d = rsd.describe_statement(Id=sid)
        if d["Status"] in ("FINISHED", "FAILED", "ABORTED"):
            return d
        time.sleep(0.01)

def text(f):
    if f.get("isNull"):
        return "\\N"
    if "booleanValue" in f:
        return "t" if f["booleanValue"] else "f"
    if "blobValue" in f:
        return f["blobValue"].hex()
    if "doubleValue" in f:
        return str(float(f["doubleValue"]))  # JSON's 10 is the double 10.0
    for k in ("stringValue", "longValue"):
        if k in f:
            return str(f[k])
    return repr(f)

out = []
for case in json.load(sys.stdin):
    res = {"name": case["name"]}
    t0 = time.time()
    session = None
    try:
        for sql in case["setup"] + [case["sql"]]:
            args = {"Sql": sql}
            if session:
                args["SessionId"] = session
                if sql is case["sql"]:
                    args["SessionKeepAliveSeconds"] = 0  # the session ends with the case
            else:
                args.update(target)
                if case["setup"]:
                    args["SessionKeepAliveSeconds"] = 30
            r = rsd.execute_statement(**args)
            session = session or r.get("SessionId")
            d = wait(r["Id"])
            if d["Status"] != "FINISHED":
                res["status"], res["error"] = d["Status"], d.get("Error", "")
                res["failed_at"] = sql
                break
            if sql is case["sql"]:
                res["status"] = "FINISHED"
                if d.get("HasResultSet"):
                    rows, cols, token = [], None, None
                    while True:
                        page = rsd.get_statement_result(Id=r["Id"], **({"NextToken": token} if token else {}))
                        cols = cols or page["ColumnMetadata"]
                        rows += [[text(f) for f in rec] for rec in page["Records"]]
                        token = page.get("NextToken")
                        if not token:
                            break
                    res["rows"] = rows
                    res["columns"] = [c.get("name", "") for c in cols]
                    res["types"] = [c.get("typeName", "") for c in cols]
    except Exception as e:
        res["status"], res["error"] = "EXCEPTION", repr(e)
    res["seconds"] = time.time() - t0
    out.append(res)
print(json.dumps(out))
`

type corpusResult struct {
	Name     string
	Status   string
	Error    string
	FailedAt string `json:"failed_at"`
	Seconds  float64
	Rows     [][]string
	Columns  []string
	Types    []string
}

// TestCorpus runs the shared SQL corpus (internal/dialect/testdata/corpus)
// through the Data API with boto3 on an engine of the Redshift dialect
// and compares each case with what AWS's documentation shows: its rows
// (in order unless the case says otherwise), its column names and
// ColumnMetadata type names when the case gives them, or its error.
func TestCorpus(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatalf("python3 is required: %v", err)
	}
	cases, err := corpus.Load(filepath.Join("..", "..", "dialect", "testdata", "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no corpus cases")
	}
	env := apptest.Start(t, apptest.Options{})

	type input struct {
		Name  string   `json:"name"`
		Setup []string `json:"setup"`
		SQL   string   `json:"sql"`
	}
	in := make([]input, len(cases))
	for i, c := range cases {
		in[i] = input{Name: c.Name, Setup: append([]string{}, c.Setup...), SQL: c.SQL}
	}
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "python3", "-c", corpusScript, env.Server.URL,
		apptest.AccessKeyID, apptest.SecretAccessKey, env.Database)
	cmd.Env = append(cmd.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1")
	cmd.Stdin = bytes.NewReader(body)
	raw, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("boto3: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("boto3: %v", err)
	}
	var results []corpusResult
	if err := json.Unmarshal(raw, &results); err != nil {
		t.Fatalf("boto3 output %.500s: %v", raw, err)
	}
	if len(results) != len(cases) {
		t.Fatalf("%d results for %d cases", len(results), len(cases))
	}
	for _, r := range results {
		if r.Seconds > 0.5 {
			t.Logf("slow: %.2fs %s", r.Seconds, r.Name)
		}
	}
	for i, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			checkCase(t, c, results[i])
		})
	}
}

func checkCase(t *testing.T, c corpus.Case, got corpusResult) {
	t.Helper()
	where := c.File + ":" + strconv.Itoa(c.Line)
	if c.Error != "" {
		if got.Status != "FAILED" || !strings.Contains(got.Error, c.Error) {
			t.Errorf("%s: %s %q, want FAILED with %q", where, got.Status, got.Error, c.Error)
		}
		if got.FailedAt != "" && got.FailedAt != c.SQL {
			t.Errorf("%s: a setup statement failed: %q", where, got.FailedAt)
		}
		return
	}
	if got.Status != "FINISHED" {
		t.Fatalf("%s: %s %q (at %q)", where, got.Status, got.Error, got.FailedAt)
	}
	if c.Columns != nil && !slices.Equal(got.Columns, c.Columns) {
		t.Errorf("%s: columns %q, want %q", where, got.Columns, c.Columns)
	}
	if c.Types != nil && !slices.Equal(got.Types, c.Types) {
		t.Errorf("%s: types %q, want %q", where, got.Types, c.Types)
	}
	if !c.Equal(got.Rows) {
		t.Errorf("%s: rows\n got %q\nwant %q", where, got.Rows, c.Rows)
	}
}
