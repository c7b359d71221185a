package datastore

import (
	"context"
	"errors"
	"testing"
	"time"
)

// issuer counts the credentials it hands out; each expires after ttl.
type issuer struct {
	now   *time.Time
	ttl   time.Duration
	calls int
	fail  error
}

func (f *issuer) Issue(_ context.Context, req IssueRequest) (Issued, error) {
	if f.fail != nil {
		return Issued{}, f.fail
	}
	f.calls++
	return Issued{User: iamDbUser(req.RoleARN), Password: string(rune('a' + f.calls)), Expiration: f.now.Add(f.ttl)}, nil
}

// TestIAMLoginRefreshesBeforeExpiry: credentials are reused while they
// have more than refreshBefore left, and replaced after.
func TestIAMLoginRefreshesBeforeExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := &issuer{now: &now, ttl: 15 * time.Minute}
	l := newIAMLogin(f, &Connection{RoleARN: "arn:aws:iam::123456789012:role/path/Reader", Host: "h", Port: 5439}, "dev", func() time.Time { return now })
	user, pw1, err := l.Login(context.Background())
	if err != nil || user != "IAMR:Reader" {
		t.Fatalf("first login: %q %v", user, err)
	}
	now = now.Add(12 * time.Minute) // 3 minutes left: still used
	if _, pw, _ := l.Login(context.Background()); pw != pw1 || f.calls != 1 {
		t.Errorf("with 3 minutes left: password %q (first %q), %d issues", pw, pw1, f.calls)
	}
	now = now.Add(90 * time.Second) // 90 seconds left: replaced
	if _, pw, _ := l.Login(context.Background()); pw == pw1 || f.calls != 2 {
		t.Errorf("with 90 seconds left: password %q (first %q), %d issues", pw, pw1, f.calls)
	}
	f.fail = errors.New("STS AssumeRole: AccessDenied: no")
	now = now.Add(time.Hour)
	var ce *ConnectError
	if _, _, err := l.Login(context.Background()); !errors.As(err, &ce) || ce.Message != "STS AssumeRole: AccessDenied: no" {
		t.Errorf("a failed refresh: %v", err)
	}
}

func TestRoleName(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::123456789012:role/QualyticsRedshiftRole": "QualyticsRedshiftRole",
		"arn:aws:iam::123456789012:role/team/a/Reader":         "Reader",
		"arn:aws:iam::123456789012:user/bob":                   "",
		"QualyticsRedshiftRole":                                "",
	} {
		if got := roleName(arn); got != want {
			t.Errorf("roleName(%q) = %q, want %q", arn, got, want)
		}
	}
}

// TestBuildConnectionNamesTheField: bad connections are refused with the
// field named.
func TestBuildConnectionNamesTheField(t *testing.T) {
	port := func(p int) *int { return &p }
	for _, c := range []struct {
		in    ConnectionInput
		field string
	}{
		{ConnectionInput{Type: "redshift", Host: "h", Password: "p"}, "connection.username"},
		{ConnectionInput{Type: "redshift", Host: "h", Username: "u"}, "connection.password"},
		{ConnectionInput{Type: "redshift", Host: "h", AuthType: AuthIAMRole, RoleARN: "arn:aws:iam::1:role/r", Password: "p"}, "connection.password"},
		{ConnectionInput{Type: "redshift", Host: "h", AuthType: AuthIAMRole}, "connection.parameters.role_arn"},
		{ConnectionInput{Type: "redshift", Host: "h", AuthType: AuthIAMRole, RoleARN: "role"}, "connection.parameters.role_arn"},
		{ConnectionInput{Type: "snowflake", Host: "h", Username: "u", Password: "p"}, "connection.type"},
		{ConnectionInput{Host: "h", Username: "u", Password: "p"}, "connection.type"},
		{ConnectionInput{Type: "redshift", Host: "h", Username: "u", Password: "p", Port: port(70000)}, "connection.port"},
		{ConnectionInput{Type: "redshift", Host: "h", Username: "u", Password: "p", Port: port(0)}, "connection.port"},
		{ConnectionInput{Type: "redshift", Username: "u", Password: "p"}, "connection.host"},
		{ConnectionInput{Type: "redshift", Host: "h", Username: "u", Password: "p", AuthType: "KERBEROS"}, "connection.parameters.authentication_type"},
	} {
		_, err := buildConnection(&c.in, "connection.")
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%+v: %v, want a validation error on %s", c.in, err, c.field)
		}
	}
	c, err := buildConnection(&ConnectionInput{Type: "redshift", Host: "h", Username: "u", Password: "p"}, "connection.")
	if err != nil || c.Port != DefaultPort || c.AuthType != AuthBasic {
		t.Errorf("defaults: %+v %v", c, err)
	}
}
