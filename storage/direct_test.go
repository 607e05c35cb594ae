package storage

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"unsafe"
)

func TestAlignedBuffer(t *testing.T) {
	for _, n := range []int{0, 1, directAlign, copyBufferSize} {
		b := alignedBuffer(n)
		if len(b) != n || cap(b) != n {
			t.Fatalf("alignedBuffer(%d): len %d cap %d", n, len(b), cap(b))
		}
		if n > 0 && uintptr(unsafe.Pointer(unsafe.SliceData(b)))%directAlign != 0 {
			t.Fatalf("alignedBuffer(%d) is not aligned", n)
		}
	}
}

// directWorks reports whether files in dir take O_DIRECT.
func directWorks(t *testing.T, dir string) bool {
	f, err := os.Create(filepath.Join(dir, "probe"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := &shardWriter{f: f}
	if err := w.setDirect(true); err != nil {
		t.Logf("%s refuses O_DIRECT (%v): only the page-cache path is tested", dir, err)
		return false
	}
	return true
}

// The writer takes whole aligned writes directly and finishes a file with
// an unaligned tail through the page cache: the file must hold exactly
// what was written, in both modes.
func TestShardWriter(t *testing.T) {
	dir := t.TempDir()
	ok := directWorks(t, dir)
	rng := rand.New(rand.NewPCG(1, 2))
	buf := alignedBuffer(4 * directAlign)
	for _, direct := range []bool{true, false} {
		if direct && !ok {
			continue
		}
		for _, sizes := range [][]int{
			{0},
			{1},
			{directAlign - 1},
			{directAlign},
			{directAlign, directAlign + 1},
			{4 * directAlign, 4 * directAlign, 3*directAlign + 17},
			{2 * directAlign, 5},
		} {
			name := filepath.Join(dir, fmt.Sprintf("f-%v-%v", direct, sizes))
			f, err := os.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			w := &shardWriter{f: f}
			if direct {
				if err := w.setDirect(true); err != nil {
					t.Fatal(err)
				}
			}
			var want []byte
			for _, n := range sizes {
				p := buf[:n]
				for i := range p {
					p[i] = byte(rng.Uint32())
				}
				if m, err := w.write(p); err != nil || m != n {
					t.Fatalf("%s: write %d = %d, %v", name, n, m, err)
				}
				want = append(want, p...)
			}
			last := sizes[len(sizes)-1]
			if direct && w.direct != (last%directAlign == 0) {
				t.Errorf("%s: still direct = %v after a last write of %d bytes", name, w.direct, last)
			}
			if err := f.Sync(); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: file holds %d bytes, differing from the %d written", name, len(got), len(want))
			}
		}
	}
}

// CreateShard stores every length exactly, with O_DIRECT for what is
// longer than its buffer and without.
func TestLocalShardLengthsBothWays(t *testing.T) {
	l := openTestLocal(t)
	ok := directWorks(t, l.tmpDir)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, direct := range []bool{true, false} {
		if direct && !ok {
			continue
		}
		l.mayDirect.Store(direct)
		for _, n := range []int{0, 1, directAlign - 1, directAlign + 1, copyBufferSize, copyBufferSize + 1, 3*copyBufferSize + directAlign} {
			data := make([]byte, n)
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			name := fmt.Sprintf("len-%v-%d", direct, n)
			mustCreate(t, l, name, data)
			mustApply(t, l, Op{Kind: OpCommitShard, Name: name})
			got, err := readShard(l, name, 0, -1)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("%s: read %d bytes, %v", name, len(got), err)
			}
		}
		if direct && !l.mayDirect.Load() {
			t.Fatal("O_DIRECT given up on a filesystem that takes it")
		}
	}
}
