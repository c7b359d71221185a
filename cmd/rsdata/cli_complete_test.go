package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// TestCLICompleteDataAPI drives the rest of the Data API through the AWS CLI
// exactly as the README shows it: batches, parameters, CSV results,
// sessions, the catalog and status-change events.
func TestCLICompleteDataAPI(t *testing.T) {
	t.Parallel()
	events := newDataDir(t) + "/events.jsonl"
	s := startServe(t, serveOptions{Args: []string{"--events-file", events}})
	env := awsEnv(t, s.PrintedEnv())
	cluster := []string{"--cluster-identifier", "local", "--database", "dev", "--db-user", "awsuser"}
	run := func(into any, args ...string) {
		t.Helper()
		awsJSON(t, env, into, append([]string{"redshift-data"}, args...)...)
	}
	var submitted struct{ Id, SessionId string }
	records := func(id string) string {
		t.Helper()
		var r cliResult
		run(&r, "get-statement-result", "--id", id)
		return compactJSON(t, r.Records)
	}

	run(&submitted, append([]string{"batch-execute-statement", "--sqls", "create table t(x int)",
		"insert into t values (1), (2)", "select sum(x) from t"}, cluster...)...)
	var batch struct {
		Status        string
		SubStatements []struct{ Id, Status string }
	}
	cliWait(t, env, submitted.Id)
	run(&batch, "describe-statement", "--id", submitted.Id)
	if batch.Status != "FINISHED" || len(batch.SubStatements) != 3 || batch.SubStatements[2].Id != submitted.Id+":3" {
		t.Fatalf("batch: %+v", batch)
	}
	if got := records(submitted.Id + ":3"); got != `[[{"longValue":3}]]` {
		t.Errorf("batch sub 3 records = %s", got)
	}

	run(&submitted, append([]string{"execute-statement", "--sql", "select :id::int + 1 as next, :name as who",
		"--parameters", `[{"name":"id","value":"41"},{"name":"name","value":"O'Brien"}]`}, cluster...)...)
	if d := cliWait(t, env, submitted.Id); d.QueryString != "select :id::int + 1 as next, :name as who" {
		t.Errorf("QueryString = %q", d.QueryString)
	}
	if got := records(submitted.Id); got != `[[{"longValue":42},{"stringValue":"O'Brien"}]]` {
		t.Errorf("parameters records = %s", got)
	}

	run(&submitted, append([]string{"execute-statement", "--result-format", "CSV",
		"--sql", "select g, 'row ' || g as label from generate_series(1, 3) g"}, cluster...)...)
	cliWait(t, env, submitted.Id)
	var v2 struct {
		Records      []struct{ CSVRecords string }
		ResultFormat string
		TotalNumRows int64
	}
	run(&v2, "get-statement-result-v2", "--id", submitted.Id)
	if len(v2.Records) != 1 || v2.Records[0].CSVRecords != "g,label\r\n1,row 1\r\n2,row 2\r\n3,row 3\r\n" || v2.TotalNumRows != 3 || v2.ResultFormat != "CSV" {
		t.Errorf("get-statement-result-v2: %+v", v2)
	}

	run(&submitted, append([]string{"execute-statement", "--session-keep-alive-seconds", "300",
		"--sql", "create temp table scratch as select 42 as x"}, cluster...)...)
	sid := submitted.SessionId
	if sid == "" {
		t.Fatal("no SessionId from --session-keep-alive-seconds")
	}
	cliWait(t, env, submitted.Id)
	run(&submitted, "execute-statement", "--session-id", sid, "--sql", "select x from scratch")
	cliWait(t, env, submitted.Id)
	if got := records(submitted.Id); got != `[[{"longValue":42}]]` {
		t.Errorf("session records = %s", got)
	}

	var tables struct {
		Tables []struct{ Name, Schema, Type string }
	}
	run(&tables, append([]string{"list-tables", "--schema-pattern", "pub%"}, cluster...)...)
	if len(tables.Tables) != 1 || tables.Tables[0].Name != "t" || tables.Tables[0].Type != "TABLE" {
		t.Errorf("list-tables: %+v", tables)
	}
	var desc struct {
		TableName  string
		ColumnList []struct{ Name, TypeName string }
	}
	run(&desc, append([]string{"describe-table", "--schema", "public", "--table", "t"}, cluster...)...)
	if desc.TableName != "t" || len(desc.ColumnList) != 1 || desc.ColumnList[0].TypeName != "int4" {
		t.Errorf("describe-table: %+v", desc)
	}

	run(&submitted, append([]string{"execute-statement", "--with-event", "--statement-name", "evented", "--sql", "select 1"}, cluster...)...)
	cliWait(t, env, submitted.Id)
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, _ := readFileIfExists(events)
		if strings.Contains(data, submitted.Id) {
			var ev struct {
				Source string `json:"source"`
				Detail struct {
					StatementName string `json:"statementName"`
					State         string `json:"state"`
				} `json:"detail"`
			}
			line := data[strings.LastIndex(strings.TrimSpace(data), "\n")+1:]
			if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.Source != "aws.redshift-data" ||
				ev.Detail.StatementName != "evented" || ev.Detail.State != "FINISHED" {
				t.Errorf("event line %q: %+v %v", line, ev, err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no event for %s in %s after 30 s", submitted.Id, events)
		}
		time.Sleep(pollInterval)
	}
}

func readFileIfExists(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
