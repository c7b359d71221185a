// Package dialect translates Redshift SQL into the PostgreSQL that
// rsdata's engines run. It is pure: it knows neither pgx nor net/http.
//
// It owns the one SQL lexer in rsdata (Lex); sqlparams binds the Data
// API's :name parameters over the same tokens. The lexer follows
// PostgreSQL 15's scanner (standard_conforming_strings on): it knows
// string literals (including E'...', B'...', X'...', N'...', U&'...'), quoted
// identifiers, nested block comments, line comments, dollar quotes,
// numbers, operators, punctuation and parameters, keeps every token's
// byte offset, never fails, and round-trips any input byte for byte.
// Because a string, a comment or a dollar-quoted body is one token,
// no rule can ever see a keyword inside one.
//
// Translate rewrites a statement over those tokens with table-driven
// rules: callRules for function calls (GETDATE, NVL, NVL2, DECODE, LEN,
// IDENTITY, LISTAGG, MEDIAN, PERCENTILE_CONT/DISC windows,
// RATIO_TO_REPORT), wordRules for single words (SYSDATE, the MAX of
// VARCHAR(MAX), and the type names TEXT, BPCHAR, NVARCHAR, NCHAR, VARBYTE,
// SUPER where they name a type), ddlMask for the storage attributes of
// CREATE TABLE and CREATE MATERIALIZED VIEW that PostgreSQL has no use for
// (DISTSTYLE, DISTKEY, SORTKEY, ENCODE, BACKUP, AUTO REFRESH), which are
// removed, and plan, which reads each statement once for what spans more
// than a call (SELECT TOP n, QUALIFY, ALTER TABLE's storage changes, late-
// binding views, column types) and for the PostgreSQL-only syntax Redshift
// refuses. TranslateStrict reports such a statement as a *Refusal, whose
// SQL method gives a statement failing with Redshift's error. A rule applies
// only to an unquoted, unqualified word: "nvl"(a), myschema.nvl(a) and
// CREATE FUNCTION nvl(...) are the user's own. Arguments of a rewritten
// call are translated too, so calls nest. What no rule recognises passes
// through untouched, for PostgreSQL to accept or reject.
//
// Rewriting to built-ins rather than installing functions: PostgreSQL
// resolves an unqualified function through search_path, so a function
// installed in a schema such as rsdata_redshift stops resolving after
// SET search_path TO myschema, and installing into pg_catalog (always
// searched) needs superuser rights rsdata does not have on external
// engines. A rewrite to built-ins (COALESCE, CASE, length, date_trunc)
// or keywords (LOCALTIMESTAMP) needs nothing installed and cannot be
// shadowed by search_path. NVL2 and DECODE could not be generic SQL
// functions anyway (their arguments are of any type, and DECODE is
// variadic in pairs). The price is that a result column takes the name
// of what it became (coalesce, case, length), where Redshift names
// GETDATE's and LEN's after the function; installed, schema-qualified
// functions are the way to fix that later for the functions that can
// be written in SQL.
package dialect
