package policy

// AmazonRedshiftDataFullAccessARN names the AWS managed policy.
const AmazonRedshiftDataFullAccessARN = "arn:aws:iam::aws:policy/AmazonRedshiftDataFullAccess"

// AmazonRedshiftDataFullAccessVersionID is the policy's default version.
const AmazonRedshiftDataFullAccessVersionID = "v5"

// AmazonRedshiftDataFullAccessDocument is the v5 document: seven statements
// granting the Data API, secrets and workgroups tagged RedshiftDataFullAccess,
// temporary credentials for the database user redshift_data_api_user only
// (and never the right to create that user), and the service-linked role.
// ListSessions is not in v5.
const AmazonRedshiftDataFullAccessDocument = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DataAPIPermissions",
      "Effect": "Allow",
      "Action": [
        "redshift-data:BatchExecuteStatement",
        "redshift-data:ExecuteStatement",
        "redshift-data:CancelStatement",
        "redshift-data:ListStatements",
        "redshift-data:GetStatementResult",
        "redshift-data:DescribeStatement",
        "redshift-data:ListDatabases",
        "redshift-data:ListSchemas",
        "redshift-data:ListTables",
        "redshift-data:DescribeTable"
      ],
      "Resource": "*"
    },
    {
      "Sid": "SecretsManagerPermissions",
      "Effect": "Allow",
      "Action": [
        "secretsmanager:GetSecretValue"
      ],
      "Resource": "arn:aws:secretsmanager:*:*:secret:*",
      "Condition": {
        "StringLike": {
          "secretsmanager:ResourceTag/RedshiftDataFullAccess": "*"
        }
      }
    },
    {
      "Sid": "GetCredentialsForAPIUser",
      "Effect": "Allow",
      "Action": "redshift:GetClusterCredentials",
      "Resource": [
        "arn:aws:redshift:*:*:dbname:*/*",
        "arn:aws:redshift:*:*:dbuser:*/redshift_data_api_user"
      ]
    },
    {
      "Sid": "GetCredentialsWithFederatedIAMCredentials",
      "Effect": "Allow",
      "Action": "redshift:GetClusterCredentialsWithIAM",
      "Resource": "arn:aws:redshift:*:*:dbname:*/*"
    },
    {
      "Sid": "GetCredentialsForServerless",
      "Effect": "Allow",
      "Action": "redshift-serverless:GetCredentials",
      "Resource": "arn:aws:redshift-serverless:*:*:workgroup/*",
      "Condition": {
        "StringLike": {
          "aws:ResourceTag/RedshiftDataFullAccess": "*"
        }
      }
    },
    {
      "Sid": "DenyCreateAPIUser",
      "Effect": "Deny",
      "Action": "redshift:CreateClusterUser",
      "Resource": [
        "arn:aws:redshift:*:*:dbuser:*/redshift_data_api_user"
      ]
    },
    {
      "Sid": "ServiceLinkedRole",
      "Effect": "Allow",
      "Action": "iam:CreateServiceLinkedRole",
      "Resource": "arn:aws:iam::*:role/aws-service-role/redshift-data.amazonaws.com/AWSServiceRoleForRedshift",
      "Condition": {
        "StringLike": {
          "iam:AWSServiceName": "redshift-data.amazonaws.com"
        }
      }
    }
  ]
}`

// AmazonRedshiftDataFullAccess returns the built-in managed policy, parsed
// afresh for each caller.
func AmazonRedshiftDataFullAccess() *Policy {
	p, err := Parse(AmazonRedshiftDataFullAccessDocument, Identity)
	if err != nil {
		// The document is a constant covered by tests; failing here is a
		// build defect, not a runtime condition.
		panic("policy: built-in AmazonRedshiftDataFullAccess does not parse: " + err.Error())
	}
	return p
}
