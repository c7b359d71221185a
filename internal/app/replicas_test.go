package app_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"

	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// TestTwoAppsOnOneStore runs two Apps on one control store in this process
// (so the race detector sees the replicas' shared paths): a statement
// running on one is cancelled through the other and read there. (Session
// calls are forwarded to the address a replica registers, which an
// httptest server is not; cmd/rsdata's TestReplicas covers them.)
func TestTwoAppsOnOneStore(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	b := apptest.Start(t, apptest.Options{StoreDB: a.StoreDB, Database: a.Database})
	in := func(sql string) *redshiftdata.ExecuteStatementInput {
		return &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"), Database: aws.String(a.Database),
			DbUser: aws.String("awsuser"), Sql: aws.String(sql)}
	}
	long, err := a.Client.ExecuteStatement(ctx, in("select pg_sleep(60)"))
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	out, err := b.Client.CancelStatement(ctx, &redshiftdata.CancelStatementInput{Id: long.Id})
	if err != nil || !aws.ToBool(out.Status) {
		t.Fatalf("CancelStatement through b of a's statement: %v, %v", out, err)
	}
	if d := b.Wait(t, aws.ToString(long.Id)); d.Status != types.StatusStringAborted {
		t.Fatalf("a's statement cancelled through b: %s %q", d.Status, aws.ToString(d.Error))
	}
	if took := time.Since(begin); took > 30*time.Second {
		t.Errorf("the cancel through b took %s", took)
	}

}
