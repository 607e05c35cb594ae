package awschunked

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"strings"

	"github.com/minio/sha256-simd"
)

// Values of x-amz-content-sha256 that announce an aws-chunked body.
const (
	StreamingSigned          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingSignedTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// Limits on what a client may send.
const (
	// MaxSignedChunkSize is the largest chunk a signed stream may use: a
	// signed chunk is held whole until its signature is checked. SDKs use
	// 64 KiB to 1 MiB. Unsigned chunks have no limit as they are streamed.
	MaxSignedChunkSize = 16 << 20
	// maxLine bounds a chunk header or trailer line.
	maxLine = 4096
	// maxTrailers bounds the number of trailer lines.
	maxTrailers = 16
	// maxTrailingCRLF is how many stray CR or LF bytes may follow the end
	// of the encoding.
	maxTrailingCRLF = 4
	// bufferSize is the read buffer; large reads bypass it.
	bufferSize = 64 << 10
)

// Errors returned by Reader.Read, wrapped with details; test with errors.Is.
var (
	// ErrMalformed: the body does not follow the aws-chunked format.
	ErrMalformed = errors.New("malformed aws-chunked body")
	// ErrTruncated: the body ends before the final chunk or inside a
	// line or chunk. It wraps both ErrMalformed and io.ErrUnexpectedEOF
	// (S3 answers IncompleteBody).
	ErrTruncated = fmt.Errorf("%w: body ends early: %w", ErrMalformed, io.ErrUnexpectedEOF)
	// ErrMalformedTrailer: the trailer block is malformed, names a trailer
	// that x-amz-trailer did not declare, or lacks a declared one. It wraps
	// ErrMalformed (S3 answers MalformedTrailerError).
	ErrMalformedTrailer = fmt.Errorf("%w: bad trailer", ErrMalformed)
	// ErrChunkTooLarge: a signed chunk is larger than MaxSignedChunkSize.
	// It wraps ErrMalformed.
	ErrChunkTooLarge = fmt.Errorf("%w: signed chunk too large", ErrMalformed)
	// ErrSignatureDoesNotMatch: a chunk or trailer signature is missing or
	// wrong (SignatureDoesNotMatch, 403).
	ErrSignatureDoesNotMatch = errors.New("aws-chunked signature does not match")
)

// Signing holds what a signed stream's chunk signatures are computed from:
// the SigV4 signing key of the request, its x-amz-date, its credential scope
// ("20130524/us-east-1/s3/aws4_request") and the request's own signature,
// which seeds the chain.
type Signing struct {
	Key           []byte
	AmzDate       string
	Scope         string
	SeedSignature string
}

// emptySHA256Hex is hex(sha256("")), part of every chunk's string to sign.
const emptySHA256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

type state uint8

const (
	stHeader   state = iota // next: a chunk header line
	stData                  // streaming an unsigned chunk's data
	stDataEnd               // next: the line end after an unsigned chunk's data
	stBuffered              // returning a verified signed chunk from buf
	stDone                  // the encoding ended; io.EOF
)

// Reader decodes an aws-chunked body. It is not safe for concurrent use.
type Reader struct {
	br    *bufio.Reader
	state state
	err   error // sticky
	left  int64 // unsigned: data bytes left in the current chunk
	n     int64 // decoded bytes returned

	// Signed streams.
	sig     *Signing
	mac     hash.Hash // HMAC-SHA256 keyed with sig.Key
	sha     hash.Hash
	prevSig [64]byte          // hex signature of the previous chunk (or the seed)
	sts     []byte            // string-to-sign scratch
	sum     [sha256.Size]byte // digest scratch; in the struct so Sum does not allocate
	buf     []byte            // the current signed chunk, verified
	pos     int               // next byte of buf to return

	declared []string    // x-amz-trailer names, lowercase
	trailers [][2]string // received trailers in order, name lowercase
}

// NewReader returns a Reader decoding the aws-chunked body r. sig is nil
// for unsigned chunks (STREAMING-UNSIGNED-PAYLOAD-TRAILER); otherwise every
// chunk's signature is verified. trailerNames are the trailers declared in
// x-amz-trailer: only they are accepted, and each must arrive; for a signed
// stream with trailers the trailer signature must arrive and match.
func NewReader(r io.Reader, sig *Signing, trailerNames []string) *Reader {
	rd := &Reader{br: bufio.NewReaderSize(r, bufferSize), sig: sig}
	for _, n := range trailerNames {
		if n = strings.ToLower(strings.TrimSpace(n)); n != "" {
			rd.declared = append(rd.declared, n)
		}
	}
	if sig != nil {
		rd.mac = hmac.New(sha256.New, sig.Key)
		rd.sha = sha256.New()
		if len(sig.SeedSignature) == len(rd.prevSig) {
			copy(rd.prevSig[:], sig.SeedSignature)
		} else {
			// A malformed seed can match no chunk signature.
			rd.fail(fmt.Errorf("%w: seed signature %q is not 64 hex digits", ErrSignatureDoesNotMatch, clip(sig.SeedSignature)))
		}
	}
	return rd
}

func (r *Reader) fail(err error) error {
	r.err = err
	return err
}

// Read returns decoded body bytes. It returns io.EOF after the final chunk
// and the trailers were read and, for signed streams, verified.
func (r *Reader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, r.err
	}
	n := 0
	for n < len(p) {
		if r.err != nil {
			return n, r.err
		}
		switch r.state {
		case stBuffered:
			c := copy(p[n:], r.buf[r.pos:])
			r.pos += c
			n += c
			r.n += int64(c)
			if r.pos == len(r.buf) {
				r.state = stHeader
			}
		case stData:
			q := p[n:]
			if int64(len(q)) > r.left {
				q = q[:r.left]
			}
			c, err := r.br.Read(q)
			n += c
			r.n += int64(c)
			r.left -= int64(c)
			if err != nil {
				if err == io.EOF {
					err = fmt.Errorf("%w: %d bytes missing from chunk data", ErrTruncated, r.left)
				}
				return n, r.fail(err)
			}
			if r.left > 0 {
				return n, nil // return what arrived rather than wait for the rest
			}
			r.state = stDataEnd
		case stDataEnd, stHeader:
			// With data in hand, go on only if the next chunk is likely
			// here already and, being unsigned, need not arrive whole.
			if n > 0 && (r.sig != nil || r.br.Buffered() == 0) {
				return n, nil
			}
			var err error
			if r.state == stDataEnd {
				if err = r.readLineEnd(); err == nil {
					r.state = stHeader
				}
			} else {
				err = r.nextChunk()
			}
			if err != nil {
				return n, r.fail(err)
			}
		case stDone:
			return n, io.EOF
		}
	}
	return n, nil
}

