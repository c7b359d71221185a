-- Datastores: the datastore API's saved connections (passwords sealed),
-- datastores, the catalog of each (containers with their fields as JSON),
-- catalog operations, and the API's bearer tokens (SHA-256 hashes only).
CREATE TABLE ds_connections (
	id              bigserial PRIMARY KEY,
	name            text NOT NULL,
	type            text NOT NULL,
	host            text NOT NULL,
	port            integer NOT NULL,
	auth_type       text NOT NULL,
	username        text NOT NULL DEFAULT '',
	sealed_password bytea,
	role_arn        text NOT NULL DEFAULT '',
	external_id     text NOT NULL DEFAULT '',
	created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ds_datastores (
	id                      bigserial PRIMARY KEY,
	name                    text NOT NULL,
	connection_id           bigint NOT NULL REFERENCES ds_connections (id),
	database                text NOT NULL,
	schema                  text NOT NULL,
	description             text NOT NULL DEFAULT '',
	teams                   jsonb NOT NULL DEFAULT '[]',
	tags                    jsonb NOT NULL DEFAULT '[]',
	enrichment_only         boolean NOT NULL,
	enrichment_datastore_id bigint REFERENCES ds_datastores (id) ON DELETE SET NULL,
	enrichment_prefix       text NOT NULL DEFAULT '',
	created_at              timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ds_containers (
	id           bigserial PRIMARY KEY,
	datastore_id bigint NOT NULL REFERENCES ds_datastores (id) ON DELETE CASCADE,
	name         text NOT NULL,
	type         text NOT NULL,
	fields       jsonb NOT NULL,
	updated_at   timestamptz NOT NULL DEFAULT now(),
	UNIQUE (datastore_id, name)
);

CREATE TABLE ds_operations (
	id           bigserial PRIMARY KEY,
	type         text NOT NULL,
	datastore_id bigint NOT NULL REFERENCES ds_datastores (id) ON DELETE CASCADE,
	status       text NOT NULL,
	message      text NOT NULL DEFAULT '',
	include      jsonb NOT NULL DEFAULT '[]',
	prune        boolean NOT NULL DEFAULT false,
	recreate     boolean NOT NULL DEFAULT false,
	added        integer NOT NULL DEFAULT 0,
	updated      integer NOT NULL DEFAULT 0,
	removed      integer NOT NULL DEFAULT 0,
	created_at   timestamptz NOT NULL DEFAULT now(),
	started_at   timestamptz,
	ended_at     timestamptz
);

CREATE TABLE ds_tokens (
	id         bigserial PRIMARY KEY,
	name       text NOT NULL,
	role       integer NOT NULL,
	hash       text NOT NULL UNIQUE,
	created_at timestamptz NOT NULL DEFAULT now(),
	revoked_at timestamptz
);
