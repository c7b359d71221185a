// Catalog operations: the Data API's ListDatabases, ListSchemas, ListTables
// and DescribeTable answered from PostgreSQL's system catalogs.
//
// Every function here is a pure read of the catalog through the Catalog it is
// given, which must be connected to the database being listed (pg_database is
// shared, so any database will do for ListDatabases). User input only ever
// reaches the server as bound parameters; no SQL text is built from it.
//
// Patterns are SQL LIKE patterns, as the Data API documents for SchemaPattern
// and TablePattern: "%" matches any run of characters, "_" any one character,
// and a backslash makes the next character literal ("my\_schema"). Matching is
// case-sensitive. The empty pattern matches everything. A pattern ending in
// a lone backslash is invalid: PostgreSQL reports it, as a *pgconn.PgError
// with SQLSTATE 22025 (invalid_escape_sequence), only when matching reaches
// that backslash, so `%\` always fails but `abc\` fails only if some name
// starts with "abc".
//
// Listings are ordered by name, compared byte-wise (the "C" collation of
// PostgreSQL's name type), so pages taken with increasing offsets neither
// skip nor repeat entries while the catalog is unchanged.
//
// Errors are those of cat and ctx, returned unwrapped so the caller can
// classify them (*pgconn.PgError, context errors) with errors.As/Is.
//
// On success a listing is never nil (pgx.CollectRows starts from an empty
// slice), so the API layer can send [] rather than null for an empty page.

package pgexec

import (
	"context"
	"math"

	"github.com/jackc/pgx/v5"

	"github.com/rsdata/rsdata/internal/results"
)

// Page bounds a listing: Offset entries are skipped, then at most Limit are
// returned; Limit 0 means no limit. Negative values count as 0.
//
// Each listing fetches one entry beyond Limit to learn whether there are
// more, and reports that as its "more" result, so the caller can decide to
// send a NextToken without a second query (and never sends one on the last
// page).
type Page struct{ Offset, Limit int }

// bounds returns the OFFSET and LIMIT arguments for p: LIMIT is Limit+1 (see
// Page) or NULL, which PostgreSQL reads as no limit.
func (p Page) bounds() (offset int64, limit *int64) {
	if p.Offset > 0 {
		offset = int64(p.Offset)
	}
	if p.Limit > 0 && int64(p.Limit) < math.MaxInt64 {
		n := int64(p.Limit) + 1
		limit = &n
	}
	return offset, limit
}

// trim cuts a listing fetched with p.bounds to the page and reports whether
// there was more.
func trim[T any](items []T, p Page) ([]T, bool) {
	if p.Limit > 0 && len(items) > p.Limit {
		return items[:p.Limit], true
	}
	return items, false
}

// TableInfo is one ListTables entry.
type TableInfo struct {
	Schema string
	Name   string
	// Type is the Data API's TableMember.type: TABLE, VIEW, SYSTEM TABLE,
	// SYSTEM VIEW or LOCAL TEMPORARY; see ListTables.
	Type string
}

// notOtherTempSchema excludes the temporary schemas of other sessions (and
// the toast schemas of all of them): their tables are unreachable from this
// session, so no listing shows them. The session's own temporary schema is
// pg_my_temp_schema() (0 when it has none).
const notOtherTempSchema = `(n.nspname !~ '^pg_(toast_)?temp_' OR n.oid = pg_catalog.pg_my_temp_schema())`

const listDatabasesQuery = `
SELECT d.datname::text
FROM pg_catalog.pg_database d
WHERE NOT d.datistemplate
  AND d.datallowconn
  AND d.datconnlimit <> -2
  AND d.datname <> 'postgres'
ORDER BY d.datname
OFFSET $1 LIMIT $2`

// ListDatabases returns the names of the databases a client can use, in name
// order: every database except templates (template0, template1 and any
// database marked as a template), databases that refuse connections (so
// cannot be queried through the Data API anyway) or are half-dropped
// (datconnlimit -2 after an interrupted DROP DATABASE), and "postgres",
// PostgreSQL's maintenance database, which has no Redshift counterpart
// (Redshift lists "dev" and the databases users created). rsdata's own
// control database lives on a separate server and never appears. Visibility
// does not depend on privileges: like pg_database itself, the list is the
// same for every user.
func ListDatabases(ctx context.Context, cat Catalog, p Page) (names []string, more bool, err error) {
	offset, limit := p.bounds()
	names, err = queryStrings(ctx, cat, listDatabasesQuery, offset, limit)
	if err != nil {
		return nil, false, err
	}
	names, more = trim(names, p)
	return names, more, nil
}

