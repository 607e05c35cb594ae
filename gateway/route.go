package gateway

import (
	"net"
	"net/http"
	"strings"
)

// maxKeyLength is S3's limit on object key length in bytes.
const maxKeyLength = 1024

// unsupportedSubresources are S3 query subresources zones3 does not serve.
// A request naming one is answered NotImplemented, never served as the
// plain object or bucket operation it would otherwise look like.
var unsupportedSubresources = map[string]bool{
	"abac": true, "accelerate": true, "analytics": true, "attributes": true,
	"cors": true, "encryption": true, "intelligent-tiering": true,
	"inventory": true, "legal-hold": true, "logging": true,
	"metadataConfiguration": true, "metadataTable": true, "metrics": true,
	"notification": true, "object-lock": true, "ownershipControls": true,
	"publicAccessBlock": true,
	"renameObject":      true, "replication": true, "requestPayment": true,
	"restore": true, "retention": true, "select": true, "select-type": true,
	"session": true, "torrent": true, "website": true,
}

// knownQueryParams are the query parameters zones3 understands: the
// subresources and arguments of the operations it serves, and the
// signature parameters of presigned URLs. Any other parameter is refused:
// S3 would give it a meaning zones3 does not have, so serving the request
// as the plain operation could change data in a way the client did not ask
// for. Parameters starting with x-amz- (hoisted headers) and response-
// (GET overrides) are checked where they are used.
var knownQueryParams = map[string]bool{
	// signatures
	"X-Amz-Algorithm": true, "X-Amz-Credential": true, "X-Amz-Date": true,
	"X-Amz-Expires": true, "X-Amz-SignedHeaders": true, "X-Amz-Signature": true,
	"X-Amz-Security-Token": true, "AWSAccessKeyId": true, "Expires": true,
	"Signature": true,
	// the operation name aws-sdk-go-v2 adds to every request
	"x-id": true,
	// subresources
	"acl": true, "delete": true, "location": true, "uploads": true,
	"uploadId": true, "partNumber": true, "versioning": true, "versions": true,
	"versionId": true, "tagging": true, "policy": true, "policyStatus": true,
	"lifecycle": true,
	// listing arguments
	"list-type": true, "prefix": true, "delimiter": true, "max-keys": true,
	"continuation-token": true, "start-after": true, "fetch-owner": true,
	"encoding-type": true, "marker": true, "key-marker": true,
	"upload-id-marker": true, "version-id-marker": true, "max-uploads": true,
	"max-parts": true, "part-number-marker": true, "max-buckets": true,
	"bucket-region": true, "allow-unordered": true,
}

// unknownQueryParam returns the first query parameter zones3 does not
// understand, or "".
func unknownQueryParam(q map[string][]string) string {
	for name := range q {
		if knownQueryParams[name] {
			continue
		}
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-amz-") || strings.HasPrefix(lower, "response-") {
			continue
		}
		return name
	}
	return ""
}

// route finds the operation of a request: bucket and key from the Host
// and path, then the API from method and query subresources. It fills
// rq.api even when it fails, for metrics and logs.
func (h *handler) route(r *http.Request, rq *request) (apiFunc, error) {
	rq.query = r.URL.Query()
	q := rq.query
	path := r.URL.Path
	if b := VirtualHostBucket(r.Host, h.domains); b != "" {
		rq.bucket = b
		rq.key = strings.TrimPrefix(path, "/")
	} else {
		rq.bucket, rq.key, _ = strings.Cut(strings.TrimPrefix(path, "/"), "/")
	}

	if rq.bucket == "" {
		rq.api = "ListBuckets"
		if r.Method != http.MethodGet {
			return nil, errMethodNotAllowed
		}
		return (*handler).listBuckets, nil
	}

	var unsupported string
	for name := range q {
		if unsupportedSubresources[name] {
			unsupported = name
			break
		}
	}
	fn, api := routeBucketOrObject(r, q, rq.key != "")
	rq.api = api
	if unsupported != "" {
		rq.api = "NotImplemented"
		return nil, errNotImplemented.withMessage("The ?" + unsupported + " subresource is not implemented.")
	}
	if name := unknownQueryParam(q); name != "" {
		return nil, errInvalidArgument.withMessage("Unknown or unsupported query parameter: " + name + ".")
	}
	if !validBucketName(rq.bucket) {
		return nil, errInvalidBucketName
	}
	if len(rq.key) > maxKeyLength {
		return nil, errKeyTooLong
	}
	if fn == nil {
		if api == "" {
			rq.api = "MethodNotAllowed"
			return nil, errMethodNotAllowed
		}
		return nil, errNotImplemented
	}
	return fn, nil
}

