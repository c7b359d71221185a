package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"

	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

var sdkDefaultTransport = flag.Bool("sdk-default-transport", false,
	"give the SDK clients the SDK's default HTTP client instead of apptest.BufferedBodies; "+
		"the round trips then reconnect every few requests and BenchmarkPage1M fails")

// sdkClient returns a Data API client for env: the real SDK client, over
// apptest.BufferedBodies unless -sdk-default-transport is given.
func sdkClient(env *apptest.Env) *redshiftdata.Client {
	if *sdkDefaultTransport {
		cfg := env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey)
		cfg.HTTPClient = nil
		return redshiftdata.NewFromConfig(cfg)
	}
	return env.NewClient(apptest.AccessKeyID, apptest.SecretAccessKey)
}

// warmUp runs a few round trips so pools hold connections and the first
// measured iteration pays no set-up cost.
func warmUp(b *testing.B, env *apptest.Env, c *redshiftdata.Client) {
	b.Helper()
	for range 10 {
		if _, err := roundTripSelect1(context.Background(), c, env); err != nil {
			b.Fatalf("warm-up: %v", err)
		}
	}
}

// BenchmarkFloorSelect1 is the floor of the round-trip benchmarks: `select 1`
// through a pgxpool on the same server and database the App uses.
func BenchmarkFloorSelect1(b *testing.B) {
	env := apptest.Start(b, apptest.Options{})
	p := floorPool(b, env)
	ctx := context.Background()
	measureOps(b, 10, func() (int, error) {
		var v int
		if err := p.QueryRow(ctx, "select 1").Scan(&v); err != nil || v != 1 {
			return 0, fmt.Errorf("select 1: %v, %d", err, v)
		}
		return 0, nil
	})
}

// BenchmarkRoundTripSelect1 measures what one client waits for `select 1`:
// ExecuteStatement, DescribeStatement until FINISHED (polled back to back,
// no pause), then GetStatementResult, all through the real SDK client (over
// apptest.BufferedBodies; see sdkClient). describes/op is how many
// DescribeStatement calls a round trip took.
func BenchmarkRoundTripSelect1(b *testing.B) {
	env := apptest.Start(b, apptest.Options{})
	c := sdkClient(env)
	ctx := context.Background()
	measureOps(b, 10, func() (int, error) { return roundTripSelect1(ctx, c, env) })
}

// BenchmarkRoundTripConcurrent16 runs the `select 1` round trip from 16
// clients at once, each its own SDK client (and so its own connection), and
// reports completed round trips per second.
func BenchmarkRoundTripConcurrent16(b *testing.B) {
	env := apptest.Start(b, apptest.Options{})
	clients := make([]*redshiftdata.Client, concurrentClients)
	for i := range clients {
		clients[i] = sdkClient(env)
	}
	ctx := context.Background()
	runConcurrent(b, func(i int) (int, error) { return roundTripSelect1(ctx, clients[i], env) })
}

// BenchmarkRoundTripConcurrent16Raw is BenchmarkRoundTripConcurrent16 with
// signed HTTP requests instead of the SDK (the same three calls, Describe
// polled back to back): the server's capacity when its clients cost less
// CPU than the SDK's, on the same two cores. It is an attribution aid.
func BenchmarkRoundTripConcurrent16Raw(b *testing.B) {
	env := apptest.Start(b, apptest.Options{})
	clients := make([]*rawPager, concurrentClients)
	bufs := make([]bytes.Buffer, concurrentClients)
	for i := range clients {
		clients[i] = newRawPager(env)
	}
	ctx := context.Background()
	runConcurrent(b, func(i int) (int, error) { return rawRoundTripSelect1(ctx, clients[i], env, &bufs[i]) })
}

// concurrentClients is how many clients the concurrent benchmarks run.
const concurrentClients = 16

