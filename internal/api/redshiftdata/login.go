// Where and as whom a statement runs: the target, the database user, and the secret or IAM credentials behind it.

package redshiftdata

import (
	"context"
	"errors"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/secrets"
	"github.com/rsdata/rsdata/internal/statement"
)

// login is where and as whom a request runs, and what the caller must be
// allowed to do to get there.
type login struct {
	target     statement.Target
	ep         *engines.Endpoint
	dbUser     string
	database   string
	autoCreate bool
	secretArn  string
	password   string // from the secret; never stored
	// creds are the credential calls AWS makes on the caller's behalf
	// (GetClusterCredentials, GetCredentials, ...), authorized with the
	// caller's own permissions.
	creds []auth.Request
}

// resolveLogin validates the connection members of a request and chooses
// the database user the way the Data API does:
//   - cluster and DbUser: that existing user (GetClusterCredentials);
//   - cluster without DbUser: the caller's IAM user "IAM:<name>" or role
//     "IAMR:<name>" (GetClusterCredentialsWithIAM);
//   - workgroup: the same IAM mapping (redshift-serverless GetCredentials).
//
// The account's root user, which has no IAM database user, runs as the
// master user where AWS would map an identity.
func (s *Service) resolveLogin(ctx context.Context, c connection) (login, error) {
	target, ep, err := s.resolveTarget(c.ClusterIdentifier, c.WorkgroupName)
	if err != nil {
		return login{}, err
	}
	kind := string(target.Kind)
	if c.Database == nil || *c.Database == "" {
		return login{}, awserr.Validation("Database is required when connecting to a %s.", kind)
	}
	l := login{target: target, ep: ep, dbUser: str(c.DbUser), database: *c.Database}
	switch {
	case c.SecretArn != nil:
		return s.secretLogin(ctx, l, *c.SecretArn)
	case target.Kind == engines.Cluster && l.dbUser != "":
		l.creds = []auth.Request{
			{Action: "redshift:GetClusterCredentials", Resource: arn.DbUser(s.opts.Region, s.opts.AccountID, target.Name, l.dbUser)},
			{Action: "redshift:GetClusterCredentials", Resource: arn.DbName(s.opts.Region, s.opts.AccountID, target.Name, l.database)},
		}
	case target.Kind == engines.Cluster:
		l.dbUser, l.autoCreate = iamDbUser(auth.PrincipalFrom(ctx), ep)
		l.creds = []auth.Request{{Action: "redshift:GetClusterCredentialsWithIAM", Resource: arn.DbName(s.opts.Region, s.opts.AccountID, target.Name, l.database)}}
	default:
		l.dbUser, l.autoCreate = iamDbUser(auth.PrincipalFrom(ctx), ep)
		l.creds = []auth.Request{{Action: "redshift-serverless:GetCredentials", Resource: s.resourceARN(target)}}
	}
	// The credential calls see the target's tags as aws:ResourceTag/<key>
	// (the managed policy needs RedshiftDataFullAccess on a workgroup).
	// Root is allowed without looking at policies, so its requests skip
	// the look-up.
	if p := auth.PrincipalFrom(ctx); s.opts.Tags.Enabled() && (p == nil || !p.Root) {
		tags, err := s.opts.Tags.Of(ctx, target.Kind, target.Name)
		if err != nil {
			return login{}, err
		}
		for i := range l.creds {
			l.creds[i].Context = auth.ResourceTagContext(tags)
		}
	}
	return l, nil
}

// secretLogin logs in with the username and password a secret holds. The
// caller needs secretsmanager:GetSecretValue on the secret (with its tags as
// secretsmanager:ResourceTag/<key>, which the managed policy tests); a
// dbClusterIdentifier in the secret must name the cluster asked for.
func (s *Service) secretLogin(ctx context.Context, l login, secretID string) (login, error) {
	if s.opts.Secrets == nil {
		return login{}, awserr.Validation("SecretArn is not supported by this server.")
	}
	v, tags, arn, err := s.opts.Secrets.ValueForDataAPI(ctx, secretID)
	switch {
	case errors.Is(err, secrets.ErrNotFound):
		// The Data API reads the secret with the caller's own credentials,
		// and the November 2025 model lists ResourceNotFoundException on
		// exactly the operations that take a SecretArn: Secrets Manager's
		// not-found, naming the secret.
		return login{}, awserr.ResourceNotFound(secretID, "Secrets Manager can't find the specified secret.")
	case errors.Is(err, secrets.ErrNotCredentials):
		return login{}, awserr.Validation("The secret must hold a JSON object with username and password.")
	case err != nil:
		var reqErr *secrets.InvalidRequestError
		if errors.As(err, &reqErr) {
			return login{}, awserr.Validation("%s", reqErr.Error())
		}
		return login{}, err
	}
	keys := map[string][]string{}
	auth.AddResourceTags(keys, "secretsmanager:ResourceTag/", tags)
	auth.AddResourceTags(keys, auth.ResourceTagPrefix, tags)
	l.creds = []auth.Request{{Action: "secretsmanager:GetSecretValue", Resource: arn, Context: keys}}
	if l.target.Kind == engines.Cluster && v.DbClusterIdentifier != "" && v.DbClusterIdentifier != l.target.Name {
		return login{}, awserr.Validation("The dbClusterIdentifier in the secret (%s) does not match the ClusterIdentifier %s.", v.DbClusterIdentifier, l.target.Name)
	}
	if v.Username == "" || v.Password == "" {
		return login{}, awserr.Validation(msgSecretEmpty)
	}
	l.dbUser, l.password, l.secretArn = v.Username, v.Password, arn
	return l, nil
}

// iamDbUser maps the caller to its database user: "IAM:<user>" for an IAM
// user, "IAMR:<role>" for a role session, created on first use; the master
// user for the account's root.
func iamDbUser(p *auth.Principal, ep *engines.Endpoint) (string, bool) {
	switch {
	case p == nil || p.Root:
		return ep.MasterUser, false
	case p.RoleName != "":
		return "IAMR:" + p.RoleName, true
	default:
		return "IAM:" + p.UserName, true
	}
}

// authorizeLogin checks the credential calls a login needs.
func (s *Service) authorizeLogin(ctx context.Context, l login) error {
	for _, req := range l.creds {
		if err := auth.RequireWith(ctx, s.authz, req); err != nil {
			return err
		}
	}
	return nil
}
