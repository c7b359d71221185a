package policy

import (
	"fmt"
	"strings"
)

// Kind selects which rules a document must follow, by where it is attached.
type Kind int

const (
	// Identity policies attach to users, groups and roles (and serve as
	// session policies). They name no principal and need Resource or
	// NotResource.
	Identity Kind = iota + 1
	// Trust policies are a role's assume-role policy: Principal is required,
	// Resource is prohibited and actions are STS actions (sts:AssumeRole,
	// sts:TagSession, ...).
	Trust
	// Resource policies attach to a resource (a secret, for example): they
	// need Principal or NotPrincipal and Resource or NotResource.
	Resource
)

func (k Kind) String() string {
	switch k {
	case Identity:
		return "identity"
	case Trust:
		return "trust"
	case Resource:
		return "resource"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// The two policy language versions. Policy variables exist only in
// Version2012; a document without Version follows Version2008.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Policy is a parsed, validated policy document. It is immutable and safe
// for concurrent use.
type Policy struct {
	kind       Kind
	version    string
	id         string
	statements []statement
}

// Kind returns the rules the policy was parsed under.
func (p *Policy) Kind() Kind { return p.kind }

// Version returns the document's Version element, or "" when it had none.
func (p *Policy) Version() string { return p.version }

// ID returns the document's optional Id element.
func (p *Policy) ID() string { return p.id }

type effect uint8

const (
	effectAllow effect = iota + 1
	effectDeny
)

type statement struct {
	sid    string
	effect effect

	principal    *principalSet // nil: the element is absent
	notPrincipal bool

	actions   []pattern // lower-cased
	notAction bool

	resources   []arnPattern // nil: the element is absent (trust policies)
	notResource bool

	conditions []condition
}

// Parse reads a policy document (JSON) and validates it under the rules of
// kind. Every refusal is a *MalformedError whose Message is public text in
// IAM's style ("Syntax errors in policy.", "Missing required field Effect",
// ...). An unknown kind is a programming error and gets a plain error.
func Parse(doc string, kind Kind) (*Policy, error) {
	if kind != Identity && kind != Trust && kind != Resource {
		return nil, fmt.Errorf("policy: unknown kind %d", int(kind))
	}
	root, err := decodeJSON(doc)
	if err != nil {
		return nil, err
	}
	if root.kind != jObject {
		return nil, malformed(msgSyntax)
	}
	p := &Policy{kind: kind}
	var stmts *jvalue
	for i := range root.obj {
		m := &root.obj[i]
		switch m.key {
		case "Version":
			if m.val.kind != jString {
				return nil, malformed(msgSyntax)
			}
			if m.val.s != Version2012 && m.val.s != Version2008 {
				return nil, malformed(msgLegacyParsing)
			}
			p.version = m.val.s
		case "Id":
			if m.val.kind != jString {
				return nil, malformed(msgSyntax)
			}
			p.id = m.val.s
		case "Statement":
			stmts = &m.val
		default:
			return nil, malformed(msgSyntax)
		}
	}
	if stmts == nil {
		return nil, malformed(msgMissingStatement)
	}
	var list []jvalue
	switch stmts.kind {
	case jObject:
		list = []jvalue{*stmts}
	case jArray:
		list = stmts.arr
	default:
		return nil, malformed(msgSyntax)
	}
	if len(list) == 0 {
		return nil, malformed(msgSyntax)
	}
	vars := p.version == Version2012
	sids := make(map[string]bool)
	for _, sv := range list {
		if sv.kind != jObject {
			return nil, malformed(msgSyntax)
		}
		st, err := parseStatement(sv, kind, vars)
		if err != nil {
			return nil, err
		}
		if st.sid != "" {
			if sids[st.sid] {
				return nil, malformed(msgSidUnique)
			}
			sids[st.sid] = true
		}
		p.statements = append(p.statements, st)
	}
	return p, nil
}

func parseStatement(v jvalue, kind Kind, vars bool) (statement, error) {
	var st statement
	var (
		effectVal                 *jvalue
		principalVal              *jvalue
		hasPrincipal, hasNotPrinc bool
		actionVals                []string
		hasAction, hasNotAction   bool
		resourceVals              []string
		hasResource, hasNotResrc  bool
		conditionVal              *jvalue
	)
	for i := range v.obj {
		m := &v.obj[i]
		switch m.key {
		case "Sid":
			if m.val.kind != jString {
				return st, malformed(msgSyntax)
			}
			st.sid = m.val.s
		case "Effect":
			effectVal = &m.val
		case "Principal", "NotPrincipal":
			principalVal = &m.val
			hasPrincipal = hasPrincipal || m.key == "Principal"
			hasNotPrinc = hasNotPrinc || m.key == "NotPrincipal"
		case "Action", "NotAction":
			vals, err := stringList(m.val)
			if err != nil {
				return st, err
			}
			actionVals = vals
			hasAction = hasAction || m.key == "Action"
			hasNotAction = hasNotAction || m.key == "NotAction"
		case "Resource", "NotResource":
			vals, err := stringList(m.val)
			if err != nil {
				return st, err
			}
			resourceVals = vals
			hasResource = hasResource || m.key == "Resource"
			hasNotResrc = hasNotResrc || m.key == "NotResource"
		case "Condition":
			conditionVal = &m.val
		default:
			return st, malformed(msgSyntax)
		}
	}

	if effectVal == nil {
		return st, malformed(msgMissingEffect)
	}
	if effectVal.kind != jString {
		return st, malformed(msgSyntax)
	}
	switch effectVal.s {
	case "Allow":
		st.effect = effectAllow
	case "Deny":
		st.effect = effectDeny
	default:
		return st, malformed("Invalid effect: " + clip(effectVal.s))
	}

	if kind != Resource && st.sid != "" && !isAlnum(st.sid) {
		// IAM's own policies (identity and trust) restrict Sid; resource
		// policies of other services allow more.
		return st, malformed(msgSidAlnum)
	}

	// Principal.
	switch kind {
	case Identity:
		if hasPrincipal || hasNotPrinc {
			return st, malformed(msgNoPrincipal)
		}
	case Trust:
		if hasNotPrinc {
			return st, malformed("Has prohibited field NotPrincipal")
		}
		if !hasPrincipal {
			return st, malformed(msgMissingPrincipal)
		}
	case Resource:
		if hasPrincipal && hasNotPrinc {
			return st, malformed(msgSyntax)
		}
		if !hasPrincipal && !hasNotPrinc {
			return st, malformed(msgMissingPrincipal)
		}
		if hasNotPrinc && st.effect != effectDeny {
			return st, malformed(msgNotPrincipalDeny)
		}
	}
	if principalVal != nil {
		ps, err := parsePrincipal(*principalVal)
		if err != nil {
			return st, err
		}
		st.principal, st.notPrincipal = ps, hasNotPrinc
	}

	// Action.
	if hasAction && hasNotAction {
		return st, malformed(msgSyntax)
	}
	if !hasAction && !hasNotAction {
		return st, malformed(msgMissingActions)
	}
	st.notAction = hasNotAction
	for _, a := range actionVals {
		if err := validateAction(a, kind); err != nil {
			return st, err
		}
		p, err := compile(strings.ToLower(a), true, false)
		if err != nil {
			return st, err
		}
		st.actions = append(st.actions, p)
	}

	// Resource.
	if hasResource && hasNotResrc {
		return st, malformed(msgSyntax)
	}
	switch kind {
	case Trust:
		if hasResource {
			return st, malformed("Has prohibited field Resource")
		}
		if hasNotResrc {
			return st, malformed("Has prohibited field NotResource")
		}
	default:
		if !hasResource && !hasNotResrc {
			return st, malformed(msgMissingResources)
		}
		st.notResource = hasNotResrc
		st.resources = make([]arnPattern, 0, len(resourceVals))
		for _, r := range resourceVals {
			bad := malformed("Resource " + clip(r) + " must be in ARN format or \"*\".")
			if r != "*" && !strings.HasPrefix(r, "arn:") {
				return st, bad
			}
			ap, ok, err := compileARN(r, vars)
			if err != nil {
				return st, err
			}
			if !ok {
				return st, bad
			}
			st.resources = append(st.resources, ap)
		}
	}

	if conditionVal != nil {
		conds, err := parseConditionBlock(*conditionVal, vars)
		if err != nil {
			return st, err
		}
		st.conditions = conds
	}
	return st, nil
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// validateAction checks "*" or "vendor:action", where the vendor has no
// wildcard and the action name is letters, digits and wildcards.
func validateAction(a string, kind Kind) error {
	if a == "*" {
		if kind == Trust {
			return malformed(msgTrustActions)
		}
		return nil
	}
	vendor, name, ok := strings.Cut(a, ":")
	if !ok || vendor == "" {
		return malformed(msgVendor)
	}
	if strings.ContainsAny(vendor, "*?") {
		return malformed(msgVendorWildcard)
	}
	for i := 0; i < len(vendor); i++ {
		c := vendor[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && c != '-' {
			return malformed(msgVendor)
		}
	}
	if name == "" {
		return malformed(msgSyntax)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && c != '*' && c != '?' && c != '-' && c != '_' {
			return malformed(msgSyntax)
		}
	}
	if kind == Trust && !strings.EqualFold(vendor, "sts") {
		return malformed(msgTrustActions)
	}
	return nil
}
