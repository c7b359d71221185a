package awsproto

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rsdata/rsdata/internal/awserr"
)

// TestWriteErrorSpeaksTheRequestsProtocol: a signature refused before any
// router ran reads as each protocol names it: SignatureDoesNotMatch (403)
// in a Query XML envelope, InvalidSignatureException (400) in JSON.
func TestWriteErrorSpeaksTheRequestsProtocol(t *testing.T) {
	refusal := awserr.InvalidSignature("The request signature we calculated does not match the signature you provided.")

	query := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	query.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	rec := httptest.NewRecorder()
	WriteError(rec, query, refusal)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "<Code>SignatureDoesNotMatch</Code>") {
		t.Errorf("Query: %d %s", rec.Code, rec.Body.String())
	}

	json := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
	json.Header.Set("Content-Type", "application/x-amz-json-1.1")
	json.Header.Set("X-Amz-Target", "RedshiftData.ListStatements")
	rec = httptest.NewRecorder()
	WriteError(rec, json, refusal)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"__type":"InvalidSignatureException"`) {
		t.Errorf("JSON: %d %s", rec.Code, rec.Body.String())
	}
}
