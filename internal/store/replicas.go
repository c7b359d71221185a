// Replicas: the leases of rsdata processes sharing this control store, the
// lease of their background work, and the notifications they send each
// other (LISTEN/NOTIFY) when a statement ends or is to be cancelled.

package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/statement"
)

// The notification channels replicas LISTEN on; the payload is a
// statement id.
const (
	// EndedChannel announces that a statement has reached a terminal
	// status and it is stored: sent by the replica that ran it when
	// another one watches it, and by a replica taking over a stopped one.
	EndedChannel = "rsdata_statement_ended"
	// WatchChannel asks the replica running a statement to announce its
	// end; the payload is "<instance> <statement id>".
	WatchChannel = "rsdata_statement_watch"
	// CancelChannel asks the replica running a statement to cancel it.
	CancelChannel = "rsdata_statement_cancel"
	// JoinedChannel announces a replica that has just registered.
	JoinedChannel = "rsdata_replica_joined"
	// EventChannel announces a status-change event queued in the outbox,
	// for the replica that delivers events.
	EventChannel = "rsdata_event_queued"
	// ResetChannel carries a tests-reset's phases to the other replicas;
	// the payload is "<phase> <instance>".
	ResetChannel = "rsdata_reset"
)

// The phases of a tests-reset announced on ResetChannel: before the store
// is emptied the others end their statements and sessions; after it they
// register the (now no) datastores again.
const (
	ResetBegins = "begins"
	ResetEnded  = "ended"
)

// Replicas is the view of the replicas sharing the store.
type Replicas struct{ db }

// Replicas returns the replicas view.
func (s *Store) Replicas() *Replicas { return &Replicas{s.db} }

// SetShared tells the store whether other replicas are live on it: while
// they are, queued status-change events are announced on EventChannel for
// whichever replica delivers them.
func (s *Store) SetShared(on bool) { s.db.flags.shared.Store(on) }

// Renew registers instance at address, or extends its lease, to lease from
// the store's clock (not this machine's, so replicas' clocks need not
// agree).
func (r *Replicas) Renew(ctx context.Context, instance, address string, lease time.Duration) error {
	_, err := r.pool.Exec(ctx, `INSERT INTO replicas (instance, address, started_at, lease_until)
		VALUES ($1, $2, now(), now() + $3 * interval '1 microsecond')
		ON CONFLICT (instance) DO UPDATE SET address = excluded.address, lease_until = excluded.lease_until`,
		instance, address, lease.Microseconds())
	return err
}

// Join registers instance as Renew does and tells the other replicas at
// once (JoinedChannel), so they count it before their next renewal.
func (r *Replicas) Join(ctx context.Context, instance, address string, lease time.Duration) error {
	if err := r.Renew(ctx, instance, address, lease); err != nil {
		return err
	}
	_, err := r.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, JoinedChannel, instance)
	return err
}

// LiveOthers counts the replicas other than instance whose lease is current.
func (r *Replicas) LiveOthers(ctx context.Context, instance string) (int, error) {
	var n int
	err := r.pool.QueryRow(ctx, `SELECT count(*) FROM replicas WHERE instance <> $1 AND lease_until >= now()`, instance).Scan(&n)
	return n, err
}

// Leave removes instance's lease at a clean stop.
func (r *Replicas) Leave(ctx context.Context, instance string) error {
	_, err := r.pool.Exec(ctx, `DELETE FROM replicas WHERE instance = $1`, instance)
	return err
}

