// Package identity keeps rsdata's IAM identities: users with their access
// keys, roles with their trust policies, customer managed policies, inline
// policies, attachments and tags. It validates every request the way IAM
// does, mints IAM-shaped ids and ARNs, seals access key secrets before they
// reach the Store, and answers the auth layer's questions (which secret
// belongs to this key, which policies apply to this user or role).
//
// The package is wire-agnostic: it returns the typed errors in errors.go and
// leaves codes and HTTP statuses to the API layer. It caches nothing, so a
// change made through any rsdata process is seen by the next call.
package identity

import (
	"time"
)

// Kind says whether an inline policy, attachment or tag belongs to a user or
// a role.
type Kind string

// The kinds of identity that hold policies and tags.
const (
	KindUser Kind = "user"
	KindRole Kind = "role"
)

// Owner names the user or role an inline policy, attachment or tag set
// belongs to.
type Owner struct {
	Kind Kind
	Name string
}

// Tag is a key/value pair on a user or role.
type Tag struct {
	Key, Value string
}

// User is an IAM user.
type User struct {
	Name      string
	ID        string // AIDA + 16
	ARN       string // arn:aws:iam::<acct>:user<path><name>
	Path      string
	CreatedAt time.Time
	Tags      []Tag // ordered by key
}

// AccessKeyStatus is Active or Inactive.
type AccessKeyStatus string

// Access key statuses, spelled as IAM spells them.
const (
	Active   AccessKeyStatus = "Active"
	Inactive AccessKeyStatus = "Inactive"
)

// AccessKey is a user's long-term credential. The secret is kept only
// sealed; CreateAccessKey returns it in clear once.
type AccessKey struct {
	ID           string // AKIA + 16
	UserName     string
	Status       AccessKeyStatus
	CreatedAt    time.Time
	SealedSecret []byte
}

// Role is an IAM role.
type Role struct {
	Name               string
	ID                 string // AROA + 16
	ARN                string // arn:aws:iam::<acct>:role<path><name>
	Path               string
	Description        string
	TrustPolicy        string // the assume-role policy document, as given
	MaxSessionDuration int32  // seconds
	CreatedAt          time.Time
	Tags               []Tag // ordered by key
}

// ManagedPolicy is a customer managed policy, or the built-in AWS managed
// policy AmazonRedshiftDataFullAccess. Only one version, the default, is
// kept.
type ManagedPolicy struct {
	Name             string
	ARN              string // arn:aws:iam::<acct>:policy<path><name>
	ID               string // ANPA + 16
	Path             string
	Description      string
	Document         string
	DefaultVersionID string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	// AttachmentCount is filled in by the Service on reads; stores may
	// leave it zero.
	AttachmentCount int
	// AWSManaged is true for the built-in policy only.
	AWSManaged bool
}

// InlinePolicy is a policy embedded in one user or role.
type InlinePolicy struct {
	Name     string
	Document string
}
