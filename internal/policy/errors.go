package policy

// MalformedError reports a policy document that Parse refused. Message is
// public text in the style of IAM's MalformedPolicyDocument errors and is safe
// to send to the client that supplied the document; it never contains more
// than a fragment of that same document.
type MalformedError struct {
	Message string
}

func (e *MalformedError) Error() string {
	return "malformed policy document: " + e.Message
}

// Public messages, worded as IAM words them where IAM has a fixed text.
const (
	msgSyntax           = "Syntax errors in policy."
	msgLegacyParsing    = "The policy failed legacy parsing"
	msgNoPrincipal      = "Policy document should not specify a principal."
	msgMissingEffect    = "Missing required field Effect"
	msgMissingPrincipal = "Missing required field Principal"
	msgMissingStatement = "Missing required field Statement"
	msgMissingActions   = "Policy statement must contain actions."
	msgMissingResources = "Policy statement must contain resources."
	msgVendor           = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	msgVendorWildcard   = "Action vendors must not contain wildcards."
	msgSidUnique        = "Statement IDs (SID) in a single policy must be unique."
	msgSidAlnum         = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
	msgTrustActions     = "AssumeRole policy may only specify STS AssumeRole actions."
	msgNotPrincipalDeny = "NotPrincipal must be used with \"Effect\":\"Deny\"."
)

func malformed(msg string) error { return &MalformedError{Message: msg} }

// clip keeps echoed document fragments short.
func clip(s string) string {
	const max = 128
	if len(s) <= max {
		return s
	}
	// Cut on a rune boundary.
	cut := max
	for cut > 0 && !startsRune(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func startsRune(b byte) bool { return b&0xC0 != 0x80 }
