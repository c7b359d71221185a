-- Batches, parameters, client tokens, sessions and the events outbox.
ALTER TABLE statements
	ADD COLUMN params         jsonb,
	ADD COLUMN is_batch       boolean NOT NULL DEFAULT false,
	ADD COLUMN query_strings  jsonb,
	ADD COLUMN execution_mode text NOT NULL DEFAULT '',
	ADD COLUMN parent_id      text,
	ADD COLUMN sub_index      integer NOT NULL DEFAULT 0,
	ADD COLUMN session_id     text NOT NULL DEFAULT '',
	ADD COLUMN with_event     boolean NOT NULL DEFAULT false;
CREATE INDEX statements_parent ON statements (parent_id, sub_index) WHERE parent_id IS NOT NULL;
CREATE TABLE client_tokens (
	principal    text NOT NULL,
	token        text NOT NULL,
	statement_id text NOT NULL,
	created_at   timestamptz NOT NULL,
	PRIMARY KEY (principal, token)
);
CREATE TABLE sessions (
	id                 text PRIMARY KEY,
	owner_principal    text NOT NULL,
	owner_userid       text NOT NULL,
	target_kind        text NOT NULL,
	target_name        text NOT NULL,
	database           text NOT NULL,
	db_user            text NOT NULL,
	secret_arn         text NOT NULL,
	keep_alive_seconds bigint NOT NULL,
	status             text NOT NULL,
	created_at         timestamptz NOT NULL,
	updated_at         timestamptz NOT NULL,
	ttl                timestamptz NOT NULL,
	current_statement  text NOT NULL,
	instance           text NOT NULL
);
CREATE INDEX sessions_owner_created ON sessions (owner_principal, created_at DESC, id DESC);
-- The outbox of status-change events: a row is written in the same
-- transaction that makes its statement terminal, and marked delivered
-- only after every sink took it, so delivery is at least once.
CREATE TABLE events (
	id           bigserial PRIMARY KEY,
	statement_id text NOT NULL,
	state        text NOT NULL,
	created_at   timestamptz NOT NULL,
	delivered_at timestamptz
);
CREATE INDEX events_pending ON events (id) WHERE delivered_at IS NULL;
