package identity

import (
	"context"
	"time"
)

// Store persists identities. Every method is atomic. Names are matched
// exactly; CreateUser, CreateRole and CreatePolicy refuse a name equal to an
// existing one ignoring case, as IAM does. Methods return the bare
// sentinels ErrNoSuchEntity, ErrEntityAlreadyExists, ErrDeleteConflict and
// ErrLimitExceeded where documented (the Service adds the public message),
// and other errors only for storage failures. Each method stops when ctx is
// done and then returns an error; a write either happened entirely or not
// at all.
type Store interface {
	// CreateUser inserts u with its tags; ErrEntityAlreadyExists if the name is taken.
	CreateUser(ctx context.Context, u *User) error
	// GetUser returns the user with its tags; ErrNoSuchEntity if absent.
	GetUser(ctx context.Context, name string) (*User, error)
	// ListUsers returns every user (without tags) ordered by name.
	ListUsers(ctx context.Context) ([]*User, error)
	// DeleteUser removes the user and its tags; ErrNoSuchEntity if absent,
	// ErrDeleteConflict while it has access keys, inline or attached policies.
	DeleteUser(ctx context.Context, name string) error

	// CreateAccessKey inserts k; ErrNoSuchEntity if its user is absent,
	// ErrLimitExceeded if the user already has max keys.
	CreateAccessKey(ctx context.Context, k *AccessKey, max int) error
	// GetAccessKey returns a key by id; ErrNoSuchEntity if absent.
	GetAccessKey(ctx context.Context, id string) (*AccessKey, error)
	// ListAccessKeys returns a user's keys ordered by creation; an empty
	// list for a user without keys, ErrNoSuchEntity if the user is absent.
	ListAccessKeys(ctx context.Context, userName string) ([]*AccessKey, error)
	// UpdateAccessKey sets the status of the user's key; ErrNoSuchEntity if
	// the user has no such key. Setting the current status is not an error.
	UpdateAccessKey(ctx context.Context, userName, id string, status AccessKeyStatus) error
	// DeleteAccessKey removes the user's key; ErrNoSuchEntity if the user has no such key.
	DeleteAccessKey(ctx context.Context, userName, id string) error

	// CreateRole inserts r with its tags; ErrEntityAlreadyExists if the name is taken.
	CreateRole(ctx context.Context, r *Role) error
	// GetRole returns the role with its tags; ErrNoSuchEntity if absent.
	GetRole(ctx context.Context, name string) (*Role, error)
	// ListRoles returns every role (without tags) ordered by name.
	ListRoles(ctx context.Context) ([]*Role, error)
	// DeleteRole removes the role and its tags; ErrNoSuchEntity if absent,
	// ErrDeleteConflict while it has inline or attached policies.
	DeleteRole(ctx context.Context, name string) error

	// CreatePolicy inserts p; ErrEntityAlreadyExists if the name is taken.
	CreatePolicy(ctx context.Context, p *ManagedPolicy) error
	// GetPolicy returns a customer managed policy by ARN; ErrNoSuchEntity if absent.
	GetPolicy(ctx context.Context, arn string) (*ManagedPolicy, error)
	// ListPolicies returns every customer managed policy ordered by name.
	ListPolicies(ctx context.Context) ([]*ManagedPolicy, error)
	// DeletePolicy removes a customer managed policy; ErrNoSuchEntity if
	// absent, ErrDeleteConflict while it is attached to anyone or has
	// versions besides its default one.
	DeletePolicy(ctx context.Context, arn string) error
	// CreatePolicyVersion adds a version to a customer managed policy,
	// numbered after every version it ever had, and makes it the default
	// (and the policy's Document) when asDefault. ErrNoSuchEntity if the
	// policy is absent; ErrLimitExceeded if it has max versions already.
	CreatePolicyVersion(ctx context.Context, arn, document string, asDefault bool, at time.Time, max int) (*PolicyVersion, error)
	// ListPolicyVersions returns a customer managed policy's versions,
	// newest first; ErrNoSuchEntity if the policy is absent.
	ListPolicyVersions(ctx context.Context, arn string) ([]PolicyVersion, error)
	// SetDefaultPolicyVersion makes a version the default, its document
	// the policy's; ErrNoSuchEntity if the policy or version is absent.
	SetDefaultPolicyVersion(ctx context.Context, arn, versionID string, at time.Time) error
	// DeletePolicyVersion removes a version; ErrNoSuchEntity if the policy
	// or version is absent, ErrDeleteConflict for the default version.
	DeletePolicyVersion(ctx context.Context, arn, versionID string) error
	// AttachmentCounts returns, for each policy ARN attached to anyone, how
	// many users and roles it is attached to.
	AttachmentCounts(ctx context.Context) (map[string]int, error)

	// PutInlinePolicy creates or replaces an inline policy; ErrNoSuchEntity
	// if the owner is absent.
	PutInlinePolicy(ctx context.Context, o Owner, p InlinePolicy) error
	// GetInlinePolicy returns one inline policy; ErrNoSuchEntity if the
	// owner or the policy is absent.
	GetInlinePolicy(ctx context.Context, o Owner, name string) (*InlinePolicy, error)
	// ListInlinePolicies returns the owner's inline policies ordered by
	// name; ErrNoSuchEntity if the owner is absent.
	ListInlinePolicies(ctx context.Context, o Owner) ([]InlinePolicy, error)
	// DeleteInlinePolicy removes one inline policy; ErrNoSuchEntity if the
	// owner or the policy is absent.
	DeleteInlinePolicy(ctx context.Context, o Owner, name string) error

	// Attach attaches a managed policy to the owner; attaching it again is
	// not an error. ErrNoSuchEntity if the owner is absent, or if arn is
	// neither a stored policy nor one of builtin.
	Attach(ctx context.Context, o Owner, arn string, builtin []string) error
	// Detach removes an attachment; ErrNoSuchEntity if the owner is absent
	// or the policy is not attached to it.
	Detach(ctx context.Context, o Owner, arn string) error
	// ListAttached returns the ARNs attached to the owner ordered by ARN;
	// ErrNoSuchEntity if the owner is absent.
	ListAttached(ctx context.Context, o Owner) ([]string, error)

	// Tag adds tags to the owner, replacing values of existing keys;
	// ErrNoSuchEntity if the owner is absent, ErrLimitExceeded if the owner
	// would end up with more than max tags.
	Tag(ctx context.Context, o Owner, tags []Tag, max int) error
	// Untag removes the keys the owner has; absent keys are ignored.
	// ErrNoSuchEntity if the owner is absent.
	Untag(ctx context.Context, o Owner, keys []string) error
	// ListTags returns the owner's tags ordered by key; ErrNoSuchEntity if
	// the owner is absent.
	ListTags(ctx context.Context, o Owner) ([]Tag, error)
}
