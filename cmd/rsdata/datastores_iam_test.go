package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// The seed's IAM_ROLE requests, verbatim but for host, port and the external
// id (the role ARNs name rsdata's default account, 123456789012, so they
// stay too). The seed's "<your-external-id>" is a placeholder to fill in:
// STS's ExternalId pattern, [\w+=,.@:/-]*, refuses its angle brackets, on
// AWS as on rsdata, so iamSeedBody puts testExternalID in its place.
const (
	seedSourceIAM = `{
    "name": "Redshift Production",
    "connection": {
      "name": "redshift_production",
      "type": "redshift",
      "host": "your-cluster.abc123.us-east-1.redshift.amazonaws.com",
      "port": 5439,
      "parameters": {
        "authentication_type": "IAM_ROLE",
        "role_arn": "arn:aws:iam::123456789012:role/QualyticsRedshiftRole",
        "external_id": "<your-external-id>"
      }
    },
    "database": "your_database",
    "schema": "public",
    "teams": ["Data Platform"],
    "enrichment_only": false,
    "trigger_catalog": true
  }`
	seedEnrichmentIAM = `{
    "name": "Redshift Enrichment",
    "connection": {
      "name": "redshift_enrichment",
      "type": "redshift",
      "host": "your-cluster.abc123.us-east-1.redshift.amazonaws.com",
      "port": 5439,
      "parameters": {
        "authentication_type": "IAM_ROLE",
        "role_arn": "arn:aws:iam::123456789012:role/QualyticsRedshiftEnrichmentRole",
        "external_id": "<your-external-id>"
      }
    },
    "database": "your_database",
    "schema": "qualytics_enrichment",
    "teams": ["Data Platform"],
    "enrichment_only": true,
    "trigger_catalog": true
  }`
)

// testExternalID is the external id the test's trust policies require.
const testExternalID = "rsdata-e2e-external-id"

// iamSeedBody is seedBody with the seed's external id placeholder filled in.
func iamSeedBody(seed string, port int) string {
	return strings.ReplaceAll(seedBody(seed, port), "<your-external-id>", testExternalID)
}

// createDatastoreRole makes a role whose trust policy lets rsdata's own
// identity, rsdata-datastores, assume it only with testExternalID,
// and which may get database credentials.
func createDatastoreRole(t testing.TB, s *server, name string, credentialPolicy bool) {
	t.Helper()
	rc := s.RootCredentials()
	c := iam.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(s.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(rc.AccessKeyID, rc.SecretAccessKey, "")})
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::123456789012:user/rsdata-datastores"},"Action":"sts:AssumeRole",
		"Condition":{"StringEquals":{"sts:ExternalId":"` + testExternalID + `"}}}]}`
	ctx := context.Background()
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatalf("CreateRole %s: %v", name, err)
	}
	if !credentialPolicy {
		return
	}
	perm := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentialsWithIAM",
		"Resource":"arn:aws:redshift:us-east-1:123456789012:dbname:local/your_database"}]}`
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("db"),
		PolicyDocument: aws.String(perm)}); err != nil {
		t.Fatalf("PutRolePolicy %s: %v", name, err)
	}
}

