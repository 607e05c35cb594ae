package gateway

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strings"

	"github.com/zones3/zones3/gateway/objectlayer"
)

func (h *handler) listBuckets(w *respWriter, r *http.Request, rq *request) error {
	q := rq.query
	buckets, err := h.layer.ListBuckets(r.Context())
	if err != nil {
		return err
	}
	slices.SortFunc(buckets, func(a, b objectlayer.BucketInfo) int { return strings.Compare(a.Name, b.Name) })
	prefix := q.Get("prefix")
	maxBuckets, err := parseMax(q, "max-buckets", 10000)
	if err != nil {
		return err
	}
	if _, ok := q["max-buckets"]; ok && maxBuckets < 1 {
		return errInvalidArgument.withMessage("Provided max-buckets not an integer or within integer range")
	}
	after := ""
	if tok := q.Get("continuation-token"); tok != "" {
		b, err := base64.StdEncoding.DecodeString(tok)
		if err != nil {
			return errInvalidContinuationToken
		}
		after = string(b)
	}
	region := q.Get("bucket-region")

	own := ownerOf(rq.auth.AccessKey)
	x := newXMLBuf()
	x.root("ListAllMyBucketsResult")
	x.owner("Owner", own)
	x.open("Buckets")
	n, last, truncated := 0, "", false
	for _, b := range buckets {
		if !strings.HasPrefix(b.Name, prefix) || b.Name <= after || (region != "" && h.bucketRegion(b) != region) {
			continue
		}
		if n == maxBuckets {
			truncated = true
			break
		}
		x.open("Bucket")
		x.elem("Name", b.Name)
		x.elemTime("CreationDate", b.Created)
		x.elem("BucketRegion", h.bucketRegion(b))
		x.close("Bucket")
		n++
		last = b.Name
	}
	x.close("Buckets")
	if truncated {
		x.elem("ContinuationToken", base64.StdEncoding.EncodeToString([]byte(last)))
	}
	if prefix != "" {
		x.elem("Prefix", prefix)
	}
	x.close("ListAllMyBucketsResult")
	x.write(w, http.StatusOK)
	return nil
}

func (h *handler) bucketRegion(b objectlayer.BucketInfo) string {
	if b.Region != "" {
		return b.Region
	}
	return h.region
}

func (h *handler) createBucket(w *respWriter, r *http.Request, rq *request) error {
	if err := checkCannedACL(r.Header.Get("X-Amz-Acl")); err != nil {
		return err
	}
	if strings.EqualFold(r.Header.Get("X-Amz-Bucket-Object-Lock-Enabled"), "true") {
		return errNotImplemented.withMessage("Object lock is not implemented.")
	}
	body, err := h.readXMLBody(r, rq, maxSmallXML)
	if err != nil {
		return err
	}
	lc, err := parseCreateBucketConfiguration(body)
	if err != nil {
		return err
	}
	// As S3: the constraint names the endpoint's region, and may only be
	// left out in us-east-1.
	switch {
	case lc == h.region:
	case lc == "" && h.region == "us-east-1":
	case lc == "EU" && h.region == "eu-west-1":
	default:
		if lc == "" {
			return errIllegalLocation.withMessage("The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
		}
		return errIllegalLocation.withMessage("The " + lc + " location constraint is incompatible for the region specific endpoint this request was sent to.")
	}
	if err := h.layer.MakeBucket(r.Context(), rq.bucket, h.region); err != nil {
		return err
	}
	w.Header().Set("Location", "/"+rq.bucket)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (h *handler) headBucket(w *respWriter, r *http.Request, rq *request) error {
	b, err := h.layer.GetBucket(r.Context(), rq.bucket)
	if err != nil {
		return err
	}
	w.Header().Set("X-Amz-Bucket-Region", h.bucketRegion(b))
	w.Header().Set("X-Amz-Access-Point-Alias", "false")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (h *handler) getBucketLocation(w *respWriter, r *http.Request, rq *request) error {
	b, err := h.layer.GetBucket(r.Context(), rq.bucket)
	if err != nil {
		return err
	}
	region := h.bucketRegion(b)
	if region == "us-east-1" {
		// S3 shows the oldest region as no constraint.
		region = ""
	}
	x := newXMLBuf()
	x.root("LocationConstraint")
	x.b = appendEscaped(x.b, region)
	x.close("LocationConstraint")
	x.write(w, http.StatusOK)
	return nil
}

func (h *handler) deleteBucket(w *respWriter, r *http.Request, rq *request) error {
	if err := h.layer.DeleteBucket(r.Context(), rq.bucket); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// getACL answers GetBucketAcl and GetObjectAcl: the owner has
// FULL_CONTROL and nobody else has anything, which is what zones3 enforces.
func (h *handler) getACL(w *respWriter, r *http.Request, rq *request) error {
	if err := h.aclTargetExists(w, r, rq); err != nil {
		return err
	}
	own := ownerOf(rq.auth.AccessKey)
	x := newXMLBuf()
	x.root("AccessControlPolicy")
	x.owner("Owner", own)
	x.open("AccessControlList")
	x.open("Grant")
	x.raw(`<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">`)
	x.elem("ID", own.ID)
	x.elem("DisplayName", own.DisplayName)
	x.close("Grantee")
	x.elem("Permission", "FULL_CONTROL")
	x.close("Grant")
	x.close("AccessControlList")
	x.close("AccessControlPolicy")
	x.write(w, http.StatusOK)
	return nil
}

// putACL accepts only ACLs that say "owner only" (canned private, or a
// policy with one FULL_CONTROL grant); anything wider is not implemented.
func (h *handler) putACL(w *respWriter, r *http.Request, rq *request) error {
	if err := h.aclTargetExists(w, r, rq); err != nil {
		return err
	}
	for _, name := range []string{"X-Amz-Grant-Full-Control", "X-Amz-Grant-Read", "X-Amz-Grant-Read-Acp", "X-Amz-Grant-Write", "X-Amz-Grant-Write-Acp"} {
		if r.Header.Get(name) != "" {
			return errNotImplemented.withMessage("ACL grants are not implemented; only the private ACL is.")
		}
	}
	acl := r.Header.Get("X-Amz-Acl")
	if err := checkCannedACL(acl); err != nil {
		return err
	}
	body, err := h.readXMLBody(r, rq, maxSmallXML)
	if err != nil {
		return err
	}
	if len(body) > 0 {
		ownerOnly, err := parseACLPolicy(body)
		if err != nil {
			return err
		}
		if !ownerOnly {
			return errNotImplemented.withMessage("ACL grants are not implemented; only the private ACL is.")
		}
	} else if acl == "" {
		return errMalformedXML.withMessage("An ACL needs an x-amz-acl header or an AccessControlPolicy body.")
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (h *handler) aclTargetExists(w *respWriter, r *http.Request, rq *request) error {
	if rq.key == "" {
		_, err := h.layer.GetBucket(r.Context(), rq.bucket)
		return err
	}
	vid, err := versionParam(rq.query)
	if err != nil {
		return err
	}
	info, err := h.layer.StatVersion(r.Context(), rq.bucket, rq.key, vid)
	deleteMarkerHeaders(w.Header(), info, err)
	return err
}
