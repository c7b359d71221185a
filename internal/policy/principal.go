package policy

import (
	"strings"
)

// principalSet is a parsed Principal or NotPrincipal element.
type principalSet struct {
	any       bool // "*" or {"AWS": "*"}
	aws       []awsPrincipal
	services  []string
	federated []string
	canonical []string
}

type awsPrincipalKind uint8

const (
	pAccount  awsPrincipalKind = iota + 1 // "123456789012" or arn:...:iam::123456789012:root
	pRole                                 // arn:...:iam::acct:role/path/name
	pExactARN                             // user, assumed-role session, federated user
)

type awsPrincipal struct {
	kind      awsPrincipalKind
	arn       string // as written; empty for the account shorthand
	partition string // empty for the account shorthand
	account   string
	roleName  string // pRole: the last path segment
}

func parsePrincipal(v jvalue) (*principalSet, error) {
	ps := &principalSet{}
	switch v.kind {
	case jString:
		if v.s != "*" {
			return nil, malformed("Invalid principal in policy: " + clip(v.s))
		}
		ps.any = true
		return ps, nil
	case jObject:
		if len(v.obj) == 0 {
			return nil, malformed(msgSyntax)
		}
	default:
		return nil, malformed(msgSyntax)
	}
	for _, m := range v.obj {
		vals, err := stringList(m.val)
		if err != nil {
			return nil, err
		}
		for _, s := range vals {
			bad := malformed("Invalid principal in policy: \"" + clip(m.key) + "\":\"" + clip(s) + "\"")
			switch m.key {
			case "AWS":
				if s == "*" {
					ps.any = true
					continue
				}
				p, ok := parseAWSPrincipal(s)
				if !ok {
					return nil, bad
				}
				ps.aws = append(ps.aws, p)
			case "Service":
				if !validServiceName(s) {
					return nil, bad
				}
				ps.services = append(ps.services, s)
			case "Federated":
				if !validOpaquePrincipal(s) {
					return nil, bad
				}
				ps.federated = append(ps.federated, s)
			case "CanonicalUser":
				if !validOpaquePrincipal(s) {
					return nil, bad
				}
				ps.canonical = append(ps.canonical, s)
			default:
				return nil, bad
			}
		}
	}
	return ps, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validPartition(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && c != '-' {
			return false
		}
	}
	return true
}

// validName accepts a non-empty IAM name or path component list without
// wildcards: IAM does not allow partial wildcards in principals.
func validName(s string) bool {
	if s == "" || strings.ContainsAny(s, "*? \t\r\n") {
		return false
	}
	for _, part := range strings.Split(s, "/") {
		if part == "" {
			return false
		}
	}
	return true
}

func parseAWSPrincipal(s string) (awsPrincipal, bool) {
	if isAccountID(s) {
		return awsPrincipal{kind: pAccount, account: s}, true
	}
	parts := strings.SplitN(s, ":", arnSegments)
	if len(parts) != arnSegments || parts[0] != "arn" || !validPartition(parts[1]) ||
		parts[3] != "" || !isAccountID(parts[4]) {
		return awsPrincipal{}, false
	}
	p := awsPrincipal{arn: s, partition: parts[1], account: parts[4]}
	res := parts[5]
	switch parts[2] {
	case "iam":
		switch {
		case res == "root":
			p.kind = pAccount
		case strings.HasPrefix(res, "user/") && validName(res[len("user/"):]):
			p.kind = pExactARN
		case strings.HasPrefix(res, "role/") && validName(res[len("role/"):]):
			p.kind = pRole
			p.roleName = res[strings.LastIndexByte(res, '/')+1:]
		default:
			return awsPrincipal{}, false
		}
	case "sts":
		switch {
		case strings.HasPrefix(res, "assumed-role/"):
			role, session, ok := strings.Cut(res[len("assumed-role/"):], "/")
			if !ok || !validName(role) || !validName(session) || strings.Contains(session, "/") {
				return awsPrincipal{}, false
			}
			p.kind = pExactARN
		case strings.HasPrefix(res, "federated-user/") && validName(res[len("federated-user/"):]):
			p.kind = pExactARN
		default:
			return awsPrincipal{}, false
		}
	default:
		return awsPrincipal{}, false
	}
	return p, true
}

