package awschunked

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// hmacSHA256 and signingKey derive SigV4 keys independently of the Reader.
func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// The example of the S3 documentation ("Signature Calculations for the
// Authorization Header: Transferring Payload in Multiple Chunks"): 65 KiB
// of 'a' in chunks of 64 KiB and 1 KiB.
var awsExample = Signing{
	Key:           signingKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3"),
	AmzDate:       "20130524T000000Z",
	Scope:         "20130524/us-east-1/s3/aws4_request",
	SeedSignature: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
}

// encoder builds aws-chunked bodies the way clients do, signing with its
// own string-to-sign code.
type encoder struct {
	sig         *Signing
	trailers    [][2]string // name, value in sending order
	lf          bool        // bare LF line ends
	noFinalCRLF bool        // omit the empty line that ends the encoding
	prev        string
	sigs        []string // chunk signatures, then the trailer signature
}

func (e *encoder) eol() string {
	if e.lf {
		return "\n"
	}
	return "\r\n"
}

func (e *encoder) chunkSig(data []byte) string {
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + e.sig.AmzDate + "\n" + e.sig.Scope + "\n" + e.prev + "\n" +
		sha256Hex(nil) + "\n" + sha256Hex(data)
	s := hex.EncodeToString(hmacSHA256(e.sig.Key, sts))
	e.prev = s
	e.sigs = append(e.sigs, s)
	return s
}

func (e *encoder) header(size int, data []byte) string {
	h := strconv.FormatInt(int64(size), 16)
	if e.sig != nil {
		h += ";chunk-signature=" + e.chunkSig(data)
	}
	return h + e.eol()
}

// encode returns the body for the given chunks (without the final empty
// chunk, which it appends).
func (e *encoder) encode(chunks ...[]byte) []byte {
	if e.sig != nil {
		e.prev = e.sig.SeedSignature
		e.sigs = nil
	}
	var b bytes.Buffer
	for _, c := range chunks {
		b.WriteString(e.header(len(c), c))
		b.Write(c)
		b.WriteString(e.eol())
	}
	b.WriteString(e.header(0, nil))
	var canonical string
	for _, kv := range e.trailers {
		b.WriteString(kv[0] + ":" + kv[1] + e.eol())
		canonical += kv[0] + ":" + strings.TrimSpace(kv[1]) + "\n" // canonical values are trimmed
	}
	if e.sig != nil && len(e.trailers) > 0 {
		sts := "AWS4-HMAC-SHA256-TRAILER\n" + e.sig.AmzDate + "\n" + e.sig.Scope + "\n" + e.prev + "\n" +
			sha256Hex([]byte(canonical))
		s := hex.EncodeToString(hmacSHA256(e.sig.Key, sts))
		e.sigs = append(e.sigs, s)
		b.WriteString("x-amz-trailer-signature:" + s + e.eol())
	}
	if !e.noFinalCRLF {
		b.WriteString(e.eol())
	}
	return b.Bytes()
}

func names(trailers [][2]string) []string {
	var n []string
	for _, kv := range trailers {
		n = append(n, kv[0])
	}
	return n
}

