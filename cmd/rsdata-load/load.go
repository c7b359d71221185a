package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/machinecpu"
	"github.com/rsdata/rsdata/internal/sdkhttp"
)

// load is one run against one server.
type load struct {
	opts   options
	client *redshiftdata.Client
	out    io.Writer
}

func newLoad(opts options, out io.Writer) *load {
	cfg := aws.Config{
		Region:       opts.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(opts.KeyID, opts.Secret, opts.Token),
		BaseEndpoint: aws.String(opts.Endpoint),
		// A failed call is reported, not retried: the load stays as asked.
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient: &http.Client{Transport: sdkhttp.BufferedBodies{Next: &http.Transport{
			MaxIdleConns: 2 * maxStatements, MaxIdleConnsPerHost: 2 * maxStatements, IdleConnTimeout: time.Minute,
		}}},
	}
	return &load{opts: opts, client: redshiftdata.NewFromConfig(cfg), out: out}
}

func (l *load) execute(ctx context.Context, sql string) (string, error) {
	in := &redshiftdata.ExecuteStatementInput{Database: aws.String(l.opts.Database), Sql: aws.String(sql)}
	if l.opts.Workgroup != "" {
		in.WorkgroupName = aws.String(l.opts.Workgroup)
	} else {
		in.ClusterIdentifier, in.DbUser = aws.String(l.opts.Cluster), aws.String(l.opts.DbUser)
	}
	out, err := l.client.ExecuteStatement(ctx, in)
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Id), nil
}

// wait polls DescribeStatement, pausing pause between polls, until the
// statement is FINISHED (or fails, or ctx ends).
func (l *load) wait(ctx context.Context, id string, pause time.Duration) (*redshiftdata.DescribeStatementOutput, error) {
	for {
		d, err := l.client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: aws.String(id)})
		if err != nil {
			return nil, err
		}
		switch d.Status {
		case types.StatusStringFinished:
			return d, nil
		case types.StatusStringFailed, types.StatusStringAborted:
			return d, fmt.Errorf("statement %s ended %s: %s", id, d.Status, aws.ToString(d.Error))
		}
		if pause == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			continue
		}
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
}

// pageAll reads every page of a result and discards it, returning the rows
// and pages read.
func (l *load) pageAll(ctx context.Context, id string) (rows int64, pages int, err error) {
	var token *string
	for {
		r, err := l.client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: aws.String(id), NextToken: token})
		if err != nil {
			return rows, pages, err
		}
		rows += int64(len(r.Records))
		pages++
		if aws.ToString(r.NextToken) == "" {
			if rows != r.TotalNumRows {
				return rows, pages, fmt.Errorf("statement %s: read %d rows, TotalNumRows is %d", id, rows, r.TotalNumRows)
			}
			return rows, pages, nil
		}
		token = r.NextToken
	}
}

// largeResults runs the statements at once, waits for all, then pages
// through all results at once.
func (l *load) largeResults(ctx context.Context) error {
	var mem *sampler
	if l.opts.ServerPID > 0 {
		var err error
		if mem, err = startSampler(l.opts.ServerPID, 100*time.Millisecond); err != nil {
			return err
		}
		defer mem.stop()
	}
	sql := fmt.Sprintf("select repeat('x', %d) from generate_series(1, %d)", l.opts.Width, l.opts.Rows)
	fmt.Fprintf(l.out, "running %d statements at once: %s\n", l.opts.Statements, sql)

	start := time.Now()
	ids := make([]string, l.opts.Statements)
	for i := range ids {
		id, err := l.execute(ctx, sql)
		if err != nil {
			return fmt.Errorf("ExecuteStatement: %w", err)
		}
		ids[i] = id
	}

	sizes := make([]int64, len(ids))
	if err := each(ids, func(i int, id string) error {
		d, err := l.wait(ctx, id, l.opts.Poll)
		if err != nil {
			return err
		}
		sizes[i] = d.ResultSize
		return nil
	}); err != nil {
		return err
	}
	finished := time.Since(start)
	var total int64
	for _, s := range sizes {
		total += s
	}
	fmt.Fprintf(l.out, "all FINISHED after %v; ResultSize per statement %.1f MB, total %.1f MB\n",
		finished.Round(time.Millisecond), float64(sizes[0])/1e6, float64(total)/1e6)

	var mu sync.Mutex
	var rows int64
	pages := 0
	if err := each(ids, func(_ int, id string) error {
		r, p, err := l.pageAll(ctx, id)
		mu.Lock()
		rows, pages = rows+r, pages+p
		mu.Unlock()
		return err
	}); err != nil {
		return err
	}
	paged := time.Since(start) - finished
	fmt.Fprintf(l.out, "read %d rows in %d pages in %v (%.1f MB/s of ResultSize)\n",
		rows, pages, paged.Round(time.Millisecond), float64(total)/1e6/paged.Seconds())
	if mem != nil {
		mem.stop()
		mem.report(l.out)
	}
	return nil
}

// each runs f for every id at once and returns the first error.
func each(ids []string, f func(i int, id string) error) error {
	return parallel(len(ids), func(i int) error { return f(i, ids[i]) })
}

