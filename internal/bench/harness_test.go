package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rsdata/rsdata/internal/machinecpu"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// scanSQL produces n rows of the six column types the paging benchmarks
// move: int4, int8, text, float8, timestamp and bool.
func scanSQL(n int) string {
	return fmt.Sprintf(`select g::int4, g::int8, 'row ' || g, (g * 0.5)::float8,
		timestamp '2024-01-01' + g * interval '1 second', g %% 2 = 0
		from generate_series(1, %d) g`, n)
}

// floorPool opens a pgx pool on the App's own PostgreSQL server and target
// database, through the same Unix socket and as the same user the App's
// executor uses, so the floor differs from the App only by what rsdata adds.
func floorPool(tb testing.TB, env *apptest.Env) *pgxpool.Pool {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := pgxpool.New(ctx, env.PG.ConnString("awsuser", env.Database))
	if err != nil {
		tb.Fatalf("floor pool: %v", err)
	}
	tb.Cleanup(p.Close)
	if err := p.Ping(ctx); err != nil {
		tb.Fatalf("floor pool: %v", err)
	}
	return p
}

// execute submits sql to the cluster "local" as awsuser.
func execute(ctx context.Context, c *redshiftdata.Client, env *apptest.Env, sql string) (string, error) {
	out, err := c.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
		ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database),
		DbUser: aws.String("awsuser"), Sql: aws.String(sql),
	})
	if err != nil {
		return "", err
	}
	return *out.Id, nil
}

// waitFinished polls DescribeStatement until the statement is FINISHED,
// pausing pause between polls (0: poll again at once, as a latency-minded
// client does). It returns the final description and how many polls it took.
func waitFinished(ctx context.Context, c *redshiftdata.Client, id string, pause time.Duration) (*redshiftdata.DescribeStatementOutput, int, error) {
	for polls := 1; ; polls++ {
		d, err := c.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: aws.String(id)})
		if err != nil {
			return nil, polls, err
		}
		switch d.Status {
		case types.StatusStringFinished:
			return d, polls, nil
		case types.StatusStringFailed, types.StatusStringAborted:
			return d, polls, fmt.Errorf("statement %s ended %s: %s", id, d.Status, aws.ToString(d.Error))
		}
		if pause > 0 {
			t := time.NewTimer(pause)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, polls, ctx.Err()
			}
		} else if err := ctx.Err(); err != nil {
			return nil, polls, err
		}
	}
}

// roundTripSelect1 is one Execute -> Describe (until FINISHED) ->
// GetStatementResult of `select 1`, checking the answer. It returns how
// many DescribeStatement calls it made.
func roundTripSelect1(ctx context.Context, c *redshiftdata.Client, env *apptest.Env) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	id, err := execute(ctx, c, env, "select 1")
	if err != nil {
		return 0, err
	}
	_, polls, err := waitFinished(ctx, c, id, 0)
	if err != nil {
		return polls, err
	}
	r, err := c.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: aws.String(id)})
	if err != nil {
		return polls, err
	}
	if len(r.Records) != 1 || len(r.Records[0]) != 1 {
		return polls, fmt.Errorf("select 1 returned %d records", len(r.Records))
	}
	if v, ok := r.Records[0][0].(*types.FieldMemberLongValue); !ok || v.Value != 1 {
		return polls, fmt.Errorf("select 1 returned %#v", r.Records[0][0])
	}
	return polls, nil
}

// pageAll reads every page of a finished statement's result through the
// SDK, discarding the records, and returns how many rows and pages it read.
func pageAll(ctx context.Context, c *redshiftdata.Client, id string) (rows int64, pages int, err error) {
	var token *string
	for {
		r, err := c.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: aws.String(id), NextToken: token})
		if err != nil {
			return rows, pages, err
		}
		rows += int64(len(r.Records))
		pages++
		if r.NextToken == nil || *r.NextToken == "" {
			if rows != r.TotalNumRows {
				return rows, pages, fmt.Errorf("read %d rows, TotalNumRows is %d", rows, r.TotalNumRows)
			}
			return rows, pages, nil
		}
		token = r.NextToken
	}
}

// runAndPage executes sql, waits until it is FINISHED and reads every page,
// as a client fetching a whole result does. It returns the rows read and the
// time spent until FINISHED and then paging.
func runAndPage(ctx context.Context, c *redshiftdata.Client, env *apptest.Env, sql string) (rows int64, exec, paging time.Duration, err error) {
	start := time.Now()
	id, err := execute(ctx, c, env, sql)
	if err != nil {
		return 0, 0, 0, err
	}
	// A result this large takes seconds; polling every 5 ms adds at most
	// that much and keeps the polls off the CPU the server needs.
	if _, _, err := waitFinished(ctx, c, id, 5*time.Millisecond); err != nil {
		return 0, 0, 0, err
	}
	exec = time.Since(start)
	rows, _, err = pageAll(ctx, c, id)
	return rows, exec, time.Since(start) - exec, err
}

