// Package events delivers the "Redshift Data Statement Status Change" events
// that statements run with WithEvent=true produce when they end. The store
// queues each event in an outbox in the same transaction that makes its
// statement terminal; a Dispatcher reads the outbox, builds the EventBridge
// JSON, hands it to every configured Sink (a JSON-lines file, a webhook) and
// marks it delivered only once all of them accepted it. Delivery is therefore
// at least once: a consumer may see an event twice, always with the same
// "id", and de-duplicates by it.
package events

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/statement"
)

// Pending is one undelivered outbox entry together with what its event
// reports about the statement.
type Pending struct {
	// ID is the outbox entry's id: increasing in queuing order and stable
	// across restarts.
	ID            int64
	StatementID   string
	State         statement.Status // FINISHED, FAILED or ABORTED
	Principal     string           // ARN of the statement's owner
	StatementName string
	Rows          int64 // result rows or rows affected; -1 when unknown
	ExpiresAt     time.Time
	Target        statement.Target
	// Time is when the statement became terminal (the entry was queued).
	Time time.Time
}

// Outbox is the durable queue of events awaiting delivery. Implementations
// must be safe for concurrent use and honour ctx cancellation.
type Outbox interface {
	// PendingEvents returns at most limit (> 0) entries not yet marked
	// delivered, oldest (lowest ID) first. An entry is returned by every
	// call until MarkDelivered records it; entries whose statement no
	// longer exists are left out.
	PendingEvents(ctx context.Context, limit int) ([]Pending, error)
	// MarkDelivered records the entries with ids as delivered at at, so
	// PendingEvents no longer returns them. It is idempotent: unknown and
	// already delivered ids are ignored, and nil ids is a no-op. The change
	// is durable when it returns nil.
	MarkDelivered(ctx context.Context, ids []int64, at time.Time) error
}

// Sink is a destination for events. The Dispatcher calls a sink from one
// goroutine at a time.
type Sink interface {
	// Name identifies the sink in logs; it holds no secrets.
	Name() string
	// Deliver hands one event, a complete JSON object, to the destination.
	// nil means accepted (for a Flusher: accepted once the following Flush
	// succeeds); an error means not accepted, and the same bytes are offered
	// again later. An event may be delivered more than once. Deliver returns
	// promptly when ctx ends.
	Deliver(ctx context.Context, ev []byte) error
}

// Flusher is a Sink that accepts events in batches, as a file does: what
// Deliver accepted is durable only after Flush.
type Flusher interface {
	// Flush makes every event Deliver accepted since the last Flush durable
	// and releases whatever Deliver holds open. The Dispatcher calls it at
	// the end of every round in which it called Deliver, even when Deliver
	// failed or ctx has ended, so Flush must release its resources in every
	// case. An error means none of those events counts as accepted.
	Flush(ctx context.Context) error
}

// The fixed members of a status-change event.
const (
	DetailType = "Redshift Data Statement Status Change"
	Source     = "aws.redshift-data"
)

type event struct {
	Version    string   `json:"version"`
	ID         string   `json:"id"`
	DetailType string   `json:"detail-type"`
	Source     string   `json:"source"`
	Account    string   `json:"account"`
	Time       string   `json:"time"`
	Region     string   `json:"region"`
	Resources  []string `json:"resources"`
	Detail     detail   `json:"detail"`
}

type detail struct {
	Principal       string `json:"principal"`
	StatementName   string `json:"statementName"`
	StatementID     string `json:"statementId"`
	RedshiftQueryID int64  `json:"redshiftQueryId"`
	State           string `json:"state"`
	Rows            int64  `json:"rows"`
	ExpireAt        int64  `json:"expireAt"`
}

// Build returns p's event as EventBridge delivers it, as compact JSON with
// the members in AWS's order; id is the event's id (see EventID).
func Build(p Pending, account, region, id string) []byte {
	ev := event{
		Version:    "0",
		ID:         id,
		DetailType: DetailType,
		Source:     Source,
		Account:    account,
		Time:       p.Time.UTC().Format("2006-01-02T15:04:05Z"),
		Region:     region,
		Resources:  []string{TargetARN(p.Target, account, region)},
		Detail: detail{
			Principal:     p.Principal,
			StatementName: p.StatementName,
			StatementID:   p.StatementID,
			// AWS reports no query id in these events.
			RedshiftQueryID: -1,
			State:           string(p.State),
			Rows:            p.Rows,
			ExpireAt:        p.ExpiresAt.Unix(),
		},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Names and ARNs go out as written, without \u003c-style escapes.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		// Only strings and integers: encoding cannot fail.
		panic("events: encoding an event: " + err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// TargetARN is the ARN of the cluster or workgroup t, as an event's
// resources name it: the same ARN every API uses for it.
func TargetARN(t statement.Target, account, region string) string {
	if t.Kind == engines.Workgroup {
		return arn.Workgroup(region, account, t.Name)
	}
	return arn.Cluster(region, account, t.Name)
}

// eventNamespace is the RFC 4122 name space of rsdata's event ids.
var eventNamespace = uuid.MustParse("6b1e0c52-934d-4f1a-a73e-582c901d7f44")

// EventID is the id of p's event: the name-based (version 5, SHA-1) UUID of
// "<outbox id>/<statement id>" in rsdata's name space. It is the same every
// time the entry is delivered, in this process or after a restart, so
// consumers can de-duplicate; the statement id (a random UUID) keeps it
// unique across control databases whose outbox ids overlap.
func EventID(p Pending) string {
	return uuid.NewSHA1(eventNamespace, []byte(strconv.FormatInt(p.ID, 10)+"/"+p.StatementID)).String()
}
