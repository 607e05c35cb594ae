package gateway

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/iam/policy"
	"github.com/zones3/zones3/lifecycle"
)

// Bucket policies and lifecycle configurations are stored as the bucket's
// configuration records (objectlayer.ConfigPolicy, ConfigLifecycle): the
// policy as the document the user sent, the lifecycle configuration in the
// lifecycle package's own encoding.

// maxPolicyDocument is S3's limit on a bucket policy (20 KiB).
const maxPolicyDocument = 20 << 10

// maxLifecycleDocument bounds a lifecycle configuration body: 1,000 rules
// of a few hundred bytes each.
const maxLifecycleDocument = 2 << 20

func (h *handler) putBucketPolicy(w *respWriter, r *http.Request, rq *request) error {
	body, err := h.readXMLBody(r, rq, maxPolicyDocument)
	if errors.Is(err, errMaxMessageLength) {
		return errMalformedPolicy.withMessage("Policies must be no more than 20 KB")
	}
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errMalformedPolicy.withMessage("Policies must be valid JSON and the first byte must be '{'")
	}
	if _, err := policy.ParseBucketPolicy(body, rq.bucket); err != nil {
		return err
	}
	if err := h.layer.PutBucketConfig(r.Context(), rq.bucket, objectlayer.ConfigPolicy, body); err != nil {
		return err
	}
	h.policies.forget(rq.bucket)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handler) getBucketPolicy(w *respWriter, r *http.Request, rq *request) error {
	doc, err := h.bucketConfig(r, rq, objectlayer.ConfigPolicy, errNoSuchBucketPolicy)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(doc)
	return err
}

func (h *handler) deleteBucketPolicy(w *respWriter, r *http.Request, rq *request) error {
	if err := h.layer.PutBucketConfig(r.Context(), rq.bucket, objectlayer.ConfigPolicy, nil); err != nil {
		return err
	}
	h.policies.forget(rq.bucket)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handler) getBucketPolicyStatus(w *respWriter, r *http.Request, rq *request) error {
	doc, err := h.bucketConfig(r, rq, objectlayer.ConfigPolicy, errNoSuchBucketPolicy)
	if err != nil {
		return err
	}
	p, err := policy.ParseBucketPolicy(doc, rq.bucket)
	if err != nil {
		return err
	}
	x := newXMLBuf()
	defer x.release()
	x.root("PolicyStatus")
	x.elemBool("IsPublic", policy.IsPublic(p))
	x.close("PolicyStatus")
	x.write(w, http.StatusOK)
	return nil
}

func (h *handler) putBucketLifecycle(w *respWriter, r *http.Request, rq *request) error {
	// S3 insists on an integrity check of this body, as for DeleteObjects.
	if !hasChecksumHeader(r.Header) {
		return errMissingBodyChecksum
	}
	body, err := h.readXMLBody(r, rq, maxLifecycleDocument)
	if err != nil {
		return err
	}
	cfg, err := lifecycle.Parse(bytes.NewReader(body))
	if err != nil {
		return err
	}
	enc, err := cfg.Marshal()
	if err != nil {
		return err
	}
	if err := h.layer.PutBucketConfig(r.Context(), rq.bucket, objectlayer.ConfigLifecycle, enc); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (h *handler) getBucketLifecycle(w *respWriter, r *http.Request, rq *request) error {
	enc, err := h.bucketConfig(r, rq, objectlayer.ConfigLifecycle, errNoSuchLifecycleConfiguration)
	if err != nil {
		return err
	}
	cfg, err := lifecycle.Unmarshal(enc)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(cfg.XML())
	return err
}

func (h *handler) deleteBucketLifecycle(w *respWriter, r *http.Request, rq *request) error {
	if err := h.layer.PutBucketConfig(r.Context(), rq.bucket, objectlayer.ConfigLifecycle, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// bucketConfig reads a configuration of an existing bucket; missing is
// the error when the bucket has none.
func (h *handler) bucketConfig(r *http.Request, rq *request, name string, missing *apiError) ([]byte, error) {
	v, err := h.layer.GetBucketConfig(r.Context(), rq.bucket, name)
	if errors.Is(err, objectlayer.ErrNoSuchMeta) {
		if _, err := h.layer.GetBucket(r.Context(), rq.bucket); err != nil {
			return nil, err
		}
		return nil, missing
	}
	return v, err
}
