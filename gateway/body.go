package gateway

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zones3/zones3/gateway/awschunked"
	"github.com/zones3/zones3/gateway/checksum"
)

const (
	// maxPutSize is S3's limit for one PUT and for one part.
	maxPutSize = 5 << 30
	// maxUserMetadata is S3's limit on the x-amz-meta-* names and values.
	maxUserMetadata = 2 << 10
	// parallelHashMin is the body size from which MD5 runs beside the
	// other digests.
	parallelHashMin = 8 << 20
)

// checksumNames are the S3 checksum algorithms in the order S3 lists them.
var checksumNames = []string{"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"}

// openBody sets up the one streaming pass over a request body: aws-chunked
// decoding (with chunk signatures when the client signed them), then MD5
// for the ETag and verification of Content-MD5, the signed SHA-256 payload
// hash and the x-amz-checksum-* value (header or trailer), all checked when
// the reader reaches EOF. It returns the decoded size, which S3 requires
// up front.
func (h *handler) openBody(r *http.Request, rq *request, maxSize int64) (*body, error) {
	var src io.Reader = r.Body
	size := r.ContentLength
	payloadHash := rq.auth.PayloadHash
	if payloadHash == "" {
		payloadHash = r.Header.Get("X-Amz-Content-Sha256")
	}

	var chunked *awschunked.Reader
	var trailers []string
	if strings.HasPrefix(payloadHash, "STREAMING-") || hasAWSChunked(r.Header.Values("Content-Encoding")) {
		dl := r.Header.Get("X-Amz-Decoded-Content-Length")
		if dl == "" {
			return nil, errMissingContentLength
		}
		n, err := parseDigits(dl)
		if err != nil {
			return nil, errInvalidArgument.withMessage("x-amz-decoded-content-length is not a valid length.")
		}
		size = n
		trailers = awschunked.TrailerNames(r.Header)
		var sig *awschunked.Signing
		switch payloadHash {
		case awschunked.StreamingSigned, awschunked.StreamingSignedTrailer:
			if len(rq.auth.SigningKey) == 0 {
				return nil, errInvalidRequest.withMessage("A signed aws-chunked body needs a SigV4-signed request.")
			}
			sig = &awschunked.Signing{
				Key:           rq.auth.SigningKey,
				AmzDate:       rq.auth.AmzDate,
				Scope:         rq.auth.Scope,
				SeedSignature: rq.auth.Signature,
			}
		case awschunked.StreamingUnsignedTrailer, "UNSIGNED-PAYLOAD", "":
		default:
			if strings.HasPrefix(payloadHash, "STREAMING-") {
				// SigV4a (ECDSA) chunk signatures.
				return nil, errNotImplemented.withMessage("The x-amz-content-sha256 value " + payloadHash + " is not supported.")
			}
			// A payload hash would be of the encoded body, which nothing
			// verifies here.
			return nil, errInvalidRequest.withMessage("An aws-chunked body needs a STREAMING-* or UNSIGNED-PAYLOAD x-amz-content-sha256.")
		}
		chunked = awschunked.NewReader(r.Body, sig, trailers)
		src = chunked
	} else if size < 0 {
		return nil, errMissingContentLength
	}
	if size > maxSize {
		return nil, errEntityTooLarge
	}

	exp := checksum.Expect{
		ContentMD5: r.Header.Get("Content-Md5"),
		Size:       size,
		// MD5 is the slowest hash and serial within a body; for a large
		// body a second core shortens the stream (without the MD5 lanes:
		// see checksum.Expect.Parallel).
		Parallel: size >= parallelHashMin,
	}
	if isHexSHA256(payloadHash) {
		exp.SHA256Hex = payloadHash
	}
	alg, value, ok, err := checksum.FromHeaders(r.Header)
	if err != nil {
		return nil, err
	}
	switch {
	case ok:
		exp.Algorithm, exp.Value = alg, value
	case chunked != nil && checksumTrailer(trailers) != "":
		name := checksumTrailer(trailers)
		alg, ok := checksum.ParseAlgorithm(strings.TrimPrefix(name, "x-amz-checksum-"))
		if !ok {
			return nil, errInvalidRequest.withMessage("The trailer " + name + " names an unknown checksum algorithm.")
		}
		exp.Algorithm = alg
		exp.Trailer = func() (string, bool) { return chunked.Trailer(name) }
	default:
		if s := r.Header.Get("X-Amz-Sdk-Checksum-Algorithm"); s != "" {
			alg, ok := checksum.ParseAlgorithm(s)
			if !ok {
				return nil, errInvalidRequest.withMessage("Checksum algorithm " + s + " is not supported.")
			}
			exp.Algorithm = alg
		}
	}
	bd := &body{size: size, alg: exp.Algorithm}
	cr, err := checksum.NewReader(src, exp)
	if err != nil {
		return nil, bd.explain(err)
	}
	bd.Reader = cr
	return bd, nil
}

// body is a request body being decoded and verified.
type body struct {
	*checksum.Reader
	size int64              // decoded length
	alg  checksum.Algorithm // the flexible checksum verified, if any
}

// explain gives checksum errors the message S3 sends, which names the
// algorithm.
func (b *body) explain(err error) error {
	switch {
	case b == nil || b.alg == "":
	case errors.Is(err, checksum.ErrChecksumMismatch):
		return errBadDigest.withMessage(checksum.MismatchMessage(b.alg))
	case errors.Is(err, checksum.ErrInvalidChecksum):
		return errInvalidRequest.withMessage(checksum.InvalidValueMessage(b.alg))
	}
	return err
}

