package storage

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The internode wire encodings. Everything is length-prefixed binary: no
// value is ever base64-inflated or parsed as text.
//
// Batch (the body of POST /internode/v1/apply):
//
//	"Z3B" version(1)  uvarint(len(ops))
//	per op: kind(1) uvarint(len key) key  uvarint(len value) value
//	        hlc(8, big-endian)  uvarint(len name) name
//
// Applied (its response): one byte per op, 1 if applied, 0 if skipped.
//
// Scan response: per pair 0x01 uvarint(len key) key uvarint(len value)
// value, then 0x00; the end marker tells a complete answer from a cut one.

var batchMagic = [4]byte{'Z', '3', 'B', 1}

// minEncodedOpSize is the smallest encoding of one op (all fields empty).
const minEncodedOpSize = 1 + 1 + 1 + 8 + 1

// MaxBatchBytes bounds the encoded size of one batch.
const MaxBatchBytes = 32 << 20

var errBadBatch = errors.New("malformed batch encoding")

// appendBatch appends the encoding of b to dst.
func appendBatch(dst []byte, b Batch) []byte {
	dst = append(dst, batchMagic[:]...)
	dst = binary.AppendUvarint(dst, uint64(len(b.Ops)))
	for _, op := range b.Ops {
		dst = append(dst, byte(op.Kind))
		dst = binary.AppendUvarint(dst, uint64(len(op.Key)))
		dst = append(dst, op.Key...)
		dst = binary.AppendUvarint(dst, uint64(len(op.Value)))
		dst = append(dst, op.Value...)
		dst = binary.BigEndian.AppendUint64(dst, op.HLC)
		dst = binary.AppendUvarint(dst, uint64(len(op.Name)))
		dst = append(dst, op.Name...)
	}
	return dst
}

// encodedBatchSize is the exact length appendBatch adds.
func encodedBatchSize(b Batch) int {
	n := len(batchMagic) + uvarintLen(uint64(len(b.Ops)))
	for _, op := range b.Ops {
		n += 1 + uvarintLen(uint64(len(op.Key))) + len(op.Key) +
			uvarintLen(uint64(len(op.Value))) + len(op.Value) + 8 +
			uvarintLen(uint64(len(op.Name))) + len(op.Name)
	}
	return n
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// decodeBatch parses an encoded batch. Keys and values alias data (capped,
// so appending to one never overwrites its neighbour); empty ones are nil.
// It checks the framing only: Apply validates the ops.
func decodeBatch(data []byte) (Batch, error) {
	d := decoder{buf: data}
	if len(data) < len(batchMagic) || [4]byte(data[:4]) != batchMagic {
		return Batch{}, fmt.Errorf("%w: bad magic or version", errBadBatch)
	}
	d.buf = data[4:]
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.buf)/minEncodedOpSize) {
		return Batch{}, fmt.Errorf("%w: %d ops in %d bytes", errBadBatch, n, len(d.buf))
	}
	b := Batch{Ops: make([]Op, 0, n)}
	for i := uint64(0); i < n && d.err == nil; i++ {
		var op Op
		op.Kind = OpKind(d.byte())
		op.Key = d.bytes()
		op.Value = d.bytes()
		op.HLC = d.uint64()
		op.Name = string(d.bytes())
		b.Ops = append(b.Ops, op)
	}
	if d.err != nil {
		return Batch{}, d.err
	}
	if len(d.buf) != 0 {
		return Batch{}, fmt.Errorf("%w: %d trailing bytes", errBadBatch, len(d.buf))
	}
	return b, nil
}

// decoder reads the framing of decodeBatch; the first error sticks.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", errBadBatch, what)
	}
	d.buf = nil
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail("truncated length")
		return 0
	}
	if n != uvarintLen(v) {
		// One encoding per batch: overlong varints are refused.
		d.fail("overlong length")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.buf) < 1 {
		d.fail("truncated op kind")
		return 0
	}
	c := d.buf[0]
	d.buf = d.buf[1:]
	return c
}

func (d *decoder) uint64() uint64 {
	if d.err != nil || len(d.buf) < 8 {
		d.fail("truncated hlc")
		return 0
	}
	v := binary.BigEndian.Uint64(d.buf)
	d.buf = d.buf[8:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.buf)) {
		d.fail("truncated field")
		return nil
	}
	if n == 0 {
		return nil
	}
	v := d.buf[:n:n]
	d.buf = d.buf[n:]
	return v
}

// appendApplied encodes Apply's result.
func appendApplied(dst []byte, applied []bool) []byte {
	for _, a := range applied {
		if a {
			dst = append(dst, 1)
		} else {
			dst = append(dst, 0)
		}
	}
	return dst
}

func decodeApplied(data []byte, nops int) ([]bool, error) {
	if len(data) != nops {
		return nil, fmt.Errorf("applied list of %d entries for %d ops", len(data), nops)
	}
	out := make([]bool, nops)
	for i, c := range data {
		switch c {
		case 0:
		case 1:
			out[i] = true
		default:
			return nil, fmt.Errorf("applied list: bad entry %d", c)
		}
	}
	return out, nil
}

// writeScan writes the scan response encoding of kvs.
func writeScan(w *bufio.Writer, kvs []KV) error {
	var hdr [binary.MaxVarintLen64 + 1]byte
	for _, kv := range kvs {
		h := append(hdr[:0], 1)
		h = binary.AppendUvarint(h, uint64(len(kv.Key)))
		w.Write(h)
		w.Write(kv.Key)
		h = binary.AppendUvarint(hdr[:0], uint64(len(kv.Value)))
		w.Write(h)
		w.Write(kv.Value)
	}
	w.WriteByte(0)
	return w.Flush()
}

// readScan decodes a scan response. keysOnly leaves values nil; otherwise
// an empty value is an empty, non-nil slice, as Local returns it.
func readScan(r *bufio.Reader, keysOnly bool) ([]KV, error) {
	var out []KV
	for {
		marker, err := r.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("scan response: %w", noEOF(err))
		}
		switch marker {
		case 0:
			return out, nil
		case 1:
		default:
			return nil, fmt.Errorf("scan response: bad marker %d", marker)
		}
		var kv KV
		if kv.Key, err = readField(r); err != nil {
			return nil, err
		}
		v, err := readField(r)
		if err != nil {
			return nil, err
		}
		if !keysOnly {
			if v == nil {
				v = []byte{}
			}
			kv.Value = v
		}
		out = append(out, kv)
	}
}

// maxScanField bounds one key or value of a scan response.
const maxScanField = 64 << 20

func readField(r *bufio.Reader) ([]byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, fmt.Errorf("scan response: %w", noEOF(err))
	}
	if n > maxScanField {
		return nil, fmt.Errorf("scan response: field of %d bytes", n)
	}
	if n == 0 {
		return nil, nil
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("scan response: %w", noEOF(err))
	}
	return b, nil
}

// noEOF turns a clean EOF in the middle of a message into the truncation
// it is.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
