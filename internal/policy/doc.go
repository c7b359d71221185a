// Package policy parses IAM policy documents and evaluates them against
// authorization requests. It is the pure core of rsdata's access control:
// Parse turns a JSON document into an immutable *Policy (rejecting anything
// IAM would reject with a *MalformedError), Policy.Evaluate answers Allow,
// Deny or NoDecision for one Request, and Decide combines several policies the
// way AWS does inside one account (an explicit Deny anywhere wins, then any
// Allow, otherwise the request is implicitly denied).
//
// The package performs no I/O and keeps no mutable state. Everything a
// decision depends on (the caller, the action, the resource ARN and every
// condition key) arrives in the Request, so callers own how those values are
// gathered. A parsed *Policy is safe for concurrent use.
//
// Because this is a security boundary, ambiguity resolves towards refusing:
// unknown fields, duplicate JSON keys, unknown condition operators and
// malformed values are parse errors rather than silently ignored, and a value
// that cannot be compared (an unparsable number, a policy variable with no
// value) never matches.
package policy
