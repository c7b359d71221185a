"""Assumes a data-account role from a peer account with boto3 and prints a
JSON summary.

TestCLIPeerAccount runs this script after setting the accounts up with the
AWS CLI and checks the summary. Settings come from the environment:
RSD_ENDPOINT, RSD_ROLE_ARN, RSD_USER_KEY and RSD_USER_SECRET (a peer-account
user allowed to assume the role), RSD_PEER_ROOT_KEY and RSD_PEER_ROOT_SECRET.
Every wait is bounded.
"""

import json
import os
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["RSD_ENDPOINT"]
CONFIG = Config(connect_timeout=10, read_timeout=30, retries={"max_attempts": 2})


def client(service, key, secret, token=None):
    return boto3.client(service, endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token, config=CONFIG)


def error_code(call):
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return ""


summary = {}
peer_root = (os.environ["RSD_PEER_ROOT_KEY"], os.environ["RSD_PEER_ROOT_SECRET"])
summary["peer_root_account"] = client("sts", *peer_root).get_caller_identity()["Account"]
summary["peer_root_list_secrets"] = error_code(lambda: client("secretsmanager", *peer_root).list_secrets())

user = client("sts", os.environ["RSD_USER_KEY"], os.environ["RSD_USER_SECRET"])
out = user.assume_role(RoleArn=os.environ["RSD_ROLE_ARN"], RoleSessionName="py-peer")
creds = out["Credentials"]
summary["assumed_arn"] = out["AssumedRoleUser"]["Arn"]
session = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
summary["session_account"] = client("sts", *session).get_caller_identity()["Account"]

data = client("redshift-data", *session)
sid = data.execute_statement(ClusterIdentifier="local", Database="dev", Sql="select current_user")["Id"]
deadline = time.monotonic() + 60
while True:
    d = data.describe_statement(Id=sid)
    if d["Status"] in ("FINISHED", "FAILED", "ABORTED") or time.monotonic() > deadline:
        break
    time.sleep(0.05)
summary["status"] = d["Status"]
summary["error"] = d.get("Error", "")
if d["Status"] == "FINISHED":
    summary["current_user"] = data.get_statement_result(Id=sid)["Records"][0][0]["stringValue"]
print(json.dumps(summary))
