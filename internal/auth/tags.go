package auth

import "sort"

// The tag condition keys, as IAM names them: a resource's tags under a
// prefix (aws:ResourceTag/ and, for some services, their own, such as
// secretsmanager:ResourceTag/), the tags a request sets under
// aws:RequestTag/, and every tag key a request names in aws:TagKeys.
const (
	ResourceTagPrefix = "aws:ResourceTag/"
	requestTagPrefix  = "aws:RequestTag/"
	tagKeysKey        = "aws:TagKeys"
)

// AddResourceTags sets prefix<key> to each tag's value in c.
func AddResourceTags(c map[string][]string, prefix string, tags map[string]string) {
	for k, v := range tags {
		c[prefix+k] = []string{v}
	}
}

// ResourceTagContext returns a new condition context holding a resource's
// tags as aws:ResourceTag/<key>.
func ResourceTagContext(tags map[string]string) map[string][]string {
	c := make(map[string][]string, len(tags))
	AddResourceTags(c, ResourceTagPrefix, tags)
	return c
}

// AddRequestTags records in c every tag of a request that sets tags (see
// AddRequestTag), in key order.
func AddRequestTags(c map[string][]string, tags map[string]string) {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		AddRequestTag(c, k, tags[k])
	}
}

// AddRequestTag records in c a tag the request sets: aws:RequestTag/<key>,
// and key among aws:TagKeys.
func AddRequestTag(c map[string][]string, key, value string) {
	c[requestTagPrefix+key] = []string{value}
	AddTagKeys(c, key)
}

// AddTagKeys adds keys the request names (those it removes, say) to
// aws:TagKeys in c.
func AddTagKeys(c map[string][]string, keys ...string) {
	if len(keys) > 0 {
		c[tagKeysKey] = append(c[tagKeysKey], keys...)
	}
}
