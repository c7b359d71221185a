package identity

import (
	"errors"
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/rsdata/rsdata/internal/policy"
)

// Limits IAM enforces, by its documented quotas.
const (
	maxAccessKeysPerUser = 2
	maxTags              = 50
	maxUserPolicySize    = 2048
	maxRolePolicySize    = 10240
	maxManagedPolicySize = 6144
	minSessionDuration   = 3600
	maxSessionDuration   = 43200
)

var (
	namePattern = regexp.MustCompile(`^[\w+=,.@-]+$`)
	pathPattern = regexp.MustCompile(`^(/|/[\x21-\x7E]+/)$`)
	tagPattern  = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

func constraint(value, member, rule string) error {
	return invalid("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, rule)
}

func checkName(value, member string, max int) error {
	if n := utf8.RuneCountInString(value); n < 1 || n > max {
		return constraint(value, member, "Member must have length between 1 and "+strconv.Itoa(max))
	}
	if !namePattern.MatchString(value) {
		return constraint(value, member, `Member must satisfy regular expression pattern: [\w+=,.@-]+`)
	}
	return nil
}

// checkPath returns the path to use: "/" when none was given.
func checkPath(p string) (string, error) {
	if p == "" {
		return "/", nil
	}
	if len(p) > 512 || !pathPattern.MatchString(p) {
		return "", constraint(p, "path", `Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007F]+\u002F)`)
	}
	return p, nil
}

func checkTags(tags []Tag) error {
	if len(tags) > maxTags {
		return errorf(ErrLimitExceeded, "The number of tags has reached the maximum limit.")
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if n := utf8.RuneCountInString(t.Key); n < 1 || n > 128 || !tagPattern.MatchString(t.Key) {
			return constraint(t.Key, "tags.member.key", `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
		}
		if utf8.RuneCountInString(t.Value) > 256 || !tagPattern.MatchString(t.Value) {
			return constraint(t.Value, "tags.member.value", `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
		}
		if seen[t.Key] {
			return invalid("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[t.Key] = true
	}
	return nil
}

// checkDocument validates a policy document of the given kind and size limit.
func checkDocument(doc string, kind policy.Kind, max int, what string) error {
	if doc == "" {
		return constraint(doc, "policyDocument", "Member must have length greater than or equal to 1")
	}
	if len(doc) > max {
		return errorf(ErrLimitExceeded, "Maximum policy size of %d bytes exceeded for %s", max, what)
	}
	if _, err := policy.Parse(doc, kind); err != nil {
		var me *policy.MalformedError
		if errors.As(err, &me) {
			return &MalformedError{Message: me.Message}
		}
		return err
	}
	return nil
}
