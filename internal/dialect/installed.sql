-- Redshift's functions and system views, installed by rsdata in schema
-- rsdata_redshift of every database of an engine whose dialect is redshift.
-- The translator qualifies an unquoted, unqualified call of one of these
-- names (dateadd( becomes rsdata_redshift.date_add() and a system view in
-- table position, so they resolve whatever the session's search_path.
--
-- The installer runs this whole script in one transaction, under an
-- advisory lock, as the engine's admin login, when the version recorded in
-- rsdata_redshift.install differs from the script's. It must stay
-- idempotent, and it must never drop anything: users' views may call
-- these functions and read these views (a view over dateadd(...) or
-- svv_table_info), and a DROP ... CASCADE would drop them with it. So every
-- function and view is CREATE OR REPLACE, and tables are IF NOT EXISTS. A
-- later version that changes a function's arguments or result type, or
-- removes a view's column, cannot replace it: give the new one a new name
-- (the translator's qualification table says which name a Redshift call
-- becomes) and leave the old one in place.

CREATE SCHEMA IF NOT EXISTS rsdata_redshift;
REVOKE ALL ON SCHEMA rsdata_redshift FROM PUBLIC;
GRANT USAGE ON SCHEMA rsdata_redshift TO PUBLIC;


-- COLLATE CASE_INSENSITIVE (the translator's name for it): ICU's root
-- locale at strength 2, which compares strings that differ only in case
-- equal, nondeterministically, so that = , GROUP BY and DISTINCT fold
-- case. Like everything here it is never dropped: columns of users' tables
-- depend on it. A PostgreSQL built without ICU gets none, and only statements
-- that name it fail.
DO $collation$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
                 WHERE n.nspname = 'rsdata_redshift' AND c.collname = 'case_insensitive') THEN
    CREATE COLLATION rsdata_redshift.case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
  END IF;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'rsdata_redshift.case_insensitive not created: %', SQLERRM;
END
$collation$;

-- The installed version; written last by the installer.
CREATE TABLE IF NOT EXISTS rsdata_redshift.install (
  version text NOT NULL,
  installed_at timestamptz NOT NULL DEFAULT now()
);

-- The distribution and sort choices of CREATE TABLE and ALTER TABLE,
-- which PostgreSQL has no use for, kept for SVV_TABLE_INFO and
-- PG_TABLE_DEF. Keyed by the table's oid, so a rename keeps its row; rows
-- of dropped tables are ignored by the views and removed by record_layout.
CREATE TABLE IF NOT EXISTS rsdata_redshift.table_layout (
  reloid oid PRIMARY KEY,
  diststyle text,          -- AUTO, EVEN, KEY, ALL; NULL when never given
  distkey name,            -- the KEY column
  sortkey_kind text,       -- COMPOUND, INTERLEAVED, AUTO; NULL when never given
  sortkeys name[]          -- the sort key columns in order
);

-- The statements rsdata ran in this database through the Data API, for
-- STL_QUERY, SVL_QLOG and SYS_QUERY_HISTORY; written by rsdata's admin
-- login (the owner) shortly after each statement ends.
CREATE TABLE IF NOT EXISTS rsdata_redshift.query_history (
  query bigint PRIMARY KEY,
  statement_id text NOT NULL,
  pid integer NOT NULL,
  user_name name NOT NULL,
  database_name name NOT NULL,
  query_text text NOT NULL,
  status text NOT NULL,
  error text,
  start_time timestamp NOT NULL,
  end_time timestamp NOT NULL,
  result_rows bigint NOT NULL,
  aborted boolean NOT NULL
);

-- Query ids are handed out in blocks of 1000, one block per nextval, so
-- that every rsdata process using this database (replicas on one engine)
-- gets ids no other one gets, without a round trip per statement.
CREATE SEQUENCE IF NOT EXISTS rsdata_redshift.query_blocks;

REVOKE ALL ON rsdata_redshift.install, rsdata_redshift.table_layout, rsdata_redshift.query_history,
  rsdata_redshift.query_blocks FROM PUBLIC;

------------------------------------------------------------------------
-- Date parts
------------------------------------------------------------------------

-- _datepart names a Redshift date part (any of its abbreviations, any
-- case) by PostgreSQL's name for it.
CREATE OR REPLACE FUNCTION rsdata_redshift._datepart(part text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  CASE lower(btrim(part))
    WHEN 'millennium', 'millennia', 'mil', 'mils' THEN RETURN 'millennium';
    WHEN 'century', 'centuries', 'c', 'cent', 'cents' THEN RETURN 'century';
    WHEN 'decade', 'decades', 'dec', 'decs' THEN RETURN 'decade';
    WHEN 'epoch' THEN RETURN 'epoch';
    WHEN 'year', 'years', 'y', 'yr', 'yrs' THEN RETURN 'year';
    WHEN 'quarter', 'quarters', 'qtr', 'qtrs' THEN RETURN 'quarter';
    WHEN 'month', 'months', 'mon', 'mons' THEN RETURN 'month';
    WHEN 'week', 'weeks', 'w' THEN RETURN 'week';
    WHEN 'dayofweek', 'dow', 'dw', 'weekday' THEN RETURN 'dow';
    WHEN 'dayofyear', 'doy', 'dy', 'yearday' THEN RETURN 'doy';
    WHEN 'day', 'days', 'd' THEN RETURN 'day';
    WHEN 'hour', 'hours', 'h', 'hr', 'hrs' THEN RETURN 'hour';
    WHEN 'minute', 'minutes', 'm', 'min', 'mins' THEN RETURN 'minute';
    WHEN 'second', 'seconds', 's', 'sec', 'secs' THEN RETURN 'second';
    WHEN 'millisecond', 'milliseconds', 'ms', 'msec', 'msecs', 'msecond', 'mseconds',
         'millisec', 'millisecs', 'millisecon' THEN RETURN 'milliseconds';
    WHEN 'microsecond', 'microseconds', 'microsec', 'microsecs', 'microsecond',
         'usecond', 'useconds', 'us', 'usec', 'usecs' THEN RETURN 'microseconds';
    WHEN 'timezone' THEN RETURN 'timezone';
    WHEN 'timezone_hour' THEN RETURN 'timezone_hour';
    WHEN 'timezone_minute' THEN RETURN 'timezone_minute';
    ELSE RAISE EXCEPTION 'Invalid datepart: %', part USING ERRCODE = '22023';
  END CASE;
END
$$;

-- _listagg_distinct is LISTAGG(DISTINCT ...) OVER (...) over the values of
-- a partition, in its WITHIN GROUP order (PostgreSQL has no DISTINCT in a
-- window function, and a window function inside a subquery would be the
-- subquery's): NULLs and empty strings skipped, values equal but for
-- trailing blanks kept once, at the first one's place, as Redshift's
-- DISTINCT compares them.
CREATE OR REPLACE FUNCTION rsdata_redshift._listagg_distinct(vals text[], delim text) RETURNS varchar
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT string_agg(v, delim ORDER BY i)::varchar
  FROM (SELECT DISTINCT ON (rtrim(v)) v, i FROM unnest(vals) WITH ORDINALITY AS u(v, i)
        WHERE v <> '' ORDER BY rtrim(v), i) AS d
$$;

-- _interval is n of a date part as an interval.
CREATE OR REPLACE FUNCTION rsdata_redshift._interval(part text, n bigint) RETURNS interval
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE p text := rsdata_redshift._datepart(part);
BEGIN
  CASE p
    WHEN 'millennium' THEN RETURN make_interval(years => (n * 1000)::int);
    WHEN 'century' THEN RETURN make_interval(years => (n * 100)::int);
    WHEN 'decade' THEN RETURN make_interval(years => (n * 10)::int);
    WHEN 'year' THEN RETURN make_interval(years => n::int);
    WHEN 'quarter' THEN RETURN make_interval(months => (n * 3)::int);
    WHEN 'month' THEN RETURN make_interval(months => n::int);
    WHEN 'week' THEN RETURN make_interval(days => (n * 7)::int);
    WHEN 'day' THEN RETURN make_interval(days => n::int);
    WHEN 'hour' THEN RETURN n * interval '1 hour';
    WHEN 'minute' THEN RETURN n * interval '1 minute';
    WHEN 'second' THEN RETURN n * interval '1 second';
    WHEN 'milliseconds' THEN RETURN n * interval '1 millisecond';
    WHEN 'microseconds' THEN RETURN n * interval '1 microsecond';
    ELSE RAISE EXCEPTION 'Invalid datepart for dateadd: %', part USING ERRCODE = '22023';
  END CASE;
END
$$;

-- DATEADD(datepart, n, date|timestamp), installed as date_add, the name
-- Redshift gives its result column, is a timestamp; a timestamptz
-- stays one, a time stays a time. A date or a string literal is a
-- timestamp (anyelement takes them, where timestamptz would win).
CREATE OR REPLACE FUNCTION rsdata_redshift.date_add(part text, n bigint, t timestamp) RETURNS timestamp
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT t + rsdata_redshift._interval(part, n) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.date_add(part text, n bigint, t date) RETURNS timestamp
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT t::timestamp + rsdata_redshift._interval(part, n) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.date_add(part text, n bigint, t text) RETURNS timestamp
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT t::timestamp + rsdata_redshift._interval(part, n) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.date_add(part text, n bigint, t timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT t + rsdata_redshift._interval(part, n) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.date_add(part text, n bigint, t time) RETURNS time
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT t + rsdata_redshift._interval(part, n) $$;

-- _diff counts the boundaries of a date part crossed from a to b, as
-- Redshift's DATEDIFF does: datediff(year, '2008-12-31', '2009-01-01') is 1.
CREATE OR REPLACE FUNCTION rsdata_redshift._diff(part text, a timestamp, b timestamp) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE p text := rsdata_redshift._datepart(part);
BEGIN
  CASE p
    WHEN 'millennium', 'century', 'decade' THEN
      RETURN (date_part(p, b) - date_part(p, a))::bigint;
    WHEN 'year' THEN
      RETURN (date_part('year', b) - date_part('year', a))::bigint;
    WHEN 'quarter' THEN
      RETURN ((date_part('year', b) * 4 + date_part('quarter', b))
            - (date_part('year', a) * 4 + date_part('quarter', a)))::bigint;
    WHEN 'month' THEN
      RETURN ((date_part('year', b) * 12 + date_part('month', b))
            - (date_part('year', a) * 12 + date_part('month', a)))::bigint;
    WHEN 'week' THEN
      RETURN ((date_trunc('week', b)::date - date_trunc('week', a)::date) / 7)::bigint;
    WHEN 'day' THEN
      RETURN (b::date - a::date)::bigint;
    WHEN 'hour', 'minute', 'second', 'milliseconds', 'microseconds' THEN
      RETURN ((date_part('epoch', date_trunc(p, b)) - date_part('epoch', date_trunc(p, a)))
              / date_part('epoch', rsdata_redshift._interval(p, 1)))::numeric::bigint;
    ELSE RAISE EXCEPTION 'Invalid datepart for datediff: %', part USING ERRCODE = '22023';
  END CASE;
END
$$;

-- DATEDIFF, installed as date_diff (its result column's name).
CREATE OR REPLACE FUNCTION rsdata_redshift.date_diff(part text, a timestamp, b timestamp) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT rsdata_redshift._diff(part, a, b) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.date_diff(part text, a date, b date) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT rsdata_redshift._diff(part, a::timestamp, b::timestamp) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.date_diff(part text, a text, b text) RETURNS bigint
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT rsdata_redshift._diff(part, a::timestamp, b::timestamp) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.date_diff(part text, a timestamptz, b timestamptz) RETURNS bigint
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT rsdata_redshift._diff(part, a::timestamp, b::timestamp) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.date_diff(part text, a time, b time) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT rsdata_redshift._diff(part, date '2000-01-01' + a, date '2000-01-01' + b) $$;

-- DATE_PART (installed as its synonym PGDATE_PART, the name Redshift
-- gives its result column) and DATE_TRUNC with Redshift's part names;
-- PostgreSQL's own do the work. A date is truncated to a timestamp, as in
-- Redshift.
CREATE OR REPLACE FUNCTION rsdata_redshift.pgdate_part(part text, t timestamp) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.date_part(rsdata_redshift._datepart(part), t) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.pgdate_part(part text, t date) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.date_part(rsdata_redshift._datepart(part), t::timestamp) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.pgdate_part(part text, t text) RETURNS double precision
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.date_part(rsdata_redshift._datepart(part), t::timestamp) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.pgdate_part(part text, t timestamptz) RETURNS double precision
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.date_part(rsdata_redshift._datepart(part), t) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.pgdate_part(part text, t time) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.date_part(rsdata_redshift._datepart(part), t) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.pgdate_part(part text, t interval) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.date_part(rsdata_redshift._datepart(part), t) $$;

CREATE OR REPLACE FUNCTION rsdata_redshift.date_trunc(part text, t timestamp) RETURNS timestamp
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.date_trunc(rsdata_redshift._datepart(part), t) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.date_trunc(part text, t date) RETURNS timestamp
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.date_trunc(rsdata_redshift._datepart(part), t::timestamp) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.date_trunc(part text, t text) RETURNS timestamp
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.date_trunc(rsdata_redshift._datepart(part), t::timestamp) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.date_trunc(part text, t timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.date_trunc(rsdata_redshift._datepart(part), t) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.date_trunc(part text, t interval) RETURNS interval
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.date_trunc(rsdata_redshift._datepart(part), t) $$;

-- DATE_PART_YEAR(date) is the year, an integer.
CREATE OR REPLACE FUNCTION rsdata_redshift.date_part_year(d date) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.date_part('year', d)::integer $$;

-- LAST_DAY(date) is the last day of its month, a date.
CREATE OR REPLACE FUNCTION rsdata_redshift.last_day(d date) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (pg_catalog.date_trunc('month', d) + interval '1 month' - interval '1 day')::date $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.last_day(d timestamp) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT rsdata_redshift.last_day(d::date) $$;

-- ADD_MONTHS(d, n): the same day number n months on, except that the last
-- day of a month (or a day the result month lacks) gives the result
-- month's last day. A timestamp keeps its time of day.
CREATE OR REPLACE FUNCTION rsdata_redshift.add_months(d timestamp, n bigint) RETURNS timestamp
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN d::date = rsdata_redshift.last_day(d::date)
              THEN rsdata_redshift.last_day((d + make_interval(months => n::int))::date) + d::time
              ELSE d + make_interval(months => n::int) END $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.add_months(d date, n bigint) RETURNS timestamp
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT rsdata_redshift.add_months(d::timestamp, n) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.add_months(d text, n bigint) RETURNS timestamp
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT rsdata_redshift.add_months(d::timestamp, n) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.add_months(d timestamptz, n bigint) RETURNS timestamptz
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT rsdata_redshift.add_months(d::timestamp, n)::timestamptz $$;

-- MONTHS_BETWEEN(a, b): whole months when both dates have the same day
-- number or both are the last day of their month; otherwise the day
-- difference over a 31-day month is added. Positive when a is later.
CREATE OR REPLACE FUNCTION rsdata_redshift.months_between(a date, b date) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ((pg_catalog.date_part('year', a) - pg_catalog.date_part('year', b)) * 12
        + (pg_catalog.date_part('month', a) - pg_catalog.date_part('month', b))
        + CASE WHEN pg_catalog.date_part('day', a) = pg_catalog.date_part('day', b)
                 OR (a = rsdata_redshift.last_day(a) AND b = rsdata_redshift.last_day(b)) THEN 0
               ELSE (pg_catalog.date_part('day', a) - pg_catalog.date_part('day', b)) / 31.0 END)::double precision $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.months_between(a timestamp, b timestamp) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT rsdata_redshift.months_between(a::date, b::date) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.months_between(a text, b text) RETURNS double precision
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT rsdata_redshift.months_between(a::date, b::date) $$;

-- NEXT_DAY(d, day): the first date after d that falls on the named day
-- (a full name or Redshift's abbreviations, any case).
CREATE OR REPLACE FUNCTION rsdata_redshift.next_day(d date, day text) RETURNS date
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE target int;
BEGIN
  CASE lower(btrim(day))
    WHEN 'sunday', 'su', 'sun' THEN target := 0;
    WHEN 'monday', 'm', 'mo', 'mon' THEN target := 1;
    WHEN 'tuesday', 'tu', 'tue', 'tues' THEN target := 2;
    WHEN 'wednesday', 'w', 'we', 'wed' THEN target := 3;
    WHEN 'thursday', 'th', 'thu', 'thur', 'thurs' THEN target := 4;
    WHEN 'friday', 'f', 'fr', 'fri' THEN target := 5;
    WHEN 'saturday', 'sa', 'sat' THEN target := 6;
    ELSE RAISE EXCEPTION 'Invalid day name: %', day USING ERRCODE = '22023';
  END CASE;
  RETURN d + (((target - pg_catalog.date_part('dow', d)::int + 6) % 7) + 1);
END
$$;
CREATE OR REPLACE FUNCTION rsdata_redshift.next_day(d timestamp, day text) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT rsdata_redshift.next_day(d::date, day) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.next_day(d text, day text) RETURNS date
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT rsdata_redshift.next_day(d::date, day) $$;

-- TRUNC(timestamp) is its date; TRUNC of a number is PostgreSQL's.
CREATE OR REPLACE FUNCTION rsdata_redshift.trunc(t timestamp) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT t::date $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.trunc(t timestamptz) RETURNS date
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT t::date $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.trunc(x numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.trunc(x) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.trunc(x numeric, places integer) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.trunc(x, places) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.trunc(x double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.trunc(x) $$;

-- CONVERT_TIMEZONE([source,] target, timestamp): a timestamp read in the
-- source zone (UTC when not given) shown in the target zone.
CREATE OR REPLACE FUNCTION rsdata_redshift.convert_timezone(source text, target text, t timestamp) RETURNS timestamp
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT (t AT TIME ZONE source) AT TIME ZONE target $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.convert_timezone(target text, t timestamp) RETURNS timestamp
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT (t AT TIME ZONE 'UTC') AT TIME ZONE target $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.convert_timezone(target text, t timestamptz) RETURNS timestamp
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT t AT TIME ZONE target $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.convert_timezone(source text, target text, t text) RETURNS timestamp
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT rsdata_redshift.convert_timezone(source, target, t::timestamp) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.convert_timezone(target text, t text) RETURNS timestamp
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT rsdata_redshift.convert_timezone(target, t::timestamp) $$;

------------------------------------------------------------------------
-- Formatting: TO_CHAR, TO_DATE, TO_TIMESTAMP
------------------------------------------------------------------------

-- _format rewrites the codes of a format string that Redshift and
-- PostgreSQL read differently, leaving text in double quotes (where \"
-- is a quote) as it is. For a timestamp, which Redshift holds in UTC,
-- TZ and tz are "UTC" and "utc", OF and TZH "+00", TZM "00" (PostgreSQL
-- prints nothing for a timestamp without time zone); for a number, L,
-- the currency symbol, is "$" (PostgreSQL's comes from lc_monetary, which
-- has none in the C locale), PL left as it is.
CREATE OR REPLACE FUNCTION rsdata_redshift._format(f text, numeric_format boolean) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  out text := '';
  i int := 1;
  n int := length(f);
  quoted boolean := false;
  c text;
  rest text;
BEGIN
  WHILE i <= n LOOP
    c := substr(f, i, 1);
    rest := substr(f, i, 3);
    IF quoted THEN
      IF c = '\' AND i < n THEN
        out := out || substr(f, i, 2);
        i := i + 2;
        CONTINUE;
      END IF;
      quoted := c <> '"';
      out := out || c;
    ELSIF c = '"' THEN
      quoted := true;
      out := out || c;
    ELSIF numeric_format AND upper(substr(f, i, 2)) = 'PL' THEN
      out := out || substr(f, i, 2);
      i := i + 2;
      CONTINUE;
    ELSIF numeric_format AND upper(c) = 'L' THEN
      out := out || '"$"';
    ELSIF NOT numeric_format AND rest IN ('TZH', 'TZM') THEN
      out := out || CASE rest WHEN 'TZH' THEN '"+00"' ELSE '"00"' END;
      i := i + 3;
      CONTINUE;
    ELSIF NOT numeric_format AND substr(f, i, 2) IN ('TZ', 'tz', 'OF') THEN
      out := out || CASE substr(f, i, 2) WHEN 'TZ' THEN '"UTC"' WHEN 'tz' THEN '"utc"' ELSE '"+00"' END;
      i := i + 2;
      CONTINUE;
    ELSE
      out := out || c;
    END IF;
    i := i + 1;
  END LOOP;
  RETURN out;
END
$$;

-- TO_CHAR(timestamp | date | timestamptz | interval | number, format).
CREATE OR REPLACE FUNCTION rsdata_redshift.to_char(t timestamp, f text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.to_char(t, rsdata_redshift._format(f, false)) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.to_char(t date, f text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.to_char(t::timestamp, rsdata_redshift._format(f, false)) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.to_char(t timestamptz, f text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.to_char(t, f) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.to_char(t interval, f text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.to_char(t, f) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.to_char(x numeric, f text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.to_char(x, rsdata_redshift._format(f, true)) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.to_char(x double precision, f text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.to_char(x, rsdata_redshift._format(f, true)) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.to_char(x real, f text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.to_char(x, rsdata_redshift._format(f, true)) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.to_char(x bigint, f text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.to_char(x, rsdata_redshift._format(f, true)) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.to_char(x integer, f text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.to_char(x, rsdata_redshift._format(f, true)) $$;

-- _overflowing reads s as format f does, but lets each field overflow
-- into the next as Redshift's TO_DATE and TO_TIMESTAMP do unless
-- is_strict (June 31 is July 1, hour 24 the next day's 0), for the
-- fields of a date and a time of day: YYYY, YY, MM, MON, MONTH, DD, HH24,
-- HH12, HH, MI, SS, MS, US, AM, PM (FM and FX ignored). Any other code
-- gives NULL, and the caller PostgreSQL's own error.
CREATE OR REPLACE FUNCTION rsdata_redshift._overflowing(s text, f text) RETURNS timestamp
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  months text[] := ARRAY['JAN','FEB','MAR','APR','MAY','JUN','JUL','AUG','SEP','OCT','NOV','DEC'];
  i int := 1; j int := 1;
  fl int := length(f); sl int := length(s);
  y int := 1; mo int := 1; d int := 1; h int := 0; mi int := 0; sec int := 0;
  usec bigint := 0; meridian text;
  u text; code text; width int; digits text; word text; k int;
BEGIN
  WHILE i <= fl LOOP
    u := upper(substr(f, i, 5));
    code := CASE
      WHEN u LIKE 'MONTH%' THEN 'MONTH' WHEN u LIKE 'YYYY%' THEN 'YYYY'
      WHEN u LIKE 'HH24%' THEN 'HH24' WHEN u LIKE 'HH12%' THEN 'HH12'
      WHEN u LIKE 'MON%' THEN 'MON' WHEN u LIKE 'DDD%' THEN NULL
      WHEN u LIKE 'YY%' THEN 'YY' WHEN u LIKE 'MM%' THEN 'MM' WHEN u LIKE 'DD%' THEN 'DD'
      WHEN u LIKE 'HH%' THEN 'HH' WHEN u LIKE 'MI%' THEN 'MI' WHEN u LIKE 'SS%' THEN 'SS'
      WHEN u LIKE 'MS%' THEN 'MS' WHEN u LIKE 'US%' THEN 'US'
      WHEN u LIKE 'AM%' OR u LIKE 'PM%' THEN 'AM'
      WHEN u LIKE 'FM%' OR u LIKE 'FX%' THEN 'FM'
    END;
    IF code IS NULL THEN
      IF substr(f, i, 1) ~ '[[:alnum:]"]' THEN
        RETURN NULL;
      END IF;
      -- A separator matches one non-alphanumeric character of the input.
      IF j <= sl AND substr(s, j, 1) !~ '[[:alnum:]]' THEN
        j := j + 1;
      END IF;
      i := i + 1;
      CONTINUE;
    END IF;
    i := i + length(code);
    IF code = 'FM' THEN
      CONTINUE;
    END IF;
    WHILE j <= sl AND substr(s, j, 1) = ' ' LOOP
      j := j + 1;
    END LOOP;
    IF code IN ('MON', 'MONTH', 'AM') THEN
      word := upper(substring(substr(s, j) FROM '^[[:alpha:].]+'));
      IF word IS NULL THEN
        RETURN NULL;
      END IF;
      j := j + CASE code WHEN 'MON' THEN least(3, length(word)) ELSE length(word) END;
      IF code = 'AM' THEN
        meridian := left(replace(word, '.', ''), 2);
      ELSE
        k := array_position(months, left(word, 3));
        IF k IS NULL THEN
          RETURN NULL;
        END IF;
        mo := k;
      END IF;
      CONTINUE;
    END IF;
    width := CASE code WHEN 'YYYY' THEN 4 WHEN 'MS' THEN 3 WHEN 'US' THEN 6 ELSE 2 END;
    digits := substring(substr(s, j, width) FROM '^[0-9]+');
    IF digits IS NULL THEN
      RETURN NULL;
    END IF;
    j := j + length(digits);
    CASE code
      WHEN 'YYYY' THEN y := digits::int;
      WHEN 'YY' THEN y := digits::int + CASE WHEN digits::int < 70 THEN 2000 ELSE 1900 END;
      WHEN 'MM' THEN mo := digits::int;
      WHEN 'DD' THEN d := digits::int;
      WHEN 'HH24', 'HH12', 'HH' THEN h := digits::int;
      WHEN 'MI' THEN mi := digits::int;
      WHEN 'SS' THEN sec := digits::int;
      WHEN 'MS' THEN usec := usec + rpad(digits, 3, '0')::bigint * 1000;
      WHEN 'US' THEN usec := usec + rpad(digits, 6, '0')::bigint;
    END CASE;
  END LOOP;
  IF meridian = 'PM' AND h < 12 THEN
    h := h + 12;
  ELSIF meridian = 'AM' AND h = 12 THEN
    h := 0;
  END IF;
  RETURN make_timestamp(y, 1, 1, 0, 0, 0)
       + make_interval(months => mo - 1, days => d - 1, hours => h, mins => mi)
       + make_interval(secs => sec) + usec * interval '1 microsecond';
END
$$;

-- TO_DATE(string, format [, is_strict]): PostgreSQL's, but for a field
-- out of its range, which overflows unless is_strict.
CREATE OR REPLACE FUNCTION rsdata_redshift.to_date(s text, f text, is_strict boolean DEFAULT false) RETURNS date
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE AS $$
DECLARE r timestamp;
BEGIN
  RETURN pg_catalog.to_date(s, f);
EXCEPTION WHEN datetime_field_overflow THEN
  IF NOT is_strict THEN
    r := rsdata_redshift._overflowing(s, f);
  END IF;
  IF r IS NULL THEN
    RAISE;
  END IF;
  RETURN r::date;
END
$$;

-- TO_TIMESTAMP(string, format [, is_strict]) likewise, a timestamptz
-- read in the session's time zone; a timestamp is read as its text;
-- TO_TIMESTAMP(epoch seconds) is PostgreSQL's.
CREATE OR REPLACE FUNCTION rsdata_redshift.to_timestamp(s text, f text, is_strict boolean DEFAULT false) RETURNS timestamptz
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE AS $$
DECLARE r timestamp;
BEGIN
  RETURN pg_catalog.to_timestamp(s, f);
EXCEPTION WHEN datetime_field_overflow THEN
  IF NOT is_strict THEN
    r := rsdata_redshift._overflowing(s, f);
  END IF;
  IF r IS NULL THEN
    RAISE;
  END IF;
  RETURN r::timestamptz;
END
$$;
CREATE OR REPLACE FUNCTION rsdata_redshift.to_timestamp(t timestamp, f text, is_strict boolean DEFAULT false) RETURNS timestamptz
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT rsdata_redshift.to_timestamp(t::text, f, is_strict) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.to_timestamp(epoch double precision) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.to_timestamp(epoch) $$;

------------------------------------------------------------------------
-- System information
------------------------------------------------------------------------

-- VERSION(): Redshift's version string (PostgreSQL 8.0.2, the compiler,
-- then "Redshift 1.0.<revision>"), which tools read to tell Redshift
-- apart; the revision is rsdata's (dialect.Revision).
CREATE OR REPLACE FUNCTION rsdata_redshift.version() RETURNS varchar
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 'PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017 (Red Hat 3.4.2-6.fc3), Redshift 1.0.1'::varchar
$$;

------------------------------------------------------------------------
-- Strings
------------------------------------------------------------------------

-- CHARINDEX(substring, string): the 1-based position, 0 when absent.
CREATE OR REPLACE FUNCTION rsdata_redshift.charindex(sub text, s text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.strpos(s, sub) $$;

-- REPLICATE(s, n) is REPEAT.
CREATE OR REPLACE FUNCTION rsdata_redshift.replicate(s text, n integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.repeat(s, n) $$;

-- STRTOL(s, base): s read as an integer in base 2 to 36 (16 allows a 0x
-- prefix, leading blanks and a sign are allowed, '' is 0); NULL when s is
-- not a number in that base.
CREATE OR REPLACE FUNCTION rsdata_redshift.strtol(s text, base integer) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  v numeric := 0;
  neg boolean := false;
  digits text := lower(btrim(s));
  c text;
  d int;
BEGIN
  IF base < 2 OR base > 36 THEN
    RAISE EXCEPTION 'strtol: base % is out of range 2 to 36', base USING ERRCODE = '22023';
  END IF;
  IF left(digits, 1) IN ('+', '-') THEN
    neg := left(digits, 1) = '-';
    digits := substr(digits, 2);
  END IF;
  IF base = 16 AND left(digits, 2) = '0x' THEN
    digits := substr(digits, 3);
  END IF;
  IF digits = '' THEN
    RETURN 0; -- Redshift: an empty string is 0
  END IF;
  FOREACH c IN ARRAY regexp_split_to_array(digits, '') LOOP
    d := strpos('0123456789abcdefghijklmnopqrstuvwxyz', c) - 1;
    IF d < 0 OR d >= base THEN
      RETURN NULL;
    END IF;
    v := v * base + d;
  END LOOP;
  IF neg THEN v := -v; END IF;
  RETURN v::bigint;
END
$$;

-- CRC32(s): CRC-32C of the string's UTF-8 bytes, as 8 hex digits.
CREATE OR REPLACE FUNCTION rsdata_redshift.crc32(s text) RETURNS varchar
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  b bytea := convert_to(s, 'UTF8');
  crc bigint := 4294967295;
  i int;
  k int;
BEGIN
  FOR i IN 0 .. length(b) - 1 LOOP
    crc := crc # get_byte(b, i);
    FOR k IN 1 .. 8 LOOP
      IF crc & 1 = 1 THEN
        crc := (crc >> 1) # 2197175160; -- 0x82F63B78, CRC-32C reflected
      ELSE
        crc := crc >> 1;
      END IF;
    END LOOP;
  END LOOP;
  RETURN lpad(to_hex(crc # 4294967295), 8, '0');
END
$$;

-- FUNC_SHA1(s): SHA-1 of the string's UTF-8 bytes, as 40 hex digits
-- (PostgreSQL's core has SHA-2 but not SHA-1; this is FIPS 180-4's).
CREATE OR REPLACE FUNCTION rsdata_redshift.func_sha1(s text) RETURNS varchar
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  msg bytea := convert_to(s, 'UTF8');
  ml bigint := length(convert_to(s, 'UTF8'))::bigint * 8;
  h0 bigint := 1732584193;  -- 0x67452301
  h1 bigint := 4023233417;  -- 0xEFCDAB89
  h2 bigint := 2562383102;  -- 0x98BADCFE
  h3 bigint := 271733878;   -- 0x10325476
  h4 bigint := 3285377520;  -- 0xC3D2E1F0
  m constant bigint := 4294967295;
  w bigint[];
  a bigint; b bigint; c bigint; d bigint; e bigint; f bigint; k bigint; tmp bigint;
  blk int; i int;
BEGIN
  msg := msg || '\x80'::bytea;
  WHILE length(msg) % 64 <> 56 LOOP
    msg := msg || '\x00'::bytea;
  END LOOP;
  msg := msg || decode(lpad(to_hex(ml), 16, '0'), 'hex');
  FOR blk IN 0 .. length(msg) / 64 - 1 LOOP
    w := array_fill(0::bigint, ARRAY[80]);
    FOR i IN 0 .. 15 LOOP
      w[i + 1] := (get_byte(msg, blk * 64 + i * 4)::bigint << 24) | (get_byte(msg, blk * 64 + i * 4 + 1)::bigint << 16)
                | (get_byte(msg, blk * 64 + i * 4 + 2)::bigint << 8) | get_byte(msg, blk * 64 + i * 4 + 3)::bigint;
    END LOOP;
    FOR i IN 16 .. 79 LOOP
      tmp := w[i - 2] # w[i - 7] # w[i - 13] # w[i - 15];
      w[i + 1] := ((tmp << 1) | (tmp >> 31)) & m;
    END LOOP;
    a := h0; b := h1; c := h2; d := h3; e := h4;
    FOR i IN 0 .. 79 LOOP
      IF i < 20 THEN
        f := (b & c) | ((~b & m) & d); k := 1518500249;   -- 0x5A827999
      ELSIF i < 40 THEN
        f := b # c # d; k := 1859775393;                -- 0x6ED9EBA1
      ELSIF i < 60 THEN
        f := (b & c) | (b & d) | (c & d); k := 2400959708; -- 0x8F1BBCDC
      ELSE
        f := b # c # d; k := 3395469782;                -- 0xCA62C1D6
      END IF;
      tmp := ((((a << 5) | (a >> 27)) & m) + f + e + k + w[i + 1]) & m;
      e := d; d := c; c := (((b << 30) | (b >> 2)) & m); b := a; a := tmp;
    END LOOP;
    h0 := (h0 + a) & m; h1 := (h1 + b) & m; h2 := (h2 + c) & m; h3 := (h3 + d) & m; h4 := (h4 + e) & m;
  END LOOP;
  RETURN lpad(to_hex(h0), 8, '0') || lpad(to_hex(h1), 8, '0') || lpad(to_hex(h2), 8, '0')
      || lpad(to_hex(h3), 8, '0') || lpad(to_hex(h4), 8, '0');
END
$$;

-- SHA2(s, bits): SHA-224, SHA-256 (bits 0 or 256), SHA-384 or SHA-512 of
-- the string's UTF-8 bytes, as hex digits; '' for any other bits.
CREATE OR REPLACE FUNCTION rsdata_redshift.sha2(s text, bits integer) RETURNS varchar
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(encode(CASE bits WHEN 0 THEN pg_catalog.sha256(convert_to(s, 'UTF8'))
                          WHEN 224 THEN pg_catalog.sha224(convert_to(s, 'UTF8'))
                          WHEN 256 THEN pg_catalog.sha256(convert_to(s, 'UTF8'))
                          WHEN 384 THEN pg_catalog.sha384(convert_to(s, 'UTF8'))
                          WHEN 512 THEN pg_catalog.sha512(convert_to(s, 'UTF8')) END, 'hex'), '') $$;

-- _regex_flags turns Redshift's regular-expression parameters into
-- PostgreSQL's flags: c and i are the same, p (Perl) is PostgreSQL's
-- default advanced syntax, e (extract the first subexpression) is
-- reported apart.
CREATE OR REPLACE FUNCTION rsdata_redshift._regex_flags(params text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT translate(coalesce(params, ''), 'pe', '') $$;

-- REGEXP_SUBSTR(source, pattern [, position [, occurrence [, parameters]]]):
-- '' when nothing matches; e returns the first subexpression.
CREATE OR REPLACE FUNCTION rsdata_redshift.regexp_substr(s text, pattern text, pos integer DEFAULT 1,
    occurrence integer DEFAULT 1, params text DEFAULT '') RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(pg_catalog.regexp_substr(s, pattern, pos, occurrence, rsdata_redshift._regex_flags(params),
                  CASE WHEN strpos(params, 'e') > 0 AND pg_catalog.regexp_count(pattern, '\(') > 0 THEN 1 ELSE 0 END), '') $$;

-- REGEXP_COUNT(source, pattern [, position [, parameters]]).
CREATE OR REPLACE FUNCTION rsdata_redshift.regexp_count(s text, pattern text, pos integer DEFAULT 1,
    params text DEFAULT '') RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.regexp_count(s, pattern, pos, rsdata_redshift._regex_flags(params)) $$;

-- REGEXP_INSTR(source, pattern [, position [, occurrence [, option [, parameters]]]]):
-- option 1 gives the position after the match.
CREATE OR REPLACE FUNCTION rsdata_redshift.regexp_instr(s text, pattern text, pos integer DEFAULT 1,
    occurrence integer DEFAULT 1, opt integer DEFAULT 0, params text DEFAULT '') RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.regexp_instr(s, pattern, pos, occurrence, opt, rsdata_redshift._regex_flags(params),
         CASE WHEN strpos(params, 'e') > 0 AND pg_catalog.regexp_count(pattern, '\(') > 0 THEN 1 ELSE 0 END) $$;

-- REGEXP_REPLACE(source, pattern [, replacement [, position [, parameters]]]):
-- every match is replaced (PostgreSQL's replaces the first unless 'g'),
-- the replacement defaults to ''.
CREATE OR REPLACE FUNCTION rsdata_redshift.regexp_replace(s text, pattern text, replacement text DEFAULT '',
    pos integer DEFAULT 1, params text DEFAULT '') RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.regexp_replace(s, pattern, replacement, pos, 0, rsdata_redshift._regex_flags(params)) $$;

------------------------------------------------------------------------
-- JSON
------------------------------------------------------------------------

-- _json parses s, or returns NULL (null_if_invalid) or raises Redshift's
-- error for text that is not JSON.
CREATE OR REPLACE FUNCTION rsdata_redshift._json(s text, null_if_invalid boolean) RETURNS json
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  IF s IS NULL THEN RETURN NULL; END IF;
  RETURN s::json;
EXCEPTION WHEN invalid_text_representation THEN
  IF null_if_invalid THEN RETURN NULL; END IF;
  RAISE EXCEPTION 'JSON parsing error' USING ERRCODE = '22P02', DETAIL = SQLERRM;
END
$$;

CREATE OR REPLACE FUNCTION rsdata_redshift._json_path_text(s text, null_if_invalid boolean, VARIADIC path text[]) RETURNS varchar
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.json_extract_path_text(rsdata_redshift._json(s, null_if_invalid), VARIADIC path) $$;

-- JSON_EXTRACT_PATH_TEXT(json_string, path_elem [, ... up to 5] [, null_if_invalid]).
CREATE OR REPLACE FUNCTION rsdata_redshift.json_extract_path_text(s text, VARIADIC path text[]) RETURNS varchar
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT rsdata_redshift._json_path_text(s, false, VARIADIC path) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.json_extract_path_text(s text, p1 text, n boolean) RETURNS varchar
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT rsdata_redshift._json_path_text(s, n, p1) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.json_extract_path_text(s text, p1 text, p2 text, n boolean) RETURNS varchar
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT rsdata_redshift._json_path_text(s, n, p1, p2) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.json_extract_path_text(s text, p1 text, p2 text, p3 text, n boolean) RETURNS varchar
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT rsdata_redshift._json_path_text(s, n, p1, p2, p3) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.json_extract_path_text(s text, p1 text, p2 text, p3 text, p4 text, n boolean) RETURNS varchar
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT rsdata_redshift._json_path_text(s, n, p1, p2, p3, p4) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.json_extract_path_text(s text, p1 text, p2 text, p3 text, p4 text, p5 text, n boolean) RETURNS varchar
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT rsdata_redshift._json_path_text(s, n, p1, p2, p3, p4, p5) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.json_extract_path_text(j json, VARIADIC path text[]) RETURNS varchar
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.json_extract_path_text(j, VARIADIC path) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.json_extract_path_text(j jsonb, VARIADIC path text[]) RETURNS varchar
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.jsonb_extract_path_text(j, VARIADIC path) $$;

-- JSON_EXTRACT_ARRAY_ELEMENT_TEXT(json_string, pos [, null_if_invalid]):
-- the 0-based element; NULL when pos is out of range.
CREATE OR REPLACE FUNCTION rsdata_redshift.json_extract_array_element_text(s text, pos integer, null_if_invalid boolean DEFAULT false) RETURNS varchar
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN pos >= 0 THEN rsdata_redshift._json(s, null_if_invalid) ->> pos END $$;

-- JSON_ARRAY_LENGTH(json_array [, null_if_invalid]).
CREATE OR REPLACE FUNCTION rsdata_redshift.json_array_length(s text, null_if_invalid boolean DEFAULT false) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.json_array_length(rsdata_redshift._json(s, null_if_invalid)) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.json_array_length(j json) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.json_array_length(j) $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.json_array_length(j jsonb) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.jsonb_array_length(j) $$;

-- IS_VALID_JSON(s): true when s is a JSON object (Redshift's JSON
-- strings); IS_VALID_JSON_ARRAY(s): true when s is a JSON array.
CREATE OR REPLACE FUNCTION rsdata_redshift.is_valid_json(s text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.json_typeof(rsdata_redshift._json(s, true)) IS NOT DISTINCT FROM 'object' $$;
CREATE OR REPLACE FUNCTION rsdata_redshift.is_valid_json_array(s text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.json_typeof(rsdata_redshift._json(s, true)) IS NOT DISTINCT FROM 'array' $$;

-- JSON_PARSE(s): a SUPER, stored as jsonb.
CREATE OR REPLACE FUNCTION rsdata_redshift.json_parse(s text) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT rsdata_redshift._json(s, false)::jsonb $$;

-- JSON_SERIALIZE(super): the value as compact JSON text, as Redshift
-- writes it (jsonb's own text has a space after each : and ,); NULL is
-- the JSON text null.
CREATE OR REPLACE FUNCTION rsdata_redshift.json_serialize(j jsonb) RETURNS varchar
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE coalesce(pg_catalog.jsonb_typeof(j), 'null')
    WHEN 'null' THEN 'null'
    WHEN 'object' THEN '{' || coalesce((SELECT string_agg(to_json(e.key)::text || ':' || rsdata_redshift.json_serialize(e.value), ',' ORDER BY e.ord)
                                        FROM jsonb_each(j) WITH ORDINALITY AS e(key, value, ord)), '') || '}'
    WHEN 'array' THEN '[' || coalesce((SELECT string_agg(rsdata_redshift.json_serialize(e.value), ',' ORDER BY e.ord)
                                       FROM jsonb_array_elements(j) WITH ORDINALITY AS e(value, ord)), '') || ']'
    ELSE j::text END $$;

------------------------------------------------------------------------
-- Recording table layouts
------------------------------------------------------------------------

-- record_layout keeps the distribution and sort choices of a table the
-- caller's session just created or altered; the caller resolves its name
-- (to_regclass), in its own session, so a temporary table or the
-- session's search_path count.
-- Only the table's owner (or a member of its owning role) records; any
-- other caller, or an unknown table, changes nothing. NULL arguments keep
-- what was recorded. It is SECURITY DEFINER because users may not write
-- table_layout themselves; it never raises, so it cannot spoil the
-- caller's transaction.
CREATE OR REPLACE FUNCTION rsdata_redshift.record_layout(p_rel regclass, p_diststyle text, p_distkey text,
    p_sortkey_kind text, p_sortkeys text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  rel oid;
  owner oid;
BEGIN
  rel := p_rel;
  IF rel IS NULL THEN RETURN; END IF;
  SELECT relowner INTO owner FROM pg_class WHERE oid = rel;
  IF NOT pg_has_role(session_user, owner, 'USAGE') THEN RETURN; END IF;
  DELETE FROM rsdata_redshift.table_layout l WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = l.reloid);
  INSERT INTO rsdata_redshift.table_layout AS l (reloid, diststyle, distkey, sortkey_kind, sortkeys)
  VALUES (rel, upper(p_diststyle), p_distkey, upper(p_sortkey_kind), p_sortkeys)
  ON CONFLICT (reloid) DO UPDATE SET
    diststyle = coalesce(excluded.diststyle, l.diststyle),
    distkey = CASE WHEN excluded.diststyle IS NOT NULL THEN excluded.distkey ELSE l.distkey END,
    sortkey_kind = coalesce(excluded.sortkey_kind, l.sortkey_kind),
    sortkeys = CASE WHEN excluded.sortkey_kind IS NOT NULL THEN excluded.sortkeys ELSE l.sortkeys END;
EXCEPTION WHEN OTHERS THEN
  RETURN;
END
$$;
REVOKE ALL ON FUNCTION rsdata_redshift.record_layout(regclass, text, text, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rsdata_redshift.record_layout(regclass, text, text, text, text[]) TO PUBLIC;

-- _layout is the recorded layout of every table, readable by everyone
-- (what it shows is no secret: PG_TABLE_DEF shows it to every user).
CREATE OR REPLACE FUNCTION rsdata_redshift._layouts() RETURNS SETOF rsdata_redshift.table_layout
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM rsdata_redshift.table_layout $$;

------------------------------------------------------------------------
-- System views. They run with the reader's privileges
-- (security_invoker), so each user sees the catalog as PostgreSQL shows
-- it to them.
------------------------------------------------------------------------

-- _type is a column type as Redshift names it.
CREATE OR REPLACE FUNCTION rsdata_redshift._type(typ oid, typmod integer) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE pg_catalog.format_type(typ, NULL)
    WHEN 'jsonb' THEN 'super'
    ELSE pg_catalog.format_type(typ, typmod) END $$;

CREATE OR REPLACE VIEW rsdata_redshift.pg_table_def WITH (security_invoker = true) AS
SELECT n.nspname AS schemaname,
       c.relname AS tablename,
       a.attname AS "column",
       rsdata_redshift._type(a.atttypid, a.atttypmod) AS type,
       'none'::character(32) AS encoding,
       coalesce(l.diststyle = 'KEY' AND l.distkey = a.attname, false) AS distkey,
       coalesce((SELECT CASE WHEN l.sortkey_kind = 'INTERLEAVED' AND k.i % 2 = 0 THEN -k.i ELSE k.i END::integer
                 FROM unnest(l.sortkeys) WITH ORDINALITY AS k(col, i) WHERE k.col = a.attname LIMIT 1), 0) AS sortkey,
       a.attnotnull AS "notnull"
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN rsdata_redshift._layouts() l ON l.reloid = c.oid
WHERE c.relkind IN ('r', 'p') AND pg_catalog.pg_table_is_visible(c.oid)
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'rsdata_redshift')
  AND n.nspname NOT LIKE 'pg_toast%';

-- _row_count counts a table's rows, or is NULL when the caller may not
-- read it: SVV_TABLE_INFO shows exact counts and leaves out empty tables,
-- as Redshift's does.
CREATE OR REPLACE FUNCTION rsdata_redshift._row_count(rel oid) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM %s', rel::regclass) INTO n;
  RETURN n;
EXCEPTION WHEN OTHERS THEN
  RETURN NULL;
END
$$;

CREATE OR REPLACE VIEW rsdata_redshift.svv_table_info WITH (security_invoker = true) AS
SELECT * FROM (

SELECT pg_catalog.current_database()::text AS database,
       n.nspname::text AS schema,
       c.oid AS table_id,
       c.relname::text AS "table",
       'N'::text AS encoded,
       CASE coalesce(l.diststyle, 'AUTO')
         WHEN 'KEY' THEN 'KEY(' || l.distkey || ')'
         WHEN 'AUTO' THEN 'AUTO(ALL)'
         ELSE l.diststyle END AS diststyle,
       CASE WHEN coalesce(l.sortkey_kind, 'AUTO') = 'AUTO' OR l.sortkeys IS NULL OR cardinality(l.sortkeys) = 0
            THEN 'AUTO(SORTKEY)'
            WHEN l.sortkey_kind = 'INTERLEAVED' THEN 'INTERLEAVED'
            ELSE l.sortkeys[1]::text END AS sortkey1,
       (SELECT max(a.atttypmod - 4) FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           AND a.atttypid = 'pg_catalog.varchar'::pg_catalog.regtype AND a.atttypmod > 4)::integer AS max_varchar,
       CASE WHEN l.sortkeys IS NOT NULL AND cardinality(l.sortkeys) > 0 THEN 'none' END::character(32) AS sortkey1_enc,
       coalesce(cardinality(l.sortkeys), 0)::integer AS sortkey_num,
       ceil(pg_catalog.pg_total_relation_size(c.oid) / 1048576.0)::bigint AS size,
       0::numeric(10,4) AS pct_used,
       0::bigint AS empty,
       CASE WHEN l.sortkeys IS NOT NULL AND cardinality(l.sortkeys) > 0 THEN 0 END::numeric(5,2) AS unsorted,
       0::numeric(5,2) AS stats_off,
       rsdata_redshift._row_count(c.oid)::numeric(38,0) AS tbl_rows,
       NULL::numeric(19,2) AS skew_sortkey1,
       NULL::numeric(19,2) AS skew_rows,
       rsdata_redshift._row_count(c.oid)::numeric(38,0) AS estimated_visible_rows,
       NULL::text AS risk_event,
       NULL::text AS vacuum_sort_benefit,
       NULL::timestamp AS create_time
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN rsdata_redshift._layouts() l ON l.reloid = c.oid
WHERE c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'rsdata_redshift')
  AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
  AND pg_catalog.has_table_privilege(c.oid, 'SELECT')
) info WHERE info.tbl_rows > 0;

CREATE OR REPLACE VIEW rsdata_redshift.svv_tables WITH (security_invoker = true) AS
SELECT t.table_catalog::text AS table_catalog, t.table_schema::text AS table_schema,
       t.table_name::text AS table_name, t.table_type::text AS table_type, NULL::text AS remarks
FROM information_schema.tables t
WHERE t.table_schema NOT IN ('rsdata_redshift');

CREATE OR REPLACE VIEW rsdata_redshift.svv_columns WITH (security_invoker = true) AS
SELECT c.table_catalog::text AS table_catalog, c.table_schema::text AS table_schema,
       c.table_name::text AS table_name, c.column_name::text AS column_name,
       c.ordinal_position::integer AS ordinal_position, c.column_default::text AS column_default,
       c.is_nullable::text AS is_nullable,
       CASE c.data_type WHEN 'jsonb' THEN 'super' ELSE c.data_type END::text AS data_type,
       c.character_maximum_length::integer AS character_maximum_length,
       c.numeric_precision::integer AS numeric_precision,
       c.numeric_precision_radix::integer AS numeric_precision_radix,
       c.numeric_scale::integer AS numeric_scale,
       c.datetime_precision::integer AS datetime_precision,
       c.interval_type::text AS interval_type, c.interval_precision::text AS interval_precision,
       c.character_set_catalog::text AS character_set_catalog,
       c.character_set_schema::text AS character_set_schema,
       c.character_set_name::text AS character_set_name,
       c.domain_name::text AS domain_name, NULL::text AS remarks
FROM information_schema.columns c
WHERE c.table_schema NOT IN ('rsdata_redshift');

CREATE OR REPLACE VIEW rsdata_redshift.svv_all_schemas WITH (security_invoker = true) AS
SELECT pg_catalog.current_database()::varchar(128) AS database_name,
       n.nspname::varchar(128) AS schema_name,
       n.nspowner::integer AS schema_owner,
       'local'::varchar(128) AS schema_type,
       n.nspacl::text::varchar(128) AS schema_acl,
       NULL::varchar(128) AS source_database,
       NULL::varchar(128) AS schema_option
FROM pg_catalog.pg_namespace n
WHERE n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname <> 'rsdata_redshift';

CREATE OR REPLACE VIEW rsdata_redshift.svv_all_tables WITH (security_invoker = true) AS
SELECT t.table_catalog::varchar(128) AS database_name, t.table_schema::varchar(128) AS schema_name,
       t.table_name::varchar(128) AS table_name, t.table_type::varchar(128) AS table_type,
       NULL::varchar(128) AS table_acl, NULL::varchar(128) AS remarks
FROM information_schema.tables t
WHERE t.table_schema NOT IN ('rsdata_redshift');

CREATE OR REPLACE VIEW rsdata_redshift.svv_all_columns WITH (security_invoker = true) AS
SELECT c.table_catalog::varchar(128) AS database_name, c.table_schema::varchar(128) AS schema_name,
       c.table_name::varchar(128) AS table_name, c.column_name::varchar(128) AS column_name,
       c.ordinal_position::integer AS ordinal_position, c.column_default::varchar(4000) AS column_default,
       c.is_nullable::varchar(3) AS is_nullable,
       CASE c.data_type WHEN 'jsonb' THEN 'super' ELSE c.data_type END::varchar(128) AS data_type,
       c.character_maximum_length::integer AS character_maximum_length,
       c.numeric_precision::integer AS numeric_precision,
       c.numeric_scale::integer AS numeric_scale,
       NULL::varchar(128) AS remarks
FROM information_schema.columns c
WHERE c.table_schema NOT IN ('rsdata_redshift');

-- STV_SESSIONS and STV_RECENTS come from pg_stat_activity: a user sees
-- every session's user and database, and the query text of its own.
CREATE OR REPLACE VIEW rsdata_redshift.stv_sessions WITH (security_invoker = true) AS
SELECT a.backend_start::timestamp AS starttime,
       a.pid::integer AS process,
       a.usename::character(50) AS user_name,
       a.datname::character(50) AS db_name,
       0::integer AS timeout_sec
FROM pg_catalog.pg_stat_activity a
WHERE a.backend_type = 'client backend' AND a.usename IS NOT NULL;

CREATE OR REPLACE VIEW rsdata_redshift.stv_recents WITH (security_invoker = true) AS
SELECT a.usesysid::integer AS userid,
       CASE WHEN a.state = 'active' THEN 'Running' ELSE 'Done' END::character(20) AS status,
       a.query_start::timestamp AS starttime,
       CASE WHEN a.state = 'active'
            THEN (extract(epoch FROM (pg_catalog.clock_timestamp() - a.query_start)) * 1000000)::integer
            ELSE (extract(epoch FROM (a.state_change - a.query_start)) * 1000000)::integer END AS duration,
       a.usename::character(50) AS user_name,
       a.datname::character(50) AS db_name,
       left(a.query, 600)::character(600) AS query,
       a.pid::integer AS pid
FROM pg_catalog.pg_stat_activity a
WHERE a.backend_type = 'client backend' AND a.query_start IS NOT NULL;

------------------------------------------------------------------------
-- Query history: the Data API's statements, written by rsdata.
------------------------------------------------------------------------

-- _history is the history rows the caller may see: a user sees its own
-- statements, a superuser (or the database's owner) everyone's, as
-- Redshift's STL views show them.
CREATE OR REPLACE FUNCTION rsdata_redshift._history() RETURNS SETOF rsdata_redshift.query_history
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT h.* FROM rsdata_redshift.query_history h
  WHERE h.user_name = session_user
     OR (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user)
     OR pg_has_role(session_user, (SELECT d.datdba FROM pg_database d WHERE d.datname = current_database()), 'USAGE') $$;

CREATE OR REPLACE VIEW rsdata_redshift.stl_query AS
SELECT coalesce((SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = h.user_name), 0)::integer AS userid,
       h.query::integer AS query,
       NULL::character(320) AS label,
       0::bigint AS xid,
       h.pid::integer AS pid,
       h.database_name::character(32) AS database,
       left(h.query_text, 4000)::character(4000) AS querytxt,
       h.start_time AS starttime,
       h.end_time AS endtime,
       CASE WHEN h.aborted THEN 1 ELSE 0 END::integer AS aborted,
       0::integer AS insert_pristine,
       0::integer AS concurrency_scaling_status
FROM rsdata_redshift._history() h;

CREATE OR REPLACE VIEW rsdata_redshift.svl_qlog AS
SELECT coalesce((SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = h.user_name), 0)::integer AS userid,
       h.query::integer AS query,
       0::bigint AS xid,
       h.pid::integer AS pid,
       h.start_time AS starttime,
       h.end_time AS endtime,
       (extract(epoch FROM (h.end_time - h.start_time)) * 1000000)::bigint AS elapsed,
       CASE WHEN h.aborted THEN 1 ELSE 0 END::integer AS aborted,
       NULL::character(320) AS label,
       left(h.query_text, 60)::character(60) AS substring,
       0::integer AS source_query,
       'Ran on the main cluster'::text AS concurrency_scaling_status_txt,
       0::integer AS from_sp_call
FROM rsdata_redshift._history() h;

CREATE OR REPLACE VIEW rsdata_redshift.sys_query_history AS
SELECT coalesce((SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = h.user_name), 0)::integer AS user_id,
       h.query AS query_id,
       NULL::character(320) AS query_label,
       NULL::bigint AS transaction_id,
       h.pid::integer AS session_id,
       h.database_name::character(128) AS database_name,
       CASE WHEN upper(left(ltrim(h.query_text), 6)) IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE')
            THEN upper(left(ltrim(h.query_text), 6)) ELSE 'OTHER' END::character(32) AS query_type,
       CASE h.status WHEN 'FINISHED' THEN 'success' WHEN 'ABORTED' THEN 'canceled' ELSE 'failed' END::character(10) AS status,
       false AS result_cache_hit,
       h.start_time AS start_time,
       h.end_time AS end_time,
       (extract(epoch FROM (h.end_time - h.start_time)) * 1000000)::bigint AS elapsed_time,
       0::bigint AS queue_time,
       (extract(epoch FROM (h.end_time - h.start_time)) * 1000000)::bigint AS execution_time,
       h.error::character(512) AS error_message,
       h.result_rows::bigint AS returned_rows,
       NULL::bigint AS returned_bytes,
       left(h.query_text, 4000)::character(4000) AS query_text
FROM rsdata_redshift._history() h;

GRANT SELECT ON ALL TABLES IN SCHEMA rsdata_redshift TO PUBLIC;
REVOKE ALL ON rsdata_redshift.install, rsdata_redshift.table_layout, rsdata_redshift.query_history FROM PUBLIC;
