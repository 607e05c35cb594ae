package erasure

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
)

// testData returns n reproducible pseudo-random bytes.
func testData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n+7)
	for i := 0; i < n; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], r.Uint64())
	}
	return b[:n:n]
}

func mustEncoder(t testing.TB, l Layout) *Encoder {
	t.Helper()
	e, err := NewEncoder(l)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// encodeAll encodes data into in-memory shard files.
func encodeAll(t testing.TB, e *Encoder, data []byte) [][]byte {
	t.Helper()
	bufs := make([]bytes.Buffer, e.Layout().Shards())
	ws := make([]io.Writer, len(bufs))
	for i := range bufs {
		ws[i] = &bufs[i]
	}
	n, failed, err := e.Encode(context.Background(), bytes.NewReader(data), ws, e.Layout().K)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	if n != int64(len(data)) || slices.Contains(failed, true) {
		t.Fatalf("Encode: n=%d of %d, failed %v", n, len(data), failed)
	}
	out := make([][]byte, len(bufs))
	for i := range bufs {
		out[i] = bufs[i].Bytes()
	}
	return out
}

// fault describes how one shard misbehaves when read. Offsets are in the
// shard file; -1 means no such fault.
type fault struct {
	openErr  bool
	truncate int64 // the file ends here
	flip     int64 // this byte is flipped
	readErr  int64 // reading this byte fails
}

var noFault = fault{truncate: -1, flip: -1, readErr: -1}

var errDown = errors.New("node down")

// testStore serves shard files from memory, injects faults and checks
// that Decode asks for block-aligned ranges and closes what it opens.
type testStore struct {
	t          testing.TB
	l          Layout
	objectSize int64
	shards     [][]byte
	faults     map[int]fault

	mu     sync.Mutex
	opens  int
	closes int
	opened []int // shard numbers, in order of opening
}

func (s *testStore) open(ctx context.Context, shard int, off, length int64) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	size := s.l.ShardFileSize(s.objectSize)
	stride := int64(ChecksumSize + s.l.ShardBlockSize())
	if off%stride != 0 || length < 0 || off+length > size {
		s.t.Errorf("shard %d: open [%d, +%d) of %d bytes, stride %d", shard, off, length, size, stride)
	}
	s.opened = append(s.opened, shard)
	f, ok := s.faults[shard]
	if !ok {
		f = noFault
	}
	if f.openErr {
		return nil, fmt.Errorf("open shard %d: %w", shard, errDown)
	}
	file := slices.Clone(s.shards[shard])
	if f.flip >= 0 && f.flip < int64(len(file)) {
		file[f.flip] ^= 0x40
	}
	if f.truncate >= 0 && f.truncate < int64(len(file)) {
		file = file[:f.truncate]
	}
	end := min(off+length, int64(len(file)))
	start := min(off, end)
	r := &faultReader{data: file[start:end], failAt: -1}
	if f.readErr >= 0 && f.readErr >= start && f.readErr < end {
		r.failAt = f.readErr - start
	}
	s.opens++
	return &countingCloser{Reader: r, s: s}, nil
}

func (s *testStore) checkClosed() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opens != s.closes {
		s.t.Errorf("%d readers opened, %d closed", s.opens, s.closes)
	}
}

type countingCloser struct {
	io.Reader
	s      *testStore
	closed bool
}

func (c *countingCloser) Close() error {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if c.closed {
		c.s.t.Error("reader closed twice")
	}
	c.closed = true
	c.s.closes++
	return nil
}

// faultReader returns data in small uneven pieces and fails at failAt.
type faultReader struct {
	data   []byte
	pos    int64
	failAt int64
}

func (r *faultReader) Read(p []byte) (int, error) {
	if r.failAt >= 0 && r.pos >= r.failAt {
		return 0, errDown
	}
	if r.pos >= int64(len(r.data)) {
		return 0, io.EOF
	}
	end := int64(len(r.data))
	if r.failAt >= 0 {
		end = min(end, r.failAt)
	}
	end = min(end, r.pos+int64(len(p)), r.pos+100_003)
	n := copy(p, r.data[r.pos:end])
	r.pos += int64(n)
	return n, nil
}

var testLayouts = []Layout{
	{K: 2, M: 1, BlockSize: 4096},
	{K: 4, M: 2, BlockSize: 4096},
	{K: 3, M: 1, BlockSize: 1000}, // block size not a multiple of K
	{K: 1, M: 0, BlockSize: 512},
	{K: 2, M: 2, BlockSize: 4096, Hash: SHA256},
	{K: 4, M: 2, BlockSize: 4096, Hash: BLAKE3},
}

