package identity_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/identity"
	"github.com/rsdata/rsdata/internal/seal"
	"github.com/rsdata/rsdata/internal/sessiontoken"
	"github.com/rsdata/rsdata/internal/sigv4"
	"github.com/rsdata/rsdata/internal/store"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	home = "123456789012"
	peer = "210987654321"
)

// directory is a Directory over two accounts in a real store, with a clock
// the test moves.
type directory struct {
	*identity.Directory
	home, peer *identity.Service
	now        *time.Time
}

func newDirectory(t *testing.T) directory {
	t.Helper()
	ctx := context.Background()
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	sealer, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, srv.ConnString("postgres", db), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }
	d := directory{
		home: identity.New(identity.Options{AccountID: home, Clock: clock}, st.Identities(home), sealer),
		peer: identity.New(identity.Options{AccountID: peer, Clock: clock}, st.Identities(peer), sealer),
		now:  &now,
	}
	d.Directory = identity.NewDirectory(identity.DirectoryOptions{
		Home: home, Accounts: map[string]*identity.Service{home: d.home, peer: d.peer},
		Roots:    []identity.RootKey{{AccountID: home, AccessKeyID: "AKIAROOTHOME", SecretAccessKey: "s1"}, {AccountID: peer, AccessKeyID: "AKIAROOTPEER", SecretAccessKey: "s2"}},
		Sessions: sessiontoken.New(bytes.Repeat([]byte{9}, 32)), Clock: clock,
	})
	return d
}

