package erasure

import (
	"bytes"
	"context"
	"errors"
	"math/bits"
	"testing"
)

// FuzzRoundTrip encodes arbitrary data with an arbitrary small layout,
// damages some shards and decodes an arbitrary range: the range must come
// back intact while at most M shards are damaged, and ErrReadQuorum must
// come back when more are.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("hello, zones3"), uint8(2), uint8(1), uint8(1), uint16(3), uint16(5), uint8(0), uint8(0), uint16(0))
	f.Add(bytes.Repeat([]byte{0xa5}, 300), uint8(4), uint8(2), uint8(2), uint16(10), uint16(290), uint8(0b100001), uint8(2), uint16(77))
	f.Add([]byte{}, uint8(1), uint8(0), uint8(0), uint16(0), uint16(0), uint8(0), uint8(0), uint16(0))
	f.Add(testData(2500, 1), uint8(3), uint8(1), uint8(3), uint16(999), uint16(1002), uint8(0b11), uint8(1), uint16(500))
	f.Fuzz(func(t *testing.T, data []byte, k, m, bsSel uint8, off, n uint16, lostMask, kindSel uint8, at uint16) {
		l := Layout{K: 1 + int(k%6), M: int(m % 4)}
		l.BlockSize = max(l.K, []int{1, 7, 64, 1000}[bsSel%4])
		e := mustEncoder(t, l)
		shards := encodeAll(t, e, data)
		size := int64(len(data))

		faults := map[int]fault{}
		fileSize := l.ShardFileSize(size)
		pos := int64(at)
		if fileSize > 0 {
			pos %= fileSize
		}
		kinds := []fault{
			{openErr: true, truncate: -1, flip: -1, readErr: -1},
			{truncate: pos, flip: -1, readErr: -1},
			{truncate: -1, flip: pos, readErr: -1},
			{truncate: -1, flip: -1, readErr: pos},
		}
		mask := uint(lostMask) & (1<<l.Shards() - 1)
		for i := range l.Shards() {
			if mask&(1<<i) != 0 {
				faults[i] = kinds[int(kindSel)%len(kinds)]
			}
		}
		offset := int64(off) % (size + 1)
		length := int64(n) % (size - offset + 1)
		if n == 0xffff {
			length = -1
		}
		st := &testStore{t: t, l: l, objectSize: size, shards: shards, faults: faults}
		var out bytes.Buffer
		rep, err := e.Decode(context.Background(), &out, st.open, size, offset, length)
		st.checkClosed()
		if length == -1 {
			length = size - offset
		}
		if bits.OnesCount(mask) > l.M {
			// Too many losses may still decode when the damage lies
			// outside the range or in shards that were not needed.
			if err != nil && !errors.Is(err, ErrReadQuorum) {
				t.Fatalf("%v: %d damaged shards: %v", l, bits.OnesCount(mask), err)
			}
			if err != nil {
				return
			}
		} else if err != nil {
			t.Fatalf("%v [%d,+%d) of %d, damaged %b: %v", l, offset, length, size, mask, err)
		}
		if !bytes.Equal(out.Bytes(), data[offset:offset+length]) {
			t.Fatalf("%v [%d,+%d) of %d, damaged %b: wrong bytes", l, offset, length, size, mask)
		}
		for _, i := range append(rep.Missing, rep.Corrupt...) {
			if mask&(1<<i) == 0 {
				t.Fatalf("intact shard %d reported: %+v", i, rep)
			}
		}
	})
}
