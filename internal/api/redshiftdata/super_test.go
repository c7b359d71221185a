package redshiftdata_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"

	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// TestRedshiftSuperNavigation: PartiQL navigation through the Data API
// with the subscript bound as a parameter (bound, never spliced: a value
// that is no index finds nothing), next to a string that looks like
// navigation and stays as written.
func TestRedshiftSuperNavigation(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	run := func(sql string, params ...types.SqlParameter) ([][]string, []types.ColumnMetadata) {
		t.Helper()
		out, err := env.Client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
			ClusterIdentifier: aws.String("local"), Database: aws.String(env.Database), DbUser: aws.String("awsuser"),
			Sql: &sql, Parameters: params,
		})
		if err != nil {
			t.Fatalf("%q: %v", sql, err)
		}
		return rows(t, env, *out.Id)
	}
	const sql = `select json_parse('[{"a":"x"},{"a":"y","b":{"c":2}}]')[:i].a, json_parse('[{"a":"x"},{"a":"y","b":{"c":2}}]')[:i].b.c, 'c[0].a' as s`
	got, cols := run(sql, types.SqlParameter{Name: aws.String("i"), Value: aws.String("1")})
	if len(got) != 1 || got[0][0] != `"y"` || got[0][1] != "2" || got[0][2] != "c[0].a" {
		t.Errorf("navigation with i = 1: %v", got)
	}
	if len(cols) != 3 || aws.ToString(cols[0].Name) != "a" || aws.ToString(cols[1].Name) != "c" || aws.ToString(cols[0].TypeName) != "super" {
		t.Errorf("columns: %+v", cols)
	}
	got, _ = run(sql, types.SqlParameter{Name: aws.String("i"), Value: aws.String("0'] || '")})
	if len(got) != 1 || got[0][0] != "NULL" || got[0][1] != "NULL" {
		t.Errorf("navigation with a value that is no index: %v, want NULLs", got)
	}
}
