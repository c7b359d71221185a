package dialect

// Redshift's user and group DDL: CREATE/ALTER/DROP USER and
// CREATE/ALTER/DROP GROUP, recognised with the lexer and parsed into a
// RoleCommand, which rsdata runs itself (pgexec) rather than sending the
// SQL on: the master user is Redshift's superuser but not PostgreSQL's, and
// has no CREATEROLE, so the server would refuse it.

import (
	"fmt"
	"strconv"
	"strings"
)

// RoleVerb is what a RoleCommand does.
type RoleVerb uint8

// The role statements.
const (
	CreateUser RoleVerb = iota + 1
	AlterUser
	DropUser
	CreateGroup
	AlterGroup
	DropGroup
)

var roleVerbNames = [...]string{"", "CREATE USER", "ALTER USER", "DROP USER", "CREATE GROUP", "ALTER GROUP", "DROP GROUP"}

func (v RoleVerb) String() string { return roleVerbNames[v] }

// RoleCommand is one parsed user or group statement. Optional settings are
// nil when the statement does not name them.
type RoleCommand struct {
	Verb RoleVerb
	// Name is the user or group the statement is about (DROP USER: the
	// first of Names).
	Name string
	// Names are DROP USER's users, in order.
	Names    []string
	IfExists bool

	// Password is a plaintext password that passed Redshift's rules;
	// DisablePassword is PASSWORD DISABLE.
	Password        *string
	DisablePassword bool
	CreateDB        *bool
	CreateUser      *bool
	// SyslogAccess is RESTRICTED or UNRESTRICTED, "" when not given.
	SyslogAccess string
	// InGroups are CREATE USER's IN GROUP groups.
	InGroups []string
	// ValidUntil is VALID UNTIL's literal, unquoted.
	ValidUntil *string
	// ConnLimit is CONNECTION LIMIT: -1 for UNLIMITED.
	ConnLimit *int
	// SessionTimeout is SESSION TIMEOUT in seconds; 0 with ResetTimeout.
	SessionTimeout *int
	ResetTimeout   bool

	// RenameTo is RENAME TO's new name.
	RenameTo string
	// SetParam and SetValue are ALTER USER ... SET param TO value
	// (SetValue "" with SetDefault for DEFAULT); ResetParam is RESET param.
	SetParam, SetValue string
	SetDefault         bool
	ResetParam         string

	// AddUsers and DropUsers are ALTER GROUP's ADD USER and DROP USER;
	// CREATE GROUP's WITH USER users are AddUsers too.
	AddUsers, DropUsers []string
}

// Tag is the CommandComplete tag PostgreSQL sends for the statement.
func (c *RoleCommand) Tag() string {
	switch c.Verb {
	case CreateUser, CreateGroup:
		return "CREATE ROLE"
	case DropUser, DropGroup:
		return "DROP ROLE"
	}
	return "ALTER ROLE"
}

// ParseRole recognises Redshift's user and group DDL in sql. It returns
// nil, nil when sql is not one (or mode is Postgres, which passes SQL on
// untouched). A role statement that is not alone in sql (which the Data
// API first splits with SplitRoles; the PostgreSQL endpoint refuses it),
// or that does not parse, or whose password breaks Redshift's rules, is a
// *Refusal.
func ParseRole(mode Mode, sql string) (*RoleCommand, error) {
	if mode == Postgres || !mayBeRole(sql) {
		return nil, nil
	}
	stmts := Statements(sql)
	for _, st := range stmts {
		if verb := roleVerb(st); verb != 0 && len(stmts) > 1 {
			return nil, &Refusal{Code: codeUnsupported, Message: verb.String() + " must be sent as a statement of its own, not with other statements"}
		}
	}
	if len(stmts) != 1 {
		return nil, nil
	}
	verb := roleVerb(stmts[0])
	if verb == 0 {
		return nil, nil
	}
	p := &roleParser{toks: stmts[0], i: 2, cmd: &RoleCommand{Verb: verb}}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.cmd, nil
}