// validServiceName accepts service principals such as
// "redshift.amazonaws.com".
func validServiceName(s string) bool {
	if !strings.Contains(s, ".") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

func validOpaquePrincipal(s string) bool {
	return s != "" && !strings.ContainsAny(s, "*? \t\r\n")
}

// caller is the principal of a request, parsed once per evaluation.
type caller struct {
	id        string // Request.Principal as given
	isARN     bool   // an IAM or STS ARN
	partition string
	account   string // Request.PrincipalAccount, else the ARN's account
	isRoot    bool
	roleName  string // for an assumed-role session
}

func newCaller(principal, account string) caller {
	c := caller{id: principal, account: account}
	parts := strings.SplitN(principal, ":", arnSegments)
	if len(parts) != arnSegments || parts[0] != "arn" || !isIdentityARN(parts[2], parts[5]) {
		// Service principals, identity providers and anything else are
		// opaque names, matched only by Service, Federated or CanonicalUser.
		return c
	}
	c.isARN = true
	c.partition = parts[1]
	if c.account == "" {
		c.account = parts[4]
	}
	if c.account != parts[4] {
		// The caller's ARN and its stated account disagree: trust neither
		// for account-wide or role-wide matches, only the exact ARN.
		c.account = ""
		return c
	}
	res := parts[5]
	switch {
	case parts[2] == "iam" && res == "root":
		c.isRoot = true
	case parts[2] == "sts" && strings.HasPrefix(res, "assumed-role/"):
		if role, session, ok := strings.Cut(res[len("assumed-role/"):], "/"); ok && role != "" && session != "" {
			c.roleName = role
		}
	}
	return c
}

// isIdentityARN reports whether an ARN's service and resource name an IAM
// identity that can make requests: the root, a user, a role, a role
// session or a federated user.
func isIdentityARN(service, res string) bool {
	switch service {
	case "iam":
		return res == "root" || strings.HasPrefix(res, "user/") || strings.HasPrefix(res, "role/")
	case "sts":
		return strings.HasPrefix(res, "assumed-role/") || strings.HasPrefix(res, "federated-user/")
	}
	return false
}

// inAccount reports whether the caller belongs to the account named by p.
// The account shorthand means the account's root, which in a principal
// element stands for every principal of that account.
func (c *caller) inAccount(p *awsPrincipal) bool {
	if !c.isARN || c.account == "" || c.account != p.account {
		return false
	}
	return p.partition == "" || p.partition == c.partition
}

// isSessionOf reports whether the caller is a session of the role p.
func (c *caller) isSessionOf(p *awsPrincipal) bool {
	return c.roleName != "" && c.partition == p.partition && c.account == p.account && c.roleName == p.roleName
}

// matches implements the Principal element.
func (ps *principalSet) matches(c *caller) bool {
	if ps.any {
		return true
	}
	if c.isARN {
		for i := range ps.aws {
			p := &ps.aws[i]
			switch p.kind {
			case pAccount:
				if c.inAccount(p) {
					return true
				}
			case pRole:
				// A role ARN grants to the role and to every session of it.
				if c.id == p.arn || c.isSessionOf(p) {
					return true
				}
			case pExactARN:
				if c.id == p.arn {
					return true
				}
			}
		}
		return false
	}
	return ps.matchesOpaque(c.id)
}

func (ps *principalSet) matchesOpaque(id string) bool {
	if id == "" {
		return false
	}
	for _, lists := range [][]string{ps.services, ps.federated, ps.canonical} {
		for _, s := range lists {
			if s == id {
				return true
			}
		}
	}
	return false
}

// excludes implements NotPrincipal: it reports whether the caller is
// exempt from the statement. AWS checks each identity a request carries (the
// account, then the role, then the session or user) against NotPrincipal, so
// a caller is exempt only when every one of them is listed; naming a user
// without naming its account does not exempt the user.
func (ps *principalSet) excludes(c *caller) bool {
	if ps.any {
		return true
	}
	if !c.isARN {
		return ps.matchesOpaque(c.id)
	}
	var accountListed, principalListed, roleListed bool
	for i := range ps.aws {
		p := &ps.aws[i]
		switch p.kind {
		case pAccount:
			if c.inAccount(p) {
				accountListed = true
				if c.isRoot {
					principalListed = true
				}
			}
		case pRole:
			if c.isSessionOf(p) {
				roleListed = true
			}
			if c.id == p.arn {
				principalListed = true
			}
		case pExactARN:
			if c.id == p.arn {
				principalListed = true
			}
		}
	}
	if c.roleName != "" && !roleListed {
		return false
	}
	return accountListed && principalListed
}
