package redshiftdata

import "github.com/rsdata/rsdata/internal/awsjson"

// Input and output shapes, named and spelled as in the service model.
// Optional members are pointers or omitempty so absent members are omitted
// (never null); unknown members sent by newer SDKs are ignored by decoding.

type SqlParameter struct {
	Name  *string `json:"name"`
	Value *string `json:"value"`
}

// connection holds the members every statement and catalog operation uses
// to choose where and as whom to run.
type connection struct {
	ClusterIdentifier *string `json:"ClusterIdentifier"`
	WorkgroupName     *string `json:"WorkgroupName"`
	SecretArn         *string `json:"SecretArn"`
	DbUser            *string `json:"DbUser"`
	Database          *string `json:"Database"`
}

// submission holds the members ExecuteStatement and BatchExecuteStatement
// share.
type submission struct {
	connection
	WithEvent               *bool          `json:"WithEvent"`
	StatementName           *string        `json:"StatementName"`
	Parameters              []SqlParameter `json:"Parameters"`
	ClientToken             *string        `json:"ClientToken"`
	ResultFormat            *string        `json:"ResultFormat"`
	SessionKeepAliveSeconds *int64         `json:"SessionKeepAliveSeconds"`
	SessionId               *string        `json:"SessionId"`
	WaitTimeSeconds         *int64         `json:"WaitTimeSeconds"`
}

type ExecuteStatementInput struct {
	submission
	Sql *string `json:"Sql"`
}

type BatchExecuteStatementInput struct {
	submission
	Sqls          []string `json:"Sqls"`
	ExecutionMode *string  `json:"ExecutionMode"`
}

// ExecuteStatementOutput is also BatchExecuteStatement's output.
type ExecuteStatementOutput struct {
	Id                string        `json:"Id"`
	CreatedAt         *awsjson.Time `json:"CreatedAt,omitempty"`
	ClusterIdentifier string        `json:"ClusterIdentifier,omitempty"`
	DbUser            string        `json:"DbUser,omitempty"`
	Database          string        `json:"Database,omitempty"`
	SecretArn         string        `json:"SecretArn,omitempty"`
	WorkgroupName     string        `json:"WorkgroupName,omitempty"`
	SessionId         string        `json:"SessionId,omitempty"`
	// Sent only to long-polling requests.
	Status       string `json:"Status,omitempty"`
	RedshiftPid  *int64 `json:"RedshiftPid,omitempty"`
	HasResultSet *bool  `json:"HasResultSet,omitempty"`
}

type IdInput struct {
	Id              *string `json:"Id"`
	WaitTimeSeconds *int64  `json:"WaitTimeSeconds"`
}

type SubStatementData struct {
	Id              string        `json:"Id"`
	Duration        int64         `json:"Duration"`
	Error           string        `json:"Error,omitempty"`
	Status          string        `json:"Status"`
	CreatedAt       *awsjson.Time `json:"CreatedAt,omitempty"`
	UpdatedAt       *awsjson.Time `json:"UpdatedAt,omitempty"`
	QueryString     string        `json:"QueryString,omitempty"`
	ResultRows      int64         `json:"ResultRows"`
	ResultSize      int64         `json:"ResultSize"`
	RedshiftQueryId int64         `json:"RedshiftQueryId"`
	HasResultSet    bool          `json:"HasResultSet"`
}

type QueryParameter struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type DescribeStatementOutput struct {
	Id                string             `json:"Id"`
	SecretArn         string             `json:"SecretArn,omitempty"`
	DbUser            string             `json:"DbUser,omitempty"`
	Database          string             `json:"Database,omitempty"`
	ClusterIdentifier string             `json:"ClusterIdentifier,omitempty"`
	WorkgroupName     string             `json:"WorkgroupName,omitempty"`
	Duration          int64              `json:"Duration"`
	Error             string             `json:"Error,omitempty"`
	Status            string             `json:"Status"`
	CreatedAt         *awsjson.Time      `json:"CreatedAt,omitempty"`
	UpdatedAt         *awsjson.Time      `json:"UpdatedAt,omitempty"`
	RedshiftPid       int64              `json:"RedshiftPid"`
	HasResultSet      bool               `json:"HasResultSet"`
	QueryString       string             `json:"QueryString,omitempty"`
	ResultRows        int64              `json:"ResultRows"`
	ResultSize        int64              `json:"ResultSize"`
	RedshiftQueryId   int64              `json:"RedshiftQueryId"`
	QueryParameters   []QueryParameter   `json:"QueryParameters,omitempty"`
	SubStatements     []SubStatementData `json:"SubStatements,omitempty"`
	ResultFormat      string             `json:"ResultFormat,omitempty"`
	SessionId         string             `json:"SessionId,omitempty"`
	ExecutionMode     string             `json:"ExecutionMode,omitempty"`
}

