// Type mapping: PostgreSQL result columns as the Redshift Data API describes
// them (column metadata as Redshift's JDBC-based service reports it), and the
// Kind (package records) that encodes each column's text values.

package pgexec

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rsdata/rsdata/internal/records"
	"github.com/rsdata/rsdata/internal/results"
)

// Catalog runs catalog look-ups; *pgx.Conn and *pgxpool.Pool satisfy it.
//
// Query must run against the same database the described result came from:
// table and type OIDs are only meaningful there. It is called at most twice
// per DescribeColumns call, with positional arguments (oid[] and int2[]), so
// it needs a query execution mode that can send array arguments (any pgx mode
// except a hand-rolled simple-protocol one).
type Catalog interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// OIDs of the built-in types whose metadata or encoding is special. Built-in
// OIDs are fixed by PostgreSQL (they are below FirstNormalObjectId, 16384)
// and never change between servers or versions.
const (
	oidBool        = 16
	oidBytea       = 17
	oidChar        = 18
	oidName        = 19
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidOID         = 26
	oidFloat4      = 700
	oidFloat8      = 701
	oidMoney       = 790
	oidBPChar      = 1042
	oidVarchar     = 1043
	oidDate        = 1082
	oidTime        = 1083
	oidTimestamp   = 1114
	oidTimestamptz = 1184
	oidTimetz      = 1266
	oidNumeric     = 1700
)

// builtinTypeNames holds pg_type.typname of built-in types, so describing a
// result made of them needs no catalog query. It is never written to.
var builtinTypeNames = map[uint32]string{
	16: "bool", 17: "bytea", 18: "char", 19: "name", 20: "int8", 21: "int2",
	22: "int2vector", 23: "int4", 24: "regproc", 25: "text", 26: "oid",
	27: "tid", 28: "xid", 29: "cid", 30: "oidvector", 114: "json",
	142: "xml", 194: "pg_node_tree", 600: "point", 601: "lseg", 602: "path",
	603: "box", 604: "polygon", 628: "line", 650: "cidr", 700: "float4",
	701: "float8", 705: "unknown", 718: "circle", 774: "macaddr8",
	790: "money", 829: "macaddr", 869: "inet", 1033: "aclitem",
	1042: "bpchar", 1043: "varchar", 1082: "date", 1083: "time",
	1114: "timestamp", 1184: "timestamptz", 1186: "interval",
	1266: "timetz", 1560: "bit", 1562: "varbit", 1700: "numeric",
	1790: "refcursor", 2202: "regprocedure", 2203: "regoper",
	2204: "regoperator", 2205: "regclass", 2206: "regtype", 2249: "record",
	2275: "cstring", 2278: "void", 2950: "uuid", 2970: "txid_snapshot",
	3220: "pg_lsn", 3614: "tsvector", 3615: "tsquery", 3734: "regconfig",
	3769: "regdictionary", 3802: "jsonb", 3904: "int4range",
	3906: "numrange", 3908: "tsrange", 3910: "tstzrange", 3912: "daterange",
	3926: "int8range", 4072: "jsonpath", 4089: "regnamespace",
	4096: "regrole", 4191: "regcollation", 4451: "int4multirange",
	4532: "nummultirange", 4533: "tsmultirange", 4534: "tstzmultirange",
	4535: "datemultirange", 4536: "int8multirange", 5038: "pg_snapshot",
	5069: "xid8",
	// Arrays: PostgreSQL names an array type "_" + element name.
	143: "_xml", 199: "_json", 1000: "_bool", 1001: "_bytea", 1002: "_char",
	1003: "_name", 1005: "_int2", 1007: "_int4", 1009: "_text",
	1014: "_bpchar", 1015: "_varchar", 1016: "_int8", 1021: "_float4",
	1022: "_float8", 1028: "_oid", 1115: "_timestamp", 1182: "_date",
	1183: "_time", 1185: "_timestamptz", 1187: "_interval",
	1231: "_numeric", 1270: "_timetz", 2951: "_uuid", 3807: "_jsonb",
	791: "_money", 1041: "_inet", 651: "_cidr", 1040: "_macaddr",
}

// Nullable codes: JDBC's ResultSetMetaData constants, which Redshift reports.
const (
	nullableNo      = 0
	nullableYes     = 1
	nullableUnknown = 2
)

// unboundedLength is the precision Redshift reports for character columns
// with no declared length (Integer.MAX_VALUE in its JDBC driver).
const unboundedLength = 2147483647

