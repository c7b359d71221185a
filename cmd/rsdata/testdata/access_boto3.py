"""Drives rsdata's access control with boto3 and prints a JSON summary.

The Go test (TestBoto3AccessControl) runs this script and checks every field
of the summary; the script itself only reports what it saw. Settings come
from the environment: RSD_ENDPOINT, RSD_ACCESS_KEY_ID, RSD_SECRET_ACCESS_KEY
(the root credentials) and RSD_MASTER_PASSWORD (the cluster's master user).
Every wait is bounded.
"""

import datetime
import json
import os
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["RSD_ENDPOINT"]
ROOT = (os.environ["RSD_ACCESS_KEY_ID"], os.environ["RSD_SECRET_ACCESS_KEY"], None)
TERMINAL = ("FINISHED", "FAILED", "ABORTED")
CONFIG = Config(connect_timeout=10, read_timeout=30, retries={"max_attempts": 2})
ON_LOCAL = {"ClusterIdentifier": "local", "Database": "dev"}


def client(service, creds):
    key, secret, token = creds
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=CONFIG,
    )


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def error_of(call, *args, **kwargs):
    """Runs call and returns (code, message, HTTP status) of the ClientError
    it raises, or ("", "", 0) when it succeeds."""
    try:
        call(*args, **kwargs)
    except ClientError as e:
        err = e.response.get("Error", {})
        return err.get("Code", ""), err.get("Message", ""), e.response["ResponseMetadata"].get("HTTPStatusCode", 0)
    return "", "", 0


