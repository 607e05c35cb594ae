package erasure

import (
	"bytes"
	"context"
	"io"
	"testing"
)

const benchObjectSize = 64 << 20

// patternReader yields n bytes by cycling over a fixed random block, so a
// benchmark streams a large object without holding it.
type patternReader struct {
	pattern []byte
	pos, n  int64
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.pos >= r.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n-r.pos)]
	done := 0
	for done < len(p) {
		i := (r.pos + int64(done)) % int64(len(r.pattern))
		done += copy(p[done:], r.pattern[i:])
	}
	r.pos += int64(done)
	return done, nil
}

// discard is an io.Writer that drops everything; unlike io.Discard it has
// no ReadFrom, so it sees exactly the writes a network writer would.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func BenchmarkEncode(b *testing.B) {
	for _, l := range []Layout{{K: 2, M: 1}, {K: 4, M: 2}} {
		b.Run(l.String(), func(b *testing.B) {
			e := mustEncoder(b, l)
			ws := make([]io.Writer, l.Shards())
			for i := range ws {
				ws[i] = discard{}
			}
			pattern := testData(3<<20+7, 1)
			b.SetBytes(benchObjectSize)
			b.ReportAllocs()
			for b.Loop() {
				r := &patternReader{pattern: pattern, n: benchObjectSize}
				if _, _, err := e.Encode(context.Background(), r, ws, l.K); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, tc := range []struct {
		name string
		l    Layout
		lost int // shard that cannot be opened, -1 for none
	}{
		{"RS(2,1)", Layout{K: 2, M: 1}, -1},
		{"RS(2,1)/reconstruct", Layout{K: 2, M: 1}, 0},
		{"RS(4,2)", Layout{K: 4, M: 2}, -1},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := mustEncoder(b, tc.l)
			shards := encodeAll(b, e, testData(benchObjectSize, 2))
			open := func(ctx context.Context, shard int, off, length int64) (io.ReadCloser, error) {
				if shard == tc.lost {
					return nil, errDown
				}
				return io.NopCloser(bytes.NewReader(shards[shard][off : off+length])), nil
			}
			b.SetBytes(benchObjectSize)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Decode(context.Background(), discard{}, open, benchObjectSize, 0, -1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
