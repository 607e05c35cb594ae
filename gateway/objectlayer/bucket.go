package objectlayer

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/zones3/zones3/storage"
)

// allNodes returns 0..len(nodes)-1: bucket records live on every node.
func (l *Layer) allNodes() []int {
	idx := make([]int, len(l.nodes))
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// readBucket reads the bucket record from every node and returns the newest
// one; exists is false when there is none or it is a tombstone.
func (l *Layer) readBucket(ctx context.Context, bucket string) (rec bucketRecord, exists bool, err error) {
	key := bucketKey(bucket)
	n := len(l.nodes)
	recs := make([]bucketRecord, n)
	found := make([]bool, n)
	errs := make([]error, n)
	forEach(n, func(i int) {
		v, err := l.get(ctx, i, key)
		switch {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			errs[i] = err
		default:
			recs[i], errs[i] = decodeBucketRecord(v)
			found[i] = errs[i] == nil
		}
	})
	answered := 0
	for i := range n {
		if errs[i] == nil {
			answered++
		}
		if found[i] && (!exists || recs[i].hlc > rec.hlc) {
			rec, exists = recs[i], true
		}
	}
	if err := ctx.Err(); err != nil {
		return rec, false, err
	}
	if answered < l.topo.MetaQuorum() {
		return rec, false, quorumError("read bucket "+bucket, answered, l.topo.MetaQuorum(), errs)
	}
	if exists {
		l.clock.observe(rec.hlc)
		if rec.tombstone {
			exists = false
		}
	}
	if answered < n || !allEqualBucket(recs, found, rec.hlc) {
		l.log.Debug("bucket records disagree", "bucket", bucket, "answered", answered)
	}
	return rec, exists, nil
}

func allEqualBucket(recs []bucketRecord, found []bool, hlc uint64) bool {
	for i := range recs {
		if found[i] != found[0] || (found[i] && recs[i].hlc != hlc) {
			return false
		}
	}
	return true
}

// writeBucket puts rec on every node; it needs MetaQuorum acknowledgements.
func (l *Layer) writeBucket(ctx context.Context, bucket string, rec bucketRecord) error {
	return l.writeEverywhere(ctx, "write bucket "+bucket, bucketKey(bucket), rec.marshal(), rec.hlc)
}

// MakeBucket creates bucket. It fails with ErrBucketExists if it exists.
// Two gateways creating one bucket at once may both succeed.
func (l *Layer) MakeBucket(ctx context.Context, bucket, region string) error {
	_, exists, err := l.readBucket(ctx, bucket)
	if err != nil {
		return fmt.Errorf("make bucket: %w", err)
	}
	if exists {
		return fmt.Errorf("make bucket %s: %w", bucket, ErrBucketExists)
	}
	rec := bucketRecord{hlc: l.clock.next(), region: region}
	if err := l.writeBucket(ctx, bucket, rec); err != nil {
		return fmt.Errorf("make bucket: %w", err)
	}
	l.sawBucket(bucket)
	return nil
}

// GetBucket returns the bucket, or ErrNoSuchBucket.
func (l *Layer) GetBucket(ctx context.Context, bucket string) (BucketInfo, error) {
	rec, exists, err := l.readBucket(ctx, bucket)
	if err != nil {
		return BucketInfo{}, fmt.Errorf("get bucket: %w", err)
	}
	if !exists {
		return BucketInfo{}, fmt.Errorf("bucket %s: %w", bucket, ErrNoSuchBucket)
	}
	l.sawBucket(bucket)
	return BucketInfo{Name: bucket, Created: hlcTime(rec.hlc), Region: rec.region}, nil
}

// requireBucket returns ErrNoSuchBucket unless bucket exists. A bucket seen
// recently is not looked up again, which keeps a small PUT at one round
// trip per node.
func (l *Layer) requireBucket(ctx context.Context, bucket string) error {
	l.bucketMu.Lock()
	seen, ok := l.bucketSeen[bucket]
	l.bucketMu.Unlock()
	if ok && l.bucketClock().Sub(seen) < bucketCacheTTL {
		return nil
	}
	_, err := l.GetBucket(ctx, bucket)
	return err
}

func (l *Layer) sawBucket(bucket string) {
	now := l.bucketClock()
	l.bucketMu.Lock()
	defer l.bucketMu.Unlock()
	if len(l.bucketSeen) > 10000 {
		for b, t := range l.bucketSeen {
			if now.Sub(t) >= bucketCacheTTL {
				delete(l.bucketSeen, b)
			}
		}
	}
	l.bucketSeen[bucket] = now
}

func (l *Layer) forgetBucket(bucket string) {
	l.bucketMu.Lock()
	delete(l.bucketSeen, bucket)
	l.bucketMu.Unlock()
}

// ListBuckets returns every bucket, sorted by name.
func (l *Layer) ListBuckets(ctx context.Context) ([]BucketInfo, error) {
	var out []BucketInfo
	err := listEverywhere(ctx, l, []byte(prefixBucket), "list buckets", decodeBucketRecord, func(key []byte, r bucketRecord) {
		out = append(out, BucketInfo{Name: string(key[len(prefixBucket):]), Created: hlcTime(r.hlc), Region: r.region})
	})
	return out, err
}

func (r bucketRecord) stamp() (uint64, bool) { return r.hlc, r.tombstone }

// DeleteBucket deletes an empty bucket: without objects and without
// multipart uploads in progress, else ErrBucketNotEmpty. The check and the
// delete are not atomic: an object written meanwhile through another
// gateway is left behind in a deleted bucket.
func (l *Layer) DeleteBucket(ctx context.Context, bucket string) error {
	_, exists, err := l.readBucket(ctx, bucket)
	if err != nil {
		return fmt.Errorf("delete bucket: %w", err)
	}
	if !exists {
		return fmt.Errorf("delete bucket %s: %w", bucket, ErrNoSuchBucket)
	}
	// Versions count: noncurrent ones and delete markers too, as in S3.
	res, err := l.ListObjectVersions(ctx, bucket, ListVersionsOptions{MaxKeys: 1})
	if err != nil {
		return fmt.Errorf("delete bucket: %w", err)
	}
	if len(res.Versions) > 0 {
		return fmt.Errorf("delete bucket %s: %w", bucket, ErrBucketNotEmpty)
	}
	ups, err := l.ListMultipartUploads(ctx, bucket, ListUploadsOptions{MaxUploads: 1})
	if err != nil {
		return fmt.Errorf("delete bucket: %w", err)
	}
	if len(ups.Uploads) > 0 {
		return fmt.Errorf("delete bucket %s: multipart uploads in progress: %w", bucket, ErrBucketNotEmpty)
	}
	if err := l.deleteBucketConfigs(ctx, bucket); err != nil {
		return fmt.Errorf("delete bucket: %w", err)
	}
	l.forgetBucket(bucket)
	if err := l.writeBucket(ctx, bucket, bucketRecord{hlc: l.clock.next(), tombstone: true}); err != nil {
		return fmt.Errorf("delete bucket: %w", err)
	}
	l.forgetBucket(bucket)
	l.purgeTombstones(bucket)
	return nil
}

// purgeTombstones removes, in the background, the object and version
// tombstones of a deleted bucket: nothing older can reappear under them
// once the bucket itself is gone, and a bucket created again under the
// name starts clean. The list entries (l/, w/) are scanned; each
// tombstone goes with its record (o/, v/).
func (l *Layer) purgeTombstones(bucket string) {
	l.background(func(ctx context.Context) {
		pairs := [][2]string{{prefixList, prefixObject}, {prefixVersionList, prefixVersion}}
		forEach(len(l.nodes)*len(pairs), func(x int) {
			i, pair := x%len(l.nodes), pairs[x/len(l.nodes)]
			scope := bucketScope(pair[0], bucket)
			recScope := bucketScope(pair[1], bucket)
			end := prefixEnd(scope)
			start := scope
			for {
				kvs, err := l.scan(ctx, i, storage.ScanRange{Start: start, End: end, Limit: 1000})
				if err != nil {
					l.log.Debug("purging tombstones", "bucket", bucket, "node", l.nodes[i].ID(), "err", err)
					return
				}
				var ops []storage.Op
				for _, kv := range kvs {
					e, err := decodeListEntry(kv.Value)
					if err != nil || !e.tombstone {
						continue
					}
					rec := append(bytes.Clone(recScope), kv.Key[len(scope):]...)
					ops = append(ops,
						storage.Op{Kind: storage.OpDeleteIfNotNewer, Key: kv.Key, HLC: e.hlc},
						storage.Op{Kind: storage.OpDeleteIfNotNewer, Key: rec, HLC: e.hlc})
				}
				if len(ops) > 0 {
					if _, err := l.apply(ctx, i, storage.Batch{Ops: ops}); err != nil {
						l.log.Debug("purging tombstones", "bucket", bucket, "node", l.nodes[i].ID(), "err", err)
						return
					}
				}
				if len(kvs) < 1000 {
					return
				}
				start = append(kvs[len(kvs)-1].Key, 0)
			}
		})
	})
}
