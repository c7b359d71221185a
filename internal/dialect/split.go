package dialect

// Splitting a SQL string into its statements, on the lexer's tokens: a
// semicolon inside a string, a quoted identifier, a comment or a dollar
// quote is not a statement's end.

// Statements returns the significant tokens of each statement of sql, in
// order: split at every semicolon token, statements that are only
// whitespace or comments left out. (A semicolon inside parentheses is a
// syntax error in PostgreSQL, not a statement's end; splitting there too
// keeps checks that read each statement's first words conservative.)
func Statements(sql string) [][]Token {
	var stmts [][]Token
	var cur []Token
	for t := range Tokens(sql) {
		switch {
		case !t.Significant():
		case t.Kind == Punct && t.Text == ";":
			if len(cur) > 0 {
				stmts = append(stmts, cur)
			}
			cur = nil
		default:
			cur = append(cur, t)
		}
	}
	if len(cur) > 0 {
		stmts = append(stmts, cur)
	}
	return stmts
}

// SplitRoles returns the texts of sql's statements (Statements), in order, when sql
// holds a user or group statement (CREATE USER, ALTER GROUP, ...) together
// with other statements, so that each can run on its own; nil when it holds
// none, or one alone, or mode is Postgres. Each text runs from its
// statement's first token to its last, without the semicolon; statements
// that are only whitespace or comments are left out.
func SplitRoles(mode Mode, sql string) []string {
	if mode == Postgres || !mayBeRole(sql) {
		return nil
	}
	stmts := Statements(sql)
	if len(stmts) < 2 {
		return nil
	}
	role := false
	for _, st := range stmts {
		role = role || roleVerb(st) != 0
	}
	if !role {
		return nil
	}
	parts := make([]string, len(stmts))
	for i, st := range stmts {
		last := st[len(st)-1]
		parts[i] = sql[st[0].Pos : last.Pos+len(last.Text)]
	}
	return parts
}
