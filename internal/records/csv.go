package records

import "github.com/rsdata/rsdata/internal/results"

// CSV results (GetStatementResultV2) are RFC 4180: fields separated by
// commas, records ended by CRLF, and a field quoted (with quotes doubled)
// when it holds a comma, a quote, CR or LF, or starts or ends with a space.
// Values are the database's own text forms; NULL is an empty field.

// AppendCSVHeader appends the header record of column names.
func AppendCSVHeader(dst []byte, cols []results.Column) []byte {
	for i, c := range cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendCSVField(dst, []byte(c.Name))
	}
	return append(dst, '\r', '\n')
}

// AppendCSVRecord appends one row as a CSV record. kinds is accepted for
// symmetry with AppendRecord; CSV carries every value as text.
func AppendCSVRecord(dst []byte, _ []Kind, values [][]byte) []byte {
	for i, v := range values {
		if i > 0 {
			dst = append(dst, ',')
		}
		if v != nil {
			dst = appendCSVField(dst, v)
		}
	}
	return append(dst, '\r', '\n')
}

func appendCSVField(dst, v []byte) []byte {
	if !needsQuotes(v) {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	for _, c := range v {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

func needsQuotes(v []byte) bool {
	if len(v) == 0 {
		// An empty string must differ from NULL, which is an empty field.
		return true
	}
	if v[0] == ' ' || v[len(v)-1] == ' ' {
		return true
	}
	for _, c := range v {
		switch c {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}
