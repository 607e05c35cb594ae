package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// memStore is an in-memory Store with S3's versioning rules, for the
// worker's unit tests. Its guards are the ones Store documents.
type memStore struct {
	mu      sync.Mutex
	buckets map[string]*memBucket
	now     func() time.Time
	nextID  int
	// seqOf is the place (memVersion.seq) of every version ever created,
	// by bucket, key and version ID, so that a listing goes on after a
	// deleted version from where it was. The null version's place is the
	// newest null version's.
	seqOf map[string]int

	// onList runs (without mu held) after ListVersions read a page,
	// before it returns; an error it returns is ListVersions'.
	onList func(ctx context.Context, bucket string, call int, page []Version) error
	// failAction, when set, may fail an action that passed its guard,
	// before it is carried out (called with mu held).
	failAction func(bucket, key string) error

	listCalls []listCall
	actions   []string
}

type listCall struct {
	bucket string
	after  VersionMarker
	tags   bool
}

type memBucket struct {
	name       string
	cfg        *Configuration
	versioning string // "", "Enabled" or "Suspended"
	keys       map[string][]*memVersion
	uploads    map[UploadRef]time.Time
}

// memVersion is one version; a key's versions are newest first.
type memVersion struct {
	seq    int // creation order: the listing's order within a key
	id     string
	mod    time.Time
	size   int64
	marker bool
	tags   map[string]string
}

func newMemStore(now func() time.Time) *memStore {
	return &memStore{buckets: map[string]*memBucket{}, now: now, seqOf: map[string]int{}}
}

func (s *memStore) bucket(name string) *memBucket {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[name]
	if b == nil {
		b = &memBucket{name: name, keys: map[string][]*memVersion{}, uploads: map[UploadRef]time.Time{}}
		s.buckets[name] = b
	}
	return b
}

func (s *memStore) setConfig(bucket string, cfg *Configuration, versioning string) {
	b := s.bucket(bucket)
	s.mu.Lock()
	defer s.mu.Unlock()
	b.cfg, b.versioning = cfg, versioning
}

func (s *memStore) newID() string {
	return fmt.Sprintf("v%06d", s.nextID)
}

// put writes a new current version of key, as PutObject does.
func (s *memStore) put(bucket, key string, mod time.Time, size int64, tags map[string]string) {
	b := s.bucket(bucket)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addVersion(b, key, &memVersion{mod: mod, size: size, tags: tags})
}

// addVersion makes v the current version of key by the bucket's
// versioning; called with mu held.
func (s *memStore) addVersion(b *memBucket, key string, v *memVersion) {
	s.nextID++
	v.seq = s.nextID
	defer func() { s.seqOf[b.name+"/"+key+"/"+v.id] = v.seq }()
	vs := b.keys[key]
	switch b.versioning {
	case "":
		v.id = ""
		b.keys[key] = []*memVersion{v}
		return
	case "Enabled":
		v.id = s.newID()
	case "Suspended":
		v.id = "null"
		vs = slices.DeleteFunc(vs, func(o *memVersion) bool { return o.id == "null" })
	}
	b.keys[key] = append([]*memVersion{v}, vs...)
}

// putMarker writes a delete marker as the new current version of key.
func (s *memStore) putMarker(bucket, key string, mod time.Time) {
	b := s.bucket(bucket)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addVersion(b, key, &memVersion{mod: mod, marker: true})
}

// versions returns key's versions, newest first.
func (s *memStore) versions(bucket, key string) []*memVersion {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.buckets[bucket].keys[key])
}

func (s *memStore) keys(bucket string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.buckets[bucket].keys))
}

func (s *memStore) Buckets(ctx context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.buckets))
	for name := range s.buckets {
		out = append(out, name)
	}
	return out, nil
}

func (s *memStore) BucketState(ctx context.Context, bucket string) (*Configuration, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[bucket]
	if b == nil {
		return nil, false, nil
	}
	return b.cfg, b.versioning != "", nil
}

func (s *memStore) ListVersions(ctx context.Context, bucket string, after VersionMarker, limit int, tags bool) ([]Version, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	b := s.buckets[bucket]
	s.listCalls = append(s.listCalls, listCall{bucket, after, tags})
	call := len(s.listCalls)
	var page []Version
	more := false
	for _, key := range slices.Sorted(maps.Keys(b.keys)) {
		if key < after.Key {
			continue
		}
		vs := b.keys[key]
		start := 0
		if key == after.Key {
			if after.VersionID == "" {
				continue
			}
			seq, ok := s.seqOf[bucket+"/"+key+"/"+after.VersionID]
			if !ok {
				s.mu.Unlock()
				return nil, false, fmt.Errorf("version marker %q of %q: no such version", after.VersionID, key)
			}
			start = len(vs)
			for i, v := range vs {
				if v.seq < seq {
					start = i
					break
				}
			}
		}
		for i := start; i < len(vs); i++ {
			if len(page) == limit {
				more = true
				break
			}
			v := vs[i]
			out := Version{Key: key, VersionID: v.id, ModTime: v.mod, Size: v.size, DeleteMarker: v.marker, IsLatest: i == 0, Stamp: uint64(v.seq)}
			if tags {
				out.Tags = v.tags
			}
			page = append(page, out)
		}
		if more {
			break
		}
	}
	s.mu.Unlock()
	if s.onList != nil {
		if err := s.onList(ctx, bucket, call, page); err != nil {
			return nil, false, err
		}
	}
	return page, more, nil
}