// Expired returns the replicas whose lease has run out.
func (r *Replicas) Expired(ctx context.Context) ([]string, error) {
	rows, err := r.pool.Query(ctx, `SELECT instance FROM replicas WHERE lease_until < now() ORDER BY instance`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Forget removes instance's lease once it has been taken over, unless it
// was renewed meanwhile (the replica came back).
func (r *Replicas) Forget(ctx context.Context, instance string) error {
	_, err := r.pool.Exec(ctx, `DELETE FROM replicas WHERE instance = $1 AND lease_until < now()`, instance)
	return err
}

// Address returns where instance said it can be reached, and whether its
// lease is current.
func (r *Replicas) Address(ctx context.Context, instance string) (address string, live bool, err error) {
	err = r.pool.QueryRow(ctx, `SELECT address, lease_until >= now() FROM replicas WHERE instance = $1`, instance).Scan(&address, &live)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	return address, live, err
}

// HoldDuty takes or keeps the lease of duty for instance and reports
// whether instance holds it: it does when nobody held it, it already did,
// or the holder's lease ran out.
func (r *Replicas) HoldDuty(ctx context.Context, duty, instance string, lease time.Duration) (bool, error) {
	tag, err := r.pool.Exec(ctx, `INSERT INTO replica_duties (name, instance, lease_until)
		VALUES ($1, $2, now() + $3 * interval '1 microsecond')
		ON CONFLICT (name) DO UPDATE SET instance = excluded.instance, lease_until = excluded.lease_until
		WHERE replica_duties.instance = excluded.instance OR replica_duties.lease_until < now()`,
		duty, instance, lease.Microseconds())
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// Running is a statement a replica was running, as the store knows it.
type Running struct {
	ID        string
	Target    statement.Target
	Pid       int64
	StartedAt time.Time
}

// RunningOf returns instance's unfinished top-level statements and
// sub-statements with a recorded backend pid.
func (r *Replicas) RunningOf(ctx context.Context, instance string) ([]Running, error) {
	rows, err := r.pool.Query(ctx, `SELECT s.id, coalesce(p.target_kind, s.target_kind), coalesce(p.target_name, s.target_name),
		s.redshift_pid, coalesce(s.started_at, s.created_at)
		FROM statements s LEFT JOIN statements p ON p.id = s.parent_id
		WHERE s.instance = $1 AND s.status IN ('SUBMITTED', 'PICKED', 'STARTED') AND s.redshift_pid <> 0`, instance)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Running, error) {
		var x Running
		var kind string
		err := row.Scan(&x.ID, &kind, &x.Target.Name, &x.Pid, &x.StartedAt)
		x.Target.Kind = engines.Kind(kind)
		return x, err
	})
}

// Watch asks replica instance to announce statement id's end.
func (r *Replicas) Watch(ctx context.Context, instance, id string) error {
	_, err := r.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, WatchChannel, instance+" "+id)
	return err
}

// AnnounceEnded announces statement id's end on EndedChannel.
func (r *Replicas) AnnounceEnded(ctx context.Context, id string) error {
	_, err := r.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, EndedChannel, id)
	return err
}

// AnnounceReset tells the other replicas of a tests-reset's phase
// (ResetBegins or ResetEnded), sent by replica instance.
func (r *Replicas) AnnounceReset(ctx context.Context, instance, phase string) error {
	_, err := r.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, ResetChannel, phase+" "+instance)
	return err
}

// RequestCancel asks the replica running statement id to cancel it.
func (r *Replicas) RequestCancel(ctx context.Context, id string) error {
	_, err := r.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, CancelChannel, id)
	return err
}

// Listen holds one connection LISTENing on channels until ctx ends, and
// calls handle for each notification. It reconnects after a lost
// connection, with a growing pause; connected is called each time it
// listens again, since notifications sent while it was away are lost and
// whoever waits on them must look again; handle is called with channel ""
// when the connection is lost.
func (r *Replicas) Listen(ctx context.Context, log *slog.Logger, channels []string, handle func(channel, payload string), connected func()) {
	cfg := r.pool.Config().ConnConfig.Copy()
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := r.listenOnce(ctx, cfg, channels, handle, connected)
		handle("", "") // not listening now
		if ctx.Err() != nil {
			return
		}
		log.Warn("listening for other replicas' notifications failed; reconnecting", "err", err, "in", pause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

func (r *Replicas) listenOnce(ctx context.Context, cfg *pgx.ConnConfig, channels []string, handle func(channel, payload string), connected func()) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	for _, ch := range channels {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
			return fmt.Errorf("listen %s: %w", ch, err)
		}
	}
	connected()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		handle(n.Channel, n.Payload)
	}
}

// admissionLockKey is the advisory lock serialising admissions on target
// t across replicas: a hash of the target, in a namespace of its own.
func admissionLockKey(t statement.Target) int64 {
	h := fnv.New64a()
	h.Write([]byte("rsdata.admission\x00" + string(t.Kind) + "\x00" + t.Name))
	return int64(h.Sum64())
}

