package secrets

import (
	"context"
	"errors"
	"time"
)

// Errors a Store returns.
var (
	// ErrNameTaken is returned by Store.Create when a secret of that name
	// exists, including one scheduled for deletion.
	ErrNameTaken = errors.New("secrets: name taken")
	// ErrConflict is returned by Store.Update when the secret changed (or
	// was removed) since the revision the caller read.
	ErrConflict = errors.New("secrets: concurrent update")
)

// Store keeps secrets durably. Sealed values pass through it opaque: a
// Store never sees plaintext. Every method honours ctx cancellation; a
// cancelled call either took effect entirely or not at all.
type Store interface {
	// CreateSecret inserts sec with its versions and tags at revision 1;
	// ErrNameTaken if the name (or ARN) is taken.
	CreateSecret(ctx context.Context, sec *Secret) error
	// GetSecretByName returns the secret with its versions, tags and
	// current revision; ErrNotFound if absent.
	GetSecretByName(ctx context.Context, name string) (*Secret, error)
	// GetSecretByARN is GetSecretByName by full ARN.
	GetSecretByARN(ctx context.Context, arn string) (*Secret, error)
	// ListSecrets returns every secret with its versions and tags, in no
	// particular order; the caller filters, sorts and pages.
	ListSecrets(ctx context.Context) ([]*Secret, error)
	// UpdateSecret replaces the stored secret named by sec.ARN (metadata,
	// tags and the full set of versions) if its revision is still
	// sec.Revision, and then stores it as sec.Revision+1; ErrConflict
	// otherwise. A version's sealed value never changes once written.
	UpdateSecret(ctx context.Context, sec *Secret) error
	// TouchSecret sets the last-accessed date; a missing secret is not an
	// error. It does not change the revision.
	TouchSecret(ctx context.Context, arn string, day time.Time) error
	// DeleteSecret removes the secret and its versions; a missing secret
	// is not an error.
	DeleteSecret(ctx context.Context, arn string) error
}
