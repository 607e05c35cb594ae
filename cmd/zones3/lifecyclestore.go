package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/lifecycle"
)

// lifecycleStore gives the lifecycle worker the buckets through the object
// layer's S3 calls, so that what it removes frees its shards as a client's
// DELETE would.
type lifecycleStore struct {
	layer *objectlayer.Layer

	// parsed caches the decoded configuration by its stored bytes, which
	// the layer itself caches for a few seconds.
	mu     sync.Mutex
	parsed map[string]*lifecycle.Configuration
}

var (
	_ lifecycle.Store        = (*lifecycleStore)(nil)
	_ lifecycle.BatchExpirer = (*lifecycleStore)(nil)
)

func newLifecycleStore(layer *objectlayer.Layer) *lifecycleStore {
	return &lifecycleStore{layer: layer, parsed: map[string]*lifecycle.Configuration{}}
}

func (s *lifecycleStore) Buckets(ctx context.Context) ([]string, error) {
	bs, err := s.layer.ListBuckets(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(bs))
	for i, b := range bs {
		names[i] = b.Name
	}
	return names, nil
}

func (s *lifecycleStore) BucketState(ctx context.Context, bucket string) (*lifecycle.Configuration, bool, error) {
	enc, err := s.layer.GetBucketConfig(ctx, bucket, objectlayer.ConfigLifecycle)
	switch {
	case errors.Is(err, objectlayer.ErrNoSuchMeta), errors.Is(err, objectlayer.ErrNoSuchBucket):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	cfg, err := s.config(enc)
	if err != nil {
		return nil, false, fmt.Errorf("bucket %s: %w", bucket, err)
	}
	state, err := s.layer.BucketVersioning(ctx, bucket)
	switch {
	case errors.Is(err, objectlayer.ErrNoSuchBucket):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	return cfg, state != objectlayer.VersioningOff, nil
}

func (s *lifecycleStore) config(enc []byte) (*lifecycle.Configuration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.parsed[string(enc)]; ok {
		return c, nil
	}
	c, err := lifecycle.Unmarshal(enc)
	if err != nil {
		return nil, err
	}
	if len(s.parsed) > 1000 {
		clear(s.parsed)
	}
	s.parsed[string(enc)] = c
	return c, nil
}

// ListVersions pages through ListObjectVersions. The layer resumes after a
// version marker that no longer exists where that version was; after a
// deleted null version it lists the key's remaining versions again, which
// the worker passes over.
func (s *lifecycleStore) ListVersions(ctx context.Context, bucket string, after lifecycle.VersionMarker, limit int, _ bool) ([]lifecycle.Version, bool, error) {
	res, err := s.layer.ListObjectVersions(ctx, bucket, objectlayer.ListVersionsOptions{
		KeyMarker:       after.Key,
		VersionIDMarker: after.VersionID,
		MaxKeys:         limit,
	})
	if err != nil {
		return nil, false, err
	}
	versioned := true
	if len(res.Versions) > 0 {
		// A bucket that never had versioning lists its objects as null
		// versions; the worker names them without a version ID.
		state, err := s.layer.BucketVersioning(ctx, bucket)
		if err != nil {
			return nil, false, err
		}
		versioned = state != objectlayer.VersioningOff
	}
	page := make([]lifecycle.Version, len(res.Versions))
	for i, v := range res.Versions {
		id := v.VersionID
		if !versioned {
			id = ""
		}
		// Listings carry the tags the version record holds.
		page[i] = lifecycle.Version{
			Key:          v.Key,
			VersionID:    id,
			ModTime:      v.LastModified,
			Size:         v.Size,
			DeleteMarker: v.DeleteMarker,
			IsLatest:     v.IsLatest,
			Tags:         v.Tags,
			Stamp:        v.Stamp,
		}
	}
	return page, res.IsTruncated && len(page) > 0, nil
}

func (s *lifecycleStore) ListUploads(ctx context.Context, bucket string, after lifecycle.UploadMarker, limit int) ([]lifecycle.PendingUpload, bool, error) {
	res, err := s.layer.ListMultipartUploads(ctx, bucket, objectlayer.ListUploadsOptions{
		KeyMarker:      after.Key,
		UploadIDMarker: after.UploadID,
		MaxUploads:     limit,
	})
	if err != nil {
		return nil, false, err
	}
	page := make([]lifecycle.PendingUpload, len(res.Uploads))
	for i, u := range res.Uploads {
		page[i] = lifecycle.PendingUpload{Key: u.Key, UploadID: u.UploadID, Initiated: u.Initiated}
	}
	return page, res.IsTruncated && len(page) > 0, nil
}

func (s *lifecycleStore) ExpireCurrent(ctx context.Context, bucket string, v lifecycle.VersionRef) error {
	_, err := s.layer.DeleteObjectVersion(ctx, bucket, v.Key, objectlayer.DeleteOptions{IfUnmodifiedSince: v.ModTime})
	return changedIf(err, objectlayer.ErrPreconditionFailed, objectlayer.ErrNoSuchKey)
}

// ExpireCurrentBatch expires the objects of a bucket that never had
// versioning that the listing stamped in one objectlayer.ExpireObjects
// call (one synced batch per node), and the rest (versioned buckets,
// objects with shard files) one by one, lifecycleParallel at a time.
func (s *lifecycleStore) ExpireCurrentBatch(ctx context.Context, bucket string, vs []lifecycle.VersionRef) []error {
	errs := make([]error, len(vs))
	var refs []objectlayer.ExpireRef
	var batched, one []int // indexes into vs
	for i, v := range vs {
		if v.Stamp != 0 && v.VersionID == "" {
			refs = append(refs, objectlayer.ExpireRef{Key: v.Key, Stamp: v.Stamp})
			batched = append(batched, i)
		} else {
			one = append(one, i)
		}
	}
	if len(refs) > 0 {
		res, err := s.layer.ExpireObjects(ctx, bucket, refs)
		for k, i := range batched {
			e := err
			if err == nil {
				e = res[k]
			}
			if errors.Is(e, objectlayer.ErrNotBatchable) {
				one = append(one, i)
				continue
			}
			errs[i] = changedIf(e, objectlayer.ErrPreconditionFailed, objectlayer.ErrNoSuchBucket)
		}
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(lifecycleParallel, len(one)) {
		wg.Go(func() {
			for i := range next {
				errs[i] = s.ExpireCurrent(ctx, bucket, vs[i])
			}
		})
	}
	for _, i := range one {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}

func (s *lifecycleStore) DeleteVersion(ctx context.Context, bucket string, v lifecycle.VersionRef) error {
	id := v.VersionID
	if id == "" {
		id = objectlayer.NullVersionID
	}
	info, err := s.layer.StatVersion(ctx, bucket, v.Key, id)
	switch {
	case errors.Is(err, objectlayer.ErrDeleteMarker):
	case err != nil:
		return changedIf(err, objectlayer.ErrNoSuchVersion, objectlayer.ErrNoSuchKey)
	}
	if !info.LastModified.Equal(v.ModTime) {
		return fmt.Errorf("%s/%s version %s was replaced: %w", bucket, v.Key, id, lifecycle.ErrChanged)
	}
	_, err = s.layer.DeleteObjectVersion(ctx, bucket, v.Key, objectlayer.DeleteOptions{VersionID: id})
	return changedIf(err, objectlayer.ErrNoSuchVersion, objectlayer.ErrNoSuchKey)
}

func (s *lifecycleStore) AbortUpload(ctx context.Context, bucket string, u lifecycle.UploadRef) error {
	err := s.layer.AbortMultipartUpload(ctx, bucket, u.Key, u.UploadID)
	return changedIf(err, objectlayer.ErrNoSuchUpload)
}

// changedIf wraps err with lifecycle.ErrChanged when it is one of the
// errors that mean the version or upload is no longer as listed.
func changedIf(err error, changed ...error) error {
	for _, c := range changed {
		if errors.Is(err, c) {
			return fmt.Errorf("%w: %w", lifecycle.ErrChanged, err)
		}
	}
	return err
}
