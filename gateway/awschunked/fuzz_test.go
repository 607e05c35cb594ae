package awschunked

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// refDecode is a second, whole-buffer decoder of unsigned aws-chunked
// bodies with the same leniency as Reader: LF or CRLF line ends, blanks
// before chunk extensions, an optional final empty line, at most
// maxTrailingCRLF stray line-end bytes after the end.
func refDecode(body []byte, declared []string) (data []byte, trailers map[string]string, ok bool) {
	pos := 0
	// line returns the next line without its line end; atEOF when the body
	// ends where the line would start.
	line := func() (l []byte, atEOF, ok bool) {
		if pos == len(body) {
			return nil, true, true
		}
		i := bytes.IndexByte(body[pos:], '\n')
		if i < 0 || i+1 > maxLine {
			return nil, false, false
		}
		l = body[pos : pos+i]
		pos += i + 1
		return bytes.TrimSuffix(l, []byte("\r")), false, true
	}
	data = []byte{}
	for {
		l, atEOF, ok := line()
		if !ok || atEOF {
			return nil, nil, false
		}
		sizeText, _, _ := bytes.Cut(l, []byte(";"))
		sizeText = bytes.TrimRight(sizeText, " \t")
		if len(sizeText) == 0 || len(sizeText) > 16 || strings.Trim(string(sizeText), "0123456789abcdefABCDEF") != "" {
			return nil, nil, false
		}
		var size uint64
		for _, c := range sizeText {
			size = size<<4 | uint64(strings.IndexByte("0123456789abcdef", c|0x20))
		}
		if size>>63 != 0 {
			return nil, nil, false
		}
		if size == 0 {
			break
		}
		if uint64(len(body)-pos) < size {
			return nil, nil, false
		}
		data = append(data, body[pos:pos+int(size)]...)
		pos += int(size)
		switch {
		case bytes.HasPrefix(body[pos:], []byte("\r\n")):
			pos += 2
		case bytes.HasPrefix(body[pos:], []byte("\n")):
			pos++
		default:
			return nil, nil, false
		}
	}
	trailers = map[string]string{}
	sigSeen := false
	for n := 0; ; n++ {
		l, atEOF, ok := line()
		if !ok {
			return nil, nil, false
		}
		if atEOF || len(l) == 0 {
			break
		}
		if len(trailers) == maxTrailers {
			return nil, nil, false
		}
		name, value, found := strings.Cut(string(l), ":")
		name = strings.ToLower(strings.Trim(name, " \t"))
		if !found || name == "" {
			return nil, nil, false
		}
		if name == "x-amz-trailer-signature" {
			if sigSeen {
				return nil, nil, false
			}
			sigSeen = true
			continue
		}
		if _, dup := trailers[name]; dup || !contains(declared, name) {
			return nil, nil, false
		}
		trailers[name] = strings.Trim(value, " \t")
	}
	for _, d := range declared {
		if _, ok := trailers[d]; !ok {
			return nil, nil, false
		}
	}
	rest := body[pos:]
	if len(rest) > maxTrailingCRLF || len(bytes.Trim(rest, "\r\n")) != 0 {
		return nil, nil, false
	}
	return data, trailers, true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// FuzzReader checks that no input panics the Reader (signed or not) and
// that an unsigned decode succeeds exactly when the reference decoder's
// does, with the same data and trailers.
func FuzzReader(f *testing.F) {
	crc := [][2]string{{"x-amz-checksum-crc32", "AAAAAA=="}}
	for _, e := range []*encoder{{}, {trailers: crc}, {trailers: crc, lf: true}, {trailers: crc, noFinalCRLF: true}, {sig: testSigning(), trailers: crc}} {
		f.Add(e.encode([]byte("hello"), []byte(" "), []byte("world")), uint8(7), e.trailers != nil)
		f.Add(e.encode(), uint8(1), e.trailers != nil)
	}
	for _, s := range []string{
		"3;chunk-signature=00\r\nabc\r\n0\r\n\r\n",
		"00A \r\n0123456789\n0;x=y\r\nx-amz-checksum-crc32 : v\r\n\r\n\r\n",
		"5\r\nabc\r\n0\r\n\r\n",
		"3\r\nabcd\r\n0\r\n\r\n",
		"ffffffffffffffff\r\n",
		"0\r\nx-amz-trailer-signature:a\r\nx-amz-trailer-signature:b\r\n\r\n",
	} {
		f.Add([]byte(s), uint8(3), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, readSize uint8, withTrailer bool) {
		var declared []string
		if withTrailer {
			declared = []string{"x-amz-checksum-crc32"}
		}
		size := int(readSize)%64 + 1
		r := NewReader(iotest.HalfReader(bytes.NewReader(body)), nil, declared)
		got, err := decode(r, size)
		want, trailers, ok := refDecode(body, declared)
		if (err == nil) != ok {
			t.Fatalf("Reader error %v, reference ok %v", err, ok)
		}
		if ok {
			if !bytes.Equal(got, want) {
				t.Fatalf("Reader decoded %q, reference %q", got, want)
			}
			for name, v := range trailers {
				if rv, _ := r.Trailer(name); rv != v {
					t.Fatalf("trailer %s: Reader %q, reference %q", name, rv, v)
				}
			}
		}
		// Signed decoding must not panic.
		sr := NewReader(bytes.NewReader(body), testSigning(), declared)
		io.Copy(io.Discard, sr)
	})
}
