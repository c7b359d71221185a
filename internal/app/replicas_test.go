package app_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"

	"github.com/rsdata/rsdata/internal/config"
	"github.com/rsdata/rsdata/internal/datastore"
	"github.com/rsdata/rsdata/internal/scram"
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

// TestDatastoresOnTwoApps: a datastore created, changed and deleted through
// one App is registered, changed and removed in the other's Data API (the
// announcement on the store, then a reload; run under the race detector
// here); a session on it refuses statements once it is deleted.
func TestDatastoresOnTwoApps(t *testing.T) {
	// Replicas share the sealing key that seals the datastores' passwords.
	sealKey := func(c *config.Config) { c.SealKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)) }
	a := apptest.Start(t, apptest.Options{Configure: sealKey})
	b := apptest.Start(t, apptest.Options{StoreDB: a.StoreDB, Database: a.Database, Configure: sealKey})
	verifier, err := scram.Verifier("ds-password")
	if err != nil {
		t.Fatal(err)
	}
	a.PG.Exec(t, a.Database, `CREATE ROLE dsuser LOGIN PASSWORD '`+verifier+`';
		CREATE SCHEMA s1; CREATE TABLE s1.t (v text); INSERT INTO s1.t VALUES ('one');
		CREATE SCHEMA s2; CREATE TABLE s2.t (v text); INSERT INTO s2.t VALUES ('two');
		GRANT USAGE ON SCHEMA s1, s2 TO dsuser; GRANT SELECT ON s1.t, s2.t TO dsuser`)
	port := a.PG.Port()
	created, err := a.App.Datastores().Create(ctx, &datastore.CreateInput{Name: "across", Database: a.Database, Schema: "s1",
		Connection: &datastore.ConnectionInput{Type: "redshift", Host: "127.0.0.1", Port: &port, Username: "dsuser", Password: "ds-password"}})
	if err != nil {
		t.Fatal(err)
	}
	cluster := datastore.ClusterIdentifier(created.Datastore.ID)
	// value runs "select v from t" on the datastore through b; "" when b
	// refuses it or it fails.
	value := func() string {
		out, err := b.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String(cluster),
			Database: aws.String(a.Database), Sql: aws.String("select v from t")})
		if err != nil {
			return ""
		}
		if d := b.Wait(t, aws.ToString(out.Id)); d.Status != types.StatusStringFinished {
			return ""
		}
		res, err := b.Client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: out.Id})
		if err != nil || len(res.Records) != 1 {
			return ""
		}
		v, _ := res.Records[0][0].(*types.FieldMemberStringValue)
		if v == nil {
			return ""
		}
		return v.Value
	}
	until := func(want string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for got := value(); got != want; got = value() {
			if time.Now().After(deadline) {
				t.Fatalf("b answers %q on %s, want %q", got, cluster, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	until("one")

	// A deletion b did not hear of (made behind rsdata's back, as one
	// announced while b's listening connection was down would be) is
	// applied by ReloadAll, which b runs when that connection is back.
	missed, err := a.App.Datastores().Create(ctx, &datastore.CreateInput{Name: "missed", Database: a.Database, Schema: "s1",
		ConnectionID: &created.Connection.ID})
	if err != nil {
		t.Fatal(err)
	}
	cluster = datastore.ClusterIdentifier(missed.Datastore.ID)
	until("one")
	a.PG.Exec(t, a.StoreDB, fmt.Sprintf("DELETE FROM ds_datastores WHERE id = %d", missed.Datastore.ID))
	if got := value(); got != "one" {
		t.Fatalf("b without the announcement: %q", got)
	}
	if err := b.App.Datastores().ReloadAll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := value(); got != "" {
		t.Fatalf("b after ReloadAll still runs on a datastore deleted from the store: %q", got)
	}
	cluster = datastore.ClusterIdentifier(created.Datastore.ID)

	s2 := "s2"
	if _, err := a.App.Datastores().Update(ctx, created.Datastore.ID, &datastore.UpdateInput{Schema: &s2}); err != nil {
		t.Fatal(err)
	}
	until("two")
	// A session b holds on the datastore runs nothing once it is deleted,
	// though its connection stays open until the session ends.
	opened, err := b.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String(cluster),
		Database: aws.String(a.Database), Sql: aws.String("select v from t"), SessionKeepAliveSeconds: aws.Int32(60)})
	if err != nil {
		t.Fatal(err)
	}
	if d := b.Wait(t, aws.ToString(opened.Id)); d.Status != types.StatusStringFinished {
		t.Fatalf("opening a session on %s: %s %s", cluster, d.Status, aws.ToString(d.Error))
	}
	if err := a.App.Datastores().Delete(ctx, created.Datastore.ID); err != nil {
		t.Fatal(err)
	}
	until("")
	if _, err := b.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{SessionId: opened.SessionId,
		Sql: aws.String("select v from t")}); err == nil || !strings.Contains(err.Error(), "Redshift endpoint doesn't exist in this region.") {
		t.Fatalf("a statement into a session on a deleted datastore: %v", err)
	}
	if _, err := b.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String(cluster),
		Database: aws.String(a.Database), Sql: aws.String("select v from t")}); err == nil ||
		!strings.Contains(err.Error(), "Redshift endpoint doesn't exist in this region.") {
		t.Fatalf("b on a datastore deleted through a: %v", err)
	}
}
