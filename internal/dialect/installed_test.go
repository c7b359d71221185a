package dialect

import (
	"regexp"
	"strings"
	"testing"
)

// TestQualifyInstalled checks the qualification of installed functions
// and system views, and what it leaves alone.
func TestQualifyInstalled(t *testing.T) {
	cases := []struct{ in, want string }{
		{"select dateadd(month, 18, '2008-02-28')", "select rsdata_redshift.date_add('month', 18, '2008-02-28')"},
		{"select DATEDIFF(Week,'2009-01-01','2009-12-31') as numweeks", "select rsdata_redshift.date_diff('week','2009-01-01','2009-12-31') as numweeks"},
		{"select date_trunc('week', d) from t", "select rsdata_redshift.date_trunc('week', d) from t"},
		{"select date_part(w, dateadd(d, 1, d))", "select rsdata_redshift.pgdate_part('w', rsdata_redshift.date_add('d', 1, d))"},
		{"select version()", "select rsdata_redshift.version()"},
		{"select crc32('x'), json_extract_path_text(j, 'a', true)", "select rsdata_redshift.crc32('x'), rsdata_redshift.json_extract_path_text(j, 'a', true)"},
		{"select nvl(charindex('a', s), 0)", "select COALESCE(rsdata_redshift.charindex('a', s), 0)"},
		{"select * from svv_table_info where \"table\" = 't'", "select * from rsdata_redshift.svv_table_info where \"table\" = 't'"},
		{"GRANT SELECT ON svv_table_info TO u", "GRANT SELECT ON rsdata_redshift.svv_table_info TO u"},
		{"revoke select on table stl_query from u", "revoke select on table rsdata_redshift.stl_query from u"},
		{"select a.x from t a join PG_TABLE_DEF d on true", "select a.x from t a join rsdata_redshift.PG_TABLE_DEF d on true"},
		{"select to_char(timestamp '2009-12-31 23:15:59', 'HH12:MI:SS TZ'), TO_DATE(s, 'YYYYMMDD', :strict)",
			"select rsdata_redshift.to_char(timestamp '2009-12-31 23:15:59', 'HH12:MI:SS TZ'), rsdata_redshift.TO_DATE(s, 'YYYYMMDD', :strict)"},
		{"select to_timestamp('2011-12-18 24:38:15', 'YYYY-MM-DD HH24:MI:SS') from t where pg_catalog.to_char(1, '9') = '1'",
			"select rsdata_redshift.to_timestamp('2011-12-18 24:38:15', 'YYYY-MM-DD HH24:MI:SS') from t where pg_catalog.to_char(1, '9') = '1'"},
		// Left alone: qualified, quoted, not a call, a definition, a column.
		{"select myschema.dateadd(month, 1, d)", "select myschema.dateadd(month, 1, d)"},
		{"select \"dateadd\"(x)", "select \"dateadd\"(x)"},
		{"select trunc from t", "select trunc from t"},
		{"create function crc32(text) returns text", "create function crc32(text) returns text"},
		{"select svv_tables.table_name from svv_tables", "select svv_tables.table_name from rsdata_redshift.svv_tables"},
		{"select * from myschema.svv_tables", "select * from myschema.svv_tables"},
		{"select 'dateadd(month, 1, d)' -- crc32(x)", "select 'dateadd(month, 1, d)' -- crc32(x)"},
		{"select svv_tables from t", "select svv_tables from t"},
		// Lists: every relation of a FROM or ON list, no other list's item.
		{"select * from svv_tables a, svv_columns b where a.table_name = b.table_name",
			"select * from rsdata_redshift.svv_tables a, rsdata_redshift.svv_columns b where a.table_name = b.table_name"},
		{"select * from (select 1) x, stl_query q join t on t.a = q.query, svv_tables",
			"select * from (select 1) x, rsdata_redshift.stl_query q join t on t.a = q.query, rsdata_redshift.svv_tables"},
		{"grant select on table stl_query, svv_tables to u", "grant select on table rsdata_redshift.stl_query, rsdata_redshift.svv_tables to u"},
		{"select a, svv_tables from t order by x, svv_columns", "select a, svv_tables from t order by x, svv_columns"},
		{"select coalesce(a, svv_tables) from t where b in (1, svv_columns)", "select coalesce(a, svv_tables) from t where b in (1, svv_columns)"},
		{"update t set a = 1, svv_tables = 2", "update t set a = 1, svv_tables = 2"},
		{"insert into t (a, svv_tables) values (1, 2)", "insert into t (a, svv_tables) values (1, 2)"},
		{"select 1; select x, svv_tables from t", "select 1; select x, svv_tables from t"},
		{"create table svv_tables (x int)", "create table svv_tables (x int)"},
		{"select * from t join u on svv_tables.x = t.x", "select * from t join u on svv_tables.x = t.x"},
	}
	for _, c := range cases {
		if got := Translate(Redshift, c.in); got != c.want {
			t.Errorf("Translate(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
		if got := Translate(Postgres, c.in); got != c.in {
			t.Errorf("postgres mode changed %q to %q", c.in, got)
		}
	}
}

// TestInstallScriptDefinesQualifiedNames: every name the translator
// qualifies is created by the script, so no qualified call can miss.
func TestInstallScriptDefinesQualifiedNames(t *testing.T) {
	for _, f := range InstalledFunctions() {
		if !regexp.MustCompile(`(?m)^CREATE OR REPLACE FUNCTION rsdata_redshift\.` + f + `\(`).MatchString(InstallSQL) {
			t.Errorf("function %s is qualified but not installed", f)
		}
	}
	for _, v := range SystemViews() {
		if !strings.Contains(InstallSQL, "CREATE OR REPLACE VIEW rsdata_redshift."+v+" ") {
			t.Errorf("view %s is qualified but not installed", v)
		}
	}
	// Users' views may depend on what the script installs: it replaces,
	// never drops (a DROP ... CASCADE would take their views with it).
	for i, line := range strings.Split(InstallSQL, "\n") {
		if code, _, _ := strings.Cut(line, "--"); strings.Contains(strings.ToUpper(code), "DROP ") {
			t.Errorf("line %d drops: %s", i+1, line)
		}
	}
	if !strings.Contains(InstallSQL, ", Redshift 1.0."+Revision+"'") {
		t.Errorf("VERSION() does not name revision %s", Revision)
	}
	if len(InstallVersion) != 16 {
		t.Errorf("InstallVersion %q", InstallVersion)
	}
}
