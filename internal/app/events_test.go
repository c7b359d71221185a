package app_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftserverless"

	"github.com/rsdata/rsdata/internal/config"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

type statusEvent struct {
	Version    string   `json:"version"`
	ID         string   `json:"id"`
	DetailType string   `json:"detail-type"`
	Source     string   `json:"source"`
	Account    string   `json:"account"`
	Region     string   `json:"region"`
	Resources  []string `json:"resources"`
	Detail     struct {
		Principal     string `json:"principal"`
		StatementName string `json:"statementName"`
		StatementID   string `json:"statementId"`
		State         string `json:"state"`
		Rows          int64  `json:"rows"`
		ExpireAt      int64  `json:"expireAt"`
	} `json:"detail"`
}

// TestStatusChangeEvents runs statements WithEvent and expects one event
// each, in the EventBridge shape, in the file and at the webhook.
func TestStatusChangeEvents(t *testing.T) {
	var mu sync.Mutex
	var posted []statusEvent
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var ev statusEvent
		if err := json.Unmarshal(b, &ev); err != nil || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("webhook got %q (%s): %v", b, r.Header.Get("Content-Type"), err)
		}
		mu.Lock()
		posted = append(posted, ev)
		mu.Unlock()
	}))
	defer hook.Close()
	file := filepath.Join(t.TempDir(), "events.jsonl")
	env := apptest.Start(t, apptest.Options{Configure: func(c *config.Config) {
		c.EventsFile, c.EventsWebhook = file, hook.URL
	}})

	run := func(sql, name string, withEvent bool) string {
		in := &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"),
			Database: aws.String(env.Database), DbUser: aws.String("awsuser"), Sql: aws.String(sql),
			StatementName: aws.String(name), WithEvent: aws.Bool(withEvent)}
		if name == "on-workgroup" {
			in.ClusterIdentifier, in.DbUser, in.WorkgroupName = nil, nil, aws.String("default")
		}
		out, err := env.Client.ExecuteStatement(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		env.Wait(t, *out.Id)
		return *out.Id
	}
	ok := run("select generate_series(1, 3)", "three", true)
	bad := run("select * from nowhere", "broken", true)
	run("select 1", "silent", false)
	onWorkgroup := run("select 1", "on-workgroup", true)

	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(posted)
		mu.Unlock()
		if n >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook received %d events in 30 s, want 3", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	byID := map[string]statusEvent{}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ev statusEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("file line %q: %v", sc.Text(), err)
		}
		byID[ev.Detail.StatementID] = ev
		lines++
	}
	if lines != 3 {
		t.Fatalf("events file has %d lines, want 3", lines)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range posted {
		if fe, ok := byID[p.Detail.StatementID]; !ok || fe.ID != p.ID {
			t.Errorf("webhook event %s (%s) differs from the file's", p.ID, p.Detail.StatementID)
		}
	}
	e := byID[ok]
	if e.Version != "0" || e.DetailType != "Redshift Data Statement Status Change" || e.Source != "aws.redshift-data" ||
		e.Account != apptest.AccountID || e.Region != apptest.Region || len(e.Resources) != 1 ||
		e.Resources[0] != "arn:aws:redshift:us-east-1:123456789012:cluster:local" ||
		e.Detail.Principal != "arn:aws:iam::123456789012:root" || e.Detail.StatementName != "three" ||
		e.Detail.State != "FINISHED" || e.Detail.Rows != 3 || len(e.ID) != 36 {
		t.Errorf("FINISHED event: %+v", e)
	}
	if until := time.Until(time.Unix(e.Detail.ExpireAt, 0)); until < 23*time.Hour || until > 25*time.Hour {
		t.Errorf("expireAt %d is not about 24 h away", e.Detail.ExpireAt)
	}
	if byID[bad].Detail.State != "FAILED" {
		t.Errorf("FAILED event: %+v", byID[bad])
	}
	// A workgroup's event names it by the ARN GetWorkgroup reports
	// (workgroup/<id>), as every other API does.
	wg, err := redshiftserverless.NewFromConfig(env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey)).
		GetWorkgroup(ctx, &redshiftserverless.GetWorkgroupInput{WorkgroupName: aws.String("default")})
	if err != nil {
		t.Fatal(err)
	}
	if got := byID[onWorkgroup].Resources; len(got) != 1 || got[0] != aws.ToString(wg.Workgroup.WorkgroupArn) {
		t.Errorf("workgroup event resources = %v, want [%s]", got, aws.ToString(wg.Workgroup.WorkgroupArn))
	}
}
