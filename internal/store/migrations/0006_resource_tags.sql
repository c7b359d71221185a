-- Tags: the tags of Redshift clusters and Redshift Serverless
-- workgroups, keyed by the resource's ARN. IAM and Secrets Manager keep their
-- own tags with their resources.
CREATE TABLE resource_tags (
	arn   text NOT NULL,
	key   text NOT NULL,
	value text NOT NULL,
	PRIMARY KEY (arn, key)
);
