"""Runs a script of statements through pg8000 (the driver Amazon's
redshift_connector derives from; the extended query protocol, parameters
bound) and prints one JSON line per step: see driverscript.py.

Usage: /usr/bin/python3 pg8000_check.py <host> <port> <database> <root-cert> < script
The login comes from RSDATA_DB_USER and RSDATA_DB_PASSWORD. The session
is TLS, the server's certificate verified against <root-cert> for <host>.

pg8000 before 1.16 (Debian 12 ships 1.10.6) takes no SSLContext and has no
SCRAM-SHA-256, which rsdata's endpoints require (docs/COMPATIBILITY.md,
"Known differences"). For such a version this program gives pg8000 both:
its TLS wrapping verifies with the context below, and a SCRAM exchange is
added to its authentication handler. Everything after the login is
pg8000's own.
"""

import base64
import hashlib
import hmac
import inspect
import os
import re
import ssl
import struct
import sys

import pg8000
import pg8000.core

import driverscript


def failure(e):
    # pg8000 1.10 raises ProgrammingError(severity, code, message, ...);
    # later versions one argument, a dict of the error's fields.
    if not isinstance(e, pg8000.DatabaseError) or not e.args:
        return None
    a = e.args[0]
    if isinstance(a, dict):
        return a.get("C"), a.get("M")
    # The fields' values in the server's order: severity (twice from
    # PostgreSQL 9.6 on), SQLSTATE, message.
    for i, v in enumerate(e.args[:-1]):
        if isinstance(v, str) and re.fullmatch("[0-9A-Z]{5}", v) and v not in ("ERROR", "FATAL", "PANIC"):
            return v, e.args[i + 1]
    return None


def stream(conn, sql, fetch_size):
    # pg8000 reads a result through a portal, a cache's worth of rows at a
    # time, which needs a transaction.
    conn.autocommit = False
    try:
        cur = conn.cursor()
        cur.execute(sql)
        n, last = 0, None
        while True:
            rows = cur.fetchmany(fetch_size)
            if not rows:
                break
            n, last = n + len(rows), rows[-1]
        cur.close()
        conn.commit()
        return n, last
    finally:
        conn.autocommit = True


class Scram:
    """A SCRAM-SHA-256 client exchange (RFC 5802, RFC 7677) for pg8000
    versions without one."""

    def __init__(self, password):
        self.password = password
        self.nonce = base64.b64encode(os.urandom(18)).decode()
        self.first_bare = "n=,r=" + self.nonce

    def first(self):
        msg = ("n,," + self.first_bare).encode()
        return b"SCRAM-SHA-256\x00" + struct.pack("!i", len(msg)) + msg

    def final(self, server_first):
        attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
        if not attrs["r"].startswith(self.nonce):
            raise pg8000.InterfaceError("SCRAM: the server's nonce does not extend ours")
        salted = hashlib.pbkdf2_hmac("sha256", self.password, base64.b64decode(attrs["s"]), int(attrs["i"]))
        client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
        without_proof = "c=biws,r=" + attrs["r"]
        self.auth = ",".join([self.first_bare, server_first, without_proof]).encode()
        sig = hmac.new(hashlib.sha256(client_key).digest(), self.auth, hashlib.sha256).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, sig))
        self.server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
        return (without_proof + ",p=" + base64.b64encode(proof).decode()).encode()

    def verify(self, server_final):
        want = base64.b64encode(hmac.new(self.server_key, self.auth, hashlib.sha256).digest()).decode()
        if server_final != "v=" + want:
            raise pg8000.InterfaceError("SCRAM: the server's signature is wrong")


def add_scram():
    plain = pg8000.core.Connection.handle_AUTHENTICATION_REQUEST

    def send(self, body):
        # Not _send_message: it adds a Flush, which the server refuses
        # during authentication.
        self._write(b"p" + struct.pack("!i", len(body) + 4) + body)

    def handle(self, data, cursor):
        code = struct.unpack("!i", data[:4])[0]
        if code == 10:  # AuthenticationSASL
            self._scram = Scram(self.password)
            send(self, self._scram.first())
        elif code == 11:  # AuthenticationSASLContinue
            send(self, self._scram.final(data[4:].decode()))
        elif code == 12:  # AuthenticationSASLFinal
            self._scram.verify(data[4:].decode())
            return
        else:
            return plain(self, data, cursor)
        self._flush()

    pg8000.core.Connection.handle_AUTHENTICATION_REQUEST = handle


def main():
    host, port, database, root = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ctx = ssl.create_default_context(cafile=root)
    kw = dict(user=os.environ["RSDATA_DB_USER"], password=os.environ["RSDATA_DB_PASSWORD"],
              host=host, port=port, database=database, timeout=10)
    if "ssl_context" in inspect.signature(pg8000.connect).parameters:
        kw["ssl_context"] = ctx
    else:
        kw["ssl"] = True
        ssl.wrap_socket = lambda sock: ctx.wrap_socket(sock, server_hostname=host)
        add_scram()
    try:
        conn = pg8000.connect(**kw)
    except Exception as e:  # pg8000's InterfaceError, ssl's errors
        driverscript.connect_failure(e)
        return
    driverscript.run(conn, failure, stream)
    conn.close()


main()
