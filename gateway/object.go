package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/zones3/zones3/gateway/objectlayer"
)

// checksumHeader maps a checksum algorithm to its canonical header name.
var checksumHeader = map[string]string{
	"CRC32":     "X-Amz-Checksum-Crc32",
	"CRC32C":    "X-Amz-Checksum-Crc32c",
	"CRC64NVME": "X-Amz-Checksum-Crc64nvme",
	"SHA1":      "X-Amz-Checksum-Sha1",
	"SHA256":    "X-Amz-Checksum-Sha256",
}

// responseOverrides are the GET query parameters that replace a stored
// response header, and the header each replaces.
var responseOverrides = [...][2]string{
	{"response-content-type", "Content-Type"},
	{"response-content-language", "Content-Language"},
	{"response-expires", "Expires"},
	{"response-cache-control", "Cache-Control"},
	{"response-content-disposition", "Content-Disposition"},
	{"response-content-encoding", "Content-Encoding"},
}

// readPlan is what a GET or HEAD answers once the object's info is known.
type readPlan struct {
	info   objectlayer.ObjectInfo
	status int   // 200 or 206
	off, n int64 // the bytes sent
}

// readRequest is the parsed form of a GET or HEAD.
type readRequest struct {
	conds        conditions
	rng          byteRange
	hasRange     bool
	partNumber   int
	checksumMode bool
	versionID    string // "" the current version
}

func parseReadRequest(r *http.Request, q url.Values) (readRequest, error) {
	rr := readRequest{conds: readConditions(r.Header)}
	var err error
	if rr.versionID, err = versionParam(q); err != nil {
		return rr, err
	}
	if v := r.Header.Get("Range"); v != "" {
		rr.rng, rr.hasRange = parseRange(v)
	}
	if s := q.Get("partNumber"); s != "" {
		n, err := parsePartNumber(s)
		if err != nil {
			return rr, err
		}
		if r.Header.Get("Range") != "" {
			return rr, errInvalidRequest.withMessage("Cannot specify both Range header and partNumber query parameter")
		}
		rr.partNumber = n
	}
	rr.checksumMode = strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED")
	return rr, nil
}

// plan decides status and byte range for an object, after evaluating the
// conditional headers (which come first in S3, before the range).
func (rr *readRequest) plan(info objectlayer.ObjectInfo) (readPlan, error) {
	p := readPlan{info: info, status: http.StatusOK, n: info.Size}
	if err := rr.conds.check(info.ETag, info.LastModified); err != nil {
		return p, err
	}
	if rr.partNumber > 0 {
		off, n, err := partRange(info, rr.partNumber)
		if err != nil {
			return p, err
		}
		// As S3 does, a part read is a range read (206) even when the part
		// is the whole object. An empty part has no range to show, and
		// reads nothing: from offset 0, which every object has.
		p.n = n
		if n > 0 {
			p.status, p.off = http.StatusPartialContent, off
		}
		return p, nil
	}
	if !rr.hasRange {
		return p, nil
	}
	off, n, whole, err := rr.rng.resolve(info.Size)
	if err != nil {
		return p, err
	}
	if !whole {
		p.status, p.off, p.n = http.StatusPartialContent, off, n
	}
	return p, nil
}

// partRange returns the bytes of the part partNumber of an object: the
// sizes of the parts before it give its offset. partNumber counts the
// parts in object order, as x-amz-mp-parts-count does, so that 1 to that
// count reads the whole object (the uploaded numbers are the same for an
// upload numbered 1 to N, as the SDKs number them). An object written by
// one PUT is its own part 1.
func partRange(info objectlayer.ObjectInfo, partNumber int) (off, n int64, err error) {
	if info.Parts == 0 {
		if partNumber != 1 {
			return 0, 0, errInvalidPartNumber
		}
		return 0, info.Size, nil
	}
	if partNumber > info.Parts {
		return 0, 0, errInvalidPartNumber
	}
	if len(info.PartList) != info.Parts {
		return 0, 0, fmt.Errorf("%s/%s: %d parts, %d part sizes known", info.Bucket, info.Key, info.Parts, len(info.PartList))
	}
	for _, part := range info.PartList[:partNumber-1] {
		off += part.Size
	}
	return off, info.PartList[partNumber-1].Size, nil
}

