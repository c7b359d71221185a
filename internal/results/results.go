// Package results holds a statement's result set as rsdata stores and serves
// it: column metadata plus rows cut into pages.
//
// Rows are kept in pages already encoded as the Data API's JSON "Records"
// items (one JSON array of Field objects per row, comma-separated). That is a
// deliberate trade: serving a page becomes a copy rather than a decode and
// re-encode, which is what lets a million-row result page at a useful
// fraction of the database's own scan speed. The encoding is produced once,
// by pgexec, and this package treats page bytes as opaque.
package results

// Column is one result column's metadata as Redshift reports it.
type Column struct {
	Name            string
	Label           string
	TypeName        string // PostgreSQL internal type name: int4, varchar, bpchar, numeric, ...
	SchemaName      string // "" for computed columns
	TableName       string // "" for computed columns
	ColumnDefault   string
	Precision       int32
	Scale           int32
	Length          int32
	Nullable        int32 // 0 = NOT NULL, 1 = nullable, 2 = unknown (computed)
	IsSigned        bool
	IsCaseSensitive bool
	IsCurrency      bool
}
