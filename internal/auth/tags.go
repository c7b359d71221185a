package auth

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
