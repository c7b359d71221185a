package datastore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/rsdata/rsdata/internal/ids"
)

// Role is a token's role; a stronger role can do what a weaker one can.
type Role int

// The roles, weakest first.
const (
	Member Role = iota + 1
	Editor
	Manager
	Admin
)

var roleNames = map[Role]string{Member: "Member", Editor: "Editor", Manager: "Manager", Admin: "Admin"}

func (r Role) String() string { return roleNames[r] }

// ParseRole reads a role name, in any case.
func ParseRole(s string) (Role, bool) {
	for r, n := range roleNames {
		if strings.EqualFold(n, s) {
			return r, true
		}
	}
	return 0, false
}

// TokenPrefix starts every token, so a leaked one is recognisable.
const TokenPrefix = "rsdt_"

const tokenAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// NewTokenSecret returns a fresh random token (238 bits).
func NewTokenSecret() string { return TokenPrefix + ids.Token(40, tokenAlphabet) }

// HashToken is what the store keeps of a token.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Authenticate returns the live token secret names, or ErrUnauthorized.
func (s *Service) Authenticate(ctx context.Context, secret string) (*Token, error) {
	if secret == "" {
		return nil, ErrUnauthorized
	}
	t, err := s.store.TokenByHash(ctx, HashToken(secret))
	if isNotFound(err) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, err
	}
	if !t.RevokedAt.IsZero() {
		return nil, ErrUnauthorized
	}
	return t, nil
}

// Require returns ErrForbidden (wrapped, naming the role needed) when t's
// role is weaker than need.
func Require(t *Token, need Role) error {
	if t == nil || t.Role < need {
		return fmt.Errorf("%w: this operation requires the %s role", ErrForbidden, need)
	}
	return nil
}

// CreateToken makes a token with a role and returns it with its secret,
// which is shown this once.
func (s *Service) CreateToken(ctx context.Context, name string, role Role) (*Token, string, error) {
	if strings.TrimSpace(name) == "" {
		return nil, "", invalid("name", "is required")
	}
	if len(name) > 200 {
		return nil, "", invalid("name", "must be at most 200 characters")
	}
	if _, ok := roleNames[role]; !ok {
		return nil, "", invalid("role", "must be one of Member, Editor, Manager, Admin")
	}
	secret := NewTokenSecret()
	t := &Token{Name: name, Role: role, Hash: HashToken(secret)}
	if err := s.store.CreateToken(ctx, t); err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// EnsureAdminToken makes the first Admin token when there is no token at
// all: with secret when given (RSDATA_ADMIN_TOKEN), else a fresh one. It
// returns the secret of a token it created, "" when tokens already exist
// (a given secret is then added as an Admin token unless known already).
func (s *Service) EnsureAdminToken(ctx context.Context, secret string) (created string, err error) {
	if secret != "" {
		if len(secret) < 16 {
			return "", fmt.Errorf("the admin token must be at least 16 characters")
		}
		if _, err := s.store.TokenByHash(ctx, HashToken(secret)); err == nil {
			return "", nil
		} else if !isNotFound(err) {
			return "", err
		}
		t := &Token{Name: "admin (RSDATA_ADMIN_TOKEN)", Role: Admin, Hash: HashToken(secret)}
		err := s.store.CreateToken(ctx, t)
		var ce *ConflictError
		if errors.As(err, &ce) {
			// Replicas started together with one RSDATA_ADMIN_TOKEN: another
			// added it first.
			return "", nil
		}
		return "", err
	}
	n, err := s.store.CountTokens(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	secret = NewTokenSecret()
	t := &Token{Name: "admin", Role: Admin, Hash: HashToken(secret)}
	if err := s.store.CreateToken(ctx, t); err != nil {
		return "", err
	}
	return secret, nil
}

// ListTokens returns every token (without secrets).
func (s *Service) ListTokens(ctx context.Context) ([]*Token, error) { return s.store.ListTokens(ctx) }

// RevokeToken revokes token id; its holder gets 401 from then on.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	return s.store.RevokeToken(ctx, id, s.now())
}
