// Package secretsmanager serves rsdata's Secrets Manager subset over JSON
// 1.1 (X-Amz-Target "secretsmanager.<Operation>"): it turns the wire shapes
// into internal/secrets requests, authorizes each operation against the
// secret's ARN and tags, and maps domain errors onto Secrets Manager's
// exceptions.
package secretsmanager

import (
	"context"
	"errors"
	"time"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awsjson"
	"github.com/rsdata/rsdata/internal/secrets"
)

// Options configure the API.
type Options struct {
	AccountID string
	Region    string
}

// API is the Secrets Manager JSON 1.1 handlers.
type API struct {
	svc   *secrets.Service
	authz auth.Authorizer
	opts  Options
}

// New returns the API over svc, authorizing with authz.
func New(svc *secrets.Service, authz auth.Authorizer, opts Options) *API {
	return &API{svc: svc, authz: authz, opts: opts}
}

// SigningName is the service's SigV4 signing name, the service its
// requests' credential scope must name.
const SigningName = "secretsmanager"

// TargetPrefix is the X-Amz-Target prefix of every operation.
const TargetPrefix = "secretsmanager."

// Register adds every operation to r.
func (a *API) Register(r *awsjson.Router) {
	r.Service(TargetPrefix, SigningName, func(_ any, err error) error { return toAWS(err) })
	awsjson.Register(r, TargetPrefix+"CreateSecret", a.CreateSecret)
	awsjson.Register(r, TargetPrefix+"GetSecretValue", a.GetSecretValue)
	awsjson.Register(r, TargetPrefix+"DescribeSecret", a.DescribeSecret)
	awsjson.Register(r, TargetPrefix+"ListSecrets", a.ListSecrets)
	awsjson.Register(r, TargetPrefix+"PutSecretValue", a.PutSecretValue)
	awsjson.Register(r, TargetPrefix+"UpdateSecret", a.UpdateSecret)
	awsjson.Register(r, TargetPrefix+"DeleteSecret", a.DeleteSecret)
	awsjson.Register(r, TargetPrefix+"RestoreSecret", a.RestoreSecret)
	awsjson.Register(r, TargetPrefix+"TagResource", a.TagResource)
	awsjson.Register(r, TargetPrefix+"UntagResource", a.UntagResource)
}

// authorize asks whether the caller may perform action on the secret id
// names, with the secret's tags as condition keys. A secret that cannot be
// found is authorized by the ARN its id implies, without tags, so that a
// refusal does not depend on whether it exists; the operation then reports
// it missing.
// requestTags and tagKeys are the tags the request sets or removes
// (aws:RequestTag/<key>, aws:TagKeys).
func (a *API) authorize(ctx context.Context, action, id string, requestTags []Tag, tagKeys ...string) error {
	req := auth.Request{Action: action, Resource: a.svc.ResourceARN(id), Context: map[string][]string{}}
	sec, err := a.svc.DescribeSecret(ctx, &secrets.DescribeSecretRequest{SecretID: id})
	switch {
	case err == nil:
		req.Resource = sec.ARN
		tags := sec.TagMap()
		auth.AddResourceTags(req.Context, "secretsmanager:ResourceTag/", tags)
		auth.AddResourceTags(req.Context, auth.ResourceTagPrefix, tags)
	case !errors.Is(err, secrets.ErrNotFound):
		return err
	}
	addRequestTags(req.Context, requestTags)
	auth.AddTagKeys(req.Context, tagKeys...)
	return deniedOn(auth.RequireWith(ctx, a.authz, req), id)
}

// deniedOn words a refusal as Secrets Manager does: naming the secret as
// the request did (its name, or the ARN it was given), not its full ARN;
// "" names no resource at all, as for ListSecrets.
func deniedOn(err error, resource string) error {
	var denied *auth.DeniedError
	if !errors.As(err, &denied) {
		return err
	}
	d := *denied
	d.Resource = resource
	return &d
}

