package checksum

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"net/http"
	"strconv"
	"strings"

	"github.com/minio/crc64nvme"
	"github.com/minio/sha256-simd"
)

// Algorithm is the name of a flexible checksum algorithm as S3 spells it in
// x-amz-checksum-algorithm and in GetObjectAttributes.
type Algorithm string

// The checksum algorithms S3 supports.
const (
	CRC32     Algorithm = "CRC32"     // IEEE polynomial
	CRC32C    Algorithm = "CRC32C"    // Castagnoli polynomial
	CRC64NVME Algorithm = "CRC64NVME" // CRC-64/NVME: reflected polynomial 0x9a6c9329ac4bc9b5
	SHA1      Algorithm = "SHA1"
	SHA256    Algorithm = "SHA256"
)

// Algorithms lists every supported algorithm, in the order S3 documents them.
var Algorithms = []Algorithm{CRC32, CRC32C, CRC64NVME, SHA1, SHA256}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ParseAlgorithm returns the algorithm named s, compared case-insensitively,
// as it appears in x-amz-checksum-algorithm or x-amz-sdk-checksum-algorithm.
func ParseAlgorithm(s string) (Algorithm, bool) {
	for _, a := range Algorithms {
		if strings.EqualFold(s, string(a)) {
			return a, true
		}
	}
	return "", false
}

// New returns a new hash for the algorithm, or nil for an unknown algorithm.
// Its Sum appends the digest in big-endian byte order, the form S3 encodes
// in base64.
func (a Algorithm) New() hash.Hash {
	switch a {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(castagnoli)
	case CRC64NVME:
		// crc64nvme uses carry-less multiplication where the CPU has it;
		// hash/crc64 with the same polynomial is 30 times slower.
		return crc64nvme.New()
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	}
	return nil
}

// Size returns the length in bytes of the algorithm's digest, 0 if unknown.
func (a Algorithm) Size() int {
	switch a {
	case CRC32, CRC32C:
		return 4
	case CRC64NVME:
		return 8
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	}
	return 0
}

// Valid reports whether a is one of the supported algorithms.
func (a Algorithm) Valid() bool { return a.Size() != 0 }

// HeaderName returns the lowercase header (and trailer) name that carries
// the algorithm's value, such as "x-amz-checksum-crc32".
func (a Algorithm) HeaderName() string {
	return "x-amz-checksum-" + strings.ToLower(string(a))
}

// AlgorithmFromHeaderName returns the algorithm whose value a header or
// trailer name carries ("x-amz-checksum-crc32", any case), as listed in
// x-amz-trailer.
func AlgorithmFromHeaderName(name string) (Algorithm, bool) {
	const prefix = "x-amz-checksum-"
	if len(name) <= len(prefix) || !strings.EqualFold(name[:len(prefix)], prefix) {
		return "", false
	}
	return ParseAlgorithm(name[len(prefix):])
}

// DecodeValue decodes a base64 checksum value and checks its length. A value
// that is not valid base64 of a digest of this algorithm's size returns an
// error wrapping ErrInvalidChecksum.
func (a Algorithm) DecodeValue(v string) ([]byte, error) {
	d, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(d) != a.Size() || a.Size() == 0 {
		return nil, fmt.Errorf("%w: %s %q", ErrInvalidChecksum, a.HeaderName(), clip(v))
	}
	return d, nil
}

// EncodeDigest returns the wire form (base64) of a raw digest.
func EncodeDigest(d []byte) string { return base64.StdEncoding.EncodeToString(d) }

