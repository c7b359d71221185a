package policy

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const (
	acct      = "123456789012"
	otherAcct = "210987654321"
	clusterC1 = "arn:aws:redshift:us-east-1:123456789012:cluster:c1"
)

func mustParse(t testing.TB, doc string, kind Kind) *Policy {
	t.Helper()
	p, err := Parse(doc, kind)
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return p
}

// kv builds a single-valued context from key, value pairs.
func kv(pairs ...string) map[string][]string {
	m := make(map[string][]string)
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = append(m[pairs[i]], pairs[i+1])
	}
	return m
}

func wantDecision(t testing.TB, got, want Decision) {
	t.Helper()
	if got != want {
		t.Errorf("decision = %v, want %v", got, want)
	}
}

func allowIf(b bool) Decision {
	if b {
		return Allow
	}
	return NoDecision
}

func TestParseMalformed(t *testing.T) {
	const ok = `"Effect":"Allow","Action":"redshift-data:ExecuteStatement","Resource":"*"`
	stmt := func(s string) string { return `{"Version":"2012-10-17","Statement":{` + s + `}}` }
	withCond := func(c string) string { return stmt(ok + `,"Condition":` + c) }
	deep := strings.Repeat("[", 40) + strings.Repeat("]", 40)
	tests := []struct {
		name string
		doc  string
		kind Kind
		msg  string // exact public message, or "" to check only the type
	}{
		{"empty", ``, Identity, msgSyntax},
		{"not json", `nope`, Identity, msgSyntax},
		{"truncated", `{"Statement":`, Identity, msgSyntax},
		{"array document", `[]`, Identity, msgSyntax},
		{"string document", `"x"`, Identity, msgSyntax},
		{"trailing data", stmt(ok) + `{}`, Identity, msgSyntax},
		{"invalid utf8", "{\"Statement\":{\"Sid\":\"\xff\"," + ok + "}}", Identity, msgSyntax},
		{"too deep", `{"Statement":` + deep + `}`, Identity, msgSyntax},
		{"missing statement", `{"Version":"2012-10-17"}`, Identity, msgMissingStatement},
		{"empty statement array", `{"Version":"2012-10-17","Statement":[]}`, Identity, msgSyntax},
		{"statement is string", `{"Statement":"x"}`, Identity, msgSyntax},
		{"statement array holds string", `{"Statement":["x"]}`, Identity, msgSyntax},
		{"unknown top-level field", `{"Version":"2012-10-17","Foo":1,"Statement":{` + ok + `}}`, Identity, msgSyntax},
		{"lower-case top-level field", `{"version":"2012-10-17","Statement":{` + ok + `}}`, Identity, msgSyntax},
		{"bad version", `{"Version":"2012-10-18","Statement":{` + ok + `}}`, Identity, msgLegacyParsing},
		{"version not string", `{"Version":2012,"Statement":{` + ok + `}}`, Identity, msgSyntax},
		{"id not string", `{"Id":1,"Statement":{` + ok + `}}`, Identity, msgSyntax},
		{"duplicate key", stmt(ok + `,"Effect":"Deny"`), Identity, msgSyntax},
		{"unknown statement field", stmt(ok + `,"Foo":"x"`), Identity, msgSyntax},
		{"lower-case statement field", stmt(`"effect":"Allow","Action":"s3:GetObject","Resource":"*"`), Identity, msgSyntax},
		{"missing effect", stmt(`"Action":"s3:GetObject","Resource":"*"`), Identity, msgMissingEffect},
		{"bad effect", stmt(`"Effect":"Permit","Action":"s3:GetObject","Resource":"*"`), Identity, "Invalid effect: Permit"},
		{"lower-case effect", stmt(`"Effect":"allow","Action":"s3:GetObject","Resource":"*"`), Identity, "Invalid effect: allow"},
		{"effect not string", stmt(`"Effect":true,"Action":"s3:GetObject","Resource":"*"`), Identity, msgSyntax},
		{"effect null", stmt(`"Effect":null,"Action":"s3:GetObject","Resource":"*"`), Identity, msgSyntax},
		{"sid not string", stmt(ok + `,"Sid":1`), Identity, msgSyntax},
		{"sid not alphanumeric", stmt(ok + `,"Sid":"my-sid"`), Identity, msgSidAlnum},
		{"duplicate sid", `{"Statement":[{"Sid":"A",` + ok + `},{"Sid":"A",` + ok + `}]}`, Identity, msgSidUnique},
		{"action and notaction", stmt(ok + `,"NotAction":"s3:*"`), Identity, msgSyntax},
		{"no action", stmt(`"Effect":"Allow","Resource":"*"`), Identity, msgMissingActions},
		{"action without vendor", stmt(`"Effect":"Allow","Action":"ExecuteStatement","Resource":"*"`), Identity, msgVendor},
		{"empty action", stmt(`"Effect":"Allow","Action":"","Resource":"*"`), Identity, msgVendor},
		{"action vendor wildcard", stmt(`"Effect":"Allow","Action":"redshift-*:ExecuteStatement","Resource":"*"`), Identity, msgVendorWildcard},
		{"action empty name", stmt(`"Effect":"Allow","Action":"s3:","Resource":"*"`), Identity, msgSyntax},
		{"action with space", stmt(`"Effect":"Allow","Action":"s3:Get Object","Resource":"*"`), Identity, msgSyntax},
		{"action empty array", stmt(`"Effect":"Allow","Action":[],"Resource":"*"`), Identity, msgSyntax},
		{"action object", stmt(`"Effect":"Allow","Action":{"a":"b"},"Resource":"*"`), Identity, msgSyntax},
		{"action number in array", stmt(`"Effect":"Allow","Action":["s3:GetObject",1],"Resource":"*"`), Identity, msgSyntax},
		{"principal in identity policy", stmt(ok + `,"Principal":"*"`), Identity, msgNoPrincipal},
		{"notprincipal in identity policy", stmt(ok + `,"NotPrincipal":{"AWS":"123456789012"}`), Identity, msgNoPrincipal},
		{"missing resource", stmt(`"Effect":"Allow","Action":"s3:GetObject"`), Identity, msgMissingResources},
		{"resource and notresource", stmt(ok + `,"NotResource":"*"`), Identity, msgSyntax},
		{"resource not arn", stmt(`"Effect":"Allow","Action":"s3:GetObject","Resource":"mybucket"`), Identity, `Resource mybucket must be in ARN format or "*".`},
		{"resource too few segments", stmt(`"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:*"`), Identity, `Resource arn:aws:s3:* must be in ARN format or "*".`},
		{"resource with six segments but not arn", stmt(`"Effect":"Allow","Action":"s3:GetObject","Resource":"urn:aws:s3:::bucket"`), Identity, `Resource urn:aws:s3:::bucket must be in ARN format or "*".`},
		{"resource empty", stmt(`"Effect":"Allow","Action":"s3:GetObject","Resource":""`), Identity, `Resource  must be in ARN format or "*".`},
		{"condition not object", withCond(`"x"`), Identity, msgSyntax},
		{"unknown operator", withCond(`{"StringEqualz":{"aws:username":"a"}}`), Identity, "Invalid Condition type : StringEqualz"},
		{"unknown qualifier", withCond(`{"ForSomeValues:StringEquals":{"aws:TagKeys":"a"}}`), Identity, "Invalid Condition type : ForSomeValues:StringEquals"},
		{"null with ifexists", withCond(`{"NullIfExists":{"aws:username":"true"}}`), Identity, "Invalid Condition type : NullIfExists"},
		{"null with qualifier", withCond(`{"ForAnyValue:Null":{"aws:username":"true"}}`), Identity, "Invalid Condition type : ForAnyValue:Null"},
		{"bare ifexists", withCond(`{"IfExists":{"aws:username":"a"}}`), Identity, "Invalid Condition type : IfExists"},
		{"operator block empty", withCond(`{"StringEquals":{}}`), Identity, msgSyntax},
		{"operator block not object", withCond(`{"StringEquals":"a"}`), Identity, msgSyntax},
		{"condition key without vendor", withCond(`{"StringEquals":{"username":"a"}}`), Identity, msgVendor},
		{"condition value object", withCond(`{"StringEquals":{"aws:username":{"a":"b"}}}`), Identity, msgSyntax},
		{"condition value null", withCond(`{"StringEquals":{"aws:username":null}}`), Identity, msgSyntax},
		{"condition values empty", withCond(`{"StringEquals":{"aws:username":[]}}`), Identity, msgSyntax},
		{"condition nested array", withCond(`{"StringEquals":{"aws:username":[["a"]]}}`), Identity, msgSyntax},
		{"numeric not a number", withCond(`{"NumericEquals":{"s3:max-keys":"ten"}}`), Identity, "Invalid value for Numeric condition: ten"},
		{"numeric hex", withCond(`{"NumericEquals":{"s3:max-keys":"0x10"}}`), Identity, ""},
		{"numeric huge exponent", withCond(`{"NumericEquals":{"s3:max-keys":"1e999999"}}`), Identity, ""},
		{"date not a date", withCond(`{"DateLessThan":{"aws:CurrentTime":"yesterday"}}`), Identity, "Invalid value for Date condition: yesterday"},
		{"bool not a bool", withCond(`{"Bool":{"aws:SecureTransport":"yes"}}`), Identity, "Invalid value for Bool condition: yes"},
		{"null not a bool", withCond(`{"Null":{"aws:username":"maybe"}}`), Identity, ""},
		{"ip not an address", withCond(`{"IpAddress":{"aws:SourceIp":"300.1.1.1/8"}}`), Identity, ""},
		{"ip mapped block too short", withCond(`{"IpAddress":{"aws:SourceIp":"::ffff:0:0/64"}}`), Identity, "Invalid value for IpAddress condition: ::ffff:0:0/64"},
		{"ip with zone", withCond(`{"IpAddress":{"aws:SourceIp":"fe80::1%eth0"}}`), Identity, ""},
		{"binary not base64", withCond(`{"BinaryEquals":{"aws:x":"!!!"}}`), Identity, ""},
		{"invalid variable", withCond(`{"StringEquals":{"aws:username":"${aws:user name}"}}`), Identity, ""},
		{"variable bad default", withCond(`{"StringEquals":{"aws:username":"${aws:username, guest}"}}`), Identity, ""},
		{"empty variable", stmt(`"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${}"`), Identity, ""},

		{"trust missing principal", `{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}`, Trust, msgMissingPrincipal},
		{"trust with resource", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}}`, Trust, "Has prohibited field Resource"},
		{"trust with notresource", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","NotResource":"*"}}`, Trust, "Has prohibited field NotResource"},
		{"trust with notprincipal", `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}}`, Trust, "Has prohibited field NotPrincipal"},
		{"trust non-sts action", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}}`, Trust, msgTrustActions},
		{"trust star action", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*"}}`, Trust, msgTrustActions},
		{"trust bare name principal", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"sts:AssumeRole"}}`, Trust, `Invalid principal in policy: "AWS":"alice"`},
		{"trust principal string", `{"Statement":{"Effect":"Allow","Principal":"alice","Action":"sts:AssumeRole"}}`, Trust, "Invalid principal in policy: alice"},
		{"trust wildcard in principal arn", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/*"},"Action":"sts:AssumeRole"}}`, Trust, ""},
		{"trust principal bad account", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::12345:root"},"Action":"sts:AssumeRole"}}`, Trust, ""},
		{"trust principal unknown type", `{"Statement":{"Effect":"Allow","Principal":{"Foo":"x"},"Action":"sts:AssumeRole"}}`, Trust, ""},
		{"trust principal empty object", `{"Statement":{"Effect":"Allow","Principal":{},"Action":"sts:AssumeRole"}}`, Trust, msgSyntax},
		{"trust service wildcard", `{"Statement":{"Effect":"Allow","Principal":{"Service":"*"},"Action":"sts:AssumeRole"}}`, Trust, ""},
		{"trust principal s3 arn", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:s3:::bucket"},"Action":"sts:AssumeRole"}}`, Trust, ""},
		{"trust session arn with path", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::123456789012:assumed-role/r/s/x"},"Action":"sts:AssumeRole"}}`, Trust, ""},

		{"resource policy notprincipal allow", `{"Statement":{"Effect":"Allow","NotPrincipal":{"AWS":"123456789012"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}`, Resource, msgNotPrincipalDeny},
		{"resource policy missing principal", `{"Statement":{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}}`, Resource, msgMissingPrincipal},
		{"resource policy principal and notprincipal", `{"Statement":{"Effect":"Deny","Principal":"*","NotPrincipal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}}`, Resource, msgSyntax},
		{"resource policy missing resource", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue"}}`, Resource, msgMissingResources},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.doc, tc.kind)
			if err == nil {
				t.Fatalf("Parse accepted %s", tc.doc)
			}
			if p != nil {
				t.Errorf("Parse returned a policy with an error")
			}
			var me *MalformedError
			if !errors.As(err, &me) {
				t.Fatalf("error %v (%T) is not a *MalformedError", err, err)
			}
			if tc.msg != "" && me.Message != tc.msg {
				t.Errorf("message = %q, want %q", me.Message, tc.msg)
			}
			if me.Message == "" || !strings.Contains(err.Error(), me.Message) {
				t.Errorf("Error() = %q does not carry message %q", err.Error(), me.Message)
			}
		})
	}
}