// runConcurrent runs b.N round trips from concurrentClients goroutines, one
// (client i) warm-up round trip each first, and reports round trips per
// second, Describe calls per round trip and latency percentiles. one runs
// a round trip as client i and returns its Describe count.
func runConcurrent(b *testing.B, one func(i int) (int, error)) {
	// Warm every client's connection and enough pooled database
	// connections for 16 statements at once.
	var wg sync.WaitGroup
	for i := range concurrentClients {
		wg.Go(func() {
			if _, err := one(i); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}

	var next, polls atomic.Int64
	lat := make([][]time.Duration, concurrentClients)
	b.ResetTimer()
	cpu := readCPU(b)
	start := time.Now()
	for i := range concurrentClients {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				n, err := one(i)
				if err != nil {
					b.Error(err)
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
				polls.Add(int64(n))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "roundtrips/s")
	if polls.Load() > 0 {
		b.ReportMetric(float64(polls.Load())/float64(len(all)), "describes/op")
	}
	reportPercentiles(b, all)
	reportCPU(b, cpu, len(all))
}

// rows1M is the size of the paging benchmarks' result.
const rows1M = 1_000_000

// BenchmarkFloorScan1M is the floor of BenchmarkPage1M: pgx runs the same
// query on the same server and database and scans every column of every row
// into Go values.
func BenchmarkFloorScan1M(b *testing.B) {
	env := apptest.Start(b, apptest.Options{})
	p := floorPool(b, env)
	sql := scanSQL(rows1M)
	ctx := context.Background()
	var rows int64
	for b.Loop() {
		n, err := floorScan(ctx, p, sql)
		if err != nil || n != rows1M {
			b.Fatalf("scan: %v, %d rows", err, n)
		}
		rows += n
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkPage1M fetches a 1,000,000-row, six-column result end to end:
// ExecuteStatement, DescribeStatement until FINISHED, then every page with
// GetStatementResult through the SDK, which decodes each page.
func BenchmarkPage1M(b *testing.B) {
	env := apptest.Start(b, apptest.Options{})
	c := sdkClient(env)
	warmUp(b, env, c)
	sql := scanSQL(rows1M)
	ctx := context.Background()
	var rows int64
	var exec, paging time.Duration
	iters := 0
	for b.Loop() {
		n, e, p, err := runAndPage(ctx, c, env, sql)
		if err != nil || n != rows1M {
			b.Fatalf("page: %v, %d rows", err, n)
		}
		rows += n
		exec += e
		paging += p
		iters++
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(exec.Seconds()/float64(iters), "execute-s/op")
	b.ReportMetric(paging.Seconds()/float64(iters), "paging-s/op")
}

// BenchmarkPage1MServerOnly is BenchmarkPage1M with the pages fetched by
// signed HTTP requests whose replies are read but not decoded: the server's
// share of paging, without the SDK's JSON decoding. It is an attribution
// aid, not a target.
func BenchmarkPage1MServerOnly(b *testing.B) {
	env := apptest.Start(b, apptest.Options{})
	c := sdkClient(env)
	warmUp(b, env, c)
	p := newRawPager(env)
	sql := scanSQL(rows1M)
	ctx := context.Background()
	var exec, paging time.Duration
	var bytesRead int64
	iters := 0
	for b.Loop() {
		start := time.Now()
		id, err := execute(ctx, c, env, sql)
		if err != nil {
			b.Fatal(err)
		}
		d, _, err := waitFinished(ctx, c, id, 5*time.Millisecond)
		if err != nil || d.ResultRows != rows1M {
			b.Fatalf("execute: %v", err)
		}
		exec += time.Since(start)
		t := time.Now()
		n, err := p.pageAll(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		paging += time.Since(t)
		bytesRead += n
		iters++
	}
	b.ReportMetric(float64(iters*rows1M)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(exec.Seconds()/float64(iters), "execute-s/op")
	b.ReportMetric(paging.Seconds()/float64(iters), "paging-s/op")
	b.ReportMetric(float64(bytesRead)/float64(iters)/1e6, "reply-MB/op")
}

// BenchmarkPage1MReplay measures the Go SDK's own ceiling for paging the
// 1M-row JSON result: rsdata's 152 replies are captured once into files,
// then served by a handler that only looks the NextToken up and copies the
// file (sendfile), and the SDK pages through them as in BenchmarkPage1M.
// No server can serve the pages much faster than this one, so 1M /
// paging-s/op is about the most any server could reach with this client
// even if its statement took no time. The replies are kept in files, not
// in memory, so that 159 MB of live heap does not make the process's
// garbage collector run less often than it does in BenchmarkPage1M. It is
// an attribution aid, not a target.
func BenchmarkPage1MReplay(b *testing.B) {
	env := apptest.Start(b, apptest.Options{})
	c := sdkClient(env)
	ctx := context.Background()
	id, err := execute(ctx, c, env, scanSQL(rows1M))
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := waitFinished(ctx, c, id, 5*time.Millisecond); err != nil {
		b.Fatal(err)
	}
	// Capture every reply, keyed by the NextToken that asks for it.
	dir := b.TempDir()
	replies := map[string]string{} // NextToken: file
	p := newRawPager(env)
	var buf bytes.Buffer
	for token, more := "", true; more; {
		in := map[string]string{"Id": id}
		if token != "" {
			in["NextToken"] = token
		}
		reply, err := p.call(ctx, "GetStatementResult", in, &buf)
		if err != nil {
			b.Fatal(err)
		}
		file := filepath.Join(dir, strconv.Itoa(len(replies)))
		if err := os.WriteFile(file, reply, 0o600); err != nil {
			b.Fatal(err)
		}
		replies[token] = file
		if token, more, err = nextToken(reply); err != nil {
			b.Fatal(err)
		}
	}
	replay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ NextToken string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		file, ok := replies[in.NextToken]
		if !ok {
			http.Error(w, "unknown NextToken", http.StatusBadRequest)
			return
		}
		f, err := os.Open(file)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
		_, _ = io.Copy(w, f)
	}))
	b.Cleanup(replay.Close)
	cfg := env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey)
	cfg.BaseEndpoint = aws.String(replay.URL)
	rc := redshiftdata.NewFromConfig(cfg)
	var rows int64
	var paging time.Duration
	iters := 0
	for b.Loop() {
		start := time.Now()
		n, pages, err := pageAll(ctx, rc, id)
		if err != nil || n != rows1M || pages != len(replies) {
			b.Fatalf("replay: %v, %d rows in %d pages (captured %d)", err, n, pages, len(replies))
		}
		paging += time.Since(start)
		rows += n
		iters++
	}
	b.ReportMetric(float64(rows)/paging.Seconds(), "rows/s")
	b.ReportMetric(paging.Seconds()/float64(iters), "paging-s/op")
	b.ReportMetric(float64(len(replies)), "pages")
}

// BenchmarkDescribeFinished is one DescribeStatement call for a finished
// statement through the SDK client: the cost of one poll of the round trip
// (SDK, HTTP, SigV4 verification and the API layer) with no store access.
// It is an attribution aid, not a target.
func BenchmarkDescribeFinished(b *testing.B) {
	env := apptest.Start(b, apptest.Options{})
	c := sdkClient(env)
	warmUp(b, env, c)
	ctx := context.Background()
	id, err := execute(ctx, c, env, "select 1")
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := waitFinished(ctx, c, id, time.Millisecond); err != nil {
		b.Fatal(err)
	}
	in := &redshiftdata.DescribeStatementInput{Id: &id}
	measureOps(b, 0, func() (int, error) {
		d, err := c.DescribeStatement(ctx, in)
		if err == nil && d.Status != "FINISHED" {
			err = fmt.Errorf("statement is %s", d.Status)
		}
		return 0, err
	})
}

// BenchmarkFloorHTTP is an attribution aid: one bare net/http exchange on
// loopback, a 60-byte POST answered with a 40-byte JSON body by a handler
// that does nothing else, from one client and from 16 at once. Its
// cpu-ns/op is what each of a round trip's three API calls costs the
// machine before rsdata does any work.
func BenchmarkFloorHTTP(b *testing.B) {
	reply := []byte(`{"Id":"00000000-0000-0000-0000-000000000000"}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("Content-Length", strconv.Itoa(len(reply)))
		_, _ = w.Write(reply)
	}))
	b.Cleanup(srv.Close)
	body := []byte(`{"ClusterIdentifier":"local","Database":"dev","Sql":"select 1"}`)
	exchange := func(c *http.Client) error {
		resp, err := c.Post(srv.URL+"/", "application/x-amz-json-1.1", bytes.NewReader(body))
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return err
	}
	b.Run("1", func(b *testing.B) {
		c := &http.Client{}
		measureOps(b, 10, func() (int, error) { return 0, exchange(c) })
	})
	b.Run("16", func(b *testing.B) {
		clients := make([]*http.Client, concurrentClients)
		for i := range clients {
			clients[i] = &http.Client{}
		}
		runConcurrent(b, func(i int) (int, error) { return 0, exchange(clients[i]) })
	})
}
