package checksum

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"hash/crc64"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// Known vectors: the CRC catalogue check values ("123456789"), and values
// the AWS documentation and SDKs print.
func TestAlgorithmVectors(t *testing.T) {
	sha1abc, _ := hex.DecodeString("a9993e364706816aba3e25717850c26c9cd0d89d")
	aaaa := strings.Repeat("a", 66560)
	for _, tc := range []struct {
		alg  Algorithm
		in   string
		want []byte
	}{
		{CRC32, "123456789", be32(0xcbf43926)},
		{CRC32C, "123456789", be32(0xe3069283)},
		{CRC64NVME, "123456789", be64(0xae8b14860a799888)},
		{SHA1, "abc", sha1abc},
		{CRC32, "", be32(0)},
		{CRC64NVME, "", be64(0)},
	} {
		h := tc.alg.New()
		h.Write([]byte(tc.in))
		if got := h.Sum(nil); !bytes.Equal(got, tc.want) {
			t.Errorf("%s(%q) = %x, want %x", tc.alg, tc.in, got, tc.want)
		}
		if tc.alg.Size() != len(tc.want) {
			t.Errorf("%s.Size() = %d", tc.alg, tc.alg.Size())
		}
	}
	for _, tc := range []struct {
		alg      Algorithm
		in, want string
	}{
		// aws-sdk-go-v2's aws-chunked example.
		{SHA256, "Hello world", "ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw="},
		// The S3 trailing-checksum example: 66560 bytes of 'a'.
		{CRC32C, aaaa, "sOO8/Q=="},
		{CRC32, "", "AAAAAA=="},
	} {
		h := tc.alg.New()
		h.Write([]byte(tc.in))
		if got := b64(h.Sum(nil)); got != tc.want {
			t.Errorf("%s(%d bytes) = %s, want %s", tc.alg, len(tc.in), got, tc.want)
		}
	}
}

// crc64nvme must agree with hash/crc64 over the same polynomial for every
// length and split, including the short tails its vector code hands off.
func TestCRC64NVMEMatchesStdlib(t *testing.T) {
	tab := crc64.MakeTable(0x9a6c9329ac4bc9b5)
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 300_000)
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	for _, n := range []int{0, 1, 7, 15, 16, 63, 64, 65, 127, 128, 255, 256, 1000, 4096, 65537, 300_000} {
		want := crc64.Checksum(buf[:n], tab)
		h := CRC64NVME.New()
		split := rng.IntN(n + 1)
		h.Write(buf[:split])
		h.Write(buf[split:n])
		if got := binary.BigEndian.Uint64(h.Sum(nil)); got != want {
			t.Fatalf("n=%d split=%d: got %x, want %x", n, split, got, want)
		}
	}
}

func TestParseAlgorithm(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Algorithm
		ok   bool
	}{
		{"CRC32", CRC32, true}, {"crc32", CRC32, true}, {"Crc32C", CRC32C, true},
		{"crc64nvme", CRC64NVME, true}, {"sha1", SHA1, true}, {"SHA256", SHA256, true},
		{"", "", false}, {"md5", "", false}, {"crc", "", false}, {"sha256 ", "", false},
	} {
		got, ok := ParseAlgorithm(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseAlgorithm(%q) = %q, %v", tc.in, got, ok)
		}
	}
	if h := CRC64NVME.HeaderName(); h != "x-amz-checksum-crc64nvme" {
		t.Errorf("HeaderName = %q", h)
	}
	for _, tc := range []struct {
		name string
		want Algorithm
	}{{"x-amz-checksum-crc32", CRC32}, {"X-Amz-Checksum-Crc64nvme", CRC64NVME}, {"x-amz-checksum-", ""}, {"x-amz-checksum-type", ""}, {"crc32", ""}} {
		if got, ok := AlgorithmFromHeaderName(tc.name); got != tc.want || ok != (tc.want != "") {
			t.Errorf("AlgorithmFromHeaderName(%q) = %q, %v", tc.name, got, ok)
		}
	}
	if Algorithm("MD5").New() != nil || Algorithm("MD5").Valid() {
		t.Error("unknown algorithm accepted")
	}
}

