package awserr_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/rsdata/rsdata/internal/awserr"
)

// dbError stands in for *pgconn.PgError, which carries the same method.
type dbError struct{ code string }

func (e *dbError) Error() string    { return "ERROR: invalid byte sequence (SQLSTATE " + e.code + ")" }
func (e *dbError) SQLState() string { return e.code }

// TestAsDatabaseTextErrors: text PostgreSQL cannot store that still reaches
// a store call is the caller's fault, 400, never a 500; other database
// errors stay internal.
func TestAsDatabaseTextErrors(t *testing.T) {
	for code, want := range map[string]int{"22P05": http.StatusBadRequest, "22021": http.StatusBadRequest, "23505": http.StatusInternalServerError} {
		e := awserr.As(fmt.Errorf("store: put user: %w", &dbError{code}))
		if e.Status != want || (want == http.StatusBadRequest) != (e.Code == "ValidationException") {
			t.Errorf("SQLSTATE %s: %d %s", code, e.Status, e.Code)
		}
		if e.Message == (&dbError{code}).Error() {
			t.Errorf("SQLSTATE %s: the database's text reached the client", code)
		}
	}
}