// readChecksums returns the checksums (and their type) that describe the
// bytes a read sends, or nil when none does: a client checks the body
// against them. A whole object has its own; a range has none. One part of
// a COMPOSITE multipart object has the part's checksum of the object's
// algorithm, as S3 answers; one part of a FULL_OBJECT one has none unless
// the part is the whole object.
func (p *readPlan) readChecksums(partNumber int) (map[string]string, string) {
	info := &p.info
	switch {
	case partNumber == 0:
		if p.status != http.StatusOK {
			return nil, ""
		}
		return info.Checksums, info.ChecksumType
	case info.Parts == 0:
		return info.Checksums, info.ChecksumType
	case info.ChecksumType != "COMPOSITE":
		if info.Parts == 1 {
			return info.Checksums, info.ChecksumType
		}
		return nil, ""
	case partNumber > len(info.PartList):
		return nil, ""
	}
	part := info.PartList[partNumber-1].Checksums
	sums := make(map[string]string, len(info.Checksums))
	for alg := range info.Checksums {
		if v, ok := part[alg]; ok {
			sums[alg] = v
		}
	}
	return sums, info.ChecksumType
}

// setHeaders writes the response headers of a read.
func (p *readPlan) setHeaders(h http.Header, q url.Values, rr *readRequest) {
	info := &p.info
	h["Accept-Ranges"] = []string{"bytes"}
	h["Last-Modified"] = []string{info.LastModified.UTC().Format(http.TimeFormat)}
	h["Etag"] = []string{`"` + info.ETag + `"`}
	h["Content-Length"] = []string{strconv.FormatInt(p.n, 10)}
	if p.status == http.StatusPartialContent {
		h["Content-Range"] = []string{contentRange(p.off, p.n, info.Size)}
	}
	for k, v := range info.Header {
		h[k] = []string{v}
	}
	if _, ok := info.Header["Content-Type"]; !ok {
		h["Content-Type"] = []string{"binary/octet-stream"}
	}
	setVersionHeader(h, info.VersionID)
	setTaggingCount(h, info.Tags)
	if rr.checksumMode {
		sums, typ := p.readChecksums(rr.partNumber)
		setChecksumHeaders(h, sums, typ)
	}
	if rr.partNumber > 0 && info.Parts > 0 {
		// Only objects uploaded in parts have a parts count, as in S3.
		h["X-Amz-Mp-Parts-Count"] = []string{strconv.Itoa(info.Parts)}
	}
	if len(q) > 0 {
		for _, o := range responseOverrides {
			if v := q.Get(o[0]); v != "" {
				h[o[1]] = []string{v}
			}
		}
	}
}

// setChecksumHeaders writes x-amz-checksum-<alg> for each stored checksum.
func setChecksumHeaders(h http.Header, sums map[string]string, typ string) {
	n := 0
	for alg, v := range sums {
		if name, ok := checksumHeader[alg]; ok && v != "" {
			h[name] = []string{v}
			n++
		}
	}
	if n > 0 {
		if typ == "" {
			typ = "FULL_OBJECT"
		}
		h["X-Amz-Checksum-Type"] = []string{typ}
	}
}

// notModified answers a 304: validators, no body.
func notModified(w http.ResponseWriter, info objectlayer.ObjectInfo) {
	h := w.Header()
	h["Etag"] = []string{`"` + info.ETag + `"`}
	h["Last-Modified"] = []string{info.LastModified.UTC().Format(http.TimeFormat)}
	w.WriteHeader(http.StatusNotModified)
}

// lazyBody sends the status line and headers of a GET with its first body
// byte, so that an error the layer meets before that still becomes a
// proper S3 error response.
type lazyBody struct {
	w      *respWriter
	q      url.Values
	rr     *readRequest
	plan   readPlan
	planed bool
}

func (b *lazyBody) start() {
	b.plan.setHeaders(b.w.Header(), b.q, b.rr)
	b.w.WriteHeader(b.plan.status)
}

func (b *lazyBody) Write(p []byte) (int, error) {
	if !b.planed {
		return 0, errors.New("object layer wrote before checking the object")
	}
	if !b.w.wrote {
		b.start()
	}
	return b.w.Write(p)
}

