-- Statements and their result pages (statement.Store, results.PageStore).
CREATE TABLE statements (
	id                text PRIMARY KEY,
	owner_principal   text NOT NULL,
	owner_userid      text NOT NULL,
	target_kind       text NOT NULL,
	target_name       text NOT NULL,
	database          text NOT NULL,
	db_user           text NOT NULL,
	secret_arn        text NOT NULL,
	name              text NOT NULL,
	sql               text NOT NULL,
	status            text NOT NULL,
	error             text NOT NULL,
	created_at        timestamptz NOT NULL,
	updated_at        timestamptz NOT NULL,
	started_at        timestamptz,
	ended_at          timestamptz,
	redshift_pid      bigint NOT NULL,
	redshift_query_id bigint NOT NULL,
	result_rows       bigint NOT NULL,
	result_size       bigint NOT NULL,
	has_result_set    boolean NOT NULL,
	columns           jsonb,
	pages             integer NOT NULL,
	result_format     text NOT NULL,
	expires_at        timestamptz NOT NULL,
	instance          text NOT NULL
);
CREATE INDEX statements_owner_created ON statements (owner_principal, created_at DESC, id DESC);
CREATE INDEX statements_unfinished ON statements (instance) WHERE status IN ('SUBMITTED', 'PICKED', 'STARTED');
CREATE INDEX statements_expires ON statements (expires_at);
CREATE TABLE result_pages (
	statement_id text NOT NULL,
	page         integer NOT NULL,
	data         bytea NOT NULL,
	PRIMARY KEY (statement_id, page)
);
-- Pages arrive compressed; recompressing them would only cost CPU.
ALTER TABLE result_pages ALTER COLUMN data SET STORAGE EXTERNAL;
