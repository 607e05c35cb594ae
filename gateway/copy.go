package gateway

import (
	"errors"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/zones3/zones3/gateway/checksum"
	"github.com/zones3/zones3/gateway/objectlayer"
)

// copySource is the object named by x-amz-copy-source.
type copySource struct{ bucket, key, versionID string }

// parseCopySource parses x-amz-copy-source: a URL-encoded "bucket/key",
// with an optional leading slash and ?versionId=.
func parseCopySource(v string) (copySource, error) {
	raw, query, _ := strings.Cut(v, "?")
	s, err := url.PathUnescape(raw)
	if err != nil {
		return copySource{}, errInvalidArgument.withMessage("Invalid copy source encoding")
	}
	s = strings.TrimPrefix(s, "/")
	bucket, key, _ := strings.Cut(s, "/")
	if bucket == "" || key == "" {
		return copySource{}, errInvalidArgument.withMessage("Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
	}
	if !validBucketName(bucket) {
		return copySource{}, errInvalidBucketName
	}
	if len(key) > maxKeyLength {
		return copySource{}, errKeyTooLong
	}
	if query != "" {
		vals, err := url.ParseQuery(query)
		if err != nil {
			return copySource{}, errInvalidArgument.withMessage("Invalid copy source encoding")
		}
		if v, ok := vals["versionId"]; ok {
			if len(v) == 0 || !objectlayer.ValidVersionID(v[0]) {
				return copySource{}, errInvalidArgument.withMessage("Invalid version id specified")
			}
			return copySource{bucket: bucket, key: key, versionID: v[0]}, nil
		}
	}
	return copySource{bucket: bucket, key: key}, nil
}

// openCopySource opens the source version of a copy. A delete marker named
// by its version cannot be copied (InvalidRequest, as S3 says); a current
// one hides the key (NoSuchKey).
func (h *handler) openCopySource(w *respWriter, r *http.Request, src copySource, opts objectlayer.GetOptions) (objectlayer.ObjectInfo, io.ReadCloser, error) {
	opts.VersionID = src.versionID
	info, rc, err := h.layer.OpenObject(r.Context(), src.bucket, src.key, opts)
	if errors.Is(err, objectlayer.ErrDeleteMarker) {
		return info, nil, errInvalidRequest.withMessage("The source of a copy request may not specifically refer to a delete marker by version id.")
	}
	if err != nil && info.DeleteMarker {
		w.Header()["X-Amz-Delete-Marker"] = []string{"true"}
	}
	return info, rc, err
}

// setCopySourceVersion names the version a copy read, when its bucket has
// versioning.
func setCopySourceVersion(h http.Header, id string) {
	if id != "" {
		h["X-Amz-Copy-Source-Version-Id"] = []string{id}
	}
}

// copyChecksum picks the checksum a copy computes: the one the request
// asks for, else the source's algorithm, so that a copy keeps its kind of
// checksum as in S3.
func copyChecksum(h http.Header, src objectlayer.ObjectInfo) (checksum.Algorithm, error) {
	var zero checksum.Algorithm
	name := h.Get("X-Amz-Checksum-Algorithm")
	if name == "" {
		for _, alg := range checksumNames {
			if src.Checksums[alg] != "" {
				name = alg
				break
			}
		}
	}
	if name == "" {
		return zero, nil
	}
	alg, ok := checksum.ParseAlgorithm(name)
	if !ok {
		return zero, errInvalidRequest.withMessage("Checksum algorithm " + name + " is not supported.")
	}
	return alg, nil
}

// copyObject streams the source object through a fresh checksum reader
// (new MD5 and checksum) into a PUT of the destination.
func (h *handler) copyObject(w *respWriter, r *http.Request, rq *request) error {
	src, err := parseCopySource(r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		return err
	}
	// The copy reads its source: the caller must be allowed to.
	if err := h.authorizeAction(r, rq, "s3:GetObject", src.bucket, src.key); err != nil {
		return err
	}
	if err := checkPutHeaders(r.Header); err != nil {
		return err
	}
	directive := r.Header.Get("X-Amz-Metadata-Directive")
	switch directive {
	case "", "COPY", "REPLACE":
	default:
		return errInvalidArgument.withMessage("Unknown metadata directive.")
	}
	replace := directive == "REPLACE"
	// Copying a version onto its own key is how a client restores it.
	if src.bucket == rq.bucket && src.key == rq.key && src.versionID == "" && !replace {
		return errCopyToItself
	}
	var tags map[string]string
	switch td := r.Header.Get("X-Amz-Tagging-Directive"); td {
	case "", "COPY":
	case "REPLACE":
		if tags, err = parseTaggingHeader(r.Header.Get("X-Amz-Tagging")); err != nil {
			return err
		}
	default:
		return errInvalidArgument.withMessage("Unknown tagging directive.")
	}
	replaceTags := r.Header.Get("X-Amz-Tagging-Directive") == "REPLACE"
	var hdr map[string]string
	if replace {
		if hdr, err = objectHeaders(r.Header); err != nil {
			return err
		}
	}
	opts := objectlayer.PutOptions{}
	if err := putConditions(r.Header, &opts); err != nil {
		return err
	}

	conds := copySourceConditions(r.Header)
	srcInfo, rc, err := h.openCopySource(w, r, src, objectlayer.GetOptions{
		Offset: 0,
		Length: -1,
		Check: func(info objectlayer.ObjectInfo) error {
			if info.Size > maxPutSize {
				return errInvalidRequest.withMessage("The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
			}
			return conds.check(info.ETag, info.LastModified)
		},
	})
	if err != nil {
		return err
	}
	defer rc.Close()
	if !replace {
		hdr = maps.Clone(srcInfo.Header)
	}
	if !replaceTags {
		tags = maps.Clone(srcInfo.Tags)
	}
	alg, err := copyChecksum(r.Header, srcInfo)
	if err != nil {
		return err
	}
	cr, err := checksum.NewReader(rc, checksum.Expect{Algorithm: alg, Size: srcInfo.Size})
	if err != nil {
		return err
	}
	opts.Size = srcInfo.Size
	opts.Header = hdr
	opts.Tags = tags
	opts.Seal = sealFunc(cr)
	info, err := h.layer.PutObject(r.Context(), rq.bucket, rq.key, cr, opts)
	if err != nil {
		return err
	}
	setVersionHeader(w.Header(), info.VersionID)
	setCopySourceVersion(w.Header(), srcInfo.VersionID)
	sums := info.Checksums
	if sums == nil {
		sums = cr.Checksums()
	}
	x := newXMLBuf()
	x.root("CopyObjectResult")
	x.elemETag(info.ETag)
	x.elemTime("LastModified", info.LastModified)
	if len(sums) > 0 {
		x.elem("ChecksumType", orDefault(info.ChecksumType, "FULL_OBJECT"))
	}
	x.checksums(sums)
	x.close("CopyObjectResult")
	x.write(w, http.StatusOK)
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
