package secrets

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/rsdata/rsdata/internal/ids"
)

var namePattern = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]+$`)

func validName(name string) error {
	if len(name) < 1 || len(name) > maxNameLen || !namePattern.MatchString(name) {
		return invalidParam("%s", msgBadName)
	}
	return nil
}

func validToken(token string) error {
	if token != "" && (len(token) < minTokenLen || len(token) > maxTokenLen) {
		return invalidParam("ClientRequestToken must be between %d and %d characters long.", minTokenLen, maxTokenLen)
	}
	return nil
}

func validTags(tags []Tag) error {
	for _, t := range tags {
		if len(t.Key) < 1 || len(t.Key) > maxTagKeyLen {
			return invalidParam("The tag key must be between 1 and %d characters long.", maxTagKeyLen)
		}
		if len(t.Value) > maxTagValueLen {
			return invalidParam("The tag value must be at most %d characters long.", maxTagValueLen)
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return invalidParam("Tag keys starting with aws: are reserved for AWS use.")
		}
	}
	return nil
}

// mergeTags sets each of add on tags, keeping keys unique and sorted.
func mergeTags(tags, add []Tag) ([]Tag, error) {
	m := make(map[string]string, len(tags)+len(add))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	for _, t := range add {
		m[t.Key] = t.Value
	}
	if len(m) > maxTags {
		return nil, invalidParam("The number of tags on a secret can't exceed %d.", maxTags)
	}
	out := make([]Tag, 0, len(m))
	for k, v := range m {
		out = append(out, Tag{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// value is a requested secret value: a string or bytes.
type value struct {
	binary bool
	data   []byte
}

func newValue(str *string, bin []byte, required bool) (*value, error) {
	switch {
	case str != nil && bin != nil:
		return nil, invalidParam("%s", msgBothValues)
	case str != nil:
		if len(*str) < 1 || len(*str) > maxValueLen {
			return nil, invalidParam("SecretString must be between 1 and %d characters long.", maxValueLen)
		}
		return &value{data: []byte(*str)}, nil
	case bin != nil:
		if len(bin) < 1 || len(bin) > maxValueLen {
			return nil, invalidParam("SecretBinary must be between 1 and %d bytes long.", maxValueLen)
		}
		return &value{binary: true, data: bin}, nil
	case required:
		return nil, invalidParam("%s", msgNoValue)
	}
	return nil, nil
}

// addVersion adds val to sec as version token (a new UUID if empty) with
// the given staging labels (AWSCURRENT if none), moving those labels off
// other versions and AWSPREVIOUS onto the version that loses AWSCURRENT.
// A retry with the token of an existing version and the same value changes
// nothing; with another value it is an ExistsError.
func (s *Service) addVersion(sec *Secret, token string, val *value, stages []string, now time.Time) (*Version, bool, error) {
	if token == "" {
		token = ids.UUID()
	}
	if len(stages) == 0 {
		stages = []string{StageCurrent}
	}
	if len(stages) > maxStages {
		return nil, false, invalidParam("A version can have at most %d staging labels.", maxStages)
	}
	for _, st := range stages {
		if len(st) < 1 || len(st) > maxStageLen {
			return nil, false, invalidParam("Staging labels must be between 1 and %d characters long.", maxStageLen)
		}
	}
	if v := sec.version(token); v != nil {
		old, err := s.sealer.Open(v.Sealed)
		if err != nil {
			return nil, false, err
		}
		if v.Binary == val.binary && bytes.Equal(old, val.data) {
			return v, false, nil
		}
		return nil, false, &ExistsError{Message: msgVersionExists}
	}
	sealed, err := s.sealer.Seal(val.data)
	if err != nil {
		return nil, false, err
	}
	stages = slices.Compact(slices.Sorted(slices.Values(stages)))
	if slices.Contains(stages, StageCurrent) {
		if cur := sec.staged(StageCurrent); cur != nil {
			for i := range sec.Versions {
				sec.Versions[i].Stages = slices.DeleteFunc(sec.Versions[i].Stages, func(l string) bool { return l == StagePrevious })
			}
			cur.Stages = append(cur.Stages, StagePrevious)
		}
	}
	for i := range sec.Versions {
		sec.Versions[i].Stages = slices.DeleteFunc(sec.Versions[i].Stages, func(l string) bool { return slices.Contains(stages, l) })
	}
	sec.Versions = append(sec.Versions, Version{ID: token, Stages: stages, CreatedDate: now, Binary: val.binary, Sealed: sealed})
	// Drop the oldest deprecated versions beyond the limit.
	for len(sec.Versions) > maxVersions {
		i := slices.IndexFunc(sec.Versions, func(v Version) bool { return len(v.Stages) == 0 })
		if i < 0 {
			break
		}
		sec.Versions = slices.Delete(sec.Versions, i, i+1)
	}
	sec.LastChangedDate = now
	return &sec.Versions[len(sec.Versions)-1], true, nil
}

// CreateSecretRequest is CreateSecret's input.
type CreateSecretRequest struct {
	Name               string
	ClientRequestToken string
	Description        string
	KmsKeyID           string
	SecretString       *string
	SecretBinary       []byte
	Tags               []Tag
}

// CreateSecretResponse is CreateSecret's output; VersionID is empty when
// the secret was created without a value.
type CreateSecretResponse struct {
	ARN, Name, VersionID string
}

// CreateSecret creates a secret, with a first version labelled AWSCURRENT
// if a value is given.
func (s *Service) CreateSecret(ctx context.Context, req *CreateSecretRequest) (*CreateSecretResponse, error) {
	if err := validName(req.Name); err != nil {
		return nil, err
	}
	if err := validToken(req.ClientRequestToken); err != nil {
		return nil, err
	}
	if len(req.Description) > maxDescriptionLen {
		return nil, invalidParam("Description must be at most %d characters long.", maxDescriptionLen)
	}
	if len(req.KmsKeyID) > maxKmsKeyIDLen {
		return nil, invalidParam("KmsKeyId must be at most %d characters long.", maxKmsKeyIDLen)
	}
	if err := validTags(req.Tags); err != nil {
		return nil, err
	}
	tags, err := mergeTags(nil, req.Tags)
	if err != nil {
		return nil, err
	}
	val, err := newValue(req.SecretString, req.SecretBinary, false)
	if err != nil {
		return nil, err
	}
	now := s.now()
	sec := &Secret{
		ARN: s.newARN(req.Name), Name: req.Name, Description: req.Description, KmsKeyID: req.KmsKeyID,
		Tags: tags, CreatedDate: now, LastChangedDate: now,
	}
	out := &CreateSecretResponse{ARN: sec.ARN, Name: sec.Name}
	if val != nil {
		v, _, err := s.addVersion(sec, req.ClientRequestToken, val, nil, now)
		if err != nil {
			return nil, err
		}
		out.VersionID = v.ID
	}
	if err := s.store.CreateSecret(ctx, sec); err != nil {
		if errors.Is(err, ErrNameTaken) {
			return nil, nameExists(req.Name)
		}
		return nil, err
	}
	return out, nil
}

// GetSecretValueRequest is GetSecretValue's input. With neither VersionID
// nor VersionStage the AWSCURRENT version is read.
type GetSecretValueRequest struct {
	SecretID     string
	VersionID    string
	VersionStage string
}

// GetSecretValueResponse is GetSecretValue's output: exactly one of
// SecretString and SecretBinary is set.
type GetSecretValueResponse struct {
	ARN, Name, VersionID string
	SecretString         *string
	SecretBinary         []byte
	VersionStages        []string
	CreatedDate          time.Time
}

// GetSecretValue returns a version's value and records the access date.
func (s *Service) GetSecretValue(ctx context.Context, req *GetSecretValueRequest) (*GetSecretValueResponse, error) {
	sec, v, plain, err := s.read(ctx, req)
	if err != nil {
		return nil, err
	}
	out := &GetSecretValueResponse{
		ARN: sec.ARN, Name: sec.Name, VersionID: v.ID,
		VersionStages: slices.Clone(v.Stages), CreatedDate: v.CreatedDate,
	}
	if v.Binary {
		out.SecretBinary = plain
	} else {
		str := string(plain)
		out.SecretString = &str
	}
	return out, nil
}

func (s *Service) read(ctx context.Context, req *GetSecretValueRequest) (*Secret, *Version, []byte, error) {
	if req.VersionID != "" && (len(req.VersionID) < minTokenLen || len(req.VersionID) > maxTokenLen) {
		return nil, nil, nil, invalidParam("VersionId must be between %d and %d characters long.", minTokenLen, maxTokenLen)
	}
	sec, err := s.find(ctx, req.SecretID)
	if err != nil {
		return nil, nil, nil, err
	}
	if sec.ScheduledForDeletion() {
		return nil, nil, nil, ErrMarkedForDeletion
	}
	var v *Version
	switch {
	case req.VersionID != "":
		v = sec.version(req.VersionID)
		if v == nil {
			return nil, nil, nil, &NotFoundError{Message: "Secrets Manager can't find the specified secret value for VersionId: " + req.VersionID}
		}
		if req.VersionStage != "" && !slices.Contains(v.Stages, req.VersionStage) {
			return nil, nil, nil, &InvalidRequestError{Message: "You provided a VersionStage that is not associated to the provided VersionId."}
		}
	default:
		stage := req.VersionStage
		if stage == "" {
			stage = StageCurrent
		}
		v = sec.staged(stage)
		if v == nil {
			return nil, nil, nil, &NotFoundError{Message: "Secrets Manager can't find the specified secret value for staging label: " + stage}
		}
	}
	plain, err := s.sealer.Open(v.Sealed)
	if err != nil {
		return nil, nil, nil, err
	}
	day := s.now().Truncate(24 * time.Hour)
	if !sec.LastAccessedDate.Equal(day) {
		if err := s.store.TouchSecret(ctx, sec.ARN, day); err != nil {
			return nil, nil, nil, err
		}
		sec.LastAccessedDate = day
	}
	return sec, v, plain, nil
}

// DescribeSecretRequest is DescribeSecret's input.
type DescribeSecretRequest struct{ SecretID string }

// DescribeSecret returns a secret's metadata, also while it is scheduled
// for deletion. The versions carry no values.
func (s *Service) DescribeSecret(ctx context.Context, req *DescribeSecretRequest) (*Secret, error) {
	sec, err := s.find(ctx, req.SecretID)
	if err != nil {
		return nil, err
	}
	return sec.public(), nil
}

// Filter is a ListSecrets filter: Key is description, name, tag-key,
// tag-value, primary-region, owning-service or all; a value starting with
// "!" excludes what it matches.
type Filter struct {
	Key    string
	Values []string
}

// ListSecretsRequest is ListSecrets' input. MaxResults 0 means 100.
// SortBy is created-date (the default), last-accessed-date,
// last-changed-date or name; SortOrder asc (the default) or desc.
type ListSecretsRequest struct {
	IncludePlannedDeletion bool
	MaxResults             int
	NextToken              string
	Filters                []Filter
	SortBy                 string
	SortOrder              string
}

// ListSecretsResponse is a page of secrets, without values.
type ListSecretsResponse struct {
	Secrets   []*Secret
	NextToken string
}

func (f Filter) validate() error {
	switch f.Key {
	case "description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all":
	default:
		return invalidParam("Invalid filter key: %s", f.Key)
	}
	if len(f.Values) < 1 || len(f.Values) > 10 {
		return invalidParam("A filter must have between 1 and 10 values.")
	}
	return nil
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// matches reports whether sec matches one filter value (without its "!").
func (f Filter) matches(sec *Secret, val string) bool {
	switch f.Key {
	case "name":
		return strings.HasPrefix(sec.Name, val)
	case "description":
		return hasPrefixFold(sec.Description, val)
	case "tag-key":
		return slices.ContainsFunc(sec.Tags, func(t Tag) bool { return strings.HasPrefix(t.Key, val) })
	case "tag-value":
		return slices.ContainsFunc(sec.Tags, func(t Tag) bool { return strings.HasPrefix(t.Value, val) })
	case "all":
		var attrs []string
		attrs = append(attrs, words(sec.Name)...)
		attrs = append(attrs, words(sec.Description)...)
		for _, t := range sec.Tags {
			attrs = append(attrs, words(t.Key)...)
			attrs = append(attrs, words(t.Value)...)
		}
		for _, w := range words(val) {
			if !slices.ContainsFunc(attrs, func(a string) bool { return hasPrefixFold(a, w) }) {
				return false
			}
		}
		return true
	}
	return false // primary-region, owning-service: rsdata secrets have neither
}

func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// keep applies one filter: some positive value matches (if there are any)
// and no negated value does.
func (f Filter) keep(sec *Secret) bool {
	positive, hit := false, false
	for _, v := range f.Values {
		if neg, ok := strings.CutPrefix(v, "!"); ok {
			if f.matches(sec, neg) {
				return false
			}
			continue
		}
		positive = true
		hit = hit || f.matches(sec, v)
	}
	return !positive || hit
}

// tokenKind names ListSecrets tokens to pagetoken.
const tokenKind = "secrets/ListSecrets"

func (s *Service) encodeToken(offset int) string {
	return s.opts.Tokens.Encode(tokenKind, strconv.Itoa(offset))
}

func (s *Service) decodeToken(tok string) (int, error) {
	n, ok := s.opts.Tokens.Decode(tokenKind, tok)
	if !ok {
		return 0, ErrBadNextToken
	}
	off, err := strconv.Atoi(n)
	if err != nil || off < 0 {
		return 0, ErrBadNextToken
	}
	return off, nil
}

// ListSecrets returns a page of the secrets that pass every filter, not
// counting those scheduled for deletion unless asked. A NextToken is an
// offset into the sorted list.
func (s *Service) ListSecrets(ctx context.Context, req *ListSecretsRequest) (*ListSecretsResponse, error) {
	max := req.MaxResults
	if max == 0 {
		max = 100
	}
	if max < 1 || max > 100 {
		return nil, invalidParam("MaxResults must be between 1 and 100.")
	}
	for _, f := range req.Filters {
		if err := f.validate(); err != nil {
			return nil, err
		}
	}
	var key func(*Secret) time.Time
	switch req.SortBy {
	case "", "created-date":
		key = func(s *Secret) time.Time { return s.CreatedDate }
	case "last-accessed-date":
		key = func(s *Secret) time.Time { return s.LastAccessedDate }
	case "last-changed-date":
		key = func(s *Secret) time.Time { return s.LastChangedDate }
	case "name":
	default:
		return nil, invalidParam("Invalid SortBy value: %s", req.SortBy)
	}
	if req.SortOrder != "" && req.SortOrder != "asc" && req.SortOrder != "desc" {
		return nil, invalidParam("Invalid SortOrder value: %s", req.SortOrder)
	}
	offset := 0
	if req.NextToken != "" {
		var err error
		if offset, err = s.decodeToken(req.NextToken); err != nil {
			return nil, err
		}
	}
	all, err := s.store.ListSecrets(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var kept []*Secret
	for _, sec := range all {
		if sec.ScheduledForDeletion() && (!req.IncludePlannedDeletion || !now.Before(sec.DeletionDate)) {
			continue
		}
		if !slices.ContainsFunc(req.Filters, func(f Filter) bool { return !f.keep(sec) }) {
			kept = append(kept, sec.public())
		}
	}
	sort.SliceStable(kept, func(i, j int) bool {
		a, b := kept[i], kept[j]
		if req.SortOrder == "desc" {
			a, b = b, a
		}
		if key != nil && !key(a).Equal(key(b)) {
			return key(a).Before(key(b))
		}
		return a.Name < b.Name
	})
	if offset > len(kept) {
		return nil, ErrBadNextToken
	}
	out := &ListSecretsResponse{Secrets: kept[offset:min(offset+max, len(kept))]}
	if offset+max < len(kept) {
		out.NextToken = s.encodeToken(offset + max)
	}
	return out, nil
}

// PutSecretValueRequest is PutSecretValue's input.
type PutSecretValueRequest struct {
	SecretID           string
	ClientRequestToken string
	SecretString       *string
	SecretBinary       []byte
	VersionStages      []string
}

// PutSecretValueResponse is PutSecretValue's output.
type PutSecretValueResponse struct {
	ARN, Name, VersionID string
	VersionStages        []string
}

// PutSecretValue adds a version. Without VersionStages it becomes
// AWSCURRENT and the previous current version AWSPREVIOUS. It is
// idempotent on ClientRequestToken.
func (s *Service) PutSecretValue(ctx context.Context, req *PutSecretValueRequest) (*PutSecretValueResponse, error) {
	if err := validToken(req.ClientRequestToken); err != nil {
		return nil, err
	}
	val, err := newValue(req.SecretString, req.SecretBinary, true)
	if err != nil {
		return nil, err
	}
	token := req.ClientRequestToken
	if token == "" {
		token = ids.UUID()
	}
	var out *PutSecretValueResponse
	_, err = s.mutate(ctx, req.SecretID, func(sec *Secret, now time.Time) (bool, error) {
		if sec.ScheduledForDeletion() {
			return false, ErrMarkedForDeletion
		}
		v, changed, err := s.addVersion(sec, token, val, req.VersionStages, now)
		if err != nil {
			return false, err
		}
		out = &PutSecretValueResponse{ARN: sec.ARN, Name: sec.Name, VersionID: v.ID, VersionStages: slices.Clone(v.Stages)}
		return changed, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateSecretRequest is UpdateSecret's input; nil members are left as
// they are.
type UpdateSecretRequest struct {
	SecretID           string
	ClientRequestToken string
	Description        *string
	KmsKeyID           *string
	SecretString       *string
	SecretBinary       []byte
}

// UpdateSecretResponse is UpdateSecret's output; VersionID is set when a
// value was given.
type UpdateSecretResponse struct {
	ARN, Name, VersionID string
}

// UpdateSecret changes the description or KMS key id and, given a value,
// adds it as the AWSCURRENT version.
func (s *Service) UpdateSecret(ctx context.Context, req *UpdateSecretRequest) (*UpdateSecretResponse, error) {
	if err := validToken(req.ClientRequestToken); err != nil {
		return nil, err
	}
	if req.Description != nil && len(*req.Description) > maxDescriptionLen {
		return nil, invalidParam("Description must be at most %d characters long.", maxDescriptionLen)
	}
	if req.KmsKeyID != nil && len(*req.KmsKeyID) > maxKmsKeyIDLen {
		return nil, invalidParam("KmsKeyId must be at most %d characters long.", maxKmsKeyIDLen)
	}
	val, err := newValue(req.SecretString, req.SecretBinary, false)
	if err != nil {
		return nil, err
	}
	token := req.ClientRequestToken
	if token == "" {
		token = ids.UUID()
	}
	var out *UpdateSecretResponse
	_, err = s.mutate(ctx, req.SecretID, func(sec *Secret, now time.Time) (bool, error) {
		if sec.ScheduledForDeletion() {
			return false, ErrMarkedForDeletion
		}
		out = &UpdateSecretResponse{ARN: sec.ARN, Name: sec.Name}
		changed := false
		if req.Description != nil && *req.Description != sec.Description {
			sec.Description, changed = *req.Description, true
		}
		if req.KmsKeyID != nil && *req.KmsKeyID != sec.KmsKeyID {
			sec.KmsKeyID, changed = *req.KmsKeyID, true
		}
		if val != nil {
			v, added, err := s.addVersion(sec, token, val, nil, now)
			if err != nil {
				return false, err
			}
			out.VersionID = v.ID
			changed = changed || added
		}
		if changed {
			sec.LastChangedDate = now
		}
		return changed, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteSecretRequest is DeleteSecret's input. RecoveryWindowInDays 0
// means the default of 30.
type DeleteSecretRequest struct {
	SecretID                   string
	RecoveryWindowInDays       int64
	ForceDeleteWithoutRecovery bool
}

// DeleteSecretResponse is DeleteSecret's output.
type DeleteSecretResponse struct {
	ARN, Name    string
	DeletionDate time.Time
}

// DeleteSecret schedules the secret for deletion after the recovery
// window, or removes it at once with ForceDeleteWithoutRecovery (which is
// not an error for a missing secret).
func (s *Service) DeleteSecret(ctx context.Context, req *DeleteSecretRequest) (*DeleteSecretResponse, error) {
	if req.ForceDeleteWithoutRecovery && req.RecoveryWindowInDays != 0 {
		return nil, invalidParam("%s", msgForceAndWindow)
	}
	days := req.RecoveryWindowInDays
	if days == 0 {
		days = defaultWindowDays
	}
	if days < minWindowDays || days > maxWindowDays {
		return nil, invalidParam("%s", msgWindow)
	}
	if req.ForceDeleteWithoutRecovery {
		now := s.now()
		sec, err := s.find(ctx, req.SecretID)
		if errors.Is(err, ErrNotFound) {
			return &DeleteSecretResponse{ARN: s.ResourceARN(req.SecretID), Name: req.SecretID, DeletionDate: now}, nil
		}
		if err != nil {
			return nil, err
		}
		if err := s.store.DeleteSecret(ctx, sec.ARN); err != nil {
			return nil, err
		}
		return &DeleteSecretResponse{ARN: sec.ARN, Name: sec.Name, DeletionDate: now}, nil
	}
	sec, err := s.mutate(ctx, req.SecretID, func(sec *Secret, now time.Time) (bool, error) {
		if sec.ScheduledForDeletion() {
			return false, ErrMarkedForDeletion
		}
		sec.DeletedDate = now
		sec.DeletionDate = now.Add(time.Duration(days) * 24 * time.Hour)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteSecretResponse{ARN: sec.ARN, Name: sec.Name, DeletionDate: sec.DeletionDate}, nil
}

// RestoreSecretRequest is RestoreSecret's input.
type RestoreSecretRequest struct{ SecretID string }

// RestoreSecretResponse is RestoreSecret's output.
type RestoreSecretResponse struct{ ARN, Name string }

// RestoreSecret cancels a scheduled deletion; restoring a secret that is
// not scheduled for deletion does nothing.
func (s *Service) RestoreSecret(ctx context.Context, req *RestoreSecretRequest) (*RestoreSecretResponse, error) {
	sec, err := s.mutate(ctx, req.SecretID, func(sec *Secret, _ time.Time) (bool, error) {
		if !sec.ScheduledForDeletion() {
			return false, nil
		}
		sec.DeletedDate, sec.DeletionDate = time.Time{}, time.Time{}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return &RestoreSecretResponse{ARN: sec.ARN, Name: sec.Name}, nil
}

// TagResourceRequest is TagResource's input.
type TagResourceRequest struct {
	SecretID string
	Tags     []Tag
}

// TagResourceResponse is TagResource's (empty) output.
type TagResourceResponse struct{}

// TagResource adds tags, replacing the values of keys already present.
func (s *Service) TagResource(ctx context.Context, req *TagResourceRequest) (*TagResourceResponse, error) {
	if err := validTags(req.Tags); err != nil {
		return nil, err
	}
	_, err := s.mutate(ctx, req.SecretID, func(sec *Secret, now time.Time) (bool, error) {
		if sec.ScheduledForDeletion() {
			return false, ErrMarkedForDeletion
		}
		tags, err := mergeTags(sec.Tags, req.Tags)
		if err != nil {
			return false, err
		}
		sec.Tags, sec.LastChangedDate = tags, now
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return &TagResourceResponse{}, nil
}

// UntagResourceRequest is UntagResource's input.
type UntagResourceRequest struct {
	SecretID string
	TagKeys  []string
}

// UntagResourceResponse is UntagResource's (empty) output.
type UntagResourceResponse struct{}

// UntagResource removes the tags with the given keys; absent keys are not
// an error.
func (s *Service) UntagResource(ctx context.Context, req *UntagResourceRequest) (*UntagResourceResponse, error) {
	_, err := s.mutate(ctx, req.SecretID, func(sec *Secret, now time.Time) (bool, error) {
		if sec.ScheduledForDeletion() {
			return false, ErrMarkedForDeletion
		}
		n := len(sec.Tags)
		sec.Tags = slices.DeleteFunc(sec.Tags, func(t Tag) bool { return slices.Contains(req.TagKeys, t.Key) })
		if len(sec.Tags) == n {
			return false, nil
		}
		sec.LastChangedDate = now
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return &UntagResourceResponse{}, nil
}
