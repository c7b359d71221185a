package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftserverless"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// The rows of docs/ERRORS.md's "Every service" section: the refusals the
// protocol layers and the authorizer send for every API, through the
// unmodified SDK clients of each API.

// wireError asserts err is code with message (a regexp when it starts
// with ^) and HTTP status.
func wireError(t *testing.T, err error, code string, status int, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s %q, got %v", code, message, err)
	}
	text := ae.ErrorMessage()
	ok := text == message
	if len(message) > 0 && message[0] == '^' {
		ok = regexp.MustCompile(message).MatchString(text)
	}
	if ae.ErrorCode() != code || !ok {
		t.Fatalf("want %s %q, got %s %q", code, message, ae.ErrorCode(), text)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("%s sent with HTTP status %v, want %d", code, re, status)
	}
}

// pastSigner is the SDK's own SigV4 signer, signing as if its clock ran
// behind by Lag.
type pastSigner struct {
	*v4.Signer
	Lag time.Duration
}

func (s *pastSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string,
	at time.Time, opts ...func(*v4.SignerOptions)) error {
	return s.Signer.SignHTTP(ctx, creds, r, payloadHash, service, region, at.Add(-s.Lag), opts...)
}

// oneCallEach calls one operation of every API with cfg's credentials,
// signed by signer when it is not nil.
func oneCallEach(cfg aws.Config, signer *pastSigner) map[string]func() error {
	return map[string]func() error{
		"Data API": func() error {
			_, err := redshiftdata.NewFromConfig(cfg, func(o *redshiftdata.Options) {
				if signer != nil {
					o.HTTPSignerV4 = signer
				}
			}).ListStatements(ctx, &redshiftdata.ListStatementsInput{})
			return err
		},
		"Redshift": func() error {
			_, err := redshift.NewFromConfig(cfg, func(o *redshift.Options) {
				if signer != nil {
					o.HTTPSignerV4 = signer
				}
			}).DescribeClusters(ctx, &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("local")})
			return err
		},
		"Redshift Serverless": func() error {
			_, err := redshiftserverless.NewFromConfig(cfg, func(o *redshiftserverless.Options) {
				if signer != nil {
					o.HTTPSignerV4 = signer
				}
			}).GetWorkgroup(ctx, &redshiftserverless.GetWorkgroupInput{WorkgroupName: aws.String("default")})
			return err
		},
		"Secrets Manager": func() error {
			_, err := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
				if signer != nil {
					o.HTTPSignerV4 = signer
				}
			}).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db")})
			return err
		},
		"IAM": func() error {
			_, err := iam.NewFromConfig(cfg, func(o *iam.Options) {
				if signer != nil {
					o.HTTPSignerV4 = signer
				}
			}).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")})
			return err
		},
		"STS": func() error {
			_, err := sts.NewFromConfig(cfg, func(o *sts.Options) {
				if signer != nil {
					o.HTTPSignerV4 = signer
				}
			}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		},
	}
}

// jsonAPI reports whether the API speaks JSON 1.1 (the others speak the
// Query protocol).
func jsonAPI(name string) bool {
	return name == "Data API" || name == "Redshift Serverless" || name == "Secrets Manager"
}

