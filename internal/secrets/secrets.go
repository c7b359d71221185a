// Package secrets is rsdata's Secrets Manager subset: named secrets with
// versions moved between staging labels, tags, deletion with a recovery
// window, and the credentials the Data API reads from a secret. Values are
// sealed before they reach the Store, which therefore never holds
// plaintext. The package knows nothing of the wire: the API layer maps its
// typed errors onto Secrets Manager's exceptions.
package secrets

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/rsdata/rsdata/internal/arn"
	"github.com/rsdata/rsdata/internal/ids"
	"github.com/rsdata/rsdata/internal/pagetoken"
)

// Staging labels with meaning to Secrets Manager.
const (
	StageCurrent  = "AWSCURRENT"
	StagePrevious = "AWSPREVIOUS"
	StagePending  = "AWSPENDING"
)

// Limits, as Secrets Manager sets them.
const (
	maxNameLen        = 512
	maxDescriptionLen = 2048
	maxKmsKeyIDLen    = 2048
	maxValueLen       = 65536
	maxTags           = 50
	maxTagKeyLen      = 128
	maxTagValueLen    = 256
	minTokenLen       = 32
	maxTokenLen       = 64
	maxStageLen       = 256
	maxStages         = 20
	defaultWindowDays = 30
	minWindowDays     = 7
	maxWindowDays     = 30
	// maxVersions bounds how many versions a secret keeps: beyond it the
	// oldest versions without staging labels (deprecated ones) are dropped.
	maxVersions = 100
	// updateAttempts bounds retries of a read-modify-write that lost a race.
	updateAttempts = 8
)

// Tag is a secret's tag.
type Tag struct{ Key, Value string }

// Version is one value of a secret. Its value never changes once written;
// only its staging labels move.
type Version struct {
	ID          string
	Stages      []string
	CreatedDate time.Time
	Binary      bool   // whether the value was SecretBinary rather than SecretString
	Sealed      []byte // the sealed value; nil in what Describe and List return
}

// Secret is a secret's metadata and versions.
type Secret struct {
	ARN         string
	Name        string
	Description string
	KmsKeyID    string // accepted and stored; rsdata seals with its own key
	Tags        []Tag

	CreatedDate      time.Time
	LastChangedDate  time.Time
	LastAccessedDate time.Time // a date (midnight UTC); zero if never read
	// DeletedDate is when deletion was requested and DeletionDate when the
	// secret goes for good; both zero unless scheduled for deletion.
	DeletedDate  time.Time
	DeletionDate time.Time

	Versions []Version
	// Revision increases with every stored change; Store.UpdateSecret uses
	// it to detect concurrent writers.
	Revision int64
}

// ScheduledForDeletion reports whether the secret awaits deletion.
func (s *Secret) ScheduledForDeletion() bool { return !s.DeletedDate.IsZero() }

// TagMap returns the tags as a map.
func (s *Secret) TagMap() map[string]string {
	m := make(map[string]string, len(s.Tags))
	for _, t := range s.Tags {
		m[t.Key] = t.Value
	}
	return m
}

// VersionStages maps each version that has staging labels to them.
func (s *Secret) VersionStages() map[string][]string {
	m := make(map[string][]string, len(s.Versions))
	for _, v := range s.Versions {
		if len(v.Stages) > 0 {
			m[v.ID] = slices.Clone(v.Stages)
		}
	}
	return m
}

func (s *Secret) version(id string) *Version {
	for i := range s.Versions {
		if s.Versions[i].ID == id {
			return &s.Versions[i]
		}
	}
	return nil
}

func (s *Secret) staged(stage string) *Version {
	for i := range s.Versions {
		if slices.Contains(s.Versions[i].Stages, stage) {
			return &s.Versions[i]
		}
	}
	return nil
}

// public returns a copy of s without sealed values.
func (s *Secret) public() *Secret {
	c := *s
	c.Tags = slices.Clone(s.Tags)
	c.Versions = make([]Version, len(s.Versions))
	for i, v := range s.Versions {
		v.Stages = slices.Clone(v.Stages)
		v.Sealed = nil
		c.Versions[i] = v
	}
	return &c
}

// Sealer encrypts values at rest; *seal.Sealer is one.
type Sealer interface {
	// Seal returns plaintext encrypted and authenticated.
	Seal(plaintext []byte) ([]byte, error)
	// Open returns what Seal was given, or an error if sealed was altered.
	Open(sealed []byte) ([]byte, error)
}

// Options configure a Service.
type Options struct {
	AccountID string
	Region    string
	// Clock returns the current time; time.Now if nil.
	Clock func() time.Time
	// Tokens mints and reads ListSecrets NextTokens; nil means a random
	// key, whose tokens die with the Service.
	Tokens *pagetoken.Codec
}

// Service runs the Secrets Manager operations. It is safe for concurrent
// use; it holds no state beyond its dependencies.
type Service struct {
	opts   Options
	store  Store
	sealer Sealer
}

// New returns a Service over store, sealing values with sealer.
func New(opts Options, store Store, sealer Sealer) *Service {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Tokens == nil {
		opts.Tokens = pagetoken.Random()
	}
	return &Service{opts: opts, store: store, sealer: sealer}
}

func (s *Service) now() time.Time { return s.opts.Clock().UTC().Truncate(time.Millisecond) }

func (s *Service) arnPrefix() string {
	return arn.SecretPrefix(s.opts.Region, s.opts.AccountID)
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (s *Service) newARN(name string) string { return s.arnPrefix() + name + "-" + ids.Token(6, alnum) }

// ResourceARN is the ARN to authorize a request about a secret that could
// not be found: id itself if it is an ARN, else the ARN prefix with the name.
func (s *Service) ResourceARN(id string) string {
	if strings.HasPrefix(id, "arn:") {
		return id
	}
	return s.arnPrefix() + id
}

// find resolves a SecretId: a name, a full ARN, or a partial ARN (the ARN
// without the six random characters AWS appends). A secret whose recovery
// window has passed is removed here and reported missing.
func (s *Service) find(ctx context.Context, id string) (*Secret, error) {
	var (
		sec *Secret
		err error
	)
	if strings.HasPrefix(id, "arn:") {
		sec, err = s.store.GetSecretByARN(ctx, id)
		if errors.Is(err, ErrNotFound) {
			name, ok := strings.CutPrefix(id, s.arnPrefix())
			if !ok || name == "" {
				return nil, ErrNotFound
			}
			sec, err = s.store.GetSecretByName(ctx, name)
		}
	} else {
		sec, err = s.store.GetSecretByName(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	if sec.ScheduledForDeletion() && !s.now().Before(sec.DeletionDate) {
		if err := s.store.DeleteSecret(ctx, sec.ARN); err != nil {
			return nil, err
		}
		return nil, ErrNotFound
	}
	return sec, nil
}

// mutate reads the secret, lets change edit it and stores the result,
// retrying when another writer got there first. change returns false to
// leave the secret as it is.
func (s *Service) mutate(ctx context.Context, id string, change func(sec *Secret, now time.Time) (bool, error)) (*Secret, error) {
	for attempt := 1; ; attempt++ {
		sec, err := s.find(ctx, id)
		if err != nil {
			return nil, err
		}
		changed, err := change(sec, s.now())
		if err != nil || !changed {
			return sec, err
		}
		err = s.store.UpdateSecret(ctx, sec)
		if errors.Is(err, ErrConflict) && attempt < updateAttempts {
			continue
		}
		if err != nil {
			return nil, err
		}
		sec.Revision++
		return sec, nil
	}
}
