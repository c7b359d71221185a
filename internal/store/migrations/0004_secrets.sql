-- Secrets Manager secrets (internal/secrets). Values
-- are stored sealed (sealed_value); a version's row never changes except for
-- its staging labels. revision guards read-modify-write updates.
CREATE TABLE sm_secrets (
	arn              text PRIMARY KEY,
	name             text NOT NULL UNIQUE,
	description      text NOT NULL,
	kms_key_id       text NOT NULL,
	tags             jsonb NOT NULL,
	created_at       timestamptz NOT NULL,
	last_changed_at  timestamptz NOT NULL,
	last_accessed_on timestamptz,
	deleted_at       timestamptz,
	deletion_at      timestamptz,
	revision         bigint NOT NULL
);
CREATE TABLE sm_secret_versions (
	secret_arn   text NOT NULL REFERENCES sm_secrets (arn) ON DELETE CASCADE,
	version_id   text NOT NULL,
	seq          integer NOT NULL,
	stages       text[] NOT NULL,
	is_binary    boolean NOT NULL,
	sealed_value bytea NOT NULL,
	created_at   timestamptz NOT NULL,
	PRIMARY KEY (secret_arn, version_id)
);
