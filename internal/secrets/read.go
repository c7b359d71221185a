// Reading one secret: GetSecretValue and DescribeSecret.

package secrets

import (
	"context"
	"slices"
	"time"
)

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
