package redshiftdata_test

import (
	"encoding/hex"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"

	"github.com/rsdata/rsdata/internal/dialect/corpus"
)

// fieldText is a field as the corpus writes it: the Data API's text of the
// value, t/f for booleans, \N for NULL.
func fieldText(t *testing.T, f types.Field) string {
	switch v := f.(type) {
	case *types.FieldMemberStringValue:
		return v.Value
	case *types.FieldMemberLongValue:
		return strconv.FormatInt(v.Value, 10)
	case *types.FieldMemberDoubleValue:
		return strconv.FormatFloat(v.Value, 'f', -1, 64)
	case *types.FieldMemberBooleanValue:
		if v.Value {
			return "t"
		}
		return "f"
	case *types.FieldMemberIsNull:
		return `\N`
	case *types.FieldMemberBlobValue:
		return hex.EncodeToString(v.Value)
	}
	t.Fatalf("field %#v", f)
	return ""
}

func columnNames(md []types.ColumnMetadata) []string {
	var out []string
	for _, m := range md {
		out = append(out, aws.ToString(m.Name))
	}
	return out
}

// sameRows compares rows with the corpus's rule (corpus.Case.Equal): values
// in their canonical text form, in order unless unordered.
func sameRows(want, got [][]string, unordered bool) bool {
	return corpus.Case{Rows: want, Ordered: !unordered}.Equal(got)
}
