// Package redshiftserverless implements the Amazon Redshift Serverless
// operations rsdata serves over JSON 1.1 (target prefix
// "RedshiftServerless."): GetCredentials, GetWorkgroup, ListWorkgroups and
// the tagging operations for the workgroups in the engine registry.
package redshiftserverless

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"time"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/awsjson"
	"github.com/rsdata/rsdata/internal/dbcreds"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/tags"
)

// SigningName is the service's SigV4 signing name, the service its
// requests' credential scope must name.
const SigningName = "redshift-serverless"

// TargetPrefix is the X-Amz-Target prefix of every operation.
const TargetPrefix = "RedshiftServerless."

// Options configures the API.
type Options struct {
	AccountID string
	Region    string
	// Tags keeps workgroup tags; nil refuses the tagging operations and
	// gives every workgroup none.
	Tags *tags.Service
}

// API holds the Redshift Serverless API's dependencies.
type API struct {
	opts   Options
	reg    *engines.Registry
	issuer *dbcreds.Issuer
	authz  auth.Authorizer
}

// New returns the Redshift Serverless API over the workgroups in reg.
func New(opts Options, reg *engines.Registry, issuer *dbcreds.Issuer, authz auth.Authorizer) *API {
	return &API{opts: opts, reg: reg, issuer: issuer, authz: authz}
}

// Register adds the implemented operations to r.
func (a *API) Register(r *awsjson.Router) {
	r.Service(TargetPrefix, SigningName, func(_ any, err error) error { return toAWS(err) })
	awsjson.Register(r, TargetPrefix+"GetCredentials", a.GetCredentials)
	awsjson.Register(r, TargetPrefix+"GetWorkgroup", a.GetWorkgroup)
	awsjson.Register(r, TargetPrefix+"ListWorkgroups", a.ListWorkgroups)
	awsjson.Register(r, TargetPrefix+"TagResource", a.TagResource)
	awsjson.Register(r, TargetPrefix+"UntagResource", a.UntagResource)
	awsjson.Register(r, TargetPrefix+"ListTagsForResource", a.ListTagsForResource)
}

// epoch is a timestamp as JSON 1.1 sends it: seconds since the epoch.
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, time.Time(t).Unix(), 10), nil
}

// workgroupName is the model's pattern for a workgroup name; its length
// (3 to 64) is checked apart, as AWS reports each constraint in its own words.
var workgroupName = regexp.MustCompile(`^[a-z0-9-]+$`)

func (a *API) workgroupARN(name string) string {
	return arn.Workgroup(a.opts.Region, a.opts.AccountID, name)
}

// constraint is AWS's JSON-protocol text for a member outside the model's
// constraints.
func constraint(value, member, rule string) *awserr.Error {
	return awserr.Validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, rule)
}

func (a *API) workgroup(name string) (*engines.Endpoint, error) {
	switch n := len(name); {
	case n == 0:
		return nil, awserr.Validation("1 validation error detected: Value null at 'workgroupName' failed to satisfy constraint: Member must not be null")
	case n < 3:
		return nil, constraint(name, "workgroupName", "Member must have length greater than or equal to 3")
	case n > 64:
		return nil, constraint(name, "workgroupName", "Member must have length less than or equal to 64")
	case !workgroupName.MatchString(name):
		return nil, constraint(name, "workgroupName", "Member must satisfy regular expression pattern: ^[a-z0-9-]+$")
	}
	ep, ok := a.reg.Lookup(engines.Workgroup, name)
	if !ok {
		return nil, workgroupNotFound(name)
	}
	return ep, nil
}

type GetCredentialsInput struct {
	WorkgroupName    string `json:"workgroupName"`
	DbName           string `json:"dbName"`
	DurationSeconds  *int   `json:"durationSeconds"`
	CustomDomainName string `json:"customDomainName"`
}

type GetCredentialsOutput struct {
	DbUser          string `json:"dbUser"`
	DbPassword      string `json:"dbPassword"`
	Expiration      epoch  `json:"expiration"`
	NextRefreshTime epoch  `json:"nextRefreshTime"`
}

// GetCredentials issues a password for the caller's IAM identity on the
// workgroup: "IAM:<user name>" or "IAMR:<role name>".
func (a *API) GetCredentials(ctx context.Context, in *GetCredentialsInput) (*GetCredentialsOutput, error) {
	switch {
	case in.WorkgroupName == "" && in.CustomDomainName != "":
		return nil, awserr.Validation("customDomainName is not supported; pass workgroupName.")
	case in.WorkgroupName == "":
		return nil, awserr.Validation("The custom domain name or the workgroup name must be included in the request.")
	}
	ep, err := a.workgroup(in.WorkgroupName)
	if err != nil {
		return nil, err
	}
	var d time.Duration
	if in.DurationSeconds != nil {
		if *in.DurationSeconds <= 0 {
			return nil, awserr.Validation(msgDuration)
		}
		d = time.Duration(*in.DurationSeconds) * time.Second
	}
	// The workgroup's tags are aws:ResourceTag/<key>, which the managed
	// policy AmazonRedshiftDataFullAccess tests.
	tags, err := a.tagContext(ctx, ep.Name)
	if err != nil {
		return nil, err
	}
	if err := auth.RequireWith(ctx, a.authz, auth.Request{Action: "redshift-serverless:GetCredentials",
		Resource: a.workgroupARN(ep.Name), Context: tags}); err != nil {
		return nil, err
	}
	p := auth.PrincipalFrom(ctx)
	if p == nil {
		return nil, auth.ErrDenied
	}
	kind, name, ok := dbcreds.CallerIdentity(p.ARN, p.UserName, p.Root)
	if !ok {
		return nil, awserr.Validation("The caller %s has no database user mapping.", p.ARN)
	}
	creds, err := a.issuer.Issue(ctx, dbcreds.Request{
		Engine: dbcreds.Engine{Kind: engines.Workgroup, Name: ep.Name}, Database: in.DbName,
		DbUser: name, Identity: kind, Duration: d,
	})
	if err != nil {
		return nil, err
	}
	return &GetCredentialsOutput{DbUser: creds.DbUser, DbPassword: creds.Password,
		Expiration: epoch(creds.Expiration), NextRefreshTime: epoch(creds.Expiration)}, nil
}

