-- Leases of temporary database users
-- (internal/dbcreds): one row per (engine, role), holding all that revoking
-- the role needs.
CREATE TABLE dbcred_leases (
	engine_kind text NOT NULL,
	engine_name text NOT NULL,
	role        text NOT NULL,
	database    text NOT NULL,
	expires_at  timestamptz NOT NULL,
	valid_until timestamptz NOT NULL,
	created_at  timestamptz NOT NULL,
	PRIMARY KEY (engine_kind, engine_name, role)
);
CREATE INDEX dbcred_leases_expires ON dbcred_leases (expires_at);
