package gateway

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zones3/zones3/gateway/checksum"
	"github.com/zones3/zones3/gateway/objectlayer"
)

// fakeLayer is an in-memory objectlayer.API for handler tests. It follows
// the contract of the real layer: Seal before anything becomes visible,
// Check before any byte is read, sentinel errors wrapped with context.
type fakeLayer struct {
	mu          sync.Mutex
	buckets     map[string]*fakeBucket
	uploads     map[string]*fakeUpload
	nextID      int
	minPartSize int64
	now         func() time.Time

	// getFailAfter, when > 0, makes GetObject fail after writing that
	// many bytes (a node lost mid-stream).
	getFailAfter int64
	// gets counts GetObject calls (each is a metadata read in the real
	// layer).
	gets atomic.Int64
}

type fakeBucket struct {
	info       objectlayer.BucketInfo
	versioning objectlayer.VersioningState
	tags       map[string]string
	configs    map[string][]byte
	// versions holds each key's versions, newest first. The null version
	// has VersionID "" while the bucket never had versioning, else "null".
	versions map[string][]*fakeObject
}

type fakeObject struct {
	info objectlayer.ObjectInfo
	data []byte
}

type fakeUpload struct {
	u     objectlayer.Upload
	parts map[int]*fakePart
}

type fakePart struct {
	info objectlayer.PartInfo
	data []byte
}

func newFakeLayer() *fakeLayer {
	return &fakeLayer{
		buckets:     make(map[string]*fakeBucket),
		uploads:     make(map[string]*fakeUpload),
		minPartSize: 5 << 20,
		now:         time.Now,
	}
}

func (l *fakeLayer) MakeBucket(ctx context.Context, bucket, region string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.buckets[bucket]; ok {
		return fmt.Errorf("make bucket %s: %w", bucket, objectlayer.ErrBucketExists)
	}
	l.buckets[bucket] = &fakeBucket{
		info:     objectlayer.BucketInfo{Name: bucket, Created: l.now().UTC(), Region: region},
		versions: make(map[string][]*fakeObject),
	}
	return nil
}

func (l *fakeLayer) bucket(name string) (*fakeBucket, error) {
	b, ok := l.buckets[name]
	if !ok {
		return nil, fmt.Errorf("bucket %s: %w", name, objectlayer.ErrNoSuchBucket)
	}
	return b, nil
}

func (l *fakeLayer) GetBucket(ctx context.Context, bucket string) (objectlayer.BucketInfo, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := l.bucket(bucket)
	if err != nil {
		return objectlayer.BucketInfo{}, err
	}
	return b.info, nil
}

func (l *fakeLayer) ListBuckets(ctx context.Context) ([]objectlayer.BucketInfo, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []objectlayer.BucketInfo
	for _, b := range l.buckets {
		out = append(out, b.info)
	}
	return out, nil
}

func (l *fakeLayer) DeleteBucket(ctx context.Context, bucket string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := l.bucket(bucket)
	if err != nil {
		return err
	}
	if len(b.versions) > 0 {
		return fmt.Errorf("delete bucket %s: %w", bucket, objectlayer.ErrBucketNotEmpty)
	}
	delete(l.buckets, bucket)
	return nil
}

// readBody reads a body as the real layer does: exactly Size bytes when
// known, then Seal (which must find the end of the body itself).
func readBody(body io.Reader, opts objectlayer.PutOptions) ([]byte, string, map[string]string, error) {
	var data []byte
	var err error
	if opts.Size >= 0 {
		data = make([]byte, opts.Size)
		_, err = io.ReadFull(body, data)
	} else {
		data, err = io.ReadAll(body)
	}
	if err != nil {
		return nil, "", nil, fmt.Errorf("read body: %w", err)
	}
	etag, sums, err := opts.Seal()
	if err != nil {
		return nil, "", nil, fmt.Errorf("seal: %w", err)
	}
	return data, etag, sums, nil
}