def wait(data, sid, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        d = data.describe_statement(Id=sid)
        if d["Status"] in TERMINAL:
            return d
        if time.monotonic() > deadline:
            raise RuntimeError("statement %s still %s after %ss" % (sid, d["Status"], timeout))
        time.sleep(0.05)


def run_current_user(data, **extra):
    """Runs select current_user and reports the statement and its value."""
    r = data.execute_statement(Sql="select current_user", **ON_LOCAL, **extra)
    d = wait(data, r["Id"])
    out = {
        "id": r["Id"],
        "exec_secret_arn": r.get("SecretArn", ""),
        "status": d["Status"],
        "error": d.get("Error", ""),
        "db_user": d.get("DbUser", ""),
        "current_user": "",
    }
    if d["Status"] == "FINISHED":
        res = data.get_statement_result(Id=r["Id"])
        out["current_user"] = res["Records"][0][0].get("stringValue", "")
    return out


def main():
    summary = {"boto3_version": boto3.__version__}
    iam = client("iam", ROOT)
    sm = client("secretsmanager", ROOT)

    # A user with a narrow inline policy.
    user = iam.create_user(UserName="pyuser")["User"]
    key = iam.create_access_key(UserName="pyuser")["AccessKey"]
    iam.put_user_policy(
        UserName="pyuser",
        PolicyName="narrow",
        PolicyDocument=policy(
            {"Effect": "Allow", "Action": "redshift-data:ExecuteStatement", "Resource": "arn:aws:redshift:*:*:cluster:local"},
            {"Effect": "Allow", "Action": "redshift:GetClusterCredentialsWithIAM", "Resource": "arn:aws:redshift:*:*:dbname:local/*"},
            {
                "Effect": "Allow",
                "Action": ["redshift-data:DescribeStatement", "redshift-data:GetStatementResult"],
                "Resource": "*",
                "Condition": {"StringEquals": {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}},
            },
        ),
    )
    user_creds = (key["AccessKeyId"], key["SecretAccessKey"], None)
    me = client("sts", user_creds).get_caller_identity()
    user_data = client("redshift-data", user_creds)
    ran = run_current_user(user_data)
    code, message, http = error_of(user_data.list_statements, Status="ALL")
    iam_code, _, _ = error_of(client("iam", user_creds).create_user, UserName="mallory")
    u = {
        "arn": user["Arn"],
        "user_id": user["UserId"],
        "caller_arn": me["Arn"],
        "caller_user_id": me["UserId"],
        "statement_id": ran["id"],
        "status": ran["status"],
        "error": ran["error"],
        "db_user": ran["db_user"],
        "current_user": ran["current_user"],
        "denied_code": code,
        "denied_message": message,
        "denied_http": http,
        "iam_denied_code": iam_code,
    }
    # Allowed now; then an explicit Deny beside the Allow wins.
    iam.put_user_policy(
        UserName="pyuser",
        PolicyName="allow-list",
        PolicyDocument=policy({"Effect": "Allow", "Action": "redshift-data:ListStatements", "Resource": "*"}),
    )
    u["listed_after_allow"] = [s["Id"] for s in user_data.list_statements(Status="ALL")["Statements"]]
    iam.put_user_policy(
        UserName="pyuser",
        PolicyName="deny-list",
        PolicyDocument=policy({"Effect": "Deny", "Action": "redshift-data:List*", "Resource": "*"}),
    )
    u["deny_wins_code"], _, _ = error_of(user_data.list_statements, Status="ALL")
    summary["user"] = u

    # A role that wants an ExternalId, assumed by the user.
    role = iam.create_role(
        RoleName="pyrole",
        AssumeRolePolicyDocument=policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "py-ext"}},
            }
        ),
    )["Role"]
    iam.attach_role_policy(RoleName="pyrole", PolicyArn="arn:aws:iam::aws:policy/AmazonRedshiftDataFullAccess")
    iam.put_user_policy(
        UserName="pyuser",
        PolicyName="assume",
        PolicyDocument=policy({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role["Arn"]}),
    )
    user_sts = client("sts", user_creds)
    args = {"RoleArn": role["Arn"], "RoleSessionName": "py-session"}
    no_ext, _, _ = error_of(user_sts.assume_role, **args)
    wrong_ext, _, _ = error_of(user_sts.assume_role, ExternalId="nope", **args)
    assumed = user_sts.assume_role(ExternalId="py-ext", DurationSeconds=900, **args)
    c = assumed["Credentials"]
    session = (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    caller = client("sts", session).get_caller_identity()
    role_data = client("redshift-data", session)
    role_ran = run_current_user(role_data)
    sees, _, _ = error_of(user_data.describe_statement, Id=role_ran["id"])
    summary["role"] = {
        "arn": role["Arn"],
        "role_id": role["RoleId"],
        "no_external_id_code": no_ext,
        "wrong_external_id_code": wrong_ext,
        "access_key_prefix": c["AccessKeyId"][:4],
        "has_session_token": bool(c["SessionToken"]),
        "assumed_arn": assumed["AssumedRoleUser"]["Arn"],
        "caller_arn": caller["Arn"],
        "caller_user_id": caller["UserId"],
        "status": role_ran["status"],
        "error": role_ran["error"],
        "db_user": role_ran["db_user"],
        "current_user": role_ran["current_user"],
        "user_sees_role_statement_code": sees,
    }

    # Secrets: the managed policy reaches tagged secrets only.
    def secret(name, password, tagged):
        kwargs = {
            "Name": name,
            "SecretString": json.dumps({"username": "awsuser", "password": password, "dbClusterIdentifier": "local"}),
        }
        if tagged:
            kwargs["Tags"] = [{"Key": "RedshiftDataFullAccess", "Value": "yes"}]
        return sm.create_secret(**kwargs)["ARN"]

    good = secret("py/db", os.environ["RSD_MASTER_PASSWORD"], True)
    untagged = secret("py/untagged", os.environ["RSD_MASTER_PASSWORD"], False)
    wrong = secret("py/wrong", "not-the-password", True)
    with_secret = run_current_user(role_data, SecretArn=good)
    untagged_code, _, _ = error_of(role_data.execute_statement, Sql="select 1", SecretArn=untagged, **ON_LOCAL)
    wrong_ran = run_current_user(client("redshift-data", ROOT), SecretArn=wrong)
    summary["secret"] = {
        "arn": good,
        "exec_secret_arn": with_secret["exec_secret_arn"],
        "status": with_secret["status"],
        "error": with_secret["error"],
        "db_user": with_secret["db_user"],
        "current_user": with_secret["current_user"],
        "untagged_code": untagged_code,
        "wrong_password_status": wrong_ran["status"],
        "wrong_password_error": wrong_ran["error"],
    }

    # Temporary database credentials and the endpoint to use them on.
    redshift = client("redshift", ROOT)
    creds = redshift.get_cluster_credentials(
        ClusterIdentifier="local", DbUser="pyreporter", DbName="dev", AutoCreate=True, DurationSeconds=900
    )
    expires = creds["Expiration"]
    endpoint = redshift.describe_clusters(ClusterIdentifier="local")["Clusters"][0]["Endpoint"]
    summary["credentials"] = {
        "db_user": creds["DbUser"],
        "db_password": creds["DbPassword"],
        "expires_in_seconds": (expires - datetime.datetime.now(datetime.timezone.utc)).total_seconds(),
        "cluster_port": endpoint["Port"],
        "cluster_address": endpoint["Address"],
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
