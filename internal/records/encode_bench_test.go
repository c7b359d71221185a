package records

import "testing"

// BenchmarkAppendRecord encodes a typical six-column row into a buffer that
// already has room, as a result spooler does for each row of a page.
func BenchmarkAppendRecord(b *testing.B) {
	kinds := []Kind{KindLong, KindLong, KindString, KindDouble, KindTimestamp, KindBool}
	row := [][]byte{
		[]byte("123456"),
		[]byte("9223372036854775807"),
		[]byte("hello, \"world\" of rows"),
		[]byte("3.141592653589793"),
		[]byte("2020-08-21 17:33:51"),
		[]byte("t"),
	}
	dst := make([]byte, 0, 4096)
	dst = AppendRecord(dst, kinds, row)
	b.SetBytes(int64(len(dst)))
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendRecord(dst[:0], kinds, row)
	}
}
