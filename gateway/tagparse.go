package gateway

import (
	"bytes"

	"github.com/zones3/zones3/gateway/tagging"
)

// Tag sets reach the handlers through parseTagSetXML and
// parseTaggingHeader; gateway/tagging owns S3's rules for them.

// tagTarget says whose limits a tag set must meet.
type tagTarget = tagging.Kind

const (
	objectTags = tagging.Object
	bucketTags = tagging.Bucket
)

// parseTagSetXML parses a PutObjectTagging or PutBucketTagging body. An
// empty TagSet gives an empty, non-nil map.
func parseTagSetXML(body []byte, target tagTarget) (map[string]string, error) {
	set, err := tagging.ParseXML(bytes.NewReader(body), target)
	if err != nil {
		return nil, err
	}
	m := set.Map()
	if m == nil {
		m = map[string]string{}
	}
	return m, nil
}

// parseTaggingHeader parses x-amz-tagging ("" gives no tags).
func parseTaggingHeader(v string) (map[string]string, error) {
	if v == "" {
		return nil, nil
	}
	set, err := tagging.ParseHeader(v)
	if err != nil {
		return nil, err
	}
	return set.Map(), nil
}
