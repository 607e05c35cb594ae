// Package gateway serves the S3 REST API over HTTP.
//
// It owns everything S3 says on the wire: routing of path-style
// (/bucket/key) and virtual-host-style (bucket.<domain>) requests and of
// query subresources, authentication of every request through iam, the
// request body pipeline (aws-chunked decoding, Content-MD5, SHA-256 payload
// hash and x-amz-checksum-* verification in one streaming pass), the request
// and response XML, conditional and range requests (also reads of one
// part of a multipart object, GET and HEAD with partNumber: the part's
// bytes as a 206 range with x-amz-mp-parts-count, planned in object.go
// from the part sizes the layer returns), object versioning
// (versionId, delete markers, ListObjectVersions: versioning.go) and tag
// sets of objects and buckets (tagging.go, parsed in tagparse.go), bucket
// lifecycle configurations and their effect on requests (bucketconfig.go,
// expiration.go: a current version already due by the rules answers GET
// and HEAD with 404 NoSuchKey before the lifecycle worker removes it, with
// days of Config.LifecycleDay; x-amz-expiration on PUT, GET, HEAD and
// CompleteMultipartUpload), and the
// mapping of every error to its S3 code, HTTP status and message
// (errors.go). The storage work behind each call is done by an
// objectlayer.API.
//
// Requests for the IAM and STS query APIs (a form POSTed to "/", or a
// SigV4 scope naming iam or sts; see iam.IsAPIRequest) go to Config.IAM,
// and Config.Authorizer decides each request by policy.
//
// The handler also serves /health/live, /health/ready and Prometheus
// metrics on /metrics to requests that carry no credentials; a signed
// request for the same path is an ordinary S3 request (bucket "health" or
// "metrics").
//
// Subpackages: objectlayer turns S3 calls into erasure-coded reads and
// writes on the storage nodes, awschunked decodes aws-chunked bodies, and
// checksum verifies and computes body digests.
package gateway
