package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape GETs url without a signature and parses the text exposition.
func scrape(t testing.TB, url string) map[string]*dto.MetricFamily {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing %s: %v", url, err)
	}
	return fams
}

// value is the value of the series of family name whose labels include
// want, and whether there is one.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
series:
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue series
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// TestMetrics drives a real server through a refused call, a statement
// with a result read back and issued database credentials, then scrapes
// /metrics on the API endpoint without a signature and checks each
// family moved as it should.
func TestMetrics(t *testing.T) {
	eventsFile := filepath.Join(t.TempDir(), "events.jsonl")
	s := startServe(t, serveOptions{Args: []string{"--events-file", eventsFile}})
	rc := s.RootCredentials()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	root := s.RootClient()
	_, err := root.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: aws.String("not-a-statement-id")})
	wantCode(t, err, "ValidationException")
	in := onCluster("select g from generate_series(1, 100) g")
	in.WithEvent = aws.Bool(true)
	id := execute(t, root, in)
	mustFinish(t, root, id)
	rows, _, _ := allRecords(t, root, id)
	if len(rows) != 100 {
		t.Fatalf("got %d rows, want 100", len(rows))
	}
	rs := redshift.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(s.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(rc.AccessKeyID, rc.SecretAccessKey, "")})
	if _, err := rs.GetClusterCredentials(ctx, &redshift.GetClusterCredentialsInput{ClusterIdentifier: aws.String("local"),
		DbUser: aws.String("reporter"), DbName: aws.String("dev"), AutoCreate: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}

	// Requests are counted after their reply is written: poll.
	var fams map[string]*dto.MetricFamily
	deadline := time.Now().Add(10 * time.Second)
	for {
		fams = scrape(t, s.Endpoint+"/metrics")
		req, _ := value(fams, "rsdata_requests_total", map[string]string{"operation": "GetClusterCredentials"})
		ev, _ := value(fams, "rsdata_events_total", map[string]string{"outcome": "delivered"})
		if req == 1 && ev == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		ok     func(float64) bool
		want   string
	}{
		{"rsdata_requests_total", map[string]string{"service": "redshift-data", "operation": "DescribeStatement", "code": "ValidationException"}, eq(1), "1"},
		{"rsdata_requests_total", map[string]string{"service": "redshift-data", "operation": "ExecuteStatement", "code": ""}, eq(1), "1"},
		{"rsdata_requests_total", map[string]string{"service": "redshift", "operation": "GetClusterCredentials", "code": ""}, eq(1), "1"},
		{"rsdata_request_duration_seconds", map[string]string{"service": "redshift-data", "operation": "ExecuteStatement"}, eq(1), "1 observation"},
		{"rsdata_statements_total", map[string]string{"state": "FINISHED", "engine": "cluster/local"}, eq(1), "1"},
		{"rsdata_statement_run_seconds", map[string]string{"engine": "cluster/local"}, eq(1), "1 observation"},
		{"rsdata_result_bytes_stored_total", nil, gt(100), "> 100"},
		{"rsdata_result_bytes_served_total", nil, gt(100), "> 100"},
		{"rsdata_active_sessions", nil, eq(0), "0"},
		{"rsdata_waiting_requests", nil, eq(0), "0"},
		{"rsdata_pool_connections", map[string]string{"engine": "cluster/local", "state": "idle"}, gt(0), "> 0"},
		{"rsdata_postgres_restarts_total", map[string]string{"server": "cluster-local"}, eq(0), "0"},
		{"rsdata_temporary_credentials_issued_total", nil, eq(1), "1"},
		{"rsdata_events_total", map[string]string{"sink": "file " + eventsFile, "outcome": "delivered"}, eq(1), "1"},
		{"rsdata_temporary_credentials_reaped_total", nil, eq(0), "0"},
		{"go_goroutines", nil, gt(0), "> 0"},
		{"process_resident_memory_bytes", nil, gt(0), "> 0"},
	} {
		v, ok := value(fams, c.name, c.labels)
		if !ok || !c.ok(v) {
			t.Errorf("%s%v = %v (present %v), want %s", c.name, c.labels, v, ok, c.want)
		}
	}
	// Served bytes are what GetStatementResult handed out, no more than
	// was stored.
	stored, _ := value(fams, "rsdata_result_bytes_stored_total", nil)
	served, _ := value(fams, "rsdata_result_bytes_served_total", nil)
	if served != stored {
		t.Errorf("served %v bytes of a one-page result stored as %v bytes", served, stored)
	}
	// /readyz reports the sink, not as a requirement.
	if code, r := s.readyz(t); code != http.StatusOK || r.component("event-sink", "file "+eventsFile) == nil ||
		!r.component("event-sink", "file "+eventsFile).Up || r.component("event-sink", "file "+eventsFile).Required {
		t.Errorf("/readyz %d %+v, want 200 with the file sink up and not required", code, r)
	}
	// Scrapes themselves are not API requests.
	if v, ok := value(fams, "rsdata_requests_total", map[string]string{"operation": ""}); ok {
		t.Errorf("a request without an operation was counted (%v)", v)
	}
}

func eq(want float64) func(float64) bool { return func(v float64) bool { return v == want } }
func gt(than float64) func(float64) bool { return func(v float64) bool { return v > than } }

// TestMetricsListen serves /metrics on --metrics-listen (here from
// RSDATA_METRICS_LISTEN) and not on the API endpoint. Its webhook refuses
// connections: the failed deliveries are counted, and /readyz reports the
// sink's last error while staying ready (events wait in the outbox).
func TestMetricsListen(t *testing.T) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
	hook := "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t))) + "/events"
	s := startServe(t, serveOptions{Env: []string{"RSDATA_METRICS_LISTEN=" + addr}, Args: []string{"--events-webhook", hook}})
	fams := scrape(t, "http://"+addr+"/metrics")
	if _, ok := value(fams, "rsdata_active_sessions", nil); !ok {
		t.Errorf("the metrics address serves no rsdata_active_sessions")
	}
	resp, err := http.Get(s.Endpoint + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK || strings.Contains(string(b), "rsdata_") {
		t.Errorf("the API endpoint still serves metrics: %s %.200s", resp.Status, b)
	}

	root := s.RootClient()
	in := onCluster("select 1")
	in.WithEvent = aws.Bool(true)
	mustFinish(t, root, execute(t, root, in))
	sink := "webhook " + hook
	deadline := time.Now().Add(20 * time.Second)
	for {
		fams = scrape(t, "http://"+addr+"/metrics")
		if v, _ := value(fams, "rsdata_events_total", map[string]string{"sink": sink, "outcome": "failed"}); v >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no failed delivery counted for %s", sink)
		}
		time.Sleep(50 * time.Millisecond)
	}
	code, r := s.waitReadyz(t, "the webhook's failure reported", 10*time.Second, func(_ int, r readyReport) bool {
		c := r.component("event-sink", sink)
		return c != nil && !c.Up
	})
	c := r.component("event-sink", sink)
	if code != http.StatusOK || c.Required || !strings.Contains(c.Error, "connection refused") {
		t.Errorf("/readyz %d, sink %+v: want 200 and the sink down, not required, with its error", code, c)
	}
}
