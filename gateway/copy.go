package gateway

import (
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/zones3/zones3/gateway/checksum"
	"github.com/zones3/zones3/gateway/objectlayer"
)

// copySource is the object named by x-amz-copy-source.
type copySource struct{ bucket, key string }

// parseCopySource parses x-amz-copy-source: a URL-encoded "bucket/key",
// with an optional leading slash and ?versionId= (only the null version
// exists).
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
		if vid := vals.Get("versionId"); vid != "" && vid != "null" {
			return copySource{}, errNoSuchVersion
		}
	}
	return copySource{bucket: bucket, key: key}, nil
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
	if src.bucket == rq.bucket && src.key == rq.key && !replace {
		return errCopyToItself
	}
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
	srcInfo, rc, err := h.layer.OpenObject(r.Context(), src.bucket, src.key, objectlayer.GetOptions{
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
	opts.Seal = sealFunc(cr)
	info, err := h.layer.PutObject(r.Context(), rq.bucket, rq.key, cr, opts)
	if err != nil {
		return err
	}
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
