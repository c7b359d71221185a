package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// TestResultsSurviveRestart stops the server with a finished statement and
// one still running, starts a new one on the same store, and reads both.
func TestResultsSurviveRestart(t *testing.T) {
	dataDir := t.TempDir()
	first := apptest.Start(t, apptest.Options{DataDir: dataDir, Limits: results.Limits{PageBytes: 16 << 10, MaxRowBytes: 64 << 10, MaxResultBytes: 500 << 20}})
	done := first.Run(t, "select g, md5(g::text) from generate_series(1, 3000) g")
	running, err := first.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String("local"),
		Database: aws.String(first.Database), DbUser: aws.String("awsuser"), Sql: aws.String("select pg_sleep(60)")})
	if err != nil {
		t.Fatal(err)
	}
	first.Stop()

	second := apptest.Start(t, apptest.Options{DataDir: dataDir, StoreDB: first.StoreDB, Database: first.Database})
	d := second.Wait(t, *done.Id)
	if d.Status != types.StatusStringFinished || d.ResultRows != 3000 {
		t.Fatalf("finished statement after restart: %s, %d rows", d.Status, d.ResultRows)
	}
	rows, pages := 0, 0
	p := redshiftdata.NewGetStatementResultPaginator(second.Client, &redshiftdata.GetStatementResultInput{Id: done.Id})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range page.Records {
			rows++
			if g := rec[0].(*types.FieldMemberLongValue).Value; g != int64(rows) {
				t.Fatalf("row %d holds g=%d", rows, g)
			}
		}
		pages++
	}
	if rows != 3000 || pages < 2 {
		t.Fatalf("read %d rows in %d pages after restart", rows, pages)
	}
	r := second.Wait(t, *running.Id)
	if r.Status != types.StatusStringFailed || !strings.Contains(aws.ToString(r.Error), "rsdata stopped before it finished") {
		t.Fatalf("statement running at shutdown: %s %q", r.Status, aws.ToString(r.Error))
	}
}

// TestCrashedStatementsFailOnRecovery leaves a statement STARTED in the store
// as a killed process would, and expects the next start to fail it.
func TestCrashedStatementsFailOnRecovery(t *testing.T) {
	dataDir := t.TempDir()
	first := apptest.Start(t, apptest.Options{DataDir: dataDir})
	d := first.Run(t, "select 1")
	first.Stop()
	instance, err := os.ReadFile(filepath.Join(dataDir, "instance-id"))
	if err != nil {
		t.Fatal(err)
	}
	// What a kill -9 leaves behind: the row says STARTED, nobody runs it.
	conn, err := pgx.Connect(context.Background(), first.PG.ConnString("postgres", first.StoreDB))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(context.Background(), `UPDATE statements SET status = 'STARTED', ended_at = NULL, has_result_set = false
		WHERE id = $1 AND instance = $2`, *d.Id, strings.TrimSpace(string(instance))); err != nil {
		t.Fatal(err)
	}
	conn.Close(context.Background())

	second := apptest.Start(t, apptest.Options{DataDir: dataDir, StoreDB: first.StoreDB, Database: first.Database})
	out, err := second.Client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: d.Id})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != types.StatusStringFailed || !strings.Contains(aws.ToString(out.Error), "interrupted") {
		t.Fatalf("after recovery: %s %q", out.Status, aws.ToString(out.Error))
	}
	if out.UpdatedAt.Before(time.Now().Add(-time.Minute)) {
		t.Fatalf("UpdatedAt %v not set at recovery", out.UpdatedAt)
	}
}
