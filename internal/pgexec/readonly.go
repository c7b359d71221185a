package pgexec

// Read-only sessions for source datastores. Every statement runs inside a
// transaction begun READ ONLY whose first query has already run, so
// PostgreSQL itself refuses any write (INSERT, DDL, nextval, COPY FROM,
// lo_create, a function that writes) and refuses SET TRANSACTION READ
// WRITE ("must be called before any query"). What could end that
// transaction or weaken the next one is refused before it is sent, found
// with the dialect lexer (so strings, quoted identifiers and comments do
// not hide or fake it). The bare BEGIN, COMMIT and ROLLBACK that sessions
// and transactional batches send are kept: BEGIN opens the same read-only
// transaction, COMMIT and ROLLBACK end it, always by rolling it back, as
// every statement run outside a transaction is rolled back after it.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/statement"
)

// pinReadOnly begins a read-only transaction and runs a first query in it,
// after which its mode can no longer change.
const pinReadOnly = "BEGIN READ ONLY; SELECT 1"

// txWord is what a bare transaction-control statement does.
type txWord int

const (
	txNone txWord = iota
	txBegin
	txEnd
)

// bareTx recognises a SQL text that is one bare BEGIN / START TRANSACTION
// or COMMIT / END / ROLLBACK / ABORT (optionally WORK or TRANSACTION).
func bareTx(sql string) txWord {
	sts := dialect.Statements(sql)
	if len(sts) != 1 {
		return txNone
	}
	st := sts[0]
	tail := func(n int) bool {
		return len(st) == n || (len(st) == n+1 && (st[n].Is("work") || st[n].Is("transaction")))
	}
	switch {
	case st[0].Is("begin") && tail(1):
		return txBegin
	case st[0].Is("start") && len(st) == 2 && st[1].Is("transaction"):
		return txBegin
	case (st[0].Is("commit") || st[0].Is("end") || st[0].Is("rollback") || st[0].Is("abort")) && tail(1):
		return txEnd
	}
	return txNone
}

// guardedSettings may not be changed on a source: they would make a later
// transaction writable, change who runs the statements, or change how
// strings are read (so the lexer and the server would disagree).
var guardedSettings = map[string]bool{
	"default_transaction_read_only": true, "transaction_read_only": true,
	"session_authorization": true, "role": true, "transaction": true,
	"session": true, "characteristics": true, "standard_conforming_strings": true,
	"backslash_quote": true, "all": true,
	"default_transaction_isolation": true, "default_transaction_deferrable": true,
}

// guardedFunctions change settings behind SET's back, or hold locks and
// signal sessions of the database's other users.
var guardedFunctions = map[string]bool{
	"set_config": true, "pg_advisory_lock": true, "pg_advisory_lock_shared": true,
	"pg_try_advisory_lock": true, "pg_try_advisory_lock_shared": true,
	"pg_advisory_xact_lock": true, "pg_advisory_xact_lock_shared": true,
	"pg_try_advisory_xact_lock": true, "pg_try_advisory_xact_lock_shared": true,
	"pg_terminate_backend": true, "pg_cancel_backend": true, "pg_reload_conf": true,
	"pg_notify": true, "dblink_exec": true, "dblink": true,
	// Large objects: PostgreSQL 15 lets lo_create run in a read-only
	// transaction.
	"lo_create": true, "lo_creat": true, "lo_import": true, "lo_from_bytea": true, "lo_put": true,
	"lowrite": true, "lo_unlink": true, "lo_truncate": true, "lo_truncate64": true, "lo_export": true,
	"lo_open": true,
}

