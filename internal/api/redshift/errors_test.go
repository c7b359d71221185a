package redshift_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	rs "github.com/aws/aws-sdk-go-v2/service/redshift"
	rstypes "github.com/aws/aws-sdk-go-v2/service/redshift/types"

	"github.com/rsdata/rsdata/internal/auth"
)

// TestRedshiftErrors: the rows of docs/ERRORS.md's Redshift section, each
// through aws-sdk-go-v2's Redshift client, asserting code, text and status.
func TestRedshiftErrors(t *testing.T) {
	ctx := context.Background()
	e := setup(t, root)
	c := e.client
	iamUser := setup(t, &auth.Principal{AccountID: account, ARN: "arn:aws:iam::" + account + ":user/alice", UserName: "alice"})
	cluster, tagged, _ := setupTagged(t)
	clusterARN := "arn:aws:redshift:us-east-1:" + account + ":cluster:" + cluster
	missingARN := "arn:aws:redshift:us-east-1:" + account + ":cluster:nope"
	rows := []struct {
		name    string
		call    func() error
		code    string
		status  int
		message string
	}{
		{"GetClusterCredentials/unknown cluster", func() error {
			_, err := c.GetClusterCredentials(ctx, &rs.GetClusterCredentialsInput{ClusterIdentifier: aws.String("nope"), DbUser: aws.String("bob")})
			return err
		}, "ClusterNotFound", 404, "Cluster nope not found."},
		{"GetClusterCredentialsWithIAM/unknown cluster", func() error {
			_, err := iamUser.client.GetClusterCredentialsWithIAM(ctx, &rs.GetClusterCredentialsWithIAMInput{ClusterIdentifier: aws.String("nope")})
			return err
		}, "ClusterNotFound", 404, "Cluster nope not found."},
		{"DescribeClusters/unknown cluster", func() error {
			_, err := c.DescribeClusters(ctx, &rs.DescribeClustersInput{ClusterIdentifier: aws.String("nope")})
			return err
		}, "ClusterNotFound", 404, "Cluster nope not found."},
		{"DescribeClusters/identifier in another case", func() error {
			_, err := c.DescribeClusters(ctx, &rs.DescribeClustersInput{ClusterIdentifier: aws.String(strings.ToUpper(e.cluster))})
			return err
		}, "ClusterNotFound", 404, "Cluster " + strings.ToUpper(e.cluster) + " not found."},
		{"GetClusterCredentials/DurationSeconds 899", func() error {
			_, err := tagged.GetClusterCredentials(ctx, &rs.GetClusterCredentialsInput{ClusterIdentifier: aws.String(cluster), DbUser: aws.String("bob"), DurationSeconds: aws.Int32(899)})
			return err
		}, "InvalidParameterValue", 400, "Token duration must be between 900 and 3600 seconds"},
		{"GetClusterCredentialsWithIAM/DurationSeconds 3601", func() error {
			_, err := iamUser.client.GetClusterCredentialsWithIAM(ctx, &rs.GetClusterCredentialsWithIAMInput{ClusterIdentifier: aws.String(iamUser.cluster), DurationSeconds: aws.Int32(3601)})
			return err
		}, "InvalidParameterValue", 400, "Token duration must be between 900 and 3600 seconds"},
		{"GetClusterCredentials/DbUser PUBLIC", func() error {
			_, err := c.GetClusterCredentials(ctx, &rs.GetClusterCredentialsInput{ClusterIdentifier: aws.String(e.cluster), DbUser: aws.String("PUBLIC")})
			return err
		}, "InvalidParameterValue", 400, `invalid database user name "PUBLIC": cannot be PUBLIC`},
		{"GetClusterCredentials/DbGroups names no group", func() error {
			_, err := c.GetClusterCredentials(ctx, &rs.GetClusterCredentialsInput{ClusterIdentifier: aws.String(e.cluster), DbUser: aws.String("bob"),
				AutoCreate: aws.Bool(true), DbGroups: []string{"missing_" + e.db}})
			return err
		}, "InvalidParameterValue", 400, "Database group missing_" + e.db + " does not exist."},
		{"GetClusterCredentials/CustomDomainName without ClusterIdentifier", func() error {
			_, err := c.GetClusterCredentials(ctx, &rs.GetClusterCredentialsInput{CustomDomainName: aws.String("db.example.com"), DbUser: aws.String("bob")})
			return err
		}, "UnsupportedOperation", 400, "CustomDomainName is not supported; pass ClusterIdentifier."},
		{"CreateTags/unknown cluster", func() error {
			_, err := tagged.CreateTags(ctx, &rs.CreateTagsInput{ResourceName: aws.String(missingARN), Tags: []rstypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		}, "ResourceNotFoundFault", 404, "The resource " + missingARN + " could not be found."},
		{"DescribeTags/unknown cluster", func() error {
			_, err := tagged.DescribeTags(ctx, &rs.DescribeTagsInput{ResourceName: aws.String(missingARN)})
			return err
		}, "ResourceNotFoundFault", 404, "The resource " + missingARN + " could not be found."},
		{"DeleteTags/not a cluster ARN", func() error {
			_, err := tagged.DeleteTags(ctx, &rs.DeleteTagsInput{ResourceName: aws.String("my-cluster"), TagKeys: []string{"k"}})
			return err
		}, "InvalidParameterValue", 400, "ResourceName my-cluster is not a cluster ARN (arn:aws:redshift:us-east-1:" + account + ":cluster:<cluster identifier>)."},
		{"CreateTags/key over 128 characters", func() error {
			_, err := tagged.CreateTags(ctx, &rs.CreateTagsInput{ResourceName: aws.String(clusterARN), Tags: []rstypes.Tag{{Key: aws.String(strings.Repeat("k", 129)), Value: aws.String("v")}}})
			return err
		}, "InvalidTagFault", 400, "Tag keys must be 1 to 128 characters and values at most 256 characters."},
		{"CreateTags/more than 50 tags", func() error {
			tags := make([]rstypes.Tag, 51)
			for i := range tags {
				tags[i] = rstypes.Tag{Key: aws.String("k" + strings.Repeat("x", i)), Value: aws.String("v")}
			}
			_, err := tagged.CreateTags(ctx, &rs.CreateTagsInput{ResourceName: aws.String(clusterARN), Tags: tags})
			return err
		}, "TagLimitExceededFault", 400, "You have exceeded the number of tags allowed."},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) { wantAPIError(t, r.call(), r.code, r.status, r.message) })
	}
}
