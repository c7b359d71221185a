// Command rsdata-load puts a running rsdata under a bounded load through the
// Redshift Data API, as an unmodified aws-sdk-go-v2 client would: it submits
// several statements that each produce a large result, waits until all have
// FINISHED, then reads every page of every result at once and discards it.
// With --server-pid it also samples the server's memory, which is how
// docs/BENCHMARKS.md measures rsdata's peak RSS under large results.
//
// It builds and starts nothing: point it at a server with --endpoint and give
// it credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. It talks to
// loopback addresses only, and every loop is bounded in count and time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "rsdata-load:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	opts, err := parseOptions(args, getenv, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	l := newLoad(opts, stdout)
	if opts.FloodBodies > 0 || opts.SlowBodies > 0 {
		return l.bodyBounds(ctx)
	}
	if opts.Select1 > 0 {
		return l.roundTrips(ctx)
	}
	return l.largeResults(ctx)
}
