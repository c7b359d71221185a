package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"

	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// longPollSelect1 is the long-polled round trip: one ExecuteStatement with
// WaitTimeSeconds, whose reply already says FINISHED, then one
// GetStatementResult. The Go SDK predates WaitTimeSeconds, so the calls are
// signed JSON requests.
func longPollSelect1(ctx context.Context, p *rawPager, env *apptest.Env, buf *bytes.Buffer) error {
	b, err := p.call(ctx, "ExecuteStatement", map[string]any{"ClusterIdentifier": "local", "Database": env.Database,
		"DbUser": "awsuser", "Sql": "select 1", "WaitTimeSeconds": 10}, buf)
	if err != nil {
		return err
	}
	var out struct{ Id, Status string }
	if err := json.Unmarshal(b, &out); err != nil {
		return err
	}
	if out.Status != "FINISHED" {
		return fmt.Errorf("ExecuteStatement with WaitTimeSeconds returned %s", out.Status)
	}
	b, err = p.call(ctx, "GetStatementResult", map[string]string{"Id": out.Id}, buf)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(b, []byte(`{"Records":[[{"longValue":1}]]`)) {
		return fmt.Errorf("GetStatementResult returned %.100s", b)
	}
	return nil
}

// rawRoundTripSelect1 is roundTripSelect1 with signed JSON requests
// instead of the SDK: ExecuteStatement, DescribeStatement back to back until
// FINISHED, GetStatementResult, answer checked. It returns how many
// DescribeStatement calls it made.
func rawRoundTripSelect1(ctx context.Context, p *rawPager, env *apptest.Env, buf *bytes.Buffer) (int, error) {
	b, err := p.call(ctx, "ExecuteStatement", map[string]any{"ClusterIdentifier": "local", "Database": env.Database,
		"DbUser": "awsuser", "Sql": "select 1"}, buf)
	if err != nil {
		return 0, err
	}
	var out struct{ Id, Status string }
	if err := json.Unmarshal(b, &out); err != nil {
		return 0, err
	}
	id := map[string]string{"Id": out.Id}
	polls := 0
	for out.Status != "FINISHED" {
		polls++
		if b, err = p.call(ctx, "DescribeStatement", id, buf); err != nil {
			return polls, err
		}
		if err := json.Unmarshal(b, &out); err != nil {
			return polls, err
		}
		if out.Status == "FAILED" || out.Status == "ABORTED" {
			return polls, fmt.Errorf("select 1 ended %s", out.Status)
		}
	}
	if b, err = p.call(ctx, "GetStatementResult", id, buf); err != nil {
		return polls, err
	}
	if !bytes.HasPrefix(b, []byte(`{"Records":[[{"longValue":1}]]`)) {
		return polls, fmt.Errorf("GetStatementResult returned %.100s", b)
	}
	return polls, nil
}

// BenchmarkLongPollSelect1 measures the long-polled round trip for
// `select 1`; compare its p50 with BenchmarkFloorSelect1's.
func BenchmarkLongPollSelect1(b *testing.B) {
	env := apptest.Start(b, apptest.Options{})
	p := newRawPager(env)
	ctx := context.Background()
	var buf bytes.Buffer
	measureOps(b, 10, func() (int, error) { return 0, longPollSelect1(ctx, p, env, &buf) })
}

// BenchmarkRoundTripSelect1Raw is BenchmarkRoundTripSelect1 from one lean
// client (signed net/http requests, no SDK): the same three calls, Describe
// polled back to back. It is an attribution aid: the difference from
// BenchmarkRoundTripSelect1 is the SDK client's own cost on the shared cores.
func BenchmarkRoundTripSelect1Raw(b *testing.B) {
	env := apptest.Start(b, apptest.Options{})
	p := newRawPager(env)
	ctx := context.Background()
	var buf bytes.Buffer
	measureOps(b, 10, func() (int, error) { return rawRoundTripSelect1(ctx, p, env, &buf) })
}

// BenchmarkCSVPage1M runs the 1M-row, 6-column scan with ResultFormat CSV
// and reads every GetStatementResultV2 page through the SDK; compare its
// rows/s with BenchmarkFloorScan1M's.
func BenchmarkCSVPage1M(b *testing.B) {
	env := apptest.Start(b, apptest.Options{})
	c := sdkClient(env)
	ctx := context.Background()
	for b.Loop() {
		start := time.Now()
		out, err := c.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"),
			Database: aws.String(env.Database), DbUser: aws.String("awsuser"), Sql: aws.String(scanSQL(1_000_000)),
			ResultFormat: types.ResultFormatStringCsv})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := waitFinished(ctx, c, *out.Id, time.Millisecond); err != nil {
			b.Fatal(err)
		}
		executed := time.Since(start)
		var lines int64
		pg := redshiftdata.NewGetStatementResultV2Paginator(c, &redshiftdata.GetStatementResultV2Input{Id: out.Id})
		for pg.HasMorePages() {
			page, err := pg.NextPage(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range page.Records {
				lines += int64(strings.Count(r.(*types.QueryRecordsMemberCSVRecords).Value, "\r\n"))
			}
		}
		if lines != 1_000_001 {
			b.Fatalf("read %d CSV lines, want a header and 1,000,000 rows", lines)
		}
		total := time.Since(start)
		b.ReportMetric(1_000_000/total.Seconds(), "rows/s")
		b.ReportMetric(executed.Seconds(), "execute-s")
		b.ReportMetric((total - executed).Seconds(), "paging-s")
	}
}
