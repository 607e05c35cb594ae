package storage

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
)

var codecBatches = []Batch{
	{},
	{Ops: []Op{{Kind: OpPut, Key: []byte("k"), Value: []byte("v")}}},
	{Ops: []Op{
		{Kind: OpPutIfNewer, Key: []byte("b/o"), Value: hlcValue(1<<62, "meta"), HLC: 1 << 62},
		{Kind: OpCommitShard, Key: []byte("b/o"), Name: "o.1.0"},
		{Kind: OpRemoveShard, Name: "o.0.0"},
		{Kind: OpDeleteIfNotNewer, Key: bytes.Repeat([]byte{0}, 300), HLC: ^uint64(0)},
		{Kind: OpAbortShard, Name: "x"},
		{Kind: OpDelete, Key: []byte{0xfe}},
		{Kind: 200, Value: make([]byte, 70000)}, // the decoder checks framing only
	}},
}

func TestBatchRoundTrip(t *testing.T) {
	for i, b := range codecBatches {
		enc := appendBatch(nil, b)
		if len(enc) != encodedBatchSize(b) {
			t.Errorf("batch %d: encoded %d bytes, size says %d", i, len(enc), encodedBatchSize(b))
		}
		got, err := decodeBatch(enc)
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		if !batchesEqual(got, b) {
			t.Errorf("batch %d: round trip gave %+v", i, got)
		}
	}
}

func TestDecodeBatchRejects(t *testing.T) {
	valid := appendBatch(nil, codecBatches[2])
	for name, data := range map[string][]byte{
		"empty":        nil,
		"bad magic":    append([]byte("Z3B\x02"), valid[4:]...),
		"truncated":    valid[:len(valid)-1],
		"trailing":     append(append([]byte{}, valid...), 0),
		"huge count":   append([]byte("Z3B\x01"), 0xff, 0xff, 0xff, 0xff, 0x0f),
		"huge field":   append(append([]byte("Z3B\x01"), 1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f), make([]byte, 20)...),
		"bad varint":   append([]byte("Z3B\x01"), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
		"short op":     append([]byte("Z3B\x01"), 1, 1, 0, 0),
		"count no ops": append([]byte("Z3B\x01"), 2),
	} {
		if _, err := decodeBatch(data); !errors.Is(err, errBadBatch) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestDecodedFieldsDoNotOverlap(t *testing.T) {
	b, err := decodeBatch(appendBatch(nil, Batch{Ops: []Op{{Kind: OpPut, Key: []byte("k"), Value: []byte("v")}}}))
	if err != nil {
		t.Fatal(err)
	}
	_ = append(b.Ops[0].Key, "XXXX"...)
	if string(b.Ops[0].Value) != "v" {
		t.Fatalf("appending to a key overwrote the value: %q", b.Ops[0].Value)
	}
}

func batchesEqual(a, b Batch) bool {
	if len(a.Ops) != len(b.Ops) {
		return false
	}
	for i := range a.Ops {
		x, y := a.Ops[i], b.Ops[i]
		if x.Kind != y.Kind || !bytes.Equal(x.Key, y.Key) || !bytes.Equal(x.Value, y.Value) || x.HLC != y.HLC || x.Name != y.Name {
			return false
		}
	}
	return true
}

func FuzzDecodeBatch(f *testing.F) {
	for _, b := range codecBatches {
		f.Add(appendBatch(nil, b))
	}
	f.Add([]byte("Z3B\x01\x01"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := decodeBatch(data)
		if err != nil {
			if !errors.Is(err, errBadBatch) {
				t.Fatalf("error %v is not errBadBatch", err)
			}
			return
		}
		// Whatever decodes re-encodes to the same bytes.
		if enc := appendBatch(nil, b); !bytes.Equal(enc, data) {
			t.Fatalf("re-encoding differs:\n%x\n%x", enc, data)
		}
	})
}

func TestAppliedRoundTrip(t *testing.T) {
	for _, a := range [][]bool{{}, {true}, {false, true, true, false}} {
		got, err := decodeApplied(appendApplied(nil, a), len(a))
		if err != nil || !reflect.DeepEqual(got, a) {
			t.Errorf("%v: got %v, %v", a, got, err)
		}
	}
	if _, err := decodeApplied([]byte{1, 2}, 2); err == nil {
		t.Error("bad entry accepted")
	}
	if _, err := decodeApplied([]byte{1}, 2); err == nil {
		t.Error("short list accepted")
	}
}

func TestScanEncodingRoundTrip(t *testing.T) {
	kvs := []KV{
		{Key: []byte("a"), Value: []byte("1")},
		{Key: []byte("b"), Value: []byte{}},
		{Key: []byte("c\x00"), Value: bytes.Repeat([]byte("v"), 100000)},
	}
	var buf bytes.Buffer
	if err := writeScan(bufio.NewWriter(&buf), kvs); err != nil {
		t.Fatal(err)
	}
	enc := buf.Bytes()
	got, err := readScan(bufio.NewReader(bytes.NewReader(enc)), false)
	if err != nil || !reflect.DeepEqual(got, kvs) {
		t.Fatalf("round trip: %v, %v", got, err)
	}
	// A cut answer is an error, never a shorter list.
	for _, n := range []int{0, 1, 5, len(enc) - 1} {
		if _, err := readScan(bufio.NewReader(bytes.NewReader(enc[:n])), false); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("cut at %d: err = %v", n, err)
		}
	}
	got, err = readScan(bufio.NewReader(bytes.NewReader([]byte{0})), false)
	if err != nil || len(got) != 0 {
		t.Errorf("empty: %v, %v", got, err)
	}
}
