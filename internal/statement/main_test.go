package statement

import (
	"testing"

	"go.uber.org/goleak"
)

// Every engine a test starts is closed by the test, and every time-driven
// test runs in a synctest bubble, so no goroutine outlives its test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
