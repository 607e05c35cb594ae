package lifecycle

import (
	"context"
	"errors"
	"time"
)

// Store is the object data the worker acts on. An object layer implements
// it with the same calls the S3 API makes, so that what the worker removes
// frees its shards as a client's DELETE would.
//
// Guards: between the listing that the worker evaluates and the action it
// takes, a client may overwrite or delete what was listed. Every action
// therefore names the exact version it was decided on (VersionRef), and
// the Store must act only if that version is still there as it was listed
// (see ExpireCurrent and DeleteVersion), else return ErrChanged and change
// nothing. The worker then moves on; the next pass evaluates what is there
// by then.
type Store interface {
	// Buckets returns the names of every bucket, in any order.
	Buckets(ctx context.Context) ([]string, error)

	// BucketState returns the bucket's lifecycle configuration (nil when
	// it has none, or when the bucket no longer exists) and whether its
	// versioning is Enabled or Suspended (versioned) or was never enabled.
	BucketState(ctx context.Context, bucket string) (cfg *Configuration, versioned bool, err error)

	// ListVersions returns up to limit versions (objects and delete
	// markers) of the bucket that come after the version after: the older
	// versions of after.Key, then the versions of the keys after it. The
	// zero VersionMarker lists from the start. Versions come in key order
	// (byte-wise), newest first within a key (by creation), the current
	// version first with IsLatest set. more reports that versions remain
	// past the page; a page with more set is never empty. Tags are filled
	// in only when tags is true (some rule filters by tag); otherwise
	// they may be left nil to spare the reads.
	//
	// The worker lists after versions it has just deleted: after a
	// version that no longer exists, the listing goes on from where that
	// version was, with the versions created before it. It must never
	// skip them. Listing again versions of the key that are not older
	// (after a null version that a later write replaced) is harmless:
	// the worker passes over them.
	ListVersions(ctx context.Context, bucket string, after VersionMarker, limit int, tags bool) (page []Version, more bool, err error)

	// ListUploads returns up to limit multipart uploads in progress that
	// come after the upload after (the zero UploadMarker: from the
	// start), ordered by key, then by upload ID as ListMultipartUploads
	// orders them. more is as for ListVersions.
	ListUploads(ctx context.Context, bucket string, after UploadMarker, limit int) (page []PendingUpload, more bool, err error)

	// ExpireCurrent does to v.Key what S3's DeleteObject without a
	// version ID does (removes the object in a bucket that never had
	// versioning, adds a delete marker in a versioned one, a null delete
	// marker in a suspended one), provided the key's current version is
	// still v. A write after the listing makes a newer current version;
	// the Store must then return ErrChanged and change nothing. Where
	// LastModified is the write's hybrid timestamp, "the current version
	// was created at or before v.ModTime" (DeleteObject with
	// If-Unmodified-Since) is this test. ErrChanged too when the key has
	// no current version left.
	ExpireCurrent(ctx context.Context, bucket string, v VersionRef) error

	// DeleteVersion removes version v (an object version or a delete
	// marker) for good, as DeleteObject with its version ID does,
	// provided it is still there with v.ModTime. The null version is
	// replaced by every write while versioning is suspended, so for it
	// the ModTime is what tells the listed version from a newer one;
	// other version IDs are unique. ErrChanged when it is gone or was
	// replaced.
	DeleteVersion(ctx context.Context, bucket string, v VersionRef) error

	// AbortUpload aborts the multipart upload and frees its parts.
	// Upload IDs are never reused; ErrChanged when the upload no longer
	// exists (it was completed or aborted meanwhile).
	AbortUpload(ctx context.Context, bucket string, u UploadRef) error
}

// BatchExpirer is a Store that expires many current versions of a bucket
// at once, for much less than one ExpireCurrent each (zones3: one synced
// storage batch per node for the whole page). When the Store is one, the
// worker hands it all the ExpireCurrent actions of a batch in one call.
type BatchExpirer interface {
	// ExpireCurrentBatch does ExpireCurrent for each of vs, under the
	// same guard, and returns one error per version, in order: nil,
	// ErrChanged (wrapped) or a failure.
	ExpireCurrentBatch(ctx context.Context, bucket string, vs []VersionRef) []error
}

// ErrChanged is what a Store returns (possibly wrapped) when the version
// or upload an action names is no longer as the worker listed it. The
// action did nothing, and that is not a failure.
var ErrChanged = errors.New("lifecycle: changed since it was listed")

// Version is one object version or delete marker, as ListVersions gives it.
type Version struct {
	Key string
	// VersionID is "" for the objects of a bucket that never had
	// versioning, "null" for the null version, else the version's ID.
	VersionID string
	// ModTime is when the version was created (its Last-Modified).
	ModTime      time.Time
	Size         int64
	DeleteMarker bool
	// IsLatest is set on the current version of the key.
	IsLatest bool
	// Tags are the version's tags (nil for none). ListVersions fills them
	// in when asked to.
	Tags map[string]string
	// Stamp is the Store's own mark of the version as listed, opaque to
	// the worker, which hands it back in the VersionRef (zones3: what
	// lets a batch expiration act on the listed record without reading
	// it again). 0 when the Store has none.
	Stamp uint64
}

// Ref names the version for an action.
func (v *Version) Ref() VersionRef {
	return VersionRef{Key: v.Key, VersionID: v.VersionID, ModTime: v.ModTime, Stamp: v.Stamp}
}

// Marker is the position just after the version, for ListVersions.
func (v *Version) Marker() VersionMarker {
	return VersionMarker{Key: v.Key, VersionID: v.VersionID}
}

// VersionRef names the exact version an action was decided on.
type VersionRef struct {
	Key       string
	VersionID string
	ModTime   time.Time
	Stamp     uint64 // the listed Version's
}

// VersionMarker is a position in a ListVersions listing: just after the
// version VersionID of Key ("" with a Key: after every version of the
// key). The zero marker is the start. It maps to ListObjectVersions'
// KeyMarker and VersionIdMarker.
type VersionMarker struct {
	Key       string `json:"key,omitempty"`
	VersionID string `json:"versionId,omitempty"`
}

// PendingUpload is one multipart upload in progress.
type PendingUpload struct {
	Key       string
	UploadID  string
	Initiated time.Time
}

// UploadRef names the upload to abort.
type UploadRef struct {
	Key      string
	UploadID string
}

// UploadMarker is a position in a ListUploads listing: just after that
// upload. It maps to ListMultipartUploads' KeyMarker and UploadIdMarker.
type UploadMarker struct {
	Key      string `json:"key,omitempty"`
	UploadID string `json:"uploadId,omitempty"`
}

// Meta keeps the worker's small records (its lease, the position of the
// pass in progress, the last completed pass) where every gateway reads
// them: the cluster metadata, written with a majority quorum, last writer
// wins. PutMeta and DeleteMeta have the shapes of the object layer's
// cluster metadata calls.
type Meta interface {
	// GetMeta returns the record called name; found is false when there
	// is none (never written, or deleted).
	GetMeta(ctx context.Context, name string) (value []byte, found bool, err error)
	// PutMeta stores value under name once a majority acknowledged it.
	PutMeta(ctx context.Context, name string, value []byte) error
	// DeleteMeta removes the record called name.
	DeleteMeta(ctx context.Context, name string) error
}

// Names of the worker's records in Meta.
const (
	MetaLease  = "lifecycle/lease"
	MetaCursor = "lifecycle/cursor"
	MetaPass   = "lifecycle/pass"
)
