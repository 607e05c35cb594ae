// Package awschunked decodes the aws-chunked content encoding that S3
// clients use to stream a body whose signature or checksum they only know
// at its end (Content-Encoding: aws-chunked, with x-amz-content-sha256 set
// to STREAMING-AWS4-HMAC-SHA256-PAYLOAD, its -TRAILER form, or
// STREAMING-UNSIGNED-PAYLOAD-TRAILER).
//
// The body is a sequence of chunks, each "hex-size[;chunk-signature=sig]"
// CRLF, the data, CRLF; a chunk of size 0 ends the data and is followed by
// optional trailer lines ("x-amz-checksum-crc32:value" CRLF, and for signed
// streams "x-amz-trailer-signature:sig" CRLF) and an empty line.
//
// A Reader returns the decoded data. For signed streams it holds one chunk
// and checks that chunk's signature, chained from the request's seed
// signature, before returning any of its bytes, so a forged chunk never
// reaches storage. Unsigned chunks stream through without being held.
// Trailers are available once the Reader returned io.EOF; verifying the
// checksum they carry is the job of package checksum.
package awschunked