// fakeVersionAlphabet is the layer's version ID alphabet: IDs the fake
// makes must pass objectlayer.ValidVersionID.
const fakeVersionAlphabet = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

var fakeVersionEncoding = base64.NewEncoding(fakeVersionAlphabet).WithPadding(base64.NoPadding)

// newVersionID returns a version ID that sorts before the earlier ones.
func (l *fakeLayer) newVersionID() string {
	l.nextID++
	var b [16]byte
	for i := range 8 {
		b[i] = ^byte(uint64(l.nextID) >> (56 - 8*i))
	}
	return fakeVersionEncoding.EncodeToString(b[:])
}

// isNull reports whether o is the key's null version.
func isNull(o *fakeObject) bool { return o.info.VersionID == "" || o.info.VersionID == "null" }

// addVersion makes o the key's current version under the bucket's
// versioning state and fills in its version ID.
func (l *fakeLayer) addVersion(b *fakeBucket, key string, o *fakeObject) {
	vs := b.versions[key]
	switch b.versioning {
	case objectlayer.VersioningEnabled:
		o.info.VersionID = l.newVersionID()
	case objectlayer.VersioningSuspended:
		o.info.VersionID = "null"
		vs = slices.DeleteFunc(vs, isNull)
	default:
		o.info.VersionID = ""
		vs = slices.DeleteFunc(vs, isNull)
	}
	b.versions[key] = append([]*fakeObject{o}, vs...)
}