// N returns the number of decoded bytes returned so far.
func (r *Reader) N() int64 { return r.n }

// Trailer returns the value of the trailer name (case-insensitive) as the
// client sent it. It is valid once Read returned io.EOF.
func (r *Reader) Trailer(name string) (string, bool) {
	if r.state != stDone {
		return "", false
	}
	for _, kv := range r.trailers {
		if strings.EqualFold(kv[0], name) {
			return kv[1], true
		}
	}
	return "", false
}

// nextChunk reads a chunk header and prepares its data; for the final chunk
// it reads the trailers and ends the stream.
func (r *Reader) nextChunk() error {
	line, err := r.readLine()
	if err != nil {
		if err == io.EOF {
			return fmt.Errorf("%w: no final chunk", ErrTruncated)
		}
		return err
	}
	size, chunkSig, err := parseHeader(line)
	if err != nil {
		return err
	}
	if r.sig == nil {
		if size == 0 {
			return r.readTrailers()
		}
		r.left = size
		r.state = stData
		return nil
	}
	if size > MaxSignedChunkSize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrChunkTooLarge, size, MaxSignedChunkSize)
	}
	if chunkSig == nil {
		return fmt.Errorf("%w: chunk without chunk-signature", ErrSignatureDoesNotMatch)
	}
	// The signature is kept from the line: readLine's slice dies with the
	// next read.
	var given [64]byte
	if len(chunkSig) != len(given) {
		return fmt.Errorf("%w: chunk-signature %q is not 64 hex digits", ErrSignatureDoesNotMatch, clip(string(chunkSig)))
	}
	copy(given[:], chunkSig)
	if err := r.readChunk(int(size)); err != nil {
		return err
	}
	if size > 0 {
		if err := r.readLineEnd(); err != nil {
			return err
		}
	}
	r.sha.Reset()
	r.sha.Write(r.buf)
	dataHash := r.sha.Sum(r.sum[:0])
	if err := r.verify("AWS4-HMAC-SHA256-PAYLOAD", emptySHA256Hex, dataHash, given[:]); err != nil {
		return fmt.Errorf("%w: chunk %d bytes at decoded offset %d", err, size, r.n)
	}
	if size == 0 {
		return r.readTrailers()
	}
	r.pos = 0
	r.state = stBuffered
	return nil
}

