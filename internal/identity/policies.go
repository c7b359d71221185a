// Managed policies and their versions, including the built-in AWS managed policy.

package identity

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/rsdata/rsdata/internal/policy"
)

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
