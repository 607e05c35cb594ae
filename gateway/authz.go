package gateway

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/iam"
	"github.com/zones3/zones3/iam/policy"
)

// An S3 request is authorised by asking the Authorizer, once per
// (action, resource) the operation touches, whether the caller may. The
// gateway knows which actions an operation needs and what the request
// says about itself (the condition context); the Authorizer knows who the
// caller is and which policies apply.

// Authorizer answers authorisation questions. Authorize returns nil when
// the request is allowed and an error (answered AccessDenied) when not;
// it logs each denial itself, since it knows who was denied and why.
type Authorizer interface {
	Authorize(ctx context.Context, q *iam.AccessRequest) error
}

// s3Actions names, for each operation the gateway serves, the IAM action
// it needs on its own resource (the bucket for bucket operations, the
// object for object operations). Operations that read a second resource
// (the copies) also need s3:GetObject on the source, and DeleteObjects
// needs s3:DeleteObject on each key it names; the handlers ask for those
// themselves.
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

// conditionContext returns the condition keys a request (with its parsed
// query q) defines, as AWS documents them for S3: the global keys of the
// request and, for the listing and writing operations, the S3 keys of its
// arguments.
func conditionContext(r *http.Request, q url.Values, auth iam.Auth, now time.Time) policy.Context {
	c := make(policy.Context, 12)
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
	if tags := r.Header.Get("X-Amz-Tagging"); tags != "" {
		// A malformed header is refused by the operation itself.
		if set, err := parseTaggingHeader(tags); err == nil {
			keys := make([]string, 0, len(set))
			for k, v := range set {
				c["s3:requestobjecttag/"+strings.ToLower(k)] = []string{v}
				keys = append(keys, k)
			}
			c["s3:requestobjecttagkeys"] = keys
		}
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

// authorize asks the Authorizer whether the request may do its operation
// on its own resource. Without an Authorizer every signed request is
// allowed and anonymous ones are not.
func (h *handler) authorize(r *http.Request, rq *request) error {
	if rq.api == "DeleteObjects" {
		return h.authorizeAction(r, rq, "", "", "") // only who: each key is asked later
	}
	action, ok := actionFor(rq.api, rq.query.Has("versionId"))
	if !ok {
		return nil // an operation zones3 refuses anyway
	}
	return h.authorizeAction(r, rq, action, rq.bucket, rq.key)
}

// authorizeAction asks whether the request may do action on the object
// key of bucket (the bucket itself when key is "").
func (h *handler) authorizeAction(r *http.Request, rq *request, action, bucket, key string) error {
	if h.authz == nil || action == "" {
		if rq.auth.Method == iam.AuthAnonymous && h.authz == nil {
			return errAccessDenied
		}
		return nil
	}
	q := &iam.AccessRequest{
		Auth:     rq.auth,
		Action:   action,
		Resource: s3ARN(bucket, key),
		Context:  rq.conditions,
	}
	if q.Context == nil {
		q.Context = conditionContext(r, rq.query, rq.auth, time.Now())
		rq.conditions = q.Context
	}
	if bucket != "" && action != "s3:CreateBucket" {
		p, err := h.policies.get(r, h.layer, bucket)
		if err != nil {
			return err
		}
		q.ResourcePolicy = p
	}
	if err := h.authz.Authorize(r.Context(), q); err != nil {
		if errors.Is(err, objectlayer.ErrQuorum) {
			return err
		}
		return errAccessDenied
	}
	return nil
}

// policyCache keeps the parsed policy of each bucket, parsed again only
// when the stored document changes. The documents themselves come from
// the object layer, which caches them for a short time.
type policyCache struct {
	mu      sync.Mutex
	entries map[string]cachedPolicy
	log     *slog.Logger
}

type cachedPolicy struct {
	doc []byte
	pol *policy.Policy
}

func (c *policyCache) get(r *http.Request, layer objectlayer.API, bucket string) (*policy.Policy, error) {
	doc, err := layer.GetBucketConfig(r.Context(), bucket, objectlayer.ConfigPolicy)
	if errors.Is(err, objectlayer.ErrNoSuchMeta) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	e, ok := c.entries[bucket]
	c.mu.Unlock()
	if ok && bytes.Equal(e.doc, doc) {
		return e.pol, nil
	}
	pol, err := policy.ParseBucketPolicy(doc, bucket)
	if err != nil {
		// Stored documents were valid when put; one that no longer parses
		// (a newer zones3 wrote it) grants nothing.
		c.log.Warn("bucket policy does not parse", "bucket", bucket, "err", err)
		return nil, nil
	}
	pol.Name = "bucket-policy:" + bucket
	c.mu.Lock()
	if c.entries == nil || len(c.entries) > 10000 {
		c.entries = make(map[string]cachedPolicy)
	}
	c.entries[bucket] = cachedPolicy{doc: bytes.Clone(doc), pol: pol}
	c.mu.Unlock()
	return pol, nil
}

func (c *policyCache) forget(bucket string) {
	c.mu.Lock()
	delete(c.entries, bucket)
	c.mu.Unlock()
}
