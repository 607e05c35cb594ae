// Package erasure owns the streaming Reed-Solomon coding of objects: it
// cuts an object into blocks, encodes every block into K data and M parity
// shard blocks, guards each shard block with a bitrot checksum, and
// decodes any byte range back, reconstructing shards that are missing or
// corrupt. It knows nothing of HTTP, S3 or Pebble: shards are io.Writers
// on the way in and byte ranges opened through a ShardOpener on the way out.
//
// # Blocks and shard files
//
// An object is cut into blocks of Layout.BlockSize bytes (1 MiB by default;
// the gateway gives objects longer than one block 512 KiB blocks, see
// objectlayer.DefaultStreamBlockSize; the last block is shorter). A block of n bytes becomes K data shard
// blocks of ceil(n/K) bytes (the block's bytes cut in K, the last one
// zero-padded) and M parity shard blocks of the same size. Shard file i
// holds, for every block in order, the 32-byte checksum of shard block i
// followed by the shard block:
//
//	[sum 0][shard block 0][sum 1][shard block 1] ... [sum n-1][short shard block n-1]
//
// Every block but the last has the same size in the file, so block b of
// any shard starts at b*(32+ShardBlockSize()), and a range read opens only
// the bytes of the blocks it needs. All shards of an object have the same
// size, Layout.ShardFileSize(objectSize); an empty object has empty
// shards.
//
// # Bitrot checksum
//
// The checksum algorithm is part of the Layout (Layout.Hash) and so of the
// stored object; its zero value, HighwayHash256, is the default. The choice
// was measured with BenchmarkHash on a 2-core AMD EPYC with AVX-512 and
// SHA-NI (shard block sizes of RS(2,1) and RS(4,2) with 1 MiB blocks):
//
//	                  4 KiB        256 KiB      512 KiB
//	HighwayHash-256   7.6 GB/s     7.9 GB/s     7.7 GB/s   (0.13 ns/byte)
//	BLAKE3            1.4 GB/s     3.0 GB/s     3.2 GB/s   (0.31 ns/byte)
//	SHA-256 (SHA-NI)  1.6 GB/s     1.6 GB/s     1.6 GB/s   (0.62 ns/byte)
//
// Every shard byte is hashed on every PUT and GET, 1.5 times the object
// size with RS(2,1), so the hash is on the hot path next to MD5 (1.3
// ns/byte). The checksum is there to catch media errors, torn or truncated
// files and misdirected reads, not an adversary: whoever can rewrite a
// shard file can rewrite its checksum too, so collision resistance against
// an attacker buys nothing here. For random damage any 256-bit keyed PRF
// misses with probability 2^-256, so the fastest one wins: HighwayHash-256,
// 2.4 times faster than BLAKE3 and 4.8 times faster than SHA-256, keyed
// with a fixed constant that is part of the format. SHA256 and BLAKE3
// remain selectable per layout.
//
// HighwayHash is a chain of dependent 256-bit steps, so one stream leaves
// half of an AVX-512 unit idle. Where the CPU has AVX-512 (F and BW), two
// shard blocks of one length are checksummed together, one in each half
// of the registers (highway2_amd64.s, sum2): the same HighwayHash-256 bit
// for bit (TestSum2MatchesHighwayHash, FuzzSum2) at 19.2 GB/s for two
// 512 KiB blocks against 10.8 one after the other (`go test -bench Sum2`).
// Encode checksums a block's shards in pairs after encoding it, and Decode
// verifies the K shard blocks it received in pairs: 0.05 instead of 0.09
// ns per shard byte in BenchmarkSum2, about 20% less per byte in a GET
// 64 MiB ×4 profile, where the consumer hashes blocks that other
// goroutines have just read. The kernel leaves BP alone, as the runtime's
// unwinders need.
//
// # Streams, concurrency and memory
//
// Encode keeps two blocks in flight: while the writers (one goroutine per
// shard) send block i, the caller's goroutine reads, encodes and
// checksums block i+1. Decode reads K shard streams in parallel, each one
// block ahead of what is being written out, and verifies a block's shards
// where it has them all, before writing the block out. Memory per
// call is a few blocks whatever the object size, and block buffers are
// pooled per Encoder: create one Encoder per Layout and share it; it is
// safe for concurrent use.
//
// # Failures
//
// Encode marks a shard failed when its writer is nil or returns an error
// and carries on without it while at least the write quorum remains
// (ErrWriteQuorum otherwise). Decode reads the data shards first; a shard
// that cannot be opened or read, or ends early, is reported Missing, and
// one whose checksum does not match is reported Corrupt. Either way Decode
// drops it, opens the next parity shard from that block on and
// reconstructs; with fewer than K intact shards for a block it fails with
// ErrReadQuorum. The DecodeReport lets the caller queue a repair, which
// Rebuild performs: it writes fresh shard files for the shards named,
// reconstructed from K others. Verify checks one shard stream on its own,
// for the bitrot scanner.
//
// # Measured throughput
//
// BenchmarkEncode and BenchmarkDecode stream 64 MiB through RS(2,1) with
// 1 MiB blocks on the same 2-core machine: encode about 2.3 GB/s (checksums
// included), decode about 3.4 GB/s with intact shards and 3.0 GB/s when a
// data shard is lost and every block is reconstructed.
//
// A GET of an intact object costs, per byte served, a read from the page
// cache into a shard buffer, the block checksum and a write to the socket.
// Ways around the two copies were measured and are slower on this
// machine (4 connections streaming a cached 64 MiB file over loopback in
// 512 KiB blocks, CPU of both ends per byte): read + HighwayHash + write
// 0.62-0.72 ns; mmap with MAP_POPULATE + hash + write from the mapping
// 0.81; mmap + hash + sendfile(2) 0.86-0.92; sendfile alone, with no
// checksum, 0.41-0.53 against 0.45-0.53 for read + write. A 4 MiB socket
// send buffer changed nothing measurable either.
//
// At GET 64 MiB ×4 against `zones3 server`, with MD5 no longer in the way
// of PUT, a throwaway build that skipped verification reached 3,020-3,076
// MiB/s against 2,603-2,663: HighwayHash was a sixth of the CPU. With the
// pairs, runs alternated with the build before them: 2,601-2,944 against
// 2,524-2,729 (the machine drifts by ±10% over an hour; each pair of runs
// moved together, the paired build ahead by 3-8%).
package erasure