func (l *fakeLayer) PutObject(ctx context.Context, bucket, key string, body io.Reader, opts objectlayer.PutOptions) (objectlayer.ObjectInfo, error) {
	l.mu.Lock()
	_, err := l.bucket(bucket)
	l.mu.Unlock()
	if err != nil {
		return objectlayer.ObjectInfo{}, err
	}
	data, etag, sums, err := readBody(body, opts)
	if err != nil {
		return objectlayer.ObjectInfo{}, fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := l.bucket(bucket)
	if err != nil {
		return objectlayer.ObjectInfo{}, err
	}
	old := b.current(key)
	exists := old != nil
	if opts.IfNoneMatchStar && exists {
		return objectlayer.ObjectInfo{}, fmt.Errorf("put %s/%s: %w", bucket, key, objectlayer.ErrPreconditionFailed)
	}
	if opts.IfMatch != "" && (!exists || old.info.ETag != opts.IfMatch) {
		return objectlayer.ObjectInfo{}, fmt.Errorf("put %s/%s: %w", bucket, key, objectlayer.ErrPreconditionFailed)
	}
	info := objectlayer.ObjectInfo{
		Bucket:       bucket,
		Key:          key,
		Size:         int64(len(data)),
		ETag:         etag,
		LastModified: l.now().UTC(),
		Header:       maps.Clone(opts.Header),
		Checksums:    sums,
		Tags:         maps.Clone(opts.Tags),
	}
	if len(sums) > 0 {
		info.ChecksumType = "FULL_OBJECT"
	}
	o := &fakeObject{info: info, data: data}
	l.addVersion(b, key, o)
	return o.info, nil
}

// current returns the key's current version unless there is none or it
// is a delete marker.
func (b *fakeBucket) current(key string) *fakeObject {
	vs := b.versions[key]
	if len(vs) == 0 || vs[0].info.DeleteMarker {
		return nil
	}
	return vs[0]
}

// version finds a version as the layer does, with its errors.
func (l *fakeLayer) version(bucket, key, versionID string) (*fakeObject, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := l.bucket(bucket)
	if err != nil {
		return nil, err
	}
	if versionID != "" && !objectlayer.ValidVersionID(versionID) {
		return nil, fmt.Errorf("version %q: %w", versionID, objectlayer.ErrInvalidArgument)
	}
	vs := b.versions[key]
	if versionID == "" {
		if len(vs) == 0 {
			return nil, fmt.Errorf("object %s/%s: %w", bucket, key, objectlayer.ErrNoSuchKey)
		}
		if vs[0].info.DeleteMarker {
			return vs[0], fmt.Errorf("object %s/%s: %w", bucket, key, objectlayer.ErrNoSuchKey)
		}
		return vs[0], nil
	}
	for _, o := range vs {
		if o.info.VersionID == versionID || versionID == "null" && isNull(o) {
			if o.info.DeleteMarker {
				return o, fmt.Errorf("version %s: %w", versionID, objectlayer.ErrDeleteMarker)
			}
			return o, nil
		}
	}
	return nil, fmt.Errorf("version %s: %w", versionID, objectlayer.ErrNoSuchVersion)
}

// infoOf returns the info of the version found, with the layer's
// conventions for the null version and for errors.
func infoOf(o *fakeObject, err error) (objectlayer.ObjectInfo, error) {
	if o == nil {
		return objectlayer.ObjectInfo{}, err
	}
	return o.info, err
}

func (l *fakeLayer) slice(o *fakeObject, opts objectlayer.GetOptions) ([]byte, error) {
	if opts.Check != nil {
		if err := opts.Check(o.info); err != nil {
			return nil, err
		}
	}
	if opts.Range != nil {
		opts.Offset, opts.Length = opts.Range(o.info)
	}
	size := int64(len(o.data))
	if opts.Offset > size || (opts.Offset == size && size > 0) {
		return nil, fmt.Errorf("offset %d of %d: %w", opts.Offset, size, objectlayer.ErrInvalidRange)
	}
	end := size
	if opts.Length >= 0 && opts.Offset+opts.Length < size {
		end = opts.Offset + opts.Length
	}
	return o.data[opts.Offset:end], nil
}

func (l *fakeLayer) GetObject(ctx context.Context, bucket, key string, opts objectlayer.GetOptions, w io.Writer) (objectlayer.ObjectInfo, error) {
	l.gets.Add(1)
	o, err := l.version(bucket, key, opts.VersionID)
	if err != nil {
		return infoOf(o, err)
	}
	data, err := l.slice(o, opts)
	if err != nil {
		return objectlayer.ObjectInfo{}, err
	}
	if n := l.getFailAfter; n > 0 && n < int64(len(data)) {
		w.Write(data[:n])
		return objectlayer.ObjectInfo{}, fmt.Errorf("get %s/%s: %w", bucket, key, objectlayer.ErrQuorum)
	}
	for len(data) > 0 {
		n := min(len(data), 32<<10)
		if _, err := w.Write(data[:n]); err != nil {
			return objectlayer.ObjectInfo{}, err
		}
		data = data[n:]
	}
	return o.info, nil
}

func (l *fakeLayer) OpenObject(ctx context.Context, bucket, key string, opts objectlayer.GetOptions) (objectlayer.ObjectInfo, io.ReadCloser, error) {
	o, err := l.version(bucket, key, opts.VersionID)
	if err != nil {
		info, err := infoOf(o, err)
		return info, nil, err
	}
	data, err := l.slice(o, opts)
	if err != nil {
		return objectlayer.ObjectInfo{}, nil, err
	}
	return o.info, io.NopCloser(bytes.NewReader(data)), nil
}

func (l *fakeLayer) StatObject(ctx context.Context, bucket, key string) (objectlayer.ObjectInfo, error) {
	return l.StatVersion(ctx, bucket, key, "")
}

func (l *fakeLayer) StatVersion(ctx context.Context, bucket, key, versionID string) (objectlayer.ObjectInfo, error) {
	return infoOf(l.version(bucket, key, versionID))
}

func (l *fakeLayer) DeleteObject(ctx context.Context, bucket, key string) error {
	_, err := l.DeleteObjectVersion(ctx, bucket, key, objectlayer.DeleteOptions{})
	return err
}

func (l *fakeLayer) DeleteObjectVersion(ctx context.Context, bucket, key string, opts objectlayer.DeleteOptions) (objectlayer.DeleteResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := l.bucket(bucket)
	if err != nil {
		return objectlayer.DeleteResult{}, err
	}
	if opts.VersionID != "" {
		if !objectlayer.ValidVersionID(opts.VersionID) {
			return objectlayer.DeleteResult{}, objectlayer.ErrInvalidArgument
		}
		res := objectlayer.DeleteResult{VersionID: opts.VersionID}
		vs := b.versions[key]
		for i, o := range vs {
			if o.info.VersionID == opts.VersionID || opts.VersionID == "null" && isNull(o) {
				res.DeleteMarker = o.info.DeleteMarker
				vs = slices.Delete(vs, i, i+1)
				break
			}
		}
		if len(vs) == 0 {
			delete(b.versions, key)
		} else {
			b.versions[key] = vs
		}
		return res, nil
	}
	if b.versioning == objectlayer.VersioningOff {
		delete(b.versions, key)
		return objectlayer.DeleteResult{}, nil
	}
	o := &fakeObject{info: objectlayer.ObjectInfo{Bucket: bucket, Key: key, DeleteMarker: true, LastModified: l.now().UTC()}}
	l.addVersion(b, key, o)
	return objectlayer.DeleteResult{VersionID: o.info.VersionID, DeleteMarker: true}, nil
}

func (l *fakeLayer) PutObjectTags(ctx context.Context, bucket, key, versionID string, tags map[string]string) (objectlayer.ObjectInfo, error) {
	o, err := l.version(bucket, key, versionID)
	if err != nil {
		return infoOf(o, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(tags) == 0 {
		tags = nil
	}
	o.info.Tags = maps.Clone(tags)
	return o.info, nil
}

func (l *fakeLayer) BucketVersioning(ctx context.Context, bucket string) (objectlayer.VersioningState, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := l.bucket(bucket)
	if err != nil {
		return "", err
	}
	return b.versioning, nil
}

func (l *fakeLayer) SetBucketVersioning(ctx context.Context, bucket string, state objectlayer.VersioningState) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := l.bucket(bucket)
	if err != nil {
		return err
	}
	if state != objectlayer.VersioningEnabled && state != objectlayer.VersioningSuspended {
		return objectlayer.ErrInvalidArgument
	}
	if b.versioning == objectlayer.VersioningOff {
		for _, vs := range b.versions {
			for _, o := range vs {
				if o.info.VersionID == "" {
					o.info.VersionID = "null"
				}
			}
		}
	}
	b.versioning = state
	return nil
}

func (l *fakeLayer) BucketTags(ctx context.Context, bucket string) (map[string]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := l.bucket(bucket)
	if err != nil {
		return nil, err
	}
	if len(b.tags) == 0 {
		return nil, objectlayer.ErrNoSuchTagSet
	}
	return maps.Clone(b.tags), nil
}

func (l *fakeLayer) SetBucketTags(ctx context.Context, bucket string, tags map[string]string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := l.bucket(bucket)
	if err != nil {
		return err
	}
	b.tags = maps.Clone(tags)
	return nil
}

// listKeys applies prefix, delimiter, after and max to sorted keys, as
// S3 does: a common prefix counts as one entry and is not repeated once
// after has reached it.
func listKeys(keys []string, prefix, delimiter, after string, max int) (objs, prefixes []string, truncated bool, next string) {
	count := 0
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) || k <= after {
			continue
		}
		entry, isPrefix := k, false
		if delimiter != "" {
			if i := strings.Index(k[len(prefix):], delimiter); i >= 0 {
				entry, isPrefix = k[:len(prefix)+i+len(delimiter)], true
				if entry <= after || (len(prefixes) > 0 && prefixes[len(prefixes)-1] == entry) {
					continue
				}
			}
		}
		if count == max {
			truncated = true
			break
		}
		if isPrefix {
			prefixes = append(prefixes, entry)
		} else {
			objs = append(objs, entry)
		}
		count++
		next = entry
	}
	if !truncated {
		next = ""
	}
	return objs, prefixes, truncated, next
}