func (h *handler) getObject(w *respWriter, r *http.Request, rq *request) error {
	rr, err := parseReadRequest(r, rq.query)
	if err != nil {
		return err
	}
	// The Check plans the response once the object is known, and the
	// layer reads the range the plan chose (a suffix range, a part), so
	// every GET costs one metadata read.
	body := &lazyBody{w: w, q: rq.query, rr: &rr}
	var seen objectlayer.ObjectInfo
	opts := objectlayer.GetOptions{
		VersionID: rr.versionID,
		Check: func(info objectlayer.ObjectInfo) error {
			seen = info
			if rr.versionID == "" {
				if err := h.checkExpired(r.Context(), w.Header(), rq.bucket, info); err != nil {
					return err
				}
			}
			p, err := rr.plan(info)
			if err != nil {
				return err
			}
			body.plan, body.planed = p, true
			return nil
		},
		Range: func(objectlayer.ObjectInfo) (int64, int64) { return body.plan.off, body.plan.n },
	}
	info, err := h.layer.GetObject(r.Context(), rq.bucket, rq.key, opts, body)
	switch {
	case err == nil:
		if !body.planed {
			return fmt.Errorf("get %s/%s: object layer did not check the object", rq.bucket, rq.key)
		}
		if !w.wrote {
			body.start()
		}
		return nil
	case w.wrote:
		return err
	case errors.Is(err, errNotModified), errors.Is(err, errInvalidRange):
		return planRefused(w, seen, err)
	}
	deleteMarkerHeaders(w.Header(), info, err)
	return err
}

// planRefused answers a GET or HEAD whose plan (readRequest.plan) refused
// it: 304 Not Modified, or 416 with the object's size in Content-Range.
// Other errors are returned as they are.
func planRefused(w http.ResponseWriter, info objectlayer.ObjectInfo, err error) error {
	switch {
	case errors.Is(err, errNotModified):
		notModified(w, info)
		return nil
	case errors.Is(err, errInvalidRange):
		w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(info.Size, 10))
		return errInvalidRange
	}
	return err
}

func (h *handler) headObject(w *respWriter, r *http.Request, rq *request) error {
	rr, err := parseReadRequest(r, rq.query)
	if err != nil {
		return err
	}
	info, err := h.layer.StatVersion(r.Context(), rq.bucket, rq.key, rr.versionID)
	if err != nil {
		deleteMarkerHeaders(w.Header(), info, err)
		return err
	}
	if rr.versionID == "" {
		if err := h.checkExpired(r.Context(), w.Header(), rq.bucket, info); err != nil {
			return err
		}
	}
	p, err := rr.plan(info)
	if err != nil {
		return planRefused(w, info, err)
	}
	p.setHeaders(w.Header(), rq.query, &rr)
	w.WriteHeader(p.status)
	return nil
}

func (h *handler) putObject(w *respWriter, r *http.Request, rq *request) error {
	if err := checkPutHeaders(r.Header); err != nil {
		return err
	}
	hdr, err := objectHeaders(r.Header)
	if err != nil {
		return err
	}
	opts := objectlayer.PutOptions{Header: hdr}
	if err := putConditions(r.Header, &opts); err != nil {
		return err
	}
	if opts.Tags, err = parseTaggingHeader(r.Header.Get("X-Amz-Tagging")); err != nil {
		return err
	}
	bd, err := h.openBody(r, rq, maxPutSize)
	if err != nil {
		return err
	}
	opts.Size = bd.size
	opts.Seal = sealFunc(bd.Reader)
	info, err := h.layer.PutObject(r.Context(), rq.bucket, rq.key, bd, opts)
	if err != nil {
		return bd.explain(err)
	}
	wh := w.Header()
	wh["Etag"] = []string{`"` + info.ETag + `"`}
	setVersionHeader(wh, info.VersionID)
	if info.Tags == nil {
		info.Tags = opts.Tags
	}
	h.setExpirationHeader(r.Context(), wh, rq.bucket, info)
	sums := info.Checksums
	if sums == nil {
		sums = bd.Checksums()
	}
	setChecksumHeaders(wh, sums, info.ChecksumType)
	wh["Content-Length"] = []string{"0"}
	w.WriteHeader(http.StatusOK)
	return nil
}

// putConditions reads the conditional-write headers of a PUT.
func putConditions(h http.Header, opts *objectlayer.PutOptions) error {
	if v := h.Get("If-None-Match"); v != "" {
		if strings.TrimSpace(v) != "*" {
			return errNotImplemented.withMessage("If-None-Match on a write supports only *.")
		}
		opts.IfNoneMatchStar = true
	}
	if v := h.Get("If-Match"); v != "" {
		opts.IfMatch = strings.Trim(strings.TrimSpace(v), `"`)
	}
	return nil
}

func (h *handler) deleteObject(w *respWriter, r *http.Request, rq *request) error {
	vid, err := versionParam(rq.query)
	if err != nil {
		return err
	}
	res, err := h.layer.DeleteObjectVersion(r.Context(), rq.bucket, rq.key, objectlayer.DeleteOptions{VersionID: vid})
	if err != nil {
		return err
	}
	setVersionHeader(w.Header(), res.VersionID)
	if res.DeleteMarker {
		w.Header()["X-Amz-Delete-Marker"] = []string{"true"}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
