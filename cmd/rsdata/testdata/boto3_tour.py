"""Drives rsdata with boto3 as a Python user would and prints a JSON summary.

The Go test (TestBoto3) runs this script and checks the summary; the script
itself only reports what it saw. Settings come from the environment:
RSD_ENDPOINT, RSD_ACCESS_KEY_ID, RSD_SECRET_ACCESS_KEY. Every wait is bounded.
"""

import json
import os
import sys
import time

import boto3
import botocore
from botocore.exceptions import ClientError

TERMINAL = ("FINISHED", "FAILED", "ABORTED")


def client():
    return boto3.client(
        "redshift-data",
        endpoint_url=os.environ["RSD_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id=os.environ["RSD_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["RSD_SECRET_ACCESS_KEY"],
    )


def wait(c, sid, done, timeout=60.0):
    """Polls describe_statement until done(status) or the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        d = c.describe_statement(Id=sid)
        if done(d["Status"]):
            return d
        if time.monotonic() > deadline:
            raise RuntimeError("statement %s still %s after %ss" % (sid, d["Status"], timeout))
        time.sleep(0.05)


def run_and_read(c, sql):
    r = c.execute_statement(ClusterIdentifier="local", Database="dev", DbUser="awsuser", Sql=sql)
    d = wait(c, r["Id"], lambda s: s in TERMINAL)
    out = {
        "id": r["Id"],
        "execute_created_at_type": type(r["CreatedAt"]).__name__,
        "status": d["Status"],
        "error": d.get("Error", ""),
        "result_rows": d["ResultRows"],
        "has_result_set": d["HasResultSet"],
        "created_at_type": type(d["CreatedAt"]).__name__,
        "created_at_iso": d["CreatedAt"].isoformat() if hasattr(d["CreatedAt"], "isoformat") else str(d["CreatedAt"]),
        "records": [],
        "pages": 0,
        "total_num_rows": None,
        "column_metadata": None,
    }
    if d["Status"] != "FINISHED":
        return out
    for page in c.get_paginator("get_statement_result").paginate(Id=r["Id"]):
        out["pages"] += 1
        out["records"].extend(page["Records"])
        out["total_num_rows"] = page["TotalNumRows"]
        if out["column_metadata"] is None:
            out["column_metadata"] = [{"name": m["name"], "typeName": m["typeName"]} for m in page["ColumnMetadata"]]
    return out


def cancel_tour(c):
    r = c.execute_statement(ClusterIdentifier="local", Database="dev", DbUser="awsuser", Sql="select pg_sleep(60)")
    sid = r["Id"]
    started = wait(c, sid, lambda s: s == "STARTED" or s in TERMINAL, timeout=30)
    out = {"id": sid, "status_before_cancel": started["Status"]}
    t0 = time.monotonic()
    cr = c.cancel_statement(Id=sid)
    out["cancel_status"] = cr["Status"]
    d = wait(c, sid, lambda s: s in TERMINAL, timeout=30)
    out["ended_after_seconds"] = time.monotonic() - t0
    out["final_status"] = d["Status"]
    out["final_error"] = d.get("Error", "")
    try:
        c.cancel_statement(Id=sid)
        out["second_cancel"] = {"code": None, "message": "no error"}
    except ClientError as e:
        out["second_cancel"] = {
            "code": e.response["Error"]["Code"],
            "message": e.response["Error"]["Message"],
            "http_status": e.response["ResponseMetadata"]["HTTPStatusCode"],
        }
    return out


def main():
    c = client()
    summary = {
        "boto3_version": boto3.__version__,
        "botocore_version": botocore.__version__,
        "series": run_and_read(c, "select g, 'row ' || g as label from generate_series(1, 5000) g"),
        # About 3 MB of records: several result pages, so NextToken goes
        # over the wire.
        "wide": run_and_read(c, "select g, repeat('x', 1000) as pad from generate_series(1, 3000) g"),
        "cancel": cancel_tour(c),
    }
    json.dump(summary, sys.stdout)


if __name__ == "__main__":
    main()