// DescribeColumns turns field descriptions into Redshift-style metadata and
// per-column encoding kinds. It queries the catalog only when needed: for type
// OIDs not in a static table of built-in types, and for columns that come from a
// table (TableOID != 0: one query for all of them) to get nullable, schemaName,
// tableName. Computed columns do no query at all (so `select 1` costs nothing).
//
// PostgreSQL describes a domain-typed value by its base type and the typmod
// the domain imposes, so kinds, precision and scale follow the base type. A
// table column declared with a domain is still named after the domain (found
// by the table-column query at no extra cost); a computed domain value, such
// as `3::posint`, can only be named after its base type.
//
// fds is read completely before the first query, so cat may be the very
// connection that produced fds (pgconn reuses its field-description slice for
// the next query). A column whose table or type vanished in the meantime is
// described as computed, or with an empty typeName, rather than failing.
// Errors come only from cat and ctx.
func DescribeColumns(ctx context.Context, cat Catalog, fds []pgconn.FieldDescription) ([]results.Column, []records.Kind, error) {
	cols := make([]results.Column, len(fds))
	kinds := make([]records.Kind, len(fds))
	// What the look-ups need, copied out of fds before any query.
	typeOIDs := make([]uint32, len(fds))
	tableOIDs := make([]uint32, len(fds))
	attnums := make([]int16, len(fds))
	var unknownTypes, rels []uint32
	var relAttnums []int16
	for i := range fds {
		fd := &fds[i]
		typeOIDs[i] = fd.DataTypeOID
		tableOIDs[i] = fd.TableOID
		attnums[i] = int16(fd.TableAttributeNumber)
		cols[i].Name = fd.Name
		cols[i].Label = fd.Name
		cols[i].Nullable = nullableUnknown
		kinds[i] = describeBuiltin(&cols[i], fd.DataTypeOID, fd.TypeModifier)
		if name, ok := builtinTypeNames[fd.DataTypeOID]; ok {
			cols[i].TypeName = name
		} else if !containsOID(unknownTypes, fd.DataTypeOID) {
			unknownTypes = append(unknownTypes, fd.DataTypeOID)
		}
		if fd.TableOID != 0 {
			rels = append(rels, fd.TableOID)
			relAttnums = append(relAttnums, attnums[i])
		}
	}

	if len(unknownTypes) > 0 {
		names, err := lookUpTypeNames(ctx, cat, unknownTypes)
		if err != nil {
			return nil, nil, err
		}
		for i := range cols {
			if name, ok := names[typeOIDs[i]]; ok {
				cols[i].TypeName = name
			}
		}
	}

	if len(rels) > 0 {
		attrs, err := lookUpAttributes(ctx, cat, rels, relAttnums)
		if err != nil {
			return nil, nil, err
		}
		for i := range cols {
			if tableOIDs[i] == 0 {
				continue
			}
			a, ok := attrs[attrKey{tableOIDs[i], attnums[i]}]
			if !ok {
				continue
			}
			cols[i].SchemaName = a.schema
			cols[i].TableName = a.table
			if a.notNull {
				cols[i].Nullable = nullableNo
			} else {
				cols[i].Nullable = nullableYes
			}
			if a.domain != "" {
				cols[i].TypeName = a.domain
			}
		}
	}
	return cols, kinds, nil
}

func containsOID(s []uint32, oid uint32) bool {
	for _, v := range s {
		if v == oid {
			return true
		}
	}
	return false
}