func TestFromHeaders(t *testing.T) {
	for _, tc := range []struct {
		name    string
		h       http.Header
		alg     Algorithm
		value   string
		ok      bool
		wantErr bool
	}{
		{"none", http.Header{"X-Amz-Checksum-Algorithm": {"CRC32"}, "X-Amz-Checksum-Type": {"FULL_OBJECT"}}, "", "", false, false},
		{"crc32", http.Header{"X-Amz-Checksum-Crc32": {"AAAAAA=="}}, CRC32, "AAAAAA==", true, false},
		{"crc64 and algorithm", http.Header{"X-Amz-Checksum-Crc64nvme": {"x"}, "X-Amz-Sdk-Checksum-Algorithm": {"CRC64NVME"}}, CRC64NVME, "x", true, false},
		{"same twice", http.Header{"X-Amz-Checksum-Sha1": {"v", "v"}}, SHA1, "v", true, false},
		{"different twice", http.Header{"X-Amz-Checksum-Sha1": {"v", "w"}}, "", "", false, true},
		{"two algorithms", http.Header{"X-Amz-Checksum-Crc32": {"a"}, "X-Amz-Checksum-Crc32c": {"b"}}, "", "", false, true},
	} {
		alg, v, ok, err := FromHeaders(tc.h)
		if alg != tc.alg || v != tc.value || ok != tc.ok || (err != nil) != tc.wantErr {
			t.Errorf("%s: got %q %q %v %v", tc.name, alg, v, ok, err)
		}
		if err != nil && !errors.Is(err, ErrMultipleChecksums) {
			t.Errorf("%s: error %v is not ErrMultipleChecksums", tc.name, err)
		}
	}
}

func TestCompositeOfParts(t *testing.T) {
	p1, p2 := []byte("part one"), []byte("part two")
	d1, d2 := crc32.ChecksumIEEE(p1), crc32.ChecksumIEEE(p2)
	want := b64(be32(crc32.ChecksumIEEE(append(be32(d1), be32(d2)...)))) + "-2"
	if got := CompositeOfParts(CRC32, [][]byte{be32(d1), be32(d2)}); got != want {
		t.Errorf("composite = %s, want %s", got, want)
	}
	s1, s2 := sha256.Sum256(p1), sha256.Sum256(p2)
	sum := sha256.Sum256(append(s1[:], s2[:]...))
	if got, want := CompositeOfParts(SHA256, [][]byte{s1[:], s2[:]}), b64(sum[:])+"-2"; got != want {
		t.Errorf("composite sha256 = %s, want %s", got, want)
	}
}

// body is the test body with its digests.
type body struct {
	data   []byte
	md5b64 string
	shaHex string
}

func newBody(n int) body {
	rng := rand.New(rand.NewPCG(uint64(n), 9))
	d := make([]byte, n)
	for i := range d {
		d[i] = byte(rng.Uint32())
	}
	m := md5.Sum(d)
	s := sha256.Sum256(d)
	return body{d, b64(m[:]), hex.EncodeToString(s[:])}
}

func digest(alg Algorithm, d []byte) string {
	h := alg.New()
	h.Write(d)
	return b64(h.Sum(nil))
}