// TestAuthenticationErrorsThroughClients: an unknown access key, a wrong
// secret and a request signed too long ago, as each API's own client
// receives them: the JSON APIs' names with 400, the Query APIs' with 403.
func TestAuthenticationErrorsThroughClients(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	const invalidToken = "The security token included in the request is invalid."
	const mismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	for name, call := range oneCallEach(env.AWSConfig("AKIAUNKNOWN000000000", "x"), nil) {
		t.Run(name+"/unknown access key", func(t *testing.T) {
			if jsonAPI(name) {
				wireError(t, call(), "UnrecognizedClientException", http.StatusBadRequest, invalidToken)
			} else {
				wireError(t, call(), "InvalidClientTokenId", http.StatusForbidden, invalidToken)
			}
		})
	}
	for name, call := range oneCallEach(env.AWSConfig(apptest.AccessKeyID, "not-the-secret"), nil) {
		t.Run(name+"/wrong secret", func(t *testing.T) {
			if jsonAPI(name) {
				wireError(t, call(), "InvalidSignatureException", http.StatusBadRequest, mismatch)
			} else {
				wireError(t, call(), "SignatureDoesNotMatch", http.StatusForbidden, mismatch)
			}
		})
	}
	// The client's clock runs 16 minutes behind: every signature is older
	// than the 15 minutes AWS accepts.
	expired := `^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$`
	late := &pastSigner{Signer: v4.NewSigner(), Lag: 16 * time.Minute}
	for name, call := range oneCallEach(env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey), late) {
		t.Run(name+"/signature expired", func(t *testing.T) {
			if jsonAPI(name) {
				wireError(t, call(), "InvalidSignatureException", http.StatusBadRequest, expired)
			} else {
				wireError(t, call(), "SignatureDoesNotMatch", http.StatusForbidden, expired)
			}
		})
	}
}

// TestAccessDeniedWording: an IAM user's refusals, implicit (no policy
// allows) and explicit (a Deny statement), in each API's words.
func TestAccessDeniedWording(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	admin := iam.NewFromConfig(env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey))
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	calls := oneCallEach(env.AWSConfig(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey), nil)
	const user = "arn:aws:iam::" + apptest.AccountID + ":user/alice"
	refused := []struct {
		api, code      string
		status         int
		action, target string
	}{
		{"Data API", "AccessDeniedException", 400, "redshift-data:ListStatements", " on resource: *"},
		{"Redshift", "AccessDenied", 403, "redshift:DescribeClusters", " on resource: arn:aws:redshift:us-east-1:" + apptest.AccountID + ":cluster:local"},
		{"Redshift Serverless", "AccessDeniedException", 400, "redshift-serverless:GetWorkgroup", " on resource: " + arn.Workgroup(apptest.Region, apptest.AccountID, "default")},
		// Secrets Manager names the secret as the request did.
		{"Secrets Manager", "AccessDeniedException", 400, "secretsmanager:GetSecretValue", " on resource: app/db"},
		{"IAM", "AccessDenied", 403, "iam:CreateUser", " on resource: arn:aws:iam::" + apptest.AccountID + ":user/carol"},
	}
	for _, r := range refused {
		t.Run(r.api+"/implicit deny", func(t *testing.T) {
			want := "User: " + user + " is not authorized to perform: " + r.action + r.target
			if r.api != "Redshift" { // Redshift still sends the older, shorter form
				want += " because no identity-based policy allows the " + r.action + " action"
			}
			wireError(t, calls[r.api](), r.code, r.status, want)
		})
	}
	t.Run("Secrets Manager/ListSecrets implicit deny", func(t *testing.T) {
		_, err := secretsmanager.NewFromConfig(env.AWSConfig(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey)).
			ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
		wireError(t, err, "AccessDeniedException", 400, "User: "+user+" is not authorized to perform: secretsmanager:ListSecrets"+
			" because no identity-based policy allows the secretsmanager:ListSecrets action")
	})
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("all-but"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
			{"Effect":"Deny","Action":["redshift-data:ListStatements","redshift:DescribeClusters","redshift-serverless:GetWorkgroup",
			 "secretsmanager:GetSecretValue","iam:CreateUser"],"Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	for _, r := range refused {
		t.Run(r.api+"/explicit deny", func(t *testing.T) {
			want := "User: " + user + " is not authorized to perform: " + r.action + r.target + " with an explicit deny"
			if r.api != "Redshift" {
				want += " in an identity-based policy"
			}
			wireError(t, calls[r.api](), r.code, r.status, want)
		})
	}
}

