package policy

import (
	"strings"
	"unicode"
)

// A pattern is a compiled policy string: literal text, the wildcards * and ?
// (where the element allows them) and policy variables (in 2012-10-17
// documents). Variables are kept as tokens until evaluation so that a value
// substituted into a pattern is always literal text: a tag value of "*" must
// not turn into a wildcard, and a value containing ':' must not shift the
// segments of an ARN.

type tkind uint8

const (
	tLit  tkind = iota // literal text (ptoken) or one literal rune (elem)
	tStar              // *: any run of characters, including none
	tOne               // ?: exactly one character
	tVar               // ${key} or ${key, 'default'}
)

type ptoken struct {
	kind   tkind
	lit    string // tLit
	key    string // tVar: the condition key, lower-cased
	def    string // tVar: the default value
	hasDef bool
}

// elem is one position of a resolved pattern.
type elem struct {
	kind tkind // tLit, tStar or tOne
	r    rune
}

type pattern struct {
	toks   []ptoken
	hasVar bool
	static []elem // the resolved form when there is no variable
}

// compile parses s. wild makes * and ? wildcards; vars enables ${...}
// policy variables and the escapes ${*}, ${?} and ${$}.
func compile(s string, wild, vars bool) (pattern, error) {
	var p pattern
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p.toks = append(p.toks, ptoken{kind: tLit, lit: lit.String()})
			lit.Reset()
		}
	}
	noClose := false // no '}' remains: every later "${" is text too
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case vars && !noClose && c == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				// An unterminated "${" is plain text, as it cannot be a variable.
				noClose = true
				lit.WriteByte(c)
				i++
				continue
			}
			body := s[i+2 : i+2+end]
			i += end + 3
			switch body {
			case "*", "?", "$":
				lit.WriteString(body)
				continue
			}
			key, def, hasDef, ok := parseVariable(body)
			if !ok {
				return pattern{}, malformed("Invalid policy variable: ${" + clip(body) + "}")
			}
			flush()
			p.toks = append(p.toks, ptoken{kind: tVar, key: key, def: def, hasDef: hasDef})
			p.hasVar = true
		case wild && c == '*':
			flush()
			// Runs of * are equivalent to one; collapsing them keeps matching cheap.
			if n := len(p.toks); n == 0 || p.toks[n-1].kind != tStar {
				p.toks = append(p.toks, ptoken{kind: tStar})
			}
			i++
		case wild && c == '?':
			flush()
			p.toks = append(p.toks, ptoken{kind: tOne})
			i++
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	if !p.hasVar {
		p.static, _ = p.resolve(nil)
	}
	return p, nil
}

// parseVariable reads the inside of ${...}: a condition key, optionally
// followed by ", 'default'". Spaces around the parts are ignored.
func parseVariable(body string) (key, def string, hasDef, ok bool) {
	keyPart, defPart, hasComma := strings.Cut(body, ",")
	key = strings.TrimSpace(keyPart)
	if key == "" {
		return "", "", false, false
	}
	for _, r := range key {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("${}'*?", r) {
			return "", "", false, false
		}
	}
	if hasComma {
		d := strings.TrimSpace(defPart)
		if len(d) < 2 || d[0] != '\'' || d[len(d)-1] != '\'' || strings.Contains(d[1:len(d)-1], "'") {
			return "", "", false, false
		}
		def, hasDef = d[1:len(d)-1], true
	}
	return strings.ToLower(key), def, hasDef, true
}

// resolve substitutes variables from ctx. It reports false when a variable
// has no value: that pattern then matches nothing. A key resolves only when
// it holds exactly one value; AWS documents that multivalued keys cannot be
// used as variables.
func (p *pattern) resolve(ctx *evalContext) ([]elem, bool) {
	if !p.hasVar && p.static != nil {
		return p.static, true
	}
	var out []elem
	for _, t := range p.toks {
		switch t.kind {
		case tLit:
			for _, r := range t.lit {
				out = append(out, elem{kind: tLit, r: r})
			}
		case tStar, tOne:
			out = append(out, elem{kind: t.kind})
		case tVar:
			v, ok := ctx.variable(t)
			if !ok {
				return nil, false
			}
			for _, r := range v {
				out = append(out, elem{kind: tLit, r: r})
			}
		}
	}
	if out == nil {
		out = []elem{}
	}
	return out, true
}

