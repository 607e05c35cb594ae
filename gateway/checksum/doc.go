// Package checksum verifies and computes the digests of an S3 request body
// in one pass: the MD5 that becomes a single PUT's ETag, the Content-MD5 the
// client may send, the SigV4 payload hash (x-amz-content-sha256) and the
// flexible checksums of the x-amz-checksum-* headers and trailers (CRC32,
// CRC32C, CRC64NVME, SHA1, SHA256).
//
// A Reader wraps the (already aws-chunked decoded) body. Every byte is
// hashed once per algorithm as it passes through Read; at the end of the
// body the Reader checks the length and every expected digest, and returns
// the first mismatch instead of io.EOF, so a consumer that stops at the
// first error never commits a body that failed verification.
//
// Checksum values on the wire are base64 of the big-endian digest bytes, as
// S3 sends and expects them. CompositeOfParts builds the COMPOSITE checksum
// of a multipart object from its parts' digests.
package checksum
