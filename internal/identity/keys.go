// Access keys: create, list, update, delete, and the lookup SigV4 verification uses.

package identity

import (
	"context"
	"errors"
	"fmt"

	"github.com/rsdata/rsdata/internal/ids"
)

// NewAccessKey is a key just created, with its secret in clear: the only
// time the secret is returned.
type NewAccessKey struct {
	AccessKey
	Secret string
}

// CreateAccessKey creates an Active access key for a user.
func (s *Service) CreateAccessKey(ctx context.Context, userName string) (*NewAccessKey, error) {
	secret := ids.Token(40, secretAlphabet)
	sealed, err := s.sealer.Seal([]byte(secret))
	if err != nil {
		return nil, err
	}
	k := AccessKey{ID: newID("AKIA"), UserName: userName, Status: Active, CreatedAt: s.now(), SealedSecret: sealed}
	if err := s.store.CreateAccessKey(ctx, &k, maxAccessKeysPerUser); err != nil {
		if errors.Is(err, ErrLimitExceeded) {
			return nil, errorf(ErrLimitExceeded, "Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeysPerUser)
		}
		return nil, ownerErr(Owner{KindUser, userName}, err)
	}
	return &NewAccessKey{AccessKey: k, Secret: secret}, nil
}

// ListAccessKeys returns a user's keys (sealed secrets included; callers
// must not expose them).
func (s *Service) ListAccessKeys(ctx context.Context, userName string) ([]*AccessKey, error) {
	keys, err := s.store.ListAccessKeys(ctx, userName)
	return keys, ownerErr(Owner{KindUser, userName}, err)
}

// UpdateAccessKeyInput is UpdateAccessKey's request.
type UpdateAccessKeyInput struct {
	UserName    string
	AccessKeyID string
	Status      AccessKeyStatus
}

// UpdateAccessKey activates or deactivates a key.
func (s *Service) UpdateAccessKey(ctx context.Context, in UpdateAccessKeyInput) error {
	if in.Status != Active && in.Status != Inactive {
		return constraint(string(in.Status), "status", "Member must satisfy enum value set: [Active, Inactive]")
	}
	if _, err := s.GetUser(ctx, in.UserName); err != nil {
		return err
	}
	return s.noSuchKey(in.AccessKeyID, s.store.UpdateAccessKey(ctx, in.UserName, in.AccessKeyID, in.Status))
}

// DeleteAccessKey deletes a user's key.
func (s *Service) DeleteAccessKey(ctx context.Context, userName, accessKeyID string) error {
	if _, err := s.GetUser(ctx, userName); err != nil {
		return err
	}
	return s.noSuchKey(accessKeyID, s.store.DeleteAccessKey(ctx, userName, accessKeyID))
}

func (s *Service) noSuchKey(id string, err error) error {
	if errors.Is(err, ErrNoSuchEntity) && !hasMessage(err) {
		return errorf(ErrNoSuchEntity, "The Access Key with id %s cannot be found.", id)
	}
	return err
}

// LookupKey returns the secret of an Active access key and the user owning it; unknown or inactive keys → ErrUnknownKey.
func (s *Service) LookupKey(ctx context.Context, accessKeyID string) (secret string, u *User, err error) {
	k, err := s.store.GetAccessKey(ctx, accessKeyID)
	if errors.Is(err, ErrNoSuchEntity) {
		return "", nil, ErrUnknownKey
	}
	if err != nil {
		return "", nil, err
	}
	if k.Status != Active {
		return "", nil, ErrUnknownKey
	}
	plain, err := s.sealer.Open(k.SealedSecret)
	if err != nil {
		return "", nil, fmt.Errorf("access key %s: %w", accessKeyID, err)
	}
	u, err = s.store.GetUser(ctx, k.UserName)
	if errors.Is(err, ErrNoSuchEntity) {
		return "", nil, ErrUnknownKey
	}
	if err != nil {
		return "", nil, err
	}
	return string(plain), u, nil
}
