package pgfront_test

import (
	"testing"

	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
