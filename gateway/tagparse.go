package gateway

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Tag sets: S3's limits and the two forms a client sends them in, the
// Tagging XML document and the x-amz-tagging header. Every handler reads
// tags through parseTagSetXML and parseTaggingHeader only, so that the
// shared tag parser of gateway/tagging can take their place in one step.

const (
	maxObjectTags  = 10
	maxBucketTags  = 50
	maxTagKeyLen   = 128 // characters
	maxTagValueLen = 256
)

var (
	errInvalidTag       = &apiError{"InvalidTag", http.StatusBadRequest, "The TagKey you have provided is invalid"}
	errInvalidTagValue  = &apiError{"InvalidTag", http.StatusBadRequest, "The TagValue you have provided is invalid"}
	errDuplicateTagKey  = &apiError{"InvalidTag", http.StatusBadRequest, "Cannot provide multiple Tags with the same key"}
	errSystemTag        = &apiError{"InvalidTag", http.StatusBadRequest, "System tags cannot be added/updated by requester"}
	errTooManyObjectTag = &apiError{"BadRequest", http.StatusBadRequest, "Object tags cannot be greater than 10"}
	errTooManyBucketTag = &apiError{"BadRequest", http.StatusBadRequest, "Bucket tag count cannot be greater than 50"}
	errTaggingHeader    = &apiError{"InvalidArgument", http.StatusBadRequest, "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates."}
)

// tagTarget says whose limits a tag set must meet.
type tagTarget int

const (
	objectTags tagTarget = iota
	bucketTags
)

// addTag checks one tag and adds it to tags.
func addTag(tags map[string]string, key, value string, target tagTarget) error {
	switch {
	case key == "" || !utf8.ValidString(key) || utf8.RuneCountInString(key) > maxTagKeyLen:
		return errInvalidTag
	case !utf8.ValidString(value) || utf8.RuneCountInString(value) > maxTagValueLen:
		return errInvalidTagValue
	case len(key) >= 4 && strings.EqualFold(key[:4], "aws:"):
		return errSystemTag
	}
	if _, dup := tags[key]; dup {
		return errDuplicateTagKey
	}
	limit, tooMany := maxObjectTags, errTooManyObjectTag
	if target == bucketTags {
		limit, tooMany = maxBucketTags, errTooManyBucketTag
	}
	if len(tags) == limit {
		return tooMany
	}
	tags[key] = value
	return nil
}

// parseTagSetXML parses a PutObjectTagging or PutBucketTagging body:
// <Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>. An
// empty TagSet gives an empty, non-nil map.
func parseTagSetXML(body []byte, target tagTarget) (map[string]string, error) {
	var doc struct {
		XMLName xml.Name `xml:"Tagging"`
		TagSet  *struct {
			Tags []struct {
				Key   *string `xml:"Key"`
				Value *string `xml:"Value"`
			} `xml:"Tag"`
		} `xml:"TagSet"`
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errMalformedXML
	}
	if err := xml.Unmarshal(body, &doc); err != nil || doc.TagSet == nil {
		return nil, errMalformedXML
	}
	tags := make(map[string]string, len(doc.TagSet.Tags))
	for _, t := range doc.TagSet.Tags {
		if t.Key == nil {
			return nil, errMalformedXML
		}
		value := ""
		if t.Value != nil {
			value = *t.Value
		}
		if err := addTag(tags, *t.Key, value, target); err != nil {
			return nil, err
		}
	}
	return tags, nil
}

// parseTaggingHeader parses x-amz-tagging: URL query encoded key=value
// pairs ("" gives no tags).
func parseTaggingHeader(v string) (map[string]string, error) {
	if v == "" {
		return nil, nil
	}
	tags := make(map[string]string)
	for pair := range strings.SplitSeq(v, "&") {
		if pair == "" {
			continue
		}
		k, val, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(val)
		if err1 != nil || err2 != nil {
			return nil, errTaggingHeader
		}
		if err := addTag(tags, key, value, objectTags); err != nil {
			if err == errDuplicateTagKey {
				return nil, errTaggingHeader
			}
			return nil, err
		}
	}
	return tags, nil
}
