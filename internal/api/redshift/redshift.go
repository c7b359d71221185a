// Package redshift implements the Amazon Redshift (provisioned) operations
// rsdata serves over the Query protocol: temporary database credentials
// (GetClusterCredentials, GetClusterCredentialsWithIAM), DescribeClusters
// and cluster tags (CreateTags, DeleteTags, DescribeTags) for the clusters in
// the engine registry.
package redshift

import (
	"context"
	"sort"
	"time"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awsquery"
	"github.com/rsdata/rsdata/internal/dbcreds"
	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/tags"
)

// Service is Redshift's Query-protocol identity.
var Service = awsquery.Service{Name: "redshift", Version: "2012-12-01", Namespace: "http://redshift.amazonaws.com/doc/2012-12-01/",
	ValidationCode: "InvalidParameterValue", Errors: toAWS}

// Options configures the API.
type Options struct {
	AccountID string
	Region    string
	// Tags keeps cluster tags; nil refuses the tagging operations and
	// gives every cluster none.
	Tags *tags.Service
}

// API holds the Redshift API's dependencies.
type API struct {
	opts   Options
	reg    *engines.Registry
	issuer *dbcreds.Issuer
	authz  auth.Authorizer
}

// New returns the Redshift API over the clusters in reg.
func New(opts Options, reg *engines.Registry, issuer *dbcreds.Issuer, authz auth.Authorizer) *API {
	return &API{opts: opts, reg: reg, issuer: issuer, authz: authz}
}

// Register adds the implemented operations to r.
func (a *API) Register(r *awsquery.Router) {
	awsquery.Register(r, Service, "GetClusterCredentials", a.GetClusterCredentials)
	awsquery.Register(r, Service, "GetClusterCredentialsWithIAM", a.GetClusterCredentialsWithIAM)
	awsquery.Register(r, Service, "DescribeClusters", a.DescribeClusters)
	awsquery.Register(r, Service, "CreateTags", a.CreateTags)
	awsquery.Register(r, Service, "DeleteTags", a.DeleteTags)
	awsquery.Register(r, Service, "DescribeTags", a.DescribeTags)
}

type GetClusterCredentialsInput struct {
	DbUser            string
	DbName            string
	ClusterIdentifier string
	DurationSeconds   *int
	AutoCreate        *bool
	DbGroups          []string `query:"DbGroups,member=DbGroup"`
	CustomDomainName  string
}

type GetClusterCredentialsOutput struct {
	DbUser     string    `xml:"DbUser"`
	DbPassword string    `xml:"DbPassword"`
	Expiration time.Time `xml:"Expiration"`
}

// cluster resolves a cluster identifier, case-sensitively as AWS does.
func (a *API) cluster(id, customDomain string) (*engines.Endpoint, error) {
	if id == "" {
		if customDomain != "" {
			return nil, unsupported("CustomDomainName is not supported; pass ClusterIdentifier.")
		}
		return nil, invalidParameter("ClusterIdentifier is required.")
	}
	ep, ok := a.reg.Lookup(engines.Cluster, id)
	// A datastore is a Data API target, not a cluster of this API.
	if !ok || ep.Login != nil {
		return nil, clusterNotFound(id)
	}
	return ep, nil
}

func duration(s *int) (time.Duration, error) {
	if s == nil {
		return 0, nil
	}
	// Checked here too so that 0 and negatives, which the core reads as
	// "default", are refused like any other out-of-range value.
	if *s <= 0 {
		return 0, invalidParameter(msgDuration)
	}
	return time.Duration(*s) * time.Second, nil
}

