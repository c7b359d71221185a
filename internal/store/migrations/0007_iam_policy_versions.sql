-- Every version of a customer managed policy;
-- iam_policies keeps the default one's document (what evaluation reads) and
-- the number of the last version created, so numbers are never reused.
CREATE TABLE iam_policy_versions (
	policy_arn text NOT NULL REFERENCES iam_policies (arn) ON DELETE CASCADE,
	version_id text NOT NULL,
	document   text NOT NULL,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (policy_arn, version_id)
);
INSERT INTO iam_policy_versions (policy_arn, version_id, document, created_at)
	SELECT arn, default_version, document, updated_at FROM iam_policies;
ALTER TABLE iam_policies ADD COLUMN last_version integer NOT NULL DEFAULT 1;
