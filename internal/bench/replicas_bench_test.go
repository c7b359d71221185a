package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"

	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// BenchmarkReplicas16 runs the `select 1` round trip from 16 SDK clients
// against one App (one), against two Apps sharing one control store with
// each client kept on one of them (two), and against the same two with
// every call of a round trip alternating between them, as a load balancer
// without affinity sends them (two-spread: Execute on one, Describe and
// GetStatementResult on the other, which reads them from the store). Both
// Apps run in this process, on the same two cores; it reports round trips
// per second like BenchmarkRoundTripConcurrent16.
func BenchmarkReplicas16(b *testing.B) {
	for _, mode := range []string{"one", "two", "two-spread"} {
		b.Run(mode, func(b *testing.B) {
			first := apptest.Start(b, apptest.Options{})
			envs := []*apptest.Env{first}
			if mode != "one" {
				envs = append(envs, apptest.Start(b, apptest.Options{StoreDB: first.StoreDB, Database: first.Database}))
			}
			clients := make([][]*redshiftdata.Client, concurrentClients)
			for i := range clients {
				for k := range envs {
					clients[i] = append(clients[i], sdkClient(envs[(i+k)%len(envs)]))
				}
			}
			ctx := context.Background()
			runConcurrent(b, func(i int) (int, error) {
				c := clients[i]
				if mode == "two-spread" {
					return spreadRoundTrip(ctx, c[0], c[1], first)
				}
				return roundTripSelect1(ctx, c[0], first)
			})
		})
	}
}

// spreadRoundTrip is roundTripSelect1 with the statement submitted through
// one client and described and read through another.
func spreadRoundTrip(ctx context.Context, submit, read *redshiftdata.Client, env *apptest.Env) (int, error) {
	id, err := execute(ctx, submit, env, "select 1")
	if err != nil {
		return 0, err
	}
	_, polls, err := waitFinished(ctx, read, id, 0)
	if err != nil {
		return polls, err
	}
	r, err := read.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: aws.String(id)})
	if err != nil {
		return polls, err
	}
	if v, ok := r.Records[0][0].(*types.FieldMemberLongValue); len(r.Records) != 1 || !ok || v.Value != 1 {
		return polls, fmt.Errorf("select 1 returned %v", r.Records)
	}
	return polls, nil
}