// parallel runs f(0) to f(n-1) at once and returns the first error.
func parallel(n int, f func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = f(i) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// roundTrips runs sequential `select 1` round trips, polling back to back,
// and prints their latency percentiles; with a floor DSN, each round trip
// follows one `select 1` sent straight to PostgreSQL, so the floor is
// measured in the same run, and the ratio of the p50s is printed too. With
// more than one client it runs concurrentRoundTrips instead.
func (l *load) roundTrips(ctx context.Context) error {
	if l.opts.Clients > 1 {
		return l.concurrentRoundTrips(ctx)
	}
	var floor *pgx.Conn
	if l.opts.FloorDSN != "" {
		var err error
		if floor, err = pgx.Connect(ctx, l.opts.FloorDSN); err != nil {
			return fmt.Errorf("floor connection: %w", err)
		}
		defer floor.Close(context.Background())
	}
	durs := make([]time.Duration, 0, l.opts.Select1)
	var floors []time.Duration
	for range l.opts.Select1 {
		if floor != nil {
			start := time.Now()
			var v int
			if err := floor.QueryRow(ctx, "select 1").Scan(&v); err != nil || v != 1 {
				return fmt.Errorf("floor select 1: %v (%d)", err, v)
			}
			floors = append(floors, time.Since(start))
		}
		start := time.Now()
		if err := l.roundTrip(ctx); err != nil {
			return err
		}
		durs = append(durs, time.Since(start))
	}
	p50, p90 := percentiles(durs)
	fmt.Fprintf(l.out, "%d select 1 round trips: p50 %v p90 %v\n", len(durs), p50, p90)
	if floor != nil {
		f50, f90 := percentiles(floors)
		fmt.Fprintf(l.out, "floor (pgx select 1 on the same PostgreSQL): p50 %v p90 %v; round trip p50 / floor p50 = %.1fx\n",
			f50, f90, float64(p50)/float64(f50))
	}
	return nil
}

// roundTrip runs one `select 1`: ExecuteStatement, DescribeStatement back
// to back until FINISHED, GetStatementResult.
func (l *load) roundTrip(ctx context.Context) error {
	id, err := l.execute(ctx, "select 1")
	if err != nil {
		return fmt.Errorf("ExecuteStatement: %w", err)
	}
	if _, err := l.wait(ctx, id, 0); err != nil {
		return err
	}
	r, err := l.client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: aws.String(id)})
	if err != nil {
		return fmt.Errorf("GetStatementResult: %w", err)
	}
	if len(r.Records) != 1 {
		return fmt.Errorf("select 1 returned %d records", len(r.Records))
	}
	return nil
}

// concurrentRoundTrips shares the round trips among l.opts.Clients
// clients, each with its own SDK client and connection, after one warm-up
// round trip each, and prints the rate, the latency percentiles and the
// machine's busy CPU time per round trip, which bounds the rate: the
// machine's cores cannot complete more than their count in seconds divided
// by it.
func (l *load) concurrentRoundTrips(ctx context.Context) error {
	clients := make([]*load, l.opts.Clients)
	for i := range clients {
		clients[i] = newLoad(l.opts, l.out)
	}
	if err := parallel(len(clients), func(i int) error { return clients[i].roundTrip(ctx) }); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	cpu, cpuErr := machinecpu.Read()
	var next atomic.Int64
	lat := make([][]time.Duration, len(clients))
	start := time.Now()
	err := parallel(len(clients), func(i int) error {
		for next.Add(1) <= int64(l.opts.Select1) {
			t := time.Now()
			if err := clients[i].roundTrip(ctx); err != nil {
				return err
			}
			lat[i] = append(lat[i], time.Since(t))
		}
		return nil
	})
	elapsed := time.Since(start)
	if err != nil {
		return err
	}
	var all []time.Duration
	for _, d := range lat {
		all = append(all, d...)
	}
	p50, p90 := percentiles(all)
	fmt.Fprintf(l.out, "%d select 1 round trips from %d clients in %v: %.0f round trips/s, p50 %v p90 %v\n",
		len(all), len(clients), elapsed.Round(time.Millisecond), float64(len(all))/elapsed.Seconds(), p50, p90)
	if cpuErr == nil {
		if now, err := machinecpu.Read(); err == nil {
			d := now.Since(cpu)
			per := d.Busy / time.Duration(len(all))
			fmt.Fprintf(l.out, "machine CPU per round trip %v (every process, /proc/stat; %d cores: at most %.0f round trips/s); hypervisor steal %.1f%%\n",
				per, runtime.NumCPU(), float64(runtime.NumCPU())*float64(time.Second)/float64(per), 100*d.StealShare())
		}
	}
	return nil
}

// percentiles returns the p50 and p90 of durs, which it sorts.
func percentiles(durs []time.Duration) (p50, p90 time.Duration) {
	slices.Sort(durs)
	at := func(q float64) time.Duration { return durs[max(0, int(math.Ceil(q*float64(len(durs))))-1)] }
	return at(0.5), at(0.9)
}
