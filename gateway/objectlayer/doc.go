// Package objectlayer turns S3 operations into erasure-coded reads and
// writes across the storage nodes. It owns the gateway's record schema on
// the nodes, the choice of the current version of a key, and the quorum
// rules of every operation; the S3 handlers call it through API.
//
// # Records
//
// Every record starts with its 8-byte big-endian HLC, so that nodes can
// apply writes last-writer-wins (storage.OpPutIfNewer). All keys are below
// 0xff, the range nodes keep for themselves.
//
//	b/<bucket>                          bucket record, on every node (MetaQuorum)
//	m/<name>                            cluster metadata (bucket configurations), on every node
//	o/<bucket>\x00<key>                 object record: the key's current version
//	l/<bucket>\x00<key>                 list entry, beside the object record
//	v/<bucket>\x00<key>\x00<versionID>   version record, on the key's placed nodes
//	w/<bucket>\x00<key>\x00<versionID>   version list entry, beside the version record
//	u/<bucket>\x00<key>\x00<upload>     multipart upload, on the key's placed nodes
//	p/<upload>\x00<%05d part>           uploaded part, on the same nodes
//	r/<record key>                      repair queue entry, on every node (MetaQuorum)
//	s/scan                              the scanner's shared schedule, on every node
//
// An object record holds the current version as this node knows it, in a
// compact binary form: size, ETag, headers, checksums, erasure layout,
// the version ID, the data ID of its shard files (dataID.<shard>) or its
// parts (multipart: number, size, ETag, own data ID), the holders, and
// this node's shard index. An object of known size up to InlineLimit keeps
// this node's shard bytes in the record itself, so a small PUT is one
// synced Apply per node and no shard file. The list entry repeats what a
// listing shows (size, ETag, checksums), so that listings never read inline
// data. Deletes write tombstones with a newer HLC; a deleted bucket's
// tombstones are purged.
//
// Versioning adds, in the flags byte and an extension after the parts
// (flagExt): the version's creation HLC ("modified", its LastModified; the
// record's leading HLC is that of its last write, newer after a tag change
// or when an older version became current again), its tags, and three
// flags: delete marker, has a version ID (not the null version), and
// versioned (the version also has a v/ record). A record without them is
// a null version created at its HLC, as every record written before
// versioning existed is. Delete markers are full records without data
// (shardNames is empty). List entries carry the same flags, and the
// creation HLC, version ID and tags when the bucket has had versioning;
// in buckets that never had it they keep their short form. Upload records
// carry the tags the completed object gets. In v/ and w/ keys the object
// key has its 0x00 and 0x01 bytes escaped (0x01 0x01, 0x01 0x02), so the
// 0x00 after it is unambiguous and keys keep their order.
//
// # Writes
//
// A PUT reads the key's current records while the body arrives: that
// answers If-None-Match / If-Match (best effort, not atomic across
// gateways), moves the clock past the version it replaces, and names the
// shard files to remove once the new version holds. A large body is
// encoded block by block into temporary shard files streamed to every
// placed node in parallel (storage.Node.CreateShard through io.Pipe);
// after the body's end and a successful Seal, each node commits its record,
// list entry and shard file in one batch (OpCommitShard tied to the
// record's conditional put). The write succeeds once WriteQuorum nodes
// committed. A body or Seal error aborts the temporary files: nothing
// becomes visible. Replaced shard files are removed in the background,
// only after the new version reached its quorum, so a failed write never
// costs the version it failed to replace.
//
// # Reads
//
// A read asks every placed node (skipping nodes known down) for the
// record and needs ReadQuorum answers ("not found" is an answer). The
// current version is the newest one, by HLC and version ID, that may have
// reached a write quorum: its holders plus the nodes that did not answer.
// A newer version on too few nodes is a failed write and is passed over.
// The data is then decoded from the holders' inline shards or shard files
// (erasure.Encoder.Decode, which verifies every block and reconstructs
// missing or corrupt shards); a multipart object is decoded part by part.
// StatVersion, GetObject and OpenObject return a multipart object's parts
// in order (ObjectInfo.PartList: number, size, checksums), so that the
// gateway reads one part (partNumber) as the byte range the sizes give.
// When fewer than K holders answer the read fails with ErrQuorum rather
// than serve an older version, and a decode error mid-stream is returned so
// that the caller aborts the response: wrong bytes are never written.
//
// An overwrite or delete removes the replaced version's shard files in the
// background once it holds, but only after the reads of them in progress
// in this gateway have ended (readGuard, up to a minute; past that the
// scanner's garbage collection removes them): a read opens a multipart
// object's parts, and parity shards, only when it reaches them. A read that
// found its files gone before it sent a byte reads the key again and
// serves the version that replaced it. Reads through another gateway are
// not guarded; one of them can still be cut short by an overwrite.
//
// # Listing
//
// ListObjects scans the bucket's list entries on every node in pages,
// merges the sorted streams, keeps the newest entry of each key and skips
// tombstones. Each node holds the entries of only the objects placed on it.
// With a delimiter, a common prefix is reported once and every node's scan
// seeks past it.
//
// # Versions
//
// A bucket's versioning state is its "versioning" configuration (m/,
// cached for two seconds per gateway; a write that meets a key with
// version records re-reads it). Without versioning nothing changes: o/
// and l/ hold the only version, the null version, and an overwrite
// removes the replaced shard files.
//
// In a bucket that has had versioning every version is written twice in
// one batch per node: as the current record (o/, l/, last writer wins as
// always) and as its own record (v/, w/) under its version ID; the
// version's shard file is tied to the v/ record. So a write that loses the
// race to be current (two gateways, one key) is still a version with its
// data, and GET of the current version stays one record read per node.
// With versioning enabled each write gets a new ID; suspended, it is the
// null version, whose v/ slot ("" after the key) each null write replaces,
// removing the replaced null version's shard files once the write holds.
// A current null version from before versioning is copied into the null
// slot by the first versioned write of its key, in the same batch.
//
// Version IDs are 22 characters, URL-safe: the inverted creation HLC
// (big-endian) and 64 random bits in base64 over the alphabet
// -0-9A-Z_a-z, which is in ASCII order, so IDs sort as the bytes they
// encode: a node's scan of a key's v/ or w/ records yields its versions
// newest first (the null slot first, placed by its own ID). The random
// half keeps apart versions that two gateways create at the same HLC; the
// ID alone gives a version's creation time, which is what makes a
// version-ID marker a seek.
//
// A delete without a version writes a delete marker as a new version
// (suspended: the null one). Removing a version writes tombstones over
// its v/ and w/ records and, once they hold, removes its shard files; when
// it was current, the next newest version (found by scanning the key's v/
// records) is copied into o/ and l/, or the key gets a tombstone. Records
// that change an existing version (a tag change, a version tombstone, the
// current record rewritten for another version) take a write HLC just
// past the one they replace plus up to 255 random nanoseconds
// (rewriteHLC), not the clock: a new version written meanwhile, whose HLC
// is the time of its write, still wins, and two gateways rewriting one
// record at once pick the same winner on every node. What that cannot
// order (a new version whose current record arrives after such a
// rewrite) the writer sees, from which of its records the nodes applied,
// and settles: it copies the newest version over the current records
// (head.go); the remover of a current version and the tagger of one do
// the same after their write. A read counts the
// copies of one version (same ID and creation HLC) together whatever
// their write HLC, so a tag change that missed a node does not cost the
// version a holder; when too few current records agree to decode the
// current version, the v/ records of the other nodes are asked too.
//
// Tags live in each version's records (v/, w/ and, while it is current,
// o/; for a null version from before versioning o/ and l/), rewritten on
// the version's holders without touching its shard files; LastModified
// stays the creation HLC.
//
// ListObjects reads only l/ (one entry per key, delete markers hidden),
// whatever the number of versions. ListObjectVersions merges the w/
// entries of all nodes with l/ (which alone shows a null version from
// before versioning), streams a key's versions without gathering them,
// and seeks to a key and version marker. A version is listed when its
// newest entry is no tombstone and it may have reached a write quorum
// (holders plus failed nodes).
//
// The lifecycle worker lists with ListObjectVersions and acts through the
// S3 API's own paths: DeleteObjectVersion with a VersionID removes that
// version or delete marker and frees its shard files; without, it deletes
// the key as S3 does (a delete marker with versioning). IfUnmodifiedSince
// makes either conditional on the version acted on still being the one
// the worker judged (it exists and was created no later), failing with
// ErrPreconditionFailed otherwise: a newer current version, a null
// version replaced since.
//
// ExpireObjects is the worker's fast path for the common case, current
// objects without shard files (inline, up to the inline limit) in a
// bucket that never had versioning: ListObjectVersions stamps each such
// version with its record's HLC (ObjectInfo.Stamp), and ExpireObjects
// writes the tombstones of a whole page in one synced batch per node,
// without reading the records again. Its guard is in the HLCs: the clock
// and rewriteHLC hand out only even values, and the tombstones take the
// odd value just past the listed record's, so a node applies them only
// over that record or an older one (OpPutIfNewer), and any later write of
// the key, even and past the listed HLC, beats them on every node in
// whichever order the two arrive. Such a tombstone records when it was
// written (objectRecord.written), which is what the scanner's ageing
// decisions (tombstone purge, failed writes) go by. List entries carry
// whether their version has shard files (flagInline, set by entryOf);
// entries written before that flag existed, objects with shard files and
// odd (older) HLCs get no stamp and go one by one.
//
// Measured (BenchmarkManyVersions, 3 local nodes, 1,000 other keys, 4 KiB
// versions, machine shared with other builds, load average ~12 on 2
// cores): with 1 version / 5,000 versions of one key,
//
//	GET of the current version         35-39 µs / 38-44 µs
//	HEAD                               18-19 µs / 21-24 µs
//	GET of a version by ID             29-40 µs / 51-52 µs
//	ListObjects, 1,000-key page        2.7-4.1 ms / 4.5 ms
//	ListObjectVersions, 100 after key  1.0 ms / 1.5 ms
//	ListObjectVersions, 100 resumed    0.7-1.1 ms / 0.5-0.8 ms (key and version marker mid-key)
//
// The difference left in ListObjects is Pebble stepping over the 5,000
// overwritten l/ entries of the key until compaction drops them.
//
// # Clock
//
// Each Layer runs a hybrid logical clock: nanoseconds of wall time, but
// always past every HLC it issued or read, so a gateway with a lagging
// clock still orders its writes after what it saw. LastModified is the
// version's creation HLC. Its values are even; odd ones are left for
// lifecycle tombstones (see ExpireObjects).
//
// Shard files left behind by concurrent writes to one key, by nodes that
// missed a removal, or by a crash between a commit and the removal are
// collected by the repair scanner (see Garbage collection). It covers
// version records by walking v/ after o/: both decode with
// decodeObjectRecord, and the shard files of a record that has a copy in
// v/ belong to that version record, so replacing or tombstoning the o/
// record never removes them. A version tombstone (v/, w/) goes like an
// object tombstone, once every placed node held it.
//
// # Repair
//
// A version is whole when every placed node holds its record (with that
// node's shard index), its list entry and its shard: the shard file of
// each data ID (the object's, or each part's), or the inline shard in the
// record. repairObject (repair.go) reads a key's records from the placed
// nodes, picks the current version as a read does, checks the shard files
// (StatShards: present and of the right size; with verify, read whole at
// the bitrot pace and every block checksum checked), rebuilds what is
// missing or corrupt from K intact shards (erasure Rebuild, streamed block
// by block into CreateShard on the proper node: the record's holder of
// that shard index) and commits each rebuilt file with the node's record
// and list entry in one batch. Every write is conditional: a record of
// the version (or older) is replaced with OpDeleteIfNotNewer then
// OpPutIfNewer, and the shard commit is tied to that put, so a repair
// racing a new write of the key never undoes it. A version is spread only
// when a write quorum of nodes holds it or every placed node answered,
// so a failed write is never made current. A node's newer record of a
// failed write (too few holders to have been acknowledged) is replaced
// once older than GCGrace. A key none of whose versions a write quorum
// holds is reported and left alone: a failed write and an object that
// lost more shards than its parity look the same, and the node that lost
// a disk may come back with it.
//
// # Repair queue
//
// A PUT, CompleteMultipartUpload or DELETE that reached its write quorum
// but not every placed node, and a GET whose decode found a shard corrupt,
// or missing from a node that is up, queue the key (queue.go). A shard
// missing only because its node is down is whole on that node: it is not
// queued. Workers repair queued keys in
// order; a repair that cannot finish (a node down) is retried with
// backoff (2 s doubling to 10 min), and at once when a node comes back up.
//
// The queue is persisted: entries are written as r/ records on every node
// together, every 200 ms, and need MetaQuorum; a repaired key's entry is
// deleted. A gateway loads them at start, so a restart (or the loss of a
// gateway: the others load them too) loses no queued repair, and the
// nodes that missed a write are refilled within seconds of coming back
// rather than at the next scheduled pass. The entries cost nothing while
// every node is up (no write misses a node) and one batch per 200 ms
// while one is down. What the queue cannot hold is left to the scanner,
// and said so: an entry not yet flushed when its gateway dies, and keys
// beyond QueueLimit in memory (counted in zones3_repair_queue_overflow_total).
// The scanner's passes find every key short of redundancy whether or not
// it was queued.
//
// # Scanner
//
// A pass (scanner.go) syncs the bucket records (newest to every node),
// then walks every record space (recordSpaces: o/, then v/; another kind of
// object record is one line there) merged across all nodes by key, 32
// records per node per page so that inline data bounds its memory. Each
// key is judged from the records the walk found; keys whose records are
// whole and not inline get their shard files checked in batches of 64
// keys per StatShards call per node. A key found short of anything, and
// in a full pass every key with shard files, goes to repairObject on one
// of RepairWorkers workers. A full (bitrot) pass reads every shard at
// BitrotRate; a rebuild that will read every intact shard anyway (K left)
// skips that read, as Rebuild checks each block it reads. Rebuilds are not
// paced: redundancy is short until they finish.
//
// Passes start every ScanInterval, full ones every BitrotInterval, by a
// schedule the gateways share (s/scan: when the last pass of any gateway
// started), so several gateways do not each scan the cluster; a
// cluster's first pass checks presence only. `zones3 admin heal` starts a
// full pass at once (cancelling a scheduled one) and follows it.
//
// # Garbage collection
//
// At the end of a pass each node's committed shard files (ListShards) are
// compared with the shard names its records refer to, gathered during the
// pass in a Bloom filter (10 bits per file: a false positive only keeps
// a file). A file no record refers to and written more than GCGrace
// before the pass started is removed: the shard files of an overwrite or
// delete whose removal a node missed, of a crash between a commit and the
// removal, of concurrent writes to one key. Part records are read first:
// CompleteMultipartUpload moves a part's reference from its part record
// to the object record, so read in that order a moving reference is seen
// in one place or the other (a new record space whose writes move
// references must likewise come after the space they move them from). A
// node whose records were not all read in the pass is not collected. A
// tombstone every placed node held before the pass, older than GCGrace,
// is removed from all of them.
//
// # Measured
//
// On the 2-core development machine while other builds and tests ran
// (load average 12 to 16 during these runs: single runs moved by up to a
// third), RS(2,1), three `zones3 node` processes and a gateway on
// loopback: objects written with `zones3 bench --op put --cleanup=false`,
// node-c SIGKILLed, its data folder emptied, node-c started again, and
// `zones3 admin heal` timed (pass time / whole command):
//
//	objects          rebuilt onto node-c   time            rebuilt shard bytes   object bytes made whole
//	32 x 64 MiB      1.0 GiB               4.7 s / 5.5 s   217 MiB/s             434 MiB/s
//	1024 x 1 MiB     512 MiB               7.2 s / 7.6 s    71 MiB/s             142 MiB/s
//
// In one process (`zones3 server`, data/node-c removed while stopped),
// 1.5 GiB rebuilt in 4.4 s: 346 MiB/s. BenchmarkHealWipedNode (in
// process, internode HTTP on loopback, 512 MiB, load 15): 55, 114 and 144
// MiB/s of rebuilt shard bytes for 1, 8 and 64 MiB objects. Small objects
// are bound by round trips and syncs per object (three record reads,
// three shard stats, two shard reads, a shard write with two fsyncs and
// a synced commit), not bandwidth: the 1 MiB refill took 10.3 s with 4
// workers, 5.7 s with 8 and 5.5 s with 16, hence 8 by default.
//
// A full pass at the default --bitrot-rate of 32 MiB/s verified 4.5 GiB
// of shards in 2 min 24 s (the pace exactly) and cost the server 11% of
// one core with no clients (330 clock ticks in 30 s; idle: 1 tick/s).
// `zones3 bench --op put|get --size 1MiB --concurrency 8 --duration 15s`
// against `zones3 server` holding 3 GiB, five rounds alternating runs
// without and with a full pass running: PUT 82.5 MiB/s without, 80.8
// MiB/s with (98% kept); GET 603 MiB/s without, 737 with (the other
// tenants' load moved single runs more than the pass did).
//
// Not repaired: the part records and part shards of multipart uploads in
// progress on a replaced node (the object is repaired once completed),
// and shards whose holders are no longer where placement puts them (a
// topology change moves nothing; the repair says so).
package objectlayer
