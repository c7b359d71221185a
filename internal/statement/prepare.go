package statement

import (
	"errors"
	"strings"

	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/sqlparams"
)

// prepared is one SQL text ready to run: translated, with its parameters
// positional, and After, a statement of rsdata's own to run after it
// succeeded, on the same connection (recording the distribution and sort
// choices of a CREATE TABLE, which the translation removed); "" for none.
type prepared struct {
	sqlparams.Rewritten
	After string
	// Text is the SQL as the user sent it, for the query history
	// (passwords masked in a role statement).
	Text string
	// Role is a user or group statement (CREATE USER, ALTER GROUP, ...),
	// which a Conn that is a RoleRunner runs itself; SQL is what runs when
	// it is not one (an external engine).
	Role *dialect.RoleCommand
}

// prepare validates the SQL and parameters, translates each SQL from the
// target's dialect, and rewrites the parameters into positional ones. It is
// the one place where the Data API's SQL (single, batch or in a session)
// changes on its way to the executor. Translation comes first and carries
// :name placeholders through as tokens, so values are still bound, never
// spliced; the size limit applies to the SQL as the user sent it. A
// statement the dialect refuses (PostgreSQL-only syntax Redshift rejects)
// is submitted all the same and runs as the refusal's own statement, which
// fails with Redshift's error: the statement ends FAILED with it, a batch
// or an open transaction is aborted as Redshift's would be, and the
// parameters it names still count as used.
func prepare(req ExecuteRequest) ([]prepared, error) {
	if len(req.SQLs) == 0 {
		return nil, invalid("Sqls must contain at least one statement.")
	}
	if len(req.SQLs) > MaxBatchSQLs {
		return nil, invalid("1 validation error detected: Value at 'sqls' failed to satisfy constraint: Member must have length less than or equal to 40")
	}
	for _, sql := range req.SQLs {
		if strings.TrimSpace(sql) == "" {
			return nil, invalid("Sql must not be empty")
		}
		if len(sql) > MaxSQLBytes {
			return nil, invalid("Cannot process query string larger than 100kB: the SQL is %d bytes, the maximum is %d", len(sql), MaxSQLBytes)
		}
	}
	params := make([]sqlparams.Param, len(req.Params))
	for i, p := range req.Params {
		params[i] = sqlparams.Param{Name: p.Name, Value: p.Value}
	}
	if len(params) > 0 {
		if err := sqlparams.Validate(params); err != nil {
			var perr *sqlparams.Error
			if errors.As(err, &perr) {
				return nil, invalid("%s", perr.Message)
			}
			return nil, err
		}
	}
	execs := make([]prepared, len(req.SQLs))
	used := make([][]string, len(req.SQLs))
	for i, sql := range req.SQLs {
		execs[i].Text = sql
		role, rerr := dialect.ParseRole(req.Dialect, sql)
		if role != nil || rerr != nil {
			execs[i].Role, execs[i].Text = role, dialect.MaskPasswords(sql)
		}
		sql, refused := translate(req.Dialect, sql)
		if refused == nil {
			refused, _ = errors.AsType[*dialect.Refusal](rerr)
		}
		if refused != nil {
			if len(params) > 0 {
				rw, _ := sqlparams.Rewrite(sql, params)
				used[i] = rw.Used
			}
			execs[i].Rewritten = sqlparams.Rewritten{SQL: refused.SQL()}
			continue
		}
		execs[i].After = dialect.RecordLayoutSQL(req.Dialect, execs[i].Text)
		if len(params) == 0 {
			execs[i].Rewritten = sqlparams.Rewritten{SQL: sql}
			continue
		}
		rw, err := sqlparams.Rewrite(sql, params)
		if err != nil {
			var perr *sqlparams.Error
			if errors.As(err, &perr) {
				return nil, invalid("%s", perr.Message)
			}
			return nil, err
		}
		execs[i].Rewritten, used[i] = rw, rw.Used
	}
	if len(params) > 0 {
		if unused := sqlparams.Unused(params, used...); len(unused) > 0 {
			return nil, invalid("%s", sqlparams.UnusedMessage(unused))
		}
	}
	return execs, nil
}

// translate is dialect.TranslateStrict that keeps the best-effort
// translation of a refused statement (to find the parameters it names).
func translate(mode dialect.Mode, sql string) (string, *dialect.Refusal) {
	out, err := dialect.TranslateStrict(mode, sql)
	var ref *dialect.Refusal
	if errors.As(err, &ref) {
		return dialect.Translate(mode, sql), ref
	}
	return out, nil
}
