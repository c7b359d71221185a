package app

// rsdata's own identity for IAM_ROLE datastores: the IAM user
// "rsdata-datastores" of the home account, created on its first use with an
// access key and an inline policy allowing sts:AssumeRole. Roles that
// datastores assume name it in their trust policies
// (arn:aws:iam::<account>:user/rsdata-datastores). With
// RSDATA_DATASTORE_AWS_ACCESS_KEY_ID the base credentials are those
// instead, for an endpoint on real AWS.

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rsdata/rsdata/internal/datastore"
	"github.com/rsdata/rsdata/internal/datastore/iamrole"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/identity"
)

// DatastoreUser is the IAM user rsdata assumes datastore roles as.
const DatastoreUser = "rsdata-datastores"

const datastoreAssumePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`

// datastoreIAM is the credential issuer of IAM_ROLE datastores.
func (a *App) datastoreIAM() datastore.CredentialIssuer {
	endpoint := a.cfg.DatastoreAWSEndpoint
	if endpoint == "" {
		addr := a.cfg.Listen
		if a.ln != nil {
			addr = clientAddr(a.ln.Addr())
		} else if host, port, err := net.SplitHostPort(addr); err == nil && (host == "" || host == "0.0.0.0" || host == "::") {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
		endpoint = "http://" + addr
	}
	var creds func(context.Context) (aws.Credentials, error)
	if a.cfg.DatastoreAWSAccessKeyID != "" {
		static := aws.Credentials{AccessKeyID: a.cfg.DatastoreAWSAccessKeyID, SecretAccessKey: a.cfg.DatastoreAWSSecretAccessKey}
		creds = func(context.Context) (aws.Credentials, error) { return static, nil }
	} else {
		// Made on first use, so a server without IAM_ROLE datastores
		// has no such user; trust policies may name it before it exists.
		own := &datastoreIdentity{app: a}
		creds = own.credentials
	}
	return iamrole.New(iamrole.Options{Endpoint: func() string { return endpoint }, Region: a.cfg.Region,
		Credentials: creds, Resolve: a.resolveEngine})
}

// resolveEngine names rsdata's own cluster or workgroup at host:port.
func (a *App) resolveEngine(host string, port int) (iamrole.Target, bool) {
	for _, kind := range []engines.Kind{engines.Cluster, engines.Workgroup} {
		for _, ep := range a.registry.List(kind) {
			if ep.Port == port && sameHost(ep.Host, host) {
				return iamrole.Target{Workgroup: kind == engines.Workgroup, Name: ep.Name}, true
			}
		}
	}
	return iamrole.Target{}, false
}

func sameHost(a, b string) bool {
	loopback := func(h string) bool { return h == "localhost" || net.ParseIP(h).IsLoopback() }
	return strings.EqualFold(a, b) || (loopback(a) && loopback(b))
}

// datastoreIdentity makes and reads rsdata-datastores' access key.
type datastoreIdentity struct {
	app *App
	mu  sync.Mutex
	svc *identity.Service
}

// credentials returns the user's active key, creating the user, its
// policy and a key when missing (a tests-reset removes them).
func (d *datastoreIdentity) credentials(ctx context.Context) (aws.Credentials, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.svc == nil {
		d.svc = identity.New(identity.Options{AccountID: d.app.cfg.AccountID}, d.app.store.Identities(d.app.cfg.AccountID), d.app.keys.sealer)
	}
	if _, err := d.svc.GetUser(ctx, DatastoreUser); errors.Is(err, identity.ErrNoSuchEntity) {
		if _, err := d.svc.CreateUser(ctx, identity.CreateUserInput{UserName: DatastoreUser}); err != nil && !errors.Is(err, identity.ErrEntityAlreadyExists) {
			return aws.Credentials{}, err
		}
		if err := d.svc.PutUserPolicy(ctx, DatastoreUser, "assume-datastore-roles", datastoreAssumePolicy); err != nil {
			return aws.Credentials{}, err
		}
	} else if err != nil {
		return aws.Credentials{}, err
	}
	keys, err := d.svc.ListAccessKeys(ctx, DatastoreUser)
	if err != nil {
		return aws.Credentials{}, err
	}
	for _, k := range keys {
		if k.Status != identity.Active {
			continue
		}
		secret, _, err := d.svc.LookupKey(ctx, k.ID)
		if err == nil {
			return aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: secret}, nil
		}
	}
	k, err := d.svc.CreateAccessKey(ctx, DatastoreUser)
	if err != nil {
		return aws.Credentials{}, err
	}
	return aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}, nil
}