func (s *memStore) ListUploads(ctx context.Context, bucket string, after UploadMarker, limit int) ([]PendingUpload, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[bucket]
	refs := slices.SortedFunc(maps.Keys(b.uploads), func(a, b UploadRef) int {
		return strings.Compare(a.Key+"\x00"+a.UploadID, b.Key+"\x00"+b.UploadID)
	})
	var page []PendingUpload
	for _, r := range refs {
		if r.Key < after.Key || (r.Key == after.Key && r.UploadID <= after.UploadID) {
			continue
		}
		if len(page) == limit {
			return page, true, nil
		}
		page = append(page, PendingUpload{Key: r.Key, UploadID: r.UploadID, Initiated: b.uploads[r]})
	}
	return page, false, nil
}

func (s *memStore) act(bucket, key, what string) error {
	if s.failAction != nil {
		if err := s.failAction(bucket, key); err != nil {
			return err
		}
	}
	s.actions = append(s.actions, what+" "+bucket+"/"+key)
	return nil
}

// ExpireCurrent: DeleteObject without a version ID, if the current
// version is still v.
func (s *memStore) ExpireCurrent(ctx context.Context, bucket string, v VersionRef) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[bucket]
	vs := b.keys[v.Key]
	if len(vs) == 0 || vs[0].marker || vs[0].id != v.VersionID || !vs[0].mod.Equal(v.ModTime) {
		return fmt.Errorf("expire %s: %w", v.Key, ErrChanged)
	}
	if err := s.act(bucket, v.Key, "expire"); err != nil {
		return err
	}
	if b.versioning == "" {
		delete(b.keys, v.Key)
		return nil
	}
	s.addVersion(b, v.Key, &memVersion{mod: s.now(), marker: true})
	return nil
}

// DeleteVersion: DeleteObject with the version ID, if it is still v.
func (s *memStore) DeleteVersion(ctx context.Context, bucket string, v VersionRef) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[bucket]
	vs := b.keys[v.Key]
	i := slices.IndexFunc(vs, func(o *memVersion) bool { return o.id == v.VersionID && o.mod.Equal(v.ModTime) })
	if i < 0 {
		return fmt.Errorf("delete version %s/%s: %w", v.Key, v.VersionID, ErrChanged)
	}
	if err := s.act(bucket, v.Key, "delete-version"); err != nil {
		return err
	}
	vs = slices.Delete(vs, i, i+1)
	if len(vs) == 0 {
		delete(b.keys, v.Key)
	} else {
		b.keys[v.Key] = vs
	}
	return nil
}

func (s *memStore) AbortUpload(ctx context.Context, bucket string, u UploadRef) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[bucket]
	if _, ok := b.uploads[u]; !ok {
		return fmt.Errorf("abort %s: %w", u.UploadID, ErrChanged)
	}
	if err := s.act(bucket, u.Key, "abort"); err != nil {
		return err
	}
	delete(b.uploads, u)
	return nil
}

func (s *memStore) addUpload(bucket, key, id string, initiated time.Time) {
	b := s.bucket(bucket)
	s.mu.Lock()
	defer s.mu.Unlock()
	b.uploads[UploadRef{Key: key, UploadID: id}] = initiated
}

func (s *memStore) uploadIDs(bucket string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for r := range s.buckets[bucket].uploads {
		out = append(out, r.UploadID)
	}
	slices.Sort(out)
	return out
}

// memMeta is an in-memory Meta.
type memMeta struct {
	mu      sync.Mutex
	records map[string][]byte
	puts    map[string]int
}

func newMemMeta() *memMeta { return &memMeta{records: map[string][]byte{}, puts: map[string]int{}} }

func (m *memMeta) GetMeta(ctx context.Context, name string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	v, ok := m.records[name]
	return slices.Clone(v), ok, nil
}

func (m *memMeta) PutMeta(ctx context.Context, name string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	m.records[name] = slices.Clone(value)
	m.puts[name]++
	return nil
}

func (m *memMeta) DeleteMeta(ctx context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.records, name)
	return nil
}

func (m *memMeta) putCount(name string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.puts[name]
}

// partitioned is the error of a Meta cut off from the nodes.
var partitioned = errors.New("no quorum: partitioned")

// batchStore is a memStore that is also a BatchExpirer. Its batch guard is
// the Stamp: the key's current version must still be the one listed.
type batchStore struct {
	*memStore
	batches [][]VersionRef
}

func (s *batchStore) ExpireCurrentBatch(ctx context.Context, bucket string, vs []VersionRef) []error {
	s.mu.Lock()
	s.batches = append(s.batches, slices.Clone(vs))
	s.mu.Unlock()
	errs := make([]error, len(vs))
	for i, v := range vs {
		s.mu.Lock()
		cur := s.buckets[bucket].keys[v.Key]
		stale := len(cur) == 0 || uint64(cur[0].seq) != v.Stamp
		s.mu.Unlock()
		if stale {
			errs[i] = fmt.Errorf("expire %s: stamp %d: %w", v.Key, v.Stamp, ErrChanged)
			continue
		}
		errs[i] = s.ExpireCurrent(ctx, bucket, v)
	}
	return errs
}