// routeBucketOrObject picks the operation on a bucket (object false) or an
// object. A nil func with an API name is a known operation zones3 does not
// implement; a nil func without one is a method S3 does not allow.
func routeBucketOrObject(r *http.Request, q map[string][]string, object bool) (apiFunc, string) {
	has := func(name string) bool { _, ok := q[name]; return ok }
	if !object {
		switch r.Method {
		case http.MethodGet:
			switch {
			case has("location"):
				return (*handler).getBucketLocation, "GetBucketLocation"
			case has("policy"):
				return (*handler).getBucketPolicy, "GetBucketPolicy"
			case has("policyStatus"):
				return (*handler).getBucketPolicyStatus, "GetBucketPolicyStatus"
			case has("lifecycle"):
				return (*handler).getBucketLifecycle, "GetBucketLifecycleConfiguration"
			case has("versioning"):
				return (*handler).getBucketVersioning, "GetBucketVersioning"
			case has("tagging"):
				return (*handler).getBucketTagging, "GetBucketTagging"
			case has("acl"):
				return (*handler).getACL, "GetBucketAcl"
			case has("uploads"):
				return (*handler).listMultipartUploads, "ListMultipartUploads"
			case has("versions"):
				return (*handler).listObjectVersions, "ListObjectVersions"
			case has("list-type"):
				return (*handler).listObjectsV2, "ListObjectsV2"
			}
			return (*handler).listObjectsV1, "ListObjects"
		case http.MethodHead:
			return (*handler).headBucket, "HeadBucket"
		case http.MethodPut:
			switch {
			case has("acl"):
				return (*handler).putACL, "PutBucketAcl"
			case has("policy"):
				return (*handler).putBucketPolicy, "PutBucketPolicy"
			case has("lifecycle"):
				return (*handler).putBucketLifecycle, "PutBucketLifecycleConfiguration"
			case has("versioning"):
				return (*handler).putBucketVersioning, "PutBucketVersioning"
			case has("tagging"):
				return (*handler).putBucketTagging, "PutBucketTagging"
			}
			return (*handler).createBucket, "CreateBucket"
		case http.MethodDelete:
			switch {
			case has("policy"):
				return (*handler).deleteBucketPolicy, "DeleteBucketPolicy"
			case has("lifecycle"):
				return (*handler).deleteBucketLifecycle, "DeleteBucketLifecycle"
			case has("tagging"):
				return (*handler).deleteBucketTagging, "DeleteBucketTagging"
			}
			return (*handler).deleteBucket, "DeleteBucket"
		case http.MethodPost:
			if has("delete") {
				return (*handler).deleteObjects, "DeleteObjects"
			}
			return nil, "PostObject"
		}
		return nil, ""
	}
	switch r.Method {
	case http.MethodGet:
		switch {
		case has("uploadId"):
			return (*handler).listParts, "ListParts"
		case has("acl"):
			return (*handler).getACL, "GetObjectAcl"
		case has("tagging"):
			return (*handler).getObjectTagging, "GetObjectTagging"
		}
		return (*handler).getObject, "GetObject"
	case http.MethodHead:
		return (*handler).headObject, "HeadObject"
	case http.MethodPut:
		switch {
		case has("uploadId") || has("partNumber"):
			if r.Header.Get("X-Amz-Copy-Source") != "" {
				return (*handler).uploadPartCopy, "UploadPartCopy"
			}
			return (*handler).uploadPart, "UploadPart"
		case has("acl"):
			return (*handler).putACL, "PutObjectAcl"
		case has("tagging"):
			return (*handler).putObjectTagging, "PutObjectTagging"
		case r.Header.Get("X-Amz-Copy-Source") != "":
			return (*handler).copyObject, "CopyObject"
		}
		return (*handler).putObject, "PutObject"
	case http.MethodPost:
		switch {
		case has("uploads"):
			return (*handler).createMultipartUpload, "CreateMultipartUpload"
		case has("uploadId"):
			return (*handler).completeMultipartUpload, "CompleteMultipartUpload"
		}
		return nil, "PostObject"
	case http.MethodDelete:
		switch {
		case has("uploadId"):
			return (*handler).abortMultipartUpload, "AbortMultipartUpload"
		case has("tagging"):
			return (*handler).deleteObjectTagging, "DeleteObjectTagging"
		}
		return (*handler).deleteObject, "DeleteObject"
	}
	return nil, ""
}

// validBucketName applies S3's rules for general purpose bucket names.
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '.' || c == '-':
			if i == 0 || i == len(name)-1 {
				return false
			}
		default:
			return false
		}
	}
	if strings.Contains(name, "..") ||
		strings.HasPrefix(name, "xn--") ||
		strings.HasPrefix(name, "sthree-") ||
		strings.HasPrefix(name, "amzn-s3-demo-") ||
		strings.HasSuffix(name, "-s3alias") ||
		strings.HasSuffix(name, "--ol-s3") ||
		strings.HasSuffix(name, ".mrap") ||
		strings.HasSuffix(name, "--x-s3") ||
		strings.HasSuffix(name, "--table-s3") {
		return false
	}
	// Only digits and dots can form an IPv4 address; skip the parse
	// otherwise.
	if strings.Trim(name, "0123456789.") == "" && net.ParseIP(name) != nil {
		return false
	}
	return true
}
