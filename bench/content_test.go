package bench

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

func TestObjectContent(t *testing.T) {
	// Small limits make the generated form (above maxBuffered) cheap to test.
	const maxBuffered, block = 256 << 10, 64 << 10
	for _, size := range []int64{1, 15, 16, 17, 4 << 10, maxBuffered, maxBuffered + 1, maxBuffered + 3*block + 5} {
		p := newPatternLimits(size, maxBuffered, block)
		a, b := p.object("a"), p.object("b")

		// Read and WriteTo produce the same bytes, of the right length.
		var viaWriteTo bytes.Buffer
		if _, err := a.reader().WriteTo(&viaWriteTo); err != nil {
			t.Fatal(err)
		}
		viaRead, err := io.ReadAll(struct{ io.Reader }{a.reader()})
		if err != nil {
			t.Fatal(err)
		}
		if int64(viaWriteTo.Len()) != size || !bytes.Equal(viaWriteTo.Bytes(), viaRead) {
			t.Fatalf("size %d: WriteTo gave %d bytes, Read %d; equal=%v",
				size, viaWriteTo.Len(), len(viaRead), bytes.Equal(viaWriteTo.Bytes(), viaRead))
		}

		// Each key has its own content.
		var other bytes.Buffer
		b.reader().WriteTo(&other)
		if bytes.Equal(other.Bytes(), viaRead) {
			t.Errorf("size %d: keys a and b have the same content", size)
		}

		// The verifier accepts the content in odd-sized writes...
		v := a.verifier()
		for rest := viaRead; len(rest) > 0; {
			n := min(len(rest), 7777)
			v.Write(rest[:n])
			rest = rest[n:]
		}
		if err := v.check(); err != nil {
			t.Errorf("size %d: verifier rejected the right content: %v", size, err)
		}
		// ...and rejects one flipped byte, a short body and a long one.
		bad := bytes.Clone(viaRead)
		bad[len(bad)/2] ^= 1
		for name, body := range map[string][]byte{
			"flipped": bad,
			"short":   viaRead[:len(viaRead)-1],
			"long":    append(bytes.Clone(viaRead), 0),
			"other":   other.Bytes(),
		} {
			v := a.verifier()
			v.Write(body)
			if err := v.check(); !errors.Is(err, errMismatch) {
				t.Errorf("size %d, %s body: check() = %v, want a mismatch", size, name, err)
			}
		}
	}
}

// TestLargeObjectBlocksDiffer checks that a generated object does not repeat
// its random buffer block after block.
func TestLargeObjectBlocksDiffer(t *testing.T) {
	const maxBuffered, block = 256 << 10, 64 << 10
	p := newPatternLimits(maxBuffered+2*block, maxBuffered, block)
	var buf bytes.Buffer
	p.object("k").reader().WriteTo(&buf)
	data := buf.Bytes()
	b0 := data[tagLen:block]
	b1 := data[block+tagLen : 2*block]
	if bytes.Equal(b0, b1) {
		t.Error("blocks 0 and 1 of a generated object are equal")
	}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 100; i >= 1; i-- {
		lat = append(lat, time.Duration(i))
	}
	if got := percentile(lat, 50); got != 50 {
		t.Errorf("p50 = %d, want 50", got)
	}
	if got := percentile(lat, 99); got != 99 {
		t.Errorf("p99 = %d, want 99", got)
	}
	if got := percentile(lat[:1], 99); got != 1 {
		t.Errorf("p99 of one sample = %d", got)
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("p50 of nothing = %d", got)
	}
}

func BenchmarkVerify(b *testing.B) {
	p := newPattern(1 << 20)
	o := p.object("k")
	var buf bytes.Buffer
	o.reader().WriteTo(&buf)
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		v := o.verifier()
		for rest := data; len(rest) > 0; rest = rest[min(len(rest), 256<<10):] {
			v.Write(rest[:min(len(rest), 256<<10)])
		}
		if v.check() != nil {
			b.Fatal("mismatch")
		}
	}
}