func TestParseUnknownKind(t *testing.T) {
	_, err := Parse(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, Kind(0))
	if err == nil {
		t.Fatal("Parse accepted kind 0")
	}
	var me *MalformedError
	if errors.As(err, &me) {
		t.Errorf("unknown kind reported as a malformed document: %v", err)
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		kind    Kind
		version string
		stmts   int
	}{
		{"statement object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, Identity, Version2012, 1},
		{"statement array with id and sids", `{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"A1","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::b/*","*"]},{"Sid":"B2","Effect":"Deny","NotAction":"s3:*","NotResource":"arn:aws:s3:::b"}]}`, Identity, Version2012, 2},
		{"old version", `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, Identity, Version2008, 1},
		{"no version", `{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, Identity, "", 1},
		{"empty condition", `{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{}}}`, Identity, "", 1},
		{"scalar condition values", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"aws:MultiFactorAuthAge":3600},"StringEquals":{"aws:x":[1,true,"s"]}}}}`, Identity, "", 1},
		{"lower-case operator name", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"stringequals":{"aws:username":"a"}}}}`, Identity, "", 1},
		{"trust", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:root","210987654321","arn:aws:iam::123456789012:role/path/r","arn:aws:iam::123456789012:user/u","arn:aws:sts::123456789012:assumed-role/r/s"],"Service":"redshift.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]},{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:saml-provider/x"},"Action":"sts:AssumeRoleWithSAML"}]}`, Trust, Version2012, 2},
		{"resource policy", `{"Statement":[{"Sid":"any chars ok","Effect":"Allow","Principal":{"AWS":"*"},"Action":"secretsmanager:*","Resource":"*"},{"Effect":"Deny","NotPrincipal":{"AWS":["123456789012"]},"Action":"secretsmanager:*","Resource":"*"}]}`, Resource, "", 2},
		{"unterminated variable is text", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username"}}`, Identity, Version2012, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, tc.doc, tc.kind)
			if p.Kind() != tc.kind {
				t.Errorf("Kind = %v, want %v", p.Kind(), tc.kind)
			}
			if p.Version() != tc.version {
				t.Errorf("Version = %q, want %q", p.Version(), tc.version)
			}
			if len(p.statements) != tc.stmts {
				t.Errorf("%d statements, want %d", len(p.statements), tc.stmts)
			}
		})
	}
}

func TestActionMatching(t *testing.T) {
	tests := []struct {
		pattern string
		not     bool
		action  string
		want    bool
	}{
		{"redshift-data:ExecuteStatement", false, "redshift-data:ExecuteStatement", true},
		{"redshift-data:ExecuteStatement", false, "REDSHIFT-DATA:executestatement", true},
		{"REDSHIFT-DATA:EXECUTESTATEMENT", false, "redshift-data:ExecuteStatement", true},
		{"redshift-data:ExecuteStatement", false, "redshift-data:BatchExecuteStatement", false},
		{"redshift-data:Execute", false, "redshift-data:ExecuteStatement", false},
		{"redshift-data:*", false, "redshift-data:ListTables", true},
		{"redshift-data:*", false, "redshift:GetClusterCredentials", false},
		{"redshift-data:*", false, "redshift-data-x:ListTables", false},
		{"redshift-data:Describe*", false, "redshift-data:DescribeTable", true},
		{"redshift-data:Describe*", false, "redshift-data:ListTables", false},
		{"redshift-data:*Statement", false, "redshift-data:CancelStatement", true},
		{"redshift-data:*Statement", false, "redshift-data:ListStatements", false},
		{"redshift-data:List??????", false, "redshift-data:ListTables", true},
		{"redshift-data:List??????", false, "redshift-data:ListSchemas", false},
		{"*", false, "anything:AtAll", true},
		{"redshift-data:*", true, "redshift-data:ExecuteStatement", false},
		{"redshift-data:*", true, "secretsmanager:GetSecretValue", true},
		{"redshift-data:ListSessions", true, "redshift-data:listsessions", false},
	}
	for _, tc := range tests {
		elem := "Action"
		if tc.not {
			elem = "NotAction"
		}
		t.Run(elem+" "+tc.pattern+" "+tc.action, func(t *testing.T) {
			p := mustParse(t, `{"Statement":{"Effect":"Allow","`+elem+`":"`+tc.pattern+`","Resource":"*"}}`, Identity)
			wantDecision(t, p.Evaluate(&Request{Action: tc.action, Resource: "*"}), allowIf(tc.want))
		})
	}
}

