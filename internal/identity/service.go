package identity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/ids"
	"github.com/rsdata/rsdata/internal/policy"
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

// builtinID is the fixed id of the built-in AWS managed policy.
const builtinID = "ANPAREDSHIFTDATAFA01"

var builtinCreated = time.Date(2020, 9, 9, 19, 30, 40, 0, time.UTC)

func builtinPolicy() *ManagedPolicy {
	return &ManagedPolicy{
		Name:             "AmazonRedshiftDataFullAccess",
		ARN:              policy.AmazonRedshiftDataFullAccessARN,
		ID:               builtinID,
		Path:             "/",
		Description:      "Grants full access to the Amazon Redshift Data API operations.",
		Document:         policy.AmazonRedshiftDataFullAccessDocument,
		DefaultVersionID: policy.AmazonRedshiftDataFullAccessVersionID,
		CreatedAt:        builtinCreated,
		UpdatedAt:        builtinCreated,
		AWSManaged:       true,
	}
}

var builtinARNs = []string{policy.AmazonRedshiftDataFullAccessARN}

// --- users ---

// CreateUserInput is CreateUser's request.
type CreateUserInput struct {
	UserName string
	Path     string // "" means "/"
	Tags     []Tag
}

// CreateUser creates a user.
func (s *Service) CreateUser(ctx context.Context, in CreateUserInput) (*User, error) {
	if err := checkName(in.UserName, "userName", 64); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	u := &User{
		Name: in.UserName, ID: newID("AIDA"), ARN: s.UserARN(path, in.UserName), Path: path,
		CreatedAt: s.now(), Tags: sortedTags(in.Tags),
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, ErrEntityAlreadyExists) {
			return nil, errorf(ErrEntityAlreadyExists, "User with name %s already exists.", in.UserName)
		}
		return nil, err
	}
	return u, nil
}

// GetUser returns a user with its tags.
func (s *Service) GetUser(ctx context.Context, name string) (*User, error) {
	u, err := s.store.GetUser(ctx, name)
	return u, ownerErr(Owner{KindUser, name}, err)
}

// ListUsersInput is ListUsers' request.
type ListUsersInput struct {
	PathPrefix string // "" or "/" lists every user
}

// ListUsers returns the users whose path starts with PathPrefix, by name.
func (s *Service) ListUsers(ctx context.Context, in ListUsersInput) ([]*User, error) {
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(users, func(u *User) bool { return !strings.HasPrefix(u.Path, in.PathPrefix) }), nil
}

// DeleteUser deletes a user that has no access keys and no policies.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	o := Owner{KindUser, name}
	// Look first to give IAM's message for the first dependent found; the
	// Store checks again atomically.
	keys, err := s.store.ListAccessKeys(ctx, name)
	if err != nil {
		return ownerErr(o, err)
	}
	if len(keys) > 0 {
		return errorf(ErrDeleteConflict, "Cannot delete entity, must delete access keys first.")
	}
	if err := s.checkNoPolicies(ctx, o); err != nil {
		return err
	}
	return s.deleteConflict(ownerErr(o, s.store.DeleteUser(ctx, name)))
}

func (s *Service) checkNoPolicies(ctx context.Context, o Owner) error {
	inline, err := s.store.ListInlinePolicies(ctx, o)
	if err != nil {
		return ownerErr(o, err)
	}
	if len(inline) > 0 {
		return errorf(ErrDeleteConflict, "Cannot delete entity, must delete policies first.")
	}
	attached, err := s.store.ListAttached(ctx, o)
	if err != nil {
		return ownerErr(o, err)
	}
	if len(attached) > 0 {
		return errorf(ErrDeleteConflict, "Cannot delete entity, must detach all policies first.")
	}
	return nil
}

func (s *Service) deleteConflict(err error) error {
	if errors.Is(err, ErrDeleteConflict) && !hasMessage(err) {
		return errorf(ErrDeleteConflict, "Cannot delete entity, must remove its dependents first.")
	}
	return err
}