// mayBeRole reports whether a statement of sql starts with CREATE, ALTER
// or DROP and then USER or GROUP: one pass that keeps no tokens, so that
// every other statement costs no allocation.
func mayBeRole(sql string) bool {
	n := 0 // significant tokens of the statement so far
	verb := false
	for t := range Tokens(sql) {
		switch {
		case !t.Significant():
			continue
		case t.Kind == Punct && t.Text == ";":
			n = 0
			continue
		case n == 0:
			verb = t.Is("create") || t.Is("alter") || t.Is("drop")
		case n == 1 && verb && (t.Is("user") || t.Is("group")):
			return true
		}
		n++
	}
	return false
}

// roleVerb is the role statement st starts, 0 for none. PostgreSQL's
// CREATE/ALTER/DROP USER MAPPING is not one (Redshift has none).
func roleVerb(st []Token) RoleVerb {
	if len(st) < 2 {
		return 0
	}
	if st[1].Is("user") && len(st) > 3 && st[2].Is("mapping") && (st[3].Is("for") || st[3].Is("if")) {
		return 0
	}
	switch {
	case st[0].Is("create") && st[1].Is("user"):
		return CreateUser
	case st[0].Is("alter") && st[1].Is("user"):
		return AlterUser
	case st[0].Is("drop") && st[1].Is("user"):
		return DropUser
	case st[0].Is("create") && st[1].Is("group"):
		return CreateGroup
	case st[0].Is("alter") && st[1].Is("group"):
		return AlterGroup
	case st[0].Is("drop") && st[1].Is("group"):
		return DropGroup
	}
	return 0
}

type roleParser struct {
	toks []Token
	i    int
	cmd  *RoleCommand
}

// syntax is PostgreSQL's syntax error at the current token.
func (p *roleParser) syntax() error {
	if p.i >= len(p.toks) {
		return &Refusal{Code: codeSyntax, Message: "syntax error at end of input"}
	}
	return &Refusal{Code: codeSyntax, Message: fmt.Sprintf(`syntax error at or near "%s"`, p.toks[p.i].Text)}
}

func (p *roleParser) peek(w string) bool { return p.i < len(p.toks) && p.toks[p.i].Is(w) }

// accept consumes the words ws when they come next.
func (p *roleParser) accept(ws ...string) bool {
	if p.i+len(ws) > len(p.toks) {
		return false
	}
	for k, w := range ws {
		if !p.toks[p.i+k].Is(w) {
			return false
		}
	}
	p.i += len(ws)
	return true
}

func (p *roleParser) expect(ws ...string) error {
	for _, w := range ws {
		if !p.accept(w) {
			return p.syntax()
		}
	}
	return nil
}

// name reads an identifier: an unquoted one folds to lower case, a quoted
// one is taken as written.
func (p *roleParser) name() (string, error) {
	if p.i >= len(p.toks) {
		return "", p.syntax()
	}
	t := p.toks[p.i]
	switch {
	case t.Kind == Word:
		p.i++
		return strings.ToLower(t.Text), nil
	case t.Kind == QuotedIdent && !t.Unterminated && len(t.Text) > 2:
		p.i++
		return strings.ReplaceAll(t.Text[1:len(t.Text)-1], `""`, `"`), nil
	}
	return "", p.syntax()
}

func (p *roleParser) names() ([]string, error) {
	var out []string
	for {
		n, err := p.name()
		if err != nil {
			return nil, err
		}
		out = append(out, n)
		if p.i >= len(p.toks) || p.toks[p.i].Text != "," {
			return out, nil
		}
		p.i++
	}
}

// str reads a plain '...' string literal.
func (p *roleParser) str() (string, error) {
	if p.i >= len(p.toks) {
		return "", p.syntax()
	}
	t := p.toks[p.i]
	if t.Kind != String || t.Unterminated || !strings.HasPrefix(t.Text, "'") {
		return "", p.syntax()
	}
	p.i++
	return strings.ReplaceAll(t.Text[1:len(t.Text)-1], "''", "'"), nil
}