// TestDatastoreSeedIAMRole replays the seed's IAM_ROLE requests: rsdata
// assumes the role through its own STS (the trust policy requires the
// external id), gets an IAMR: login from GetClusterCredentialsWithIAM, and
// really connects with it.
func TestDatastoreSeedIAMRole(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{})
	token := adminTokenOf(t, s)
	setUpSeedDatabase(t, s)
	port := s.EnginePort("cluster", "local")
	createDatastoreRole(t, s, "QualyticsRedshiftRole", true)
	createDatastoreRole(t, s, "QualyticsRedshiftEnrichmentRole", true)
	createDatastoreRole(t, s, "NoCredentialsRole", false)

	// A wrong external id: the dry-run test fails with STS's reason.
	wrong := strings.ReplaceAll(iamSeedBody(seedSourceIAM, port), testExternalID, "not-the-external-id")
	r := mustCurl(t, s, 400, "POST", "/api/datastores/connection", token, wrong)
	if !strings.Contains(r.Body, "STS AssumeRole: AccessDenied: User: arn:aws:iam::123456789012:user/rsdata-datastores is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/QualyticsRedshiftRole") {
		t.Errorf("wrong external id: %s", r.Body)
	}
	// Without one at all, the same.
	noID := strings.ReplaceAll(iamSeedBody(seedSourceIAM, port), `"external_id": "`+testExternalID+`"`, `"external_id": ""`)
	if r := mustCurl(t, s, 400, "POST", "/api/datastores/connection", token, noID); !strings.Contains(r.Body, "AccessDenied") {
		t.Errorf("no external id: %s", r.Body)
	}
	// A role without redshift:GetClusterCredentialsWithIAM: Redshift's reason.
	noPerm := strings.ReplaceAll(iamSeedBody(seedSourceIAM, port), "QualyticsRedshiftRole", "NoCredentialsRole")
	if r := mustCurl(t, s, 400, "POST", "/api/datastores/connection", token, noPerm); !strings.Contains(r.Body, "GetClusterCredentialsWithIAM") ||
		!strings.Contains(r.Body, "not authorized") {
		t.Errorf("a role without credential permissions: %s", r.Body)
	}
	// The right one.
	mustCurl(t, s, 204, "POST", "/api/datastores/connection", token, iamSeedBody(seedSourceIAM, port))

	var src, enr createdDatastore
	mustCurl(t, s, 200, "POST", "/api/datastores", token, iamSeedBody(seedSourceIAM, port)).decode(t, &src)
	mustCurl(t, s, 200, "POST", "/api/datastores", token, iamSeedBody(seedEnrichmentIAM, port)).decode(t, &enr)
	if !src.Connected || src.EnrichmentOnly || !enr.Connected || !enr.EnrichmentOnly {
		t.Fatalf("created: %+v %+v", src, enr)
	}
	var test testResultOut
	mustCurl(t, s, 200, "POST", fmt.Sprintf("/api/datastores/%d/connection", src.ID), token, "").decode(t, &test)
	if !test.Connected {
		t.Errorf("test of the IAM datastore: %+v", test)
	}
	if op := waitOperation(t, s, token, src.OperationID); op.Result != "success" || op.Added != 1 {
		t.Errorf("IAM source catalog: %+v", op)
	}

	c := s.RootClient()
	if got := queryString(t, c, onDatastore(src.ClusterIdentifier, "select current_user, current_schema()")); got != "IAMR:QualyticsRedshiftRole|public" {
		t.Errorf("IAM source login: %q", got)
	}
	// The temporary login is a real password login with an expiry.
	if got := s.adminPsql("cluster-local", "dev", `select rolvaliduntil is not null and rolpassword like 'SCRAM-SHA-256$%' from pg_authid where rolname = 'IAMR:QualyticsRedshiftRole'`); got != "t" {
		t.Errorf("IAMR login: valid until set and SCRAM password = %s", got)
	}
	failing(t, c, onDatastore(src.ClusterIdentifier, "create table public.nope (a int)"))

	s.adminPsql("cluster-local", "your_database", `grant usage, create on schema qualytics_enrichment to "IAMR:QualyticsRedshiftEnrichmentRole"`)
	mustFinish(t, c, execute(t, c, onDatastore(enr.ClusterIdentifier, "create table scores (a int)")))
	mustFinish(t, c, execute(t, c, onDatastore(enr.ClusterIdentifier, "insert into scores values (7)")))
	if got := s.adminPsql("cluster-local", "your_database", "select a from qualytics_enrichment.scores"); got != "7" {
		t.Errorf("enrichment write through IAM: %s", got)
	}

	// A workgroup: Redshift Serverless GetCredentials, with the same flow.
	createDatastoreRole(t, s, "ServerlessRole", false)
	rc := s.RootCredentials()
	iamc := iam.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(s.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(rc.AccessKeyID, rc.SecretAccessKey, "")})
	if _, err := iamc.PutRolePolicy(context.Background(), &iam.PutRolePolicyInput{RoleName: aws.String("ServerlessRole"), PolicyName: aws.String("db"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift-serverless:GetCredentials","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	wgBody := strings.ReplaceAll(iamSeedBody(seedSourceIAM, s.EnginePort("workgroup", "default")), "QualyticsRedshiftRole", "ServerlessRole")
	wgBody = strings.Replace(wgBody, `"database": "your_database"`, `"database": "dev"`, 1)
	var wg createdDatastore
	mustCurl(t, s, 200, "POST", "/api/datastores", token, wgBody).decode(t, &wg)
	if !wg.Connected {
		t.Fatalf("IAM datastore on a workgroup: %+v", wg)
	}
	wgIn := onDatastore(wg.ClusterIdentifier, "select current_user")
	wgIn.Database = aws.String("dev")
	if got := queryString(t, c, wgIn); got != "IAMR:ServerlessRole" {
		t.Errorf("IAM login on a workgroup: %q", got)
	}
}

type testResultOut struct {
	Connected bool   `json:"connected"`
	Message   string `json:"message"`
}