// resolveString is resolve for patterns compiled without wildcards.
func (p *pattern) resolveString(ctx *evalContext) (string, bool) {
	var b strings.Builder
	for _, t := range p.toks {
		switch t.kind {
		case tLit:
			b.WriteString(t.lit)
		case tVar:
			v, ok := ctx.variable(t)
			if !ok {
				return "", false
			}
			b.WriteString(v)
		default:
			// Unreachable for patterns compiled with wild=false.
			return "", false
		}
	}
	return b.String(), true
}

// isStar reports whether the pattern is exactly "*".
func (p *pattern) isStar() bool {
	return len(p.toks) == 1 && p.toks[0].kind == tStar
}

// glob reports whether s matches the resolved pattern p. It backtracks only
// to the most recent *, which is enough for * and ? and keeps the cost at
// O(len(p)·len(s)) in the worst case, never exponential.
func glob(p []elem, s []rune) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		if pi < len(p) {
			switch e := p[pi]; e.kind {
			case tStar:
				star, mark = pi, si
				pi++
				continue
			case tOne:
				pi++
				si++
				continue
			case tLit:
				if e.r == s[si] {
					pi++
					si++
					continue
				}
			}
		}
		if star < 0 {
			return false
		}
		pi = star + 1
		mark++
		si = mark
	}
	for pi < len(p) && p[pi].kind == tStar {
		pi++
	}
	return pi == len(p)
}

// An arnPattern matches ARNs segment by segment, as IAM does for Resource
// and the Arn condition operators: the first five colon-separated parts
// (arn, partition, service, region, account) are matched separately, so a
// wildcard never crosses a colon there, and the sixth part is the rest of the
// ARN, colons included.
type arnPattern struct {
	any  bool // the pattern is "*": it matches every value, ARN or not
	segs [arnSegments]pattern
}

const arnSegments = 6

// compileARN compiles s and splits it into segments. ok is false when s is
// neither "*" nor has six segments.
func compileARN(s string, vars bool) (arnPattern, bool, error) {
	p, err := compile(s, true, vars)
	if err != nil {
		return arnPattern{}, false, err
	}
	if p.isStar() {
		return arnPattern{any: true}, true, nil
	}
	var ap arnPattern
	seg := 0
	for _, t := range p.toks {
		if t.kind != tLit {
			ap.segs[seg].toks = append(ap.segs[seg].toks, t)
			continue
		}
		rest := t.lit
		for seg < arnSegments-1 {
			before, after, found := strings.Cut(rest, ":")
			if !found {
				break
			}
			if before != "" {
				ap.segs[seg].toks = append(ap.segs[seg].toks, ptoken{kind: tLit, lit: before})
			}
			seg++
			rest = after
		}
		if rest != "" {
			ap.segs[seg].toks = append(ap.segs[seg].toks, ptoken{kind: tLit, lit: rest})
		}
	}
	if seg != arnSegments-1 {
		return arnPattern{}, false, nil
	}
	for i := range ap.segs {
		sp := &ap.segs[i]
		for _, t := range sp.toks {
			if t.kind == tVar {
				sp.hasVar = true
			}
		}
		if !sp.hasVar {
			sp.static, _ = sp.resolve(nil)
		}
	}
	return ap, true, nil
}

// splitARN splits an ARN from a request into its six segments.
func splitARN(s string) ([arnSegments][]rune, bool) {
	var out [arnSegments][]rune
	parts := strings.SplitN(s, ":", arnSegments)
	if len(parts) != arnSegments {
		return out, false
	}
	for i, p := range parts {
		out[i] = []rune(p)
	}
	return out, true
}

// match reports whether the split ARN segs (ok=false: not an ARN) matches.
func (ap *arnPattern) match(ctx *evalContext, segs *[arnSegments][]rune, ok bool) bool {
	if ap.any {
		return true
	}
	if !ok {
		return false
	}
	for i := range ap.segs {
		p, resolved := ap.segs[i].resolve(ctx)
		if !resolved || !glob(p, segs[i]) {
			return false
		}
	}
	return true
}
