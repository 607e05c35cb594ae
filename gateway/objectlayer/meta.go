package objectlayer

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/zones3/zones3/storage"
)

// Cluster metadata: small records that every gateway must agree on and that
// are not tied to one object: bucket configurations (versioning, tagging,
// lifecycle, policy), IAM identities, leases. They live on every node,
// m/<name>, written with MetaQuorum and read from MetaQuorum nodes, last
// writer wins by HLC, so that any majority survives a lost zone and a read
// always meets the last acknowledged write.

const prefixMeta = "m/"

// MetaEntry is one cluster metadata record.
type MetaEntry struct {
	Name     string
	Value    []byte
	Modified time.Time // the HLC of the write
}

// MetaStore is the cluster metadata API. Layer implements it.
type MetaStore interface {
	// GetMeta returns the record called name, or ErrNoSuchMeta.
	GetMeta(ctx context.Context, name string) (MetaEntry, error)
	// PutMeta stores value under name on every node (MetaQuorum must
	// acknowledge).
	PutMeta(ctx context.Context, name string, value []byte) error
	// DeleteMeta removes name (a tombstone, which wins over older writes).
	DeleteMeta(ctx context.Context, name string) error
	// ListMeta returns the records whose names start with prefix, sorted by
	// name.
	ListMeta(ctx context.Context, prefix string) ([]MetaEntry, error)
}

var _ MetaStore = (*Layer)(nil)

// ErrNoSuchMeta is returned by GetMeta for a name without a record.
var ErrNoSuchMeta = errors.New("no such metadata record")

func metaKey(name string) []byte {
	return append([]byte(prefixMeta), name...)
}

// metaRecord is the value of m/<name>: HLC, record version, flags, value.
type metaRecord struct {
	hlc       uint64
	tombstone bool
	value     []byte
}

func (r *metaRecord) marshal() []byte {
	b := make([]byte, 0, 10+len(r.value))
	b = binary.BigEndian.AppendUint64(b, r.hlc)
	b = append(b, recordVersion)
	if r.tombstone {
		return append(b, flagTombstone)
	}
	b = append(b, 0)
	return append(b, r.value...)
}

func decodeMetaRecord(v []byte) (metaRecord, error) {
	d := decoder{b: v}
	var r metaRecord
	flags := d.header(&r.hlc)
	if d.err != nil {
		return r, d.err
	}
	r.tombstone = flags&flagTombstone != 0
	if !r.tombstone {
		r.value = bytes.Clone(d.b)
	}
	return r, nil
}

// GetMeta implements MetaStore. Nodes that answered with an older record
// (or none) get the newest one written back in the background.
func (l *Layer) GetMeta(ctx context.Context, name string) (MetaEntry, error) {
	key := metaKey(name)
	n := len(l.nodes)
	recs := make([]metaRecord, n)
	found := make([]bool, n)
	errs := make([]error, n)
	forEach(n, func(i int) {
		v, err := l.get(ctx, i, key)
		switch {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			errs[i] = err
		default:
			recs[i], errs[i] = decodeMetaRecord(v)
			found[i] = errs[i] == nil
		}
	})
	if err := ctx.Err(); err != nil {
		return MetaEntry{}, err
	}
	answered, newest := 0, -1
	for i := range n {
		if errs[i] == nil {
			answered++
		}
		if found[i] && (newest < 0 || recs[i].hlc > recs[newest].hlc) {
			newest = i
		}
	}
	if answered < l.topo.MetaQuorum() {
		return MetaEntry{}, quorumError("read metadata "+name, answered, l.topo.MetaQuorum(), errs)
	}
	if newest < 0 {
		return MetaEntry{}, fmt.Errorf("metadata %s: %w", name, ErrNoSuchMeta)
	}
	rec := recs[newest]
	l.clock.observe(rec.hlc)
	var stale []int
	for i := range n {
		if errs[i] == nil && (!found[i] || recs[i].hlc < rec.hlc) {
			stale = append(stale, i)
		}
	}
	if len(stale) > 0 {
		value := rec.marshal()
		l.background(func(ctx context.Context) {
			for _, i := range stale {
				_, err := l.apply(ctx, i, storage.Batch{Ops: []storage.Op{{Kind: storage.OpPutIfNewer, Key: key, Value: value, HLC: rec.hlc}}})
				if err != nil {
					l.log.Debug("metadata read repair", "name", name, "node", l.nodes[i].ID(), "err", err)
				}
			}
		})
	}
	if rec.tombstone {
		return MetaEntry{}, fmt.Errorf("metadata %s: %w", name, ErrNoSuchMeta)
	}
	return MetaEntry{Name: name, Value: rec.value, Modified: hlcTime(rec.hlc)}, nil
}

