package storage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
)

// patternLen is deliberately not a power of two, so each MiB of a pattern
// stream differs from the last.
const patternLen = 1<<20 + 13

var pattern = func() []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, patternLen)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}()

// patternReader generates n bytes of the pattern stream on the fly.
type patternReader struct{ off, n int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.n-p.off)]
	total := 0
	for len(b) > 0 {
		c := copy(b, pattern[p.off%patternLen:])
		b = b[c:]
		p.off += int64(c)
		total += c
	}
	return total, nil
}

// checkPattern reads r to the end and checks it is the pattern stream
// from offset, length bytes long.
func checkPattern(r io.Reader, offset, length int64) error {
	buf := make([]byte, 256<<10)
	want := make([]byte, len(buf))
	pos := offset
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			ref := patternReader{off: pos, n: pos + int64(n)}
			io.ReadFull(&ref, want[:n])
			if !bytes.Equal(buf[:n], want[:n]) {
				return fmt.Errorf("data differs in the %d bytes at offset %d", n, pos)
			}
			pos += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if pos-offset != length {
		return fmt.Errorf("read %d bytes, want %d", pos-offset, length)
	}
	return nil
}

// TestLargeShardStreams sends a 64 MiB shard through the internode API
// both ways and checks that memory use stays bounded by buffers, far below
// the shard size.
func TestLargeShardStreams(t *testing.T) {
	const size = 64 << 20
	ctx := context.Background()
	r, _ := serveLocal(t, openTestLocal(t), RemoteOptions{})

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)

	n, err := r.CreateShard(ctx, "large", &patternReader{n: size})
	if err != nil || n != size {
		t.Fatalf("create: %d, %v", n, err)
	}
	mustApply(t, r, Op{Kind: OpCommitShard, Name: "large"})
	rc, err := r.ReadShard(ctx, "large", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkPattern(rc, 0, size); err != nil {
		t.Fatal(err)
	}
	rc.Close()

	runtime.ReadMemStats(&after)
	// Everything allocated in the process (client and server) while moving
	// 128 MiB: buffers only.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/4 {
		t.Errorf("allocated %d MiB to stream %d MiB each way", alloc>>20, size>>20)
	} else {
		t.Logf("allocated %.1f MiB to stream %d MiB each way", float64(alloc)/(1<<20), size>>20)
	}

	// A range in the middle.
	const off, length = 10<<20 + 7, 3<<20 + 1
	rc, err = r.ReadShard(ctx, "large", off, length)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if err := checkPattern(rc, off, length); err != nil {
		t.Fatal(err)
	}
}
