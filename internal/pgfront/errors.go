package pgfront

import (
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
)

// errorRule rewords one PostgreSQL error the way Redshift words it: an
// error with SQLSTATE code whose message starts with prefix has that
// prefix replaced by with.
type errorRule struct {
	code, prefix, with string
}

// redshiftErrors is the table of errors Redshift words differently from
// PostgreSQL 15, each from what Redshift is documented or observed to
// send. Refusals of the dialect layer come worded already (Refusal).
var redshiftErrors = []errorRule{
	// Redshift (PostgreSQL 8.0's wording) names tables relations in
	// privilege and ownership errors; PostgreSQL 11 and later say table.
	{code: "42501", prefix: "permission denied for table ", with: "permission denied for relation "},
	{code: "42501", prefix: "must be owner of table ", with: "must be owner of relation "},
}

// rewordError applies redshiftErrors to e and reports whether it changed.
func rewordError(e *pgproto3.ErrorResponse) bool {
	for _, rule := range redshiftErrors {
		if e.Code == rule.code && strings.HasPrefix(e.Message, rule.prefix) {
			e.Message = rule.with + e.Message[len(rule.prefix):]
			return true
		}
	}
	return false
}