func testSizes(l Layout) []int {
	bs := l.blockSize()
	return []int{0, 1, l.K - 1, l.K, bs - 1, bs, bs + 1, 3*bs + 7, 5*bs - 1}
}

func TestLayoutSizes(t *testing.T) {
	for _, tc := range []struct {
		l          Layout
		objectSize int64
		sbs        int
		file       int64
		blocks     int64
	}{
		{Layout{K: 2, M: 1}, 0, 512 << 10, 0, 0},
		{Layout{K: 2, M: 1}, 1, 512 << 10, 32 + 1, 1},
		{Layout{K: 2, M: 1}, 3, 512 << 10, 32 + 2, 1},
		{Layout{K: 2, M: 1}, 1 << 20, 512 << 10, 32 + 512<<10, 1},
		{Layout{K: 2, M: 1}, 1<<20 + 1, 512 << 10, 32 + 512<<10 + 32 + 1, 2},
		{Layout{K: 4, M: 2}, 64 << 20, 256 << 10, 64 * (32 + 256<<10), 64},
		{Layout{K: 3, M: 1, BlockSize: 1000}, 1000, 334, 32 + 334, 1},
		{Layout{K: 3, M: 1, BlockSize: 1000}, 2500, 334, 2*(32+334) + 32 + 167, 3},
		{Layout{K: 1, M: 0, BlockSize: 10}, 25, 10, 2*42 + 37, 3},
	} {
		if got := tc.l.ShardBlockSize(); got != tc.sbs {
			t.Errorf("%v: ShardBlockSize %d, want %d", tc.l, got, tc.sbs)
		}
		if got := tc.l.ShardFileSize(tc.objectSize); got != tc.file {
			t.Errorf("%v: ShardFileSize(%d) = %d, want %d", tc.l, tc.objectSize, got, tc.file)
		}
		if got := tc.l.Blocks(tc.objectSize); got != tc.blocks {
			t.Errorf("%v: Blocks(%d) = %d, want %d", tc.l, tc.objectSize, got, tc.blocks)
		}
	}
}

