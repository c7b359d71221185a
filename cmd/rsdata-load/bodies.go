package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// bodyBounds attacks the server's bounds on request bodies (see the
// --flood-bodies usage) while a normal client runs select 1 round trips.
func (l *load) bodyBounds(ctx context.Context) error {
	u, err := url.Parse(l.opts.Endpoint)
	if err != nil {
		return err
	}
	normal := l.startNormalClient(ctx)
	if l.opts.FloodBodies > 0 {
		body := executeBody(l.opts.BodyMiB << 20)
		for _, signed := range []bool{true, false} {
			kind := "unsigned"
			if signed {
				kind = "signed"
			}
			for round := 1; round <= l.opts.FloodRounds; round++ {
				mem, err := l.maybeSampler()
				if err != nil {
					return err
				}
				start := time.Now()
				replies := l.flood(ctx, body, signed)
				took := time.Since(start)
				fmt.Fprintf(l.out, "%s round %d: %d concurrent %d MiB requests answered in %v: %s;%s\n", kind, round,
					l.opts.FloodBodies, l.opts.BodyMiB, took.Round(time.Millisecond), tally(replies), peakRSS(mem))
			}
		}
	}
	if l.opts.SlowBodies > 0 {
		mem, err := l.maybeSampler()
		if err != nil {
			return err
		}
		l.slowBodies(ctx, u.Host)
		fmt.Fprintf(l.out, "during the stalled connections:%s\n", peakRSS(mem))
	}
	ok, failed, worst := normal()
	fmt.Fprintf(l.out, "normal client meanwhile: %d select 1 round trips succeeded, %d failed (%s); slowest %v\n",
		ok, len(failed), tally(failed), worst.Round(time.Millisecond))
	if l.opts.ServerPID > 0 {
		const settle = 10 * time.Second
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(settle):
		}
		if st, err := readStatus(l.opts.ServerPID); err == nil {
			fmt.Fprintf(l.out, "server pid %d: VmHWM (peak RSS since start) %.1f MB; VmRSS %v after the last phase %.1f MB\n",
				l.opts.ServerPID, mb(st["VmHWM"]), settle, mb(st["VmRSS"]))
		}
	}
	return nil
}

func (l *load) maybeSampler() (*sampler, error) {
	if l.opts.ServerPID == 0 {
		return nil, nil
	}
	return startSampler(l.opts.ServerPID, 20*time.Millisecond)
}

// peakRSS stops mem and describes its peak.
func peakRSS(mem *sampler) string {
	if mem == nil {
		return ""
	}
	mem.stop()
	mem.mu.Lock()
	defer mem.mu.Unlock()
	return fmt.Sprintf(" server peak sampled VmRSS %.1f MB", mb(mem.serverRSS))
}

// executeBody is an ExecuteStatement body of exactly size bytes, its SQL
// padded with a comment (far over the Data API's SQL limit, so the server
// refuses it once read).
func executeBody(size int) []byte {
	head := `{"ClusterIdentifier":"local","Database":"dev","DbUser":"awsuser","Sql":"select 1 -- `
	tail := `"}`
	body := make([]byte, 0, size)
	body = append(body, head...)
	body = append(body, bytes.Repeat([]byte("x"), max(0, size-len(head)-len(tail)))...)
	return append(body, tail...)
}

// request builds a Data API request with body, signed with the run's
// credentials when signed is set.
func (l *load) request(ctx context.Context, body []byte, hash string, signed bool) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.opts.Endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "RedshiftData.ExecuteStatement")
	if signed {
		creds := aws.Credentials{AccessKeyID: l.opts.KeyID, SecretAccessKey: l.opts.Secret, SessionToken: l.opts.Token}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hash, "redshift-data", l.opts.Region, time.Now()); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// flood sends l.opts.FloodBodies requests with body at once, each on its
