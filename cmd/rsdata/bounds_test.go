package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// bodyMiB is rsdata's largest request body.
const bodyMiB = 8 << 20

// signedExecute is a raw ExecuteStatement request of exactly size bytes
// (its Sql padded), signed with rc; the body is returned beside it.
func signedExecute(t testing.TB, endpoint string, rc rootCredentials, size int) (*http.Request, []byte) {
	t.Helper()
	head := `{"ClusterIdentifier":"local","Database":"dev","DbUser":"awsuser","Sql":"select 1 -- `
	tail := `"}`
	body := append([]byte(head), bytes.Repeat([]byte("x"), size-len(head)-len(tail))...)
	return signedRequest(t, endpoint, rc, append(body, tail...)), body
}

// signedRequest is a raw ExecuteStatement request with body, signed with rc.
func signedRequest(t testing.TB, endpoint string, rc rootCredentials, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "RedshiftData.ExecuteStatement")
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: rc.AccessKeyID, SecretAccessKey: rc.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "redshift-data", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

// awsErrorCode reads the __type of a JSON error reply.
func awsErrorCode(t testing.TB, resp *http.Response) string {
	t.Helper()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var e struct {
		Type string `json:"__type"`
	}
	_ = json.Unmarshal(b, &e)
	return e.Type
}

// rawHead sends req's header and the first n bytes of its body on a new
// connection, and returns the connection.
func rawHead(t testing.TB, addr string, req *http.Request, n int) net.Conn {
	t.Helper()
	var buf bytes.Buffer
	if err := req.Write(&buf); err != nil {
		t.Fatal(err)
	}
	wire := buf.Bytes()
	end := bytes.Index(wire, []byte("\r\n\r\n")) + 4
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.Write(wire[:end+n]); err != nil {
		t.Fatal(err)
	}
	return conn
}

// TestBodyBounds attacks a real rsdata with large and slow bodies: an
// oversize body is refused from its Content-Length before it is sent, an
// unsigned large body is refused before it is read, a body that stalls is
// cut off at --body-read-timeout, and 16 concurrent signed 8 MiB requests
// are all answered while a normal SDK client keeps working.
func TestBodyBounds(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveOptions{Args: []string{"--body-read-timeout", "2s"}})
	rc := s.RootCredentials()
	c := s.RootClient()

	// Oversize: refused from the Content-Length alone; the body is never sent.
	big, _ := signedExecute(t, s.Endpoint, rc, bodyMiB+1)
	conn := rawHead(t, s.Listen, big, 0)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), big)
	if err != nil {
		t.Fatalf("oversize request with its body unsent: no reply (%v); want RequestEntityTooLargeException at once", err)
	}
	if code := awsErrorCode(t, resp); resp.StatusCode != http.StatusRequestEntityTooLarge || code != "RequestEntityTooLargeException" {
		t.Errorf("oversize request: %s %q, want 413 RequestEntityTooLargeException", resp.Status, code)
	}

	// Unsigned large body: refused before any of it is read.
	unsigned, err := http.NewRequest(http.MethodPost, s.Endpoint+"/", bytes.NewReader(make([]byte, 1<<20)))
	if err != nil {
		t.Fatal(err)
	}
	unsigned.Header.Set("Content-Type", "application/x-amz-json-1.1")
	unsigned.Header.Set("X-Amz-Target", "RedshiftData.ListStatements")
	conn = rawHead(t, s.Listen, unsigned, 5)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err = http.ReadResponse(bufio.NewReader(conn), unsigned)
	if err != nil {
		t.Fatalf("unsigned 1 MiB request with 5 bytes sent: no reply (%v); want MissingAuthenticationTokenException at once", err)
	}
	if code := awsErrorCode(t, resp); code != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned large request: %s %q, want MissingAuthenticationTokenException", resp.Status, code)
	}

	// Headers are bounded too: 100 KiB of them is refused.
	conn, err = net.DialTimeout("tcp", s.Listen, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: %s\r\nX-Padding: %s\r\nContent-Length: 0\r\n\r\n", s.Listen, strings.Repeat("x", 100<<10)); err != nil {
		t.Fatalf("sending 100 KiB of headers: %v", err)
	}
	if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("100 KiB of headers: %v, %v; want 431 Request Header Fields Too Large", resp, err)
	}

	// A signed body that stalls after 5 bytes: the server closes the
	// connection once --body-read-timeout (2s) has passed.
	slow, _ := signedExecute(t, s.Endpoint, rc, 1000)
	conn = rawHead(t, s.Listen, slow, 5)
	start := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, err = io.Copy(io.Discard, conn)
	if took := time.Since(start); err != nil || took > 8*time.Second {
		t.Errorf("a stalled body's connection: closed after %s (read error %v); want the server to close it about 2s in", took.Round(time.Millisecond), err)
	}

	// The body's deadline ends with the body: a long poll outlives it.
	poll := signedRequest(t, s.Endpoint, rc, []byte(`{"ClusterIdentifier":"local","Database":"dev","DbUser":"awsuser",`+
		`"Sql":"select pg_sleep(4)","WaitTimeSeconds":10}`))
	start = time.Now()
	resp, err = (&http.Client{Timeout: time.Minute}).Do(poll)
	if err != nil {
		t.Fatalf("ExecuteStatement with WaitTimeSeconds 10 and --body-read-timeout 2s: %v", err)
	}
	var polled struct{ Status string }
	_ = json.NewDecoder(resp.Body).Decode(&polled)
	resp.Body.Close()
	if took := time.Since(start); resp.StatusCode != http.StatusOK || polled.Status != "FINISHED" || took < 4*time.Second {
		t.Errorf("long poll of pg_sleep(4): %s, Status %q after %s; want 200 FINISHED after 4s", resp.Status, polled.Status, took.Round(time.Millisecond))
	}

	// 16 concurrent signed 8 MiB requests, and a normal client meanwhile.
	const flood = 16
	codes := make(chan string, flood)
	var wg sync.WaitGroup
	hc := &http.Client{Timeout: 2 * time.Minute}
	for range flood {
		req, _ := signedExecute(t, s.Endpoint, rc, bodyMiB)
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := hc.Do(req)
			if err != nil {
				codes <- "error: " + err.Error()
				return
			}
			defer resp.Body.Close()
			codes <- fmt.Sprintf("%d %s", resp.StatusCode, awsErrorCode(t, resp))
		}()
	}
	for i := range 3 {
		in := onCluster("select 1")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := c.ExecuteStatement(ctx, &in)
		cancel()
		if err != nil {
			t.Fatalf("normal ExecuteStatement %d during the flood: %v", i, err)
		}
		mustFinish(t, c, aws.ToString(out.Id))
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		// The SQL is over the Data API's limit: ValidationException once
		// read, or ThrottlingException when no room came in time.
		if code != "400 ValidationException" && code != "400 ThrottlingException" {
			t.Errorf("a signed 8 MiB request got %q, want 400 ValidationException or ThrottlingException", code)
		}
	}
	if strings.Contains(s.Stderr.String(), "panic") {
		t.Errorf("rsdata logged a panic:\n%s", tailLines(s.Stderr.String(), 20))
	}
}
