package dialect

import (
	"reflect"
	"testing"
)

// TestLayouts reads the distribution and sort choices of the DDL examples
// of AWS's CREATE TABLE, CREATE TABLE AS and ALTER TABLE pages.
func TestLayouts(t *testing.T) {
	cases := []struct {
		sql  string
		want []Layout
	}{
		{`create table sales(salesid integer not null, listid integer not null, sellerid integer not null,
buyerid integer not null, eventid integer not null encode mostly16, dateid smallint not null,
qtysold smallint not null encode mostly8, pricepaid decimal(8,2) encode delta32k,
commission decimal(8,2) encode delta32k, saletime timestamp,
primary key(salesid), foreign key(listid) references listing(listid))
distkey(listid) compound sortkey(listid,sellerid)`,
			[]Layout{{Table: "sales", DistStyle: "KEY", DistKey: "listid", SortKind: "COMPOUND", SortKeys: []string{"listid", "sellerid"}}}},
		{`create table customer_interleaved (c_custkey integer not null, c_name varchar(25) not null,
c_city varchar(10) not null) diststyle all interleaved sortkey (c_custkey, c_city)`,
			[]Layout{{Table: "customer_interleaved", DistStyle: "ALL", SortKind: "INTERLEAVED", SortKeys: []string{"c_custkey", "c_city"}}}},
		{`CREATE TABLE "My Schema".t (a int DISTKEY, "B" int SORTKEY) DISTSTYLE KEY`,
			[]Layout{{Table: `"My Schema".t`, DistStyle: "KEY", DistKey: "a", SortKind: "COMPOUND", SortKeys: []string{"B"}}}},
		{`create temp table if not exists t1 diststyle even sortkey auto as select 1 as sortkey`,
			[]Layout{{Table: "t1", DistStyle: "EVEN", SortKind: "AUTO"}}},
		{`create table t2 (a int, b int) diststyle key distkey(b) sortkey(a); alter table t2 alter diststyle even;
alter table t2 alter distkey a; alter table t2 alter compound sortkey (b, a); alter table t2 alter sortkey none;
alter table t2 alter diststyle key distkey b`,
			[]Layout{
				{Table: "t2", DistStyle: "KEY", DistKey: "b", SortKind: "COMPOUND", SortKeys: []string{"a"}},
				{Table: "t2", DistStyle: "EVEN"},
				{Table: "t2", DistStyle: "KEY", DistKey: "a"},
				{Table: "t2", SortKind: "COMPOUND", SortKeys: []string{"b", "a"}},
				{Table: "t2", SortKind: "AUTO"},
				{Table: "t2", DistStyle: "KEY", DistKey: "b"},
			}},
		// No choice: nothing to record.
		{`create table t3 (distkey int, sortkey int)`, nil},
		{`alter table t3 alter encode auto`, nil},
		{`select 'create table x (a int) diststyle even'`, nil},
		{`create table t4 (a int) diststyle sideways`, nil},
	}
	for _, c := range cases {
		if got := Layouts(c.sql); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Layouts(%q)\n got %+v\nwant %+v", c.sql, got, c.want)
		}
	}
}

func TestRecordLayoutSQL(t *testing.T) {
	got := RecordLayoutSQL(Redshift, `create table "it's" (a int) diststyle key distkey(a) sortkey(a, "B")`)
	want := `DO $rsdata_layout$BEGIN PERFORM rsdata_redshift.record_layout(to_regclass('"it''s"'), 'KEY', 'a', 'COMPOUND', ARRAY['a', 'B']::text[]); EXCEPTION WHEN OTHERS THEN NULL; END$rsdata_layout$`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for _, sql := range []string{"select 1", "create table t (a int)"} {
		if got := RecordLayoutSQL(Redshift, sql); got != "" {
			t.Errorf("%q: %q", sql, got)
		}
	}
	if got := RecordLayoutSQL(Postgres, "create table t (a int) diststyle even"); got != "" {
		t.Errorf("postgres mode: %q", got)
	}
	if got := RecordLayoutSQL(Redshift, `create table "$rsdata_layout$" (a int) diststyle even`); got != "" {
		t.Errorf("a name holding the DO block's quote: %q", got)
	}
}

func TestCreatedDatabase(t *testing.T) {
	for sql, want := range map[string]string{
		"create database Sales":                            "sales",
		"/* new */ CREATE DATABASE \"My DB\" with owner x": "My DB",
		"create database":                                  "",
		"create table database (a int)":                    "",
		"select 'create database x'":                       "",
	} {
		if got := CreatedDatabase(sql); got != want {
			t.Errorf("CreatedDatabase(%q) = %q, want %q", sql, got, want)
		}
	}
}
