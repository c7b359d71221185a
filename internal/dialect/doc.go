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
// binding views, column types, COLLATE CASE_SENSITIVE|CASE_INSENSITIVE,
// MERGE ... REMOVE DUPLICATES, PartiQL navigation into SUPER values: see
// navigate.go) and for the PostgreSQL-only syntax Redshift
// refuses. TranslateStrict reports such a statement as a *Refusal, whose
// SQL method gives a statement failing with Redshift's error. A rule applies
// only to an unquoted, unqualified word: "nvl"(a), myschema.nvl(a) and
// CREATE FUNCTION nvl(...) are the user's own. Arguments of a rewritten
// call are translated too, so calls nest. What no rule recognises passes
// through untouched, for PostgreSQL to accept or reject.
//
// Rewrites to built-ins are kept for what SQL functions cannot express
// (NVL2 and DECODE take arguments of any type, DECODE is variadic in
// pairs) or what a keyword does (SYSDATE). Functions that can be written
// in SQL are installed instead (installed.go, installed.sql): in a schema
// rsdata_redshift of every database, by rsdata's admin login, never in
// pg_catalog (that needs a superuser, which external engines may not
// grant). Because PostgreSQL resolves an unqualified name through
// search_path, which users change, the translator qualifies an unquoted,
// unqualified call of an installed function (dateadd( becomes
// rsdata_redshift.date_add() and an installed system view after FROM or
// JOIN; qualified names resolve whatever search_path is, and the installed
// function's name becomes the result column's, as in Redshift. Layouts
// reads the distribution and sort choices that the rewrites remove from
// CREATE TABLE, so that rsdata can record them for the system views.
package dialect
