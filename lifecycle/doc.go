// Package lifecycle owns S3 bucket lifecycle configurations: parsing and
// validating the body of PutBucketLifecycleConfiguration as S3 does,
// writing it back for GetBucketLifecycleConfiguration, encoding it for
// storage on the nodes, and deciding, for one object version or multipart
// upload at a given time, which action is due and which rule calls for it.
// It does no I/O: the worker that lists versions and applies the actions,
// and the gateway that serves ?lifecycle, build on it.
//
// # API
//
//   - Parse(r) reads and validates a configuration; a refusal is an *Error
//     with S3's code, status and message.
//   - (*Configuration).XML, Marshal and Unmarshal write it for
//     GetBucketLifecycleConfiguration and for storage.
//   - (*Configuration).Evaluate(obj, now, day) and EvaluateUpload give the
//     Action due; Expiry and AbortDate give the times for the
//     x-amz-expiration (see ExpirationHeader) and x-amz-abort-date headers;
//     Scope tells the worker which kinds of work any enabled rule needs.
//
// # Rules supported
//
// Filters: a key prefix (in a Filter or, in the older form of rule, at the
// rule's top level), one tag, ObjectSizeGreaterThan, ObjectSizeLessThan,
// or an And of at least two of a prefix, tags and size bounds; an empty
// Filter selects every object. A version matches when its key starts with
// the prefix, it carries every tag with exactly its value, and its size is
// strictly within the bounds. Delete markers have size 0 and no tags.
//
// Actions: Expiration (Days, Date or ExpiredObjectDeleteMarker),
// NoncurrentVersionExpiration (NoncurrentDays, optionally keeping the
// NewerNoncurrentVersions newest noncurrent versions) and
// AbortIncompleteMultipartUpload (DaysAfterInitiation). Disabled rules are
// stored and written back but do nothing. What each does:
//
//   - Expiration of a current version: in an unversioned bucket the object
//     is deleted; in a versioned or versioning-suspended one a delete
//     marker is added, as a DELETE without versionId would.
//   - Expiration with Days also removes a current delete marker that is the
//     only version of its key once the marker is that old; with
//     ExpiredObjectDeleteMarker true such markers go at once. A current
//     delete marker with older versions behind it is left alone.
//   - NoncurrentVersionExpiration removes a noncurrent version (object or
//     delete marker) NoncurrentDays after it became noncurrent (when its
//     successor was created), and, with NewerNoncurrentVersions N, only if
//     at least N noncurrent versions are newer than it: both conditions
//     must hold.
//   - AbortIncompleteMultipartUpload aborts an upload DaysAfterInitiation
//     after it was initiated.
//
// When several rules call for an action on one version, the one due
// earliest wins ("if two expiration policies overlap, the shorter
// expiration policy is honored"), and of those due together the first
// listed. S3's precedence between kinds of action (permanent deletion over
// transition, transition over creating a delete marker) does not arise:
// zones3 has no transitions, and each kind of version (current object,
// current delete marker, noncurrent version) has one kind of action.
//
// # Days and their rounding
//
// S3 adds the days to the creation time (or, for noncurrent versions, the
// time the version became noncurrent) and rounds up to the next midnight
// UTC: an object created 2014-01-15 10:30 UTC with Days 3 expires at
// 2014-01-19 00:00 UTC. zones3 does the same with a day of any length:
// day boundaries are the multiples of the day length since the Unix epoch
// (for 24h, the midnights UTC), and a time already on a boundary stays
// there. Tests pass a day of seconds, like Ceph's rgw_lc_debug_interval,
// through zones3 --lifecycle-day. A Date is an absolute midnight UTC and
// is not scaled; every matching current version, old or new, expires from
// then on.
//
// # What is refused, and why
//
// Everything S3 refuses, with S3's code and, where on record, its message:
// a document that is not the schema's (MalformedXML: unknown or repeated
// elements, a Status other than Enabled or Disabled, a rule with neither or
// both of Filter and rule-level Prefix, a Filter with more than one
// predicate, an And with fewer than two, an Expiration without exactly one
// of Days, Date and ExpiredObjectDeleteMarker, a NoncurrentVersionExpiration
// without NoncurrentDays); no rules or more than 1,000 (InvalidRequest);
// an ID longer than 255 characters or used twice, day counts that are not
// positive, a Date not at midnight, NewerNoncurrentVersions outside 1..100
// (InvalidArgument); a rule without an action, ExpiredObjectDeleteMarker or
// AbortIncompleteMultipartUpload beside a tag or size filter, duplicate tag
// keys in an And, size bounds outside S3's range or not increasing, rules
// of the older and newer form in one configuration, and, in the older form
// only, overlapping prefixes for one kind of action (InvalidRequest).
// Overlapping filters are accepted, as S3 accepts them.
//
// Transition and NoncurrentVersionTransition are refused with
// InvalidStorageClass: zones3 has one storage class (STANDARD), and a user
// is better told at once than left believing objects move to a colder
// class. Configurations written for S3 with transitions must drop them.
//
// A rule sent without an ID gets one, shaped like S3's (base64 of a UUID),
// derived from the rule so that the same document gets the same IDs.
package lifecycle