// decode reads all of r with reads of the given size.
func decode(r io.Reader, readSize int) ([]byte, error) {
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

func TestAWSDocumentedExample(t *testing.T) {
	a := bytes.Repeat([]byte{'a'}, 65*1024)
	e := &encoder{sig: &awsExample}
	body := e.encode(a[:64*1024], a[64*1024:])
	want := []string{
		"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
		"0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
		"b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
	}
	if fmt.Sprint(e.sigs) != fmt.Sprint(want) {
		t.Fatalf("chunk signatures\n got %v\nwant %v", e.sigs, want)
	}
	// The documented Content-Length of the encoded body.
	if len(body) != 66824 {
		t.Errorf("encoded length %d, documented 66824", len(body))
	}
	got, err := io.ReadAll(NewReader(bytes.NewReader(body), &awsExample, nil))
	if err != nil || !bytes.Equal(got, a) {
		t.Fatalf("decode: %v (%d bytes)", err, len(got))
	}
}

// The example of the S3 documentation for trailing headers: the same body
// with a CRC32C trailer, signed as STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER.
func TestAWSDocumentedTrailerExample(t *testing.T) {
	sig := awsExample
	sig.SeedSignature = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
	a := bytes.Repeat([]byte{'a'}, 65*1024)
	e := &encoder{sig: &sig, trailers: [][2]string{{"x-amz-checksum-crc32c", "sOO8/Q=="}}}
	body := e.encode(a[:64*1024], a[64*1024:])
	want := []string{
		"b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
		"1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
		"2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
		"d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435", // trailer
	}
	if fmt.Sprint(e.sigs) != fmt.Sprint(want) {
		t.Fatalf("signatures\n got %v\nwant %v", e.sigs, want)
	}
	r := NewReader(bytes.NewReader(body), &sig, []string{"x-amz-checksum-crc32c"})
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, a) {
		t.Fatalf("decode: %v (%d bytes)", err, len(got))
	}
	if v, ok := r.Trailer("X-Amz-Checksum-CRC32C"); !ok || v != "sOO8/Q==" {
		t.Fatalf("trailer %q %v", v, ok)
	}
}