// describeBuiltin fills precision, scale and the flags of col for a value
// of the built-in type oid with type modifier typmod, and returns its Kind.
// Other types (enums, arrays, composites, extension types) keep zeroes and
// are strings.
func describeBuiltin(col *results.Column, oid uint32, typmod int32) records.Kind {
	switch oid {
	case oidInt2:
		col.Precision, col.IsSigned = 5, true
		return records.KindLong
	case oidInt4:
		col.Precision, col.IsSigned = 10, true
		return records.KindLong
	case oidInt8:
		col.Precision, col.IsSigned = 19, true
		return records.KindLong
	case oidOID:
		col.Precision = 10
		return records.KindLong
	case oidFloat4:
		col.Precision, col.Scale, col.IsSigned = 8, 8, true
		return records.KindDouble
	case oidFloat8:
		col.Precision, col.Scale, col.IsSigned = 17, 17, true
		return records.KindDouble
	case oidNumeric:
		col.IsSigned = true
		if typmod >= 4 {
			// PostgreSQL packs numeric(p,s) as ((p << 16) | (s & 0x7ff)) + 4;
			// since 15 the 11-bit scale may be negative.
			m := typmod - 4
			col.Precision = (m >> 16) & 0xffff
			col.Scale = ((m & 0x7ff) ^ 1024) - 1024
		}
		return records.KindString
	case oidMoney:
		col.Precision, col.Scale, col.IsSigned, col.IsCurrency = 19, 2, true, true
		return records.KindString
	case oidBool:
		col.Precision = 1
		return records.KindBool
	case oidVarchar, oidBPChar:
		col.IsCaseSensitive = true
		col.Precision = unboundedLength
		if typmod >= 4 {
			col.Precision = typmod - 4
		}
		return records.KindString
	case oidText:
		col.IsCaseSensitive = true
		col.Precision = unboundedLength
		return records.KindString
	case oidName:
		col.IsCaseSensitive = true
		col.Precision = 64 // NAMEDATALEN
		return records.KindString
	case oidChar:
		col.IsCaseSensitive = true
		col.Precision = 1
		return records.KindString
	case oidDate:
		col.Precision = 13
		return records.KindString
	case oidTime:
		col.Precision, col.Scale = 15, fractionDigits(typmod)
		return records.KindString
	case oidTimetz:
		col.Precision, col.Scale = 21, fractionDigits(typmod)
		return records.KindString
	case oidTimestamp:
		col.Precision, col.Scale = 29, fractionDigits(typmod)
		return records.KindTimestamp
	case oidTimestamptz:
		col.Precision, col.Scale = 35, fractionDigits(typmod)
		return records.KindString
	case oidBytea:
		return records.KindBlob
	}
	return records.KindString
}

// fractionDigits is the scale of a time or timestamp type: its declared
// fractional-second digits, or PostgreSQL's maximum of 6 when undeclared.
func fractionDigits(typmod int32) int32 {
	if typmod >= 0 && typmod <= 6 {
		return typmod
	}
	return 6
}

const typeNameQuery = `
SELECT t.oid, t.typname::text FROM pg_catalog.pg_type t WHERE t.oid = ANY($1::oid[])`

func lookUpTypeNames(ctx context.Context, cat Catalog, oids []uint32) (map[uint32]string, error) {
	rows, err := cat.Query(ctx, typeNameQuery, oids)
	if err != nil {
		return nil, fmt.Errorf("pgexec: look up column types: %w", err)
	}
	defer rows.Close()
	out := make(map[uint32]string, len(oids))
	for rows.Next() {
		var oid uint32
		var name string
		if err := rows.Scan(&oid, &name); err != nil {
			return nil, fmt.Errorf("pgexec: look up column types: %w", err)
		}
		out[oid] = name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgexec: look up column types: %w", err)
	}
	return out, nil
}

type attrKey struct {
	rel    uint32
	attnum int16
}

type attrInfo struct {
	notNull bool
	schema  string
	table   string
	domain  string // the column's declared type if that is a domain, else ""
}

const attributeQuery = `
SELECT a.attrelid, a.attnum, a.attnotnull, n.nspname::text, c.relname::text,
       CASE WHEN t.typtype = 'd' THEN t.typname::text ELSE '' END
FROM (SELECT DISTINCT * FROM unnest($1::oid[], $2::int2[])) AS k(rel, num)
JOIN pg_catalog.pg_attribute a ON a.attrelid = k.rel AND a.attnum = k.num
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid`

func lookUpAttributes(ctx context.Context, cat Catalog, rels []uint32, attnums []int16) (map[attrKey]attrInfo, error) {
	rows, err := cat.Query(ctx, attributeQuery, rels, attnums)
	if err != nil {
		return nil, fmt.Errorf("pgexec: look up column tables: %w", err)
	}
	defer rows.Close()
	out := make(map[attrKey]attrInfo, len(rels))
	for rows.Next() {
		var k attrKey
		var a attrInfo
		if err := rows.Scan(&k.rel, &k.attnum, &a.notNull, &a.schema, &a.table, &a.domain); err != nil {
			return nil, fmt.Errorf("pgexec: look up column tables: %w", err)
		}
		out[k] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgexec: look up column tables: %w", err)
	}
	return out, nil
}

// redshiftTypeNames renames the column types that stand for a Redshift
// type on an engine of the Redshift dialect: the dialect stores SUPER as
// jsonb and VARBYTE as bytea, which Redshift's Data API calls "super" and
// "varbyte".
func redshiftTypeNames(cols []results.Column) {
	for i := range cols {
		switch cols[i].TypeName {
		case "jsonb":
			cols[i].TypeName = "super"
		case "bytea":
			cols[i].TypeName = "varbyte"
		}
	}
}