// GetClusterCredentials issues a password for the login role "IAM:<DbUser>"
// or, with AutoCreate, "IAMA:<DbUser>" (see internal/dbcreds for how these
// map onto PostgreSQL roles).
func (a *API) GetClusterCredentials(ctx context.Context, in *GetClusterCredentialsInput) (*GetClusterCredentialsOutput, error) {
	ep, err := a.cluster(in.ClusterIdentifier, in.CustomDomainName)
	if err != nil {
		return nil, err
	}
	if in.DbUser == "" {
		return nil, invalidParameter("DbUser is required.")
	}
	d, err := duration(in.DurationSeconds)
	if err != nil {
		return nil, err
	}
	autoCreate := in.AutoCreate != nil && *in.AutoCreate
	id := ep.Name
	checks := []auth.Request{{Action: "redshift:GetClusterCredentials", Resource: arn.DbUser(a.opts.Region, a.opts.AccountID, id, in.DbUser)}}
	if in.DbName != "" {
		checks = append(checks, auth.Request{Action: "redshift:GetClusterCredentials", Resource: arn.DbName(a.opts.Region, a.opts.AccountID, id, in.DbName)})
	}
	if autoCreate {
		checks = append(checks, auth.Request{Action: "redshift:CreateClusterUser", Resource: arn.DbUser(a.opts.Region, a.opts.AccountID, id, in.DbUser)})
	}
	for _, g := range in.DbGroups {
		checks = append(checks, auth.Request{Action: "redshift:JoinGroup", Resource: arn.DbGroup(a.opts.Region, a.opts.AccountID, id, g)})
	}
	tags, err := a.tagContext(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, c := range checks {
		c.Context = tags
		if err := auth.RequireWith(ctx, a.authz, c); err != nil {
			return nil, err
		}
	}
	creds, err := a.issuer.Issue(ctx, dbcreds.Request{
		Engine: dbcreds.Engine{Kind: engines.Cluster, Name: id}, Database: in.DbName,
		DbUser: in.DbUser, Identity: dbcreds.DatabaseUser, AutoCreate: autoCreate, Groups: in.DbGroups, Duration: d,
	})
	if err != nil {
		return nil, err
	}
	return &GetClusterCredentialsOutput{DbUser: creds.DbUser, DbPassword: creds.Password, Expiration: creds.Expiration}, nil
}

type GetClusterCredentialsWithIAMInput struct {
	DbName            string
	ClusterIdentifier string
	DurationSeconds   *int
	CustomDomainName  string
}

type GetClusterCredentialsWithIAMOutput struct {
	DbUser          string    `xml:"DbUser"`
	DbPassword      string    `xml:"DbPassword"`
	Expiration      time.Time `xml:"Expiration"`
	NextRefreshTime time.Time `xml:"NextRefreshTime"`
}

// GetClusterCredentialsWithIAM issues a password for the caller's own IAM
// identity: "IAM:<user name>" or "IAMR:<role name>".
func (a *API) GetClusterCredentialsWithIAM(ctx context.Context, in *GetClusterCredentialsWithIAMInput) (*GetClusterCredentialsWithIAMOutput, error) {
	ep, err := a.cluster(in.ClusterIdentifier, in.CustomDomainName)
	if err != nil {
		return nil, err
	}
	d, err := duration(in.DurationSeconds)
	if err != nil {
		return nil, err
	}
	db := in.DbName
	if db == "" {
		db = ep.Database
	}
	tags, err := a.tagContext(ctx, ep.Name)
	if err != nil {
		return nil, err
	}
	if err := auth.RequireWith(ctx, a.authz, auth.Request{Action: "redshift:GetClusterCredentialsWithIAM",
		Resource: arn.DbName(a.opts.Region, a.opts.AccountID, ep.Name, db), Context: tags}); err != nil {
		return nil, err
	}
	p := auth.PrincipalFrom(ctx)
	if p == nil {
		return nil, auth.ErrDenied
	}
	kind, name, ok := dbcreds.CallerIdentity(p.ARN, p.UserName, p.Root)
	if !ok {
		return nil, unsupported("GetClusterCredentialsWithIAM needs an IAM user or role; the caller has no database user mapping.")
	}
	creds, err := a.issuer.Issue(ctx, dbcreds.Request{
		Engine: dbcreds.Engine{Kind: engines.Cluster, Name: ep.Name}, Database: in.DbName,
		DbUser: name, Identity: kind, Duration: d,
	})
	if err != nil {
		return nil, err
	}
	return &GetClusterCredentialsWithIAMOutput{DbUser: creds.DbUser, DbPassword: creds.Password,
		Expiration: creds.Expiration, NextRefreshTime: creds.Expiration}, nil
}

type DescribeClustersInput struct {
	ClusterIdentifier string
	MaxRecords        *int
	Marker            string
}

type Endpoint struct {
	Address string `xml:"Address"`
	Port    int    `xml:"Port"`
}

type Cluster struct {
	ClusterIdentifier   string    `xml:"ClusterIdentifier"`
	NodeType            string    `xml:"NodeType"`
	ClusterStatus       string    `xml:"ClusterStatus"`
	ClusterAvailability string    `xml:"ClusterAvailabilityStatus"`
	MasterUsername      string    `xml:"MasterUsername"`
	DBName              string    `xml:"DBName"`
	Endpoint            *Endpoint `xml:"Endpoint"`
	ClusterVersion      string    `xml:"ClusterVersion"`
	NumberOfNodes       int       `xml:"NumberOfNodes"`
	ClusterNamespaceArn string    `xml:"ClusterNamespaceArn"`
	Encrypted           bool      `xml:"Encrypted"`
	PubliclyAccessible  bool      `xml:"PubliclyAccessible"`
	// ClusterRevisionNumber is the revision SELECT VERSION() ends with.
	ClusterRevisionNumber string `xml:"ClusterRevisionNumber"`
	Tags                  []Tag  `xml:"Tags>Tag"`
}

type DescribeClustersOutput struct {
	Clusters []Cluster `xml:"Clusters>Cluster"`
}

// DescribeClusters lists the registered clusters, or the one named. It
// returns every cluster in one page; MaxRecords and Marker are accepted and
// ignored.
func (a *API) DescribeClusters(ctx context.Context, in *DescribeClustersInput) (*DescribeClustersOutput, error) {
	var eps []*engines.Endpoint
	if in.ClusterIdentifier != "" {
		ep, err := a.cluster(in.ClusterIdentifier, "")
		if err != nil {
			return nil, err
		}
		eps = []*engines.Endpoint{ep}
	} else {
		eps = a.reg.List(engines.Cluster)
	}
	out := &DescribeClustersOutput{Clusters: []Cluster{}}
	for _, ep := range eps {
		if err := auth.Require(ctx, a.authz, "redshift:DescribeClusters", arn.Cluster(a.opts.Region, a.opts.AccountID, ep.Name)); err != nil {
			if in.ClusterIdentifier != "" {
				return nil, err
			}
			continue // a listing shows what the caller may see
		}
		tags, err := a.ClusterTags(ctx, ep.Name)
		if err != nil {
			return nil, err
		}
		list := make([]Tag, 0, len(tags))
		for k, v := range tags {
			list = append(list, Tag{Key: k, Value: v})
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Key < list[j].Key })
		out.Clusters = append(out.Clusters, Cluster{
			ClusterIdentifier: ep.Name, NodeType: "ra3.xlplus", ClusterStatus: "available", ClusterAvailability: "Available",
			MasterUsername: ep.MasterUser, DBName: ep.Database, Endpoint: &Endpoint{Address: ep.Host, Port: ep.Port},
			ClusterVersion: "1.0", ClusterRevisionNumber: dialect.Revision,
			NumberOfNodes: 1, ClusterNamespaceArn: arn.ClusterNamespace(a.opts.Region, a.opts.AccountID, ep.Name), Tags: list,
		})
	}
	return out, nil
}
