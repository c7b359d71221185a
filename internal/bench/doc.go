// Package bench holds rsdata's end-to-end performance benchmarks and the
// floors they are judged against. Every benchmark runs a real App against
// the package's throwaway PostgreSQL and talks to it through the real
// aws-sdk-go-v2 Redshift Data API client, exactly as users do; each floor
// runs the same SQL with pgx directly on the same server and database, so a
// ratio of the two is the cost rsdata adds.
//
// The package has no non-test code beyond this comment. `go test` runs only
// a quick check that the benchmark helpers work; the benchmarks run with
// -bench. docs/BENCHMARKS.md records the commands and the figures.
package bench
