package datastore

import (
	"context"
	"strings"
	"sync"
	"time"
)

// CredentialIssuer obtains short-lived database credentials for an
// IAM_ROLE connection: it assumes the role (with the external id) and asks
// the cluster or workgroup behind host:port for credentials of the role's
// database user, "IAMR:<role>".
type CredentialIssuer interface {
	// Issue returns a user, a password and when they expire. Its errors
	// are public: STS's or Redshift's reason ("AccessDenied: ...").
	Issue(ctx context.Context, req IssueRequest) (Issued, error)
}

// IssueRequest names the role and the database.
type IssueRequest struct {
	RoleARN    string
	ExternalID string
	Host       string
	Port       int
	Database   string
}

// Issued is a temporary database login.
type Issued struct {
	User, Password string
	Expiration     time.Time
}

// refreshBefore is how long before expiry credentials are replaced, so a
// login never uses a password about to lapse (JDBC's IAM plugin refreshes
// ahead of expiry too).
const refreshBefore = 2 * time.Minute

// iamLogin caches the credentials of one IAM_ROLE connection and fetches
// new ones before they expire. It is an engines.Credentials.
type iamLogin struct {
	issuer CredentialIssuer
	req    IssueRequest
	clock  func() time.Time

	mu  sync.Mutex
	cur Issued
}

func newIAMLogin(issuer CredentialIssuer, c *Connection, database string, clock func() time.Time) *iamLogin {
	return &iamLogin{issuer: issuer, clock: clock,
		req: IssueRequest{RoleARN: c.RoleARN, ExternalID: c.ExternalID, Host: c.Host, Port: c.Port, Database: database}}
}

// Login returns cached credentials, or new ones when none are left valid
// for refreshBefore.
func (l *iamLogin) Login(ctx context.Context) (string, string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur.Password != "" && l.clock().Add(refreshBefore).Before(l.cur.Expiration) {
		return l.cur.User, l.cur.Password, nil
	}
	got, err := l.issuer.Issue(ctx, l.req)
	if err != nil {
		return "", "", &ConnectError{Message: err.Error()}
	}
	l.cur = got
	return got.User, got.Password, nil
}

// roleName is the name in a role ARN (after the last "/"), or "".
func roleName(roleARN string) string {
	parts := strings.SplitN(roleARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
		return ""
	}
	name := parts[5][strings.LastIndexByte(parts[5], '/')+1:]
	return name
}

// iamDbUser is the database user of a role, as the Data API and
// GetClusterCredentialsWithIAM name it.
func iamDbUser(roleARN string) string { return "IAMR:" + roleName(roleARN) }