// firstChunkAlloc is the most a signed chunk header gets allocated before
// its data arrives: the common chunk sizes (64 KiB to 1 MiB) fit at once.
const firstChunkAlloc = 1 << 20

// readChunk reads a signed chunk's size bytes of data into r.buf. Beyond
// firstChunkAlloc the buffer grows with the bytes that actually arrive, so
// a header that merely claims a large chunk costs little memory.
func (r *Reader) readChunk(size int) error {
	r.buf = r.buf[:0]
	for len(r.buf) < size {
		if len(r.buf) == cap(r.buf) {
			grown := make([]byte, len(r.buf), min(size, max(2*cap(r.buf), firstChunkAlloc)))
			copy(grown, r.buf)
			r.buf = grown
		}
		n, err := r.br.Read(r.buf[len(r.buf):min(size, cap(r.buf))])
		r.buf = r.buf[:len(r.buf)+n]
		if err == io.EOF {
			return fmt.Errorf("%w: %d bytes missing from a %d-byte chunk", ErrTruncated, size-len(r.buf), size)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// verify checks a chained signature: HMAC over algorithm, date, scope, the
// previous signature, then extra (if any) and the hex of hash, each on its
// own line. On success the signature becomes the previous one.
func (r *Reader) verify(algorithm, extra string, hash, given []byte) error {
	s := r.sts[:0]
	s = append(s, algorithm...)
	s = append(s, '\n')
	s = append(s, r.sig.AmzDate...)
	s = append(s, '\n')
	s = append(s, r.sig.Scope...)
	s = append(s, '\n')
	s = append(s, r.prevSig[:]...)
	s = append(s, '\n')
	if extra != "" {
		s = append(s, extra...)
		s = append(s, '\n')
	}
	s = hex.AppendEncode(s, hash) // hash may be r.sum: used up before the MAC reuses it
	r.sts = s
	r.mac.Reset()
	r.mac.Write(s)
	var want [64]byte
	hex.Encode(want[:], r.mac.Sum(r.sum[:0]))
	if !hmac.Equal(want[:], given) {
		return ErrSignatureDoesNotMatch
	}
	copy(r.prevSig[:], given)
	return nil
}

// readTrailers reads the trailer block after the final chunk up to the
// empty line that ends the encoding, checks the trailers against the
// declared ones and, on signed streams, checks the trailer signature.
func (r *Reader) readTrailers() error {
	var trailerSig []byte
	var canonical []byte // "name:value\n" per trailer, what the signature covers
	for {
		line, err := r.readLine()
		if err == io.EOF {
			// Clients differ on the final empty line; the data is complete.
			break
		}
		if err != nil {
			return err
		}
		if len(line) == 0 {
			break
		}
		if len(r.trailers) == maxTrailers {
			return fmt.Errorf("%w: more than %d trailers", ErrMalformedTrailer, maxTrailers)
		}
		name, value, ok := strings.Cut(string(line), ":")
		name = strings.ToLower(strings.Trim(name, " \t"))
		value = strings.Trim(value, " \t")
		if !ok || name == "" {
			return fmt.Errorf("%w: line %q", ErrMalformedTrailer, clip(string(line)))
		}
		if name == "x-amz-trailer-signature" {
			if trailerSig != nil {
				return fmt.Errorf("%w: two trailer signatures", ErrMalformedTrailer)
			}
			trailerSig = []byte(value)
			continue
		}
		if !r.isDeclared(name) {
			return fmt.Errorf("%w: %q not declared in x-amz-trailer", ErrMalformedTrailer, clip(name))
		}
		for _, kv := range r.trailers {
			if kv[0] == name {
				return fmt.Errorf("%w: %q sent twice", ErrMalformedTrailer, name)
			}
		}
		r.trailers = append(r.trailers, [2]string{name, value})
		canonical = append(canonical, name...)
		canonical = append(canonical, ':')
		canonical = append(canonical, value...)
		canonical = append(canonical, '\n')
	}
	for _, d := range r.declared {
		if _, ok := r.trailerValue(d); !ok {
			return fmt.Errorf("%w: declared trailer %q missing", ErrMalformedTrailer, d)
		}
	}
	if r.sig != nil && (len(r.trailers) > 0 || trailerSig != nil) {
		if trailerSig == nil {
			return fmt.Errorf("%w: trailers without x-amz-trailer-signature", ErrSignatureDoesNotMatch)
		}
		h := sha256.Sum256(canonical)
		if err := r.verify("AWS4-HMAC-SHA256-TRAILER", "", h[:], trailerSig); err != nil {
			return fmt.Errorf("%w: trailer signature", err)
		}
	}
	if err := r.expectEnd(); err != nil {
		return err
	}
	r.state = stDone
	return nil
}

func (r *Reader) isDeclared(name string) bool {
	for _, d := range r.declared {
		if d == name {
			return true
		}
	}
	return false
}

func (r *Reader) trailerValue(name string) (string, bool) {
	for _, kv := range r.trailers {
		if kv[0] == name {
			return kv[1], true
		}
	}
	return "", false
}

// expectEnd checks that nothing but a few stray line ends follows the
// encoding: data after it means the framing was not what it claimed.
func (r *Reader) expectEnd() error {
	for i := 0; ; i++ {
		b, err := r.br.ReadByte()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if (b != '\r' && b != '\n') || i == maxTrailingCRLF {
			return fmt.Errorf("%w: data after the final chunk", ErrMalformed)
		}
	}
}

// readLine returns the next line without its line end (LF or CRLF). It
// returns io.EOF only when the body ends where a line would start; the
// slice is valid until the next read.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	switch {
	case err == nil:
	case err == bufio.ErrBufferFull:
		return nil, fmt.Errorf("%w: line longer than %d bytes", ErrMalformed, maxLine)
	case err == io.EOF:
		if len(line) == 0 {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("%w: inside a line", ErrTruncated)
	default:
		return nil, err
	}
	if len(line) > maxLine {
		return nil, fmt.Errorf("%w: line longer than %d bytes", ErrMalformed, maxLine)
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// readLineEnd consumes the CRLF (or bare LF) that ends a chunk's data.
func (r *Reader) readLineEnd() error {
	b, err := r.br.ReadByte()
	if err == nil && b == '\r' {
		b, err = r.br.ReadByte()
	}
	switch {
	case err == io.EOF:
		return fmt.Errorf("%w: no line end after chunk data", ErrTruncated)
	case err != nil:
		return err
	case b != '\n':
		return fmt.Errorf("%w: chunk data longer than its size", ErrMalformed)
	}
	return nil
}

// parseHeader parses "hex-size[;ext[=value]]..." and returns the size and
// the chunk-signature extension's value (nil if absent).
func parseHeader(line []byte) (size int64, sig []byte, err error) {
	sizePart, exts, _ := bytes.Cut(line, []byte{';'})
	sizePart = bytes.TrimRight(sizePart, " \t")
	size, ok := parseHex(sizePart)
	if !ok {
		return 0, nil, fmt.Errorf("%w: chunk size %q", ErrMalformed, clip(string(sizePart)))
	}
	for len(exts) > 0 {
		var ext []byte
		ext, exts, _ = bytes.Cut(exts, []byte{';'})
		if v, ok := bytes.CutPrefix(bytes.Trim(ext, " \t"), []byte("chunk-signature=")); ok {
			sig = v
		}
	}
	return size, sig, nil
}

// parseHex parses 1 to 16 hex digits that fit an int64.
func parseHex(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 16 {
		return 0, false
	}
	var v uint64
	for _, c := range s {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint64(d)
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// clip shortens client-supplied text quoted in an error.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