func (l *fakeLayer) ListObjects(ctx context.Context, bucket string, opts objectlayer.ListOptions) (objectlayer.ListResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := l.bucket(bucket)
	if err != nil {
		return objectlayer.ListResult{}, err
	}
	var keys []string
	for k := range b.versions {
		if b.current(k) != nil {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	objs, prefixes, truncated, next := listKeys(keys, opts.Prefix, opts.Delimiter, opts.After, opts.MaxKeys)
	res := objectlayer.ListResult{CommonPrefixes: prefixes, IsTruncated: truncated, NextAfter: next}
	for _, k := range objs {
		res.Objects = append(res.Objects, b.current(k).info)
	}
	return res, nil
}

func (l *fakeLayer) ListObjectVersions(ctx context.Context, bucket string, opts objectlayer.ListVersionsOptions) (objectlayer.ListVersionsResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := l.bucket(bucket)
	if err != nil {
		return objectlayer.ListVersionsResult{}, err
	}
	// Every version in listing order; then what follows the markers.
	type entry struct {
		key string
		o   objectlayer.ObjectInfo
	}
	var all []entry
	for _, k := range slices.Sorted(maps.Keys(b.versions)) {
		for i, o := range b.versions[k] {
			info := o.info
			if info.VersionID == "" {
				info.VersionID = "null"
			}
			info.IsLatest = i == 0
			all = append(all, entry{k, info})
		}
	}
	from := 0
	if opts.KeyMarker != "" {
		for from < len(all) && all[from].key < opts.KeyMarker {
			from++
		}
		if opts.VersionIDMarker != "" {
			for at := from; at < len(all) && all[at].key == opts.KeyMarker; at++ {
				if all[at].o.VersionID == opts.VersionIDMarker {
					from = at + 1
					break
				}
			}
		} else {
			for from < len(all) && all[from].key == opts.KeyMarker {
				from++
			}
		}
	}
	var res objectlayer.ListVersionsResult
	count := 0
	for _, e := range all[from:] {
		if !strings.HasPrefix(e.key, opts.Prefix) {
			continue
		}
		if opts.Delimiter != "" {
			if i := strings.Index(e.key[len(opts.Prefix):], opts.Delimiter); i >= 0 {
				cp := e.key[:len(opts.Prefix)+i+len(opts.Delimiter)]
				if cp <= opts.KeyMarker || (len(res.CommonPrefixes) > 0 && res.CommonPrefixes[len(res.CommonPrefixes)-1] == cp) {
					continue
				}
				if count == opts.MaxKeys {
					res.IsTruncated = true
					return res, nil
				}
				res.CommonPrefixes = append(res.CommonPrefixes, cp)
				res.NextKeyMarker, res.NextVersionIDMarker = cp, ""
				count++
				continue
			}
		}
		if count == opts.MaxKeys {
			res.IsTruncated = true
			return res, nil
		}
		res.Versions = append(res.Versions, e.o)
		res.NextKeyMarker, res.NextVersionIDMarker = e.key, e.o.VersionID
		count++
	}
	return res, nil
}

func (l *fakeLayer) NewMultipartUpload(ctx context.Context, bucket, key string, u objectlayer.Upload) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.bucket(bucket); err != nil {
		return "", err
	}
	l.nextID++
	u.UploadID = "upload-" + strconv.Itoa(l.nextID)
	u.Bucket, u.Key = bucket, key
	l.uploads[u.UploadID] = &fakeUpload{u: u, parts: make(map[int]*fakePart)}
	return u.UploadID, nil
}

func (l *fakeLayer) upload(bucket, key, id string) (*fakeUpload, error) {
	u, ok := l.uploads[id]
	if !ok || u.u.Bucket != bucket || u.u.Key != key {
		return nil, fmt.Errorf("upload %s: %w", id, objectlayer.ErrNoSuchUpload)
	}
	return u, nil
}

func (l *fakeLayer) PutObjectPart(ctx context.Context, bucket, key, uploadID string, partNumber int, body io.Reader, opts objectlayer.PutOptions) (objectlayer.PartInfo, error) {
	l.mu.Lock()
	_, err := l.upload(bucket, key, uploadID)
	l.mu.Unlock()
	if err != nil {
		return objectlayer.PartInfo{}, err
	}
	data, etag, sums, err := readBody(body, opts)
	if err != nil {
		return objectlayer.PartInfo{}, fmt.Errorf("put part %d: %w", partNumber, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	u, err := l.upload(bucket, key, uploadID)
	if err != nil {
		return objectlayer.PartInfo{}, err
	}
	p := &fakePart{
		info: objectlayer.PartInfo{PartNumber: partNumber, Size: int64(len(data)), ETag: etag, LastModified: l.now().UTC(), Checksums: sums},
		data: data,
	}
	u.parts[partNumber] = p
	return p.info, nil
}

func (l *fakeLayer) CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, parts []objectlayer.CompletePart) (objectlayer.ObjectInfo, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	u, err := l.upload(bucket, key, uploadID)
	if err != nil {
		return objectlayer.ObjectInfo{}, err
	}
	b, err := l.bucket(bucket)
	if err != nil {
		return objectlayer.ObjectInfo{}, err
	}
	var data, md5s []byte
	var digests [][]byte
	var partList []objectlayer.ObjectPart
	alg, _ := checksum.ParseAlgorithm(u.u.ChecksumAlgorithm)
	for i, cp := range parts {
		if i > 0 && cp.PartNumber <= parts[i-1].PartNumber {
			return objectlayer.ObjectInfo{}, objectlayer.ErrInvalidPartOrder
		}
		p, ok := u.parts[cp.PartNumber]
		if !ok || p.info.ETag != cp.ETag {
			return objectlayer.ObjectInfo{}, fmt.Errorf("part %d: %w", cp.PartNumber, objectlayer.ErrInvalidPart)
		}
		for a, v := range cp.Checksums {
			if p.info.Checksums[a] != v {
				return objectlayer.ObjectInfo{}, fmt.Errorf("part %d checksum: %w", cp.PartNumber, objectlayer.ErrInvalidPart)
			}
		}
		if i < len(parts)-1 && p.info.Size < l.minPartSize {
			return objectlayer.ObjectInfo{}, fmt.Errorf("part %d: %w", cp.PartNumber, objectlayer.ErrEntityTooSmall)
		}
		m, _ := hex.DecodeString(p.info.ETag)
		md5s = append(md5s, m...)
		data = append(data, p.data...)
		partList = append(partList, objectlayer.ObjectPart{Number: cp.PartNumber, Size: p.info.Size, Checksums: p.info.Checksums})
		if alg != "" {
			d, _ := base64.StdEncoding.DecodeString(p.info.Checksums[string(alg)])
			digests = append(digests, d)
		}
	}
	sum := md5.Sum(md5s)
	info := objectlayer.ObjectInfo{
		Bucket:       bucket,
		Key:          key,
		Size:         int64(len(data)),
		ETag:         hex.EncodeToString(sum[:]) + "-" + strconv.Itoa(len(parts)),
		LastModified: l.now().UTC(),
		Header:       maps.Clone(u.u.Header),
		Parts:        len(parts),
		PartList:     partList,
		Tags:         maps.Clone(u.u.Tags),
	}
	if alg != "" {
		if u.u.ChecksumType == "FULL_OBJECT" {
			h := alg.New()
			h.Write(data)
			info.Checksums = map[string]string{string(alg): checksum.EncodeDigest(h.Sum(nil))}
			info.ChecksumType = "FULL_OBJECT"
		} else {
			info.Checksums = map[string]string{string(alg): checksum.CompositeOfParts(alg, digests)}
			info.ChecksumType = "COMPOSITE"
		}
	}
	o := &fakeObject{info: info, data: data}
	l.addVersion(b, key, o)
	delete(l.uploads, uploadID)
	return o.info, nil
}

func (l *fakeLayer) AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.upload(bucket, key, uploadID); err != nil {
		return err
	}
	delete(l.uploads, uploadID)
	return nil
}

func (l *fakeLayer) ListParts(ctx context.Context, bucket, key, uploadID string, partMarker, maxParts int) (objectlayer.ListPartsResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	u, err := l.upload(bucket, key, uploadID)
	if err != nil {
		return objectlayer.ListPartsResult{}, err
	}
	res := objectlayer.ListPartsResult{Upload: u.u}
	for _, n := range slices.Sorted(maps.Keys(u.parts)) {
		if n <= partMarker {
			continue
		}
		if len(res.Parts) == maxParts {
			res.IsTruncated = true
			break
		}
		res.Parts = append(res.Parts, u.parts[n].info)
		res.NextPartNumberMarker = n
	}
	return res, nil
}

func (l *fakeLayer) ListMultipartUploads(ctx context.Context, bucket string, opts objectlayer.ListUploadsOptions) (objectlayer.ListUploadsResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.bucket(bucket); err != nil {
		return objectlayer.ListUploadsResult{}, err
	}
	var ups []objectlayer.Upload
	for _, u := range l.uploads {
		if u.u.Bucket == bucket && strings.HasPrefix(u.u.Key, opts.Prefix) && u.u.Key > opts.KeyMarker {
			ups = append(ups, u.u)
		}
	}
	slices.SortFunc(ups, func(a, b objectlayer.Upload) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(a.UploadID, b.UploadID)
	})
	var res objectlayer.ListUploadsResult
	for _, u := range ups {
		if len(res.Uploads) == opts.MaxUploads {
			res.IsTruncated = true
			break
		}
		res.Uploads = append(res.Uploads, u)
		res.NextKeyMarker, res.NextUploadIDMarker = u.Key, u.UploadID
	}
	return res, nil
}