// --- access keys ---

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

// --- roles ---

// CreateRoleInput is CreateRole's request.
type CreateRoleInput struct {
	RoleName                 string
	Path                     string // "" means "/"
	AssumeRolePolicyDocument string
	Description              string
	MaxSessionDuration       int32 // 0 means 3600
	Tags                     []Tag
}

// CreateRole creates a role; its trust policy must parse as one.
func (s *Service) CreateRole(ctx context.Context, in CreateRoleInput) (*Role, error) {
	if err := checkName(in.RoleName, "roleName", 64); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	msd := in.MaxSessionDuration
	if msd == 0 {
		msd = minSessionDuration
	}
	if msd < minSessionDuration || msd > maxSessionDuration {
		return nil, constraint(fmt.Sprint(msd), "maxSessionDuration", "Member must have value less than or equal to 43200 and greater than or equal to 3600")
	}
	if len(in.Description) > 1000 {
		return nil, constraint(in.Description, "description", "Member must have length less than or equal to 1000")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := checkDocument(in.AssumeRolePolicyDocument, policy.Trust, maxRolePolicySize, "role "+in.RoleName); err != nil {
		return nil, err
	}
	r := &Role{
		Name: in.RoleName, ID: newID("AROA"), ARN: s.RoleARN(path, in.RoleName), Path: path,
		Description: in.Description, TrustPolicy: in.AssumeRolePolicyDocument, MaxSessionDuration: msd,
		CreatedAt: s.now(), Tags: sortedTags(in.Tags),
	}
	if err := s.store.CreateRole(ctx, r); err != nil {
		if errors.Is(err, ErrEntityAlreadyExists) {
			return nil, errorf(ErrEntityAlreadyExists, "Role with name %s already exists.", in.RoleName)
		}
		return nil, err
	}
	return r, nil
}

// GetRole returns a role with its tags.
func (s *Service) GetRole(ctx context.Context, name string) (*Role, error) {
	r, err := s.store.GetRole(ctx, name)
	return r, ownerErr(Owner{KindRole, name}, err)
}

// GetRoleByARN returns the role an ARN of this account names, with the
// same path; ErrNoSuchEntity otherwise.
func (s *Service) GetRoleByARN(ctx context.Context, roleARN string) (*Role, error) {
	prefix := arn.IAMRole(s.account, "/", "")
	if !strings.HasPrefix(roleARN, prefix) {
		return nil, errorf(ErrNoSuchEntity, "The role with ARN %s cannot be found.", roleARN)
	}
	name := roleARN[strings.LastIndexByte(roleARN, '/')+1:]
	r, err := s.store.GetRole(ctx, name)
	if errors.Is(err, ErrNoSuchEntity) || (err == nil && r.ARN != roleARN) {
		return nil, errorf(ErrNoSuchEntity, "The role with ARN %s cannot be found.", roleARN)
	}
	return r, err
}

// ListRolesInput is ListRoles' request.
type ListRolesInput struct {
	PathPrefix string
}

// ListRoles returns the roles whose path starts with PathPrefix, by name.
func (s *Service) ListRoles(ctx context.Context, in ListRolesInput) ([]*Role, error) {
	roles, err := s.store.ListRoles(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(roles, func(r *Role) bool { return !strings.HasPrefix(r.Path, in.PathPrefix) }), nil
}

// DeleteRole deletes a role that has no policies.
func (s *Service) DeleteRole(ctx context.Context, name string) error {
	o := Owner{KindRole, name}
	if err := s.checkNoPolicies(ctx, o); err != nil {
		return err
	}
	return s.deleteConflict(ownerErr(o, s.store.DeleteRole(ctx, name)))
}

// --- inline policies ---

func (s *Service) putInline(ctx context.Context, o Owner, name, doc string) error {
	if err := checkName(name, "policyName", 128); err != nil {
		return err
	}
	max := maxUserPolicySize
	if o.Kind == KindRole {
		max = maxRolePolicySize
	}
	if err := checkDocument(doc, policy.Identity, max, string(o.Kind)+" "+o.Name); err != nil {
		return err
	}
	return ownerErr(o, s.store.PutInlinePolicy(ctx, o, InlinePolicy{Name: name, Document: doc}))
}

func (s *Service) getInline(ctx context.Context, o Owner, name string) (*InlinePolicy, error) {
	if _, err := s.owner(ctx, o); err != nil {
		return nil, err
	}
	p, err := s.store.GetInlinePolicy(ctx, o, name)
	return p, s.noSuchInline(o, name, err)
}

func (s *Service) listInline(ctx context.Context, o Owner) ([]string, error) {
	ps, err := s.store.ListInlinePolicies(ctx, o)
	if err != nil {
		return nil, ownerErr(o, err)
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return names, nil
}

func (s *Service) deleteInline(ctx context.Context, o Owner, name string) error {
	if _, err := s.owner(ctx, o); err != nil {
		return err
	}
	return s.noSuchInline(o, name, s.store.DeleteInlinePolicy(ctx, o, name))
}

func (s *Service) noSuchInline(o Owner, name string, err error) error {
	if errors.Is(err, ErrNoSuchEntity) && !hasMessage(err) {
		return errorf(ErrNoSuchEntity, "The %s policy with name %s cannot be found.", o.Kind, name)
	}
	return err
}

// owner checks that a user or role exists and returns its ARN.
func (s *Service) owner(ctx context.Context, o Owner) (string, error) {
	if o.Kind == KindRole {
		r, err := s.GetRole(ctx, o.Name)
		if err != nil {
			return "", err
		}
		return r.ARN, nil
	}
	u, err := s.GetUser(ctx, o.Name)
	if err != nil {
		return "", err
	}
	return u.ARN, nil
}

// PutUserPolicy creates or replaces a user's inline policy.
func (s *Service) PutUserPolicy(ctx context.Context, userName, policyName, document string) error {
	return s.putInline(ctx, Owner{KindUser, userName}, policyName, document)
}

// GetUserPolicy returns a user's inline policy.
func (s *Service) GetUserPolicy(ctx context.Context, userName, policyName string) (*InlinePolicy, error) {
	return s.getInline(ctx, Owner{KindUser, userName}, policyName)
}

// ListUserPolicies returns the names of a user's inline policies.
func (s *Service) ListUserPolicies(ctx context.Context, userName string) ([]string, error) {
	return s.listInline(ctx, Owner{KindUser, userName})
}

// DeleteUserPolicy deletes a user's inline policy.
func (s *Service) DeleteUserPolicy(ctx context.Context, userName, policyName string) error {
	return s.deleteInline(ctx, Owner{KindUser, userName}, policyName)
}

// PutRolePolicy creates or replaces a role's inline policy.
func (s *Service) PutRolePolicy(ctx context.Context, roleName, policyName, document string) error {
	return s.putInline(ctx, Owner{KindRole, roleName}, policyName, document)
}

// GetRolePolicy returns a role's inline policy.
func (s *Service) GetRolePolicy(ctx context.Context, roleName, policyName string) (*InlinePolicy, error) {
	return s.getInline(ctx, Owner{KindRole, roleName}, policyName)
}

// ListRolePolicies returns the names of a role's inline policies.
func (s *Service) ListRolePolicies(ctx context.Context, roleName string) ([]string, error) {
	return s.listInline(ctx, Owner{KindRole, roleName})
}

// DeleteRolePolicy deletes a role's inline policy.
func (s *Service) DeleteRolePolicy(ctx context.Context, roleName, policyName string) error {
	return s.deleteInline(ctx, Owner{KindRole, roleName}, policyName)
}

// --- managed policies ---

// CreatePolicyInput is CreatePolicy's request.
type CreatePolicyInput struct {
	PolicyName     string
	Path           string // "" means "/"
	PolicyDocument string
	Description    string
}

// CreatePolicy creates a customer managed policy with version v1.
func (s *Service) CreatePolicy(ctx context.Context, in CreatePolicyInput) (*ManagedPolicy, error) {
	if err := checkName(in.PolicyName, "policyName", 128); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	if len(in.Description) > 1000 {
		return nil, constraint(in.Description, "description", "Member must have length less than or equal to 1000")
	}
	if err := checkDocument(in.PolicyDocument, policy.Identity, maxManagedPolicySize, "policy "+in.PolicyName); err != nil {
		return nil, err
	}
	now := s.now()
	p := &ManagedPolicy{
		Name: in.PolicyName, ARN: s.PolicyARN(path, in.PolicyName), ID: newID("ANPA"), Path: path,
		Description: in.Description, Document: in.PolicyDocument, DefaultVersionID: "v1",
		CreatedAt: now, UpdatedAt: now,
	}
	if err := s.store.CreatePolicy(ctx, p); err != nil {
		if errors.Is(err, ErrEntityAlreadyExists) {
			return nil, errorf(ErrEntityAlreadyExists, "A policy called %s already exists. Duplicate names are not allowed.", in.PolicyName)
		}
		return nil, err
	}
	return p, nil
}

// GetPolicy returns a managed policy, customer or built-in, with its
// attachment count.
func (s *Service) GetPolicy(ctx context.Context, arn string) (*ManagedPolicy, error) {
	p, err := s.lookupPolicy(ctx, arn)
	if err != nil {
		return nil, err
	}
	counts, err := s.store.AttachmentCounts(ctx)
	if err != nil {
		return nil, err
	}
	p.AttachmentCount = counts[p.ARN]
	return p, nil
}

func (s *Service) lookupPolicy(ctx context.Context, arn string) (*ManagedPolicy, error) {
	if arn == policy.AmazonRedshiftDataFullAccessARN {
		return builtinPolicy(), nil
	}
	p, err := s.store.GetPolicy(ctx, arn)
	if errors.Is(err, ErrNoSuchEntity) {
		return nil, noSuchPolicy(arn)
	}
	return p, err
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	VersionID string
	Document  string
	IsDefault bool
	CreatedAt time.Time
}

// maxPolicyVersions is IAM's quota of versions per managed policy.
const maxPolicyVersions = 5

// GetPolicyVersion returns one version of a managed policy.
func (s *Service) GetPolicyVersion(ctx context.Context, arn, versionID string) (*PolicyVersion, error) {
	versions, err := s.ListPolicyVersions(ctx, arn)
	if err != nil {
		return nil, err
	}
	for i := range versions {
		if versions[i].VersionID == versionID {
			return &versions[i], nil
		}
	}
	return nil, noSuchVersion(arn, versionID)
}

func noSuchVersion(arn, versionID string) error {
	return errorf(ErrNoSuchEntity, "Policy %s version %s does not exist or is not attachable.", arn, versionID)
}

// ListPolicyVersions returns a managed policy's versions, newest first. The
// built-in AWS managed policy has its one version.
func (s *Service) ListPolicyVersions(ctx context.Context, arn string) ([]PolicyVersion, error) {
	if arn == policy.AmazonRedshiftDataFullAccessARN {
		p := builtinPolicy()
		return []PolicyVersion{{VersionID: p.DefaultVersionID, Document: p.Document, IsDefault: true, CreatedAt: p.UpdatedAt}}, nil
	}
	versions, err := s.store.ListPolicyVersions(ctx, arn)
	if errors.Is(err, ErrNoSuchEntity) {
		return nil, noSuchPolicy(arn)
	}
	return versions, err
}

// CreatePolicyVersion adds a version to a customer managed policy, the
// default one when asDefault.
func (s *Service) CreatePolicyVersion(ctx context.Context, arn, document string, asDefault bool) (*PolicyVersion, error) {
	if arn == policy.AmazonRedshiftDataFullAccessARN {
		return nil, invalid("Cannot modify the AWS managed policy %s.", arn)
	}
	if err := checkDocument(document, policy.Identity, maxManagedPolicySize, "policy "+arn); err != nil {
		return nil, err
	}
	v, err := s.store.CreatePolicyVersion(ctx, arn, document, asDefault, s.now(), maxPolicyVersions)
	switch {
	case errors.Is(err, ErrNoSuchEntity):
		return nil, noSuchPolicy(arn)
	case errors.Is(err, ErrLimitExceeded):
		return nil, errorf(ErrLimitExceeded, "A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
	}
	return v, err
}

// SetDefaultPolicyVersion makes a version of a customer managed policy
// the one in force.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, arn, versionID string) error {
	if arn == policy.AmazonRedshiftDataFullAccessARN {
		return invalid("Cannot modify the AWS managed policy %s.", arn)
	}
	if err := s.store.SetDefaultPolicyVersion(ctx, arn, versionID, s.now()); errors.Is(err, ErrNoSuchEntity) {
		if _, perr := s.lookupPolicy(ctx, arn); perr != nil {
			return perr
		}
		return noSuchVersion(arn, versionID)
	} else if err != nil {
		return err
	}
	return nil
}

// DeletePolicyVersion deletes a version of a customer managed policy other
// than its default one.
func (s *Service) DeletePolicyVersion(ctx context.Context, arn, versionID string) error {
	if arn == policy.AmazonRedshiftDataFullAccessARN {
		return invalid("Cannot modify the AWS managed policy %s.", arn)
	}
	err := s.store.DeletePolicyVersion(ctx, arn, versionID)
	switch {
	case errors.Is(err, ErrNoSuchEntity):
		if _, perr := s.lookupPolicy(ctx, arn); perr != nil {
			return perr
		}
		return noSuchVersion(arn, versionID)
	case errors.Is(err, ErrDeleteConflict):
		return errorf(ErrDeleteConflict, "Cannot delete the default version of a policy.")
	}
	return err
}

// Policy scopes for ListPolicies.
const (
	ScopeAll   = "All"
	ScopeAWS   = "AWS"
	ScopeLocal = "Local"
)

// ListPoliciesInput is ListPolicies' request.
type ListPoliciesInput struct {
	Scope        string // All (default), AWS or Local
	OnlyAttached bool
	PathPrefix   string
}

// ListPolicies returns managed policies: AWS managed first, then customer
// managed by name.
func (s *Service) ListPolicies(ctx context.Context, in ListPoliciesInput) ([]*ManagedPolicy, error) {
	scope := in.Scope
	if scope == "" {
		scope = ScopeAll
	}
	if scope != ScopeAll && scope != ScopeAWS && scope != ScopeLocal {
		return nil, constraint(scope, "scope", "Member must satisfy enum value set: [All, AWS, Local]")
	}
	var out []*ManagedPolicy
	if scope != ScopeLocal {
		out = append(out, builtinPolicy())
	}
	if scope != ScopeAWS {
		local, err := s.store.ListPolicies(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, local...)
	}
	counts, err := s.store.AttachmentCounts(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(out, func(p *ManagedPolicy) bool {
		p.AttachmentCount = counts[p.ARN]
		return (in.OnlyAttached && p.AttachmentCount == 0) || !strings.HasPrefix(p.Path, in.PathPrefix)
	}), nil
}

// DeletePolicy deletes a customer managed policy attached to nobody.
func (s *Service) DeletePolicy(ctx context.Context, arn string) error {
	if arn == policy.AmazonRedshiftDataFullAccessARN {
		return invalid("Cannot delete the AWS managed policy %s.", arn)
	}
	err := s.store.DeletePolicy(ctx, arn)
	switch {
	case errors.Is(err, ErrNoSuchEntity):
		return noSuchPolicy(arn)
	case errors.Is(err, ErrHasVersions):
		return errorf(ErrDeleteConflict, "This policy has more than one version. Before you delete a policy, you must delete the policy's non-default versions.")
	case errors.Is(err, ErrDeleteConflict):
		return errorf(ErrDeleteConflict, "Cannot delete a policy attached to entities.")
	}
	return err
}

// --- attachments ---

func (s *Service) attach(ctx context.Context, o Owner, arn string) error {
	if _, err := s.owner(ctx, o); err != nil {
		return err
	}
	err := s.store.Attach(ctx, o, arn, builtinARNs)
	if errors.Is(err, ErrNoSuchEntity) && !hasMessage(err) {
		// The owner existed a moment ago: the policy is what is missing,
		// unless the owner went meanwhile, which owner() tells apart.
		if _, oerr := s.owner(ctx, o); oerr != nil {
			return oerr
		}
		return noSuchPolicy(arn)
	}
	return err
}

func (s *Service) detach(ctx context.Context, o Owner, arn string) error {
	if _, err := s.owner(ctx, o); err != nil {
		return err
	}
	err := s.store.Detach(ctx, o, arn)
	if errors.Is(err, ErrNoSuchEntity) && !hasMessage(err) {
		return errorf(ErrNoSuchEntity, "Policy %s was not found.", arn)
	}
	return err
}

// AttachedPolicy names a managed policy attached to a user or role.
type AttachedPolicy struct {
	Name, ARN string
}

func (s *Service) listAttached(ctx context.Context, o Owner) ([]AttachedPolicy, error) {
	arns, err := s.store.ListAttached(ctx, o)
	if err != nil {
		return nil, ownerErr(o, err)
	}
	out := make([]AttachedPolicy, len(arns))
	for i, a := range arns {
		out[i] = AttachedPolicy{Name: a[strings.LastIndexByte(a, '/')+1:], ARN: a}
	}
	return out, nil
}

// AttachUserPolicy attaches a managed policy to a user.
func (s *Service) AttachUserPolicy(ctx context.Context, userName, policyARN string) error {
	return s.attach(ctx, Owner{KindUser, userName}, policyARN)
}

// DetachUserPolicy detaches a managed policy from a user.
func (s *Service) DetachUserPolicy(ctx context.Context, userName, policyARN string) error {
	return s.detach(ctx, Owner{KindUser, userName}, policyARN)
}

// ListAttachedUserPolicies returns the managed policies attached to a user.
func (s *Service) ListAttachedUserPolicies(ctx context.Context, userName string) ([]AttachedPolicy, error) {
	return s.listAttached(ctx, Owner{KindUser, userName})
}

// AttachRolePolicy attaches a managed policy to a role.
func (s *Service) AttachRolePolicy(ctx context.Context, roleName, policyARN string) error {
	return s.attach(ctx, Owner{KindRole, roleName}, policyARN)
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, roleName, policyARN string) error {
	return s.detach(ctx, Owner{KindRole, roleName}, policyARN)
}

// ListAttachedRolePolicies returns the managed policies attached to a role.
func (s *Service) ListAttachedRolePolicies(ctx context.Context, roleName string) ([]AttachedPolicy, error) {
	return s.listAttached(ctx, Owner{KindRole, roleName})
}

// --- tags ---

func (s *Service) tag(ctx context.Context, o Owner, tags []Tag) error {
	if len(tags) == 0 {
		return constraint("[]", "tags", "Member must have length greater than or equal to 1")
	}
	if err := checkTags(tags); err != nil {
		return err
	}
	err := s.store.Tag(ctx, o, tags, maxTags)
	if errors.Is(err, ErrLimitExceeded) {
		return errorf(ErrLimitExceeded, "The number of tags has reached the maximum limit.")
	}
	return ownerErr(o, err)
}

func (s *Service) untag(ctx context.Context, o Owner, keys []string) error {
	if len(keys) == 0 {
		return constraint("[]", "tagKeys", "Member must have length greater than or equal to 1")
	}
	return ownerErr(o, s.store.Untag(ctx, o, keys))
}

func (s *Service) listTags(ctx context.Context, o Owner) ([]Tag, error) {
	tags, err := s.store.ListTags(ctx, o)
	return tags, ownerErr(o, err)
}

// TagUser adds or replaces tags on a user.
func (s *Service) TagUser(ctx context.Context, userName string, tags []Tag) error {
	return s.tag(ctx, Owner{KindUser, userName}, tags)
}

// UntagUser removes tags from a user.
func (s *Service) UntagUser(ctx context.Context, userName string, keys []string) error {
	return s.untag(ctx, Owner{KindUser, userName}, keys)
}

// ListUserTags returns a user's tags by key.
func (s *Service) ListUserTags(ctx context.Context, userName string) ([]Tag, error) {
	return s.listTags(ctx, Owner{KindUser, userName})
}

// TagRole adds or replaces tags on a role.
func (s *Service) TagRole(ctx context.Context, roleName string, tags []Tag) error {
	return s.tag(ctx, Owner{KindRole, roleName}, tags)
}

// UntagRole removes tags from a role.
func (s *Service) UntagRole(ctx context.Context, roleName string, keys []string) error {
	return s.untag(ctx, Owner{KindRole, roleName}, keys)
}

// ListRoleTags returns a role's tags by key.
func (s *Service) ListRoleTags(ctx context.Context, roleName string) ([]Tag, error) {
	return s.listTags(ctx, Owner{KindRole, roleName})
}

// --- for the auth layer ---

// UserPolicies returns every policy that applies to a user: inline policies and attached managed policies, parsed.
func (s *Service) UserPolicies(ctx context.Context, userName string) ([]*policy.Policy, error) {
	return s.policiesOf(ctx, Owner{KindUser, userName})
}

// RolePolicies returns every policy that applies to a role: inline policies and attached managed policies, parsed.
func (s *Service) RolePolicies(ctx context.Context, roleName string) ([]*policy.Policy, error) {
	return s.policiesOf(ctx, Owner{KindRole, roleName})
}

func (s *Service) policiesOf(ctx context.Context, o Owner) ([]*policy.Policy, error) {
	inline, err := s.store.ListInlinePolicies(ctx, o)
	if err != nil {
		return nil, ownerErr(o, err)
	}
	arns, err := s.store.ListAttached(ctx, o)
	if err != nil {
		return nil, ownerErr(o, err)
	}
	out := make([]*policy.Policy, 0, len(inline)+len(arns))
	for _, ip := range inline {
		p, err := policy.Parse(ip.Document, policy.Identity)
		if err != nil {
			// Documents are validated on the way in: this is corruption.
			return nil, fmt.Errorf("%s %s inline policy %s: %w", o.Kind, o.Name, ip.Name, err)
		}
		out = append(out, p)
	}
	for _, arn := range arns {
		if arn == policy.AmazonRedshiftDataFullAccessARN {
			out = append(out, policy.AmazonRedshiftDataFullAccess())
			continue
		}
		mp, err := s.store.GetPolicy(ctx, arn)
		if errors.Is(err, ErrNoSuchEntity) {
			// Deleted between the two reads: it no longer applies.
			continue
		}
		if err != nil {
			return nil, err
		}
		p, err := policy.Parse(mp.Document, policy.Identity)
		if err != nil {
			return nil, fmt.Errorf("managed policy %s: %w", arn, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func sortedTags(tags []Tag) []Tag {
	if len(tags) == 0 {
		return nil
	}
	out := slices.Clone(tags)
	slices.SortFunc(out, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
	return out
}
