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
//	b/<bucket>                       bucket record, on every node (MetaQuorum)
//	o/<bucket>\x00<key>              object record, on the object's placed nodes
//	l/<bucket>\x00<key>              list entry, beside the object record
//	u/<bucket>\x00<key>\x00<upload>  multipart upload, on the key's placed nodes
//	p/<upload>\x00<%05d part>        uploaded part, on the same nodes
//
// An object record holds the current version as this node knows it, in a
// compact binary form: size, ETag, headers, checksums, erasure layout,
// a random version ID, the data ID of its shard files (dataID.<shard>) or
// its parts (multipart: number, size, ETag, own data ID), the holders, and
// this node's shard index. An object of known size up to InlineLimit keeps
// this node's shard bytes in the record itself, so a small PUT is one
// synced Apply per node and no shard file. The list entry repeats what a
// listing shows (size, ETag, checksums), so that listings never read inline
// data. Deletes write tombstones with a newer HLC; a deleted bucket's
// tombstones are purged.
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
// When fewer than K holders answer the read fails with ErrQuorum rather
// than serve an older version, and a decode error mid-stream is returned so
// that the caller aborts the response: wrong bytes are never written.
//
// # Listing
//
// ListObjects scans the bucket's list entries on every node in pages,
// merges the sorted streams, keeps the newest entry of each key and skips
// tombstones. Each node holds the entries of only the objects placed on it.
// With a delimiter, a common prefix is reported once and every node's scan
// seeks past it.
//
// # Clock
//
// Each Layer runs a hybrid logical clock: nanoseconds of wall time, but
// always past every HLC it issued or read, so a gateway with a lagging
// clock still orders its writes after what it saw. LastModified is the
// version's HLC.
//
// Shard files left behind by concurrent writes to one key, by nodes that
// missed a removal, or by a crash between a commit and the removal are not
// yet collected; the repair scanner will.
package objectlayer