func TestResourceMatching(t *testing.T) {
	tests := []struct {
		name     string
		pattern  string
		not      bool
		resource string
		want     bool
	}{
		{"exact", clusterC1, false, clusterC1, true},
		{"star matches an arn", "*", false, clusterC1, true},
		{"star matches the star resource", "*", false, "*", true},
		{"star matches a non-arn", "*", false, "mything", true},
		{"arn does not match the star resource", "arn:aws:redshift:*:*:cluster:*", false, "*", false},
		{"arn does not match a non-arn", "arn:aws:redshift:*:*:cluster:*", false, "mything", false},
		{"wildcard region and account", "arn:aws:redshift:*:*:cluster:c1", false, clusterC1, true},
		{"wildcard account other cluster", "arn:aws:redshift:*:*:cluster:c1", false, "arn:aws:redshift:us-east-1:123456789012:cluster:c2", false},
		{"account segment is checked", "arn:aws:redshift:*:123456789012:cluster:*", false, "arn:aws:redshift:us-east-1:210987654321:cluster:c1", false},
		{"last segment star spans colons", "arn:aws:redshift:us-east-1:*:*", false, clusterC1, true},
		{"segment star does not cross a colon", "arn:aws:s3:::*", false, "arn:aws:s3:us-east-1:123456789012:bucket", false},
		{"question mark", "arn:aws:redshift:us-east-1:*:cluster:c?", false, clusterC1, true},
		{"question mark is one character", "arn:aws:redshift:us-east-1:*:cluster:c?", false, "arn:aws:redshift:us-east-1:123456789012:cluster:c10", false},
		{"case-sensitive", "arn:aws:redshift:us-east-1:123456789012:cluster:C1", false, clusterC1, false},
		{"case-sensitive service", "arn:aws:Redshift:us-east-1:123456789012:cluster:c1", false, clusterC1, false},
		{"prefix is not enough", "arn:aws:redshift:us-east-1:123456789012:cluster:c", false, clusterC1, false},
		{"dbuser slash pattern", "arn:aws:redshift:*:*:dbuser:*/redshift_data_api_user", false, "arn:aws:redshift:us-east-1:123456789012:dbuser:c1/redshift_data_api_user", true},
		{"notresource other", "arn:aws:redshift:*:*:cluster:c1", true, "arn:aws:redshift:us-east-1:123456789012:cluster:c2", true},
		{"notresource same", "arn:aws:redshift:*:*:cluster:c1", true, clusterC1, false},
		{"notresource star", "*", true, clusterC1, false},
		{"notresource arn vs star resource", "arn:aws:redshift:*:*:cluster:*", true, "*", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			elem := "Resource"
			if tc.not {
				elem = "NotResource"
			}
			p := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"redshift-data:*","`+elem+`":"`+tc.pattern+`"}}`, Identity)
			wantDecision(t, p.Evaluate(&Request{Action: "redshift-data:ExecuteStatement", Resource: tc.resource}), allowIf(tc.want))
		})
	}
}

func TestConditionOperators(t *testing.T) {
	multi := func(key string, vals ...string) map[string][]string { return map[string][]string{key: vals} }
	tests := []struct {
		name string
		cond string
		ctx  map[string][]string
		want bool
	}{
		// String.
		{"StringEquals match", `{"StringEquals":{"aws:username":"alice"}}`, kv("aws:username", "alice"), true},
		{"StringEquals other", `{"StringEquals":{"aws:username":"alice"}}`, kv("aws:username", "bob"), false},
		{"StringEquals value case-sensitive", `{"StringEquals":{"aws:username":"alice"}}`, kv("aws:username", "Alice"), false},
		{"StringEquals key case-insensitive (request)", `{"StringEquals":{"aws:username":"alice"}}`, kv("AWS:UserName", "alice"), true},
		{"StringEquals key case-insensitive (policy)", `{"StringEquals":{"AWS:USERNAME":"alice"}}`, kv("aws:username", "alice"), true},
		{"StringEquals absent", `{"StringEquals":{"aws:username":"alice"}}`, nil, false},
		{"StringEquals values ORed", `{"StringEquals":{"aws:username":["bob","alice"]}}`, kv("aws:username", "alice"), true},
		{"StringEquals values ORed none", `{"StringEquals":{"aws:username":["bob","carol"]}}`, kv("aws:username", "alice"), false},
		{"StringEquals star is literal", `{"StringEquals":{"aws:username":"a*"}}`, kv("aws:username", "abc"), false},
		{"StringEquals star literal matches star", `{"StringEquals":{"aws:username":"a*"}}`, kv("aws:username", "a*"), true},
		{"StringEquals number value", `{"StringEquals":{"aws:x":5}}`, kv("aws:x", "5"), true},
		{"StringEquals multivalued request any", `{"StringEquals":{"aws:username":"alice"}}`, multi("aws:username", "x", "alice"), true},
		{"StringEquals empty value list is absent", `{"StringEquals":{"aws:username":"alice"}}`, multi("aws:username"), false},
		{"StringNotEquals other", `{"StringNotEquals":{"aws:username":"alice"}}`, kv("aws:username", "bob"), true},
		{"StringNotEquals same", `{"StringNotEquals":{"aws:username":"alice"}}`, kv("aws:username", "alice"), false},
		{"StringNotEquals absent", `{"StringNotEquals":{"aws:username":"alice"}}`, nil, true},
		{"StringNotEquals NOR of values", `{"StringNotEquals":{"aws:username":["alice","bob"]}}`, kv("aws:username", "bob"), false},
		{"StringNotEquals multivalued request", `{"StringNotEquals":{"aws:username":"alice"}}`, multi("aws:username", "x", "alice"), false},
		{"StringEqualsIgnoreCase match", `{"StringEqualsIgnoreCase":{"aws:username":"ALICE"}}`, kv("aws:username", "alice"), true},
		{"StringEqualsIgnoreCase other", `{"StringEqualsIgnoreCase":{"aws:username":"ALICE"}}`, kv("aws:username", "bob"), false},
		{"StringEqualsIgnoreCase absent", `{"StringEqualsIgnoreCase":{"aws:username":"ALICE"}}`, nil, false},
		{"StringNotEqualsIgnoreCase same", `{"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}}`, kv("aws:username", "alice"), false},
		{"StringNotEqualsIgnoreCase other", `{"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}}`, kv("aws:username", "bob"), true},
		{"StringNotEqualsIgnoreCase absent", `{"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}}`, nil, true},
		{"StringLike star", `{"StringLike":{"aws:username":"a*"}}`, kv("aws:username", "abc"), true},
		{"StringLike star no", `{"StringLike":{"aws:username":"a*"}}`, kv("aws:username", "xabc"), false},
		{"StringLike question", `{"StringLike":{"aws:username":"a?c"}}`, kv("aws:username", "abc"), true},
		{"StringLike question is one", `{"StringLike":{"aws:username":"a?c"}}`, kv("aws:username", "abbc"), false},
		{"StringLike case-sensitive", `{"StringLike":{"aws:username":"A*"}}`, kv("aws:username", "abc"), false},
		{"StringLike star matches empty", `{"StringLike":{"aws:ResourceTag/t":"*"}}`, kv("aws:ResourceTag/t", ""), true},
		{"StringLike star absent", `{"StringLike":{"aws:ResourceTag/t":"*"}}`, nil, false},
		{"StringNotLike match", `{"StringNotLike":{"aws:username":"a*"}}`, kv("aws:username", "abc"), false},
		{"StringNotLike other", `{"StringNotLike":{"aws:username":"a*"}}`, kv("aws:username", "xyz"), true},
		{"StringNotLike absent", `{"StringNotLike":{"aws:username":"a*"}}`, nil, true},

		// Numeric.
		{"NumericEquals", `{"NumericEquals":{"s3:max-keys":"10"}}`, kv("s3:max-keys", "10"), true},
		{"NumericEquals decimal form", `{"NumericEquals":{"s3:max-keys":"10"}}`, kv("s3:max-keys", "10.0"), true},
		{"NumericEquals exponent form", `{"NumericEquals":{"s3:max-keys":"1e1"}}`, kv("s3:max-keys", "10"), true},
		{"NumericEquals big integers exact", `{"NumericEquals":{"s3:max-keys":"9007199254740993"}}`, kv("s3:max-keys", "9007199254740992"), false},
		{"NumericEquals other", `{"NumericEquals":{"s3:max-keys":"10"}}`, kv("s3:max-keys", "11"), false},
		{"NumericEquals not a number", `{"NumericEquals":{"s3:max-keys":"10"}}`, kv("s3:max-keys", "ten"), false},
		{"NumericEquals absent", `{"NumericEquals":{"s3:max-keys":"10"}}`, nil, false},
		{"NumericNotEquals other", `{"NumericNotEquals":{"s3:max-keys":"10"}}`, kv("s3:max-keys", "11"), true},
		{"NumericNotEquals same", `{"NumericNotEquals":{"s3:max-keys":"10"}}`, kv("s3:max-keys", "10"), false},
		{"NumericNotEquals absent", `{"NumericNotEquals":{"s3:max-keys":"10"}}`, nil, true},
		{"NumericLessThan less", `{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}`, kv("aws:MultiFactorAuthAge", "3599"), true},
		{"NumericLessThan equal", `{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}`, kv("aws:MultiFactorAuthAge", "3600"), false},
		{"NumericLessThan negative", `{"NumericLessThan":{"aws:x":"-1.5"}}`, kv("aws:x", "-2"), true},
		{"NumericLessThanEquals equal", `{"NumericLessThanEquals":{"aws:x":"10"}}`, kv("aws:x", "10"), true},
		{"NumericLessThanEquals greater", `{"NumericLessThanEquals":{"aws:x":"10"}}`, kv("aws:x", "11"), false},
		{"NumericGreaterThan greater", `{"NumericGreaterThan":{"aws:x":"10"}}`, kv("aws:x", "11"), true},
		{"NumericGreaterThan equal", `{"NumericGreaterThan":{"aws:x":"10"}}`, kv("aws:x", "10"), false},
		{"NumericGreaterThanEquals equal", `{"NumericGreaterThanEquals":{"aws:x":"10"}}`, kv("aws:x", "10"), true},
		{"NumericGreaterThanEquals less", `{"NumericGreaterThanEquals":{"aws:x":"10"}}`, kv("aws:x", "9"), false},

		// Date.
		{"DateLessThan before", `{"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, kv("aws:CurrentTime", "2025-06-01T12:00:00Z"), true},
		{"DateLessThan after", `{"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, kv("aws:CurrentTime", "2026-06-01T12:00:00Z"), false},
		{"DateLessThan equal", `{"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, kv("aws:CurrentTime", "2026-01-01T00:00:00Z"), false},
		{"DateLessThan offset", `{"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, kv("aws:CurrentTime", "2026-01-01T00:30:00+01:00"), true},
		{"DateLessThan date only", `{"DateLessThan":{"aws:CurrentTime":"2026-01-01"}}`, kv("aws:CurrentTime", "2025-12-31T23:59:59Z"), true},
		{"DateLessThan epoch request", `{"DateLessThan":{"aws:EpochTime":"2026-01-01T00:00:00Z"}}`, kv("aws:EpochTime", "1700000000"), true},
		{"DateLessThan epoch policy", `{"DateLessThan":{"aws:CurrentTime":1700000001}}`, kv("aws:CurrentTime", "2023-11-14T22:13:20Z"), true},
		{"DateLessThan not a date", `{"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, kv("aws:CurrentTime", "soon"), false},
		{"DateLessThan absent", `{"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, nil, false},
		{"DateLessThanEquals equal", `{"DateLessThanEquals":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, kv("aws:CurrentTime", "2026-01-01T00:00:00Z"), true},
		{"DateLessThanEquals after", `{"DateLessThanEquals":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, kv("aws:CurrentTime", "2026-01-01T00:00:01Z"), false},
		{"DateGreaterThan after", `{"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, kv("aws:CurrentTime", "2026-01-01T00:00:01Z"), true},
		{"DateGreaterThan equal", `{"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, kv("aws:CurrentTime", "2026-01-01T00:00:00Z"), false},
		{"DateGreaterThanEquals equal", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, kv("aws:CurrentTime", "2026-01-01T00:00:00Z"), true},
		{"DateGreaterThanEquals before", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, kv("aws:CurrentTime", "2025-12-31T23:59:59Z"), false},
		{"DateEquals same instant", `{"DateEquals":{"aws:TokenIssueTime":"2026-01-01T00:00:00Z"}}`, kv("aws:TokenIssueTime", "2026-01-01T01:00:00+01:00"), true},
		{"DateEquals other", `{"DateEquals":{"aws:TokenIssueTime":"2026-01-01T00:00:00Z"}}`, kv("aws:TokenIssueTime", "2026-01-01T00:00:01Z"), false},
		{"DateNotEquals other", `{"DateNotEquals":{"aws:TokenIssueTime":"2026-01-01T00:00:00Z"}}`, kv("aws:TokenIssueTime", "2026-01-01T00:00:01Z"), true},
		{"DateNotEquals same", `{"DateNotEquals":{"aws:TokenIssueTime":"2026-01-01T00:00:00Z"}}`, kv("aws:TokenIssueTime", "2026-01-01T00:00:00Z"), false},
		{"DateNotEquals absent", `{"DateNotEquals":{"aws:TokenIssueTime":"2026-01-01T00:00:00Z"}}`, nil, true},

		// Bool.
		{"Bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, kv("aws:SecureTransport", "true"), true},
		{"Bool false request", `{"Bool":{"aws:SecureTransport":"true"}}`, kv("aws:SecureTransport", "false"), false},
		{"Bool json false", `{"Bool":{"aws:SecureTransport":false}}`, kv("aws:SecureTransport", "false"), true},
		{"Bool request case", `{"Bool":{"aws:SecureTransport":"true"}}`, kv("aws:SecureTransport", "TRUE"), true},
		{"Bool garbage request", `{"Bool":{"aws:SecureTransport":"true"}}`, kv("aws:SecureTransport", "yes"), false},
		{"Bool absent", `{"Bool":{"aws:SecureTransport":"true"}}`, nil, false},
		{"BoolIfExists absent", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`, nil, true},
		{"BoolIfExists false", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`, kv("aws:MultiFactorAuthPresent", "false"), false},

		// Binary.
		{"BinaryEquals", `{"BinaryEquals":{"aws:x":"QmluYXJ5VmFsdWU="}}`, kv("aws:x", "QmluYXJ5VmFsdWU="), true},
		{"BinaryEquals other", `{"BinaryEquals":{"aws:x":"QmluYXJ5VmFsdWU="}}`, kv("aws:x", "T3RoZXI="), false},
		{"BinaryEquals undecodable request", `{"BinaryEquals":{"aws:x":"QmluYXJ5VmFsdWU="}}`, kv("aws:x", "BinaryValue"), false},
		{"BinaryEquals absent", `{"BinaryEquals":{"aws:x":"QmluYXJ5VmFsdWU="}}`, nil, false},

		// IP.
		{"IpAddress in", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, kv("aws:SourceIp", "203.0.113.7"), true},
		{"IpAddress out", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, kv("aws:SourceIp", "203.0.114.1"), false},
		{"IpAddress bare address", `{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`, kv("aws:SourceIp", "203.0.113.7"), true},
		{"IpAddress bare address other", `{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`, kv("aws:SourceIp", "203.0.113.8"), false},
		{"IpAddress host bits", `{"IpAddress":{"aws:SourceIp":"203.0.113.9/24"}}`, kv("aws:SourceIp", "203.0.113.200"), true},
		{"IpAddress ipv6", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, kv("aws:SourceIp", "2001:db8:1::5"), true},
		{"IpAddress ipv6 out", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, kv("aws:SourceIp", "2001:db9::5"), false},
		{"IpAddress mapped request", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, kv("aws:SourceIp", "::ffff:203.0.113.7"), true},
		{"IpAddress v4 block v6 request", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, kv("aws:SourceIp", "2001:db8::1"), false},
		{"IpAddress garbage request", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, kv("aws:SourceIp", "localhost"), false},
		{"IpAddress values ORed", `{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]}}`, kv("aws:SourceIp", "203.0.113.7"), true},
		{"IpAddress mapped block", `{"IpAddress":{"aws:SourceIp":"::ffff:203.0.113.0/120"}}`, kv("aws:SourceIp", "203.0.113.7"), true},
		{"IpAddress mapped block out", `{"IpAddress":{"aws:SourceIp":"::ffff:203.0.113.0/120"}}`, kv("aws:SourceIp", "203.0.114.7"), false},
		{"IpAddress absent", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, nil, false},
		{"NotIpAddress in", `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, kv("aws:SourceIp", "203.0.113.7"), false},
		{"NotIpAddress out", `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, kv("aws:SourceIp", "198.51.100.1"), true},
		{"NotIpAddress absent", `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, nil, true},

		// ARN.
		{"ArnEquals exact", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/admin"}}`, kv("aws:PrincipalArn", "arn:aws:iam::123456789012:role/admin"), true},
		{"ArnEquals wildcard segment", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin"}}`, kv("aws:PrincipalArn", "arn:aws:iam::123456789012:role/admin"), true},
		{"ArnEquals other", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/admin"}}`, kv("aws:PrincipalArn", "arn:aws:iam::123456789012:role/admin2"), false},
		{"ArnLike resource wildcard", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/*"}}`, kv("aws:PrincipalArn", "arn:aws:iam::123456789012:role/admin"), true},
		{"ArnLike user is not role", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/*"}}`, kv("aws:PrincipalArn", "arn:aws:iam::123456789012:user/admin"), false},
		{"ArnLike case-sensitive", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/Admin"}}`, kv("aws:PrincipalArn", "arn:aws:iam::123456789012:role/admin"), false},
		{"ArnLike star does not cross segments", `{"ArnLike":{"aws:SourceArn":"arn:aws:*:role/admin"}}`, kv("aws:SourceArn", "arn:aws:iam::123456789012:role/admin"), false},
		{"ArnLike bare star", `{"ArnLike":{"aws:SourceArn":"*"}}`, kv("aws:SourceArn", "arn:aws:iam::123456789012:role/admin"), true},
		{"ArnLike non-arn request", `{"ArnLike":{"aws:SourceArn":"arn:*:*:*:*:*"}}`, kv("aws:SourceArn", "not-an-arn"), false},
		{"ArnLike absent", `{"ArnLike":{"aws:SourceArn":"arn:*:*:*:*:*"}}`, nil, false},
		{"ArnNotEquals other", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/admin"}}`, kv("aws:PrincipalArn", "arn:aws:iam::123456789012:role/dev"), true},
		{"ArnNotEquals same", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/admin"}}`, kv("aws:PrincipalArn", "arn:aws:iam::123456789012:role/admin"), false},
		{"ArnNotLike match", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}`, kv("aws:PrincipalArn", "arn:aws:iam::123456789012:role/admin"), false},
		{"ArnNotLike other", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}`, kv("aws:PrincipalArn", "arn:aws:iam::123456789012:user/admin"), true},
		{"ArnNotLike absent", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}`, nil, true},

		// Null.
		{"Null true absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, nil, true},
		{"Null true present", `{"Null":{"aws:TokenIssueTime":"true"}}`, kv("aws:TokenIssueTime", "2026-01-01T00:00:00Z"), false},
		{"Null false present", `{"Null":{"aws:TokenIssueTime":false}}`, kv("aws:TokenIssueTime", "2026-01-01T00:00:00Z"), true},
		{"Null false absent", `{"Null":{"aws:TokenIssueTime":"false"}}`, nil, false},
		{"Null empty value list is absent", `{"Null":{"aws:x":"true"}}`, multi("aws:x"), true},
		{"Null present with empty string", `{"Null":{"aws:x":"false"}}`, kv("aws:x", ""), true},

		// IfExists.
		{"StringEqualsIfExists absent", `{"StringEqualsIfExists":{"aws:username":"alice"}}`, nil, true},
		{"StringEqualsIfExists empty value list is absent", `{"StringEqualsIfExists":{"aws:username":"alice"}}`, multi("aws:username"), true},
		{"StringEqualsIfExists match", `{"StringEqualsIfExists":{"aws:username":"alice"}}`, kv("aws:username", "alice"), true},
		{"StringEqualsIfExists other", `{"StringEqualsIfExists":{"aws:username":"alice"}}`, kv("aws:username", "bob"), false},
		{"StringNotEqualsIfExists same", `{"StringNotEqualsIfExists":{"aws:username":"alice"}}`, kv("aws:username", "alice"), false},
		{"NumericLessThanIfExists absent", `{"NumericLessThanIfExists":{"aws:x":"1"}}`, nil, true},
		{"NumericLessThanIfExists present fails", `{"NumericLessThanIfExists":{"aws:x":"1"}}`, kv("aws:x", "2"), false},
		{"ArnLikeIfExists absent", `{"ArnLikeIfExists":{"aws:SourceArn":"arn:*:*:*:*:*"}}`, nil, true},
		{"IpAddressIfExists absent", `{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`, nil, true},
		{"DateLessThanIfExists present fails", `{"DateLessThanIfExists":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, kv("aws:CurrentTime", "2026-01-01T00:00:00Z"), false},

		// Set qualifiers.
		{"ForAnyValue overlap", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["b","c"]}}`, multi("aws:TagKeys", "a", "b"), true},
		{"ForAnyValue disjoint", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["b","c"]}}`, multi("aws:TagKeys", "x"), false},
		{"ForAnyValue absent", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["b","c"]}}`, nil, false},
		{"ForAnyValue empty set", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["b","c"]}}`, multi("aws:TagKeys"), false},
		{"ForAnyValue IfExists absent", `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"b"}}`, nil, true},
		{"ForAnyValue StringLike", `{"ForAnyValue:StringLike":{"aws:TagKeys":"team-*"}}`, multi("aws:TagKeys", "env", "team-a"), true},
		{"ForAnyValue StringNotEquals some differ", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}`, multi("aws:TagKeys", "a", "z"), true},
		{"ForAnyValue StringNotEquals none differ", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}`, multi("aws:TagKeys", "a"), false},
		{"ForAnyValue StringNotEquals absent", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}`, nil, false},
		{"ForAllValues subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}`, multi("aws:TagKeys", "a", "b"), true},
		{"ForAllValues not subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}`, multi("aws:TagKeys", "a", "z"), false},
		{"ForAllValues absent", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, nil, true},
		{"ForAllValues empty set", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, multi("aws:TagKeys"), true},
		{"ForAllValues StringNotEquals all differ", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":"a"}}`, multi("aws:TagKeys", "x", "y"), true},
		{"ForAllValues StringNotEquals one same", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":"a"}}`, multi("aws:TagKeys", "x", "a"), false},
		{"ForAllValues StringLike", `{"ForAllValues:StringLike":{"aws:TagKeys":"team-*"}}`, multi("aws:TagKeys", "team-a", "team-b"), true},
		{"ForAllValues StringLike one off", `{"ForAllValues:StringLike":{"aws:TagKeys":"team-*"}}`, multi("aws:TagKeys", "team-a", "env"), false},
		{"ForAllValues qualifier case", `{"forallvalues:stringequals":{"aws:TagKeys":"a"}}`, multi("aws:TagKeys", "a", "b"), false},

		// Combinations: keys and operators are ANDed.
		{"two keys both hold", `{"StringEquals":{"aws:username":"alice","aws:PrincipalAccount":"123456789012"}}`, kv("aws:username", "alice", "aws:PrincipalAccount", acct), true},
		{"two keys one fails", `{"StringEquals":{"aws:username":"alice","aws:PrincipalAccount":"123456789012"}}`, kv("aws:username", "alice", "aws:PrincipalAccount", otherAcct), false},
		{"two operators both hold", `{"StringEquals":{"aws:username":"alice"},"Bool":{"aws:SecureTransport":"true"}}`, kv("aws:username", "alice", "aws:SecureTransport", "true"), true},
		{"two operators one fails", `{"StringEquals":{"aws:username":"alice"},"Bool":{"aws:SecureTransport":"true"}}`, kv("aws:username", "alice", "aws:SecureTransport", "false"), false},
		{"same key two operators range", `{"NumericGreaterThan":{"aws:x":"1"},"NumericLessThan":{"aws:x":"5"}}`, kv("aws:x", "3"), true},
		{"same key two operators out of range", `{"NumericGreaterThan":{"aws:x":"1"},"NumericLessThan":{"aws:x":"5"}}`, kv("aws:x", "7"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":`+tc.cond+`}}`, Identity)
			wantDecision(t, p.Evaluate(&Request{Action: "redshift-data:ExecuteStatement", Resource: "*", Context: tc.ctx}), allowIf(tc.want))
		})
	}
}

// TestConditionDenyStatements checks that conditions gate Deny statements as
// they gate Allow ones, including negated operators over absent keys.
func TestConditionDenyStatements(t *testing.T) {
	p := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"*","Resource":"*"},
		{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
		{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}}]}`, Identity)
	tests := []struct {
		name string
		ctx  map[string][]string
		want Decision
	}{
		{"secure in region", kv("aws:SecureTransport", "true", "aws:RequestedRegion", "us-east-1"), Allow},
		{"insecure", kv("aws:SecureTransport", "false", "aws:RequestedRegion", "us-east-1"), Deny},
		{"other region", kv("aws:SecureTransport", "true", "aws:RequestedRegion", "eu-west-1"), Deny},
		{"region absent denies", kv("aws:SecureTransport", "true"), Deny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantDecision(t, p.Evaluate(&Request{Action: "s3:GetObject", Resource: "*", Context: tc.ctx}), tc.want)
		})
	}
}

func TestPolicyVariables(t *testing.T) {
	resourcePolicy := func(version, resource string) *Policy {
		v := ""
		if version != "" {
			v = `"Version":"` + version + `",`
		}
		return mustParse(t, `{`+v+`"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"`+resource+`"}}`, Identity)
	}
	condPolicy := func(cond string) *Policy {
		return mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":`+cond+`}}`, Identity)
	}
	home := "arn:aws:s3:::bucket/home/${aws:username}/*"
	tests := []struct {
		name     string
		policy   *Policy
		resource string
		ctx      map[string][]string
		want     bool
	}{
		{"resource variable own", resourcePolicy(Version2012, home), "arn:aws:s3:::bucket/home/alice/f", kv("aws:username", "alice"), true},
		{"resource variable other", resourcePolicy(Version2012, home), "arn:aws:s3:::bucket/home/bob/f", kv("aws:username", "alice"), false},
		{"resource variable absent", resourcePolicy(Version2012, home), "arn:aws:s3:::bucket/home/alice/f", nil, false},
		{"resource variable absent literal", resourcePolicy(Version2012, home), "arn:aws:s3:::bucket/home/${aws:username}/f", nil, false},
		{"resource variable key case-insensitive", resourcePolicy(Version2012, "arn:aws:s3:::bucket/home/${AWS:UserName}/*"), "arn:aws:s3:::bucket/home/alice/f", kv("aws:username", "alice"), true},
		{"resource variable multivalued", resourcePolicy(Version2012, home), "arn:aws:s3:::bucket/home/alice/f", map[string][]string{"aws:username": {"alice", "bob"}}, false},
		{"resource variable value star is literal", resourcePolicy(Version2012, "arn:aws:s3:::bucket/home/${aws:username}"), "arn:aws:s3:::bucket/home/anything", kv("aws:username", "*"), false},
		{"resource variable value star matches itself", resourcePolicy(Version2012, "arn:aws:s3:::bucket/home/${aws:username}"), "arn:aws:s3:::bucket/home/*", kv("aws:username", "*"), true},
		{"resource variable colon does not shift segments", resourcePolicy(Version2012, "arn:aws:s3:${aws:x}::bucket"), "arn:aws:s3:a:b::bucket", kv("aws:x", "a:b"), false},
		{"resource variable in region segment", resourcePolicy(Version2012, "arn:aws:s3:${aws:x}::bucket"), "arn:aws:s3:us-east-1::bucket", kv("aws:x", "us-east-1"), true},
		{"resource variable default", resourcePolicy(Version2012, "arn:aws:s3:::bucket/${aws:username, 'guest'}/*"), "arn:aws:s3:::bucket/guest/f", nil, true},
		{"resource variable default unused", resourcePolicy(Version2012, "arn:aws:s3:::bucket/${aws:username, 'guest'}/*"), "arn:aws:s3:::bucket/guest/f", kv("aws:username", "alice"), false},
		{"2008 variable is literal", resourcePolicy(Version2008, home), "arn:aws:s3:::bucket/home/${aws:username}/f", kv("aws:username", "alice"), true},
		{"2008 variable not substituted", resourcePolicy(Version2008, home), "arn:aws:s3:::bucket/home/alice/f", kv("aws:username", "alice"), false},
		{"no version variable not substituted", resourcePolicy("", home), "arn:aws:s3:::bucket/home/alice/f", kv("aws:username", "alice"), false},
		{"unterminated variable is literal", resourcePolicy(Version2012, "arn:aws:s3:::b/${aws:username"), "arn:aws:s3:::b/${aws:username", kv("aws:username", "alice"), true},
		{"escape star", condPolicy(`{"StringLike":{"aws:x":"a${*}"}}`), "*", kv("aws:x", "a*"), true},
		{"escape star is not a wildcard", condPolicy(`{"StringLike":{"aws:x":"a${*}"}}`), "*", kv("aws:x", "abc"), false},
		{"escape question", condPolicy(`{"StringLike":{"aws:x":"a${?}"}}`), "*", kv("aws:x", "a?"), true},
		{"escape question is not a wildcard", condPolicy(`{"StringLike":{"aws:x":"a${?}"}}`), "*", kv("aws:x", "ab"), false},
		{"escape dollar", condPolicy(`{"StringEquals":{"aws:x":"${$}{aws:username}"}}`), "*", kv("aws:x", "${aws:username}", "aws:username", "alice"), true},
		{"condition variable match", condPolicy(`{"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}}`), "*", kv("aws:ResourceTag/owner", "alice", "aws:username", "alice"), true},
		{"condition variable mismatch", condPolicy(`{"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}}`), "*", kv("aws:ResourceTag/owner", "alice", "aws:username", "bob"), false},
		{"condition variable absent", condPolicy(`{"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}}`), "*", kv("aws:ResourceTag/owner", "alice"), false},
		{"condition variable absent other value ORed", condPolicy(`{"StringEquals":{"aws:ResourceTag/owner":["${aws:username}","shared"]}}`), "*", kv("aws:ResourceTag/owner", "shared"), true},
		{"condition variable in StringLike", condPolicy(`{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`), "*", kv("s3:prefix", "home/alice/docs", "aws:username", "alice"), true},
		{"condition variable in ArnLike", condPolicy(`{"ArnLike":{"aws:SourceArn":"arn:aws:iam::${aws:PrincipalAccount}:role/*"}}`), "*", kv("aws:SourceArn", "arn:aws:iam::123456789012:role/x", "aws:PrincipalAccount", acct), true},
		{"condition variable in ArnLike other account", condPolicy(`{"ArnLike":{"aws:SourceArn":"arn:aws:iam::${aws:PrincipalAccount}:role/*"}}`), "*", kv("aws:SourceArn", "arn:aws:iam::210987654321:role/x", "aws:PrincipalAccount", acct), false},
		{"condition variable IgnoreCase", condPolicy(`{"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":"${aws:username}"}}`), "*", kv("aws:ResourceTag/owner", "ALICE", "aws:username", "alice"), true},
		{"negated with unresolved variable matches nothing", condPolicy(`{"StringNotEquals":{"aws:ResourceTag/owner":"${aws:username}"}}`), "*", kv("aws:ResourceTag/owner", "alice"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantDecision(t, tc.policy.Evaluate(&Request{Action: "s3:GetObject", Resource: tc.resource, Context: tc.ctx}), allowIf(tc.want))
		})
	}

	t.Run("notresource with unresolved variable excludes nothing", func(t *testing.T) {
		p := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::bucket/home/${aws:username}/*"}}`, Identity)
		r := &Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/home/alice/f"}
		wantDecision(t, p.Evaluate(r), Deny)
		r.Context = kv("aws:username", "alice")
		wantDecision(t, p.Evaluate(r), NoDecision)
	})
}

func TestOwnershipIdiom(t *testing.T) {
	p := mustParse(t, `{"Version":"2012-10-17","Statement":{
		"Sid":"OwnStatementsOnly","Effect":"Allow",
		"Action":["redshift-data:CancelStatement","redshift-data:DescribeStatement","redshift-data:GetStatementResult","redshift-data:ListStatements"],
		"Resource":"*",
		"Condition":{"StringEquals":{"redshift-data:statement-owner-iam-userid":"${aws:userid}"}}}}`, Identity)
	const me, other = "AROAEXAMPLEROLEID:alice", "AROAEXAMPLEROLEID:bob"
	tests := []struct {
		name   string
		action string
		ctx    map[string][]string
		want   Decision
	}{
		{"owner", "redshift-data:DescribeStatement", kv("aws:userid", me, "redshift-data:statement-owner-iam-userid", me), Allow},
		{"owner cancel", "redshift-data:CancelStatement", kv("aws:userid", me, "redshift-data:statement-owner-iam-userid", me), Allow},
		{"other session of the role", "redshift-data:GetStatementResult", kv("aws:userid", me, "redshift-data:statement-owner-iam-userid", other), NoDecision},
		{"owner unknown", "redshift-data:DescribeStatement", kv("aws:userid", me), NoDecision},
		{"caller id unknown", "redshift-data:DescribeStatement", kv("redshift-data:statement-owner-iam-userid", me), NoDecision},
		{"action not granted", "redshift-data:ExecuteStatement", kv("aws:userid", me, "redshift-data:statement-owner-iam-userid", me), NoDecision},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantDecision(t, p.Evaluate(&Request{Action: tc.action, Resource: "*", Context: tc.ctx}), tc.want)
		})
	}
}

func TestDecide(t *testing.T) {
	allowAll := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"redshift-data:*","Resource":"*"}}`, Identity)
	denyCancel := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"redshift-data:CancelStatement","Resource":"*"}}`, Identity)
	allowList := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"redshift-data:List*","Resource":"*"}}`, Identity)
	sameDoc := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Deny","Action":"redshift-data:CancelStatement","Resource":"*"},
		{"Effect":"Allow","Action":"redshift-data:*","Resource":"*"}]}`, Identity)
	cancel := &Request{Action: "redshift-data:CancelStatement", Resource: "*"}
	execute := &Request{Action: "redshift-data:ExecuteStatement", Resource: clusterC1}
	other := &Request{Action: "secretsmanager:GetSecretValue", Resource: "*"}

	tests := []struct {
		name     string
		r        *Request
		policies []*Policy
		want     Decision
	}{
		{"deny in another policy wins", cancel, []*Policy{allowAll, denyCancel}, Deny},
		{"deny first still wins", cancel, []*Policy{denyCancel, allowAll}, Deny},
		{"deny does not touch other actions", execute, []*Policy{allowAll, denyCancel}, Allow},
		{"deny alone is deny", cancel, []*Policy{denyCancel}, Deny},
		{"allow from any policy", execute, []*Policy{allowList, allowAll}, Allow},
		{"nothing allows", other, []*Policy{allowAll, denyCancel, allowList}, NoDecision},
		{"no policies", execute, nil, NoDecision},
		{"nil policies skipped", execute, []*Policy{nil, allowAll, nil}, Allow},
		{"only nil policies", execute, []*Policy{nil}, NoDecision},
		{"deny and allow in one document", cancel, []*Policy{sameDoc}, Deny},
		{"allow in one document", execute, []*Policy{sameDoc}, Allow},
		{"nil request", nil, []*Policy{allowAll}, NoDecision},
		{"empty action never allowed", &Request{Resource: "*"}, []*Policy{mustParse(t, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, Identity)}, NoDecision},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantDecision(t, Decide(tc.r, tc.policies...), tc.want)
		})
	}

	t.Run("evaluate agrees per policy", func(t *testing.T) {
		wantDecision(t, allowAll.Evaluate(cancel), Allow)
		wantDecision(t, denyCancel.Evaluate(cancel), Deny)
		wantDecision(t, denyCancel.Evaluate(execute), NoDecision)
		var nilPolicy *Policy
		wantDecision(t, nilPolicy.Evaluate(cancel), NoDecision)
		wantDecision(t, allowAll.Evaluate(nil), NoDecision)
	})
}

func TestAmazonRedshiftDataFullAccess(t *testing.T) {
	if AmazonRedshiftDataFullAccessARN != "arn:aws:iam::aws:policy/AmazonRedshiftDataFullAccess" {
		t.Errorf("ARN = %q", AmazonRedshiftDataFullAccessARN)
	}
	p := AmazonRedshiftDataFullAccess()
	if p.Version() != Version2012 || p.Kind() != Identity {
		t.Errorf("version %q kind %v", p.Version(), p.Kind())
	}
	wantSids := []string{"DataAPIPermissions", "SecretsManagerPermissions", "GetCredentialsForAPIUser",
		"GetCredentialsWithFederatedIAMCredentials", "GetCredentialsForServerless", "DenyCreateAPIUser", "ServiceLinkedRole"}
	if len(p.statements) != len(wantSids) {
		t.Fatalf("%d statements, want %d", len(p.statements), len(wantSids))
	}
	for i, sid := range wantSids {
		if p.statements[i].sid != sid {
			t.Errorf("statement %d Sid = %q, want %q", i, p.statements[i].sid, sid)
		}
	}
	if AmazonRedshiftDataFullAccess() == p {
		t.Error("AmazonRedshiftDataFullAccess returned a shared instance")
	}

	const (
		secret    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:mydb-AbCdEf"
		apiUser   = "arn:aws:redshift:us-east-1:123456789012:dbuser:c1/redshift_data_api_user"
		awsuser   = "arn:aws:redshift:us-east-1:123456789012:dbuser:c1/awsuser"
		dbname    = "arn:aws:redshift:us-east-1:123456789012:dbname:c1/dev"
		workgroup = "arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/0b6e2f9c-1c3e-4f1a-9d55-5a1f0c1e2b3d"
		slr       = "arn:aws:iam::123456789012:role/aws-service-role/redshift-data.amazonaws.com/AWSServiceRoleForRedshift"
	)
	tagged := kv("secretsmanager:ResourceTag/RedshiftDataFullAccess", "yes")
	wgTagged := kv("aws:ResourceTag/RedshiftDataFullAccess", "")
	tests := []struct {
		name     string
		action   string
		resource string
		ctx      map[string][]string
		want     Decision
	}{
		{"ExecuteStatement on a cluster", "redshift-data:ExecuteStatement", clusterC1, nil, Allow},
		{"BatchExecuteStatement on a workgroup", "redshift-data:BatchExecuteStatement", workgroup, nil, Allow},
		{"DescribeStatement", "redshift-data:DescribeStatement", "*", nil, Allow},
		{"GetStatementResult", "redshift-data:GetStatementResult", "*", nil, Allow},
		{"ListTables", "redshift-data:ListTables", clusterC1, nil, Allow},
		{"ListSessions is not in v5", "redshift-data:ListSessions", "*", nil, NoDecision},
		{"GetStatementResultV2 is not an IAM action", "redshift-data:GetStatementResultV2", "*", nil, NoDecision},
		{"secret with tag", "secretsmanager:GetSecretValue", secret, tagged, Allow},
		{"secret without tag", "secretsmanager:GetSecretValue", secret, nil, NoDecision},
		{"secret with another tag", "secretsmanager:GetSecretValue", secret, kv("secretsmanager:ResourceTag/Other", "x"), NoDecision},
		{"secret tag under aws: prefix does not count", "secretsmanager:GetSecretValue", secret, kv("aws:ResourceTag/RedshiftDataFullAccess", "x"), NoDecision},
		{"other secrets action", "secretsmanager:PutSecretValue", secret, tagged, NoDecision},
		{"cluster creds for api user", "redshift:GetClusterCredentials", apiUser, nil, Allow},
		{"cluster creds for awsuser", "redshift:GetClusterCredentials", awsuser, nil, NoDecision},
		{"cluster creds dbname", "redshift:GetClusterCredentials", dbname, nil, Allow},
		{"cluster creds with IAM dbname", "redshift:GetClusterCredentialsWithIAM", dbname, nil, Allow},
		{"cluster creds with IAM dbuser", "redshift:GetClusterCredentialsWithIAM", apiUser, nil, NoDecision},
		{"create api user denied", "redshift:CreateClusterUser", apiUser, nil, Deny},
		{"create other user not granted", "redshift:CreateClusterUser", awsuser, nil, NoDecision},
		{"serverless creds with tag", "redshift-serverless:GetCredentials", workgroup, wgTagged, Allow},
		{"serverless creds without tag", "redshift-serverless:GetCredentials", workgroup, nil, NoDecision},
		{"serverless creds on a cluster arn", "redshift-serverless:GetCredentials", clusterC1, wgTagged, NoDecision},
		{"service-linked role", "iam:CreateServiceLinkedRole", slr, kv("iam:AWSServiceName", "redshift-data.amazonaws.com"), Allow},
		{"service-linked role other service", "iam:CreateServiceLinkedRole", slr, kv("iam:AWSServiceName", "redshift.amazonaws.com"), NoDecision},
		{"unrelated action", "s3:GetObject", "*", nil, NoDecision},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantDecision(t, p.Evaluate(&Request{Action: tc.action, Resource: tc.resource, Context: tc.ctx}), tc.want)
		})
	}

	t.Run("deny survives another policy's allow", func(t *testing.T) {
		admin := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, Identity)
		wantDecision(t, Decide(&Request{Action: "redshift:CreateClusterUser", Resource: apiUser}, admin, p), Deny)
		wantDecision(t, Decide(&Request{Action: "redshift:CreateClusterUser", Resource: awsuser}, admin, p), Allow)
	})
}

func TestTrustPolicy(t *testing.T) {
	const (
		user        = "arn:aws:iam::123456789012:user/alice"
		otherUser   = "arn:aws:iam::123456789012:user/bob"
		session     = "arn:aws:sts::123456789012:assumed-role/deployer/s1"
		otherRole   = "arn:aws:sts::123456789012:assumed-role/reader/s1"
		root        = "arn:aws:iam::123456789012:root"
		foreignUser = "arn:aws:iam::210987654321:user/alice"
	)
	trust := func(principal string) *Policy {
		return mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":`+principal+`,"Action":"sts:AssumeRole"}}`, Trust)
	}
	tests := []struct {
		name      string
		policy    *Policy
		principal string
		account   string
		action    string
		want      Decision
	}{
		{"root arn admits a user of the account", trust(`{"AWS":"arn:aws:iam::123456789012:root"}`), user, "", "sts:AssumeRole", Allow},
		{"root arn admits a role session of the account", trust(`{"AWS":"arn:aws:iam::123456789012:root"}`), session, "", "sts:AssumeRole", Allow},
		{"root arn admits the root", trust(`{"AWS":"arn:aws:iam::123456789012:root"}`), root, "", "sts:AssumeRole", Allow},
		{"root arn rejects another account", trust(`{"AWS":"arn:aws:iam::123456789012:root"}`), foreignUser, "", "sts:AssumeRole", NoDecision},
		{"account shorthand admits the account", trust(`{"AWS":"123456789012"}`), user, "", "sts:AssumeRole", Allow},
		{"account shorthand rejects another account", trust(`{"AWS":"123456789012"}`), foreignUser, "", "sts:AssumeRole", NoDecision},
		{"stated account must agree with the arn", trust(`{"AWS":"123456789012"}`), foreignUser, acct, "sts:AssumeRole", NoDecision},
		{"stated account used when it agrees", trust(`{"AWS":"123456789012"}`), user, acct, "sts:AssumeRole", Allow},
		{"other partition root", trust(`{"AWS":"arn:aws-cn:iam::123456789012:root"}`), user, "", "sts:AssumeRole", NoDecision},
		{"user arn exact", trust(`{"AWS":"arn:aws:iam::123456789012:user/alice"}`), user, "", "sts:AssumeRole", Allow},
		{"user arn other user", trust(`{"AWS":"arn:aws:iam::123456789012:user/alice"}`), otherUser, "", "sts:AssumeRole", NoDecision},
		{"user arn is not the account", trust(`{"AWS":"arn:aws:iam::123456789012:user/alice"}`), root, "", "sts:AssumeRole", NoDecision},
		{"role arn admits its sessions", trust(`{"AWS":"arn:aws:iam::123456789012:role/deployer"}`), session, "", "sts:AssumeRole", Allow},
		{"role arn with path admits its sessions", trust(`{"AWS":"arn:aws:iam::123456789012:role/ci/deployer"}`), session, "", "sts:AssumeRole", Allow},
		{"role arn rejects other roles", trust(`{"AWS":"arn:aws:iam::123456789012:role/deployer"}`), otherRole, "", "sts:AssumeRole", NoDecision},
		{"role arn rejects same-named role elsewhere", trust(`{"AWS":"arn:aws:iam::210987654321:role/deployer"}`), session, "", "sts:AssumeRole", NoDecision},
		{"session arn exact", trust(`{"AWS":"arn:aws:sts::123456789012:assumed-role/deployer/s1"}`), session, "", "sts:AssumeRole", Allow},
		{"session arn other session", trust(`{"AWS":"arn:aws:sts::123456789012:assumed-role/deployer/s2"}`), session, "", "sts:AssumeRole", NoDecision},
		{"array of principals", trust(`{"AWS":["arn:aws:iam::210987654321:root","arn:aws:iam::123456789012:user/alice"]}`), user, "", "sts:AssumeRole", Allow},
		{"service principal", trust(`{"Service":"redshift.amazonaws.com"}`), "redshift.amazonaws.com", "", "sts:AssumeRole", Allow},
		{"service principal other service", trust(`{"Service":"redshift.amazonaws.com"}`), "lambda.amazonaws.com", "", "sts:AssumeRole", NoDecision},
		{"service principal suffix is not enough", trust(`{"Service":"redshift.amazonaws.com"}`), "evil-redshift.amazonaws.com", "", "sts:AssumeRole", NoDecision},
		{"federated principal", trust(`{"Federated":"arn:aws:iam::123456789012:saml-provider/corp"}`), "arn:aws:iam::123456789012:saml-provider/corp", "", "sts:AssumeRole", Allow},
		{"federated principal other provider", trust(`{"Federated":"arn:aws:iam::123456789012:saml-provider/corp"}`), "arn:aws:iam::123456789012:saml-provider/other", "", "sts:AssumeRole", NoDecision},
		{"provider arn is not an account member", trust(`{"AWS":"123456789012"}`), "arn:aws:iam::123456789012:saml-provider/corp", "", "sts:AssumeRole", NoDecision},
		{"service principal is not an arn", trust(`{"Service":"redshift.amazonaws.com"}`), user, "", "sts:AssumeRole", NoDecision},
		{"aws principal does not admit a service", trust(`{"AWS":"123456789012"}`), "redshift.amazonaws.com", acct, "sts:AssumeRole", NoDecision},
		{"star admits anyone", trust(`"*"`), foreignUser, "", "sts:AssumeRole", Allow},
		{"aws star admits anyone", trust(`{"AWS":"*"}`), foreignUser, "", "sts:AssumeRole", Allow},
		{"anonymous caller", trust(`{"AWS":"123456789012"}`), "", "", "sts:AssumeRole", NoDecision},
		{"other sts action", trust(`{"AWS":"123456789012"}`), user, "", "sts:TagSession", NoDecision},
		{"action case-insensitive", trust(`{"AWS":"123456789012"}`), user, "", "STS:assumerole", Allow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Request{Action: tc.action, Principal: tc.principal, PrincipalAccount: tc.account}
			wantDecision(t, tc.policy.Evaluate(r), tc.want)
		})
	}

	t.Run("external id", func(t *testing.T) {
		p := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow",
			"Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole",
			"Condition":{"StringEquals":{"sts:ExternalId":"Unique-ID-42"}}}}`, Trust)
		for _, tc := range []struct {
			name string
			ctx  map[string][]string
			want Decision
		}{
			{"right id", kv("sts:ExternalId", "Unique-ID-42"), Allow},
			{"wrong id", kv("sts:ExternalId", "unique-id-42"), NoDecision},
			{"no id", nil, NoDecision},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := &Request{Action: "sts:AssumeRole", Principal: foreignUser, Context: tc.ctx}
				wantDecision(t, p.Evaluate(r), tc.want)
			})
		}
	})

	t.Run("resource is ignored", func(t *testing.T) {
		p := trust(`{"AWS":"123456789012"}`)
		wantDecision(t, p.Evaluate(&Request{Action: "sts:AssumeRole", Principal: user, Resource: "arn:aws:iam::123456789012:role/x"}), Allow)
	})

	t.Run("deny statement", func(t *testing.T) {
		p := mustParse(t, `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"},
			{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},"Action":"sts:*"}]}`, Trust)
		wantDecision(t, p.Evaluate(&Request{Action: "sts:AssumeRole", Principal: user}), Allow)
		wantDecision(t, p.Evaluate(&Request{Action: "sts:AssumeRole", Principal: otherUser}), Deny)
	})
}

func TestResourcePolicy(t *testing.T) {
	const (
		secret  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf"
		user    = "arn:aws:iam::123456789012:user/alice"
		bob     = "arn:aws:iam::123456789012:user/bob"
		session = "arn:aws:sts::123456789012:assumed-role/app/s1"
	)
	t.Run("principal and resource", func(t *testing.T) {
		p := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}`, Resource)
		wantDecision(t, p.Evaluate(&Request{Action: "secretsmanager:GetSecretValue", Resource: secret, Principal: user}), Allow)
		wantDecision(t, p.Evaluate(&Request{Action: "secretsmanager:GetSecretValue", Resource: secret, Principal: bob}), NoDecision)
	})

	notPrincipal := func(list string) *Policy {
		return mustParse(t, `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"secretsmanager:GetSecretValue","Resource":"*"},
			{"Effect":"Deny","NotPrincipal":{"AWS":`+list+`},"Action":"secretsmanager:*","Resource":"*"}]}`, Resource)
	}
	tests := []struct {
		name      string
		list      string
		principal string
		want      Decision
	}{
		{"listed user and account exempt", `["arn:aws:iam::123456789012:user/alice","123456789012"]`, user, Allow},
		{"listed user with root arn exempt", `["arn:aws:iam::123456789012:user/alice","arn:aws:iam::123456789012:root"]`, user, Allow},
		{"unlisted user denied", `["arn:aws:iam::123456789012:user/alice","123456789012"]`, bob, Deny},
		{"user without account denied", `["arn:aws:iam::123456789012:user/alice"]`, user, Deny},
		{"account alone does not exempt a user", `["123456789012"]`, user, Deny},
		{"account exempts its root", `["123456789012"]`, "arn:aws:iam::123456789012:root", Allow},
		{"session needs role and account", `["arn:aws:sts::123456789012:assumed-role/app/s1"]`, session, Deny},
		{"session with role and account exempt", `["arn:aws:sts::123456789012:assumed-role/app/s1","arn:aws:iam::123456789012:role/app","123456789012"]`, session, Allow},
		{"session without role denied", `["arn:aws:sts::123456789012:assumed-role/app/s1","123456789012"]`, session, Deny},
		{"role itself with account exempt", `["arn:aws:iam::123456789012:role/app","123456789012"]`, "arn:aws:iam::123456789012:role/app", Allow},
		{"star exempts everyone", `"*"`, bob, Allow},
		{"anonymous denied", `["123456789012"]`, "", Deny},
	}
	for _, tc := range tests {
		t.Run("NotPrincipal "+tc.name, func(t *testing.T) {
			r := &Request{Action: "secretsmanager:GetSecretValue", Resource: secret, Principal: tc.principal}
			wantDecision(t, notPrincipal(tc.list).Evaluate(r), tc.want)
		})
	}
}

// TestGlobLinear guards against exponential backtracking on hostile
// patterns: this would take far longer than the deadline if matching
// backtracked over every star.
func TestGlobLinear(t *testing.T) {
	pat := "arn:aws:s3:::" + strings.Repeat("a*", 200) + "b"
	p := mustParse(t, `{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"`+pat+`"}}`, Identity)
	r := &Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::" + strings.Repeat("a", 5000)}
	start := time.Now()
	wantDecision(t, p.Evaluate(r), NoDecision)
	r.Resource += "b"
	wantDecision(t, p.Evaluate(r), Allow)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("matching took %v", d)
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"?", "", false},
		{"?", "é", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{"*a", "bbba", true},
		{"*a", "bbab", false},
		{"a**b", "ab", true},
		{"a?*", "a", false},
	}
	for _, tc := range tests {
		p, err := compile(tc.pattern, true, false)
		if err != nil {
			t.Fatal(err)
		}
		el, _ := p.resolve(nil)
		if got := glob(el, []rune(tc.s)); got != tc.want {
			t.Errorf("glob(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	seeds := []string{
		AmazonRedshiftDataFullAccessDocument,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${aws:username, 'x'}/${*}","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["a*","${aws:username}"]},"NumericLessThanIfExists":{"aws:x":1e3},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"},"Null":{"aws:y":true},"BinaryEquals":{"aws:b":"AA=="}}}}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["123456789012","arn:aws:iam::123456789012:role/r"],"Service":"x.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"e"}}}]}`,
		`{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"123456789012"},"NotAction":"s3:*","NotResource":"arn:aws:s3:::b"}}`,
		`{"Statement":[]}`,
		`{`,
		`[[[[`,
		`{"Statement":{"Effect":"Allow","Action":"a:b","Resource":"arn:a:b:c:d:e","Condition":{"StringLike":{"a:b":"${"}}}}`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	ctx := map[string][]string{
		"aws:username": {"alice"}, "aws:TagKeys": {"a", "b"}, "aws:x": {"5"}, "aws:SourceIp": {"10.1.2.3"},
		"aws:CurrentTime": {"2026-01-01T00:00:00Z"}, "aws:PrincipalArn": {"arn:aws:iam::123456789012:role/r"},
		"aws:b": {"AA=="}, "sts:ExternalId": {"e"},
	}
	reqs := []*Request{
		{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/alice/x", Principal: "arn:aws:iam::123456789012:user/alice", Context: ctx},
		{Action: "sts:AssumeRole", Principal: "arn:aws:sts::123456789012:assumed-role/r/s", Context: ctx},
		{Action: "redshift-data:ExecuteStatement", Resource: "*", Principal: "x.amazonaws.com"},
		{Action: "a:b", Resource: "arn:a:b:c:d:e"},
	}
	f.Fuzz(func(t *testing.T, doc string) {
		for _, kind := range []Kind{Identity, Trust, Resource} {
			p, err := Parse(doc, kind)
			if err != nil {
				var me *MalformedError
				if !errors.As(err, &me) || me.Message == "" {
					t.Fatalf("error %v is not a *MalformedError with a message", err)
				}
				if p != nil {
					t.Fatal("policy returned with an error")
				}
				continue
			}
			for _, r := range reqs {
				d := p.Evaluate(r)
				if d != NoDecision && d != Allow && d != Deny {
					t.Fatalf("decision %d", d)
				}
				if got := Decide(r, p, p); got != d {
					t.Fatalf("Decide(p, p) = %v, Evaluate = %v", got, d)
				}
			}
		}
	})
}
