package gateway

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zones3/zones3/iam"
)

// An S3 request is authorised by asking the Authorizer, once per
// (action, resource) the operation touches, whether the caller may. The
// gateway knows which actions an operation needs and what the request
// says about itself (the condition context); the Authorizer knows who the
// caller is and which policies apply.

// AuthzRequest is one question to the Authorizer.
type AuthzRequest struct {
	Auth     iam.Auth // how and by whom the request was signed; Method AuthAnonymous for none
	Action   string   // e.g. s3:GetObject
	Resource string   // e.g. arn:aws:s3:::bucket/key, or arn:aws:s3:::bucket, or *
	Bucket   string   // the bucket whose policy applies; "" for ListBuckets
	// Context holds the condition keys the request defines (lower-case
	// names, e.g. aws:sourceip, s3:prefix). The Authorizer adds the keys
	// of the principal (aws:username, aws:userid, aws:principalarn).
	Context map[string][]string
}

// s3Actions names, for each operation the gateway serves, the IAM action
// it needs on its own resource (the bucket for bucket operations, the
// object for object operations). Operations that read a second resource
// (the copies) also need s3:GetObject on the source; the handlers ask for
// that themselves.
var s3Actions = map[string]string{
	"ListBuckets":                     "s3:ListAllMyBuckets",
	"CreateBucket":                    "s3:CreateBucket",
	"DeleteBucket":                    "s3:DeleteBucket",
	"HeadBucket":                      "s3:ListBucket",
	"GetBucketLocation":               "s3:GetBucketLocation",
	"ListObjects":                     "s3:ListBucket",
	"ListObjectsV2":                   "s3:ListBucket",
	"ListObjectVersions":              "s3:ListBucketVersions",
	"ListMultipartUploads":            "s3:ListBucketMultipartUploads",
	"GetBucketVersioning":             "s3:GetBucketVersioning",
	"PutBucketVersioning":             "s3:PutBucketVersioning",
	"GetBucketAcl":                    "s3:GetBucketAcl",
	"PutBucketAcl":                    "s3:PutBucketAcl",
	"GetBucketTagging":                "s3:GetBucketTagging",
	"PutBucketTagging":                "s3:PutBucketTagging",
	"DeleteBucketTagging":             "s3:PutBucketTagging",
	"GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
	"PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
	"DeleteBucketLifecycle":           "s3:PutLifecycleConfiguration",
	"GetBucketPolicy":                 "s3:GetBucketPolicy",
	"PutBucketPolicy":                 "s3:PutBucketPolicy",
	"DeleteBucketPolicy":              "s3:DeleteBucketPolicy",
	"GetBucketPolicyStatus":           "s3:GetBucketPolicyStatus",
	"DeleteObjects":                   "s3:DeleteObject", // asked per key
	"GetObject":                       "s3:GetObject",
	"HeadObject":                      "s3:GetObject",
	"PutObject":                       "s3:PutObject",
	"CopyObject":                      "s3:PutObject",
	"DeleteObject":                    "s3:DeleteObject",
	"GetObjectAcl":                    "s3:GetObjectAcl",
	"PutObjectAcl":                    "s3:PutObjectAcl",
	"GetObjectTagging":                "s3:GetObjectTagging",
	"PutObjectTagging":                "s3:PutObjectTagging",
	"DeleteObjectTagging":             "s3:DeleteObjectTagging",
	"CreateMultipartUpload":           "s3:PutObject",
	"UploadPart":                      "s3:PutObject",
	"UploadPartCopy":                  "s3:PutObject",
	"CompleteMultipartUpload":         "s3:PutObject",
	"AbortMultipartUpload":            "s3:AbortMultipartUpload",
	"ListParts":                       "s3:ListMultipartUploadParts",
}

// versionedActions are the actions that name a specific version when the
// request carries versionId: AWS checks the ...Version form then.
var versionedActions = map[string]string{
	"s3:GetObject":           "s3:GetObjectVersion",
	"s3:DeleteObject":        "s3:DeleteObjectVersion",
	"s3:GetObjectTagging":    "s3:GetObjectVersionTagging",
	"s3:PutObjectTagging":    "s3:PutObjectVersionTagging",
	"s3:DeleteObjectTagging": "s3:DeleteObjectVersionTagging",
	"s3:GetObjectAcl":        "s3:GetObjectVersionAcl",
	"s3:PutObjectAcl":        "s3:PutObjectVersionAcl",
}

// actionFor returns the IAM action of operation api; versioned says the
// request names a version. ok is false for an operation without one.
func actionFor(api string, versioned bool) (action string, ok bool) {
	action, ok = s3Actions[api]
	if ok && versioned {
		if v, has := versionedActions[action]; has {
			action = v
		}
	}
	return action, ok
}

// s3ARN is the resource name of a bucket (key "") or an object.
func s3ARN(bucket, key string) string {
	if bucket == "" {
		return "*"
	}
	if key == "" {
		return "arn:aws:s3:::" + bucket
	}
	return "arn:aws:s3:::" + bucket + "/" + key
}

// conditionContext returns the condition keys a request defines, as AWS
// documents them for S3: the global keys of the request and, for the
// listing and writing operations, the S3 keys of its arguments.
func conditionContext(r *http.Request, auth iam.Auth, now time.Time) map[string][]string {
	c := make(map[string][]string, 12)
	if ip := sourceIP(r); ip != "" {
		c["aws:sourceip"] = []string{ip}
	}
	c["aws:securetransport"] = []string{strconv.FormatBool(r.TLS != nil)}
	c["aws:currenttime"] = []string{now.UTC().Format(time.RFC3339)}
	c["aws:epochtime"] = []string{strconv.FormatInt(now.Unix(), 10)}
	if ua := r.Header.Get("User-Agent"); ua != "" {
		c["aws:useragent"] = []string{ua}
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		c["aws:referer"] = []string{ref}
	}
	q := r.URL.Query()
	for _, name := range [...]string{"prefix", "delimiter", "max-keys"} {
		if v, ok := q[name]; ok {
			c["s3:"+name] = v
		}
	}
	if v, ok := q["versionId"]; ok {
		c["s3:versionid"] = v
	}
	if acl := r.Header.Get("X-Amz-Acl"); acl != "" {
		c["s3:x-amz-acl"] = []string{acl}
	}
	if sha := r.Header.Get("X-Amz-Content-Sha256"); sha != "" {
		c["s3:x-amz-content-sha256"] = []string{sha}
	}
	switch auth.Method {
	case iam.AuthV4Header:
		c["s3:signatureversion"] = []string{"AWS4-HMAC-SHA256"}
		c["s3:authtype"] = []string{"REST-HEADER"}
	case iam.AuthV4Query:
		c["s3:signatureversion"] = []string{"AWS4-HMAC-SHA256"}
		c["s3:authtype"] = []string{"REST-QUERY-STRING"}
	case iam.AuthV2Header:
		c["s3:signatureversion"] = []string{"AWS"}
		c["s3:authtype"] = []string{"REST-HEADER"}
	case iam.AuthV2Query:
		c["s3:signatureversion"] = []string{"AWS"}
		c["s3:authtype"] = []string{"REST-QUERY-STRING"}
	}
	return c
}

// sourceIP is the address the request came from. Forwarding headers are
// not trusted: a client could name any address in them.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return strings.TrimPrefix(strings.TrimSuffix(host, "]"), "[")
}
