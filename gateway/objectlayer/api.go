package objectlayer

import (
	"context"
	"errors"
	"io"
	"time"
)

// ObjectInfo is what S3 shows of one object version.
type ObjectInfo struct {
	Bucket string
	Key    string
	// VersionID is "" for the objects of a bucket that never had
	// versioning, "null" for the null version, else the version's ID.
	VersionID    string
	Size         int64
	ETag         string // without quotes: hex MD5, or hex MD5 of part MD5s + "-N"
	LastModified time.Time
	// Header holds the stored response headers: Content-Type,
	// Content-Encoding, Content-Disposition, Content-Language,
	// Cache-Control, Expires and every X-Amz-Meta-* (canonical MIME keys).
	Header map[string]string
	// Checksums maps an algorithm name (CRC32, CRC32C, CRC64NVME, SHA1,
	// SHA256) to its base64 value, as given by the client or computed.
	Checksums map[string]string
	// ChecksumType is FULL_OBJECT or COMPOSITE (multipart with part checksums).
	ChecksumType string
	Parts        int // number of multipart parts, 0 for a single PUT
	// PartList is the parts of a multipart object in object order, for
	// reads of one part (GET and HEAD with partNumber). StatVersion,
	// GetObject and OpenObject fill it; listings leave it out.
	PartList     []ObjectPart
	DeleteMarker bool
	// IsLatest is set in ListObjectVersions results for the current
	// version of a key.
	IsLatest bool
	// Tags is the version's tag set (nil when it has none). Listings leave
	// it out.
	Tags map[string]string
	// Stamp, set only by ListObjectVersions, names the listed record of a
	// current object that ExpireObjects can remove in a batch (an object
	// without shard files in a bucket that never had versioning); 0 for
	// every other version. It is opaque: ExpireObjects takes it back.
	Stamp uint64
}

// ObjectPart is one part of a multipart object.
type ObjectPart struct {
	Number int   // the part number it was uploaded with
	Size   int64 // bytes
	// Checksums are the part's own checksums (algorithm to base64 value),
	// as stored at upload.
	Checksums map[string]string
}

// BucketInfo is one bucket.
type BucketInfo struct {
	Name    string
	Created time.Time
	Region  string
}

// PutOptions carries what the gateway knows about a PUT before the body is
// read, and how to seal it once it has been.
type PutOptions struct {
	// Size is the body length when known (Content-Length or
	// x-amz-decoded-content-length), -1 when not. Small known sizes are
	// stored inline in the metadata record.
	Size   int64
	Header map[string]string // as ObjectInfo.Header
	// Seal is called after the body was read to EOF without error, and
	// before anything is committed. It returns the ETag (hex MD5, no quotes)
	// and the checksums to store, or an error (a checksum mismatch found at
	// the end of the body) that aborts the PUT so nothing becomes visible.
	Seal func() (etag string, checksums map[string]string, err error)
	// IfNoneMatchStar makes the PUT fail with ErrPreconditionFailed when the
	// key already exists (conditional write, If-None-Match: *).
	IfNoneMatchStar bool
	// IfMatch makes the PUT fail with ErrPreconditionFailed unless the
	// current object's ETag equals it.
	IfMatch string
	// Tags is the new version's tag set.
	Tags map[string]string
}

// GetOptions selects the part of the object a GET returns.
type GetOptions struct {
	Offset int64 // first byte
	Length int64 // -1: to the end
	// Check, when set, is called with the object's info before any byte is
	// read (conditional requests); an error it returns is returned as is.
	Check func(ObjectInfo) error
	// Range, when set, chooses the bytes once the object is known (after
	// Check), in place of Offset and Length: a suffix range or a part
	// number depend on the object's size and parts, and choosing here
	// spares a second metadata read.
	Range func(ObjectInfo) (offset, length int64)
	// VersionID selects a version ("null" the null version); "" the
	// current one.
	VersionID string
}