// floorScan runs sql with pgx and scans all six columns into Go values.
func floorScan(ctx context.Context, p *pgxpool.Pool, sql string) (int64, error) {
	rows, err := p.Query(ctx, sql)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var (
		n  int64
		i4 int32
		i8 int64
		s  string
		f  float64
		ts time.Time
		bo bool
	)
	for rows.Next() {
		if err := rows.Scan(&i4, &i8, &s, &f, &ts, &bo); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// measureOps runs one warm times, then once per b.Loop iteration, and
// reports the measured operations' latency percentiles and the machine's
// CPU per operation. one returns how many DescribeStatement calls it made;
// describes/op is reported when any did. It returns how many operations it
// measured.
func measureOps(b *testing.B, warm int, one func() (int, error)) int {
	b.Helper()
	for range warm {
		if _, err := one(); err != nil {
			b.Fatalf("warm-up: %v", err)
		}
	}
	var durs []time.Duration
	polls := 0
	cpu := readCPU(b)
	for b.Loop() {
		start := time.Now()
		n, err := one()
		if err != nil {
			b.Fatal(err)
		}
		durs = append(durs, time.Since(start))
		polls += n
	}
	reportPercentiles(b, durs)
	reportCPU(b, cpu, len(durs))
	if polls > 0 {
		b.ReportMetric(float64(polls)/float64(len(durs)), "describes/op")
	}
	return len(durs)
}

// reportPercentiles reports the 50th and 90th percentiles of per-operation
// durations, in nanoseconds.
func reportPercentiles(b *testing.B, durs []time.Duration) {
	b.Helper()
	if len(durs) == 0 {
		return
	}
	slices.Sort(durs)
	// Nearest rank: the smallest duration at least q of the samples reach.
	at := func(q float64) time.Duration {
		return durs[max(0, int(math.Ceil(q*float64(len(durs))))-1)]
	}
	b.ReportMetric(float64(at(0.50).Nanoseconds()), "p50-ns/op")
	b.ReportMetric(float64(at(0.90).Nanoseconds()), "p90-ns/op")
}

// readCPU reads the machine's CPU time (see package machinecpu).
func readCPU(tb testing.TB) machinecpu.Reading {
	tb.Helper()
	r, err := machinecpu.Read()
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// reportCPU reports the machine's busy CPU time per operation since from,
// for ops operations, and the share of the machine's time stolen by the
// hypervisor meanwhile. Busy time counts every process on the machine: the
// benchmark's client and server, PostgreSQL's backends, the kernel's
// network work. With all of them on the same two cores it bounds what they
// can do together: two cores cannot complete more than 2 s / cpu-ns
// operations a second.
func reportCPU(b *testing.B, from machinecpu.Reading, ops int) {
	b.Helper()
	d := readCPU(b).Since(from)
	if ops == 0 || d.Total == 0 {
		return
	}
	b.ReportMetric(float64(d.Busy.Nanoseconds())/float64(ops), "cpu-ns/op")
	b.ReportMetric(100*d.StealShare(), "steal-%")
}

// rawPager reads result pages with signed HTTP requests and no SDK: it
// reads each reply whole and takes only its NextToken, so what it measures
// is the server's side of paging without the SDK's decoding of records.
type rawPager struct {
	url    string
	client *http.Client
	signer *v4.Signer
	creds  aws.Credentials
}

func newRawPager(env *apptest.Env) *rawPager {
	return &rawPager{url: env.Server.URL + "/", client: &http.Client{}, signer: v4.NewSigner(),
		creds: aws.Credentials{AccessKeyID: apptest.AccessKeyID, SecretAccessKey: apptest.SecretAccessKey}}
}

// nextTokenField precedes the NextToken at the end of a GetStatementResult
// reply; the server writes it last, after the records.
var nextTokenField = []byte(`"NextToken":"`)

// call sends one signed JSON 1.1 request and returns the reply body; a
// status other than 200 is an error.
func (p *rawPager) call(ctx context.Context, op string, in any, buf *bytes.Buffer) ([]byte, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "RedshiftData."+op)
	sum := sha256.Sum256(body)
	if err := p.signer.SignHTTP(ctx, p.creds, req, hex.EncodeToString(sum[:]), "redshift-data", apptest.Region, time.Now()); err != nil {
		return nil, err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s: %s", op, resp.Status, buf.Bytes()[:min(buf.Len(), 300)])
	}
	return buf.Bytes(), nil
}

// pageAll reads every page of statement id and returns the bytes read.
func (p *rawPager) pageAll(ctx context.Context, id string) (int64, error) {
	var total int64
	var buf bytes.Buffer
	token := ""
	for {
		in := map[string]string{"Id": id}
		if token != "" {
			in["NextToken"] = token
		}
		b, err := p.call(ctx, "GetStatementResult", in, &buf)
		if err != nil {
			return total, err
		}
		total += int64(len(b))
		var more bool
		if token, more, err = nextToken(b); err != nil || !more {
			return total, err
		}
	}
}

// nextToken returns the NextToken of a GetStatementResult reply, and false
// when the reply is the last page.
func nextToken(reply []byte) (string, bool, error) {
	i := bytes.LastIndex(reply, nextTokenField)
	if i < 0 {
		return "", false, nil
	}
	rest := reply[i+len(nextTokenField):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return "", false, fmt.Errorf("unterminated NextToken")
	}
	return string(rest[:end]), true, nil
}