func (p *roleParser) number() (int, error) {
	if p.i < len(p.toks) && p.toks[p.i].Kind == Number {
		if n, err := strconv.Atoi(p.toks[p.i].Text); err == nil && n >= 0 {
			p.i++
			return n, nil
		}
	}
	return 0, p.syntax()
}

func (p *roleParser) end() error {
	if p.i < len(p.toks) {
		return p.syntax()
	}
	return nil
}

func (p *roleParser) parse() error {
	c := p.cmd
	if c.Verb == DropUser {
		c.IfExists = p.accept("if", "exists")
		names, err := p.names()
		if err != nil {
			return err
		}
		c.Names, c.Name = names, names[0]
		return p.end()
	}
	name, err := p.name()
	if err != nil {
		return err
	}
	c.Name = name
	switch c.Verb {
	case DropGroup:
		return p.end()
	case CreateGroup:
		p.accept("with")
		if p.accept("user") {
			if c.AddUsers, err = p.names(); err != nil {
				return err
			}
		}
		return p.end()
	case AlterGroup:
		return p.alterGroup()
	case CreateUser:
		p.accept("with")
		if !p.peek("password") {
			return p.syntax()
		}
		return p.userOptions()
	}
	// ALTER USER: RENAME TO, SET and RESET stand alone.
	p.accept("with")
	switch {
	case p.accept("rename"):
		if err := p.expect("to"); err != nil {
			return err
		}
		if c.RenameTo, err = p.name(); err != nil {
			return err
		}
		return p.end()
	case p.accept("set"):
		return p.setParam()
	case p.peek("reset") && !(p.i+1 < len(p.toks) && p.toks[p.i+1].Is("session")):
		p.i++
		if c.ResetParam, err = p.name(); err != nil {
			return err
		}
		return p.end()
	}
	if p.i >= len(p.toks) {
		return p.syntax()
	}
	return p.userOptions()
}

func (p *roleParser) alterGroup() error {
	c := p.cmd
	var err error
	switch {
	case p.accept("add", "user"):
		c.AddUsers, err = p.names()
	case p.accept("drop", "user"):
		c.DropUsers, err = p.names()
	case p.accept("rename", "to"):
		c.RenameTo, err = p.name()
	default:
		return p.syntax()
	}
	if err != nil {
		return err
	}
	return p.end()
}

func (p *roleParser) setParam() error {
	c := p.cmd
	var err error
	if c.SetParam, err = p.name(); err != nil {
		return err
	}
	if !p.accept("to") {
		if p.i >= len(p.toks) || p.toks[p.i].Text != "=" {
			return p.syntax()
		}
		p.i++
	}
	if p.i >= len(p.toks) {
		return p.syntax()
	}
	switch t := p.toks[p.i]; {
	case t.Is("default"):
		c.SetDefault = true
		p.i++
	case t.Kind == String:
		if c.SetValue, err = p.str(); err != nil {
			return err
		}
	case t.Kind == Word || t.Kind == Number:
		c.SetValue = t.Text
		p.i++
	default:
		return p.syntax()
	}
	return p.end()
}

