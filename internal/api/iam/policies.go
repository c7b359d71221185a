// Handlers for managed policies and their versions.

package iam

import (
	"context"

	"github.com/rsdata/rsdata/internal/identity"
)

func (a *API) createPolicy(ctx context.Context, in *createPolicyInput) (*policyOutput, error) {
	if err := a.require(ctx, "CreatePolicy", a.svc(ctx).PolicyARN(str(in.Path), in.PolicyName)); err != nil {
		return nil, err
	}
	p, err := a.svc(ctx).CreatePolicy(ctx, identity.CreatePolicyInput{
		PolicyName: in.PolicyName, Path: str(in.Path), PolicyDocument: in.PolicyDocument, Description: str(in.Description),
	})
	if err != nil {
		return nil, err
	}
	return &policyOutput{Policy: policyOut(p)}, nil
}

func (a *API) getPolicy(ctx context.Context, in *policyArnInput) (*policyOutput, error) {
	if err := a.require(ctx, "GetPolicy", in.PolicyArn); err != nil {
		return nil, err
	}
	p, err := a.svc(ctx).GetPolicy(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return &policyOutput{Policy: policyOut(p)}, nil
}

func (a *API) getPolicyVersion(ctx context.Context, in *getPolicyVersionInput) (*getPolicyVersionOutput, error) {
	if err := a.require(ctx, "GetPolicyVersion", in.PolicyArn); err != nil {
		return nil, err
	}
	v, err := a.svc(ctx).GetPolicyVersion(ctx, in.PolicyArn, in.VersionId)
	if err != nil {
		return nil, err
	}
	return &getPolicyVersionOutput{PolicyVersion: policyVersion{
		Document: encodeDocument(v.Document), VersionId: v.VersionID, IsDefaultVersion: v.IsDefault, CreateDate: v.CreatedAt,
	}}, nil
}

func (a *API) createPolicyVersion(ctx context.Context, in *createPolicyVersionInput) (*getPolicyVersionOutput, error) {
	if err := a.require(ctx, "CreatePolicyVersion", in.PolicyArn); err != nil {
		return nil, err
	}
	v, err := a.svc(ctx).CreatePolicyVersion(ctx, in.PolicyArn, in.PolicyDocument, in.SetAsDefault)
	if err != nil {
		return nil, err
	}
	// Only GetPolicyVersion returns the document.
	return &getPolicyVersionOutput{PolicyVersion: policyVersion{VersionId: v.VersionID, IsDefaultVersion: v.IsDefault, CreateDate: v.CreatedAt}}, nil
}

func (a *API) listPolicyVersions(ctx context.Context, in *listPolicyVersionsInput) (*listPolicyVersionsOutput, error) {
	if err := a.require(ctx, "ListPolicyVersions", in.PolicyArn); err != nil {
		return nil, err
	}
	versions, err := a.svc(ctx).ListPolicyVersions(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	versions, next, err := pageOf(a.tokens, versions, func(v identity.PolicyVersion) string { return v.VersionID }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &listPolicyVersionsOutput{Versions: make([]policyVersion, len(versions)), IsTruncated: next != "", Marker: next}
	for i, v := range versions {
		out.Versions[i] = policyVersion{VersionId: v.VersionID, IsDefaultVersion: v.IsDefault, CreateDate: v.CreatedAt}
	}
	return out, nil
}

func (a *API) setDefaultPolicyVersion(ctx context.Context, in *getPolicyVersionInput) (*empty, error) {
	if err := a.require(ctx, "SetDefaultPolicyVersion", in.PolicyArn); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).SetDefaultPolicyVersion(ctx, in.PolicyArn, in.VersionId)
}

func (a *API) deletePolicyVersion(ctx context.Context, in *getPolicyVersionInput) (*empty, error) {
	if err := a.require(ctx, "DeletePolicyVersion", in.PolicyArn); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).DeletePolicyVersion(ctx, in.PolicyArn, in.VersionId)
}

func (a *API) listPolicies(ctx context.Context, in *listPoliciesInput) (*listPoliciesOutput, error) {
	if err := a.require(ctx, "ListPolicies", a.svc(ctx).PolicyARN("/", "*")); err != nil {
		return nil, err
	}
	ps, err := a.svc(ctx).ListPolicies(ctx, identity.ListPoliciesInput{Scope: str(in.Scope), OnlyAttached: in.OnlyAttached, PathPrefix: str(in.PathPrefix)})
	if err != nil {
		return nil, err
	}
	ps, next, err := pageOf(a.tokens, ps, func(p *identity.ManagedPolicy) string { return p.ARN }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &listPoliciesOutput{Policies: make([]managedPolicy, len(ps)), IsTruncated: next != "", Marker: next}
	for i, p := range ps {
		out.Policies[i] = policyOut(p)
	}
	return out, nil
}

func (a *API) deletePolicy(ctx context.Context, in *policyArnInput) (*empty, error) {
	if err := a.require(ctx, "DeletePolicy", in.PolicyArn); err != nil {
		return nil, err
	}
	return nil, a.svc(ctx).DeletePolicy(ctx, in.PolicyArn)
}
