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
	// Parts are the statements of a SQL text that holds role statements
	// with others, in order, each prepared as a SQL text of its own, for a
	// RoleRunner to run one by one (runParts); nil otherwise. SQL is then
	// the whole text, for a Conn that is no RoleRunner.
	Parts []prepared
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
		x, u, _, err := prepareSQL(req.Dialect, sql, params)
		if err != nil {
			return nil, err
		}
		execs[i], used[i] = x, u
	}
	if len(params) > 0 {
		if unused := sqlparams.Unused(params, used...); len(unused) > 0 {
			return nil, invalid("%s", sqlparams.UnusedMessage(unused))
		}
	}
	return execs, nil
}

// prepareSQL prepares one SQL text with the request's parameters: it
// returns the text prepared, the parameters it uses, and whether the
// dialect refused it (it then runs as the refusal's own statement).
func prepareSQL(mode dialect.Mode, sql string, params []sqlparams.Param) (x prepared, used []string, refused bool, err error) {
	x.Text = sql
	role, rerr := dialect.ParseRole(mode, sql)
	if role != nil || rerr != nil {
		if len(params) > 0 {
			return x, nil, false, invalid("%s", roleParamsMessage)
		}
		// ParseRole refuses role statements with others, which run one
		// by one; SQL without one costs no second look.
		if parts := dialect.SplitRoles(mode, sql); parts != nil {
			x, refused, err = prepareParts(mode, sql, parts)
			return x, nil, refused, err
		}
		x.Role, x.Text = role, dialect.MaskPasswords(sql)
	}
	sql, refusal := translate(mode, sql)
	if refusal == nil {
		refusal, _ = errors.AsType[*dialect.Refusal](rerr)
	}
	if refusal != nil {
		if len(params) > 0 {
			rw, _ := sqlparams.Rewrite(sql, params)
			used = rw.Used
		}
		x.Rewritten = sqlparams.Rewritten{SQL: refusal.SQL()}
		return x, used, true, nil
	}
	x.After = dialect.RecordLayoutSQL(mode, x.Text)
	if len(params) == 0 {
		x.Rewritten = sqlparams.Rewritten{SQL: sql}
		return x, nil, false, nil
	}
	rw, err := sqlparams.Rewrite(sql, params)
	if err != nil {
		var perr *sqlparams.Error
		if errors.As(err, &perr) {
			return x, nil, false, invalid("%s", perr.Message)
		}
		return x, nil, false, err
	}
	x.Rewritten = rw
	return x, rw.Used, false, nil
}

// roleParamsMessage refuses parameters with a role statement, which takes
// none: its names and password are part of its syntax, not values.
const roleParamsMessage = "Parameters are not supported with user or group statements (CREATE USER, ALTER GROUP, ...): send the statement without parameters."

// prepareParts prepares sql, a text that holds role statements with
// others, from its statements' texts (dialect.SplitRoles). When the
// dialect refuses one of them, nothing of sql runs: it is the first
// refusal's statement, as PostgreSQL parses a whole multi-statement query
// before it runs any of it.
func prepareParts(mode dialect.Mode, sql string, texts []string) (prepared, bool, error) {
	x := prepared{Text: dialect.MaskPasswords(sql), Parts: make([]prepared, len(texts))}
	for i, text := range texts {
		part, _, refused, err := prepareSQL(mode, text, nil)
		if err != nil || refused {
			part.Text, part.Role = x.Text, nil
			return part, refused, err
		}
		x.Parts[i] = part
	}
	// What a Conn that runs no role statements runs: the whole text.
	out, _ := translate(mode, sql)
	x.Rewritten = sqlparams.Rewritten{SQL: out}
	x.After = dialect.RecordLayoutSQL(mode, sql)
	return x, false, nil
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
