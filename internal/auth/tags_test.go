package auth_test

import (
	"reflect"
	"testing"

	"github.com/rsdata/rsdata/internal/auth"
)

func TestTagConditions(t *testing.T) {
	c := map[string][]string{"redshift-data:statement-owner-iam-userid": {"AIDA1"}}
	auth.AddResourceTags(c, auth.ResourceTagPrefix, map[string]string{"team": "etl", "env": "prod"})
	auth.AddResourceTags(c, "secretsmanager:ResourceTag/", map[string]string{"team": "etl"})
	auth.AddTagKeys(c) // nothing named: no aws:TagKeys
	if _, ok := c["aws:TagKeys"]; ok {
		t.Fatalf("aws:TagKeys without keys: %v", c)
	}
	auth.AddTagKeys(c, "old")
	auth.AddRequestTag(c, "team", "bi")
	want := map[string][]string{
		"redshift-data:statement-owner-iam-userid": {"AIDA1"},
		"aws:ResourceTag/team":                     {"etl"},
		"aws:ResourceTag/env":                      {"prod"},
		"secretsmanager:ResourceTag/team":          {"etl"},
		"aws:RequestTag/team":                      {"bi"},
		"aws:TagKeys":                              {"old", "team"},
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("conditions = %v, want %v", c, want)
	}
}
