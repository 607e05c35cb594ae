package gateway

import (
	"errors"
	"net/http"
	"sync"

	"github.com/zones3/zones3/gateway/objectlayer"
)

// deleteParallelism bounds the deletes one DeleteObjects runs at once.
const deleteParallelism = 16

func (h *handler) deleteObjects(w *respWriter, r *http.Request, rq *request) error {
	// S3 insists on an integrity check of this body.
	if !hasChecksumHeader(r.Header) {
		return errMissingBodyChecksum
	}
	body, err := h.readXMLBody(r, rq, maxDeleteXML)
	if err != nil {
		return err
	}
	req, err := parseDelete(body)
	if err != nil {
		return err
	}
	if _, err := h.layer.GetBucket(r.Context(), rq.bucket); err != nil {
		return err
	}

	results := make([]*apiError, len(req.objects))
	done := make([]objectlayer.DeleteResult, len(req.objects))
	var wg sync.WaitGroup
	sem := make(chan struct{}, deleteParallelism)
	for i, o := range req.objects {
		switch {
		case len(o.key) > maxKeyLength:
			results[i] = errKeyTooLong
			continue
		case o.versionID != "" && !objectlayer.ValidVersionID(o.versionID):
			results[i] = errNoSuchVersion
			continue
		}
		if err := h.authorizeAction(r, rq, "s3:DeleteObject", rq.bucket, o.key); err != nil {
			e, _ := toAPIError(err)
			results[i] = e
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			res, err := h.layer.DeleteObjectVersion(r.Context(), rq.bucket, o.key, objectlayer.DeleteOptions{VersionID: o.versionID})
			if err == nil || errors.Is(err, objectlayer.ErrNoSuchKey) {
				done[i] = res
				return
			}
			e, internal := toAPIError(err)
			if internal {
				h.log.Error("s3 internal error", "api", rq.api, "bucket", rq.bucket, "key", o.key, "request_id", rq.id, "err", err)
			}
			results[i] = e
		}()
	}
	wg.Wait()

	x := newXMLBuf()
	x.root("DeleteResult")
	for i, o := range req.objects {
		e := results[i]
		if e == nil {
			if !req.quiet {
				// As S3: the version asked for; and for a delete marker,
				// created or removed, its ID.
				x.open("Deleted")
				x.elem("Key", o.key)
				x.elemIf("VersionId", o.versionID)
				if done[i].DeleteMarker {
					x.elemBool("DeleteMarker", true)
					x.elemIf("DeleteMarkerVersionId", done[i].VersionID)
				}
				x.close("Deleted")
			}
			continue
		}
		x.open("Error")
		x.elem("Key", o.key)
		x.elemIf("VersionId", o.versionID)
		x.elem("Code", e.Code)
		x.elem("Message", e.Message)
		x.close("Error")
	}
	x.close("DeleteResult")
	x.write(w, http.StatusOK)
	return nil
}
