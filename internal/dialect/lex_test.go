package dialect

import (
	"strings"
	"testing"
)

// kinds renders tokens as "Kind:text" lines, whitespace left out.
func kinds(toks []Token) []string {
	var out []string
	for _, t := range toks {
		if t.Kind == Whitespace {
			continue
		}
		s := t.Kind.String() + ":" + t.Text
		if t.Unterminated {
			s += "(unterminated)"
		}
		out = append(out, s)
	}
	return out
}

func TestLex(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"words, numbers, punctuation", "SELECT a1, _b$c FROM t;",
			[]string{"Word:SELECT", "Word:a1", "Punct:,", "Word:_b$c", "Word:FROM", "Word:t", "Punct:;"}},
		{"numbers", "1 1.5 .5 1e10 2.5E-3 1. 1..2",
			[]string{"Number:1", "Number:1.5", "Number:.5", "Number:1e10", "Number:2.5E-3", "Number:1.", "Number:1", "Punct:.", "Number:.2"}},
		{"keyword inside a string", "SELECT 'NVL(a, b)'",
			[]string{"Word:SELECT", "String:'NVL(a, b)'"}},
		{"doubled quote", "'it''s' x", []string{"String:'it''s'", "Word:x"}},
		{"backslash is literal in a standard string", `'a\' b`, []string{`String:'a\'`, "Word:b"}},
		{"E string escapes", `E'a\'b' e'\\' x`, []string{`String:E'a\'b'`, `String:e'\\'`, "Word:x"}},
		{"a word ending in e is not an E string", `namE'x'`, []string{"Word:namE", "String:'x'"}},
		{"prefixed strings", `B'01' X'1F' N'n' U&'d\0061'`, []string{"String:B'01'", "String:X'1F'", "String:N'n'", `String:U&'d\0061'`}},
		{"quoted identifiers", `"Len" "a""b" U&"x"`, []string{`QuotedIdent:"Len"`, `QuotedIdent:"a""b"`, `QuotedIdent:U&"x"`}},
		{"keyword inside a comment", "SELECT 1 -- getdate()\n/* nvl(a,b) /* nested */ decode */ 2",
			[]string{"Word:SELECT", "Number:1", "Comment:-- getdate()", "Comment:/* nvl(a,b) /* nested */ decode */", "Number:2"}},
		{"dollar quotes", "$$ len(x) 'a $$ $fn$ $$ nvl $fn$ $1 a$b",
			[]string{"DollarString:$$ len(x) 'a $$", "DollarString:$fn$ $$ nvl $fn$", "Positional:$1", "Word:a$b"}},
		{"named parameters and casts", "x::int :a a:::b a:=1 :'q' arr[1:2]",
			[]string{"Word:x", "Operator:::", "Word:int", "Named::a", "Word:a", "Operator::::", "Word:b", "Word:a", "Operator::=", "Number:1",
				"Punct::", "String:'q'", "Word:arr", "Punct:[", "Number:1", "Named::2", "Punct:]"}},
		{"operators stop at a comment", "a+-- c\n<=/*x*/>= ||",
			[]string{"Word:a", "Operator:+", "Comment:-- c", "Operator:<=", "Comment:/*x*/", "Operator:>=", "Operator:||"}},
		{"nested parentheses", "f(g(h(1)),(2))",
			[]string{"Word:f", "Punct:(", "Word:g", "Punct:(", "Word:h", "Punct:(", "Number:1", "Punct:)", "Punct:)", "Punct:,",
				"Punct:(", "Number:2", "Punct:)", "Punct:)"}},
		{"unterminated string", "SELECT 'abc", []string{"Word:SELECT", "String:'abc(unterminated)"}},
		{"unterminated E string ending in backslash", `E'abc\`, []string{`String:E'abc\(unterminated)`}},
		{"unterminated quoted identifier", `"abc`, []string{`QuotedIdent:"abc(unterminated)`}},
		{"unterminated comment", "/* a /* b */", []string{"Comment:/* a /* b */(unterminated)"}},
		{"unterminated dollar quote", "$q$ abc $q", []string{"DollarString:$q$ abc $q(unterminated)"}},
		{"lone dollar and stray bytes", `$ \ é`, []string{"Operator:$", `Operator:\`, "Word:é"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			toks := Lex(tc.in)
			if got := kinds(toks); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("Lex(%q):\n got %q\nwant %q", tc.in, got, tc.want)
			}
			roundTrip(t, tc.in, toks)
		})
	}
}

// roundTrip checks the tokens cover the input exactly, in order, with
// their positions.
func roundTrip(t testing.TB, in string, toks []Token) {
	t.Helper()
	var b strings.Builder
	for _, tok := range toks {
		if tok.Pos != b.Len() {
			t.Fatalf("token %q at %d, want %d", tok.Text, tok.Pos, b.Len())
		}
		if tok.Text == "" {
			t.Fatalf("empty token at %d", tok.Pos)
		}
		b.WriteString(tok.Text)
	}
	if b.String() != in {
		t.Fatalf("round trip:\n got %q\nwant %q", b.String(), in)
	}
}

func FuzzLexRoundTrip(f *testing.F) {
	for _, s := range []string{"SELECT 'a''b', E'\\'', $$x$$, $t$y$t$, \"q\"\"\", -- c\n/* /* */ */ :a::int $1",
		"'", "E'\\", "$", "$a", "/*", "--", "U&", "1e", "1.e+", ":",
		"select nvl2(a, (b), c -- x\n), decode(x, 1, 2, null, 3, 4), len(, getdate(), sysdate",
		"create table t (a varchar(max) distkey encode zstd, b int sortkey) diststyle key interleaved sortkey(a, b) backup no"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		roundTrip(t, in, Lex(in))
		_ = Translate(Redshift, in) // must not panic
	})
}
