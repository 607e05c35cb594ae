// Package storage is the zones3 storage node: a Pebble database holding the
// gateway's metadata records (and small objects inline), write-once shard
// files beside it, the authenticated internode HTTP API that serves both,
// and its client. The Node interface is all the gateway knows of a node;
// Local is the in-process implementation and Remote the internode client.
//
// # On disk
//
// A node's data directory holds
//
//	pebble/         the Pebble database (records, shard references)
//	shards/00..ff/  shard files, fanned out by FNV-1a of the name
//	tmp/            replacements of committed shards awaiting commit, and
//	                unreferenced shard files pooled for reuse (free-<n>)
//
// Keys starting with 0xff are the node's own. "\xff\xffshard/<name>" is
// the reference record of a committed shard file (its value the file
// size); the gateway's keys never start with 0xff, Apply and Get refuse
// such keys and Scan stops below them.
//
// # Writes and crashes
//
// A shard file is written once, in place: CreateShard creates
// shards/<fanout>/<name> with O_EXCL (or moves a recycled file there, see
// below), streams into it through a 1 MiB buffer, fsyncs it, then fsyncs the fanout directory so that its entry is
// durable too. A shard that fits in the buffer goes through the page
// cache in one write; a longer one goes to the device with O_DIRECT
// (direct.go: 0.26-0.31 ns of CPU per byte instead of 0.45-0.48), or,
// where the filesystem refuses O_DIRECT, through the page cache with
// writeback started every MiB (sync_file_range) so that its final fsync
// is short. A file in shards/ is readable only once a committed reference
// record names it; until then it is invisible, and while CreateShard
// writes it (an in-memory set) it cannot be committed. Apply decides the
// conditional ops under striped per-key locks (only around their
// read-check-write: unrelated writers
// never wait for each other, and their synced commits share WAL syncs in
// Pebble's commit pipeline), takes the same striped locks for the names of
// its shard ops, and commits one Pebble batch with pebble.Sync holding the
// records and the shard references: committing a shard is only its
// reference, no rename and no directory fsync. Removed and aborted files
// leave shards/ after the commit, under their names' locks, and only if
// no reference names them then (a retried commit's aborted tie must not
// delete the committed file).
//
// Such a file is recycled rather than unlinked (recycle.go): it waits in
// tmp/ and the next CreateShard writes over it, which allocates and frees
// no blocks, so the shard's fsync commits no block allocation and the
// filesystem trims nothing. A file that a reader has open is unlinked
// instead, so an open stream keeps reading the bytes it opened; a pooled
// file has no name anyone can open. The pool is bounded (256 files, 1 GiB,
// files up to 256 MiB) and unlinked after 30 s unused or when the disk is
// full. BenchmarkShardOverwrite (16 writers, 512 KiB shards, each commit
// removing the writer's shard four back; ext4 mounted with discard):
// 1,382-2,136 shards/s recycled against 1,151-1,257 unlinked in three
// runs; plain files with fsync, 24 writers over a ring of 512 KiB files:
// 1,416-1,510 files/s creating and unlinking, 2,890-2,986 writing over
// them. PUT against `zones3 server`, whose bench overwrites its keys, in
// six pairs alternated with the build before: 1 MiB ×8 231-269 MiB/s
// against 199-240, 64 MiB ×4 518-558 against 478-574.
//
// A conditional op is decided by the HLC stored under its key before the
// batch, updated by the batch's earlier ops on that key. The stored
// values are read under the stripe locks before the batch is built: by
// point reads for a few keys, and from 16 conditional ops on (a lifecycle
// page of tombstones, say) by one iterator seeking the keys in order,
// which reuses the blocks and index positions of the previous seek. A
// lifecycle pass over 1,000,000 objects, whose records were in sstables,
// spent 87% of its CPU in those point reads, mostly loading index and
// data blocks again for each key; with the iterator the pass took 18% of
// a core instead of 61% (lifecycle/doc.go has the figures). Pebble also
// keeps bloom filters on every level, so that a point read skips the
// tables that do not hold its key (67% to 61% on that pass).
//
// Creating a name that has a file replaces it: the new data goes to a
// partial file in tmp/ and, complete and fsynced, is renamed over an
// uncommitted file, or waits as tmp/<name> for a commit to rename it over
// a committed one (the gateway never reuses a name for different content,
// so this is a retry's path, not the common one).
//
// OpenLocal deletes everything in tmp/ and every file in shards/ without a
// reference. So a node killed at any instant comes back with every
// acknowledged write (record and shard) intact and no partial or
// uncommitted shard visible; TestCrashRecovery checks this by SIGKILLing a
// writing child process. After a power loss the same holds as long as
// fsync means durable: a reference is committed only after its file and
// directory entry were fsynced.
//
// # Why shard files, and why Pebble v2
//
// Pebble is an LSM: a value written into it goes to the WAL, then to an
// sstable at flush, then again at every compaction down the levels. Shard
// data is large and written once, so it lives in files: written once,
// fsynced, sent with sendfile(2), freed (recycled) with no compaction
// debt. Only its reference goes through Pebble. Pebble v2.1's
// value separation (blob files) is experimental, off by default and
// separates values only at flush, so it still writes a shard twice.
// Metadata records and small objects (the gateway inlines objects under
// ~128 KiB) stay in Pebble: one synced batch per node per write.
//
// Pebble v2 (the maintained line; v1 is in maintenance) gives what the
// records need: ordered iteration for listings, atomic synced batches
// with group commit for many concurrent writers, a bounded block cache
// (shareable between the nodes of `zones3 server` with NewBlockCache) and
// memtables that start small and grow to MemTableBytes.
//
// Measured on the 2-core development machine while other builds were
// running (`go test -bench`, see bench_test.go; absolute numbers move with
// the load, the ratios do not):
//
//	write amplification (bytes to disk / bytes given, /proc/self/io):
//	  1 MiB shards as files, 512 MiB (CreateShard + commit)   1.005
//	  1 MiB values in Pebble, 512 MiB, keys in random order    4.64 (2.0 with keys in order)
//	throughput:
//	  1 MiB shards, 1 writer, synced commit each               ~300 MB/s (3 fsyncs per shard: file, directory, WAL)
//	  1 MiB shards, 8 writers (CreateCommit1MiB)               680-800 MB/s, ~1.0 ns CPU per byte
//	  1 MiB values in Pebble, 1 writer, synced                 ~21 MB/s
//	  one 64 MiB shard, write + fsync                          ~810 MB/s (~630 without writeback hints)
//	  1 MiB shard put + commit + read through Remote           ~195 MB/s of both directions
//	  4 KiB inline records, 16 writers, synced Apply           3,700-5,000 ops/s (plain Pebble Set, same run: 4,200)
//	  the same through Remote (loopback HTTP, signed)          ~2,200 ops/s
//
// Writing shards in place rather than in tmp/ and renaming them at commit
// took out two renames and three stats per shard (strace -c of
// CreateCommit1MiB, 300 shards: renameat 604 -> 2, newfstatat 1229 -> 326,
// time in syscalls 6.1 s -> 5.6 s); the fsyncs stay: file, directory,
// WAL. The directory fsync after the file's is not free on ext4 even
// though the journal already holds the entry: it still flushes the disk
// cache (median 0.64 ms against 2.7 ms for the 1 MiB file's fsync).
// Against `zones3 server` (`zones3 bench --op put --size 1MiB
// --concurrency 8`, machine loaded by other work) the server spent 6.8-8.8
// ms of CPU per MiB PUT before, 5.7-7.8 after, 7.0 without the directory
// fsync; throughput moved with the load (101-138 MiB/s before, 105-158
// after).
//
// Tried for PUT 1 MiB ×8 against `zones3 server` and dropped (alternated
// runs, same bench): putting a shard that fits in the copy buffer into the
// commit's Pebble batch and fsyncing its file in the background (deleting
// the batch's copy after), so that one group-committed WAL sync makes the
// write durable instead of a file fsync and then the WAL sync: 123-147
// MiB/s against 183-244 (the 512 KiB values through the WAL and memtable
// cost more than the file fsync they save); O_DIRECT for such shards too:
// no better; a second copy buffer so that a large shard's next MiB fills
// while the previous one is written with O_DIRECT: PUT 64 MiB ×4 medians
// 525 against 526 MiB/s, not worth the memory.
//
// # Internode API
//
// NewServer serves a Node under /internode/v1/ (routes in server.go),
// every request signed with HMAC-SHA256 over the method, path, sorted
// query, date and body digest (auth.go); Remote is its client. Shards
// stream in both directions with bounded buffers; batches and scan answers
// use a compact length-prefixed binary encoding (codec.go). Errors come
// back as the sentinel errors of node.go: ErrNotFound, ErrUnauthorized,
// ErrInvalidName, ErrInvalidKey, and ErrUnavailable for a node that cannot
// be reached, times out or cuts a stream.
//
// StatShards and ListShards (shardinfo.go) let the gateway's repair
// scanner check shard files without reading them: a committed file's size
// and modification time, or that it is missing (also when its reference
// survives a file deleted from the disk), and the committed files in name
// order, to collect those no record refers to.
package storage
