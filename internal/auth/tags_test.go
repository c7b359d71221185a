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

func TestResourceAndRequestTagContext(t *testing.T) {
	c := auth.ResourceTagContext(map[string]string{"team": "etl"})
	auth.AddRequestTags(c, map[string]string{"z": "1", "a": "2", "m": "3"})
	want := map[string][]string{
		"aws:ResourceTag/team": {"etl"},
		"aws:RequestTag/z":     {"1"},
		"aws:RequestTag/a":     {"2"},
		"aws:RequestTag/m":     {"3"},
		"aws:TagKeys":          {"a", "m", "z"},
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("conditions = %v, want %v", c, want)
	}
	if d := auth.ResourceTagContext(nil); d == nil || len(d) != 0 {
		t.Fatalf("context of no tags = %v, want an empty map", d)
	}
}