// DeleteOptions are the parameters of DeleteObjectVersion.
type DeleteOptions struct {
	// VersionID names the version to remove for good ("null" the null
	// version). "" deletes the key as S3's DeleteObject without a version
	// does: in a bucket with versioning enabled it adds a delete marker; in
	// a suspended one it replaces the null version with a null delete
	// marker; without versioning it removes the object.
	VersionID string
	// IfUnmodifiedSince, when set, makes the delete fail with
	// ErrPreconditionFailed, changing nothing, unless the version it acts
	// on exists and was created at or before it: the version VersionID,
	// or without one the current version (a delete marker does not
	// count). So a lifecycle action never hits a version written after it
	// decided, such as a null version that a later write replaced.
	IfUnmodifiedSince time.Time
}

// DeleteResult is what DeleteObjectVersion did.
type DeleteResult struct {
	// VersionID is the version removed or the delete marker created (as
	// ObjectInfo.VersionID: "" in a bucket that never had versioning).
	VersionID string
	// DeleteMarker reports a delete marker created, or removed by its ID.
	DeleteMarker bool
}

// ListVersionsOptions are the parameters of ListObjectVersions.
type ListVersionsOptions struct {
	Prefix    string
	Delimiter string
	// KeyMarker and VersionIDMarker: list what comes after that version of
	// that key; KeyMarker alone: after every version of the key.
	KeyMarker       string
	VersionIDMarker string
	MaxKeys         int
}

// ListVersionsResult is one page of ListObjectVersions: versions and
// delete markers (DeleteMarker set) in key order, newest first within a
// key.
type ListVersionsResult struct {
	Versions       []ObjectInfo // Header omitted
	CommonPrefixes []string
	IsTruncated    bool
	// NextKeyMarker and NextVersionIDMarker continue the listing; the
	// version marker is "" after a common prefix.
	NextKeyMarker, NextVersionIDMarker string
}

// ListOptions are the parameters of a ListObjects (V1 or V2) request.
type ListOptions struct {
	Prefix    string
	Delimiter string
	After     string // list keys strictly after this (marker, start-after or continuation)
	MaxKeys   int
}

// ListResult is one page of a listing.
type ListResult struct {
	Objects        []ObjectInfo // Header may be omitted
	CommonPrefixes []string
	IsTruncated    bool
	// NextAfter is the key (or common prefix) to pass as After for the next page.
	NextAfter string
}

// Upload is one multipart upload in progress.
type Upload struct {
	Bucket, Key, UploadID string
	Initiated             time.Time
	Header                map[string]string
	ChecksumAlgorithm     string
	ChecksumType          string
	Tags                  map[string]string // of the completed object
}

// PartInfo is one uploaded part.
type PartInfo struct {
	PartNumber   int
	Size         int64
	ETag         string // no quotes
	LastModified time.Time
	Checksums    map[string]string
}

// CompletePart is one element of a CompleteMultipartUpload request.
type CompletePart struct {
	PartNumber int
	ETag       string // no quotes
	Checksums  map[string]string
}

// ListUploadsOptions are the parameters of ListMultipartUploads.
type ListUploadsOptions struct {
	Prefix, Delimiter         string
	KeyMarker, UploadIDMarker string
	MaxUploads                int
}

// ListUploadsResult is one page of ListMultipartUploads.
type ListUploadsResult struct {
	Uploads                           []Upload
	CommonPrefixes                    []string
	IsTruncated                       bool
	NextKeyMarker, NextUploadIDMarker string
}

// ListPartsResult is one page of ListParts.
type ListPartsResult struct {
	Upload               Upload
	Parts                []PartInfo
	IsTruncated          bool
	NextPartNumberMarker int
}

// Errors the layer returns (wrapped); gateway maps each to its S3 code in
// one place.
var (
	ErrNoSuchBucket       = errors.New("no such bucket")
	ErrBucketExists       = errors.New("bucket already exists") // owned by the caller: BucketAlreadyOwnedByYou
	ErrBucketNotEmpty     = errors.New("bucket not empty")
	ErrNoSuchKey          = errors.New("no such key")
	ErrNoSuchUpload       = errors.New("no such upload")
	ErrInvalidPart        = errors.New("invalid part")
	ErrInvalidPartOrder   = errors.New("invalid part order")
	ErrEntityTooSmall     = errors.New("entity too small")
	ErrPreconditionFailed = errors.New("precondition failed")
	ErrInvalidRange       = errors.New("invalid range")
	ErrQuorum             = errors.New("not enough nodes available") // 503 ServiceUnavailable / SlowDown
	ErrBadDigest          = errors.New("checksum mismatch")
	ErrNoSuchVersion      = errors.New("no such version")
	ErrInvalidArgument    = errors.New("invalid argument") // a malformed version ID, an unknown versioning state
	// ErrDeleteMarker: the version asked for is a delete marker, which
	// has no data or tags (405 MethodNotAllowed).
	ErrDeleteMarker = errors.New("the version is a delete marker")
	ErrNoSuchTagSet = errors.New("no tag set")
)

