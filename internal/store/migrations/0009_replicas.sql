-- Replicas sharing this control store (internal/app replicas): each holds
-- a lease it renews, and the address other replicas forward session calls
-- to. A replica whose lease has expired is taken over by another.
CREATE TABLE replicas (
	instance    text PRIMARY KEY,
	address     text NOT NULL,
	started_at  timestamptz NOT NULL,
	lease_until timestamptz NOT NULL
);
-- Background work (event delivery, reapers) runs on the one replica holding
-- its lease.
CREATE TABLE replica_duties (
	name        text PRIMARY KEY,
	instance    text NOT NULL,
	lease_until timestamptz NOT NULL
);
-- Limits count across replicas: the active statements and open sessions of
-- a cluster or workgroup, whichever replica runs them.
CREATE INDEX statements_active_target ON statements (target_kind, target_name)
	WHERE parent_id IS NULL AND status IN ('SUBMITTED', 'PICKED', 'STARTED');
CREATE INDEX sessions_open_target ON sessions (target_kind, target_name) WHERE status <> 'CLOSED';