func randomBytes(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func testSigning() *Signing {
	return &Signing{
		Key:           signingKey("secret", "20250101", "us-east-1", "s3"),
		AmzDate:       "20250101T000000Z",
		Scope:         "20250101/us-east-1/s3/aws4_request",
		SeedSignature: strings.Repeat("ab", 32),
	}
}

// Well-formed bodies of every kind decode to their data, whatever the read
// sizes and however the input is split.
func TestReaderDecodes(t *testing.T) {
	crc := [][2]string{{"x-amz-checksum-crc32", "AAAAAA=="}}
	two := [][2]string{{"x-amz-checksum-crc32", "AAAAAA=="}, {"x-amz-meta-extra", " spaced value"}}
	data := randomBytes(3<<20+17, 1)
	for _, tc := range []struct {
		name   string
		e      encoder
		chunks [][]byte
	}{
		{"unsigned", encoder{}, [][]byte{[]byte("hello")}},
		{"unsigned trailer", encoder{trailers: crc}, [][]byte{[]byte("hello"), []byte(" world")}},
		{"unsigned two trailers", encoder{trailers: two}, [][]byte{[]byte("hello")}},
		{"unsigned no final CRLF", encoder{trailers: crc, noFinalCRLF: true}, [][]byte{[]byte("hello")}},
		{"unsigned LF", encoder{trailers: crc, lf: true}, [][]byte{[]byte("hel"), []byte("lo")}},
		{"empty", encoder{}, nil},
		{"empty trailer", encoder{trailers: crc}, nil},
		{"empty no final CRLF", encoder{noFinalCRLF: true}, nil},
		{"signed", encoder{sig: testSigning()}, [][]byte{[]byte("hello"), []byte("world")}},
		{"signed empty", encoder{sig: testSigning()}, nil},
		{"signed trailer", encoder{sig: testSigning(), trailers: crc}, [][]byte{[]byte("hello")}},
		{"signed two trailers", encoder{sig: testSigning(), trailers: two}, [][]byte{[]byte("hello")}},
		{"signed trailer empty", encoder{sig: testSigning(), trailers: crc}, nil},
		{"signed LF no final CRLF", encoder{sig: testSigning(), trailers: crc, lf: true, noFinalCRLF: true}, [][]byte{[]byte("x")}},
		{"unsigned multi-MiB", encoder{trailers: crc}, [][]byte{data[:1<<20], data[1<<20 : 3<<20], data[3<<20:]}},
		{"unsigned one 3 MiB chunk", encoder{trailers: crc}, [][]byte{data}},
		{"signed multi-MiB", encoder{sig: testSigning(), trailers: crc}, [][]byte{data[:1<<20], data[1<<20 : 3<<20], data[3<<20:]}},
		{"odd chunk sizes", encoder{sig: testSigning()}, [][]byte{data[:1], data[1:8192], data[8192:8193], data[8193 : 8193+65537]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.e.encode(tc.chunks...)
			want := bytes.Join(tc.chunks, nil)
			big := len(body) > 1<<20
			for _, in := range []struct {
				name string
				f    func(io.Reader) io.Reader
			}{
				{"plain", func(r io.Reader) io.Reader { return r }},
				{"onebyte", iotest.OneByteReader},
				{"half", iotest.HalfReader},
				{"dataerr", iotest.DataErrReader},
			} {
				for _, readSize := range []int{1, 7, 4096, 1 << 20} {
					if big && (readSize < 4096 || in.name == "onebyte") {
						continue // covered by the small bodies; keeps the test quick
					}
					r := NewReader(in.f(bytes.NewReader(body)), tc.e.sig, names(tc.e.trailers))
					got, err := decode(r, readSize)
					if err != nil {
						t.Fatalf("%s/%d: %v", in.name, readSize, err)
					}
					if !bytes.Equal(got, want) {
						t.Fatalf("%s/%d: decoded %d bytes, want %d", in.name, readSize, len(got), len(want))
					}
					if r.N() != int64(len(want)) {
						t.Fatalf("N = %d", r.N())
					}
					for _, kv := range tc.e.trailers {
						if v, ok := r.Trailer(kv[0]); !ok || v != strings.Trim(kv[1], " ") {
							t.Fatalf("trailer %s = %q %v", kv[0], v, ok)
						}
					}
					if _, ok := r.Trailer("x-amz-trailer-signature"); ok {
						t.Fatal("trailer signature exposed as a trailer")
					}
					if n, err := r.Read(make([]byte, 8)); n != 0 || err != io.EOF {
						t.Fatalf("read after EOF: %d %v", n, err)
					}
				}
			}
		})
	}
}

// Hand-written bodies as different clients format them.
func TestReaderClientFormats(t *testing.T) {
	for _, tc := range []struct {
		name     string
		body     string
		trailers []string
		want     string
	}{
		{"aws-sdk-go-v2 single chunk", "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n", []string{"x-amz-checksum-crc32"}, "hello world"},
		{"botocore", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", []string{"x-amz-checksum-crc32"}, "hello"},
		{"botocore empty", "0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", []string{"x-amz-checksum-crc32"}, ""},
		{"uppercase hex, leading zeros", "00A\r\n0123456789\r\n0\r\n\r\n", nil, "0123456789"},
		{"unknown extension", "3;foo=bar\r\nabc\r\n0;x\r\n\r\n", nil, "abc"},
		{"space before extension", "3 ;foo\r\nabc\r\n0\r\n\r\n", nil, "abc"},
		{"trailer spacing", "3\r\nabc\r\n0\r\nX-Amz-Checksum-CRC32 : Aa==  \r\n\r\n", []string{"x-amz-checksum-crc32"}, "abc"},
		{"stray CRLF after end", "3\r\nabc\r\n0\r\n\r\n\r\n", nil, "abc"},
		{"no final CRLF", "3\r\nabc\r\n0\r\n", nil, "abc"},
		{"trailer without final CRLF", "3\r\nabc\r\n0\r\nx-amz-checksum-crc32:Aa==\r\n", []string{"x-amz-checksum-crc32"}, "abc"},
	} {
		r := NewReader(strings.NewReader(tc.body), nil, tc.trailers)
		got, err := io.ReadAll(r)
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: %q %v", tc.name, got, err)
		}
	}
}

// Every kind of bad body fails with the right error, and a signed body
// never hands out bytes of a chunk whose signature does not match.
func TestReaderRejects(t *testing.T) {
	sig := testSigning()
	crc := [][2]string{{"x-amz-checksum-crc32", "AAAAAA=="}}
	signed := func(trailers [][2]string, chunks ...string) string {
		e := &encoder{sig: sig, trailers: trailers}
		var cs [][]byte
		for _, c := range chunks {
			cs = append(cs, []byte(c))
		}
		return string(e.encode(cs...))
	}
	good := signed(nil, "hello", "world")
	goodTrailer := signed(crc, "hello", "world")
	sigOf := func(body string, i int) string {
		return strings.Split(strings.Split(body, "chunk-signature=")[i+1], "\r\n")[0]
	}
	for _, tc := range []struct {
		name     string
		body     string
		signed   bool
		trailers []string
		want     error
		maxOut   string // the most of the data that may come out before the error
	}{
		{name: "garbage", body: "hello world", want: ErrMalformed},
		{name: "empty input", body: "", want: ErrTruncated},
		{name: "not hex", body: "zz\r\nabc\r\n0\r\n\r\n", want: ErrMalformed},
		{name: "negative", body: "-3\r\nabc\r\n0\r\n\r\n", want: ErrMalformed},
		{name: "plus", body: "+3\r\nabc\r\n0\r\n\r\n", want: ErrMalformed},
		{name: "empty size", body: "\r\nabc\r\n0\r\n\r\n", want: ErrMalformed},
		{name: "size overflows", body: "ffffffffffffffff\r\nabc\r\n", want: ErrMalformed},
		{name: "size too many digits", body: "00000000000000003\r\nabc\r\n", want: ErrMalformed},
		{name: "header too long", body: "3;" + strings.Repeat("x", 5000) + "\r\nabc\r\n0\r\n\r\n", want: ErrMalformed},
		{name: "header longer than buffer", body: "3;" + strings.Repeat("x", 70000) + "\r\nabc\r\n0\r\n\r\n", want: ErrMalformed},
		{name: "size smaller than data", body: "3\r\nabcd\r\n0\r\n\r\n", want: ErrMalformed, maxOut: "abc"},
		{name: "size larger than data", body: "5\r\nabc\r\n0\r\n\r\n", want: ErrMalformed, maxOut: "abc\r\n0"},
		{name: "size larger than body", body: "50\r\nabc\r\n0\r\n\r\n", want: ErrTruncated, maxOut: "abc\r\n0\r\n\r\n"},
		{name: "missing CRLF after data", body: "3\r\nabc0\r\n\r\n", want: ErrMalformed, maxOut: "abc"},
		{name: "CR without LF after data", body: "3\r\nabc\r0\r\n\r\n", want: ErrMalformed, maxOut: "abc"},
		{name: "no final chunk", body: "3\r\nabc\r\n", want: ErrTruncated, maxOut: "abc"},
		{name: "truncated in data", body: "3\r\nab", want: ErrTruncated, maxOut: "ab"},
		{name: "truncated in header", body: "3\r\nabc\r\n0", want: ErrTruncated, maxOut: "abc"},
		{name: "truncated in trailer", body: "0\r\nx-amz-checksum-crc32:AA", trailers: []string{"x-amz-checksum-crc32"}, want: ErrTruncated},
		{name: "data after end", body: "3\r\nabc\r\n0\r\n\r\nmore", want: ErrMalformed, maxOut: "abc"},
		{name: "second body after end", body: "3\r\nabc\r\n0\r\n\r\n3\r\nabc\r\n0\r\n\r\n", want: ErrMalformed, maxOut: "abc"},
		{name: "many CRLF after end", body: "0\r\n\r\n\r\n\r\n\r\n", want: ErrMalformed},
		{name: "undeclared trailer", body: "0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", want: ErrMalformedTrailer},
		{name: "missing trailer", body: "0\r\n\r\n", trailers: []string{"x-amz-checksum-crc32"}, want: ErrMalformedTrailer},
		{name: "trailer twice", body: "0\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", trailers: []string{"x-amz-checksum-crc32"}, want: ErrMalformedTrailer},
		{name: "trailer without colon", body: "0\r\nx-amz-checksum-crc32\r\n\r\n", trailers: []string{"x-amz-checksum-crc32"}, want: ErrMalformedTrailer},
		{name: "trailer without name", body: "0\r\n:AAAAAA==\r\n\r\n", trailers: []string{"x-amz-checksum-crc32"}, want: ErrMalformedTrailer},
		{name: "too many trailers", body: "0\r\n" + manyTrailers(17) + "\r\n", trailers: strings.Split(manyTrailers(17), ":v\r\n"), want: ErrMalformedTrailer},

		{name: "signed: good", body: good, signed: true, maxOut: "helloworld"},
		{name: "signed: wrong first signature", body: strings.Replace(good, sigOf(good, 0), strings.Repeat("0", 64), 1), signed: true, want: ErrSignatureDoesNotMatch},
		{name: "signed: wrong second signature", body: strings.Replace(good, sigOf(good, 1), strings.Repeat("0", 64), 1), signed: true, want: ErrSignatureDoesNotMatch, maxOut: "hello"},
		{name: "signed: wrong final signature", body: strings.Replace(good, sigOf(good, 2), strings.Repeat("0", 64), 1), signed: true, want: ErrSignatureDoesNotMatch, maxOut: "helloworld"},
		{name: "signed: uppercase signature", body: strings.Replace(good, sigOf(good, 0), strings.ToUpper(sigOf(good, 0)), 1), signed: true, want: ErrSignatureDoesNotMatch},
		{name: "signed: short signature", body: strings.Replace(good, sigOf(good, 1), sigOf(good, 1)[:63], 1), signed: true, want: ErrSignatureDoesNotMatch, maxOut: "hello"},
		{name: "signed: tampered data", body: strings.Replace(good, "world", "World", 1), signed: true, want: ErrSignatureDoesNotMatch, maxOut: "hello"},
		{name: "signed: chunks swapped", body: swapChunks(good), signed: true, want: ErrSignatureDoesNotMatch},
		{name: "signed: unsigned chunk", body: "5\r\nhello\r\n0\r\n\r\n", signed: true, want: ErrSignatureDoesNotMatch},
		{name: "signed: truncated after a chunk", body: good[:strings.Index(good, "world")], signed: true, want: ErrTruncated, maxOut: "hello"},
		{name: "signed: chunk too large", body: "1000001;chunk-signature=" + strings.Repeat("0", 64) + "\r\n", signed: true, want: ErrChunkTooLarge},
		{name: "signed: trailer good", body: goodTrailer, signed: true, trailers: []string{"x-amz-checksum-crc32"}, maxOut: "helloworld"},
		{name: "signed: trailer value changed", body: strings.Replace(goodTrailer, "AAAAAA==", "AAAAAB==", 1), signed: true, trailers: []string{"x-amz-checksum-crc32"}, want: ErrSignatureDoesNotMatch, maxOut: "helloworld"},
		{name: "signed: trailer signature wrong", body: goodTrailer[:strings.Index(goodTrailer, "x-amz-trailer-signature:")] + "x-amz-trailer-signature:" + strings.Repeat("1", 64) + "\r\n\r\n", signed: true, trailers: []string{"x-amz-checksum-crc32"}, want: ErrSignatureDoesNotMatch, maxOut: "helloworld"},
		{name: "signed: trailer signature missing", body: goodTrailer[:strings.Index(goodTrailer, "x-amz-trailer-signature:")] + "\r\n", signed: true, trailers: []string{"x-amz-checksum-crc32"}, want: ErrSignatureDoesNotMatch, maxOut: "helloworld"},
		{name: "signed: trailer undeclared", body: goodTrailer, signed: true, want: ErrMalformedTrailer, maxOut: "helloworld"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s *Signing
			if tc.signed {
				s = sig
			}
			for _, readSize := range []int{1, 3, 1 << 16} {
				r := NewReader(strings.NewReader(tc.body), s, tc.trailers)
				got, err := decode(r, readSize)
				if tc.want == nil {
					if err != nil || string(got) != tc.maxOut {
						t.Fatalf("read %d: %q %v", readSize, got, err)
					}
					continue
				}
				if !errors.Is(err, tc.want) {
					t.Fatalf("read %d: error %v, want %v", readSize, err, tc.want)
				}
				if !strings.HasPrefix(tc.maxOut, string(got)) {
					t.Fatalf("read %d: returned %q before the error, at most %q allowed", readSize, got, tc.maxOut)
				}
				if _, err2 := r.Read(make([]byte, 1)); err2 != err {
					t.Fatalf("error not sticky: %v then %v", err, err2)
				}
			}
		})
	}
	if !errors.Is(ErrTruncated, io.ErrUnexpectedEOF) || !errors.Is(ErrTruncated, ErrMalformed) {
		t.Error("ErrTruncated does not wrap io.ErrUnexpectedEOF and ErrMalformed")
	}
}