func TestReader(t *testing.T) {
	b := newBody(70_000) // more than hashStride
	crc := digest(CRC32, b.data)
	wrongCRC := digest(CRC32, []byte("other"))
	wrongMD5 := b64(make([]byte, 16))
	trailer := func(v string, ok bool) func() (string, bool) {
		return func() (string, bool) { return v, ok }
	}
	for _, tc := range []struct {
		name     string
		e        Expect
		data     []byte
		ctorErr  error
		readErr  error
		wantSums map[string]string
	}{
		{name: "nothing", e: Expect{Size: -1}, wantSums: map[string]string{}},
		{name: "all ok", e: Expect{ContentMD5: b.md5b64, SHA256Hex: b.shaHex, Algorithm: CRC32, Value: crc, Size: int64(len(b.data))},
			wantSums: map[string]string{"CRC32": crc}},
		{name: "compute only", e: Expect{Algorithm: CRC64NVME, Size: -1},
			wantSums: map[string]string{"CRC64NVME": digest(CRC64NVME, b.data)}},
		{name: "sha256 both ways", e: Expect{SHA256Hex: b.shaHex, Algorithm: SHA256, Value: digest(SHA256, b.data), Size: -1},
			wantSums: map[string]string{"SHA256": digest(SHA256, b.data)}},
		{name: "sha256 both ways, checksum wrong", e: Expect{SHA256Hex: b.shaHex, Algorithm: SHA256, Value: digest(SHA256, nil), Size: -1},
			readErr: ErrChecksumMismatch},
		{name: "trailer ok", e: Expect{Algorithm: CRC32, Trailer: trailer(crc, true), Size: -1}, wantSums: map[string]string{"CRC32": crc}},
		{name: "trailer wrong", e: Expect{Algorithm: CRC32, Trailer: trailer(wrongCRC, true), Size: -1}, readErr: ErrChecksumMismatch},
		{name: "trailer missing", e: Expect{Algorithm: CRC32, Trailer: trailer("", false), Size: -1}, readErr: ErrInvalidChecksum},
		{name: "trailer malformed", e: Expect{Algorithm: CRC32, Trailer: trailer("AAAA", true), Size: -1}, readErr: ErrInvalidChecksum},
		{name: "md5 wrong", e: Expect{ContentMD5: wrongMD5, Size: -1}, readErr: ErrBadDigest},
		{name: "md5 malformed", e: Expect{ContentMD5: "abc", Size: -1}, ctorErr: ErrInvalidDigest},
		{name: "md5 wrong length", e: Expect{ContentMD5: b64(make([]byte, 15)), Size: -1}, ctorErr: ErrInvalidDigest},
		{name: "sha256 wrong", e: Expect{SHA256Hex: strings.Repeat("0", 64), Size: -1}, readErr: ErrContentSHA256Mismatch},
		{name: "sha256 malformed", e: Expect{SHA256Hex: "UNSIGNED-PAYLOAD", Size: -1}, ctorErr: ErrInvalidContentSHA256},
		{name: "checksum wrong", e: Expect{Algorithm: CRC32, Value: wrongCRC, Size: -1}, readErr: ErrChecksumMismatch},
		{name: "checksum malformed", e: Expect{Algorithm: CRC32, Value: "not base64!", Size: -1}, ctorErr: ErrInvalidChecksum},
		{name: "checksum wrong length", e: Expect{Algorithm: CRC32C, Value: b64(make([]byte, 8)), Size: -1}, ctorErr: ErrInvalidChecksum},
		{name: "unknown algorithm", e: Expect{Algorithm: "MD5", Size: -1}, ctorErr: ErrInvalidChecksum},
		{name: "short", e: Expect{Size: int64(len(b.data)) + 1}, readErr: ErrIncompleteBody},
		{name: "long", e: Expect{Size: int64(len(b.data)) - 1}, readErr: ErrBodyTooLong},
		{name: "empty ok", data: []byte{}, e: Expect{ContentMD5: "1B2M2Y8AsgTpgAmY7PhCfg==", Algorithm: CRC32, Value: "AAAAAA==", Size: 0},
			wantSums: map[string]string{"CRC32": "AAAAAA=="}},
		{name: "empty but declared", data: []byte{}, e: Expect{Size: 10}, readErr: ErrIncompleteBody},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := b.data
			if tc.data != nil {
				data = tc.data
			}
			for _, wrap := range []struct {
				name string
				f    func(io.Reader) io.Reader
			}{
				{"plain", func(r io.Reader) io.Reader { return r }},
				{"onebyte", iotest.OneByteReader},
				{"half", iotest.HalfReader},
				{"dataerr", iotest.DataErrReader},
			} {
				r, err := NewReader(wrap.f(bytes.NewReader(data)), tc.e)
				if tc.ctorErr != nil {
					if !errors.Is(err, tc.ctorErr) {
						t.Fatalf("NewReader error %v, want %v", err, tc.ctorErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(r)
				if tc.readErr != nil {
					if !errors.Is(err, tc.readErr) {
						t.Fatalf("%s: read error %v, want %v", wrap.name, err, tc.readErr)
					}
					// The error is sticky.
					if _, err2 := r.Read(make([]byte, 1)); !errors.Is(err2, tc.readErr) {
						t.Fatalf("%s: second read %v", wrap.name, err2)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", wrap.name, err)
				}
				if !bytes.Equal(got, data) {
					t.Fatalf("%s: data differs", wrap.name)
				}
				m := md5.Sum(data)
				if r.ETag() != hex.EncodeToString(m[:]) {
					t.Errorf("%s: ETag %s", wrap.name, r.ETag())
				}
				if r.N() != int64(len(data)) {
					t.Errorf("%s: N %d", wrap.name, r.N())
				}
				if sums := r.Checksums(); !equalMaps(sums, tc.wantSums) {
					t.Errorf("%s: Checksums %v, want %v", wrap.name, sums, tc.wantSums)
				}
				if n, err := r.Read(make([]byte, 10)); n != 0 || err != io.EOF {
					t.Errorf("%s: read after EOF: %d %v", wrap.name, n, err)
				}
			}
		})
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A body longer than declared never hands out the excess bytes.
func TestReaderStopsAtDeclaredSize(t *testing.T) {
	r, err := NewReader(strings.NewReader("0123456789"), Expect{Size: 4})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	n, err := r.Read(buf)
	if n != 3 || err != nil {
		t.Fatalf("first read %d %v", n, err)
	}
	n, err = r.Read(make([]byte, 10))
	if n != 0 || !errors.Is(err, ErrBodyTooLong) || !errors.Is(err, ErrIncompleteBody) {
		t.Fatalf("second read %d %v", n, err)
	}
}

// Errors of the underlying body pass through unchanged.
func TestReaderPassesErrors(t *testing.T) {
	boom := errors.New("connection reset")
	r, err := NewReader(io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom)), Expect{Algorithm: CRC32, Value: "AAAAAA==", Size: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(r); !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
}

func TestMessages(t *testing.T) {
	if got := MismatchMessage(CRC32); got != "The CRC32 you specified did not match the calculated checksum." {
		t.Error(got)
	}
	if got := InvalidValueMessage(CRC32); got != "Value for x-amz-checksum-crc32 header is invalid." {
		t.Error(got)
	}
}

// Parallel hashing gives the same digests and verdicts as serial hashing.
func TestReaderParallel(t *testing.T) {
	b := newBody(3<<20 + 5)
	crc := digest(CRC32C, b.data)
	for _, e := range []Expect{
		{ContentMD5: b.md5b64, SHA256Hex: b.shaHex, Algorithm: CRC32C, Value: crc, Size: int64(len(b.data)), Parallel: true},
		{ContentMD5: b64(make([]byte, 16)), Algorithm: CRC32C, Size: -1, Parallel: true},
	} {
		r, err := NewReader(bytes.NewReader(b.data), e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeAll(r, 1<<20)
		if e.Value != "" {
			if err != nil || !bytes.Equal(got, b.data) || r.Checksums()["CRC32C"] != crc {
				t.Fatalf("parallel: %v", err)
			}
			m := md5.Sum(b.data)
			if r.ETag() != hex.EncodeToString(m[:]) {
				t.Fatalf("ETag %s", r.ETag())
			}
		} else if !errors.Is(err, ErrBadDigest) {
			t.Fatalf("parallel: got %v, want ErrBadDigest", err)
		}
	}
}

func decodeAll(r io.Reader, readSize int) ([]byte, error) {
	var out []byte
	buf := make([]byte, readSize)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// TestReaderLargeBody covers bodies whose MD5 runs behind the reads (see
// md5lanes): declared and unknown sizes, reads of every size class, a
// wrong Content-MD5 found at the end, and the ETag asked for mid-body.
func TestReaderLargeBody(t *testing.T) {
	for _, n := range []int{asyncMin, asyncMin + 1, 3*chunkSize*maxChunks + 77, 5 << 20} {
		b := newBody(n)
		for _, size := range []int64{int64(n), -1} {
			for _, readSize := range []int{1000, chunkSize, 1 << 20} {
				r, err := NewReader(bytes.NewReader(b.data), Expect{Size: size, ContentMD5: b.md5b64, Algorithm: CRC32C})
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(&limitedReads{r: r, n: readSize})
				if err != nil || !bytes.Equal(got, b.data) {
					t.Fatalf("%d bytes (size %d, reads of %d): %v", n, size, readSize, err)
				}
				if m := md5.Sum(b.data); r.ETag() != hex.EncodeToString(m[:]) {
					t.Fatalf("%d bytes (size %d, reads of %d): ETag %s", n, size, readSize, r.ETag())
				}
				if got, want := r.Checksums()["CRC32C"], digest(CRC32C, b.data); got != want {
					t.Fatalf("%d bytes: CRC32C %s, want %s", n, got, want)
				}
			}
		}
		wrong := b64(make([]byte, 16))
		r, _ := NewReader(bytes.NewReader(b.data), Expect{Size: int64(n), ContentMD5: wrong})
		if _, err := io.ReadAll(r); !errors.Is(err, ErrBadDigest) {
			t.Fatalf("%d bytes with a wrong Content-MD5: %v", n, err)
		}
		// The ETag of what was read so far, then the rest of the body.
		r, _ = NewReader(bytes.NewReader(b.data), Expect{Size: int64(n)})
		half := make([]byte, n/2)
		if _, err := io.ReadFull(r, half); err != nil {
			t.Fatal(err)
		}
		if m := md5.Sum(half); r.ETag() != hex.EncodeToString(m[:]) {
			t.Fatalf("%d bytes: ETag mid-body %s", n, r.ETag())
		}
		if _, err := io.ReadAll(r); err != nil {
			t.Fatal(err)
		}
		if m := md5.Sum(b.data); r.ETag() != hex.EncodeToString(m[:]) {
			t.Fatalf("%d bytes: ETag after a mid-body ETag %s", n, r.ETag())
		}
	}
}

// limitedReads reads at most n bytes per Read.
type limitedReads struct {
	r io.Reader
	n int
}

func (l *limitedReads) Read(p []byte) (int, error) {
	if len(p) > l.n {
		p = p[:l.n]
	}
	return l.r.Read(p)
}
