-- IAM identities (internal/identity). Names are unique ignoring case, as
-- in IAM; inline policies, attachments and tags belong to a user or a
-- role, named by (owner_kind, owner_name).
CREATE TABLE iam_users (
	name       text PRIMARY KEY,
	id         text NOT NULL UNIQUE,
	path       text NOT NULL,
	arn        text NOT NULL,
	created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX iam_users_name_ci ON iam_users (lower(name));
CREATE TABLE iam_access_keys (
	id            text PRIMARY KEY,
	user_name     text NOT NULL REFERENCES iam_users (name),
	status        text NOT NULL,
	sealed_secret bytea NOT NULL,
	created_at    timestamptz NOT NULL
);
CREATE INDEX iam_access_keys_user ON iam_access_keys (user_name);
CREATE TABLE iam_roles (
	name                 text PRIMARY KEY,
	id                   text NOT NULL UNIQUE,
	path                 text NOT NULL,
	arn                  text NOT NULL,
	description          text NOT NULL,
	trust_policy         text NOT NULL,
	max_session_duration integer NOT NULL,
	created_at           timestamptz NOT NULL
);
CREATE UNIQUE INDEX iam_roles_name_ci ON iam_roles (lower(name));
CREATE TABLE iam_policies (
	arn             text PRIMARY KEY,
	name            text NOT NULL,
	id              text NOT NULL UNIQUE,
	path            text NOT NULL,
	description     text NOT NULL,
	document        text NOT NULL,
	default_version text NOT NULL,
	created_at      timestamptz NOT NULL,
	updated_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX iam_policies_name_ci ON iam_policies (lower(name));
CREATE TABLE iam_inline_policies (
	owner_kind text NOT NULL,
	owner_name text NOT NULL,
	name       text NOT NULL,
	document   text NOT NULL,
	PRIMARY KEY (owner_kind, owner_name, name)
);
CREATE TABLE iam_attachments (
	owner_kind text NOT NULL,
	owner_name text NOT NULL,
	policy_arn text NOT NULL,
	PRIMARY KEY (owner_kind, owner_name, policy_arn)
);
CREATE INDEX iam_attachments_policy ON iam_attachments (policy_arn);
CREATE TABLE iam_tags (
	owner_kind text NOT NULL,
	owner_name text NOT NULL,
	key        text NOT NULL,
	value      text NOT NULL,
	PRIMARY KEY (owner_kind, owner_name, key)
);