func manyTrailers(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "x-amz-meta-%d:v\r\n", i)
	}
	return b.String()
}

// swapChunks exchanges the two 5-byte data chunks of a signed body while
// keeping their headers in place: each signature then covers the wrong data.
func swapChunks(body string) string {
	return strings.Replace(strings.Replace(strings.Replace(body, "hello", "\x00", 1), "world", "hello", 1), "\x00", "world", 1)
}

// A truncated body never decodes successfully to anything but its data.
func TestReaderTruncatedEverywhere(t *testing.T) {
	crc := [][2]string{{"x-amz-checksum-crc32", "AAAAAA=="}}
	for _, e := range []*encoder{{trailers: crc}, {sig: testSigning(), trailers: crc}, {sig: testSigning()}} {
		data := randomBytes(300, 3)
		body := e.encode(data[:100], data[100:101], data[101:])
		for k := 0; k < len(body); k++ {
			r := NewReader(bytes.NewReader(body[:k]), e.sig, names(e.trailers))
			got, err := io.ReadAll(r)
			if err == nil {
				if !bytes.Equal(got, data) {
					t.Fatalf("signed=%v: prefix %d decoded to %d wrong bytes", e.sig != nil, k, len(got))
				}
				if k < len(body)-2 {
					t.Fatalf("signed=%v: prefix %d of %d accepted", e.sig != nil, k, len(body))
				}
				continue
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrSignatureDoesNotMatch) {
				t.Fatalf("prefix %d: unexpected error %v", k, err)
			}
		}
	}
}