// PutMeta implements MetaStore.
func (l *Layer) PutMeta(ctx context.Context, name string, value []byte) error {
	if err := l.writeMeta(ctx, name, metaRecord{hlc: l.clock.next(), value: value}); err != nil {
		return fmt.Errorf("put metadata: %w", err)
	}
	return nil
}

// DeleteMeta implements MetaStore.
func (l *Layer) DeleteMeta(ctx context.Context, name string) error {
	if err := l.writeMeta(ctx, name, metaRecord{hlc: l.clock.next(), tombstone: true}); err != nil {
		return fmt.Errorf("delete metadata: %w", err)
	}
	return nil
}

func (l *Layer) writeMeta(ctx context.Context, name string, rec metaRecord) error {
	return l.writeEverywhere(ctx, "write metadata "+name, metaKey(name), rec.marshal(), rec.hlc)
}

// writeEverywhere puts value (of HLC hlc) under key on every node, last
// writer wins; it needs MetaQuorum acknowledgements.
func (l *Layer) writeEverywhere(ctx context.Context, what string, key, value []byte, hlc uint64) error {
	n := len(l.nodes)
	errs := make([]error, n)
	forEach(n, func(i int) {
		_, errs[i] = l.apply(ctx, i, storage.Batch{Ops: []storage.Op{
			{Kind: storage.OpPutIfNewer, Key: key, Value: value, HLC: hlc},
		}})
	})
	if ok := countNil(errs); ok < l.topo.MetaQuorum() {
		return quorumError(what, ok, l.topo.MetaQuorum(), errs)
	}
	return nil
}

// ListMeta implements MetaStore.
func (l *Layer) ListMeta(ctx context.Context, prefix string) ([]MetaEntry, error) {
	var out []MetaEntry
	err := listEverywhere(ctx, l, metaKey(prefix), fmt.Sprintf("list metadata %q", prefix), decodeMetaRecord, func(key []byte, r metaRecord) {
		out = append(out, MetaEntry{Name: string(key[len(prefixMeta):]), Value: r.value, Modified: hlcTime(r.hlc)})
	})
	return out, err
}

func (r metaRecord) stamp() (uint64, bool) { return r.hlc, r.tombstone }

// everywhereRecord is a record kept on every node (bucket and metadata
// records): the newest by HLC wins, and a tombstone hides the key.
type everywhereRecord interface {
	stamp() (hlc uint64, tombstone bool)
}

