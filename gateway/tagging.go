package gateway

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/zones3/zones3/gateway/objectlayer"
)

var errNoSuchTagSet = &apiError{"NoSuchTagSet", http.StatusNotFound, "The TagSet does not exist"}

// writeTagging sends a Tagging document, its tags sorted by key.
func writeTagging(w *respWriter, tags map[string]string) {
	x := newXMLBuf()
	x.root("Tagging")
	x.open("TagSet")
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		x.open("Tag")
		x.elem("Key", k)
		x.elem("Value", tags[k])
		x.close("Tag")
	}
	x.close("TagSet")
	x.close("Tagging")
	x.write(w, http.StatusOK)
}

// tagVersionError adds the delete marker headers to a tagging call that
// met one.
func tagVersionError(w *respWriter, info objectlayer.ObjectInfo, err error) error {
	deleteMarkerHeaders(w.Header(), info, err)
	return err
}

func (h *handler) getObjectTagging(w *respWriter, r *http.Request, rq *request) error {
	vid, err := versionParam(rq.query)
	if err != nil {
		return err
	}
	info, err := h.layer.StatVersion(r.Context(), rq.bucket, rq.key, vid)
	if err != nil {
		return tagVersionError(w, info, err)
	}
	setVersionHeader(w.Header(), info.VersionID)
	writeTagging(w, info.Tags)
	return nil
}

func (h *handler) putObjectTagging(w *respWriter, r *http.Request, rq *request) error {
	vid, err := versionParam(rq.query)
	if err != nil {
		return err
	}
	body, err := h.readXMLBody(r, rq, maxSmallXML)
	if err != nil {
		return err
	}
	tags, err := parseTagSetXML(body, objectTags)
	if err != nil {
		return err
	}
	info, err := h.layer.PutObjectTags(r.Context(), rq.bucket, rq.key, vid, tags)
	if err != nil {
		return tagVersionError(w, info, err)
	}
	setVersionHeader(w.Header(), info.VersionID)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (h *handler) deleteObjectTagging(w *respWriter, r *http.Request, rq *request) error {
	vid, err := versionParam(rq.query)
	if err != nil {
		return err
	}
	info, err := h.layer.PutObjectTags(r.Context(), rq.bucket, rq.key, vid, nil)
	if err != nil {
		return tagVersionError(w, info, err)
	}
	setVersionHeader(w.Header(), info.VersionID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handler) getBucketTagging(w *respWriter, r *http.Request, rq *request) error {
	tags, err := h.layer.BucketTags(r.Context(), rq.bucket)
	if err != nil {
		return err
	}
	writeTagging(w, tags)
	return nil
}

func (h *handler) putBucketTagging(w *respWriter, r *http.Request, rq *request) error {
	body, err := h.readXMLBody(r, rq, maxSmallXML)
	if err != nil {
		return err
	}
	tags, err := parseTagSetXML(body, bucketTags)
	if err != nil {
		return err
	}
	if err := h.layer.SetBucketTags(r.Context(), rq.bucket, tags); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handler) deleteBucketTagging(w *respWriter, r *http.Request, rq *request) error {
	if err := h.layer.SetBucketTags(r.Context(), rq.bucket, nil); err != nil && !errors.Is(err, objectlayer.ErrNoSuchTagSet) {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// setTaggingCount tells a read how many tags the version has.
func setTaggingCount(h http.Header, tags map[string]string) {
	if len(tags) > 0 {
		h["X-Amz-Tagging-Count"] = []string{strconv.Itoa(len(tags))}
	}
}