// own connection, and returns each one's reply ("400 ValidationException")
// or error.
func (l *load) flood(ctx context.Context, body []byte, signed bool) []string {
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	replies := make([]string, l.opts.FloodBodies)
	_ = parallel(len(replies), func(i int) error {
		req, err := l.request(ctx, body, hash, signed)
		if err != nil {
			replies[i] = "error: " + err.Error()
			return nil
		}
		resp, err := client.Do(req)
		if err != nil {
			replies[i] = "error: " + lastPart(err)
			return nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		var e struct {
			Type string `json:"__type"`
		}
		_ = json.Unmarshal(b, &e)
		replies[i] = strings.TrimSpace(fmt.Sprintf("%d %s", resp.StatusCode, e.Type))
		return nil
	})
	return replies
}

// slowBodies opens l.opts.SlowBodies connections that each send a signed
// request's header and the first 5 bytes of its 1 MiB body, then stall, and
// reports how long the server took to close them.
func (l *load) slowBodies(ctx context.Context, addr string) {
	body := executeBody(1 << 20)
	sum := sha256.Sum256(body)
	req, err := l.request(ctx, body, hex.EncodeToString(sum[:]), true)
	if err != nil {
		fmt.Fprintf(l.out, "slow bodies: %v\n", err)
		return
	}
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		fmt.Fprintf(l.out, "slow bodies: %v\n", err)
		return
	}
	head := wire.Bytes()[:bytes.Index(wire.Bytes(), []byte("\r\n\r\n"))+4+5]

	type result struct {
		open  time.Duration // until the server closed it, or the wait ended
		reply string
		err   string // why it was not opened or was closed on our side
	}
	results := make([]result, l.opts.SlowBodies)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			conn, err := (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, "tcp", addr)
			if err != nil {
				results[i].err = "dial: " + lastPart(err)
				return
			}
			defer conn.Close()
			start := time.Now()
			if _, err := conn.Write(head); err != nil {
				results[i].err = "write: " + lastPart(err)
				return
			}
			_ = conn.SetReadDeadline(start.Add(l.opts.SlowWait))
			got, err := io.ReadAll(conn)
			results[i].open = time.Since(start)
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				results[i].err = "still open"
			}
			if resp, perr := http.ReadResponse(bufio.NewReader(bytes.NewReader(got)), nil); perr == nil {
				b, _ := io.ReadAll(resp.Body)
				var e struct {
					Type string `json:"__type"`
				}
				_ = json.Unmarshal(b, &e)
				results[i].reply = strings.TrimSpace(fmt.Sprintf("%d %s", resp.StatusCode, e.Type))
			} else {
				results[i].reply = "no reply"
			}
		})
	}
	wg.Wait()
	var closed []time.Duration
	var open, replies []string
	for _, r := range results {
		if r.err != "" {
			open = append(open, r.err)
			continue
		}
		closed = append(closed, r.open)
		replies = append(replies, r.reply)
	}
	fmt.Fprintf(l.out, "%d stalled connections (1 MiB body declared, 5 bytes sent): %d closed by the server", l.opts.SlowBodies, len(closed))
	if len(closed) > 0 {
		slices.Sort(closed)
		fmt.Fprintf(l.out, " after p50 %v, max %v (%s)", closed[len(closed)/2].Round(time.Millisecond),
			closed[len(closed)-1].Round(time.Millisecond), tally(replies))
	}
	fmt.Fprintf(l.out, "; not closed within %v or failed: %d (%s)\n", l.opts.SlowWait, len(open), tally(open))
}

// startNormalClient runs select 1 round trips, one every 100 ms, until the
// returned function is called; that function reports the successes, the
// failures and the slowest round trip.
func (l *load) startNormalClient(ctx context.Context) func() (ok int, failed []string, worst time.Duration) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	var ok int
	var failed []string
	var worst time.Duration
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			start := time.Now()
			err := l.roundTrip(ctx)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				failed = append(failed, lastPart(err))
			} else {
				ok++
				worst = max(worst, time.Since(start))
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return func() (int, []string, time.Duration) {
		cancel()
		<-done
		return ok, failed, worst
	}
}

// tally counts equal strings: "12 × 400 ValidationException, 52 × ...".
func tally(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	counts := map[string]int{}
	for _, s := range items {
		counts[s]++
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d × %s", counts[k], k))
	}
	return strings.Join(parts, ", ")
}

// lastPart is the end of an error's message, the part that says what
// happened ("connection reset by peer").
func lastPart(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}
