// Type mapping: PostgreSQL result columns as the Redshift Data API describes
// them (column metadata as Redshift's JDBC-based service reports it), and the
// encoding of text-format row values into the Data API's Field JSON.

package pgexec

import (
	"context"
	"encoding/base64"
	"fmt"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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

// Kind says how a column's text values become Data API Field JSON.
type Kind uint8

const (
	// KindString emits {"stringValue":"..."} with the text as PostgreSQL
	// printed it. It is the zero value, so an unknown column is still
	// encoded losslessly.
	KindString Kind = iota
	// KindLong emits {"longValue":N}.
	KindLong
	// KindDouble emits {"doubleValue":N}, or the JSON strings "NaN",
	// "Infinity" and "-Infinity" for non-finite values.
	KindDouble
	// KindBool emits {"booleanValue":true|false}.
	KindBool
	// KindBlob emits {"blobValue":"<base64>"} from bytea text (hex or escape).
	KindBlob
	// KindTimestamp emits {"stringValue":"..."} in java.sql.Timestamp style:
	// PostgreSQL's ISO text with ".0" added when there are no fractional
	// seconds, as Redshift shows timestamp columns.
	KindTimestamp
)

// String returns the Field member the kind produces, for messages.
func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindLong:
		return "long"
	case KindDouble:
		return "double"
	case KindBool:
		return "bool"
	case KindBlob:
		return "blob"
	case KindTimestamp:
		return "timestamp"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
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
func DescribeColumns(ctx context.Context, cat Catalog, fds []pgconn.FieldDescription) ([]results.Column, []Kind, error) {
	cols := make([]results.Column, len(fds))
	kinds := make([]Kind, len(fds))
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
func describeBuiltin(col *results.Column, oid uint32, typmod int32) Kind {
	switch oid {
	case oidInt2:
		col.Precision, col.IsSigned = 5, true
		return KindLong
	case oidInt4:
		col.Precision, col.IsSigned = 10, true
		return KindLong
	case oidInt8:
		col.Precision, col.IsSigned = 19, true
		return KindLong
	case oidOID:
		col.Precision = 10
		return KindLong
	case oidFloat4:
		col.Precision, col.Scale, col.IsSigned = 8, 8, true
		return KindDouble
	case oidFloat8:
		col.Precision, col.Scale, col.IsSigned = 17, 17, true
		return KindDouble
	case oidNumeric:
		col.IsSigned = true
		if typmod >= 4 {
			// PostgreSQL packs numeric(p,s) as ((p << 16) | (s & 0x7ff)) + 4;
			// since 15 the 11-bit scale may be negative.
			m := typmod - 4
			col.Precision = (m >> 16) & 0xffff
			col.Scale = ((m & 0x7ff) ^ 1024) - 1024
		}
		return KindString
	case oidMoney:
		col.Precision, col.Scale, col.IsSigned, col.IsCurrency = 19, 2, true, true
		return KindString
	case oidBool:
		col.Precision = 1
		return KindBool
	case oidVarchar, oidBPChar:
		col.IsCaseSensitive = true
		col.Precision = unboundedLength
		if typmod >= 4 {
			col.Precision = typmod - 4
		}
		return KindString
	case oidText:
		col.IsCaseSensitive = true
		col.Precision = unboundedLength
		return KindString
	case oidName:
		col.IsCaseSensitive = true
		col.Precision = 64 // NAMEDATALEN
		return KindString
	case oidChar:
		col.IsCaseSensitive = true
		col.Precision = 1
		return KindString
	case oidDate:
		col.Precision = 13
		return KindString
	case oidTime:
		col.Precision, col.Scale = 15, fractionDigits(typmod)
		return KindString
	case oidTimetz:
		col.Precision, col.Scale = 21, fractionDigits(typmod)
		return KindString
	case oidTimestamp:
		col.Precision, col.Scale = 29, fractionDigits(typmod)
		return KindTimestamp
	case oidTimestamptz:
		col.Precision, col.Scale = 35, fractionDigits(typmod)
		return KindString
	case oidBytea:
		return KindBlob
	}
	return KindString
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

// AppendRecord appends one row as a JSON array of Field objects, e.g.
// [{"longValue":42},{"stringValue":"x"},{"isNull":true}], to dst and returns it.
// values are the row's text-format values (nil = NULL).
//
// kinds[i] says how values[i] is encoded; a value without a kind is a
// string. The output is always valid JSON whatever the bytes: a value that
// does not parse as its kind (which PostgreSQL never sends) falls back to a
// string rather than corrupting the page. It allocates only when dst must
// grow.
func AppendRecord(dst []byte, kinds []Kind, values [][]byte) []byte {
	dst = append(dst, '[')
	for i, v := range values {
		if i > 0 {
			dst = append(dst, ',')
		}
		if v == nil {
			dst = append(dst, `{"isNull":true}`...)
			continue
		}
		k := KindString
		if i < len(kinds) {
			k = kinds[i]
		}
		dst = appendField(dst, k, v)
	}
	return append(dst, ']')
}

func appendField(dst []byte, k Kind, v []byte) []byte {
	switch k {
	case KindLong:
		if isInteger(v) {
			dst = append(dst, `{"longValue":`...)
			dst = append(dst, v...)
			return append(dst, '}')
		}
	case KindDouble:
		if isJSONNumber(v) {
			dst = append(dst, `{"doubleValue":`...)
			dst = append(dst, v...)
			return append(dst, '}')
		}
		if string(v) == "NaN" || string(v) == "Infinity" || string(v) == "-Infinity" {
			// The AWS JSON protocol sends non-finite doubles as these strings.
			dst = append(dst, `{"doubleValue":"`...)
			dst = append(dst, v...)
			return append(dst, `"}`...)
		}
	case KindBool:
		if len(v) == 1 && v[0] == 't' {
			return append(dst, `{"booleanValue":true}`...)
		}
		if len(v) == 1 && v[0] == 'f' {
			return append(dst, `{"booleanValue":false}`...)
		}
	case KindBlob:
		if out, ok := appendBlob(dst, v); ok {
			return out
		}
	case KindTimestamp:
		if at := timestampFractionAt(v); at >= 0 {
			dst = append(dst, `{"stringValue":"`...)
			dst = appendJSONStringBody(dst, v[:at])
			dst = append(dst, ".0"...)
			dst = appendJSONStringBody(dst, v[at:])
			return append(dst, `"}`...)
		}
	}
	dst = append(dst, `{"stringValue":"`...)
	dst = appendJSONStringBody(dst, v)
	return append(dst, `"}`...)
}

// isInteger reports whether v is -?[0-9]+, which is how PostgreSQL prints
// int2, int4, int8 and oid, and is a valid JSON number.
func isInteger(v []byte) bool {
	if len(v) > 0 && v[0] == '-' {
		v = v[1:]
	}
	if len(v) == 0 {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isJSONNumber reports whether v matches JSON's number grammar. PostgreSQL's
// float output ("1.5", "-0", "1e+100", "1.2e-05") always does, except for
// the non-finite words.
func isJSONNumber(v []byte) bool {
	i := 0
	if i < len(v) && v[i] == '-' {
		i++
	}
	switch {
	case i < len(v) && v[i] == '0':
		i++
	case i < len(v) && v[i] >= '1' && v[i] <= '9':
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(v) && v[i] == '.' {
		i++
		start := i
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		start := i
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(v)
}

// timestampFractionAt returns where ".0" goes in a PostgreSQL ISO timestamp
// without fractional seconds ("2022-02-22 00:00:00", "0044-03-15 00:00:00 BC",
// "10000-01-01 00:00:00"), or -1 when v already has a fraction or is not of
// that shape ("infinity").
func timestampFractionAt(v []byte) int {
	sp := -1
	for i, c := range v {
		if c == ' ' {
			sp = i
			break
		}
	}
	// "HH:MM:SS" follows the space after the date.
	at := sp + 9
	if sp < 0 || at > len(v) || v[sp+3] != ':' || v[sp+6] != ':' {
		return -1
	}
	if at < len(v) && v[at] == '.' {
		return -1
	}
	return at
}

// appendBlob appends {"blobValue":"<base64>"} for a bytea value in text
// form: hex ("\x00ff") or the legacy escape format. It reports false, with
// dst unchanged in content, when v is not valid bytea text.
func appendBlob(dst, v []byte) ([]byte, bool) {
	start := len(dst)
	dst = append(dst, `{"blobValue":"`...)
	// Decode into a stack buffer whose size is a multiple of 3, so each
	// full chunk encodes to base64 without padding and chunks concatenate.
	var buf [96]byte
	n := 0
	flush := func() {
		dst = base64.StdEncoding.AppendEncode(dst, buf[:n])
		n = 0
	}
	if len(v) >= 2 && v[0] == '\\' && v[1] == 'x' {
		h := v[2:]
		if len(h)%2 != 0 {
			return dst[:start], false
		}
		for i := 0; i < len(h); i += 2 {
			hi, ok1 := unhex(h[i])
			lo, ok2 := unhex(h[i+1])
			if !ok1 || !ok2 {
				return dst[:start], false
			}
			buf[n] = hi<<4 | lo
			n++
			if n == len(buf) {
				flush()
			}
		}
	} else {
		for i := 0; i < len(v); i++ {
			c := v[i]
			if c == '\\' {
				switch {
				case i+1 < len(v) && v[i+1] == '\\':
					i++
				case i+3 < len(v) && isOctal(v[i+1]) && isOctal(v[i+2]) && isOctal(v[i+3]) && v[i+1] <= '3':
					c = (v[i+1]-'0')<<6 | (v[i+2]-'0')<<3 | (v[i+3] - '0')
					i += 3
				default:
					return dst[:start], false
				}
			}
			buf[n] = c
			n++
			if n == len(buf) {
				flush()
			}
		}
	}
	flush()
	return append(dst, `"}`...), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// jsonSafe marks the ASCII bytes that stand for themselves inside a JSON
// string. It is never written to after initialisation.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendJSONStringBody appends s escaped as the inside of a JSON string:
// quote and backslash escaped, control characters as \n, \r, \t or \u00XX,
// invalid UTF-8 replaced by U+FFFD. Other characters, "<", ">" and "&"
// included, are copied as they are.
func appendJSONStringBody(dst, s []byte) []byte {
	run := 0 // start of the pending run of bytes that need no escaping
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[run:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			run = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[run:i]...)
			dst = append(dst, "\ufffd"...)
			i++
			run = i
			continue
		}
		i += size
	}
	return append(dst, s[run:]...)
}