const listSchemasQuery = `
SELECT n.nspname::text
FROM pg_catalog.pg_namespace n
WHERE n.nspname NOT IN ('pg_toast', 'rsdata_redshift')
  AND n.nspname !~ '^pg_(toast_)?temp_'
  AND ($1::text = '' OR n.nspname LIKE $1::text)
ORDER BY n.nspname
OFFSET $2 LIMIT $3`

// ListSchemas returns the names of the schemas matching pattern ("" = all),
// in name order: pg_catalog, information_schema, public and every user
// schema. It leaves out pg_toast, the per-session temporary schemas
// (pg_temp_N, pg_toast_temp_N), which are implementation details Redshift
// does not list either, and rsdata_redshift, where rsdata installs
// Redshift's functions and system views (ListTables leaves it out too); ListTables still shows the calling session's own
// temporary tables, under their pg_temp_N schema.
func ListSchemas(ctx context.Context, cat Catalog, pattern string, p Page) (names []string, more bool, err error) {
	offset, limit := p.bounds()
	names, err = queryStrings(ctx, cat, listSchemasQuery, pattern, offset, limit)
	if err != nil {
		return nil, false, err
	}
	names, more = trim(names, p)
	return names, more, nil
}

// listTablesQuery classifies relations as ListTables documents. relkinds:
// r table, p partitioned table, f foreign table, v view, m materialized view;
// indexes, sequences, composite types and toast tables are not tables to a
// Data API client and are left out.
const listTablesQuery = `
SELECT n.nspname::text, c.relname::text,
       CASE
         WHEN c.relpersistence = 't' THEN 'LOCAL TEMPORARY'
         WHEN n.nspname IN ('pg_catalog', 'information_schema') THEN
           CASE WHEN c.relkind IN ('v', 'm') THEN 'SYSTEM VIEW' ELSE 'SYSTEM TABLE' END
         WHEN c.relkind IN ('v', 'm') THEN 'VIEW'
         ELSE 'TABLE'
       END
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm')
  AND n.nspname <> 'rsdata_redshift'
  AND ` + notOtherTempSchema + `
  AND ($1::text = '' OR n.nspname LIKE $1::text)
  AND ($2::text = '' OR c.relname LIKE $2::text)
ORDER BY n.nspname, c.relname
OFFSET $3 LIMIT $4`

// ListTables returns the tables and views whose schema matches schemaPattern
// and whose name matches tablePattern ("" = all), ordered by schema, then
// name. Type maps PostgreSQL's relation kinds onto the values the Data API
// documents for TableMember.type (TABLE, VIEW, SYSTEM TABLE, GLOBAL
// TEMPORARY, LOCAL TEMPORARY, ALIAS, SYNONYM), following the JDBC getTables
// conventions Redshift's catalog APIs come from:
//
//   - ordinary, unlogged, partitioned and partition tables: TABLE;
//   - foreign tables: TABLE (queried like tables; Redshift's external tables
//     would be "EXTERNAL TABLE", a value the API does not document);
//   - views: VIEW;
//   - materialized views: VIEW (the API documents no "MATERIALIZED VIEW",
//     and a client reads one exactly like a view);
//   - tables in pg_catalog and information_schema: SYSTEM TABLE (as AWS's
//     example shows for information_schema.sql_features);
//   - views in those schemas: SYSTEM VIEW, which the API's list omits but
//     JDBC getTables uses for system views (that Redshift reports it too is
//     inferred, not verified);
//   - temporary tables and views of the calling session: LOCAL TEMPORARY,
//     in schema pg_temp_N. Other sessions' temporary relations are not shown.
//
// PostgreSQL has no global temporary tables, aliases or synonyms, so GLOBAL
// TEMPORARY, ALIAS and SYNONYM never occur. Indexes, sequences, composite
// types and toast tables are not listed.
func ListTables(ctx context.Context, cat Catalog, schemaPattern, tablePattern string, p Page) (tables []TableInfo, more bool, err error) {
	offset, limit := p.bounds()
	rows, err := cat.Query(ctx, listTablesQuery, schemaPattern, tablePattern, offset, limit)
	if err != nil {
		return nil, false, err
	}
	tables, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (TableInfo, error) {
		var t TableInfo
		err := row.Scan(&t.Schema, &t.Name, &t.Type)
		return t, err
	})
	if err != nil {
		return nil, false, err
	}
	tables, more = trim(tables, p)
	return tables, more, nil
}

