package main

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/smithy-go"
)

// requestLine is one access-log line, its attributes by key.
type requestLine map[string]string

// requestLines parses rsdata's stderr for "request" lines in either format.
func requestLines(t testing.TB, stderr, format string) []requestLine {
	t.Helper()
	textAttr := regexp.MustCompile(`(\w+)=("(?:[^"\\]|\\.)*"|\S*)`)
	var lines []requestLine
	for _, l := range strings.Split(stderr, "\n") {
		rec := requestLine{}
		switch format {
		case "json":
			if !strings.HasPrefix(l, "{") {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("a log line is not JSON: %v\n%s", err, l)
			}
			for k, v := range m {
				switch v := v.(type) {
				case string:
					rec[k] = v
				default:
					b, _ := json.Marshal(v)
					rec[k] = string(b)
				}
			}
		default:
			for _, m := range textAttr.FindAllStringSubmatch(l, -1) {
				rec[m[1]] = strings.Trim(m[2], `"`)
			}
		}
		if rec["msg"] == "request" {
			lines = append(lines, rec)
		}
	}
	return lines
}

// TestRequestLog runs a refused call (AccessDenied), a malformed one
// (ValidationException) and a statement through a real server, at the
// default level, in both log formats, and finds one line for each with
// its service, operation, principal, status, code and statement id, and
// no secret key anywhere in the log.
func TestRequestLog(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var args []string
			if format == "json" {
				args = []string{"--log-format", "json"}
			}
			s := startServe(t, serveOptions{Args: args})
			rc := s.RootCredentials()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()

			// A user without policies: every Data API call is denied.
			iamc := iam.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(s.Endpoint),
				Credentials: credentials.NewStaticCredentialsProvider(rc.AccessKeyID, rc.SecretAccessKey, "")})
			if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mallory")}); err != nil {
				t.Fatal(err)
			}
			key, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("mallory")})
			if err != nil {
				t.Fatal(err)
			}
			mallorySecret := aws.ToString(key.AccessKey.SecretAccessKey)
			mallory := s.Client(aws.ToString(key.AccessKey.AccessKeyId), mallorySecret)
			_, err = mallory.ListStatements(ctx, &redshiftdata.ListStatementsInput{})
			wantCode(t, err, "AccessDeniedException")

			root := s.RootClient()
			_, err = root.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: aws.String("not-a-statement-id")})
			wantCode(t, err, "ValidationException")
			id := execute(t, root, onCluster("select 1"))

			// The server writes the line after the reply; poll for it.
			var lines []requestLine
			deadline := time.Now().Add(10 * time.Second)
			for {
				lines = requestLines(t, s.Stderr.String(), format)
				if findLine(lines, "operation", "ExecuteStatement") != nil || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			denied := findLine(lines, "error_code", "AccessDeniedException")
			if denied == nil {
				t.Fatalf("no request line with AccessDeniedException; request lines: %v", lines)
			}
			for k, want := range map[string]string{"service": "redshift-data", "operation": "ListStatements",
				"principal": "arn:aws:iam::123456789012:user/mallory", "status": "400"} {
				if denied[k] != want {
					t.Errorf("AccessDenied line: %s = %q, want %q (%v)", k, denied[k], want, denied)
				}
			}
			invalid := findLine(lines, "error_code", "ValidationException")
			if invalid == nil {
				t.Fatalf("no request line with ValidationException; request lines: %v", lines)
			}
			for k, want := range map[string]string{"service": "redshift-data", "operation": "DescribeStatement",
				"principal": "arn:aws:iam::123456789012:root", "status": "400"} {
				if invalid[k] != want {
					t.Errorf("ValidationException line: %s = %q, want %q (%v)", k, invalid[k], want, invalid)
				}
			}
			for _, l := range []requestLine{denied, invalid} {
				if l["request_id"] == "" || l["duration"] == "" {
					t.Errorf("line without request id or duration: %v", l)
				}
			}
			ok := findLine(lines, "operation", "ExecuteStatement")
			if ok == nil || ok["statement_id"] != id || ok["status"] != "200" || ok["error_code"] != "" {
				t.Errorf("ExecuteStatement line %v, want statement_id %s, status 200 and no error code", ok, id)
			}
			log := s.Stderr.String()
			for name, secret := range map[string]string{"root secret key": rc.SecretAccessKey, "user secret key": mallorySecret} {
				if strings.Contains(log, secret) {
					t.Errorf("the log holds the %s", name)
				}
			}
		})
	}
}

func findLine(lines []requestLine, key, value string) requestLine {
	for _, l := range lines {
		if l[key] == value {
			return l
		}
	}
	return nil
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}