// listEverywhere walks the records under prefix on every node, merged by
// key (up to len(nodes)-MetaQuorum nodes may fail), and calls yield with
// the newest record of each key that is not a tombstone.
func listEverywhere[R everywhereRecord](ctx context.Context, l *Layer, prefix []byte, what string, decode func([]byte) (R, error), yield func(key []byte, r R)) error {
	m := l.newMergeScan(l.allNodes(), prefix, prefixEnd(prefix), len(l.nodes)-l.topo.MetaQuorum(), 1000)
	for {
		key, vals, err := m.next(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if key == nil {
			return nil
		}
		var newest R
		var newestHLC uint64
		found := false
		for _, v := range vals {
			rec, err := decode(v)
			if err != nil {
				l.log.Warn("corrupt record", "key", key, "err", err)
				continue
			}
			if h, _ := rec.stamp(); !found || h > newestHLC {
				newest, newestHLC, found = rec, h, true
			}
		}
		if !found {
			continue
		}
		l.clock.observe(newestHLC)
		if _, tomb := newest.stamp(); !tomb {
			yield(key, newest)
		}
	}
}

// Bucket configurations are metadata records named
// bucket/<bucket>/<config>; bucket names cannot contain '/'.

func bucketConfigName(bucket, config string) string {
	return "bucket/" + bucket + "/" + config
}

// Bucket configuration names.
const (
	ConfigVersioning = "versioning"
	ConfigTagging    = "tagging"
	ConfigLifecycle  = "lifecycle"
	ConfigPolicy     = "policy"
)

// bucketConfigTTL is how long a gateway serves a bucket configuration it
// read before reading it again: a change made through another gateway takes
// effect everywhere within this time. Changes through this gateway take
// effect at once.
const bucketConfigTTL = 2 * time.Second

// configCache remembers bucket configurations for bucketConfigTTL.
type configCache struct {
	mu      sync.Mutex
	entries map[string]configCacheEntry
}

type configCacheEntry struct {
	value  []byte // nil: no configuration
	expiry time.Time
}

// GetBucketConfig returns the bucket's configuration called config, or
// ErrNoSuchMeta when it has none. The result may be up to bucketConfigTTL
// old when it was changed through another gateway.
func (l *Layer) GetBucketConfig(ctx context.Context, bucket, config string) ([]byte, error) {
	name := bucketConfigName(bucket, config)
	now := l.bucketClock()
	l.configs.mu.Lock()
	e, ok := l.configs.entries[name]
	l.configs.mu.Unlock()
	if !ok || !now.Before(e.expiry) {
		me, err := l.GetMeta(ctx, name)
		switch {
		case errors.Is(err, ErrNoSuchMeta):
			e = configCacheEntry{}
		case err != nil:
			return nil, fmt.Errorf("bucket %s %s: %w", bucket, config, err)
		default:
			e = configCacheEntry{value: me.Value}
		}
		e.expiry = now.Add(bucketConfigTTL)
		l.configs.mu.Lock()
		if len(l.configs.entries) > 10000 {
			clear(l.configs.entries)
		}
		l.configs.entries[name] = e
		l.configs.mu.Unlock()
	}
	if e.value == nil {
		return nil, fmt.Errorf("bucket %s %s: %w", bucket, config, ErrNoSuchMeta)
	}
	return e.value, nil
}

// PutBucketConfig stores the configuration config of an existing bucket;
// value nil deletes it.
func (l *Layer) PutBucketConfig(ctx context.Context, bucket, config string, value []byte) error {
	if err := l.requireBucket(ctx, bucket); err != nil {
		return err
	}
	name := bucketConfigName(bucket, config)
	var err error
	if value == nil {
		err = l.DeleteMeta(ctx, name)
	} else {
		err = l.PutMeta(ctx, name, value)
	}
	l.configs.mu.Lock()
	delete(l.configs.entries, name)
	l.configs.mu.Unlock()
	if err != nil {
		return fmt.Errorf("bucket %s %s: %w", bucket, config, err)
	}
	return nil
}

// deleteBucketConfigs removes every configuration of a deleted bucket, so
// that a bucket created again under the name starts without them.
func (l *Layer) deleteBucketConfigs(ctx context.Context, bucket string) error {
	prefix := bucketConfigName(bucket, "")
	entries, err := l.ListMeta(ctx, prefix)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := l.DeleteMeta(ctx, e.Name); err != nil {
			return err
		}
	}
	l.configs.mu.Lock()
	for name := range l.configs.entries {
		if strings.HasPrefix(name, prefix) {
			delete(l.configs.entries, name)
		}
	}
	l.configs.mu.Unlock()
	return nil
}