// sealFunc returns the PutOptions.Seal of a body: it makes sure the body
// was read to its end, where the checksum reader verifies every digest,
// and hands the ETag and checksums to the layer.
func sealFunc(cr *checksum.Reader) func() (string, map[string]string, error) {
	return func() (string, map[string]string, error) {
		// A layer that knows the size may stop before EOF; the digests
		// are only verified there.
		var one [1]byte
		for range 100 {
			n, err := cr.Read(one[:])
			if n > 0 {
				return "", nil, errIncompleteBody.withMessage("The request body is longer than its declared length.")
			}
			if err == io.EOF {
				return cr.ETag(), cr.Checksums(), nil
			}
			if err != nil {
				return "", nil, err
			}
		}
		return "", nil, fmt.Errorf("request body: no progress at its end")
	}
}

// readXMLBody reads a small request document through the same verifying
// pipeline as object bodies, refusing more than limit bytes.
func (h *handler) readXMLBody(r *http.Request, rq *request, limit int64) ([]byte, error) {
	if r.ContentLength == 0 {
		return nil, nil
	}
	bd, err := h.openBody(r, rq, maxPutSize)
	if err != nil {
		return nil, err
	}
	if bd.size > limit {
		return nil, errMaxMessageLength
	}
	b, err := io.ReadAll(io.LimitReader(bd, limit+1))
	if err != nil {
		return nil, bd.explain(err)
	}
	if int64(len(b)) > limit {
		return nil, errMaxMessageLength
	}
	return b, nil
}

// hasChecksumHeader reports whether the request carries Content-MD5 or an
// x-amz-checksum-* value (header or announced trailer).
func hasChecksumHeader(h http.Header) bool {
	if h.Get("Content-Md5") != "" || checksumTrailer(awschunked.TrailerNames(h)) != "" {
		return true
	}
	for k := range h {
		if strings.HasPrefix(k, "X-Amz-Checksum-") && k != "X-Amz-Checksum-Algorithm" && k != "X-Amz-Checksum-Type" && k != "X-Amz-Checksum-Mode" {
			return true
		}
	}
	return false
}

func hasAWSChunked(encodings []string) bool {
	for _, v := range encodings {
		for _, e := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(e), "aws-chunked") {
				return true
			}
		}
	}
	return false
}

// storedContentEncoding is the Content-Encoding to keep with the object:
// the request's without aws-chunked, which only framed the upload.
func storedContentEncoding(encodings []string) string {
	rest, _ := awschunked.StripContentEncoding(strings.Join(encodings, ","))
	return rest
}

// checksumTrailer returns the announced x-amz-checksum-* trailer, if any.
func checksumTrailer(names []string) string {
	for _, n := range names {
		if strings.HasPrefix(n, "x-amz-checksum-") {
			return n
		}
	}
	return ""
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// storedHeaderNames are the request headers kept with an object and
// returned on GET and HEAD, besides x-amz-meta-*.
var storedHeaderNames = []string{"Content-Type", "Content-Disposition", "Content-Language", "Cache-Control", "Expires"}

// unsupportedPutHeaders name features zones3 does not offer; a write that
// asks for one is refused rather than silently stored without it.
var unsupportedPutHeaders = []string{
	"X-Amz-Server-Side-Encryption",
	"X-Amz-Server-Side-Encryption-Customer-Algorithm",
	"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id",
	"X-Amz-Object-Lock-Mode",
	"X-Amz-Object-Lock-Retain-Until-Date",
	"X-Amz-Object-Lock-Legal-Hold",
	"X-Amz-Website-Redirect-Location",
	"X-Amz-Grant-Full-Control",
	"X-Amz-Grant-Read",
	"X-Amz-Grant-Read-Acp",
	"X-Amz-Grant-Write",
	"X-Amz-Grant-Write-Acp",
}

// checkPutHeaders refuses headers of features zones3 does not implement.
func checkPutHeaders(h http.Header) error {
	for _, name := range unsupportedPutHeaders {
		if h.Get(name) != "" {
			return errNotImplemented.withMessage("The " + name + " header is not implemented.")
		}
	}
	return checkCannedACL(h.Get("X-Amz-Acl"))
}

// checkCannedACL accepts the canned ACLs that mean "owner only", the one
// access model zones3 has until bucket policies.
func checkCannedACL(acl string) error {
	switch acl {
	case "", "private", "bucket-owner-full-control":
		return nil
	}
	return errNotImplemented.withMessage("The canned ACL " + acl + " is not implemented; only private is.")
}

// objectHeaders collects the headers stored with a new object: the
// standard content headers (Content-Type defaults to
// binary/octet-stream) and the user metadata, which S3 limits to 2 KiB.
func objectHeaders(h http.Header) (map[string]string, error) {
	m := make(map[string]string, 4)
	for _, name := range storedHeaderNames {
		if v := h.Get(name); v != "" {
			m[name] = v
		}
	}
	if _, ok := m["Content-Type"]; !ok {
		m["Content-Type"] = "binary/octet-stream"
	}
	if enc := storedContentEncoding(h.Values("Content-Encoding")); enc != "" {
		m["Content-Encoding"] = enc
	}
	metaSize := 0
	for k, vs := range h {
		if !strings.HasPrefix(k, "X-Amz-Meta-") {
			continue
		}
		v := strings.Join(vs, ",")
		if !utf8.ValidString(v) {
			return nil, errInvalidArgument.withMessage("The value of the " + k + " header is not valid UTF-8.")
		}
		m[k] = v
		metaSize += len(k) - len("X-Amz-Meta-") + len(v)
	}
	if metaSize > maxUserMetadata {
		return nil, errMetadataTooLarge
	}
	return m, nil
}

// parsePartNumber checks a partNumber parameter: 1 to 10000.
func parsePartNumber(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 10000 {
		return 0, errInvalidArgument.withMessage("Part number must be an integer between 1 and 10000, inclusive")
	}
	return n, nil
}
