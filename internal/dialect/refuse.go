package dialect

import (
	"fmt"
	"strings"
)

// Refusal is a statement Redshift would refuse: PostgreSQL-only syntax
// that PostgreSQL itself would run. Message is the error's text without
// the "ERROR: " prefix, in Redshift's words where AWS documents them.
type Refusal struct {
	Message string
	// Code is the SQLSTATE the refusal is raised with: 42601 for a syntax
	// error, 0A000 for a feature Redshift lacks, 42704 for an unknown type.
	Code string
}

func (r *Refusal) Error() string { return r.Message }

// SQL returns a PostgreSQL statement that fails with the refusal's
// message and code: run in the refused statement's place, it fails the
// way the statement would on Redshift, aborting an open transaction too,
// and the front door reports it like any database error. The message is
// an E'...' literal (right whatever standard_conforming_strings says) in a
// dollar quote whose tag it does not contain.
func (r *Refusal) SQL() string {
	tag := "$rsdata$"
	for strings.Contains(r.Message, tag) {
		tag = "$rsdata" + tag[1:]
	}
	lit := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(r.Message)
	return "DO " + tag + " BEGIN RAISE EXCEPTION USING MESSAGE = E'" + lit + "', ERRCODE = '" + r.Code + "'; END " + tag
}

// refuse records the statement's first refusal.
func (t *translator) refuse(code, format string, args ...any) {
	if t.refusal != nil {
		return
	}
	t.refusal = &Refusal{Message: fmt.Sprintf(format, args...), Code: code}
}

// syntaxError refuses at toks[i] as Redshift's parser does for grammar it
// does not have (its grammar predates PostgreSQL's ON CONFLICT, RETURNING,
// TABLESAMPLE, WITH TIES, partitioning and CREATE EXTENSION).
func (t *translator) syntaxError(i int) {
	t.refuse(codeSyntax, `syntax error at or near "%s"`, t.toks[i].Text)
}

const (
	codeSyntax      = "42601"
	codeUnsupported = "0A000"
	codeNoType      = "42704"
)
