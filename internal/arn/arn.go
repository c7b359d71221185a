// Package arn owns the Amazon Resource Names rsdata hands out and checks:
// one function per resource type, so every API, the authorizer, the tag
// store and the status-change events name a resource the same way.
//
// rsdata serves the standard partition ("aws"); its region and account
// come from the caller, because they are configuration.
package arn

import (
	"crypto/sha256"
	"encoding/hex"
)

// Partition is the partition of every ARN rsdata issues.
const Partition = "aws"

// Cluster is a provisioned cluster's ARN.
func Cluster(region, account, name string) string {
	return redshift(region, account, "cluster:"+name)
}

// ClusterNamespace is the ARN of the namespace behind a provisioned
// cluster, as DescribeClusters reports it.
func ClusterNamespace(region, account, cluster string) string {
	return redshift(region, account, "namespace:"+derivedID("redshift-namespace", account, cluster))
}

// DbUser names a database user of a cluster, the resource of
// GetClusterCredentials and CreateClusterUser.
func DbUser(region, account, cluster, user string) string {
	return redshift(region, account, "dbuser:"+cluster+"/"+user)
}

// DbName names a database of a cluster.
func DbName(region, account, cluster, database string) string {
	return redshift(region, account, "dbname:"+cluster+"/"+database)
}

// DbGroup names a database group of a cluster, the resource of JoinGroup.
func DbGroup(region, account, cluster, group string) string {
	return redshift(region, account, "dbgroup:"+cluster+"/"+group)
}

func redshift(region, account, resource string) string {
	return "arn:" + Partition + ":redshift:" + region + ":" + account + ":" + resource
}

// Workgroup is a Redshift Serverless workgroup's ARN. Like AWS's, it names
// the workgroup by id, not by name.
func Workgroup(region, account, name string) string {
	return "arn:" + Partition + ":redshift-serverless:" + region + ":" + account + ":workgroup/" + WorkgroupID(account, name)
}

// WorkgroupID is a workgroup's id: a UUID-shaped value derived from the
// account and the name, so it is the same after a restart and in every
// API without being stored.
func WorkgroupID(account, name string) string {
	return derivedID("redshift-serverless-workgroup", account, name)
}

// derivedID is the id of a resource that rsdata does not store: the first
// 16 bytes of a SHA-256 digest of its kind, account and name, with the
// version nibble set to 5 and the RFC 4122 variant.
//
// That is not a standard version-5 UUID (those use SHA-1 over a name
// space). The derivation is kept as it is because ids already issued
// appear in users' IAM policies and in the tag store's keys, and a
// different derivation would silently change them.
func derivedID(kind, account, name string) string {
	sum := sha256.Sum256([]byte(kind + ":" + account + ":" + name))
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// IAMRoot is an account's root user.
func IAMRoot(account string) string { return iam(account, "root") }

// IAMUser is an IAM user's ARN; path starts and ends with "/".
func IAMUser(account, path, name string) string { return iam(account, "user"+path+name) }

// IAMRole is an IAM role's ARN; path starts and ends with "/".
func IAMRole(account, path, name string) string { return iam(account, "role"+path+name) }

// IAMPolicy is a customer managed policy's ARN; path starts and ends with "/".
func IAMPolicy(account, path, name string) string { return iam(account, "policy"+path+name) }

func iam(account, resource string) string {
	return "arn:" + Partition + ":iam::" + account + ":" + resource
}

// AssumedRole is the ARN of a role session, the identity STS AssumeRole
// credentials act as.
func AssumedRole(account, role, session string) string {
	return "arn:" + Partition + ":sts::" + account + ":assumed-role/" + role + "/" + session
}

// SecretPrefix is what every secret's ARN in an account and region starts
// with; the secret's name and a random suffix follow.
func SecretPrefix(region, account string) string {
	return "arn:" + Partition + ":secretsmanager:" + region + ":" + account + ":secret:"
}