func TestLayoutValidate(t *testing.T) {
	for _, tc := range []struct {
		l  Layout
		ok bool
	}{
		{Layout{K: 2, M: 1}, true},
		{Layout{K: 1, M: 0}, true},
		{Layout{K: 12, M: 4, BlockSize: 4 << 20, Hash: BLAKE3}, true},
		{Layout{K: 0, M: 1}, false},
		{Layout{K: 2, M: -1}, false},
		{Layout{K: 200, M: 100}, false},
		{Layout{K: 2, M: 1, BlockSize: -1}, false},
		{Layout{K: 2, M: 1, BlockSize: MaxBlockSize + 1}, false},
		{Layout{K: 4, M: 1, BlockSize: 3}, false},
		{Layout{K: 2, M: 1, Hash: 9}, false},
	} {
		err := tc.l.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("%+v: Validate = %v, want ok=%v", tc.l, err, tc.ok)
		}
		if _, err := NewEncoder(tc.l); (err == nil) != tc.ok {
			t.Errorf("%+v: NewEncoder = %v, want ok=%v", tc.l, err, tc.ok)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	layouts := append(slices.Clone(testLayouts), Layout{K: 2, M: 1}, Layout{K: 4, M: 2})
	for _, l := range layouts {
		e := mustEncoder(t, l)
		sizes := testSizes(l)
		if l.BlockSize == 0 {
			sizes = []int{0, 1, DefaultBlockSize - 1, DefaultBlockSize + 1, 2*DefaultBlockSize + 12345}
		}
		for _, size := range sizes {
			if size < 0 {
				continue
			}
			t.Run(fmt.Sprintf("%v/%d", l, size), func(t *testing.T) {
				data := testData(size, uint64(size))
				shards := encodeAll(t, e, data)
				for i, s := range shards {
					if int64(len(s)) != l.ShardFileSize(int64(size)) {
						t.Fatalf("shard %d: %d bytes, ShardFileSize says %d", i, len(s), l.ShardFileSize(int64(size)))
					}
					if err := Verify(bytes.NewReader(s), l, int64(size)); err != nil {
						t.Errorf("Verify shard %d: %v", i, err)
					}
				}
				st := &testStore{t: t, l: e.Layout(), objectSize: int64(size), shards: shards}
				var out bytes.Buffer
				rep, err := e.Decode(ctx, &out, st.open, int64(size), 0, -1)
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if !bytes.Equal(out.Bytes(), data) {
					t.Fatalf("Decode returned %d bytes that differ from the %d encoded", out.Len(), size)
				}
				if !rep.OK() {
					t.Errorf("report %+v on intact shards", rep)
				}
				for _, sh := range st.opened {
					if sh >= l.K {
						t.Errorf("parity shard %d opened although all data shards are intact", sh)
					}
				}
				st.checkClosed()
			})
		}
	}
}

// TestDecodeEveryRange decodes every range of a small object whose blocks
// do not divide evenly into shards.
func TestDecodeEveryRange(t *testing.T) {
	ctx := context.Background()
	for _, l := range []Layout{{K: 3, M: 1, BlockSize: 16}, {K: 2, M: 1, BlockSize: 8}, {K: 4, M: 2, BlockSize: 20}} {
		e := mustEncoder(t, l)
		const size = 61
		data := testData(size, 7)
		shards := encodeAll(t, e, data)
		for _, faults := range []map[int]fault{nil, {0: {flip: 40, truncate: -1, readErr: -1}}} {
			st := &testStore{t: t, l: l, objectSize: size, shards: shards, faults: faults}
			for off := int64(0); off <= size; off++ {
				for n := int64(0); off+n <= size; n++ {
					var out bytes.Buffer
					if _, err := e.Decode(ctx, &out, st.open, size, off, n); err != nil {
						t.Fatalf("%v [%d,+%d): %v", l, off, n, err)
					}
					if !bytes.Equal(out.Bytes(), data[off:off+n]) {
						t.Fatalf("%v [%d,+%d): got %x, want %x", l, off, n, out.Bytes(), data[off:off+n])
					}
				}
				// length -1: to the end.
				var out bytes.Buffer
				if _, err := e.Decode(ctx, &out, st.open, size, off, -1); err != nil || !bytes.Equal(out.Bytes(), data[off:]) {
					t.Fatalf("%v [%d, end): %v", l, off, err)
				}
			}
			st.checkClosed()
		}
	}
}

func TestDecodeOpensOnlyNeededBlocks(t *testing.T) {
	l := Layout{K: 2, M: 1, BlockSize: 100}
	e := mustEncoder(t, l)
	const size = 1050 // 10 full blocks and a 50-byte tail
	shards := encodeAll(t, e, testData(size, 3))
	stride := int64(ChecksumSize + 50)
	for _, tc := range []struct {
		off, n         int64
		wantOff, wantN int64
	}{
		{0, 1, 0, stride},
		{99, 2, 0, 2 * stride},
		{250, 100, 2 * stride, 2 * stride},
		{1000, 50, 10 * stride, ChecksumSize + 25},
		{999, -1, 9 * stride, stride + ChecksumSize + 25},
	} {
		var got [][2]int64
		var mu sync.Mutex
		open := func(ctx context.Context, shard int, off, length int64) (io.ReadCloser, error) {
			mu.Lock()
			got = append(got, [2]int64{off, length})
			mu.Unlock()
			return io.NopCloser(bytes.NewReader(shards[shard][off : off+length])), nil
		}
		if _, err := e.Decode(context.Background(), io.Discard, open, size, tc.off, tc.n); err != nil {
			t.Fatal(err)
		}
		for _, g := range got {
			if g != [2]int64{tc.wantOff, tc.wantN} {
				t.Errorf("[%d,+%d): opened %v, want %v", tc.off, tc.n, g, [2]int64{tc.wantOff, tc.wantN})
			}
		}
		if len(got) != l.K {
			t.Errorf("[%d,+%d): %d opens, want %d", tc.off, tc.n, len(got), l.K)
		}
	}
}

func TestDecodeBadRange(t *testing.T) {
	e := mustEncoder(t, Layout{K: 2, M: 1})
	open := func(context.Context, int, int64, int64) (io.ReadCloser, error) {
		t.Error("opened a shard for an empty or bad range")
		return nil, errDown
	}
	for _, r := range [][3]int64{{10, -1, 5}, {10, 11, 0}, {10, 5, 6}, {10, 0, -2}, {-1, 10, 5}} {
		_, err := e.Decode(context.Background(), io.Discard, open, r[0], r[1], r[2])
		if !errors.Is(err, ErrRange) {
			t.Errorf("size %d [%d,+%d): %v, want ErrRange", r[0], r[1], r[2], err)
		}
	}
	for _, r := range [][3]int64{{0, 0, -1}, {0, 0, 0}, {10, 10, -1}, {10, 3, 0}} {
		if _, err := e.Decode(context.Background(), io.Discard, open, r[0], r[1], r[2]); err != nil {
			t.Errorf("size %d [%d,+%d): %v", r[0], r[1], r[2], err)
		}
	}
}

// faultKinds are the ways a shard can fail, placed in block 1 (the second
// of 4) unless noted, so that Decode must switch streams mid-object.
func faultKinds(l Layout) map[string]struct {
	f       fault
	corrupt bool
} {
	stride := int64(ChecksumSize + l.ShardBlockSize())
	return map[string]struct {
		f       fault
		corrupt bool
	}{
		"open":          {fault{openErr: true, truncate: -1, flip: -1, readErr: -1}, false},
		"truncated":     {fault{truncate: stride + 5, flip: -1, readErr: -1}, false},
		"truncated-0":   {fault{truncate: 0, flip: -1, readErr: -1}, false},
		"read-error":    {fault{truncate: -1, flip: -1, readErr: stride + 17}, false},
		"flipped-data":  {fault{truncate: -1, flip: stride + ChecksumSize + 3, readErr: -1}, true},
		"flipped-sum":   {fault{truncate: -1, flip: stride + 1, readErr: -1}, true},
		"flipped-last":  {fault{truncate: -1, flip: 4*stride - 1, readErr: -1}, true},
		"flipped-first": {fault{truncate: -1, flip: 0, readErr: -1}, true},
	}
}

// combinations returns all subsets of {0..n-1} with exactly k members.
func combinations(n, k int) [][]int {
	var out [][]int
	var rec func(start int, cur []int)
	rec = func(start int, cur []int) {
		if len(cur) == k {
			out = append(out, slices.Clone(cur))
			return
		}
		for i := start; i < n; i++ {
			rec(i+1, append(cur, i))
		}
	}
	rec(0, nil)
	return out
}

func TestDecodeLosses(t *testing.T) {
	ctx := context.Background()
	for _, l := range []Layout{{K: 2, M: 1, BlockSize: 4096}, {K: 4, M: 2, BlockSize: 4096}, {K: 3, M: 1, BlockSize: 1000}} {
		e := mustEncoder(t, l)
		size := 4 * l.BlockSize // the fault offsets above assume 4 full blocks
		data := testData(size, 11)
		shards := encodeAll(t, e, data)
		for name, kind := range faultKinds(l) {
			for lost := 1; lost <= l.M+1; lost++ {
				for _, set := range combinations(l.Shards(), lost) {
					faults := map[int]fault{}
					for _, i := range set {
						faults[i] = kind.f
					}
					st := &testStore{t: t, l: l, objectSize: int64(size), shards: shards, faults: faults}
					var out bytes.Buffer
					rep, err := e.Decode(ctx, &out, st.open, int64(size), 0, -1)
					st.checkClosed()
					if lost > l.M {
						if !errors.Is(err, ErrReadQuorum) {
							t.Errorf("%v %s %v: err %v, want ErrReadQuorum", l, name, set, err)
						}
						continue
					}
					if err != nil {
						t.Fatalf("%v %s %v: %v", l, name, set, err)
					}
					if !bytes.Equal(out.Bytes(), data) {
						t.Fatalf("%v %s %v: wrong data", l, name, set)
					}
					reported := append(slices.Clone(rep.Missing), rep.Corrupt...)
					wrongList := rep.Corrupt
					if kind.corrupt {
						wrongList = rep.Missing
					}
					if len(wrongList) > 0 {
						t.Errorf("%v %s %v: report %+v lists the fault in the wrong list", l, name, set, rep)
					}
					for _, i := range reported {
						if !slices.Contains(set, i) {
							t.Errorf("%v %s %v: intact shard %d reported: %+v", l, name, set, i, rep)
						}
					}
					for _, i := range set {
						if i < l.K && !slices.Contains(reported, i) {
							t.Errorf("%v %s %v: lost data shard %d not reported: %+v", l, name, set, i, rep)
						}
					}
				}
			}
		}
	}
}

func TestDecodeWriterError(t *testing.T) {
	l := Layout{K: 2, M: 1, BlockSize: 1024}
	e := mustEncoder(t, l)
	data := testData(10*1024, 5)
	st := &testStore{t: t, l: l, objectSize: int64(len(data)), shards: encodeAll(t, e, data)}
	errSink := errors.New("client went away")
	_, err := e.Decode(context.Background(), &failWriter{after: 3000, err: errSink}, st.open, int64(len(data)), 0, -1)
	if !errors.Is(err, errSink) {
		t.Fatalf("err %v, want the writer's error", err)
	}
	st.checkClosed()
}

func TestDecodeCanceled(t *testing.T) {
	l := Layout{K: 2, M: 1, BlockSize: 1024}
	e := mustEncoder(t, l)
	data := testData(10*1024, 5)
	st := &testStore{t: t, l: l, objectSize: int64(len(data)), shards: encodeAll(t, e, data)}
	ctx, cancel := context.WithCancel(context.Background())
	w := &cancelWriter{after: 2048, cancel: cancel}
	_, err := e.Decode(ctx, w, st.open, int64(len(data)), 0, -1)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	st.checkClosed()

	// Shards that fail because the caller gave up are not reported.
	open := func(ctx context.Context, shard int, off, length int64) (io.ReadCloser, error) {
		return nil, ctx.Err()
	}
	rep, err := e.Decode(ctx, io.Discard, open, int64(len(data)), 0, -1)
	if !errors.Is(err, context.Canceled) || !rep.OK() {
		t.Fatalf("cancelled before start: %v, report %+v", err, rep)
	}
}

type cancelWriter struct {
	n, after int
	cancel   func()
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	if w.n >= w.after {
		w.cancel()
	}
	return len(p), nil
}

// failWriter accepts after bytes, then fails.
type failWriter struct {
	n, after int
	err      error
}

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n+len(p) > w.after {
		k := max(w.after-w.n, 0)
		w.n += k
		return k, w.err
	}
	w.n += len(p)
	return len(p), nil
}