// Errors of the underlying body pass through.
func TestReaderPassesErrors(t *testing.T) {
	boom := errors.New("connection reset")
	r := NewReader(io.MultiReader(strings.NewReader("10\r\nabc"), iotest.ErrReader(boom)), nil, nil)
	if _, err := io.ReadAll(r); !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	r = NewReader(io.MultiReader(strings.NewReader("10;chunk-signature="+strings.Repeat("0", 64)+"\r\nabc"), iotest.ErrReader(boom)), testSigning(), nil)
	if _, err := io.ReadAll(r); !errors.Is(err, boom) {
		t.Fatalf("signed: got %v", err)
	}
}

func TestBadSeedSignature(t *testing.T) {
	s := testSigning()
	s.SeedSignature = "short"
	_, err := io.ReadAll(NewReader(strings.NewReader("0\r\n\r\n"), s, nil))
	if !errors.Is(err, ErrSignatureDoesNotMatch) {
		t.Fatalf("got %v", err)
	}
}

func TestHeaderHelpers(t *testing.T) {
	h := http.Header{}
	h.Add("X-Amz-Trailer", "x-amz-checksum-crc32, X-Amz-Checksum-SHA256")
	h.Add("x-amz-trailer", "x-amz-meta-a")
	if got := fmt.Sprint(TrailerNames(h)); got != "[x-amz-checksum-crc32 x-amz-checksum-sha256 x-amz-meta-a]" {
		t.Errorf("TrailerNames = %s", got)
	}
	for _, tc := range []struct{ in, rest string }{
		{"aws-chunked", ""}, {"gzip,aws-chunked", "gzip"}, {"aws-chunked, gzip", "gzip"}, {"gzip", "gzip"}, {"AWS-Chunked", ""},
	} {
		rest, found := StripContentEncoding(tc.in)
		if rest != tc.rest || found != strings.Contains(strings.ToLower(tc.in), "aws-chunked") {
			t.Errorf("StripContentEncoding(%q) = %q, %v", tc.in, rest, found)
		}
	}
	for _, tc := range []struct {
		v                 string
		streaming, signed bool
	}{
		{StreamingSigned, true, true}, {StreamingSignedTrailer, true, true}, {StreamingUnsignedTrailer, true, false},
		{"UNSIGNED-PAYLOAD", false, false}, {sha256Hex(nil), false, false},
	} {
		if s, g := IsStreaming(tc.v); s != tc.streaming || g != tc.signed {
			t.Errorf("IsStreaming(%q) = %v %v", tc.v, s, g)
		}
	}
}
