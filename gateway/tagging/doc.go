// Package tagging parses and validates S3 tag sets, the tags of objects and
// buckets, and encodes them: the Tagging XML document of PutObjectTagging
// and PutBucketTagging (ParseXML), the x-amz-tagging header of PutObject,
// CreateMultipartUpload and CopyObject (ParseHeader), the document
// GetObjectTagging and GetBucketTagging answer (Set.XML), and a compact
// binary form for the records on the nodes (Set.Marshal, Unmarshal). It is
// pure: no I/O beyond reading the body it is given, no HTTP.
//
// S3's rules, applied to every tag set whatever its source: an object has
// at most 10 tags, a bucket at most 50; keys are unique, 1 to 128
// characters, values 0 to 256, both counted in UTF-16 code units as S3
// counts them; keys and values hold only letters, numbers, spaces (Unicode
// Z, not tabs or line ends) and _ . : / = + - @; and keys in the aws:
// namespace (any case) are AWS's own. A Set is kept sorted by key, so tags
// read back in key order whatever order they were sent in, as S3 answers.
//
// Refusals are *Error values with S3's codes and messages: InvalidTag
// ("The TagKey you have provided is invalid", "The TagValue you have
// provided is invalid", "Cannot provide multiple Tags with the same key",
// "System tags cannot be added/updated by requester"); BadRequest for too
// many tags ("Object tags cannot be greater than 10", the code S3 answers
// with; the bucket message follows its form); MalformedXML for a document
// that is not the schema's (another root, no TagSet, a Tag without a Key
// or a Value element, unknown elements); InvalidArgument for an
// x-amz-tagging header that is not a URL query of UTF-8 with unique, non-
// empty keys.
package tagging
