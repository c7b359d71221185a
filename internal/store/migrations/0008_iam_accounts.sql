-- IAM identities of every account rsdata serves, rsdata's own and the peer
-- accounts', in one set of tables keyed by account (until now each peer
-- account had a schema of its own with every table). Existing rows belong
-- to rsdata's own account, which the migrator sets as rsdata.home_account;
-- the peer accounts' rows are moved in after this file runs.
ALTER TABLE iam_access_keys DROP CONSTRAINT iam_access_keys_user_name_fkey;

ALTER TABLE iam_users ADD COLUMN account text NOT NULL DEFAULT current_setting('rsdata.home_account');
ALTER TABLE iam_users ALTER COLUMN account DROP DEFAULT;
ALTER TABLE iam_users DROP CONSTRAINT iam_users_pkey, ADD PRIMARY KEY (account, name);
DROP INDEX iam_users_name_ci;
CREATE UNIQUE INDEX iam_users_name_ci ON iam_users (account, lower(name));

ALTER TABLE iam_access_keys ADD COLUMN account text NOT NULL DEFAULT current_setting('rsdata.home_account');
ALTER TABLE iam_access_keys ALTER COLUMN account DROP DEFAULT;
ALTER TABLE iam_access_keys ADD FOREIGN KEY (account, user_name) REFERENCES iam_users (account, name);
DROP INDEX iam_access_keys_user;
CREATE INDEX iam_access_keys_user ON iam_access_keys (account, user_name);

ALTER TABLE iam_roles ADD COLUMN account text NOT NULL DEFAULT current_setting('rsdata.home_account');
ALTER TABLE iam_roles ALTER COLUMN account DROP DEFAULT;
ALTER TABLE iam_roles DROP CONSTRAINT iam_roles_pkey, ADD PRIMARY KEY (account, name);
DROP INDEX iam_roles_name_ci;
CREATE UNIQUE INDEX iam_roles_name_ci ON iam_roles (account, lower(name));

-- A managed policy's ARN names its account, so it stays the key.
ALTER TABLE iam_policies ADD COLUMN account text NOT NULL DEFAULT current_setting('rsdata.home_account');
ALTER TABLE iam_policies ALTER COLUMN account DROP DEFAULT;
DROP INDEX iam_policies_name_ci;
CREATE UNIQUE INDEX iam_policies_name_ci ON iam_policies (account, lower(name));

ALTER TABLE iam_inline_policies ADD COLUMN account text NOT NULL DEFAULT current_setting('rsdata.home_account');
ALTER TABLE iam_inline_policies ALTER COLUMN account DROP DEFAULT;
ALTER TABLE iam_inline_policies DROP CONSTRAINT iam_inline_policies_pkey, ADD PRIMARY KEY (account, owner_kind, owner_name, name);

ALTER TABLE iam_attachments ADD COLUMN account text NOT NULL DEFAULT current_setting('rsdata.home_account');
ALTER TABLE iam_attachments ALTER COLUMN account DROP DEFAULT;
ALTER TABLE iam_attachments DROP CONSTRAINT iam_attachments_pkey, ADD PRIMARY KEY (account, owner_kind, owner_name, policy_arn);
DROP INDEX iam_attachments_policy;
CREATE INDEX iam_attachments_policy ON iam_attachments (account, policy_arn);

ALTER TABLE iam_tags ADD COLUMN account text NOT NULL DEFAULT current_setting('rsdata.home_account');
ALTER TABLE iam_tags ALTER COLUMN account DROP DEFAULT;
ALTER TABLE iam_tags DROP CONSTRAINT iam_tags_pkey, ADD PRIMARY KEY (account, owner_kind, owner_name, key);
