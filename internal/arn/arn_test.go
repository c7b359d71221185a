package arn

import "testing"

// TestFormats checks each builder against the ARN formats AWS documents
// for the resource type (Redshift, Redshift Serverless, IAM, STS and
// Secrets Manager resource types in the Service Authorization Reference).
func TestFormats(t *testing.T) {
	const region, account = "us-east-2", "123456789012"
	for _, c := range []struct{ got, want string }{
		{Cluster(region, account, "my-cluster"), "arn:aws:redshift:us-east-2:123456789012:cluster:my-cluster"},
		{DbUser(region, account, "my-cluster", "bob"), "arn:aws:redshift:us-east-2:123456789012:dbuser:my-cluster/bob"},
		{DbName(region, account, "my-cluster", "dev"), "arn:aws:redshift:us-east-2:123456789012:dbname:my-cluster/dev"},
		{DbGroup(region, account, "my-cluster", "analysts"), "arn:aws:redshift:us-east-2:123456789012:dbgroup:my-cluster/analysts"},
		{Workgroup(region, account, "default"), "arn:aws:redshift-serverless:us-east-2:123456789012:workgroup/" + WorkgroupID(account, "default")},
		{IAMRoot(account), "arn:aws:iam::123456789012:root"},
		{IAMUser(account, "/", "alice"), "arn:aws:iam::123456789012:user/alice"},
		{IAMUser(account, "/eng/", "alice"), "arn:aws:iam::123456789012:user/eng/alice"},
		{IAMRole(account, "/", "etl"), "arn:aws:iam::123456789012:role/etl"},
		{IAMPolicy(account, "/", "p"), "arn:aws:iam::123456789012:policy/p"},
		{AssumedRole(account, "etl", "s1"), "arn:aws:sts::123456789012:assumed-role/etl/s1"},
		{SecretPrefix(region, account) + "db-AbCdEf", "arn:aws:secretsmanager:us-east-2:123456789012:secret:db-AbCdEf"},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}

// TestDerivedIDsAreStable pins ids issued by earlier versions: they appear
// in users' policies and tag keys, so a change of derivation must fail
// here rather than change them silently.
func TestDerivedIDsAreStable(t *testing.T) {
	if got := WorkgroupID("123456789012", "default"); got != "b16be8bc-6bd3-554b-9830-9a6719802e57" {
		t.Errorf("WorkgroupID = %s", got)
	}
	if got := ClusterNamespace("us-east-1", "123456789012", "local"); got != "arn:aws:redshift:us-east-1:123456789012:namespace:b5fc01b0-0f11-54a3-9b1c-30cbee270b7d" {
		t.Errorf("ClusterNamespace = %s", got)
	}
	if WorkgroupID("123456789012", "a") == WorkgroupID("123456789013", "a") {
		t.Error("two accounts' workgroups of one name share an id")
	}
}
