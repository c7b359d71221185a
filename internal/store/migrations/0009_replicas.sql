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