// describeTableQuery lists the columns of the matching relations (the same
// kinds ListTables lists). A domain-typed column is described by the base
// type under all its domains and by the first type modifier found along the
// way, which is how PostgreSQL describes such a column's values in a result
// set; dom resolves domains over domains.
const describeTableQuery = `
WITH RECURSIVE dom(oid, base, typmod) AS (
  SELECT t.oid, t.typbasetype, t.typtypmod
  FROM pg_catalog.pg_type t WHERE t.typtype = 'd'
  UNION ALL
  SELECT d.oid, b.typbasetype, CASE WHEN d.typmod >= 0 THEN d.typmod ELSE b.typtypmod END
  FROM dom d JOIN pg_catalog.pg_type b ON b.oid = d.base AND b.typtype = 'd'
)
SELECT n.nspname::text, c.relname::text, a.attname::text, t.typname::text,
       COALESCE(dom.base, a.atttypid),
       CASE WHEN a.atttypmod >= 0 OR dom.oid IS NULL THEN a.atttypmod ELSE dom.typmod END,
       a.attnotnull,
       CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN dom ON dom.oid = a.atttypid
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_type b WHERE b.oid = dom.base AND b.typtype = 'd')
LEFT JOIN pg_catalog.pg_attrdef ad ON a.atthasdef AND ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm')
  AND ` + notOtherTempSchema + `
  AND ($1::text = '' AND n.nspname <> 'rsdata_redshift' OR n.nspname = $1::text)
  AND ($2::text = '' OR c.relname = $2::text)
ORDER BY n.nspname, c.relname, a.attnum
OFFSET $3 LIMIT $4`

// DescribeTable returns the columns of table in schema, in column order, with
// the metadata Redshift reports. schema and table are exact, case-sensitive
// names, not patterns; "" means any. So schema "" describes the tables of that
// name in every schema, table "" every table of the schema, and both ""
// every table of the database (the relations ListTables lists), ordered by
// schema, then table, then column position. The page bounds the columns, as
// the Data API pages DescribeTable's ColumnList.
//
// tableName is the table of the first column returned, or "" when there is
// none (a table that does not exist is an empty result, not an error).
//
// Each column's metadata follows the rules DescribeColumns applies to a
// result column read from the same table, so DescribeTable and a
// `SELECT * FROM table` agree:
//
//   - Name and Label are the column name; SchemaName and TableName its
//     relation's.
//   - TypeName is pg_type.typname of the declared type: int4, varchar,
//     bpchar, numeric, _int4 for int4[], and a domain's own name
//     (information_schema's character_data, as in AWS's example).
//   - Precision, Scale, IsSigned, IsCaseSensitive and IsCurrency come from
//     the type and its modifier (for a domain, its base type and the
//     domain's modifier): varchar(200) is precision 200, numeric(12,2)
//     precision 12 scale 2, timestamp precision 29 scale 6, unbounded
//     character types precision 2147483647.
//   - Length is the maximum length in characters of character columns
//     (varchar, bpchar, text, name, "char"), which is their Precision, as in
//     AWS's example (character_data: precision and length 2147483647); 0 for
//     every other type. (Result-set columns always have Length 0.)
//   - Nullable is 0 for NOT NULL columns and 1 otherwise (view columns are
//     always 1).
//   - ColumnDefault is the default expression as pg_get_expr prints it
//     ("nextval('t_id_seq'::regclass)", "'x'::character varying"), or ""
//     when the column has none. A generated column's expression is not a
//     default and is not reported; identity columns report "".
func DescribeTable(ctx context.Context, cat Catalog, schema, table string, p Page) (tableName string, cols []results.Column, more bool, err error) {
	offset, limit := p.bounds()
	rows, err := cat.Query(ctx, describeTableQuery, schema, table, offset, limit)
	if err != nil {
		return "", nil, false, err
	}
	cols, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (results.Column, error) {
		var col results.Column
		var typeOID uint32
		var typmod int32
		var notNull bool
		var def *string
		if err := row.Scan(&col.SchemaName, &col.TableName, &col.Name, &col.TypeName, &typeOID, &typmod, &notNull, &def); err != nil {
			return col, err
		}
		col.Label = col.Name
		describeBuiltin(&col, typeOID, typmod)
		switch typeOID {
		case oidVarchar, oidBPChar, oidText, oidName, oidChar:
			col.Length = col.Precision
		}
		col.Nullable = nullableYes
		if notNull {
			col.Nullable = nullableNo
		}
		if def != nil {
			col.ColumnDefault = *def
		}
		return col, nil
	})
	if err != nil {
		return "", nil, false, err
	}
	cols, more = trim(cols, p)
	if len(cols) > 0 {
		tableName = cols[0].TableName
	}
	return tableName, cols, more, nil
}

// queryStrings runs a query whose rows are one text column.
func queryStrings(ctx context.Context, cat Catalog, sql string, args ...any) ([]string, error) {
	rows, err := cat.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	return out, nil
}