// ReadOnlyRefusal returns why sql may not run on a read-only source, or ""
// when it may.
func ReadOnlyRefusal(sql string) string {
	if bareTx(sql) != txNone {
		return ""
	}
	for _, st := range dialect.Statements(sql) {
		first := st[0]
		switch {
		case first.Is("begin"), first.Is("start"), first.Is("commit"), first.Is("end"), first.Is("rollback"),
			first.Is("abort"), first.Is("savepoint"), first.Is("release"):
			return strings.ToUpper(first.Text) + " with options, or inside a longer SQL text"
		case first.Is("prepare") && len(st) > 1 && st[1].Is("transaction"):
			return "two-phase commit"
		case first.Is("set") || first.Is("reset"):
			i := 1
			if i < len(st) && (st[i].Is("session") || st[i].Is("local")) && first.Is("set") {
				if i+1 < len(st) && (st[i+1].Is("characteristics") || st[i+1].Is("authorization")) {
					return "SET SESSION " + strings.ToUpper(st[i+1].Text)
				}
				i++
			}
			if i < len(st) && guardedSettings[settingName(st[i])] {
				return strings.ToUpper(first.Text) + " " + settingName(st[i])
			}
		case first.Is("discard"), first.Is("listen"), first.Is("notify"), first.Is("unlisten"),
			first.Is("lock"), first.Is("checkpoint"), first.Is("load"), first.Is("vacuum"):
			return strings.ToUpper(first.Text)
		}
		for i, t := range st {
			name := settingName(t)
			if guardedFunctions[name] && i+1 < len(st) && st[i+1].Text == "(" {
				return name + "()"
			}
		}
	}
	return ""
}

// settingName is a word or quoted identifier in lower case, unquoted.
func settingName(t dialect.Token) string {
	switch t.Kind {
	case dialect.Word:
		return strings.ToLower(t.Text)
	case dialect.QuotedIdent:
		return strings.ReplaceAll(strings.Trim(t.Text, `"`), `""`, `"`)
	}
	return ""
}

// readOnlyConn runs every statement of a source datastore read-only.
type readOnlyConn struct {
	*conn
	engine string
}

func (c *readOnlyConn) Run(ctx context.Context, sql string, params []string, format statement.Format, sink statement.RowSink) (statement.RunResult, error) {
	switch bareTx(sql) {
	case txBegin:
		if c.InTransaction() {
			return statement.RunResult{}, nil
		}
		return c.conn.Run(ctx, pinReadOnly, nil, statement.FormatJSON, discardSink{})
	case txEnd:
		// Whatever ends a source's transaction rolls it back: should a
		// change ever get past the read-only mode, it is still not kept.
		return c.conn.Run(ctx, "ROLLBACK", nil, format, sink)
	}
	if why := ReadOnlyRefusal(sql); why != "" {
		return statement.RunResult{}, &statement.DatabaseError{Message: fmt.Sprintf(
			"ERROR: %s is a read-only source datastore: %s is not allowed", c.engine, why)}
	}
	if c.InTransaction() {
		return c.conn.Run(ctx, sql, params, format, sink)
	}
	if _, err := c.conn.Run(ctx, pinReadOnly, nil, statement.FormatJSON, discardSink{}); err != nil {
		return statement.RunResult{}, err
	}
	res, err := c.conn.Run(ctx, sql, params, format, sink)
	// A read-only transaction has nothing to commit: ending it either way
	// is the same, and ROLLBACK also ends one an error aborted.
	end, cancel := context.WithTimeout(context.WithoutCancel(ctx), defaultEndTimeout)
	_, endErr := c.conn.Run(end, "ROLLBACK", nil, statement.FormatJSON, discardSink{})
	cancel()
	if err == nil && endErr != nil {
		err = endErr
	}
	return res, err
}

// discardSink drops what a bookkeeping statement returns.
type discardSink struct{}

func (discardSink) Reset(context.Context) error             { return nil }
func (discardSink) SetColumns([]results.Column) error       { return nil }
func (discardSink) AddRecord(context.Context, []byte) error { return nil }

// defaultEndTimeout bounds the ROLLBACK that ends a statement's read-only
// transaction, which runs even when the statement was cancelled.
const defaultEndTimeout = 30 * time.Second