func addRequestTags(c map[string][]string, tags []Tag) {
	for _, t := range tags {
		auth.AddRequestTag(c, t.Key, t.Value)
	}
}

// Tag is a secret's tag on the wire.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func fromTags(tags []Tag) []secrets.Tag {
	out := make([]secrets.Tag, len(tags))
	for i, t := range tags {
		out[i] = secrets.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

func toTags(tags []secrets.Tag) []Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]Tag, len(tags))
	for i, t := range tags {
		out[i] = Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

func timePtr(t time.Time) *awsjson.Time {
	if t.IsZero() {
		return nil
	}
	at := awsjson.Time(t)
	return &at
}

// CreateSecretInput is the CreateSecret request.
type CreateSecretInput struct {
	Name               string
	ClientRequestToken string
	Description        string
	KmsKeyId           string
	SecretString       *string
	SecretBinary       []byte
	Tags               []Tag
}

// CreateSecretOutput is the CreateSecret reply.
type CreateSecretOutput struct {
	ARN       string `json:"ARN"`
	Name      string `json:"Name"`
	VersionId string `json:"VersionId,omitempty"`
}

// CreateSecret implements secretsmanager.CreateSecret.
func (a *API) CreateSecret(ctx context.Context, in *CreateSecretInput) (*CreateSecretOutput, error) {
	c := map[string][]string{}
	addRequestTags(c, in.Tags)
	if err := auth.RequireWith(ctx, a.authz, auth.Request{Action: "secretsmanager:CreateSecret", Resource: "*", Context: c}); err != nil {
		return nil, err
	}
	out, err := a.svc.CreateSecret(ctx, &secrets.CreateSecretRequest{
		Name: in.Name, ClientRequestToken: in.ClientRequestToken, Description: in.Description, KmsKeyID: in.KmsKeyId,
		SecretString: in.SecretString, SecretBinary: in.SecretBinary, Tags: fromTags(in.Tags),
	})
	if err != nil {
		return nil, err
	}
	return &CreateSecretOutput{ARN: out.ARN, Name: out.Name, VersionId: out.VersionID}, nil
}

// GetSecretValueInput is the GetSecretValue request.
type GetSecretValueInput struct {
	SecretId     string
	VersionId    string
	VersionStage string
}

// GetSecretValueOutput is the GetSecretValue reply.
type GetSecretValueOutput struct {
	ARN           string        `json:"ARN"`
	Name          string        `json:"Name"`
	VersionId     string        `json:"VersionId"`
	SecretString  *string       `json:"SecretString,omitempty"`
	SecretBinary  []byte        `json:"SecretBinary,omitempty"`
	VersionStages []string      `json:"VersionStages"`
	CreatedDate   *awsjson.Time `json:"CreatedDate,omitempty"`
}

// GetSecretValue implements secretsmanager.GetSecretValue.
func (a *API) GetSecretValue(ctx context.Context, in *GetSecretValueInput) (*GetSecretValueOutput, error) {
	if err := a.authorize(ctx, "secretsmanager:GetSecretValue", in.SecretId, nil); err != nil {
		return nil, err
	}
	out, err := a.svc.GetSecretValue(ctx, &secrets.GetSecretValueRequest{SecretID: in.SecretId, VersionID: in.VersionId, VersionStage: in.VersionStage})
	if err != nil {
		return nil, err
	}
	return &GetSecretValueOutput{
		ARN: out.ARN, Name: out.Name, VersionId: out.VersionID, SecretString: out.SecretString, SecretBinary: out.SecretBinary,
		VersionStages: out.VersionStages, CreatedDate: timePtr(out.CreatedDate),
	}, nil
}

// DescribeSecretInput is the DescribeSecret request.
type DescribeSecretInput struct{ SecretId string }

// DescribeSecretOutput is the DescribeSecret reply.
type DescribeSecretOutput struct {
	ARN                string              `json:"ARN"`
	Name               string              `json:"Name"`
	Description        string              `json:"Description,omitempty"`
	KmsKeyId           string              `json:"KmsKeyId,omitempty"`
	RotationEnabled    bool                `json:"RotationEnabled"`
	LastChangedDate    *awsjson.Time       `json:"LastChangedDate,omitempty"`
	LastAccessedDate   *awsjson.Time       `json:"LastAccessedDate,omitempty"`
	DeletedDate        *awsjson.Time       `json:"DeletedDate,omitempty"`
	Tags               []Tag               `json:"Tags,omitempty"`
	VersionIdsToStages map[string][]string `json:"VersionIdsToStages,omitempty"`
	CreatedDate        *awsjson.Time       `json:"CreatedDate,omitempty"`
}

func describe(sec *secrets.Secret) *DescribeSecretOutput {
	return &DescribeSecretOutput{
		ARN: sec.ARN, Name: sec.Name, Description: sec.Description, KmsKeyId: sec.KmsKeyID,
		LastChangedDate: timePtr(sec.LastChangedDate), LastAccessedDate: timePtr(sec.LastAccessedDate),
		DeletedDate: timePtr(sec.DeletedDate), Tags: toTags(sec.Tags), VersionIdsToStages: sec.VersionStages(),
		CreatedDate: timePtr(sec.CreatedDate),
	}
}

// DescribeSecret implements secretsmanager.DescribeSecret.
func (a *API) DescribeSecret(ctx context.Context, in *DescribeSecretInput) (*DescribeSecretOutput, error) {
	if err := a.authorize(ctx, "secretsmanager:DescribeSecret", in.SecretId, nil); err != nil {
		return nil, err
	}
	sec, err := a.svc.DescribeSecret(ctx, &secrets.DescribeSecretRequest{SecretID: in.SecretId})
	if err != nil {
		return nil, err
	}
	return describe(sec), nil
}

// Filter is a ListSecrets filter.
type Filter struct {
	Key    string
	Values []string
}

// ListSecretsInput is the ListSecrets request.
type ListSecretsInput struct {
	IncludePlannedDeletion bool
	MaxResults             *int
	NextToken              string
	Filters                []Filter
	SortOrder              string
	SortBy                 string
}

// SecretListEntry is one secret in a ListSecrets reply.
type SecretListEntry struct {
	ARN                    string              `json:"ARN"`
	Name                   string              `json:"Name"`
	Description            string              `json:"Description,omitempty"`
	KmsKeyId               string              `json:"KmsKeyId,omitempty"`
	RotationEnabled        bool                `json:"RotationEnabled"`
	LastChangedDate        *awsjson.Time       `json:"LastChangedDate,omitempty"`
	LastAccessedDate       *awsjson.Time       `json:"LastAccessedDate,omitempty"`
	DeletedDate            *awsjson.Time       `json:"DeletedDate,omitempty"`
	Tags                   []Tag               `json:"Tags,omitempty"`
	SecretVersionsToStages map[string][]string `json:"SecretVersionsToStages,omitempty"`
	CreatedDate            *awsjson.Time       `json:"CreatedDate,omitempty"`
}

// ListSecretsOutput is the ListSecrets reply.
type ListSecretsOutput struct {
	SecretList []SecretListEntry `json:"SecretList"`
	NextToken  string            `json:"NextToken,omitempty"`
}

// ListSecrets implements secretsmanager.ListSecrets.
func (a *API) ListSecrets(ctx context.Context, in *ListSecretsInput) (*ListSecretsOutput, error) {
	if err := deniedOn(auth.RequireWith(ctx, a.authz, auth.Request{Action: "secretsmanager:ListSecrets", Resource: "*"}), ""); err != nil {
		return nil, err
	}
	req := &secrets.ListSecretsRequest{
		IncludePlannedDeletion: in.IncludePlannedDeletion, NextToken: in.NextToken, SortOrder: in.SortOrder, SortBy: in.SortBy,
	}
	if in.MaxResults != nil {
		req.MaxResults = *in.MaxResults
		if req.MaxResults == 0 {
			req.MaxResults = -1 // explicitly 0: out of range, not the default
		}
	}
	for _, f := range in.Filters {
		req.Filters = append(req.Filters, secrets.Filter{Key: f.Key, Values: f.Values})
	}
	out, err := a.svc.ListSecrets(ctx, req)
	if err != nil {
		return nil, err
	}
	list := &ListSecretsOutput{SecretList: make([]SecretListEntry, 0, len(out.Secrets)), NextToken: out.NextToken}
	for _, sec := range out.Secrets {
		d := describe(sec)
		list.SecretList = append(list.SecretList, SecretListEntry{
			ARN: d.ARN, Name: d.Name, Description: d.Description, KmsKeyId: d.KmsKeyId,
			LastChangedDate: d.LastChangedDate, LastAccessedDate: d.LastAccessedDate, DeletedDate: d.DeletedDate,
			Tags: d.Tags, SecretVersionsToStages: d.VersionIdsToStages, CreatedDate: d.CreatedDate,
		})
	}
	return list, nil
}

// PutSecretValueInput is the PutSecretValue request.
type PutSecretValueInput struct {
	SecretId           string
	ClientRequestToken string
	SecretString       *string
	SecretBinary       []byte
	VersionStages      []string
}

// PutSecretValueOutput is the PutSecretValue reply.
type PutSecretValueOutput struct {
	ARN           string   `json:"ARN"`
	Name          string   `json:"Name"`
	VersionId     string   `json:"VersionId"`
	VersionStages []string `json:"VersionStages"`
}

// PutSecretValue implements secretsmanager.PutSecretValue.
func (a *API) PutSecretValue(ctx context.Context, in *PutSecretValueInput) (*PutSecretValueOutput, error) {
	if err := a.authorize(ctx, "secretsmanager:PutSecretValue", in.SecretId, nil); err != nil {
		return nil, err
	}
	out, err := a.svc.PutSecretValue(ctx, &secrets.PutSecretValueRequest{
		SecretID: in.SecretId, ClientRequestToken: in.ClientRequestToken, SecretString: in.SecretString,
		SecretBinary: in.SecretBinary, VersionStages: in.VersionStages,
	})
	if err != nil {
		return nil, err
	}
	return &PutSecretValueOutput{ARN: out.ARN, Name: out.Name, VersionId: out.VersionID, VersionStages: out.VersionStages}, nil
}

// UpdateSecretInput is the UpdateSecret request.
type UpdateSecretInput struct {
	SecretId           string
	ClientRequestToken string
	Description        *string
	KmsKeyId           *string
	SecretString       *string
	SecretBinary       []byte
}

// UpdateSecretOutput is the UpdateSecret reply.
type UpdateSecretOutput struct {
	ARN       string `json:"ARN"`
	Name      string `json:"Name"`
	VersionId string `json:"VersionId,omitempty"`
}

// UpdateSecret implements secretsmanager.UpdateSecret.
func (a *API) UpdateSecret(ctx context.Context, in *UpdateSecretInput) (*UpdateSecretOutput, error) {
	if err := a.authorize(ctx, "secretsmanager:UpdateSecret", in.SecretId, nil); err != nil {
		return nil, err
	}
	out, err := a.svc.UpdateSecret(ctx, &secrets.UpdateSecretRequest{
		SecretID: in.SecretId, ClientRequestToken: in.ClientRequestToken, Description: in.Description,
		KmsKeyID: in.KmsKeyId, SecretString: in.SecretString, SecretBinary: in.SecretBinary,
	})
	if err != nil {
		return nil, err
	}
	return &UpdateSecretOutput{ARN: out.ARN, Name: out.Name, VersionId: out.VersionID}, nil
}

// DeleteSecretInput is the DeleteSecret request.
type DeleteSecretInput struct {
	SecretId                   string
	RecoveryWindowInDays       *int64
	ForceDeleteWithoutRecovery bool
}

// DeleteSecretOutput is the DeleteSecret reply.
type DeleteSecretOutput struct {
	ARN          string        `json:"ARN,omitempty"`
	Name         string        `json:"Name"`
	DeletionDate *awsjson.Time `json:"DeletionDate,omitempty"`
}

// DeleteSecret implements secretsmanager.DeleteSecret.
func (a *API) DeleteSecret(ctx context.Context, in *DeleteSecretInput) (*DeleteSecretOutput, error) {
	if err := a.authorize(ctx, "secretsmanager:DeleteSecret", in.SecretId, nil); err != nil {
		return nil, err
	}
	req := &secrets.DeleteSecretRequest{SecretID: in.SecretId, ForceDeleteWithoutRecovery: in.ForceDeleteWithoutRecovery}
	if in.RecoveryWindowInDays != nil {
		req.RecoveryWindowInDays = *in.RecoveryWindowInDays
		if req.RecoveryWindowInDays == 0 {
			req.RecoveryWindowInDays = -1 // explicitly 0: out of range, not the default
		}
	}
	out, err := a.svc.DeleteSecret(ctx, req)
	if err != nil {
		return nil, err
	}
	return &DeleteSecretOutput{ARN: out.ARN, Name: out.Name, DeletionDate: timePtr(out.DeletionDate)}, nil
}

// RestoreSecretInput is the RestoreSecret request.
type RestoreSecretInput struct{ SecretId string }

// RestoreSecretOutput is the RestoreSecret reply.
type RestoreSecretOutput struct {
	ARN  string `json:"ARN"`
	Name string `json:"Name"`
}

// RestoreSecret implements secretsmanager.RestoreSecret.
func (a *API) RestoreSecret(ctx context.Context, in *RestoreSecretInput) (*RestoreSecretOutput, error) {
	if err := a.authorize(ctx, "secretsmanager:RestoreSecret", in.SecretId, nil); err != nil {
		return nil, err
	}
	out, err := a.svc.RestoreSecret(ctx, &secrets.RestoreSecretRequest{SecretID: in.SecretId})
	if err != nil {
		return nil, err
	}
	return &RestoreSecretOutput{ARN: out.ARN, Name: out.Name}, nil
}

// TagResourceInput is the TagResource request.
type TagResourceInput struct {
	SecretId string
	Tags     []Tag
}

// TagResourceOutput is the (empty) TagResource reply.
type TagResourceOutput struct{}

// TagResource implements secretsmanager.TagResource.
func (a *API) TagResource(ctx context.Context, in *TagResourceInput) (*TagResourceOutput, error) {
	if err := a.authorize(ctx, "secretsmanager:TagResource", in.SecretId, in.Tags); err != nil {
		return nil, err
	}
	if _, err := a.svc.TagResource(ctx, &secrets.TagResourceRequest{SecretID: in.SecretId, Tags: fromTags(in.Tags)}); err != nil {
		return nil, err
	}
	return &TagResourceOutput{}, nil
}

// UntagResourceInput is the UntagResource request.
type UntagResourceInput struct {
	SecretId string
	TagKeys  []string
}

// UntagResourceOutput is the (empty) UntagResource reply.
type UntagResourceOutput struct{}

// UntagResource implements secretsmanager.UntagResource.
func (a *API) UntagResource(ctx context.Context, in *UntagResourceInput) (*UntagResourceOutput, error) {
	if err := a.authorize(ctx, "secretsmanager:UntagResource", in.SecretId, nil, in.TagKeys...); err != nil {
		return nil, err
	}
	if _, err := a.svc.UntagResource(ctx, &secrets.UntagResourceRequest{SecretID: in.SecretId, TagKeys: in.TagKeys}); err != nil {
		return nil, err
	}
	return &UntagResourceOutput{}, nil
}