type Endpoint struct {
	Address string `json:"address"`
	Port    int    `json:"port"`
}

type Workgroup struct {
	WorkgroupName string    `json:"workgroupName"`
	WorkgroupID   string    `json:"workgroupId"`
	WorkgroupARN  string    `json:"workgroupArn"`
	NamespaceName string    `json:"namespaceName"`
	Status        string    `json:"status"`
	Endpoint      *Endpoint `json:"endpoint"`
	BaseCapacity  int       `json:"baseCapacity"`
}

func (a *API) describe(ep *engines.Endpoint) Workgroup {
	return Workgroup{
		WorkgroupName: ep.Name, WorkgroupID: arn.WorkgroupID(a.opts.AccountID, ep.Name), WorkgroupARN: a.workgroupARN(ep.Name),
		// Each workgroup is its own PostgreSQL server, so its own namespace.
		NamespaceName: ep.Name, Status: "AVAILABLE", Endpoint: &Endpoint{Address: ep.Host, Port: ep.Port}, BaseCapacity: 8,
	}
}

type GetWorkgroupInput struct {
	WorkgroupName string `json:"workgroupName"`
}

type GetWorkgroupOutput struct {
	Workgroup Workgroup `json:"workgroup"`
}

// GetWorkgroup describes one registered workgroup.
func (a *API) GetWorkgroup(ctx context.Context, in *GetWorkgroupInput) (*GetWorkgroupOutput, error) {
	ep, err := a.workgroup(in.WorkgroupName)
	if err != nil {
		return nil, err
	}
	if err := auth.Require(ctx, a.authz, "redshift-serverless:GetWorkgroup", a.workgroupARN(ep.Name)); err != nil {
		return nil, err
	}
	return &GetWorkgroupOutput{Workgroup: a.describe(ep)}, nil
}

type ListWorkgroupsInput struct {
	MaxResults   *int   `json:"maxResults"`
	NextToken    string `json:"nextToken"`
	OwnerAccount string `json:"ownerAccount"`
}

type ListWorkgroupsOutput struct {
	Workgroups []Workgroup `json:"workgroups"`
}

// ListWorkgroups lists the registered workgroups in one page; maxResults
// and nextToken are accepted and ignored.
func (a *API) ListWorkgroups(ctx context.Context, in *ListWorkgroupsInput) (*ListWorkgroupsOutput, error) {
	if m := in.MaxResults; m != nil && *m < 1 {
		return nil, constraint(strconv.Itoa(*m), "maxResults", "Member must have value greater than or equal to 1")
	} else if m != nil && *m > 100 {
		return nil, constraint(strconv.Itoa(*m), "maxResults", "Member must have value less than or equal to 100")
	}
	if err := auth.Require(ctx, a.authz, "redshift-serverless:ListWorkgroups", "*"); err != nil {
		return nil, err
	}
	out := &ListWorkgroupsOutput{Workgroups: []Workgroup{}}
	for _, ep := range a.reg.List(engines.Workgroup) {
		out.Workgroups = append(out.Workgroups, a.describe(ep))
	}
	return out, nil
}

const msgDuration = "durationSeconds must be between 900 and 3600."

func resourceNotFound(name, msg string) *awserr.Error {
	return awserr.ServerlessResourceNotFound(name, "%s", msg)
}

// workgroupNotFound is AWS's text for a workgroup name that does not exist,
// as users quote it from GetCredentials and GetWorkgroup.
func workgroupNotFound(name string) *awserr.Error {
	return resourceNotFound(name, "Serverless workgroup "+name+" not found.")
}

// toAWS is this API's one mapping from domain errors to wire errors.
func toAWS(err error) error {
	var (
		aerr     *awserr.Error
		invalid  *dbcreds.InvalidError
		unusable *dbcreds.UnusableError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &aerr):
		return aerr
	case errors.Is(err, auth.ErrDenied):
		return awserr.AccessDenied(err.Error())
	case errors.Is(err, dbcreds.ErrInvalidDuration):
		return awserr.Validation(msgDuration)
	case errors.As(err, &invalid):
		return awserr.Validation("%s", invalid.Error())
	case errors.As(err, &unusable):
		return awserr.Validation("Database user %s cannot be used for temporary credentials.", unusable.Role)
	}
	return err
}
