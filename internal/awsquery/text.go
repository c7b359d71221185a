package awsquery

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/rsdata/rsdata/internal/awserr"
)

// checkText refuses a form any of whose parameter names or values is not
// UTF-8 or holds a NUL character, once, before any action runs, so no
// action can forget to: PostgreSQL cannot store either (SQLSTATE 22021,
// 22P05) and neither is text AWS accepts. The refusal is the service's
// constraint-failure error (ValidationError from IAM and STS,
// InvalidParameterValue from Redshift), 400.
func (s *service) checkText(f *form) error {
	names := make([]string, 0, len(f.values))
	for name := range f.values {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if reason := badText(name); reason != "" {
			return s.invalid("1 validation error detected: A parameter name failed to satisfy constraint: " + reason)
		}
		for _, v := range f.values[name] {
			if reason := badText(v); reason != "" {
				return s.invalid("1 validation error detected: Value at '" + name + "' failed to satisfy constraint: " + reason)
			}
		}
	}
	return nil
}

func badText(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "Member must contain only valid UTF-8 characters"
	case strings.IndexByte(s, 0) >= 0:
		return "Member must not contain null characters"
	}
	return ""
}

// invalid is the service's error for a parameter that fails a constraint.
func (s *service) invalid(msg string) *awserr.Error {
	if s.validationCode() == "InvalidParameterValue" {
		return awserr.InvalidParameterValue("%s", msg)
	}
	return awserr.ValidationError("%s", msg)
}

func (s *service) validationCode() string {
	if s.ValidationCode != "" {
		return s.ValidationCode
	}
	return "ValidationError"
}