// TestSTSErrors: the rows of docs/ERRORS.md's STS section, through
// aws-sdk-go-v2's STS client against a role and a user made with the IAM
// client.
func TestSTSErrors(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	admin := iam.NewFromConfig(env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey))
	role, err := admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("analyst"), MaxSessionDuration: aws.Int32(3600),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	roleARN := aws.ToString(role.Role.Arn)
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	root := sts.NewFromConfig(env.AWSConfig(apptest.AccessKeyID, apptest.SecretAccessKey))
	bob := sts.NewFromConfig(env.AWSConfig(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey))
	assume := func(c *sts.Client, in sts.AssumeRoleInput) func() error {
		return func() error {
			if in.RoleArn == nil {
				in.RoleArn = aws.String(roleARN)
			}
			if in.RoleSessionName == nil {
				in.RoleSessionName = aws.String("s1")
			}
			_, err := c.AssumeRole(ctx, &in)
			return err
		}
	}
	rows := []struct {
		name    string
		call    func() error
		code    string
		status  int
		message string
	}{
		{"AssumeRole/identity policy does not allow it", assume(bob, sts.AssumeRoleInput{}), "AccessDenied", 403,
			"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on resource: " + roleARN},
		{"AssumeRole/role does not exist", assume(root, sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/nope")}), "AccessDenied", 403,
			"User: arn:aws:iam::123456789012:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/nope"},
		{"AssumeRole/DurationSeconds 899", assume(root, sts.AssumeRoleInput{DurationSeconds: aws.Int32(899)}), "ValidationError", 400,
			"1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"AssumeRole/DurationSeconds over the role's MaxSessionDuration", assume(root, sts.AssumeRoleInput{DurationSeconds: aws.Int32(3601)}), "ValidationError", 400,
			"The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{"AssumeRole/RoleSessionName with a space", assume(root, sts.AssumeRoleInput{RoleSessionName: aws.String("my session")}), "ValidationError", 400,
			"1 validation error detected: Value 'my session' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"},
		{"AssumeRole/RoleArn shorter than 20", assume(root, sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::1:r")}), "ValidationError", 400,
			"1 validation error detected: Value 'arn:aws:iam::1:r' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"},
		{"AssumeRole/DurationSeconds 43201", assume(root, sts.AssumeRoleInput{DurationSeconds: aws.Int32(43201)}), "ValidationError", 400,
			"1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"},
		{"AssumeRole/ExternalId with a space", assume(root, sts.AssumeRoleInput{ExternalId: aws.String("ext 1")}), "ValidationError", 400,
			"1 validation error detected: Value 'ext 1' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*"},
		{"AssumeRole/session policy without Resource", assume(root, sts.AssumeRoleInput{Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`)}),
			"MalformedPolicyDocument", 400, "Policy statement must contain resources."},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) { wireError(t, r.call(), r.code, r.status, r.message) })
	}
}

// TestContentType: JSON requests are routed by X-Amz-Target whatever their
// Content-Type says; a Query form sent with another Content-Type is not
// read as a form, so it names no operation.
func TestContentType(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	send := func(target, body, service string) wireReply {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, env.Server.URL+"/", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "text/plain")
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: apptest.AccessKeyID, SecretAccessKey: apptest.SecretAccessKey},
			req, hex.EncodeToString(sum[:]), service, apptest.Region, time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		r := wireReply{status: resp.StatusCode, header: resp.Header, rawBody: string(raw)}
		_ = json.Unmarshal(raw, &r.body)
		return r
	}
	if r := send("RedshiftData.ListStatements", `{}`, "redshift-data"); r.status != http.StatusOK {
		t.Fatalf("JSON request with Content-Type text/plain: %d %s", r.status, r.rawBody)
	}
	expectError(t, send("", "Action=GetCallerIdentity&Version=2011-06-15", "sts"), http.StatusBadRequest, "UnknownOperationException", "Unknown operation ")
}