func TestEncodeFailingWriters(t *testing.T) {
	ctx := context.Background()
	errWrite := errors.New("disk full")
	for _, tc := range []struct {
		name    string
		l       Layout
		quorum  int
		broken  map[int]int // shard -> bytes accepted before failing (-1: nil writer)
		wantErr bool
	}{
		{"none", Layout{K: 4, M: 2, BlockSize: 1000}, 4, nil, false},
		{"nil", Layout{K: 4, M: 2, BlockSize: 1000}, 4, map[int]int{1: -1}, false},
		{"two", Layout{K: 4, M: 2, BlockSize: 1000}, 4, map[int]int{0: 0, 5: 700}, false},
		{"three", Layout{K: 4, M: 2, BlockSize: 1000}, 4, map[int]int{0: 0, 3: 300, 5: 1000}, true},
		{"three-nil", Layout{K: 4, M: 2, BlockSize: 1000}, 4, map[int]int{0: -1, 3: -1, 5: -1}, true},
		{"k-eq-m", Layout{K: 2, M: 2, BlockSize: 1000}, 3, map[int]int{1: 0}, false},
		{"k-eq-m-lost", Layout{K: 2, M: 2, BlockSize: 1000}, 3, map[int]int{1: 0, 2: 1500}, true},
		{"quorum-below-k", Layout{K: 2, M: 1, BlockSize: 1000}, 1, map[int]int{1: 0, 2: 0}, true},
		{"rs10", Layout{K: 1, M: 0, BlockSize: 1000}, 1, map[int]int{0: 100}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := mustEncoder(t, tc.l)
			size := 5*tc.l.BlockSize + 123
			data := testData(size, 1)
			bufs := make([]bytes.Buffer, tc.l.Shards())
			ws := make([]io.Writer, len(bufs))
			for i := range ws {
				ws[i] = &bufs[i]
				if after, ok := tc.broken[i]; ok {
					if after < 0 {
						ws[i] = nil
					} else {
						ws[i] = &failWriter{after: after, err: errWrite}
					}
				}
			}
			n, failed, err := e.Encode(ctx, bytes.NewReader(data), ws, tc.quorum)
			for i := range failed {
				_, broken := tc.broken[i]
				if failed[i] != broken {
					t.Errorf("failed[%d] = %v, want %v", i, failed[i], broken)
				}
			}
			if tc.wantErr {
				if !errors.Is(err, ErrWriteQuorum) {
					t.Fatalf("err %v, want ErrWriteQuorum", err)
				}
				return
			}
			if err != nil || n != int64(size) {
				t.Fatalf("Encode: n=%d of %d, %v", n, size, err)
			}
			// The surviving shards must decode.
			shards := make([][]byte, len(bufs))
			faults := map[int]fault{}
			for i := range bufs {
				shards[i] = bufs[i].Bytes()
				if failed[i] {
					faults[i] = fault{openErr: true}
				}
			}
			st := &testStore{t: t, l: tc.l, objectSize: int64(size), shards: shards, faults: faults}
			var out bytes.Buffer
			if _, err := e.Decode(ctx, &out, st.open, int64(size), 0, -1); err != nil || !bytes.Equal(out.Bytes(), data) {
				t.Fatalf("Decode after failed writers: %v", err)
			}
		})
	}
}