func mustUser(t *testing.T, svc *identity.Service, name string) (*identity.Caller, *identity.NewAccessKey) {
	t.Helper()
	ctx := context.Background()
	u, err := svc.CreateUser(ctx, identity.CreateUserInput{UserName: name})
	if err != nil {
		t.Fatal(err)
	}
	k, err := svc.CreateAccessKey(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return &identity.Caller{AccountID: u.ARN[13:25], ARN: u.ARN, UserID: u.ID, UserName: name, OwnerARN: u.ARN}, k
}

func TestLookupKey(t *testing.T) {
	ctx := context.Background()
	d := newDirectory(t)
	_, alice := mustUser(t, d.home, "alice")
	_, bob := mustUser(t, d.peer, "bob")

	for _, c := range []struct {
		key, secret, account, arn string
		root                      bool
	}{
		{"AKIAROOTHOME", "s1", home, "arn:aws:iam::123456789012:root", true},
		{"AKIAROOTPEER", "s2", peer, "arn:aws:iam::210987654321:root", true},
		{alice.ID, alice.Secret, home, "arn:aws:iam::123456789012:user/alice", false},
		{bob.ID, bob.Secret, peer, "arn:aws:iam::210987654321:user/bob", false},
	} {
		creds, who, err := d.LookupKey(ctx, c.key, "")
		if err != nil {
			t.Fatalf("%s: %v", c.key, err)
		}
		if creds.SecretAccessKey != c.secret || who.AccountID != c.account || who.ARN != c.arn || who.Root != c.root {
			t.Errorf("%s: %+v %+v", c.key, creds, who)
		}
	}
	if _, _, err := d.LookupKey(ctx, "AKIANOSUCHKEY000", ""); !errors.Is(err, sigv4.ErrUnknownAccessKey) {
		t.Errorf("unknown key: %v", err)
	}
	if _, _, err := d.LookupKey(ctx, "ASIANOSUCHKEY000", "forged.token"); !errors.Is(err, sigv4.ErrUnknownAccessKey) {
		t.Errorf("forged session: %v", err)
	}
}

const trustHome = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`

const trustWithExternalID = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x-1"}}}]}`

func TestAssumeRole(t *testing.T) {
	ctx := context.Background()
	d := newDirectory(t)
	alice, _ := mustUser(t, d.home, "alice")
	if _, err := d.home.CreateRole(ctx, identity.CreateRoleInput{RoleName: "etl", AssumeRolePolicyDocument: trustHome}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.home.CreateRole(ctx, identity.CreateRoleInput{RoleName: "ext", AssumeRolePolicyDocument: trustWithExternalID}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.peer.CreateRole(ctx, identity.CreateRoleInput{RoleName: "shared", AssumeRolePolicyDocument: trustHome}); err != nil {
		t.Fatal(err)
	}
	allow := func(context.Context, string) (bool, error) { return true, nil }
	refuse := func(context.Context, string) (bool, error) { return false, nil }

	var (
		validation *identity.ValidationError
		malformed  *identity.MalformedError
		denied     *identity.AssumeRoleDeniedError
	)
	for _, c := range []struct {
		name string
		req  identity.AssumeRoleRequest
		want any // nil for success, else a pointer to the error type wanted
	}{
		{"own account", identity.AssumeRoleRequest{RoleARN: "arn:aws:iam::123456789012:role/etl", SessionName: "s1", IdentityAllows: allow}, nil},
		{"peer account", identity.AssumeRoleRequest{RoleARN: "arn:aws:iam::210987654321:role/shared", SessionName: "s1", IdentityAllows: allow}, nil},
		{"identity policy refuses", identity.AssumeRoleRequest{RoleARN: "arn:aws:iam::123456789012:role/etl", SessionName: "s1", IdentityAllows: refuse}, &denied},
		{"no such role", identity.AssumeRoleRequest{RoleARN: "arn:aws:iam::123456789012:role/nope", SessionName: "s1", IdentityAllows: allow}, &denied},
		{"unserved account", identity.AssumeRoleRequest{RoleARN: "arn:aws:iam::111111111111:role/etl", SessionName: "s1", IdentityAllows: allow}, &denied},
		{"external id missing", identity.AssumeRoleRequest{RoleARN: "arn:aws:iam::123456789012:role/ext", SessionName: "s1", IdentityAllows: allow}, &denied},
		{"external id wrong", identity.AssumeRoleRequest{RoleARN: "arn:aws:iam::123456789012:role/ext", SessionName: "s1", ExternalID: "x-2", IdentityAllows: allow}, &denied},
		{"external id right", identity.AssumeRoleRequest{RoleARN: "arn:aws:iam::123456789012:role/ext", SessionName: "s1", ExternalID: "x-1", IdentityAllows: allow}, nil},
		{"bad session name", identity.AssumeRoleRequest{RoleARN: "arn:aws:iam::123456789012:role/etl", SessionName: "a b", IdentityAllows: allow}, &validation},
		{"too short", identity.AssumeRoleRequest{RoleARN: "arn:aws:iam::123456789012:role/etl", SessionName: "s1", Duration: 899 * time.Second, IdentityAllows: allow}, &validation},
		{"over the role's maximum", identity.AssumeRoleRequest{RoleARN: "arn:aws:iam::123456789012:role/etl", SessionName: "s1", Duration: 3601 * time.Second, IdentityAllows: allow}, &validation},
		{"malformed session policy", identity.AssumeRoleRequest{RoleARN: "arn:aws:iam::123456789012:role/etl", SessionName: "s1", Policy: "{", IdentityAllows: allow}, &malformed},
	} {
		s, err := d.AssumeRole(ctx, alice, c.req)
		switch want := c.want.(type) {
		case nil:
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			// The credentials sign as the role's session, in the role's account.
			_, who, err := d.LookupKey(ctx, s.AccessKeyID, s.SessionToken)
			if err != nil {
				t.Errorf("%s: session key: %v", c.name, err)
				continue
			}
			if who.ARN != s.ARN || who.OwnerARN != c.req.RoleARN || who.AccountID != c.req.RoleARN[13:25] {
				t.Errorf("%s: session caller %+v for %+v", c.name, who, s)
			}
		case **identity.ValidationError:
			if !errors.As(err, want) {
				t.Errorf("%s: err = %v, want a ValidationError", c.name, err)
			}
		case **identity.MalformedError:
			if !errors.As(err, want) {
				t.Errorf("%s: err = %v, want a MalformedError", c.name, err)
			}
		case **identity.AssumeRoleDeniedError:
			if !errors.As(err, want) || !errors.Is(err, identity.ErrAssumeRoleDenied) ||
				err.Error() != "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: "+c.req.RoleARN {
				t.Errorf("%s: err = %v, want AssumeRole denied", c.name, err)
			}
		}
	}
}

func TestSessionExpiry(t *testing.T) {
	ctx := context.Background()
	d := newDirectory(t)
	alice, _ := mustUser(t, d.home, "alice")
	if _, err := d.home.CreateRole(ctx, identity.CreateRoleInput{RoleName: "etl", AssumeRolePolicyDocument: trustHome}); err != nil {
		t.Fatal(err)
	}
	s, err := d.AssumeRole(ctx, alice, identity.AssumeRoleRequest{RoleARN: "arn:aws:iam::123456789012:role/etl", SessionName: "s1", Duration: 900 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// Another key's id with this token is not this session.
	if _, _, err := d.LookupKey(ctx, "ASIAAAAAAAAAAAAAAAAA", s.SessionToken); !errors.Is(err, sigv4.ErrUnknownAccessKey) {
		t.Fatalf("token under another key id: %v", err)
	}
	*d.now = d.now.Add(899 * time.Second)
	if _, _, err := d.LookupKey(ctx, s.AccessKeyID, s.SessionToken); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	*d.now = d.now.Add(time.Second)
	if _, _, err := d.LookupKey(ctx, s.AccessKeyID, s.SessionToken); !errors.Is(err, identity.ErrExpiredToken) {
		t.Fatalf("at expiry: %v, want ErrExpiredToken", err)
	}
}
