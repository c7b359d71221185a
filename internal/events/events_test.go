package events_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/events"
	"github.com/rsdata/rsdata/internal/statement"
)

// The example event of AWS's documentation.
const awsExample = `{"version":"0","id":"18e7079c-dd4b-dd64-caf9-e2a31640dab0",` +
	`"detail-type":"Redshift Data Statement Status Change","source":"aws.redshift-data",` +
	`"account":"123456789012","time":"2020-10-01T21:14:26Z","region":"us-east-1",` +
	`"resources":["arn:aws:redshift:us-east-1:123456789012:cluster:redshift-cluster-1"],` +
	`"detail":{"principal":"arn:aws:iam::123456789012:user/myuser","statementName":"test.testtable",` +
	`"statementId":"dd2e1ec9-2ee3-49a0-819f-905fa7d75a4a","redshiftQueryId":-1,"state":"FINISHED",` +
	`"rows":1,"expireAt":1601673265}}`

func examplePending() events.Pending {
	return events.Pending{
		ID: 7, StatementID: "dd2e1ec9-2ee3-49a0-819f-905fa7d75a4a", State: statement.Finished,
		Principal: "arn:aws:iam::123456789012:user/myuser", StatementName: "test.testtable", Rows: 1,
		ExpiresAt: time.Date(2020, 10, 2, 21, 14, 25, 0, time.UTC),
		Target:    statement.Target{Kind: engines.Cluster, Name: "redshift-cluster-1"},
		// Fractions of a second are dropped; other zones are converted.
		Time: time.Date(2020, 10, 1, 23, 14, 26, 987654000, time.FixedZone("CEST", 2*3600)),
	}
}

func TestBuildMatchesAWSExample(t *testing.T) {
	got := events.Build(examplePending(), "123456789012", "us-east-1", "18e7079c-dd4b-dd64-caf9-e2a31640dab0")
	if string(got) != awsExample {
		t.Fatalf("event =\n%s\nwant\n%s", got, awsExample)
	}
}

func TestBuildWorkgroupFailedUnknownRows(t *testing.T) {
	p := examplePending()
	p.Target = statement.Target{Kind: engines.Workgroup, Name: "wg-1"}
	p.State, p.Rows, p.StatementName = statement.Failed, -1, "a<b>&c"
	got := string(events.Build(p, "111122223333", "eu-west-1", "x"))
	want := `{"version":"0","id":"x","detail-type":"Redshift Data Statement Status Change","source":"aws.redshift-data",` +
		`"account":"111122223333","time":"2020-10-01T21:14:26Z","region":"eu-west-1",` +
		`"resources":["arn:aws:redshift-serverless:eu-west-1:111122223333:workgroup/` + arn.WorkgroupID("111122223333", "wg-1") + `"],` +
		`"detail":{"principal":"arn:aws:iam::123456789012:user/myuser","statementName":"a<b>&c",` +
		`"statementId":"dd2e1ec9-2ee3-49a0-819f-905fa7d75a4a","redshiftQueryId":-1,"state":"FAILED",` +
		`"rows":-1,"expireAt":1601673265}}`
	if got != want {
		t.Fatalf("event =\n%s\nwant\n%s", got, want)
	}
}

var uuidV5 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestEventIDIsStablePerOutboxEntry(t *testing.T) {
	p := examplePending()
	id := events.EventID(p)
	if !uuidV5.MatchString(id) {
		t.Fatalf("EventID = %q, not a version 5 UUID", id)
	}
	// Pinned: a changed derivation would defeat de-duplication across an
	// upgrade for events pending during it. The value is RFC 4122's UUIDv5
	// of "7/dd2e1ec9-..." in the name space 6b1e0c52-934d-4f1a-a73e-582c901d7f44,
	// as Python's uuid.uuid5 computes it.
	if id != "5e59ab69-81eb-5121-9168-2b530b233333" {
		t.Errorf("EventID = %q changed", id)
	}
	again := p
	again.Rows, again.State, again.Time = 99, statement.Aborted, time.Now()
	if events.EventID(again) != id {
		t.Error("EventID depends on more than the outbox id and statement id")
	}
	otherEntry := p
	otherEntry.ID++
	otherStatement := p
	otherStatement.StatementID = "other"
	if events.EventID(otherEntry) == id || events.EventID(otherStatement) == id {
		t.Error("different outbox entries share an event id")
	}
}
