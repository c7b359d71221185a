"""Runs a script of statements through psycopg2 (libpq, the simple query
protocol) and prints one JSON line per step: see driverscript.py.

Usage: /usr/bin/python3 psycopg2_check.py '<libpq conninfo>' < script
The login comes from RSDATA_DB_USER and RSDATA_DB_PASSWORD.
"""

import os
import sys

import psycopg2

import driverscript


def failure(e):
    if isinstance(e, psycopg2.Error) and e.pgcode:
        return e.pgcode, e.diag.message_primary
    return None


def stream(conn, sql, fetch_size):
    # A named cursor is a server-side one (DECLARE ... CURSOR), read
    # fetch_size rows at a time; it needs a transaction.
    auto = conn.autocommit
    conn.autocommit = False
    try:
        cur = conn.cursor(name="rsdata_stream")
        cur.itersize = fetch_size
        cur.execute(sql)
        n, last = 0, None
        for row in cur:
            n, last = n + 1, row
        cur.close()
        conn.commit()
        return n, last
    finally:
        conn.autocommit = auto


def main():
    try:
        conn = psycopg2.connect(sys.argv[1], user=os.environ["RSDATA_DB_USER"],
                                password=os.environ["RSDATA_DB_PASSWORD"], connect_timeout=10)
    except psycopg2.Error as e:
        driverscript.connect_failure(e)
        return
    driverscript.run(conn, failure, stream)
    conn.close()


main()
