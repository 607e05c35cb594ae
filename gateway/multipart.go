package gateway

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/zones3/zones3/gateway/checksum"
	"github.com/zones3/zones3/gateway/objectlayer"
)

func (h *handler) createMultipartUpload(w *respWriter, r *http.Request, rq *request) error {
	if err := checkPutHeaders(r.Header); err != nil {
		return err
	}
	hdr, err := objectHeaders(r.Header)
	if err != nil {
		return err
	}
	tags, err := parseTaggingHeader(r.Header.Get("X-Amz-Tagging"))
	if err != nil {
		return err
	}
	u := objectlayer.Upload{
		Bucket:    rq.bucket,
		Key:       rq.key,
		Initiated: time.Now().UTC(),
		Header:    hdr,
		Tags:      tags,
	}
	if s := r.Header.Get("X-Amz-Checksum-Algorithm"); s != "" {
		alg, ok := checksum.ParseAlgorithm(s)
		if !ok {
			return errInvalidRequest.withMessage("Checksum algorithm " + s + " is not supported.")
		}
		u.ChecksumAlgorithm = string(alg)
	}
	switch t := r.Header.Get("X-Amz-Checksum-Type"); t {
	case "":
	case "FULL_OBJECT", "COMPOSITE":
		if u.ChecksumAlgorithm == "" {
			return errInvalidRequest.withMessage("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
		}
		u.ChecksumType = t
	default:
		return errInvalidRequest.withMessage("Value for x-amz-checksum-type header is invalid.")
	}
	id, err := h.layer.NewMultipartUpload(r.Context(), rq.bucket, rq.key, u)
	if err != nil {
		return err
	}
	if u.ChecksumAlgorithm != "" {
		w.Header().Set("X-Amz-Checksum-Algorithm", u.ChecksumAlgorithm)
		if u.ChecksumType != "" {
			w.Header().Set("X-Amz-Checksum-Type", u.ChecksumType)
		}
	}
	x := newXMLBuf()
	x.root("InitiateMultipartUploadResult")
	x.elem("Bucket", rq.bucket)
	x.elem("Key", rq.key)
	x.elem("UploadId", id)
	x.close("InitiateMultipartUploadResult")
	x.write(w, http.StatusOK)
	return nil
}

// partTarget reads the uploadId and partNumber of UploadPart(Copy).
func partTarget(q url.Values) (string, int, error) {
	id := q.Get("uploadId")
	if id == "" {
		return "", 0, errInvalidArgument.withMessage("This operation needs an uploadId.")
	}
	n, err := parsePartNumber(q.Get("partNumber"))
	return id, n, err
}

func (h *handler) uploadPart(w *respWriter, r *http.Request, rq *request) error {
	id, n, err := partTarget(rq.query)
	if err != nil {
		return err
	}
	bd, err := h.openBody(r, rq, maxPutSize)
	if err != nil {
		return err
	}
	part, err := h.layer.PutObjectPart(r.Context(), rq.bucket, rq.key, id, n, bd, objectlayer.PutOptions{
		Size: bd.size,
		Seal: sealFunc(bd.Reader),
	})
	if err != nil {
		return bd.explain(err)
	}
	wh := w.Header()
	wh["Etag"] = []string{`"` + part.ETag + `"`}
	sums := part.Checksums
	if sums == nil {
		sums = bd.Checksums()
	}
	for alg, v := range sums {
		if name, ok := checksumHeader[alg]; ok && v != "" {
			wh[name] = []string{v}
		}
	}
	wh["Content-Length"] = []string{"0"}
	w.WriteHeader(http.StatusOK)
	return nil
}

// parseCopySourceRange parses x-amz-copy-source-range, which must be a
// complete first-last range.
func parseCopySourceRange(s string) (off, n int64, err error) {
	br, ok := parseRange(s)
	if !ok || br.suffix || br.last < 0 {
		return 0, 0, errInvalidArgument.withMessage("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy")
	}
	return br.first, br.last - br.first + 1, nil
}

func (h *handler) uploadPartCopy(w *respWriter, r *http.Request, rq *request) error {
	id, n, err := partTarget(rq.query)
	if err != nil {
		return err
	}
	src, err := parseCopySource(r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		return err
	}
	// The copy reads its source: the caller must be allowed to.
	if err := h.authorizeAction(r, rq, "s3:GetObject", src.bucket, src.key); err != nil {
		return err
	}
	off, length := int64(0), int64(-1)
	if s := r.Header.Get("X-Amz-Copy-Source-Range"); s != "" {
		if off, length, err = parseCopySourceRange(s); err != nil {
			return err
		}
	}
	// The upload's checksum algorithm decides what the part computes;
	// this also fails early for an unknown upload.
	lp, err := h.layer.ListParts(r.Context(), rq.bucket, rq.key, id, 0, 1)
	if err != nil {
		return err
	}
	var alg checksum.Algorithm
	if a := lp.Upload.ChecksumAlgorithm; a != "" {
		alg, _ = checksum.ParseAlgorithm(a)
	}
	conds := copySourceConditions(r.Header)
	srcInfo, rc, err := h.openCopySource(w, r, src, objectlayer.GetOptions{
		Offset: off,
		Length: length,
		Check: func(info objectlayer.ObjectInfo) error {
			if err := conds.check(info.ETag, info.LastModified); err != nil {
				return err
			}
			if length >= 0 && off+length > info.Size {
				return errInvalidArgument.withMessage("Range specified is not valid for source object of size: " + strconv.FormatInt(info.Size, 10))
			}
			if length < 0 && info.Size > maxPutSize {
				return errInvalidRequest.withMessage("The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	defer rc.Close()
	if length < 0 {
		length = srcInfo.Size
	}
	if length > maxPutSize {
		return errEntityTooLarge
	}
	cr, err := checksum.NewReader(rc, checksum.Expect{Algorithm: alg, Size: length})
	if err != nil {
		return err
	}
	part, err := h.layer.PutObjectPart(r.Context(), rq.bucket, rq.key, id, n, cr, objectlayer.PutOptions{
		Size: length,
		Seal: sealFunc(cr),
	})
	if err != nil {
		return err
	}
	sums := part.Checksums
	if sums == nil {
		sums = cr.Checksums()
	}
	setCopySourceVersion(w.Header(), srcInfo.VersionID)
	x := newXMLBuf()
	x.root("CopyPartResult")
	x.elemETag(part.ETag)
	x.elemTime("LastModified", part.LastModified)
	x.checksums(sums)
	x.close("CopyPartResult")
	x.write(w, http.StatusOK)
	return nil
}

func (h *handler) completeMultipartUpload(w *respWriter, r *http.Request, rq *request) error {
	id := rq.query.Get("uploadId")
	if id == "" {
		return errInvalidArgument.withMessage("This operation needs an uploadId.")
	}
	body, err := h.readXMLBody(r, rq, maxCompleteXML)
	if err != nil {
		return err
	}
	parts, err := parseCompleteMultipart(body)
	if err != nil {
		return err
	}
	info, err := h.layer.CompleteMultipartUpload(r.Context(), rq.bucket, rq.key, id, parts)
	if err != nil {
		return err
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	loc := url.URL{Scheme: scheme, Host: r.Host, Path: "/" + rq.bucket + "/" + rq.key}
	if VirtualHostBucket(r.Host, h.domains) != "" {
		loc.Path = "/" + rq.key
	}
	setVersionHeader(w.Header(), info.VersionID)
	h.setExpirationHeader(r.Context(), w.Header(), rq.bucket, info)
	x := newXMLBuf()
	x.root("CompleteMultipartUploadResult")
	x.elem("Location", loc.String())
	x.elem("Bucket", rq.bucket)
	x.elem("Key", rq.key)
	x.elemETag(info.ETag)
	x.checksums(info.Checksums)
	if len(info.Checksums) > 0 {
		x.elem("ChecksumType", orDefault(info.ChecksumType, "COMPOSITE"))
	}
	x.close("CompleteMultipartUploadResult")
	x.write(w, http.StatusOK)
	return nil
}

func (h *handler) abortMultipartUpload(w *respWriter, r *http.Request, rq *request) error {
	id := rq.query.Get("uploadId")
	if id == "" {
		return errInvalidArgument.withMessage("This operation needs an uploadId.")
	}
	if err := h.layer.AbortMultipartUpload(r.Context(), rq.bucket, rq.key, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handler) listParts(w *respWriter, r *http.Request, rq *request) error {
	q := rq.query
	id := q.Get("uploadId")
	marker := 0
	if s := q.Get("part-number-marker"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return errInvalidArgument.withMessage("Argument part-number-marker must be an integer between 0 and 2147483647")
		}
		marker = n
	}
	maxParts, err := parseMax(q, "max-parts", maxListKeys)
	if err != nil {
		return err
	}
	res, err := h.layer.ListParts(r.Context(), rq.bucket, rq.key, id, marker, maxParts)
	if err != nil {
		return err
	}
	own := ownerOf(rq.auth.AccessKey)
	x := newXMLBuf()
	x.root("ListPartsResult")
	x.elem("Bucket", rq.bucket)
	x.elem("Key", rq.key)
	x.elem("UploadId", id)
	x.owner("Initiator", own)
	x.owner("Owner", own)
	x.elem("StorageClass", "STANDARD")
	x.elemInt("PartNumberMarker", int64(marker))
	next := res.NextPartNumberMarker
	if next == 0 && len(res.Parts) > 0 {
		next = res.Parts[len(res.Parts)-1].PartNumber
	}
	x.elemInt("NextPartNumberMarker", int64(next))
	x.elemInt("MaxParts", int64(maxParts))
	x.elemBool("IsTruncated", res.IsTruncated)
	if res.Upload.ChecksumAlgorithm != "" {
		x.elem("ChecksumAlgorithm", res.Upload.ChecksumAlgorithm)
		x.elem("ChecksumType", orDefault(res.Upload.ChecksumType, "COMPOSITE"))
	}
	for _, p := range res.Parts {
		x.open("Part")
		x.elemInt("PartNumber", int64(p.PartNumber))
		x.elemTime("LastModified", p.LastModified)
		x.elemETag(p.ETag)
		x.checksums(p.Checksums)
		x.elemInt("Size", p.Size)
		x.close("Part")
	}
	x.close("ListPartsResult")
	x.write(w, http.StatusOK)
	return nil
}

func (h *handler) listMultipartUploads(w *respWriter, r *http.Request, rq *request) error {
	q := rq.query
	p, err := parseListParams(q, "max-uploads")
	if err != nil {
		return err
	}
	opts := objectlayer.ListUploadsOptions{
		Prefix:         p.prefix,
		Delimiter:      p.delimiter,
		KeyMarker:      q.Get("key-marker"),
		UploadIDMarker: q.Get("upload-id-marker"),
		MaxUploads:     p.maxKeys,
	}
	var res objectlayer.ListUploadsResult
	if p.maxKeys > 0 {
		res, err = h.layer.ListMultipartUploads(r.Context(), rq.bucket, opts)
	} else {
		_, err = h.layer.GetBucket(r.Context(), rq.bucket)
	}
	if err != nil {
		return err
	}
	own := ownerOf(rq.auth.AccessKey)
	x := newXMLBuf()
	x.root("ListMultipartUploadsResult")
	x.elem("Bucket", rq.bucket)
	x.elem("KeyMarker", p.encode(opts.KeyMarker))
	x.elem("UploadIdMarker", opts.UploadIDMarker)
	if res.IsTruncated {
		x.elem("NextKeyMarker", p.encode(res.NextKeyMarker))
		x.elem("NextUploadIdMarker", res.NextUploadIDMarker)
	}
	if p.delimiter != "" {
		x.elem("Delimiter", p.encode(p.delimiter))
	}
	x.elem("Prefix", p.encode(p.prefix))
	x.elemInt("MaxUploads", int64(p.maxKeys))
	x.elemBool("IsTruncated", res.IsTruncated)
	if p.urlEncode {
		x.elem("EncodingType", "url")
	}
	for _, u := range res.Uploads {
		x.open("Upload")
		x.elem("Key", p.encode(u.Key))
		x.elem("UploadId", u.UploadID)
		x.owner("Initiator", own)
		x.owner("Owner", own)
		x.elem("StorageClass", "STANDARD")
		x.elemTime("Initiated", u.Initiated)
		if u.ChecksumAlgorithm != "" {
			x.elem("ChecksumAlgorithm", u.ChecksumAlgorithm)
			x.elem("ChecksumType", orDefault(u.ChecksumType, "COMPOSITE"))
		}
		x.close("Upload")
	}
	writeCommonPrefixes(x, &p, res.CommonPrefixes)
	x.close("ListMultipartUploadsResult")
	x.write(w, http.StatusOK)
	return nil
}
