package policy

import (
	"bytes"
	"encoding/base64"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

type family uint8

const (
	fString family = iota + 1
	fNumeric
	fDate
	fBool
	fBinary
	fIP
	fARN
	fNull
)

type test uint8

const (
	tEquals test = iota + 1
	tEqualsIgnoreCase
	tLike
	tLess
	tLessEq
	tGreater
	tGreaterEq
	tInRange // IpAddress
)

// operator is a condition operator without its IfExists suffix or set
// qualifier. For each request value, a negated operator is true exactly
// when its positive form (StringNotEquals → StringEquals) is false.
type operator struct {
	family  family
	test    test
	negated bool
}

// lookupOperator resolves a base operator name (no qualifier, no IfExists).
// Names are matched case-insensitively: accepting "stringEquals" cannot
// widen what a policy grants, and unknown names are still refused.
func lookupOperator(name string) (operator, bool) {
	switch strings.ToLower(name) {
	case "stringequals":
		return operator{fString, tEquals, false}, true
	case "stringnotequals":
		return operator{fString, tEquals, true}, true
	case "stringequalsignorecase":
		return operator{fString, tEqualsIgnoreCase, false}, true
	case "stringnotequalsignorecase":
		return operator{fString, tEqualsIgnoreCase, true}, true
	case "stringlike":
		return operator{fString, tLike, false}, true
	case "stringnotlike":
		return operator{fString, tLike, true}, true
	case "numericequals":
		return operator{fNumeric, tEquals, false}, true
	case "numericnotequals":
		return operator{fNumeric, tEquals, true}, true
	case "numericlessthan":
		return operator{fNumeric, tLess, false}, true
	case "numericlessthanequals":
		return operator{fNumeric, tLessEq, false}, true
	case "numericgreaterthan":
		return operator{fNumeric, tGreater, false}, true
	case "numericgreaterthanequals":
		return operator{fNumeric, tGreaterEq, false}, true
	case "dateequals":
		return operator{fDate, tEquals, false}, true
	case "datenotequals":
		return operator{fDate, tEquals, true}, true
	case "datelessthan":
		return operator{fDate, tLess, false}, true
	case "datelessthanequals":
		return operator{fDate, tLessEq, false}, true
	case "dategreaterthan":
		return operator{fDate, tGreater, false}, true
	case "dategreaterthanequals":
		return operator{fDate, tGreaterEq, false}, true
	case "bool":
		return operator{fBool, tEquals, false}, true
	case "binaryequals":
		return operator{fBinary, tEquals, false}, true
	case "ipaddress":
		return operator{fIP, tInRange, false}, true
	case "notipaddress":
		return operator{fIP, tInRange, true}, true
	case "arnequals", "arnlike":
		// IAM documents ArnEquals and ArnLike as the same comparison.
		return operator{fARN, tLike, false}, true
	case "arnnotequals", "arnnotlike":
		return operator{fARN, tLike, true}, true
	case "null":
		return operator{fNull, tEquals, false}, true
	}
	return operator{}, false
}

type qualifier uint8

const (
	qNone qualifier = iota
	qAnyValue
	qAllValues
)

// condition is one operator applied to one key with its values.
type condition struct {
	op       operator
	qual     qualifier
	ifExists bool
	key      string // lower-cased
	values   []condValue
}

// condValue is one policy value, pre-parsed for its operator's family.
type condValue struct {
	str   pattern    // fString
	arn   arnPattern // fARN; arnOK false: the value can never match
	arnOK bool
	num   *big.Rat     // fNumeric
	date  time.Time    // fDate
	b     bool         // fBool, fNull
	bin   []byte       // fBinary
	ip    netip.Prefix // fIP
}

func parseConditionBlock(v jvalue, vars bool) ([]condition, error) {
	if v.kind != jObject {
		return nil, malformed(msgSyntax)
	}
	var out []condition
	for _, opm := range v.obj {
		name := opm.key
		var qual qualifier
		if q, rest, ok := strings.Cut(name, ":"); ok {
			switch strings.ToLower(q) {
			case "foranyvalue":
				qual = qAnyValue
			case "forallvalues":
				qual = qAllValues
			default:
				return nil, malformed("Invalid Condition type : " + clip(opm.key))
			}
			name = rest
		}
		ifExists := false
		if len(name) > len("IfExists") && strings.EqualFold(name[len(name)-len("IfExists"):], "IfExists") {
			ifExists = true
			name = name[:len(name)-len("IfExists")]
		}
		op, ok := lookupOperator(name)
		if !ok || (op.family == fNull && (ifExists || qual != qNone)) {
			// AWS allows IfExists on every operator except Null, which
			// already is a test for existence.
			return nil, malformed("Invalid Condition type : " + clip(opm.key))
		}
		if opm.val.kind != jObject || len(opm.val.obj) == 0 {
			return nil, malformed(msgSyntax)
		}
		for _, km := range opm.val.obj {
			if !validConditionKey(km.key) {
				return nil, malformed(msgVendor)
			}
			raw, err := scalarList(km.val)
			if err != nil {
				return nil, err
			}
			c := condition{op: op, qual: qual, ifExists: ifExists, key: strings.ToLower(km.key)}
			for _, s := range raw {
				cv, err := parseConditionValue(op, s, vars)
				if err != nil {
					return nil, err
				}
				c.values = append(c.values, cv)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func validConditionKey(k string) bool {
	vendor, name, ok := strings.Cut(k, ":")
	if !ok || vendor == "" || name == "" {
		return false
	}
	return !strings.ContainsAny(vendor, "*? \t\r\n")
}

func badValue(op, v string) error {
	return malformed("Invalid value for " + op + " condition: " + clip(v))
}

func parseConditionValue(op operator, s string, vars bool) (condValue, error) {
	var cv condValue
	switch op.family {
	case fString:
		p, err := compile(s, op.test == tLike, vars)
		if err != nil {
			return cv, err
		}
		cv.str = p
	case fARN:
		ap, ok, err := compileARN(s, vars)
		if err != nil {
			return cv, err
		}
		// A value that is not ARN-shaped is accepted but matches nothing.
		cv.arn, cv.arnOK = ap, ok
	case fNumeric:
		n, ok := parseNumber(s)
		if !ok {
			return cv, badValue("Numeric", s)
		}
		cv.num = n
	case fDate:
		t, ok := parseDate(s)
		if !ok {
			return cv, badValue("Date", s)
		}
		cv.date = t
	case fBool, fNull:
		b, ok := parseBool(s)
		if !ok {
			return cv, badValue("Bool", s)
		}
		cv.b = b
	case fBinary:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return cv, badValue("Binary", s)
		}
		cv.bin = b
	case fIP:
		p, ok := parsePrefix(s)
		if !ok {
			return cv, badValue("IpAddress", s)
		}
		cv.ip = p
	}
	return cv, nil
}

// parseNumber accepts decimal numbers: an optional sign, digits with an
// optional fraction, and an optional exponent of at most three digits. The
// bounds keep big.Rat from being asked to build enormous values.
func parseNumber(s string) (*big.Rat, bool) {
	if len(s) == 0 || len(s) > 64 {
		return nil, false
	}
	i := 0
	if s[i] == '+' || s[i] == '-' {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return nil, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			exp++
		}
		if exp == 0 || exp > 3 {
			return nil, false
		}
	}
	if i != len(s) {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseDate reads an ISO 8601 date-time or whole epoch seconds. Forms
// without a zone are read as UTC. A string of digits alone is always epoch
// seconds, never an ISO 8601 basic-format date.
func parseDate(s string) (time.Time, bool) {
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	if digits := strings.TrimPrefix(s, "-"); digits != "" && strings.Trim(digits, "0123456789") == "" {
		if len(digits) > 12 {
			return time.Time{}, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.Unix(n, 0).UTC(), true
	}
	layouts := [...]string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05Z0700",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04:05",
		"2006-01-02T15:04",
		"2006-01-02",
		"20060102T150405Z0700",
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// parsePrefix reads a CIDR block or a single address (a /32 or /128).
// Host bits are cleared, and IPv4-mapped IPv6 blocks are read as IPv4.
func parsePrefix(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, false
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if a := p.Addr(); a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, false
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), true
}

func parseAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.WithZone("").Unmap(), true
}

// eval decides the condition for the request context.
//
// With no set qualifier, several request values are treated like
// ForAnyValue for positive operators, and a negated operator is true only
// when no request value matches any policy value (it is the exact negation
// of the positive form). An absent key makes a positive operator false and a
// negated one true, as AWS documents; IfExists makes it true.
//
// ForAnyValue is false for an absent key and ForAllValues is true, as AWS
// documents; with them a negated operator is applied to each request value.
func (c *condition) eval(ctx *evalContext) bool {
	vals, present := ctx.values(c.key)
	if c.op.family == fNull {
		for _, v := range c.values {
			// "Null": true asks for the key to be absent.
			if v.b != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch c.qual {
		case qAllValues:
			return true
		case qAnyValue:
			return c.ifExists
		default:
			return c.ifExists || c.op.negated
		}
	}
	switch c.qual {
	case qAllValues:
		for _, v := range vals {
			if c.matchAny(ctx, v) == c.op.negated {
				return false
			}
		}
		return true
	case qAnyValue:
		for _, v := range vals {
			if c.matchAny(ctx, v) != c.op.negated {
				return true
			}
		}
		return false
	default:
		for _, v := range vals {
			if c.matchAny(ctx, v) {
				return !c.op.negated
			}
		}
		return c.op.negated
	}
}

// matchAny reports whether the request value rv satisfies the positive form
// of the operator against at least one policy value (values are ORed).
func (c *condition) matchAny(ctx *evalContext, rv string) bool {
	switch c.op.family {
	case fString:
		var runes []rune
		for i := range c.values {
			p := &c.values[i].str
			if c.op.test == tLike {
				el, ok := p.resolve(ctx)
				if !ok {
					continue
				}
				if runes == nil {
					runes = []rune(rv)
				}
				if glob(el, runes) {
					return true
				}
				continue
			}
			s, ok := p.resolveString(ctx)
			if !ok {
				continue
			}
			if (c.op.test == tEquals && s == rv) || (c.op.test == tEqualsIgnoreCase && strings.EqualFold(s, rv)) {
				return true
			}
		}
	case fARN:
		segs, ok := splitARN(rv)
		for i := range c.values {
			if c.values[i].arnOK && c.values[i].arn.match(ctx, &segs, ok) {
				return true
			}
		}
	case fNumeric:
		n, ok := parseNumber(rv)
		if !ok {
			return false
		}
		for i := range c.values {
			if compares(c.op.test, n.Cmp(c.values[i].num)) {
				return true
			}
		}
	case fDate:
		t, ok := parseDate(rv)
		if !ok {
			return false
		}
		for i := range c.values {
			if compares(c.op.test, t.Compare(c.values[i].date)) {
				return true
			}
		}
	case fBool:
		b, ok := parseBool(rv)
		if !ok {
			return false
		}
		for i := range c.values {
			if b == c.values[i].b {
				return true
			}
		}
	case fBinary:
		b, err := base64.StdEncoding.DecodeString(rv)
		if err != nil {
			return false
		}
		for i := range c.values {
			if bytes.Equal(b, c.values[i].bin) {
				return true
			}
		}
	case fIP:
		a, ok := parseAddr(rv)
		if !ok {
			return false
		}
		for i := range c.values {
			if c.values[i].ip.Contains(a) {
				return true
			}
		}
	}
	return false
}

// compares applies an ordering test to the result of a Cmp/Compare call
// (request value against policy value).
func compares(t test, cmp int) bool {
	switch t {
	case tEquals:
		return cmp == 0
	case tLess:
		return cmp < 0
	case tLessEq:
		return cmp <= 0
	case tGreater:
		return cmp > 0
	case tGreaterEq:
		return cmp >= 0
	}
	return false
}