type GetStatementResultInput struct {
	Id              *string `json:"Id"`
	NextToken       *string `json:"NextToken"`
	WaitTimeSeconds *int64  `json:"WaitTimeSeconds"`
}

type ColumnMetadata struct {
	IsCaseSensitive bool   `json:"isCaseSensitive"`
	IsCurrency      bool   `json:"isCurrency"`
	IsSigned        bool   `json:"isSigned"`
	Label           string `json:"label"`
	Name            string `json:"name"`
	Nullable        int32  `json:"nullable"`
	Precision       int32  `json:"precision"`
	Scale           int32  `json:"scale"`
	SchemaName      string `json:"schemaName"`
	TableName       string `json:"tableName"`
	TypeName        string `json:"typeName"`
	Length          int32  `json:"length"`
	ColumnDefault   string `json:"columnDefault,omitempty"`
}

type CancelStatementOutput struct {
	Status bool `json:"Status"`
}

type ListStatementsInput struct {
	NextToken         *string `json:"NextToken"`
	MaxResults        *int64  `json:"MaxResults"`
	StatementName     *string `json:"StatementName"`
	Status            *string `json:"Status"`
	RoleLevel         *bool   `json:"RoleLevel"`
	Database          *string `json:"Database"`
	ClusterIdentifier *string `json:"ClusterIdentifier"`
	WorkgroupName     *string `json:"WorkgroupName"`
}

type StatementData struct {
	Id               string           `json:"Id"`
	QueryString      string           `json:"QueryString,omitempty"`
	QueryStrings     []string         `json:"QueryStrings,omitempty"`
	SecretArn        string           `json:"SecretArn,omitempty"`
	Status           string           `json:"Status,omitempty"`
	StatementName    string           `json:"StatementName,omitempty"`
	CreatedAt        *awsjson.Time    `json:"CreatedAt,omitempty"`
	UpdatedAt        *awsjson.Time    `json:"UpdatedAt,omitempty"`
	QueryParameters  []QueryParameter `json:"QueryParameters,omitempty"`
	IsBatchStatement bool             `json:"IsBatchStatement"`
	ResultFormat     string           `json:"ResultFormat,omitempty"`
	SessionId        string           `json:"SessionId,omitempty"`
}

type ListStatementsOutput struct {
	Statements []StatementData `json:"Statements"`
	NextToken  string          `json:"NextToken,omitempty"`
}

type ListSessionsInput struct {
	NextToken         *string `json:"NextToken"`
	MaxResults        *int64  `json:"MaxResults"`
	SessionId         *string `json:"SessionId"`
	Status            *string `json:"Status"`
	RoleLevel         *bool   `json:"RoleLevel"`
	ClusterIdentifier *string `json:"ClusterIdentifier"`
	WorkgroupName     *string `json:"WorkgroupName"`
	Database          *string `json:"Database"`
}

type SessionData struct {
	SessionId           string        `json:"SessionId"`
	Status              string        `json:"Status"`
	CreatedAt           *awsjson.Time `json:"CreatedAt"`
	UpdatedAt           *awsjson.Time `json:"UpdatedAt,omitempty"`
	Database            string        `json:"Database,omitempty"`
	DbUser              string        `json:"DbUser,omitempty"`
	ClusterIdentifier   string        `json:"ClusterIdentifier,omitempty"`
	WorkgroupName       string        `json:"WorkgroupName,omitempty"`
	SessionAliveSeconds int64         `json:"SessionAliveSeconds"`
	SessionTtl          *awsjson.Time `json:"SessionTtl,omitempty"`
	CurrentStatementId  string        `json:"CurrentStatementId,omitempty"`
}

type ListSessionsOutput struct {
	Sessions  []SessionData `json:"Sessions"`
	NextToken string        `json:"NextToken,omitempty"`
}
