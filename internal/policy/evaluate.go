package policy

import "strings"

// Decision is the outcome of evaluating policies for a request.
type Decision int

const (
	// NoDecision: nothing allows the request (an implicit deny).
	NoDecision Decision = iota
	// Allow: a statement allows the request and none denies it.
	Allow
	// Deny: a statement explicitly denies the request.
	Deny
)

func (d Decision) String() string {
	switch d {
	case NoDecision:
		return "NoDecision"
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return "Decision(?)"
}

// Request is what a caller asks to do, with everything a policy may test.
type Request struct {
	// Action is "service:Operation", e.g. "redshift-data:ExecuteStatement";
	// matched case-insensitively. An empty Action is never allowed.
	Action string
	// Resource is the target ARN, or "*" for actions without a resource
	// type. Matched case-sensitively, segment by segment.
	Resource string
	// Principal is the caller: an IAM or STS ARN, or a service principal
	// such as "redshift.amazonaws.com". Only trust and resource policies
	// look at it; "" is an anonymous caller.
	Principal string
	// PrincipalAccount is the caller's account ID. When empty it is taken
	// from Principal's ARN.
	PrincipalAccount string
	// Context maps condition keys (aws:username, aws:userid,
	// aws:ResourceTag/Key, redshift-data:statement-owner-iam-userid, ...)
	// to their values. Keys are case-insensitive; a missing key, or one
	// with no values, is "not present".
	Context map[string][]string
}

// evalContext is a Request prepared once for evaluating many statements.
type evalContext struct {
	action       []rune // lower-cased
	resource     string
	resourceSegs [arnSegments][]rune
	resourceARN  bool
	caller       caller
	keys         map[string][]string // lower-cased keys, non-empty values
}

func newEvalContext(r *Request) *evalContext {
	ctx := &evalContext{
		action:   []rune(strings.ToLower(r.Action)),
		resource: r.Resource,
		caller:   newCaller(r.Principal, r.PrincipalAccount),
		keys:     make(map[string][]string, len(r.Context)),
	}
	ctx.resourceSegs, ctx.resourceARN = splitARN(r.Resource)
	for k, v := range r.Context {
		if len(v) == 0 {
			continue
		}
		lk := strings.ToLower(k)
		// Keys differing only in case are one key: their values are merged.
		ctx.keys[lk] = append(ctx.keys[lk], v...)
	}
	return ctx
}

func (ctx *evalContext) values(key string) ([]string, bool) {
	if ctx == nil {
		return nil, false
	}
	v, ok := ctx.keys[key]
	return v, ok
}

// variable resolves a policy variable: the key's value if it has exactly
// one, else the variable's default, else nothing.
func (ctx *evalContext) variable(t ptoken) (string, bool) {
	if v, ok := ctx.values(t.key); ok && len(v) == 1 {
		return v[0], true
	}
	if t.hasDef {
		return t.def, true
	}
	return "", false
}

// Evaluate decides one policy for r: Deny if any statement that applies
// denies, else Allow if any that applies allows, else NoDecision. A nil
// policy or request gives NoDecision.
func (p *Policy) Evaluate(r *Request) Decision {
	if p == nil || r == nil {
		return NoDecision
	}
	return p.evaluate(newEvalContext(r))
}

// Decide combines policies that apply to one request in one account (the
// identity policies of the caller and of its groups, a session policy, a
// resource policy) as AWS does: an explicit Deny in any of them denies;
// otherwise any Allow allows; otherwise the request is implicitly denied
// (NoDecision). Nil policies are skipped.
func Decide(r *Request, policies ...*Policy) Decision {
	if r == nil {
		return NoDecision
	}
	ctx := newEvalContext(r)
	d := NoDecision
	for _, p := range policies {
		if p == nil {
			continue
		}
		switch p.evaluate(ctx) {
		case Deny:
			return Deny
		case Allow:
			d = Allow
		}
	}
	return d
}

func (p *Policy) evaluate(ctx *evalContext) Decision {
	if len(ctx.action) == 0 {
		return NoDecision
	}
	d := NoDecision
	for i := range p.statements {
		st := &p.statements[i]
		if !st.applies(p.kind, ctx) {
			continue
		}
		if st.effect == effectDeny {
			return Deny
		}
		d = Allow
	}
	return d
}

func (st *statement) applies(kind Kind, ctx *evalContext) bool {
	if !st.matchesAction(ctx) {
		return false
	}
	if kind != Trust && !st.matchesResource(ctx) {
		return false
	}
	if kind != Identity {
		if st.principal == nil {
			return false
		}
		if st.notPrincipal {
			if st.principal.excludes(&ctx.caller) {
				return false
			}
		} else if !st.principal.matches(&ctx.caller) {
			return false
		}
	}
	for i := range st.conditions {
		if !st.conditions[i].eval(ctx) {
			return false
		}
	}
	return true
}

func (st *statement) matchesAction(ctx *evalContext) bool {
	hit := false
	for i := range st.actions {
		el, _ := st.actions[i].resolve(ctx)
		if glob(el, ctx.action) {
			hit = true
			break
		}
	}
	return hit != st.notAction
}

// matchesResource applies Resource or NotResource. A pattern whose policy
// variable has no value matches nothing, so under NotResource it excludes
// nothing.
func (st *statement) matchesResource(ctx *evalContext) bool {
	hit := false
	for i := range st.resources {
		if st.resources[i].match(ctx, &ctx.resourceSegs, ctx.resourceARN) {
			hit = true
			break
		}
	}
	return hit != st.notResource
}
