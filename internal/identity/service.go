package identity

import (
	"time"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/ids"
	"github.com/rsdata/rsdata/internal/seal"
)

// Options configures a Service.
type Options struct {
	// AccountID is the 12-digit account every ARN names.
	AccountID string
	// Clock returns the current time; time.Now when nil.
	Clock func() time.Time
}

// Service manages identities over a Store. It keeps no state of its own
// beyond its dependencies and is safe for concurrent use.
type Service struct {
	account string
	clock   func() time.Time
	store   Store
	sealer  *seal.Sealer
}

// New returns a Service storing identities in store and sealing access key
// secrets with sealer.
func New(opts Options, store Store, sealer *seal.Sealer) *Service {
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	return &Service{account: opts.AccountID, clock: clock, store: store, sealer: sealer}
}

// now is the creation time of new entities: IAM reports whole seconds.
func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Second) }

const (
	idAlphabet     = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

func newID(prefix string) string { return prefix + ids.Token(16, idAlphabet) }

// UserARN returns the ARN of a user with the given path ("" for "/") and name.
func (s *Service) UserARN(path, name string) string {
	if path == "" {
		path = "/"
	}
	return arn.IAMUser(s.account, path, name)
}

// RoleARN returns the ARN of a role with the given path ("" for "/") and name.
func (s *Service) RoleARN(path, name string) string {
	if path == "" {
		path = "/"
	}
	return arn.IAMRole(s.account, path, name)
}

// PolicyARN returns the ARN of a customer managed policy.
func (s *Service) PolicyARN(path, name string) string {
	if path == "" {
		path = "/"
	}
	return arn.IAMPolicy(s.account, path, name)
}
