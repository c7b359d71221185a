// Secret values and their versions: PutSecretValue and the staging-label bookkeeping CreateSecret and UpdateSecret share.

package secrets

import (
	"bytes"
	"context"
	"slices"
	"time"

	"github.com/rsdata/rsdata/internal/ids"
)

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