// admitSQL takes client token $35 (when not empty) and inserts the statement,
// unless the token is in use, target ($4, $5) already has $37 active
// top-level statements, or the statement opens a session ($38) and the
// target has $39 open sessions. It returns why it inserted nothing
// (token, active or sessions), or the empty string. The counts and the inserts share
// one snapshot, taken once the caller holds the target's admission lock.
const admitSQL = `WITH verdict AS (
	SELECT CASE
		WHEN $35 <> '' AND EXISTS (SELECT FROM client_tokens WHERE principal = $2 AND token = $35 AND created_at > $36) THEN 'token'
		WHEN (SELECT count(*) FROM statements WHERE target_kind = $4 AND target_name = $5
			AND parent_id IS NULL AND status IN ('SUBMITTED', 'PICKED', 'STARTED')) >= $37 THEN 'active'
		WHEN $38 AND (SELECT count(*) FROM sessions WHERE target_kind = $4 AND target_name = $5
			AND status <> 'CLOSED') >= $39 THEN 'sessions'
		ELSE '' END AS refusal),
token AS (
	INSERT INTO client_tokens (principal, token, statement_id, created_at)
	SELECT $2, $35, $1, $13 FROM verdict WHERE refusal = '' AND $35 <> ''
	ON CONFLICT (principal, token) DO UPDATE SET statement_id = excluded.statement_id, created_at = excluded.created_at
	WHERE client_tokens.created_at <= $36
	RETURNING 1),
inserted AS (
	INSERT INTO statements (` + statementColumns + `) SELECT ` + statementValues + ` FROM verdict
	WHERE refusal = '' AND ($35 = '' OR EXISTS (SELECT FROM token))
	RETURNING 1)
SELECT refusal, EXISTS (SELECT FROM inserted) FROM verdict`

// insertSessionSQL inserts the session a statement opens if the statement
// ($14) was inserted.
const insertSessionSQL = `INSERT INTO sessions (` + sessionColumns + `) SELECT
	$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15
	WHERE EXISTS (SELECT FROM statements WHERE id = $14)`

// CreateAdmitted implements statement.SharedAdmitter. One pipelined
// batch, one round trip, one implicit transaction: the target's admission
// lock (every replica admitting on the target waits for it, and it is
// released at commit, once what was admitted is visible), then admitSQL,
// then the sub-statements and the session, each inserted only if the
// statement was.
func (s *Statements) CreateAdmitted(ctx context.Context, req statement.AdmitRequest) (string, error) {
	st := req.Statement
	args, err := statementArgs(st)
	if err != nil {
		return "", err
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock($1)`, admissionLockKey(st.Target))
	b.Queue(admitSQL, append(args, req.Token, req.TokenSince, int64(req.MaxActive), req.Session != nil, int64(req.MaxSessions))...)
	for _, sub := range st.Subs {
		subArgs, err := statementArgs(sub)
		if err != nil {
			return "", err
		}
		b.Queue(insertSubStatementSQL, subArgs...)
	}
	if ss := req.Session; ss != nil {
		b.Queue(insertSessionSQL, ss.ID, ss.Owner.Principal, ss.Owner.UserID, string(ss.Target.Kind), ss.Target.Name,
			ss.Database, ss.DbUser, ss.SecretArn, int64(ss.KeepAlive/time.Second), string(ss.Status), ss.CreatedAt,
			ss.UpdatedAt, ss.TTL, ss.CurrentStatement, ss.Instance)
	}
	br := s.pool.SendBatch(ctx, b)
	var (
		refusal  string
		inserted bool
	)
	_, err = br.Exec()
	if err == nil {
		err = br.QueryRow().Scan(&refusal, &inserted)
	}
	for i := 2; i < b.Len() && err == nil; i++ {
		_, err = br.Exec()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return "", err
	case inserted:
		return "", nil
	case refusal == "active":
		return "", statement.ErrTooManyActive
	case refusal == "sessions":
		return "", statement.ErrTooManySessions
	}
	// The token was used for another statement within its lifetime.
	var existing string
	err = s.pool.QueryRow(ctx, `SELECT statement_id FROM client_tokens WHERE principal = $1 AND token = $2`,
		st.Owner.Principal, req.Token).Scan(&existing)
	return existing, err
}
