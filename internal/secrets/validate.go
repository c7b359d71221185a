// Checks on names, client request tokens and tags shared by several operations.

package secrets

import (
	"regexp"
	"strings"
)

var namePattern = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]+$`)

func validName(name string) error {
	if len(name) < 1 || len(name) > maxNameLen || !namePattern.MatchString(name) {
		return invalidParam("%s", msgBadName)
	}
	return nil
}

func validToken(token string) error {
	if token != "" && (len(token) < minTokenLen || len(token) > maxTokenLen) {
		return invalidParam("ClientRequestToken must be between %d and %d characters long.", minTokenLen, maxTokenLen)
	}
	return nil
}

func validTags(tags []Tag) error {
	for _, t := range tags {
		if len(t.Key) < 1 || len(t.Key) > maxTagKeyLen {
			return invalidParam("The tag key must be between 1 and %d characters long.", maxTagKeyLen)
		}
		if len(t.Value) > maxTagValueLen {
			return invalidParam("The tag value must be at most %d characters long.", maxTagValueLen)
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return invalidParam("Tag keys starting with aws: are reserved for AWS use.")
		}
	}
	return nil
}
