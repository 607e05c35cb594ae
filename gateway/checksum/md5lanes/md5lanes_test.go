package md5lanes

import (
	"bytes"
	"crypto/md5"
	"math/rand/v2"
	"sync"
	"testing"
)

// TestMatchesCryptoMD5 compares every length around the block and server
// boundaries, written whole and in odd pieces.
func TestMatchesCryptoMD5(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 3*serverMin+3*BlockSize)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	lengths := []int{0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, serverMin - 1, serverMin, serverMin + 1, 2*serverMin + 63, len(data)}
	for _, n := range lengths {
		want := md5.Sum(data[:n])
		h := New()
		h.Write(data[:n])
		if got := h.Sum(nil); !bytes.Equal(got, want[:]) {
			t.Fatalf("length %d whole: %x, want %x", n, got, want)
		}
		h.Reset()
		for p := data[:n]; len(p) > 0; {
			k := min(len(p), 1+rng.IntN(2*serverMin))
			h.Write(p[:k])
			p = p[k:]
		}
		if got := h.Sum(nil); !bytes.Equal(got, want[:]) {
			t.Fatalf("length %d in pieces: %x, want %x", n, got, want)
		}
		// Sum does not disturb the running state.
		h.Write([]byte("more"))
		want2 := md5.Sum(append(append([]byte(nil), data[:n]...), "more"...))
		if got := h.Sum(nil); !bytes.Equal(got, want2[:]) {
			t.Fatalf("length %d then more: %x, want %x", n, got, want2)
		}
	}
}

// TestConcurrentStreams runs more streams than lanes, of different lengths
// and write sizes, so that lanes join and leave mid-run.
func TestConcurrentStreams(t *testing.T) {
	const streams = 3*Lanes + 5
	var wg sync.WaitGroup
	errs := make(chan string, streams)
	for s := range streams {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(s), 7))
			data := make([]byte, 1+rng.IntN(1<<20))
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			want := md5.Sum(data)
			h := New()
			for p := data; len(p) > 0; {
				k := min(len(p), 1+rng.IntN(256<<10))
				h.Write(p[:k])
				p = p[k:]
			}
			if got := h.Sum(nil); !bytes.Equal(got, want[:]) {
				errs <- "stream mismatch"
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// TestSubmit interleaves submitted runs with writes, as the body reader
// does: whole-block runs handed over without waiting, then a tail written.
func TestSubmit(t *testing.T) {
	var wg sync.WaitGroup
	for s := range 2*Lanes + 3 {
		wg.Go(func() {
			data := make([]byte, rng2(s).IntN(2<<20))
			for i := range data {
				data[i] = byte(i*31 + s)
			}
			want := md5.Sum(data)
			d := New()
			const chunk = 16 << 10
			p := data
			for len(p) >= chunk {
				if s%2 == 0 {
					d.TryHashed()
				}
				if d.out == MaxSubmitted {
					d.Hashed()
				}
				d.Submit(p[:chunk])
				p = p[chunk:]
			}
			d.Write(p)
			if got := d.Sum(nil); !bytes.Equal(got, want[:]) {
				t.Errorf("stream %d (%d bytes): %x, want %x", s, len(data), got, want)
			}
			for d.Hashed() != nil {
			}
		})
	}
	wg.Wait()
}

// TestSubmitReturnsBuffers checks that every run comes back, oldest first,
// and that a buffer reused after it came back hashes its new content.
func TestSubmitReturnsBuffers(t *testing.T) {
	const chunk = 8 << 10
	d, h := New(), md5.New()
	var free [][]byte
	for range 3 {
		free = append(free, make([]byte, chunk))
	}
	var order []*byte
	for i := range 100 {
		var b []byte
		if len(free) > 0 {
			b, free = free[len(free)-1], free[:len(free)-1]
		} else {
			b = d.Hashed()
			if &b[0] != order[0] {
				t.Fatalf("run %d: Hashed returned a newer run first", i)
			}
			order = order[1:]
		}
		for j := range b {
			b[j] = byte(i + j)
		}
		h.Write(b)
		d.Submit(b)
		order = append(order, &b[0])
	}
	if got, want := d.Sum(nil), h.Sum(nil); !bytes.Equal(got, want) {
		t.Fatalf("%x, want %x", got, want)
	}
	for range order {
		if d.Hashed() == nil {
			t.Fatal("a run did not come back")
		}
	}
	if d.Hashed() != nil {
		t.Fatal("Hashed returned a run that was not out")
	}
}

// TestSubmitPanics checks the contract: whole blocks, no partial block
// before, at most MaxSubmitted out.
func TestSubmitPanics(t *testing.T) {
	if !Accelerated() {
		t.Skip("crypto/md5 fallback takes any Submit")
	}
	for name, f := range map[string]func(){
		"partial run":   func() { New().Submit(make([]byte, 65)) },
		"after partial": func() { d := New(); d.Write([]byte("x")); d.Submit(make([]byte, 64)) },
		"too many out": func() {
			d := New()
			for range MaxSubmitted + 1 {
				d.Submit(make([]byte, 64))
			}
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func rng2(s int) *rand.Rand { return rand.New(rand.NewPCG(uint64(s), 11)) }

// FuzzMatchesCryptoMD5 cuts data into writes and submits at the fuzzer's
// choice of boundaries and compares with crypto/md5.
func FuzzMatchesCryptoMD5(f *testing.F) {
	f.Add([]byte("abc"), uint16(1), uint16(64))
	f.Add(bytes.Repeat([]byte{7}, 10000), uint16(4096), uint16(64))
	f.Fuzz(func(t *testing.T, data []byte, cut, blocks uint16) {
		want := md5.Sum(data)
		d := New()
		p := data
		c := min(int(cut), len(p))
		d.Write(p[:c])
		p = p[c:]
		if c%BlockSize == 0 {
			n := min(int(blocks)*BlockSize, len(p)&^(BlockSize-1))
			d.Submit(p[:n])
			p = p[n:]
			d.Write(p)
			d.Hashed()
		} else {
			d.Write(p)
		}
		if got := d.Sum(nil); !bytes.Equal(got, want[:]) {
			t.Fatalf("%d bytes cut at %d: %x, want %x", len(data), c, got, want)
		}
	})
}
