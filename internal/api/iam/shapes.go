package iam

import (
	"net/url"
	"strings"
	"time"

	"github.com/rsdata/rsdata/internal/identity"
)

// Wire shapes, named and nested as in IAM's model.

type tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func tagsIn(in []tag) []identity.Tag {
	out := make([]identity.Tag, len(in))
	for i, t := range in {
		out[i] = identity.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

func tagsOut(in []identity.Tag) []tag {
	if len(in) == 0 {
		return nil
	}
	out := make([]tag, len(in))
	for i, t := range in {
		out[i] = tag{Key: t.Key, Value: t.Value}
	}
	return out
}

// encodeDocument URL-encodes a policy document as IAM returns it (spaces as
// %20, which both botocore's unquote and url.QueryUnescape read back).
func encodeDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

type empty struct{}

type user struct {
	Path       string    `xml:"Path,omitempty"`
	UserName   string    `xml:"UserName,omitempty"`
	UserId     string    `xml:"UserId"`
	Arn        string    `xml:"Arn"`
	CreateDate time.Time `xml:"CreateDate"`
	Tags       []tag     `xml:"Tags>member"`
}

func userOut(u *identity.User, withTags bool) user {
	out := user{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: u.ARN, CreateDate: u.CreatedAt}
	if withTags {
		out.Tags = tagsOut(u.Tags)
	}
	return out
}

type role struct {
	Path                     string    `xml:"Path"`
	RoleName                 string    `xml:"RoleName"`
	RoleId                   string    `xml:"RoleId"`
	Arn                      string    `xml:"Arn"`
	CreateDate               time.Time `xml:"CreateDate"`
	AssumeRolePolicyDocument string    `xml:"AssumeRolePolicyDocument,omitempty"`
	Description              string    `xml:"Description,omitempty"`
	MaxSessionDuration       *int32    `xml:"MaxSessionDuration"`
	Tags                     []tag     `xml:"Tags>member"`
}

func roleOut(r *identity.Role, withTags bool) role {
	msd := r.MaxSessionDuration
	out := role{
		Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: r.ARN, CreateDate: r.CreatedAt,
		AssumeRolePolicyDocument: encodeDocument(r.TrustPolicy), Description: r.Description,
		MaxSessionDuration: &msd,
	}
	if withTags {
		out.Tags = tagsOut(r.Tags)
	}
	return out
}

type managedPolicy struct {
	PolicyName                    string    `xml:"PolicyName"`
	PolicyId                      string    `xml:"PolicyId"`
	Arn                           string    `xml:"Arn"`
	Path                          string    `xml:"Path"`
	DefaultVersionId              string    `xml:"DefaultVersionId"`
	AttachmentCount               int       `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int       `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool      `xml:"IsAttachable"`
	Description                   string    `xml:"Description,omitempty"`
	CreateDate                    time.Time `xml:"CreateDate"`
	UpdateDate                    time.Time `xml:"UpdateDate"`
}

func policyOut(p *identity.ManagedPolicy) managedPolicy {
	return managedPolicy{
		PolicyName: p.Name, PolicyId: p.ID, Arn: p.ARN, Path: p.Path, DefaultVersionId: p.DefaultVersionID,
		AttachmentCount: p.AttachmentCount, IsAttachable: true, Description: p.Description,
		CreateDate: p.CreatedAt, UpdateDate: p.UpdatedAt,
	}
}

type attachedPolicy struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

func attachedOut(in []identity.AttachedPolicy) []attachedPolicy {
	out := make([]attachedPolicy, len(in))
	for i, p := range in {
		out[i] = attachedPolicy{PolicyName: p.Name, PolicyArn: p.ARN}
	}
	return out
}

type accessKey struct {
	UserName        string    `xml:"UserName"`
	AccessKeyId     string    `xml:"AccessKeyId"`
	Status          string    `xml:"Status"`
	SecretAccessKey string    `xml:"SecretAccessKey,omitempty"`
	CreateDate      time.Time `xml:"CreateDate"`
}

// --- operation inputs and outputs ---

type createUserInput struct {
	UserName string
	Path     *string
	Tags     []tag
}
type userOutput struct {
	User user `xml:"User"`
}
type userNameInput struct {
	UserName string
}
type optionalUserInput struct {
	UserName *string
}

// The inputs of list operations carry IAM's paging parameters.
type listAccessKeysInput struct {
	UserName *string
	Marker   *string
	MaxItems *int32
}
type userListInput struct {
	UserName string
	Marker   *string
	MaxItems *int32
}
type roleListInput struct {
	RoleName string
	Marker   *string
	MaxItems *int32
}
type listInput struct {
	PathPrefix *string
	Marker     *string
	MaxItems   *int32
}
type listUsersOutput struct {
	Users       []user `xml:"Users>member"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}
type accessKeyOutput struct {
	AccessKey accessKey `xml:"AccessKey"`
}
type listAccessKeysOutput struct {
	AccessKeyMetadata []accessKey `xml:"AccessKeyMetadata>member"`
	IsTruncated       bool        `xml:"IsTruncated"`
	Marker            string      `xml:"Marker,omitempty"`
}
type updateAccessKeyInput struct {
	UserName    *string
	AccessKeyId string
	Status      string
}
type deleteAccessKeyInput struct {
	UserName    *string
	AccessKeyId string
}
type putUserPolicyInput struct {
	UserName       string
	PolicyName     string
	PolicyDocument string
}
type userPolicyInput struct {
	UserName   string
	PolicyName string
}
type getUserPolicyOutput struct {
	UserName       string `xml:"UserName"`
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"`
}
type policyNamesOutput struct {
	PolicyNames []string `xml:"PolicyNames>member"`
	IsTruncated bool     `xml:"IsTruncated"`
	Marker      string   `xml:"Marker,omitempty"`
}
type createRoleInput struct {
	RoleName                 string
	Path                     *string
	AssumeRolePolicyDocument string
	Description              *string
	MaxSessionDuration       *int32
	Tags                     []tag
}
type roleOutput struct {
	Role role `xml:"Role"`
}
type roleNameInput struct {
	RoleName string
}
type listRolesOutput struct {
	Roles       []role `xml:"Roles>member"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}
type putRolePolicyInput struct {
	RoleName       string
	PolicyName     string
	PolicyDocument string
}
type rolePolicyInput struct {
	RoleName   string
	PolicyName string
}
type getRolePolicyOutput struct {
	RoleName       string `xml:"RoleName"`
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"`
}
type createPolicyInput struct {
	PolicyName     string
	Path           *string
	PolicyDocument string
	Description    *string
}
type policyOutput struct {
	Policy managedPolicy `xml:"Policy"`
}
type policyArnInput struct {
	PolicyArn string
}
type getPolicyVersionInput struct {
	PolicyArn string
	VersionId string
}
type policyVersion struct {
	Document         string    `xml:"Document,omitempty"`
	VersionId        string    `xml:"VersionId"`
	IsDefaultVersion bool      `xml:"IsDefaultVersion"`
	CreateDate       time.Time `xml:"CreateDate"`
}
type getPolicyVersionOutput struct {
	PolicyVersion policyVersion `xml:"PolicyVersion"`
}
type createPolicyVersionInput struct {
	PolicyArn      string
	PolicyDocument string
	SetAsDefault   bool
}
type listPolicyVersionsInput struct {
	PolicyArn string
	Marker    *string
	MaxItems  *int32
}
type listPolicyVersionsOutput struct {
	Versions    []policyVersion `xml:"Versions>member"`
	IsTruncated bool            `xml:"IsTruncated"`
	Marker      string          `xml:"Marker,omitempty"`
}
type listPoliciesInput struct {
	Scope        *string
	OnlyAttached bool
	PathPrefix   *string
	Marker       *string
	MaxItems     *int32
}
type listPoliciesOutput struct {
	Policies    []managedPolicy `xml:"Policies>member"`
	IsTruncated bool            `xml:"IsTruncated"`
	Marker      string          `xml:"Marker,omitempty"`
}
type userPolicyArnInput struct {
	UserName  string
	PolicyArn string
}
type rolePolicyArnInput struct {
	RoleName  string
	PolicyArn string
}
type attachedPoliciesOutput struct {
	AttachedPolicies []attachedPolicy `xml:"AttachedPolicies>member"`
	IsTruncated      bool             `xml:"IsTruncated"`
	Marker           string           `xml:"Marker,omitempty"`
}
type tagUserInput struct {
	UserName string
	Tags     []tag
}
type untagUserInput struct {
	UserName string
	TagKeys  []string
}
type tagRoleInput struct {
	RoleName string
	Tags     []tag
}
type untagRoleInput struct {
	RoleName string
	TagKeys  []string
}
type tagsOutput struct {
	Tags        []tag  `xml:"Tags>member"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}
