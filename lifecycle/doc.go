// Package lifecycle owns S3 bucket lifecycle configurations: parsing and
// validating the body of PutBucketLifecycleConfiguration as S3 does,
// writing it back for GetBucketLifecycleConfiguration, encoding it for
// storage on the nodes, and deciding, for one object version or multipart
// upload at a given time, which action is due and which rule calls for it.
// The rules do no I/O. The Worker applies them to the buckets through two
// small interfaces, Store (the object data) and Meta (the cluster
// metadata), which the object layer implements; the gateway serves
// ?lifecycle with Parse and XML.
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
//   - NewWorker(WorkerConfig) and (*Worker).Run apply the rules;
//     (*Worker).WriteMetrics writes its Prometheus metrics; ReadStatus
//     reads the lease holder, the last pass and the pass in progress from
//     Meta, on any gateway.
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
//
// # The worker
//
// Every gateway runs a Worker; a lease lets one of them act at a time.
//
// Schedule. A pass walks every bucket that has a lifecycle configuration,
// in name order, and in each the versions in key order (newest first
// within a key), then the multipart uploads; it skips what no enabled
// rule needs (Scope), and the noncurrent versions and delete markers of a
// bucket that never had versioning. A pass starts Interval
// (--lifecycle-interval) after the previous one started, at once if that
// one took longer. What is due is decided by Evaluate and EvaluateUpload
// at the time of each batch, with a day of Day (--lifecycle-day).
//
// Batches. Versions and uploads are listed BatchSize (1,000) at a time;
// each batch is evaluated, and its actions run Parallel (8) at a time
// before the next batch is listed; a Store that is a BatchExpirer gets
// the batch's expirations of current versions in one call instead
// (zones3: one synced storage batch per node, see the object layer's
// ExpireObjects). With Rate set, a batch starts only once the ones before
// it have had len/Rate seconds each, so the worker averages at most Rate
// actions a second whatever the machine could do. An action that fails is counted and
// logged, and the version or upload is evaluated again in the next pass.
// A bucket whose listing or state fails is taken up again in the next
// pass, and the pass goes on with the next bucket. The walk derives each
// version's history from the listing: it is current when listed first for
// its key, it became noncurrent when the version listed before it was
// created, and the noncurrent versions listed before it are the newer
// ones; only a current delete marker needs to look ahead, to know whether
// it is the only version, so a page's last version is held for the next
// page when it starts a key.
//
// Cursor. The position of the pass (bucket, phase, last version or upload
// dealt with, and the walk's facts about the key in progress) and its
// counts so far are written to Meta (lifecycle/cursor) after a batch,
// at most every CheckpointEvery (5 s). A worker that restarts, or that
// takes the lease over, resumes there, redoing at most those seconds of
// work, which the Store's guards make harmless. A complete pass writes
// lifecycle/pass (start, end, holder, counts by bucket) and removes the
// cursor; every gateway reads it, for the
// zones3_lifecycle_last_pass_completed_timestamp_seconds metric and for
// ReadStatus.
//
// Lease. lifecycle/lease holds the holder's ID, a sequence number and an
// expiry (for people). Meta is last writer wins with majority quorums and
// has no compare-and-swap, so the lease works by watching and reading
// back (see lease.go): a worker takes the lease when there is no record,
// when it is its own, or when it has seen the record unchanged for
// LeaseLifetime (30 s) by its own clock, so clock skew between gateways
// does not matter; it writes its record and holds the lease only if
// reading it back returns that write, and acts only after a second read,
// LeaseRenew/2 later, still does, by which time a concurrent taker's
// write has landed (the newer one wins everywhere). The holder renews
// every LeaseRenew (10 s), reading first: another's record means it lost
// the lease, and it stops at once. It acts only until LeaseLifetime -
// LeaseRenew after its last confirmed renewal: the context of its pass is
// cancelled then, a whole renewal period before any other worker may
// take over. A dead holder's lease is taken over within 52 s; a worker
// that stops releases the lease (deletes the record), and another takes
// it within a poll and the settling time (about 10 s).
//
// Store contract. The Store lists versions and uploads in order, paged
// after a marker (the marker may name a version the worker has just
// deleted: the listing goes on from where it was), and carries out the
// actions through the S3 API's own paths, so that what is removed frees
// its shards. Between a listing and an action a client may write again,
// so every action is guarded: ExpireCurrent acts only if the key's
// current version is still the one evaluated (its version ID and
// creation time: If-Unmodified-Since on the current version), and
// DeleteVersion only if the version is still there with the creation
// time evaluated (which tells a null version from the one that replaced
// it); otherwise they return ErrChanged and change nothing. A worker that
// acts twice on one version (after a restart, or in the moment two
// workers overlap) therefore does no harm.
//
// Metrics (WriteMetrics, Prometheus text): by bucket, the counters
// zones3_lifecycle_scanned_total, _objects_expired_total,
// _bytes_expired_total, _delete_markers_removed_total,
// _uploads_aborted_total and _errors_total, of what this gateway's worker
// did (sum them over the gateways); the gauges
// zones3_lifecycle_last_pass_completed_timestamp_seconds (the cluster's)
// and zones3_lifecycle_lease_held (this gateway's). ReadStatus gives the
// lease holder, the last complete pass and the pass in progress with its
// counts as of its last checkpoint; zones3 publishes them as gauges
// (zones3_lifecycle_last_pass_*, zones3_lifecycle_pass_*) that zones3
// admin status prints, with the pass's rate so far.
//
// Cost: a pass over 1,000,000 small objects of an in-memory Store
// (BenchmarkWorkerPass, 2 cores) evaluates 4 million objects a second
// when none is due, and 2 million a second when half are (1 million
// expirations a second): the worker's own cost is a small part of the
// object layer's work.
//
// # Measured over the object layer
//
// zones3 hands the worker's expirations of current objects in buckets
// that never had versioning to the object layer's ExpireObjects: a page's
// tombstones in one synced storage batch per node, guarded by the listed
// record's HLC without a read (see that function). Other actions
// (expirations in versioned buckets, objects with shard files,
// noncurrent versions, delete markers, uploads) go one by one through the
// S3 API's paths, Parallel 32 at a time (cmd/zones3 lifecycleParallel);
// --lifecycle-rate (Rate, default 6,000 a second) paces them all.
//
// zones3 server on 2 shared cores, 1,000,000 objects of 1 KiB in one
// bucket (filled with zones3 bench --op get --bucket fill --keys 1000000
// --size 1KiB --concurrency 32 --cleanup=false; 1.5 GB over the three
// nodes), a rule expiring every object with --lifecycle-day 1s
// --lifecycle-interval 5s, and a foreground zones3 bench (--bucket fgbench
// --size 16KiB --concurrency 8, 15 s of GET then 15 s of PUT) before the
// rule and while the pass runs:
//
//	--lifecycle-rate  pass       objects/s  foreground GET         foreground PUT
//	6000 (default)    166.5 s    6,005      6,842 -> 5,125 (75%)   2,185 -> 1,735 (79%)
//	0 (no bound)      24.8 s     40,250     6,214 -> 1,166 (19%)   (the pass ended during it)
//
// Before the batches (one DeleteObject per expiration, Parallel 32), the
// same server expired 1,090 objects/s of a 100,000-object bucket and kept
// 59% of GET and 43% of PUT. The batches alone were not cheap yet: the
// node read each tombstone's key by a point read (87% of the pass's CPU,
// 67% of a core at 6,000 objects/s). Bloom filters in Pebble took that to
// 61%; reading a batch's keys with one iterator in key order, to 18%. A pass that finds nothing to do still
// walks the tombstones it left (1.6 s for 1,000,000) until the repair
// scanner purges them after --gc-grace.
//
// Reproduce: docs/bench/lifecycle-expiry.sh [RATE] [OBJECTS] (from the
// repository's root; it keeps the filled bucket for further runs). The
// in-process benchmark, without a foreground, is
// go test ./cmd/zones3 -run X -bench LifecycleExpire -benchtime 1x
// (ZONES3_LC_BENCH_OBJECTS sets the number of objects,
// ZONES3_LC_BENCH_VERSIONED=1 turns versioning on first): with 20,000
// objects, 81,900 objects/s unversioned (batches) and 5,700 versioned
// (a delete marker each, one by one, 32 at a time).
package lifecycle
