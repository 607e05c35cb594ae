package bench

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
)

// maxBufferedSize is the largest object size whose whole content is held in
// one random buffer; larger objects are generated from a smaller buffer.
//
// Both are 1 MiB so that the bytes a GET is compared with, and a PUT is
// sent from, stay in the client's CPU cache: the bench shares the cores
// with the server it measures, and comparing a 64 MiB GET against a
// 64 MiB buffer read from memory cost the client about 0.15 ns per byte.
const maxBufferedSize = 1 << 20

// generatorBlock is the random buffer a generated (large) object is built
// from: each such block of the object is this buffer rotated by an amount
// that depends on the key and the block number.
const generatorBlock = 1 << 20

// tagLen is the length of the tag that starts every block of an object: the
// key's hash and the block number. It makes every object's content unique,
// so a GET that returns another key's bytes, or blocks in the wrong order,
// fails verification.
const tagLen = 16

// pattern is the content of all objects of one size: a deterministic random
// buffer (the same on every run, so objects left by an earlier run with
// --cleanup=false can be reused) and the object size.
type pattern struct {
	base []byte
	size int64
}

func newPattern(size int64) *pattern {
	return newPatternLimits(size, maxBufferedSize, generatorBlock)
}

// newPatternLimits is newPattern with the two size limits as parameters.
func newPatternLimits(size, maxBuffered, block int64) *pattern {
	n := size
	if size > maxBuffered {
		n = block
	}
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], uint64(size))
	copy(seed[8:], "zones3-bench")
	base := make([]byte, n)
	rand.NewChaCha8(seed).Read(base)
	return &pattern{base: base, size: size}
}

// object is the expected content of one key.
type object struct {
	p   *pattern
	tag uint64
}

func (p *pattern) object(key string) object {
	h := fnv.New64a()
	io.WriteString(h, key)
	return object{p: p, tag: h.Sum64()}
}

// segment returns the longest run of the object's bytes that starts at off
// and is contiguous in memory, using hdr as scratch for the tag bytes. The
// result is never empty for off < size.
func (o object) segment(off int64, hdr *[tagLen]byte) []byte {
	b := int64(len(o.p.base))
	block := off / b
	within := off % b
	blockLen := min(b, o.p.size-block*b)
	if within < tagLen {
		binary.LittleEndian.PutUint64(hdr[0:8], o.tag)
		binary.LittleEndian.PutUint64(hdr[8:16], uint64(block))
		return hdr[within:min(tagLen, blockLen)]
	}
	var rot int64
	if o.p.size > b {
		rot = int64(mix(o.tag^uint64(block)*0x9e3779b97f4a7c15) % uint64(b))
	}
	start := (within + rot) % b
	n := min(blockLen-within, b-start)
	return o.p.base[start : start+n]
}

// mix is the splitmix64 finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// reader returns the object's content as a stream. It implements
// io.WriterTo, so most copies write straight from the random buffer.
func (o object) reader() *objectReader { return &objectReader{o: o} }

type objectReader struct {
	o   object
	off int64
	hdr [tagLen]byte
}

func (r *objectReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && r.off < r.o.p.size {
		c := copy(p[n:], r.o.segment(r.off, &r.hdr))
		n += c
		r.off += int64(c)
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (r *objectReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for r.off < r.o.p.size {
		seg := r.o.segment(r.off, &r.hdr)
		n, err := w.Write(seg)
		total += int64(n)
		r.off += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// errMismatch is returned by a verifier that saw bytes other than the
// expected content.
var errMismatch = errors.New("content mismatch")

// verifier is an io.Writer that compares what is written to it against the
// object's expected content, without hashing or copying.
type verifier struct {
	o     object
	off   int64
	hdr   [tagLen]byte
	badAt int64 // first mismatching offset, or -1
}

func (o object) verifier() *verifier { return &verifier{o: o, badAt: -1} }

func (v *verifier) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && v.badAt < 0 {
		if v.off >= v.o.p.size {
			v.badAt = v.off
			break
		}
		seg := v.o.segment(v.off, &v.hdr)
		m := min(len(seg), len(p))
		if !bytes.Equal(p[:m], seg[:m]) {
			i := 0
			for p[i] == seg[i] {
				i++
			}
			v.badAt = v.off + int64(i)
			v.off += int64(i)
			p = p[i:]
			break
		}
		p = p[m:]
		v.off += int64(m)
	}
	if v.badAt >= 0 {
		v.off += int64(len(p))
	}
	return n, nil
}

// check reports whether exactly the object's content was written.
func (v *verifier) check() error {
	if v.badAt >= 0 {
		return fmt.Errorf("%w at byte %d", errMismatch, v.badAt)
	}
	if v.off != v.o.p.size {
		return fmt.Errorf("%w: got %d bytes, want %d", errMismatch, v.off, v.o.p.size)
	}
	return nil
}
