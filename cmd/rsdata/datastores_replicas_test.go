package main

// The datastore API across replicas: what one replica's /api changes, the
// other's Data API and /api see at once (datastores registered, changed
// and removed; tokens revoked; catalog operations aborted).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"
)

// changeSeen bounds how long a change made on one replica may take to
// reach another (a notification through the store, then a reload).
const changeSeen = 15 * time.Second

// TestDatastoresAcrossReplicas creates, updates and deletes a datastore
// through replica A and queries it through replica B's Data API; revokes a
// token on A and uses it on B; aborts through B a catalog operation A runs.
func TestDatastoresAcrossReplicas(t *testing.T) {
	t.Parallel()
	admin := "rsdt_replicas_" + randomHex(t, 16)
	rs := startReplicasEnv(t, 2, []string{"RSDATA_ADMIN_TOKEN=" + admin})
	a, b := rs.Replicas[0], rs.Replicas[1]
	dataB := rs.data(1)

	engine, err := pgx.ParseConfig(rs.EngineDSN)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.ConnectConfig(ctx, engine)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `create schema s1; create table s1.t (v text); insert into s1.t values ('one');
		create schema s2; create table s2.t (v text); insert into s2.t values ('two');`); err != nil {
		t.Fatal(err)
	}
	body := func(name string, port uint16, schema string) string {
		return fmt.Sprintf(`{"name": %q, "connection": {"name": %q, "type": "redshift", "host": "127.0.0.1", "port": %d,
			"username": "postgres", "password": %q, "parameters": {"authentication_type": "BASIC"}},
			"database": "postgres", "schema": %q, "enrichment_only": false, "trigger_catalog": false}`,
			name, name, port, rs.EnginePassword, schema)
	}

	// Created on A: B's Data API runs statements on it.
	var ds createdDatastore
	mustCurl(t, a, 200, "POST", "/api/datastores", admin, body("across", engine.Port, "s1")).decode(t, &ds)
	cluster := ds.ClusterIdentifier
	if got := waitValue(t, dataB, cluster, "one"); got != "one" {
		t.Fatalf("B never ran a statement on %s created on A: last answer %q", cluster, got)
	}

	// Updated on A (its schema): B's statements use the new one.
	mustCurl(t, a, 200, "PUT", fmt.Sprintf("/api/datastores/%d", ds.ID), admin, `{"schema": "s2"}`)
	if got := waitValue(t, dataB, cluster, "two"); got != "two" {
		t.Fatalf("B still runs on %s's old schema after an update on A: last answer %q", cluster, got)
	}

	// Deleted on A: B refuses its statements as for any unknown cluster
	// (the Data API answers ValidationException, not ClusterNotFound),
	// and its stored credentials run nothing there any more.
	mustCurl(t, a, 204, "DELETE", fmt.Sprintf("/api/datastores/%d", ds.ID), admin, "")
	deadline := time.Now().Add(changeSeen)
	for {
		_, err := executeOn(dataB, cluster)
		if isUnknownEndpoint(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B still accepts statements on %s deleted on A: %v", cluster, err)
		}
		time.Sleep(pollInterval)
	}
	for range 3 {
		if id, err := executeOn(dataB, cluster); !isUnknownEndpoint(err) {
			t.Fatalf("B accepted a statement on deleted %s (id %q): %v", cluster, id, err)
		}
	}

	// A token revoked on A is refused on B at once.
	var member struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	mustCurl(t, a, 200, "POST", "/api/tokens", admin, `{"name": "across", "role": "Member"}`).decode(t, &member)
	mustCurl(t, b, 200, "GET", "/api/datastores", member.Token, "")
	mustCurl(t, a, 204, "DELETE", fmt.Sprintf("/api/tokens/%d", member.ID), admin, "")
	mustCurl(t, b, 401, "GET", "/api/datastores", member.Token, "")

	// A catalog operation running on A, aborted through B: it ends
	// aborted and A's worker stops, so no catalog is written after the
	// abort. The datastore sits behind a proxy that holds each connection
	// a while before passing it on, so the catalog is still connecting
	// when the abort arrives.
	proxy := newDelayProxy(t, int(engine.Port), 3*time.Second)
	var slow createdDatastore
	mustCurl(t, a, 200, "POST", "/api/datastores", admin, body("slow", proxy.port, "s1")).decode(t, &slow)
	if !slow.Connected {
		t.Fatalf("the datastore behind the delaying proxy did not connect: %+v", slow)
	}
	var op operationOut
	mustCurl(t, a, 200, "POST", "/api/operations/run", admin, fmt.Sprintf(`{"type": "catalog", "datastore_id": %d}`, slow.ID)).decode(t, &op)
	mustCurl(t, b, 200, "PUT", fmt.Sprintf("/api/operations/abort/%d", op.ID), admin, "")
	if got := waitOperation(t, b, admin, op.ID); got.Result != "aborted" {
		t.Fatalf("operation %d aborted through B: %+v", op.ID, got)
	}
	// Once the catalog's connection has ended (A's worker gave up or, were
	// it not stopped, read the catalog), a stopped worker writes nothing.
	proxy.waitIdle(t, 2)
	time.Sleep(2 * time.Second)
	if names := containerNames(t, b, admin, slow.ID); names != "" {
		t.Errorf("A's worker wrote a catalog after the operation was aborted through B: %s", names)
	}
	if got := waitOperation(t, a, admin, op.ID); got.Result != "aborted" {
		t.Errorf("operation %d after A's worker stopped: %+v", op.ID, got)
	}

	// A catalog operation belongs to the replica running it: a replica
	// starting meanwhile leaves it running, and when A dies a replica
	// taking A over ends it failed (it would stay running for ever).
	proxy.delay.Store(int64(time.Minute))
	var held operationOut
	mustCurl(t, a, 200, "POST", "/api/operations/run", admin, fmt.Sprintf(`{"type": "catalog", "datastore_id": %d}`, slow.ID)).decode(t, &held)
	c := rs.start()
	var during operationOut
	mustCurl(t, c, 200, "GET", fmt.Sprintf("/api/operations/%d", held.ID), admin, "").decode(t, &during)
	if during.Result != "queued" && during.Result != "running" {
		t.Fatalf("A's operation %d after replica C started: %+v, want it still running", held.ID, during)
	}
	a.Kill9()
	got := waitOperation(t, b, admin, held.ID)
	if got.Result != "failure" || !strings.Contains(got.Message, "replica running the operation stopped") {
		t.Errorf("operation %d of killed replica A, after the takeover: %+v", held.ID, got)
	}
}

