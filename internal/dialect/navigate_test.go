package dialect

import "testing"

// Navigation into SUPER values: the forms of AWS's "Querying
// semistructured data" page (query-super.html) and what rsdata sends
// PostgreSQL for them.
func TestNavigation(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"subscript then attribute", "SELECT c_orders[0].o_orderkey FROM customer_orders_lineitem;",
			"SELECT c_orders[0]['o_orderkey'] AS \"o_orderkey\" FROM customer_orders_lineitem;"},
		{"through a table alias", "SELECT cust.c_orders[0].o_orderkey FROM customer_orders_lineitem AS cust;",
			"SELECT cust.c_orders[0]['o_orderkey'] AS \"o_orderkey\" FROM customer_orders_lineitem AS cust;"},
		{"chained subscripts", "select c[0][1] from t", "select c[0][1] from t"},
		{"a parameter subscript stays bound", "select c[:n].a from t where x = :x", "select c[:n]['a'] AS \"a\" from t where x = :x"},
		{"attributes fold to lower case unless quoted", `select c[0].Ab."Cd".e from t`, `select c[0]['ab']['Cd']['e'] AS "e" from t`},
		{"a quote in a quoted attribute", `select c[0]."it's" from t`, `select c[0]['it''s'] AS "it's" from t`},
		{"a function result", `select json_parse('{"a":{"b":1}}').a.b`,
			`select (rsdata_redshift.json_parse('{"a":{"b":1}}'))['a']['b'] AS "b"`},
		{"a function result subscripted", `select json_parse('[1,2]')[1]`, `select (rsdata_redshift.json_parse('[1,2]'))[1]`},
		{"a qualified function", `select s.f(x).a from t`, `select (s.f(x))['a'] AS "a" from t`},
		{"a parenthesised JSON_PARSE", `select (json_parse('{"a":1}')).a`, `select (rsdata_redshift.json_parse('{"a":1}'))['a'] AS "a"`},
		{"a parenthesised cast to SUPER", `select (x::super).a from t`, `select (x::jsonb)['a'] AS "a" from t`},
		{"alias.col.attr with the alias from FROM", "select o.c.a.b from t o", "select o.c['a']['b'] AS \"b\" from t o"},
		{"alias.col.attr with AS and a join", "select x.c.a, y.d.e from s.t as x join u y on x.id = y.id",
			"select x.c['a'] AS \"a\", y.d['e'] AS \"e\" from s.t as x join u y on x.id = y.id"},
		{"alias after a comma", "select y.d.e from t x, u y", "select y.d['e'] AS \"e\" from t x, u y"},
		{"schema.table.col stays a name", "select s.t.c from s.t", "select s.t.c from s.t"},
		{"db.schema.table stays a name", "select * from db.s.t", "select * from db.s.t"},
		{"a table name is no alias", "select t.c.a from t", "select t.c.a from t"},
		{"a composite's field stays", "select (r).f, (information_schema._pg_expandarray(i.indkey)).n from t",
			"select (r).f, (information_schema._pg_expandarray(i.indkey)).n from t"},
		{"a catalog array subscript stays", "select indkey[0] from pg_index", "select indkey[0] from pg_index"},
		{"strings and comments are untouched", "select 'c[0].a', c[0] /* x[1].b */ from t -- y[0].z",
			"select 'c[0].a', c[0] /* x[1].b */ from t -- y[0].z"},
		{"an item with its own name keeps it", "select c[0].a as x, c[1].b y from t", "select c[0]['a'] as x, c[1]['b'] y from t"},
		{"not a whole item: no name", "select f(c[0].a, 1), c[0].a = 1 from t where c[0].b > 0",
			"select f(c[0]['a'], 1), c[0]['a'] = 1 from t where c[0]['b'] > 0"},
		{"a subquery's alias", `select j.data."ITEMS"."Name" from (select json_parse('{}') as data) as j`,
			`select j.data['ITEMS']['Name'] AS "Name" from (select rsdata_redshift.json_parse('{}') as data) as j`},
		{"a cast after navigation", "select c[0].a::int from t", "select c[0]['a']::int from t"},
		{"whitespace and a comment in the chain", "select c[0] . a /* x */ from t", "select c[0]['a'] AS \"a\" /* x */ from t"},
	} {
		got, err := TranslateStrict(Redshift, tc.in)
		if err != nil {
			t.Errorf("%s: %q refused: %v", tc.name, tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s:\n in: %s\ngot: %s\nwant: %s", tc.name, tc.in, got, tc.want)
		}
	}
}

// Arrays in table definitions and ARRAY[...] stay refused.
func TestNavigationKeepsArrayRefusals(t *testing.T) {
	for _, in := range []string{"create table t (a int[])", "select array[1,2]", "select x::int[] from t",
		"select x::numeric(10,2)[] from t", "create table t (a varchar(5)[])"} {
		if _, err := TranslateStrict(Redshift, in); err == nil {
			t.Errorf("%q: not refused", in)
		}
	}
	// An array type's brackets are no subscript: the call before them is
	// not parenthesised.
	if in := "select x::numeric(10,2)[] from t"; Translate(Redshift, in) != in {
		t.Errorf("%q became %q", in, Translate(Redshift, in))
	}
}
