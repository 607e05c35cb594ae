package checksum

import (
	"crypto/md5"
	"hash"
	"sync"
	"sync/atomic"

	md5simd "github.com/minio/md5-simd"
)

// laneMin is the declared body size from which a Reader's MD5 may run in a
// lane of the shared multi-buffer MD5. Below it the hand-off through the
// lane server adds latency that the CPU saved does not repay: with 1 MiB
// bodies in lanes, PUT 1 MiB ×8 ran 10-15% slower. 8 MiB is the aws CLI's
// multipart part size, whose parts it uploads ten at a time.
const laneMin = 8 << 20

// md5Lanes is one multi-buffer MD5 (github.com/minio/md5-simd) shared by the
// large bodies in flight. MD5 is serial within one body, the costliest
// digest of a PUT (1.3 ns/byte on one core) and must be computed for the
// ETag; AVX-512 (16 lanes) or AVX2 (8 lanes) hash as many bodies at once in
// one core for about the price of one. Measured on this project's 2-core
// machine, 4 concurrent 64 MiB bodies on one core: 662 MB/s with
// crypto/md5, 1,722 MB/s with the lanes; one body alone: 655 MB/s with
// crypto/md5, 553 MB/s in a lane. So a body takes a lane only when another
// large body is already being hashed, and keeps crypto/md5 when alone.
var md5Lanes struct {
	once  sync.Once
	srv   md5simd.Server
	large atomic.Int64 // Readers of laneMin bytes or more not yet closed
}

// newMD5 returns the MD5 for a body of the declared size, the function
// that releases what it holds (to be called exactly once), and whether it
// runs in a lane (hashing off the caller's goroutine).
func newMD5(size int64) (h hash.Hash, release func(), laned bool) {
	if size < laneMin {
		return md5.New(), func() {}, false
	}
	if md5Lanes.large.Add(1) == 1 {
		return md5.New(), releaseLarge, false
	}
	md5Lanes.once.Do(func() { md5Lanes.srv = md5simd.NewServer() })
	lh := md5Lanes.srv.NewHash()
	return lh, func() {
		lh.Close()
		releaseLarge()
	}, true
}

func releaseLarge() { md5Lanes.large.Add(-1) }