// errReader returns data, then err (with the last bytes, like a reader
// that checks a checksum when it reaches its end).
type errReader struct {
	data []byte
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	n := copy(p, r.data)
	r.data = r.data[n:]
	if len(r.data) == 0 {
		return n, r.err
	}
	return n, nil
}

func TestEncodeReaderError(t *testing.T) {
	errBadDigest := errors.New("checksum mismatch")
	l := Layout{K: 2, M: 1, BlockSize: 1000}
	e := mustEncoder(t, l)
	for _, size := range []int{0, 500, 1000, 3500} {
		ws := []io.Writer{io.Discard, io.Discard, io.Discard}
		_, _, err := e.Encode(context.Background(), &errReader{data: testData(size, 2), err: errBadDigest}, ws, 2)
		if !errors.Is(err, errBadDigest) {
			t.Errorf("size %d: err %v, want the reader's error", size, err)
		}
	}
}

func TestEncodeCanceled(t *testing.T) {
	l := Layout{K: 2, M: 1, BlockSize: 1000}
	e := mustEncoder(t, l)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ws := []io.Writer{io.Discard, io.Discard, io.Discard}
	_, _, err := e.Encode(ctx, bytes.NewReader(testData(5000, 1)), ws, 2)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	// Cancelled while writing.
	ctx, cancel = context.WithCancel(context.Background())
	ws[0] = &cancelWriter{after: 1500, cancel: cancel}
	_, _, err = e.Encode(ctx, bytes.NewReader(testData(50_000, 1)), ws, 2)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if _, _, err := e.Encode(context.Background(), bytes.NewReader(nil), ws[:2], 2); err == nil {
		t.Error("Encode accepted 2 writers for 3 shards")
	}
}