// executeOn sends "select v from t" to cluster as the datastore's login.
func executeOn(c *redshiftdata.Client, cluster string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := c.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{ClusterIdentifier: aws.String(cluster),
		Database: aws.String("postgres"), Sql: aws.String("select v from t")})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Id), nil
}

// isUnknownEndpoint reports the Data API's answer for a cluster it does
// not know.
func isUnknownEndpoint(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationException" &&
		ae.ErrorMessage() == "Redshift endpoint doesn't exist in this region."
}

// waitValue runs "select v from t" on cluster until it answers want (or
// changeSeen passes) and returns the last answer.
func waitValue(t testing.TB, c *redshiftdata.Client, cluster, want string) string {
	t.Helper()
	deadline := time.Now().Add(changeSeen)
	var last string
	for {
		last = "(no answer)"
		if id, err := executeOn(c, cluster); err != nil {
			last = err.Error()
		} else if d := waitDone(t, c, id); d.Status != types.StatusStringFinished {
			last = string(d.Status) + ": " + aws.ToString(d.Error)
		} else if rows, _, _ := allRecords(t, c, id); len(rows) == 1 && len(rows[0]) == 1 {
			if v, ok := rows[0][0].(*types.FieldMemberStringValue); ok {
				last = v.Value
			}
		}
		if last == want || time.Now().After(deadline) {
			return last
		}
		time.Sleep(pollInterval)
	}
}

// delayProxy passes TCP connections to a port after holding each one for
// a while; it counts the connections accepted and still open.
type delayProxy struct {
	port             uint16
	accepted, active atomic.Int64
	// delay is how long a connection accepted next is held, in
	// nanoseconds; the test's end releases held connections.
	delay atomic.Int64
}

func newDelayProxy(t testing.TB, target int, delay time.Duration) *delayProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &delayProxy{port: uint16(ln.Addr().(*net.TCPAddr).Port)}
	p.delay.Store(int64(delay))
	ended := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.accepted.Add(1)
			p.active.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer p.active.Add(-1)
				defer c.Close()
				select {
				case <-time.After(time.Duration(p.delay.Load())):
				case <-ended:
					return
				}
				up, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", target))
				if err != nil {
					return
				}
				defer up.Close()
				done := make(chan struct{}, 2)
				go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
				go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
				<-done
				c.Close()
				up.Close()
				<-done
			}()
		}
	}()
	t.Cleanup(func() { close(ended); ln.Close(); wg.Wait() })
	return p
}

// waitIdle waits until at least n connections were accepted and none is
// open.
func (p *delayProxy) waitIdle(t testing.TB, n int64) {
	t.Helper()
	deadline := time.Now().Add(statementWait)
	for p.accepted.Load() < n || p.active.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("proxy: %d connections accepted, %d open after %s", p.accepted.Load(), p.active.Load(), statementWait)
		}
		time.Sleep(pollInterval)
	}
}