// count returns the number of current objects in a bucket.
func (l *fakeLayer) count(bucket string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	if b, ok := l.buckets[bucket]; ok {
		for k := range b.versions {
			if b.current(k) != nil {
				n++
			}
		}
	}
	return n
}

var _ objectlayer.API = (*fakeLayer)(nil)

var errFake = errors.New("fake failure")

// objectlayerPut returns PutOptions that seal data as given.
func objectlayerPut(data []byte) objectlayer.PutOptions {
	sum := md5.Sum(data)
	return objectlayer.PutOptions{
		Size:   int64(len(data)),
		Header: map[string]string{"Content-Type": "binary/octet-stream"},
		Seal:   func() (string, map[string]string, error) { return hex.EncodeToString(sum[:]), nil, nil },
	}
}

func (l *fakeLayer) GetBucketConfig(ctx context.Context, bucket, config string) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[bucket]
	if !ok {
		return nil, fmt.Errorf("bucket %s: %w", bucket, objectlayer.ErrNoSuchMeta)
	}
	v, ok := b.configs[config]
	if !ok {
		return nil, fmt.Errorf("bucket %s %s: %w", bucket, config, objectlayer.ErrNoSuchMeta)
	}
	return v, nil
}

func (l *fakeLayer) PutBucketConfig(ctx context.Context, bucket, config string, value []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[bucket]
	if !ok {
		return fmt.Errorf("bucket %s: %w", bucket, objectlayer.ErrNoSuchBucket)
	}
	if b.configs == nil {
		b.configs = make(map[string][]byte)
	}
	if value == nil {
		delete(b.configs, config)
	} else {
		b.configs[config] = append([]byte(nil), value...)
	}
	return nil
}