func TestVerify(t *testing.T) {
	l := Layout{K: 2, M: 1, BlockSize: 1000}
	e := mustEncoder(t, l)
	const size = 3456
	shard := encodeAll(t, e, testData(size, 9))[2]
	flip := func(i int) []byte {
		b := slices.Clone(shard)
		b[i] ^= 1
		return b
	}
	for _, tc := range []struct {
		name    string
		r       io.Reader
		corrupt bool
		ok      bool
	}{
		{"intact", bytes.NewReader(shard), false, true},
		{"flipped", bytes.NewReader(flip(600)), true, false},
		{"flipped-tail", bytes.NewReader(flip(len(shard) - 1)), true, false},
		{"flipped-sum", bytes.NewReader(flip(0)), true, false},
		{"truncated", bytes.NewReader(shard[:len(shard)-1]), true, false},
		{"truncated-in-sum", bytes.NewReader(shard[:10]), true, false},
		{"empty", bytes.NewReader(nil), true, false},
		{"longer", bytes.NewReader(append(slices.Clone(shard), 0)), true, false},
		{"read-error", &faultReader{data: shard, failAt: 700}, false, false},
	} {
		err := Verify(tc.r, l, size)
		if (err == nil) != tc.ok || errors.Is(err, ErrCorrupt) != tc.corrupt {
			t.Errorf("%s: Verify = %v, want ok=%v corrupt=%v", tc.name, err, tc.ok, tc.corrupt)
		}
	}
	if err := Verify(bytes.NewReader(nil), l, 0); err != nil {
		t.Errorf("empty object: %v", err)
	}
	if err := Verify(bytes.NewReader([]byte{1}), l, 0); !errors.Is(err, ErrCorrupt) {
		t.Errorf("empty object with a byte: %v", err)
	}
}

