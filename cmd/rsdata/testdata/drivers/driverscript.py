"""The script runner shared by pg8000_check.py and psycopg2_check.py.

It reads the script cmd/rsdata/drivers_test.go writes on standard input and
prints one JSON line per step, as Prog.java does for JDBC (its comment
describes both). A statement's ? placeholders become %s, the format
paramstyle both Python drivers take. Values print as text: None as null,
booleans as t and f, anything else as str() makes it.
"""

import json
import sys


def unescape(field):
    out, i = [], 0
    while i < len(field):
        ch = field[i]
        if ch == "\\" and i + 1 < len(field):
            i += 1
            ch = {"t": "\t", "n": "\n"}.get(field[i], field[i])
        out.append(ch)
        i += 1
    return "".join(out)


def param(p):
    kind, value = p[0], p[2:]
    if kind == "i":
        return int(value)
    if kind == "n":
        return None
    return value


def text(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "t" if v else "f"
    return str(v)


def emit(name, **fields):
    print(json.dumps(dict(name=name, **fields)), flush=True)


def run(conn, failure, stream):
    """Runs the script on conn. failure(exc) returns (sqlstate, message)
    for the driver's error, or None for one that is not the server's;
    stream(conn, sql, fetch_size) returns (row count, last row)."""
    conn.autocommit = True
    emit("connect", count=0)
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line:
            continue
        f = [unescape(x) for x in line.split("\t")]
        op, name, sql = f[0], f[1], f[2].replace("?", "%s")
        try:
            if op == "begin":
                conn.autocommit = False
                emit(name, count=0)
            elif op in ("commit", "rollback"):
                getattr(conn, op)()
                conn.autocommit = True
                emit(name, count=0)
            elif op == "stream":
                n, last = stream(conn, sql, param(f[3]))
                emit(name, count=n, rows=[[text(v) for v in last]] if last else [])
            else:
                emit(name, **execute(conn, sql, [param(p) for p in f[3:]]))
        except Exception as e:  # each driver's own classes
            got = failure(e)
            if got is None:
                raise
            emit(name, state=got[0], error=got[1])


def execute(conn, sql, params):
    cur = conn.cursor()
    try:
        cur.execute(sql, params or None)
        if cur.description is None:
            return dict(count=cur.rowcount)
        rows = [[text(v) for v in r] for r in cur.fetchall()]
        # pg8000 1.10 gives column names as bytes.
        cols = [d[0].decode() if isinstance(d[0], bytes) else d[0] for d in cur.description]
        return dict(count=len(rows), columns=cols, rows=rows)
    finally:
        cur.close()


def connect_failure(e):
    emit("connect", state="", error=str(e))
