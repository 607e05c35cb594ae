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

// md5Lanes is the multi-buffer MD5 (github.com/minio/md5-simd) shared by
// the large bodies in flight. MD5 is serial within one body, the costliest
// digest of a PUT (1.3 ns/byte on one core) and must be computed for the
// ETag; AVX-512 (16 lanes) or AVX2 (8 lanes) hash as many bodies at once in
// one core for about the price of one. Measured on this project's 2-core
// machine, 4 concurrent 64 MiB bodies on one core: 662 MB/s with
// crypto/md5, 1,722 MB/s with the lanes; one body alone: 655 MB/s with
// crypto/md5, 553 MB/s in a lane. So a body takes a lane only when another
// large body is already being hashed, and keeps crypto/md5 when alone.
//
// An md5-simd server never forgets a hasher once closed (v1.1.2 deletes
// the wrong entry of its client map), and every cycle of its goroutine
// visits every hasher it ever had: pairs of 64 KiB bodies hashed 8,000 at a
// time took 7, 19, 30, 45 and 54 s per 8,000 on one server. So a server
// takes hashersPerServer hashers and is then retired, and closed once the
// last of them is: 1.3 s per 8,000, every time.
var md5Lanes struct {
	large atomic.Int64 // Readers of laneMin bytes or more not yet closed

	mu      sync.Mutex
	cur     *laneServer // takes new hashers; nil before the first
	servers int         // lane servers not yet closed
}

// hashersPerServer bounds the dead hashers a lane server's goroutine
// visits per cycle; a new server costs 1.5 MiB of buffers, once per
// 32 bodies of 8 MiB or more.
const hashersPerServer = 32

type laneServer struct {
	srv    md5simd.Server
	handed int // hashers handed out
	open   int // of those, not yet closed
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
	m := &md5Lanes
	m.mu.Lock()
	if m.cur == nil || m.cur.handed == hashersPerServer {
		m.cur = &laneServer{srv: md5simd.NewServer()}
		m.servers++
	}
	ls := m.cur
	ls.handed++
	ls.open++
	m.mu.Unlock()
	lh := ls.srv.NewHash()
	return lh, func() {
		lh.Close()
		m.mu.Lock()
		ls.open--
		if ls.open == 0 && ls.handed == hashersPerServer {
			ls.srv.Close()
			m.servers--
			if m.cur == ls {
				m.cur = nil
			}
		}
		m.mu.Unlock()
		releaseLarge()
	}, true
}

func releaseLarge() { md5Lanes.large.Add(-1) }
