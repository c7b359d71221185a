// A secret's life: CreateSecret, UpdateSecret, DeleteSecret, RestoreSecret.

package secrets

import (
	"context"
	"errors"
	"time"

	"github.com/rsdata/rsdata/internal/ids"
)

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