// FromHeaders finds the one x-amz-checksum-<algorithm> header of a request
// and returns its algorithm and (unvalidated) value; ok is false when there
// is none. Headers for two different algorithms, or one header repeated with
// different values, return an error wrapping ErrMultipleChecksums.
// x-amz-checksum-algorithm, -type and -mode are not values and are ignored.
func FromHeaders(h http.Header) (alg Algorithm, value string, ok bool, err error) {
	for _, a := range Algorithms {
		vs := h.Values(a.HeaderName())
		if len(vs) == 0 {
			continue
		}
		for _, v := range vs[1:] {
			if v != vs[0] {
				return "", "", false, fmt.Errorf("%w: %s given twice", ErrMultipleChecksums, a.HeaderName())
			}
		}
		if ok {
			return "", "", false, fmt.Errorf("%w: %s and %s", ErrMultipleChecksums, alg.HeaderName(), a.HeaderName())
		}
		alg, value, ok = a, vs[0], true
	}
	return alg, value, ok, nil
}

// CompositeOfParts returns the COMPOSITE checksum of a multipart object: the
// base64 of the algorithm's hash over the concatenated raw part digests,
// followed by "-" and the number of parts, as S3 reports it.
func CompositeOfParts(alg Algorithm, partDigests [][]byte) string {
	h := alg.New()
	if h == nil {
		return ""
	}
	for _, d := range partDigests {
		h.Write(d)
	}
	return EncodeDigest(h.Sum(nil)) + "-" + strconv.Itoa(len(partDigests))
}

// Errors returned by NewReader, Reader.Read and FromHeaders. Each is wrapped
// with the algorithm and the expected and computed values where known; test
// with errors.Is.
var (
	// ErrBadDigest: the body's MD5 differs from Content-MD5 (S3 BadDigest, 400).
	ErrBadDigest = errors.New("content-md5 does not match the body")
	// ErrInvalidDigest: Content-MD5 is not base64 of 16 bytes (InvalidDigest, 400).
	ErrInvalidDigest = errors.New("invalid content-md5")
	// ErrContentSHA256Mismatch: the body's SHA-256 differs from
	// x-amz-content-sha256 (XAmzContentSHA256Mismatch, 400).
	ErrContentSHA256Mismatch = errors.New("x-amz-content-sha256 does not match the body")
	// ErrInvalidContentSHA256: x-amz-content-sha256 was passed as a hash but
	// is not 64 hex digits. It wraps ErrContentSHA256Mismatch so a caller
	// that only knows that one still answers 400.
	ErrInvalidContentSHA256 = fmt.Errorf("%w: not a hex sha-256", ErrContentSHA256Mismatch)
	// ErrChecksumMismatch: the body's flexible checksum differs from the one
	// given (BadDigest, 400, "The CRC32 you specified did not match the
	// calculated checksum."). Use MismatchMessage for that text.
	ErrChecksumMismatch = errors.New("checksum mismatch")
	// ErrInvalidChecksum: an x-amz-checksum-* value (header or trailer) is
	// malformed or a declared trailer is missing (InvalidRequest, 400).
	ErrInvalidChecksum = errors.New("invalid checksum value")
	// ErrMultipleChecksums: more than one x-amz-checksum-* header
	// (InvalidRequest, 400, "Expecting a single x-amz-checksum- header.
	// Multiple checksum Types are not allowed.").
	ErrMultipleChecksums = errors.New("more than one x-amz-checksum header")
	// ErrIncompleteBody: the body is shorter than its declared length
	// (IncompleteBody, 400).
	ErrIncompleteBody = errors.New("body shorter than its declared length")
	// ErrBodyTooLong: the body is longer than its declared length. It wraps
	// ErrIncompleteBody: S3 has no closer code for a length mismatch.
	ErrBodyTooLong = fmt.Errorf("%w: body longer than its declared length", ErrIncompleteBody)
)

// MismatchMessage returns the message S3 sends with BadDigest when the
// algorithm's checksum does not match, such as "The CRC32 you specified did
// not match the calculated checksum.".
func MismatchMessage(a Algorithm) string {
	return "The " + string(a) + " you specified did not match the calculated checksum."
}

// InvalidValueMessage returns the message S3 sends with InvalidRequest for a
// malformed checksum value, such as "Value for x-amz-checksum-crc32 header
// is invalid.".
func InvalidValueMessage(a Algorithm) string {
	return "Value for " + a.HeaderName() + " header is invalid."
}
