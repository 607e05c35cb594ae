package gateway

import (
	"bytes"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/zones3/zones3/gateway/objectlayer"
)

// versionParam returns the versionId query parameter, "" when absent. An
// empty or malformed one is InvalidArgument, as in S3.
func versionParam(q url.Values) (string, error) {
	v, ok := q["versionId"]
	if !ok {
		return "", nil
	}
	if len(v) == 0 || v[0] == "" {
		return "", errInvalidArgument.withMessage("Version id cannot be the empty string")
	}
	if !objectlayer.ValidVersionID(v[0]) {
		return "", errInvalidArgument.withMessage("Invalid version id specified")
	}
	return v[0], nil
}

// setVersionHeader names the version a response is about; objects of
// buckets that never had versioning have none.
func setVersionHeader(h http.Header, id string) {
	if id != "" {
		h["X-Amz-Version-Id"] = []string{id}
	}
}

// deleteMarkerHeaders adds what S3 tells about a delete marker when a read
// meets one: the key's current version is a marker (404 NoSuchKey), or
// the version asked for is one (405 MethodNotAllowed, with its date).
func deleteMarkerHeaders(h http.Header, info objectlayer.ObjectInfo, err error) {
	if !info.DeleteMarker {
		return
	}
	h["X-Amz-Delete-Marker"] = []string{"true"}
	setVersionHeader(h, info.VersionID)
	if errors.Is(err, objectlayer.ErrDeleteMarker) {
		h["Last-Modified"] = []string{info.LastModified.UTC().Format(http.TimeFormat)}
	}
}

// parseVersioningConfiguration reads a PutBucketVersioning body.
func parseVersioningConfiguration(body []byte) (objectlayer.VersioningState, error) {
	var doc struct {
		XMLName   xml.Name `xml:"VersioningConfiguration"`
		Status    *string  `xml:"Status"`
		MfaDelete *string  `xml:"MfaDelete"`
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return "", errMalformedXML
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return "", errMalformedXML
	}
	if doc.MfaDelete != nil {
		switch strings.TrimSpace(*doc.MfaDelete) {
		case "Disabled":
		case "Enabled":
			return "", errNotImplemented.withMessage("MFA Delete is not supported: zones3 has no MFA devices.")
		default:
			return "", errMalformedXML
		}
	}
	if doc.Status == nil {
		return "", errMalformedXML.withMessage("The versioning configuration needs a Status of Enabled or Suspended.")
	}
	switch s := objectlayer.VersioningState(strings.TrimSpace(*doc.Status)); s {
	case objectlayer.VersioningEnabled, objectlayer.VersioningSuspended:
		return s, nil
	}
	return "", errMalformedXML.withMessage("The versioning Status must be Enabled or Suspended.")
}

func (h *handler) putBucketVersioning(w *respWriter, r *http.Request, rq *request) error {
	if r.Header.Get("X-Amz-Mfa") != "" {
		return errNotImplemented.withMessage("MFA Delete is not supported: zones3 has no MFA devices.")
	}
	body, err := h.readXMLBody(r, rq, maxSmallXML)
	if err != nil {
		return err
	}
	state, err := parseVersioningConfiguration(body)
	if err != nil {
		return err
	}
	if err := h.layer.SetBucketVersioning(r.Context(), rq.bucket, state); err != nil {
		return err
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (h *handler) getBucketVersioning(w *respWriter, r *http.Request, rq *request) error {
	state, err := h.layer.BucketVersioning(r.Context(), rq.bucket)
	if err != nil {
		return err
	}
	// A bucket whose versioning was never configured has no Status.
	x := newXMLBuf()
	x.root("VersioningConfiguration")
	x.elemIf("Status", string(state))
	x.close("VersioningConfiguration")
	x.write(w, http.StatusOK)
	return nil
}

func (h *handler) listObjectVersions(w *respWriter, r *http.Request, rq *request) error {
	q := rq.query
	p, err := parseListParams(q, "max-keys")
	if err != nil {
		return err
	}
	keyMarker := q.Get("key-marker")
	versionMarker, hasVersionMarker := q.Get("version-id-marker"), q.Has("version-id-marker")
	if hasVersionMarker {
		if keyMarker == "" {
			return errInvalidArgument.withMessage("A version-id marker cannot be specified without a key marker.")
		}
		if versionMarker == "" {
			return errInvalidArgument.withMessage("A version-id marker cannot be empty.")
		}
		if !objectlayer.ValidVersionID(versionMarker) {
			return errInvalidArgument.withMessage("Invalid version id specified")
		}
	}
	var res objectlayer.ListVersionsResult
	if p.maxKeys == 0 {
		_, err = h.layer.GetBucket(r.Context(), rq.bucket)
	} else {
		res, err = h.layer.ListObjectVersions(r.Context(), rq.bucket, objectlayer.ListVersionsOptions{
			Prefix:          p.prefix,
			Delimiter:       p.delimiter,
			KeyMarker:       keyMarker,
			VersionIDMarker: versionMarker,
			MaxKeys:         p.maxKeys,
		})
	}
	if err != nil {
		return err
	}
	own := ownerOf(rq.auth.AccessKey)

	x := newXMLBuf()
	x.root("ListVersionsResult")
	x.elem("Name", rq.bucket)
	x.elem("Prefix", p.encode(p.prefix))
	x.elem("KeyMarker", p.encode(keyMarker))
	x.elem("VersionIdMarker", versionMarker)
	if res.IsTruncated {
		x.elem("NextKeyMarker", p.encode(res.NextKeyMarker))
		x.elemIf("NextVersionIdMarker", res.NextVersionIDMarker)
	}
	writePageInfo(x, &p, res.IsTruncated)
	for i := range res.Versions {
		o := &res.Versions[i]
		if o.DeleteMarker {
			x.open("DeleteMarker")
			x.elem("Key", p.encode(o.Key))
			x.elem("VersionId", o.VersionID)
			x.elemBool("IsLatest", o.IsLatest)
			x.elemTime("LastModified", o.LastModified)
			x.owner("Owner", own)
			x.close("DeleteMarker")
			continue
		}
		x.open("Version")
		x.elem("Key", p.encode(o.Key))
		x.elem("VersionId", o.VersionID)
		x.elemBool("IsLatest", o.IsLatest)
		x.elemTime("LastModified", o.LastModified)
		x.elemETag(o.ETag)
		writeListChecksum(x, o)
		x.elemInt("Size", o.Size)
		x.owner("Owner", own)
		x.elem("StorageClass", "STANDARD")
		x.close("Version")
	}
	writeCommonPrefixes(x, &p, res.CommonPrefixes)
	x.close("ListVersionsResult")
	x.write(w, http.StatusOK)
	return nil
}