func TestRebuild(t *testing.T) {
	ctx := context.Background()
	for _, l := range []Layout{{K: 2, M: 1, BlockSize: 1000}, {K: 4, M: 2, BlockSize: 1000}} {
		e := mustEncoder(t, l)
		for _, size := range []int{0, 999, 4321} {
			shards := encodeAll(t, e, testData(size, 4))
			for lost := 1; lost <= l.M; lost++ {
				for _, set := range combinations(l.Shards(), lost) {
					targets := make([]io.Writer, l.Shards())
					bufs := make([]bytes.Buffer, l.Shards())
					faults := map[int]fault{}
					for _, i := range set {
						targets[i] = &bufs[i]
						faults[i] = fault{openErr: true} // must not even be tried
					}
					st := &testStore{t: t, l: l, objectSize: int64(size), shards: shards, faults: faults}
					rep, err := e.Rebuild(ctx, st.open, int64(size), targets)
					if err != nil || !rep.OK() {
						t.Fatalf("%v size %d lost %v: %v %+v", l, size, set, err, rep)
					}
					for _, i := range set {
						if !bytes.Equal(bufs[i].Bytes(), shards[i]) {
							t.Fatalf("%v size %d lost %v: rebuilt shard %d differs", l, size, set, i)
						}
					}
					st.checkClosed()
				}
			}
			// One more loss than parity cannot be rebuilt.
			targets := make([]io.Writer, l.Shards())
			for i := range l.M + 1 {
				targets[i] = io.Discard
			}
			st := &testStore{t: t, l: l, objectSize: int64(size), shards: shards}
			if _, err := e.Rebuild(ctx, st.open, int64(size), targets); size > 0 && !errors.Is(err, ErrReadQuorum) {
				t.Errorf("%v size %d: rebuilding M+1 shards: %v", l, size, err)
			}
		}
	}
}

// TestConcurrentUse runs encodes and decodes on one Encoder at once; run
// it with -race.
func TestConcurrentUse(t *testing.T) {
	l := Layout{K: 4, M: 2, BlockSize: 4096}
	e := mustEncoder(t, l)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			data := testData(3*4096+g*100, uint64(g))
			shards := encodeAll(t, e, data)
			st := &testStore{t: t, l: l, objectSize: int64(len(data)), shards: shards,
				faults: map[int]fault{g % 6: {flip: 100, truncate: -1, readErr: -1}}}
			var out bytes.Buffer
			if _, err := e.Decode(context.Background(), &out, st.open, int64(len(data)), 0, -1); err != nil || !bytes.Equal(out.Bytes(), data) {
				t.Errorf("goroutine %d: %v", g, err)
			}
		})
	}
	wg.Wait()
}

// TestMemoryBounded streams objects many blocks long through Encode and
// Decode and checks that they allocate a few blocks, not the object.
func TestMemoryBounded(t *testing.T) {
	l := Layout{K: 2, M: 1, BlockSize: 64 << 10}
	e := mustEncoder(t, l)
	allocated := func(f func()) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	const size = 4 << 20
	ws := []io.Writer{discard{}, discard{}, discard{}}
	got := allocated(func() {
		r := &patternReader{pattern: testData(100_003, 1), n: size}
		if _, _, err := e.Encode(context.Background(), r, ws, 2); err != nil {
			t.Fatal(err)
		}
	})
	// A few blocks of buffers, plus what reedsolomon allocates per call.
	const limit = size / 4
	if got > limit {
		t.Errorf("Encode of %d bytes allocated %d bytes, want under %d", size, got, limit)
	}
	t.Logf("Encode of %d bytes allocated %d bytes", size, got)

	shards := encodeAll(t, e, testData(size, 2))
	open := func(ctx context.Context, shard int, off, length int64) (io.ReadCloser, error) {
		if shard == 0 {
			return nil, errDown // decode through reconstruction
		}
		return io.NopCloser(bytes.NewReader(shards[shard][off : off+length])), nil
	}
	got = allocated(func() {
		if _, err := e.Decode(context.Background(), discard{}, open, size, 0, -1); err != nil {
			t.Fatal(err)
		}
	})
	if got > limit {
		t.Errorf("Decode of %d bytes allocated %d bytes, want under %d", size, got, limit)
	}
	t.Logf("Decode of %d bytes allocated %d bytes", size, got)
}