// userOptions reads CREATE USER's and ALTER USER's options, each at most
// once, as PostgreSQL refuses repeated role options.
func (p *roleParser) userOptions() error {
	c := p.cmd
	seen := map[string]bool{}
	for p.i < len(p.toks) {
		start := p.i
		var key string
		switch {
		case p.accept("password"):
			key = "password"
			if p.accept("disable") {
				c.DisablePassword = true
				break
			}
			pw, err := p.str()
			if err != nil {
				return err
			}
			if err := CheckPassword(pw); err != nil {
				return err
			}
			c.Password = &pw
		case p.accept("createdb"), p.accept("nocreatedb"):
			key = "createdb"
			v := p.toks[start].Is("createdb")
			c.CreateDB = &v
		case p.accept("createuser"), p.accept("nocreateuser"):
			key = "createuser"
			v := p.toks[start].Is("createuser")
			c.CreateUser = &v
		case p.accept("syslog", "access"):
			key = "syslog"
			switch {
			case p.accept("restricted"):
				c.SyslogAccess = "RESTRICTED"
			case p.accept("unrestricted"):
				c.SyslogAccess = "UNRESTRICTED"
			default:
				return p.syntax()
			}
		case c.Verb == CreateUser && p.accept("in", "group"):
			key = "group"
			names, err := p.names()
			if err != nil {
				return err
			}
			c.InGroups = names
		case p.accept("valid", "until"):
			key = "valid"
			v, err := p.str()
			if err != nil {
				return err
			}
			c.ValidUntil = &v
		case p.accept("connection", "limit"):
			key = "connection"
			n := -1
			if !p.accept("unlimited") {
				var err error
				if n, err = p.number(); err != nil {
					return err
				}
			}
			c.ConnLimit = &n
		case p.accept("session", "timeout"):
			key = "timeout"
			n, err := p.number()
			if err != nil {
				return err
			}
			c.SessionTimeout = &n
		case c.Verb == AlterUser && p.accept("reset", "session", "timeout"):
			key = "timeout"
			zero := 0
			c.SessionTimeout, c.ResetTimeout = &zero, true
		default:
			return p.syntax()
		}
		if seen[key] {
			return &Refusal{Code: codeSyntax, Message: "conflicting or redundant options"}
		}
		seen[key] = true
	}
	return nil
}

// Password rules of CREATE USER and ALTER USER, from AWS's reference: 8 to
// 64 characters; an uppercase letter, a lowercase letter and a digit;
// ASCII 33 to 126 except ' " \ / and @. AWS documents the rules, not the
// errors' texts, so these say which rule failed.
const (
	maxPassword = 64
	minPassword = 8
)

// CheckPassword checks a plaintext password against Redshift's rules. An
// MD5 ('md5' and 32 hex digits) or SHA-256 ('sha256|...') hash, which
// Redshift takes instead of a password, is refused as unsupported: the
// embedded engines accept SCRAM-SHA-256 logins only, and a stored MD5
// hash cannot answer SCRAM.
func CheckPassword(pw string) error {
	if isMD5Hash(pw) || strings.HasPrefix(strings.ToLower(pw), "sha256|") {
		return &Refusal{Code: codeUnsupported, Message: "password hashes (md5 or sha256) are not supported: the server accepts SCRAM-SHA-256 logins only; give the password in clear text"}
	}
	bad := func(rule string) error {
		return &Refusal{Code: "22023", Message: "invalid password: " + rule}
	}
	if len(pw) < minPassword || len(pw) > maxPassword {
		return bad("it must be 8 to 64 characters in length")
	}
	var upper, lower, digit bool
	for i := 0; i < len(pw); i++ {
		ch := pw[i]
		switch {
		case ch < 33 || ch > 126 || strings.IndexByte(`'"\/@`, ch) >= 0:
			return bad(`it can use ASCII characters 33 to 126 except ' (single quote), " (double quote), \, / and @`)
		case ch >= 'A' && ch <= 'Z':
			upper = true
		case ch >= 'a' && ch <= 'z':
			lower = true
		case ch >= '0' && ch <= '9':
			digit = true
		}
	}
	if !upper || !lower || !digit {
		return bad("it must contain at least one uppercase letter, one lowercase letter, and one number")
	}
	return nil
}

func isMD5Hash(pw string) bool {
	if len(pw) != 35 || !strings.HasPrefix(pw, "md5") {
		return false
	}
	for _, ch := range pw[3:] {
		if !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F') {
			return false
		}
	}
	return true
}

// MaskPasswords returns sql with the string after each PASSWORD keyword
// replaced by '***', for the query history: a password never reaches it.
func MaskPasswords(sql string) string {
	var b strings.Builder
	afterPassword := false
	for t := range Tokens(sql) {
		if !t.Significant() {
			b.WriteString(t.Text)
			continue
		}
		if afterPassword && (t.Kind == String || t.Kind == DollarString) {
			b.WriteString("'***'")
		} else {
			b.WriteString(t.Text)
		}
		afterPassword = t.Is("password")
	}
	return b.String()
}