// API is what the S3 handlers call. *Layer implements it; handler unit
// tests may use a fake.
type API interface {
	MakeBucket(ctx context.Context, bucket, region string) error
	GetBucket(ctx context.Context, bucket string) (BucketInfo, error)
	ListBuckets(ctx context.Context) ([]BucketInfo, error)
	DeleteBucket(ctx context.Context, bucket string) error

	PutObject(ctx context.Context, bucket, key string, body io.Reader, opts PutOptions) (ObjectInfo, error)
	// GetObject checks opts.Check, then streams the selected bytes to w.
	GetObject(ctx context.Context, bucket, key string, opts GetOptions, w io.Writer) (ObjectInfo, error)
	// OpenObject is GetObject as a reader (for CopyObject and UploadPartCopy).
	OpenObject(ctx context.Context, bucket, key string, opts GetOptions) (ObjectInfo, io.ReadCloser, error)
	StatObject(ctx context.Context, bucket, key string) (ObjectInfo, error)
	DeleteObject(ctx context.Context, bucket, key string) error
	ListObjects(ctx context.Context, bucket string, opts ListOptions) (ListResult, error)

	// StatVersion returns the info of a version ("" the current one). A
	// current version that is a delete marker returns ErrNoSuchKey, a
	// delete marker asked for by its ID ErrDeleteMarker; both with the
	// marker's info (DeleteMarker, VersionID, LastModified).
	StatVersion(ctx context.Context, bucket, key, versionID string) (ObjectInfo, error)
	// DeleteObjectVersion is S3's DeleteObject, with or without a version.
	DeleteObjectVersion(ctx context.Context, bucket, key string, opts DeleteOptions) (DeleteResult, error)
	ListObjectVersions(ctx context.Context, bucket string, opts ListVersionsOptions) (ListVersionsResult, error)
	// PutObjectTags replaces the tag set of a version ("" the current
	// one); nil tags remove it. The version's data, ETag and LastModified
	// stay. It returns the version's info with its new tags.
	PutObjectTags(ctx context.Context, bucket, key, versionID string, tags map[string]string) (ObjectInfo, error)
	BucketVersioning(ctx context.Context, bucket string) (VersioningState, error)
	SetBucketVersioning(ctx context.Context, bucket string, state VersioningState) error
	// BucketTags returns the bucket's tag set, or ErrNoSuchTagSet.
	BucketTags(ctx context.Context, bucket string) (map[string]string, error)
	// SetBucketTags replaces the bucket's tag set; nil removes it.
	SetBucketTags(ctx context.Context, bucket string, tags map[string]string) error

	NewMultipartUpload(ctx context.Context, bucket, key string, u Upload) (string, error)
	PutObjectPart(ctx context.Context, bucket, key, uploadID string, partNumber int, body io.Reader, opts PutOptions) (PartInfo, error)
	CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, parts []CompletePart) (ObjectInfo, error)
	AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error
	ListParts(ctx context.Context, bucket, key, uploadID string, partMarker, maxParts int) (ListPartsResult, error)
	ListMultipartUploads(ctx context.Context, bucket string, opts ListUploadsOptions) (ListUploadsResult, error)

	// GetBucketConfig returns the bucket configuration called config
	// (ConfigPolicy, ConfigLifecycle, ...) or ErrNoSuchMeta;
	// PutBucketConfig replaces it (nil deletes it).
	GetBucketConfig(ctx context.Context, bucket, config string) ([]byte, error)
	PutBucketConfig(ctx context.Context, bucket, config string, value []byte) error
}
