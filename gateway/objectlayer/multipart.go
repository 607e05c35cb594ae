package objectlayer

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/zones3/zones3/gateway/checksum"
	"github.com/zones3/zones3/storage"
)

// Multipart limits, as S3 has them.
const (
	MinPartSize = 5 << 20 // every part but the last
	MaxPartNum  = 10000
	maxListed   = 1000 // default and cap of ListParts and ListMultipartUploads pages
)

// newUploadIDAt returns an upload ID that sorts by initiation time: the
// HLC then 80 random bits, in hex.
func newUploadIDAt(hlc uint64) string {
	var b [18]byte
	binary.BigEndian.PutUint64(b[:8], hlc)
	_, _ = rand.Read(b[8:])
	return hex.EncodeToString(b[:])
}

// NewMultipartUpload starts an upload of bucket/key and returns its ID.
func (l *Layer) NewMultipartUpload(ctx context.Context, bucket, key string, u Upload) (string, error) {
	if err := l.requireBucket(ctx, bucket); err != nil {
		return "", err
	}
	rec := uploadRecord{
		hlc:               l.clock.next(),
		header:            u.Header,
		checksumAlgorithm: u.ChecksumAlgorithm,
		checksumType:      u.ChecksumType,
		layout:            l.streamLayout,
		tags:              u.Tags,
	}
	id := newUploadIDAt(rec.hlc)
	placed := l.topo.Place(bucket, key)
	ukey, value := uploadKey(bucket, key, id), rec.marshal()
	errs := l.applySlots(ctx, placed, func(int) []storage.Op {
		return []storage.Op{{Kind: storage.OpPutIfNewer, Key: ukey, Value: value, HLC: rec.hlc}}
	})
	if ok := countNil(errs); ok < l.topo.WriteQuorum() {
		return "", quorumError("new multipart upload "+bucket+"/"+key, ok, l.topo.WriteQuorum(), errs)
	}
	return id, nil
}

func countNil(errs []error) int {
	n := 0
	for _, err := range errs {
		if err == nil {
			n++
		}
	}
	return n
}

// readUpload returns the upload record and the placed nodes of the key,
// or ErrNoSuchUpload. As for objects, a newer record on too few nodes to
// have been acknowledged (a failed Complete or Abort) is passed over.
func (l *Layer) readUpload(ctx context.Context, bucket, key, uploadID string) (uploadRecord, []int, error) {
	placed := l.topo.Place(bucket, key)
	ukey := uploadKey(bucket, key, uploadID)
	n := len(placed)
	recs := make([]uploadRecord, n)
	found := make([]bool, n)
	errs := make([]error, n)
	forEach(n, func(j int) {
		v, err := l.get(ctx, placed[j], ukey)
		switch {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			errs[j] = err
		default:
			recs[j], errs[j] = decodeUploadRecord(v)
			found[j] = errs[j] == nil
		}
	})
	if err := ctx.Err(); err != nil {
		return uploadRecord{}, nil, err
	}
	answered := countNil(errs)
	if answered < l.topo.ReadQuorum() {
		return uploadRecord{}, nil, quorumError("read upload "+uploadID, answered, l.topo.ReadQuorum(), errs)
	}
	var hlcs []uint64
	for j := range n {
		if found[j] {
			l.clock.observe(recs[j].hlc)
			if !slices.Contains(hlcs, recs[j].hlc) {
				hlcs = append(hlcs, recs[j].hlc)
			}
		}
	}
	slices.Sort(hlcs)
	for _, h := range slices.Backward(hlcs) {
		holders, at := 0, -1
		for j := range n {
			if found[j] && recs[j].hlc == h {
				holders, at = holders+1, j
			}
		}
		if holders+n-answered >= l.topo.WriteQuorum() {
			if recs[at].tombstone {
				break
			}
			return recs[at], placed, nil
		}
	}
	if err := l.requireBucket(ctx, bucket); err != nil {
		return uploadRecord{}, nil, err
	}
	return uploadRecord{}, nil, fmt.Errorf("upload %s of %s/%s: %w", uploadID, bucket, key, ErrNoSuchUpload)
}

// PutObjectPart stores one part of an upload, always as shard files. A
// part uploaded again under its number replaces the earlier one.
func (l *Layer) PutObjectPart(ctx context.Context, bucket, key, uploadID string, partNumber int, body io.Reader, opts PutOptions) (PartInfo, error) {
	op := fmt.Sprintf("put part %d of %s/%s", partNumber, bucket, key)
	if partNumber < 1 || partNumber > MaxPartNum {
		return PartInfo{}, fmt.Errorf("%s: part number outside 1..%d: %w", op, MaxPartNum, ErrInvalidPart)
	}
	up, placed, err := l.readUpload(ctx, bucket, key, uploadID)
	if err != nil {
		return PartInfo{}, err
	}
	pkey := partKey(uploadID, partNumber)
	// The part this one replaces, read while the body arrives.
	old := make([]*partRecord, len(placed))
	oldDone := make(chan struct{})
	go func() {
		defer close(oldDone)
		forEach(len(placed), func(j int) {
			if v, err := l.get(ctx, placed[j], pkey); err == nil {
				if r, err := decodePartRecord(v); err == nil {
					old[j] = &r
				}
			}
		})
	}()
	defer func() { <-oldDone }()

	shards, err := l.uploadShards(ctx, op, placed, up.layout, body, opts)
	if err != nil {
		return PartInfo{}, err
	}
	<-oldDone
	for _, r := range old {
		if r != nil {
			l.clock.observe(r.hlc)
		}
	}
	rec := partRecord{
		hlc:       l.clock.next(),
		size:      shards.size,
		etag:      shards.etag,
		checksums: shards.checksums,
		dataID:    shards.dataID,
		layout:    up.layout,
	}
	errs := l.applySlots(ctx, placed, func(j int) []storage.Op {
		if !shards.ok[j] {
			return nil
		}
		r := rec
		r.shard = j
		return []storage.Op{
			{Kind: storage.OpPutIfNewer, Key: pkey, Value: r.marshal(), HLC: rec.hlc},
			{Kind: storage.OpCommitShard, Key: pkey, Name: shards.names[j]},
		}
	})
	shards.abort(l, errs)
	if ok := countNil(errs); ok < l.topo.WriteQuorum() {
		return PartInfo{}, quorumError(op, ok, l.topo.WriteQuorum(), errs)
	}
	names := make([][]string, len(placed))
	for j, r := range old {
		if r != nil && errs[j] == nil {
			names[j] = []string{shardName(r.dataID, r.shard)}
		}
	}
	l.removeShards(placed, names)
	return PartInfo{
		PartNumber:   partNumber,
		Size:         rec.size,
		ETag:         rec.etag,
		LastModified: hlcTime(rec.hlc),
		Checksums:    rec.checksums,
	}, nil
}

// uploadParts is what the placed nodes hold of an upload's parts.
type uploadParts struct {
	parts  []partRecord   // newest record of each part, by part number
	nums   []int          // their part numbers
	byNode [][]nodePart   // by slot: every part record the node holds
	keys   map[int][]byte // part number -> record key
}

// nodePart is a part record as one node holds it.
type nodePart struct {
	number int
	dataID string
	shard  int
}

// readParts scans the part records of an upload on its placed nodes.
func (l *Layer) readParts(ctx context.Context, uploadID string, placed []int) (*uploadParts, error) {
	scope := partScope(uploadID)
	m := l.newMergeScan(placed, scope, prefixEnd(scope), l.topo.WriteQuorum()-1, maxListed)
	ps := &uploadParts{byNode: make([][]nodePart, len(placed)), keys: make(map[int][]byte)}
	for {
		key, vals, err := m.next(ctx)
		if err != nil {
			return nil, fmt.Errorf("read parts of %s: %w", uploadID, err)
		}
		if key == nil {
			return ps, nil
		}
		num, err := strconv.Atoi(string(key[len(scope):]))
		if err != nil {
			l.log.Warn("malformed part key", "key", key)
			continue
		}
		var newest partRecord
		found := false
		for x, v := range vals {
			r, err := decodePartRecord(v)
			if err != nil {
				l.log.Warn("corrupt part record", "key", key, "err", err)
				continue
			}
			l.clock.observe(r.hlc)
			slot := m.fromCursor()[x]
			ps.byNode[slot] = append(ps.byNode[slot], nodePart{number: num, dataID: r.dataID, shard: r.shard})
			if !found || r.hlc > newest.hlc {
				newest, found = r, true
			}
		}
		if found {
			ps.parts = append(ps.parts, newest)
			ps.nums = append(ps.nums, num)
			ps.keys[num] = bytes.Clone(key)
		}
	}
}

// find returns the newest record of part number num.
func (ps *uploadParts) find(num int) (partRecord, bool) {
	i, ok := slices.BinarySearch(ps.nums, num)
	if !ok {
		return partRecord{}, false
	}
	return ps.parts[i], true
}

// cleanupOps deletes the part records of slot j and removes the shard
// files of those of its parts not in keep (a set of data IDs).
func (ps *uploadParts) cleanupOps(j int, keep map[string]bool) []storage.Op {
	var ops []storage.Op
	for _, p := range ps.byNode[j] {
		ops = append(ops, storage.Op{Kind: storage.OpDelete, Key: ps.keys[p.number]})
		if !keep[p.dataID] {
			ops = append(ops, storage.Op{Kind: storage.OpRemoveShard, Name: shardName(p.dataID, p.shard)})
		}
	}
	return ops
}

func normalizeETag(s string) string { return strings.Trim(strings.TrimSpace(s), `"`) }

// CompleteMultipartUpload assembles the listed parts into the object. The
// object record names the parts' shard files; no data is copied. The
// upload and its part records go in the same batch as the object record,
// together with the shard files of parts left out.
func (l *Layer) CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, parts []CompletePart) (ObjectInfo, error) {
	op := "complete multipart upload of " + bucket + "/" + key
	up, placed, err := l.readUpload(ctx, bucket, key, uploadID)
	if err != nil {
		return ObjectInfo{}, err
	}
	if len(parts) == 0 {
		return ObjectInfo{}, fmt.Errorf("%s: no parts: %w", op, ErrInvalidPart)
	}
	for i := 1; i < len(parts); i++ {
		if parts[i].PartNumber <= parts[i-1].PartNumber {
			return ObjectInfo{}, fmt.Errorf("%s: part %d after part %d: %w", op, parts[i].PartNumber, parts[i-1].PartNumber, ErrInvalidPartOrder)
		}
	}
	pre := l.prefetch(ctx, bucket, key)
	defer pre.wait()
	ps, err := l.readParts(ctx, uploadID, placed)
	if err != nil {
		return ObjectInfo{}, err
	}
	refs := make([]partRef, len(parts))
	keep := make(map[string]bool, len(parts))
	md5s := make([]byte, 0, len(parts)*md5.Size)
	var size int64
	for i, cp := range parts {
		p, ok := ps.find(cp.PartNumber)
		if !ok {
			return ObjectInfo{}, fmt.Errorf("%s: part %d not uploaded: %w", op, cp.PartNumber, ErrInvalidPart)
		}
		if normalizeETag(cp.ETag) != p.etag {
			return ObjectInfo{}, fmt.Errorf("%s: part %d has ETag %q, not %q: %w", op, cp.PartNumber, p.etag, normalizeETag(cp.ETag), ErrInvalidPart)
		}
		for alg, v := range cp.Checksums {
			if have, ok := p.checksums[alg]; ok && have != v {
				return ObjectInfo{}, fmt.Errorf("%s: part %d has %s %s, not %s: %w", op, cp.PartNumber, alg, have, v, ErrInvalidPart)
			}
		}
		if i < len(parts)-1 && p.size < MinPartSize {
			return ObjectInfo{}, fmt.Errorf("%s: part %d has %d bytes: %w", op, cp.PartNumber, p.size, ErrEntityTooSmall)
		}
		if p.layout != up.layout {
			return ObjectInfo{}, fmt.Errorf("%s: part %d has layout %v, upload %v: %w", op, cp.PartNumber, p.layout, up.layout, ErrInvalidPart)
		}
		if d, err := hex.DecodeString(p.etag); err == nil {
			md5s = append(md5s, d...)
		} else {
			md5s = append(md5s, p.etag...)
		}
		refs[i] = partRef{number: cp.PartNumber, size: p.size, etag: p.etag, dataID: p.dataID, checksums: p.checksums}
		keep[p.dataID] = true
		size += p.size
	}
	sum := md5.Sum(md5s)
	sums, sumType := l.multipartChecksums(up, refs)
	st := pre.wait()
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, err
	}
	if pre.err != nil {
		return ObjectInfo{}, fmt.Errorf("%s: %w", op, pre.err)
	}
	rec := &objectRecord{
		hlc:          l.clock.next(),
		size:         size,
		etag:         hex.EncodeToString(sum[:]) + "-" + strconv.Itoa(len(parts)),
		header:       up.header,
		checksums:    sums,
		checksumType: sumType,
		layout:       up.layout,
		holders:      l.holderIDs(placed),
		parts:        refs,
		tags:         up.tags,
	}
	pre.stamp(rec)
	common := rec.appendCommon(nil)
	entry := entryOf(rec).marshal()
	tomb := (&uploadRecord{hlc: rec.hlc, tombstone: true}).marshal()
	keys := pre.keys(bucket, key, rec)
	ukey := uploadKey(bucket, key, uploadID)
	errs, res := l.applySlotsTraced(ctx, placed, func(j int) []storage.Op {
		value := appendNode(append(make([]byte, 0, len(common)+4), common...), j, 0)
		ops := pre.ops(keys, rec, j, value, entry, "")
		ops = append(ops, storage.Op{Kind: storage.OpPutIfNewer, Key: ukey, Value: tomb, HLC: rec.hlc})
		return append(ops, ps.cleanupOps(j, keep)...)
	})
	if st.answered < l.topo.ReadQuorum() {
		// The replaced version is unknown on too many nodes; its shard
		// files stay behind rather than risk the new object's.
		pre.forgetReplaced()
	}
	return l.committed(ctx, op, bucket, key, rec, pre, errs, res)
}

// multipartChecksums returns the object's checksum from its parts': for
// the upload's algorithm (or the one algorithm every part has), COMPOSITE
// (hash of the part digests, "-N") or, for CRCs when asked and always for
// CRC64NVME, FULL_OBJECT (the CRC of the whole object, combined).
func (l *Layer) multipartChecksums(up uploadRecord, refs []partRef) (map[string]string, string) {
	alg, ok := checksum.ParseAlgorithm(up.checksumAlgorithm)
	if !ok {
		var common []checksum.Algorithm
		for _, a := range checksum.Algorithms {
			if _, ok := refs[0].checksums[string(a)]; ok {
				common = append(common, a)
			}
		}
		if len(common) != 1 {
			return nil, ""
		}
		alg = common[0]
	}
	values := make([]string, len(refs))
	sizes := make([]int64, len(refs))
	for i, r := range refs {
		v, ok := r.checksums[string(alg)]
		if !ok {
			return nil, ""
		}
		values[i], sizes[i] = v, r.size
	}
	typ := strings.ToUpper(up.checksumType)
	if typ == "" {
		typ = "COMPOSITE"
		if alg == checksum.CRC64NVME {
			typ = "FULL_OBJECT"
		}
	}
	if typ == "FULL_OBJECT" && canCombine(alg) {
		v, err := fullObjectCRC(alg, values, sizes)
		if err != nil {
			l.log.Warn("combining part checksums", "algorithm", alg, "err", err)
			return nil, ""
		}
		return map[string]string{string(alg): v}, typ
	}
	digests := make([][]byte, len(values))
	for i, v := range values {
		d, err := alg.DecodeValue(v)
		if err != nil {
			l.log.Warn("part checksum", "algorithm", alg, "err", err)
			return nil, ""
		}
		digests[i] = d
	}
	return map[string]string{string(alg): checksum.CompositeOfParts(alg, digests)}, "COMPOSITE"
}

// AbortMultipartUpload removes the upload, its part records and their
// shard files.
func (l *Layer) AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error {
	_, placed, err := l.readUpload(ctx, bucket, key, uploadID)
	if err != nil {
		return err
	}
	ps, err := l.readParts(ctx, uploadID, placed)
	if err != nil {
		return err
	}
	hlc := l.clock.next()
	tomb := (&uploadRecord{hlc: hlc, tombstone: true}).marshal()
	ukey := uploadKey(bucket, key, uploadID)
	errs := l.applySlots(ctx, placed, func(j int) []storage.Op {
		ops := []storage.Op{{Kind: storage.OpPutIfNewer, Key: ukey, Value: tomb, HLC: hlc}}
		return append(ops, ps.cleanupOps(j, nil)...)
	})
	if ok := countNil(errs); ok < l.topo.WriteQuorum() {
		return quorumError("abort multipart upload "+uploadID, ok, l.topo.WriteQuorum(), errs)
	}
	return nil
}

func uploadInfo(bucket, key, uploadID string, r uploadRecord) Upload {
	return Upload{
		Bucket:            bucket,
		Key:               key,
		UploadID:          uploadID,
		Initiated:         hlcTime(r.hlc),
		Header:            r.header,
		ChecksumAlgorithm: r.checksumAlgorithm,
		ChecksumType:      r.checksumType,
		Tags:              r.tags,
	}
}

// ListParts returns the parts after partMarker, up to maxParts (default
// and cap 1000).
func (l *Layer) ListParts(ctx context.Context, bucket, key, uploadID string, partMarker, maxParts int) (ListPartsResult, error) {
	up, placed, err := l.readUpload(ctx, bucket, key, uploadID)
	if err != nil {
		return ListPartsResult{}, err
	}
	ps, err := l.readParts(ctx, uploadID, placed)
	if err != nil {
		return ListPartsResult{}, err
	}
	if maxParts <= 0 || maxParts > maxListed {
		maxParts = maxListed
	}
	res := ListPartsResult{Upload: uploadInfo(bucket, key, uploadID, up)}
	for i, num := range ps.nums {
		if num <= partMarker {
			continue
		}
		if len(res.Parts) == maxParts {
			res.IsTruncated = true
			break
		}
		p := ps.parts[i]
		res.Parts = append(res.Parts, PartInfo{
			PartNumber:   num,
			Size:         p.size,
			ETag:         p.etag,
			LastModified: hlcTime(p.hlc),
			Checksums:    p.checksums,
		})
	}
	if res.IsTruncated {
		res.NextPartNumberMarker = res.Parts[len(res.Parts)-1].PartNumber
	}
	return res, nil
}

// ListMultipartUploads lists the uploads in progress of bucket, sorted by
// key and, within a key, by initiation time.
func (l *Layer) ListMultipartUploads(ctx context.Context, bucket string, opts ListUploadsOptions) (ListUploadsResult, error) {
	if err := l.requireBucket(ctx, bucket); err != nil {
		return ListUploadsResult{}, err
	}
	maxUploads := opts.MaxUploads
	if maxUploads <= 0 || maxUploads > maxListed {
		maxUploads = maxListed
	}
	scope := bucketScope(prefixUpload, bucket)
	start := append(bytes.Clone(scope), opts.Prefix...)
	end := prefixEnd(start)
	if opts.KeyMarker != "" {
		var from []byte
		switch {
		case isCommonPrefix(opts.KeyMarker, opts.Prefix, opts.Delimiter):
			from = prefixEnd(append(bytes.Clone(scope), opts.KeyMarker...))
		case opts.UploadIDMarker != "":
			from = append(append(append(bytes.Clone(scope), opts.KeyMarker...), 0), opts.UploadIDMarker...)
			from = append(from, 0)
		default:
			from = prefixEnd(append(append(bytes.Clone(scope), opts.KeyMarker...), 0))
		}
		if bytes.Compare(from, start) > 0 {
			start = from
		}
	}
	tolerance := min(l.topo.WriteQuorum()-1, len(l.nodes)-l.topo.ReadQuorum())
	m := l.newMergeScan(l.allNodes(), start, end, tolerance, maxUploads+1)
	var res ListUploadsResult
	count := 0
	for {
		skey, vals, err := m.next(ctx)
		if err != nil {
			return ListUploadsResult{}, fmt.Errorf("list multipart uploads: %w", err)
		}
		if skey == nil {
			return res, nil
		}
		rest := skey[len(scope):]
		sep := bytes.LastIndexByte(rest, 0)
		if sep < 0 {
			l.log.Warn("malformed upload key", "key", skey)
			continue
		}
		key, id := string(rest[:sep]), string(rest[sep+1:])
		var newest uploadRecord
		found := false
		for _, v := range vals {
			r, err := decodeUploadRecord(v)
			if err != nil {
				l.log.Warn("corrupt upload record", "key", skey, "err", err)
				continue
			}
			if !found || r.hlc > newest.hlc {
				newest, found = r, true
			}
		}
		if !found || newest.tombstone {
			continue
		}
		if cp, ok := commonPrefix(key, opts.Prefix, opts.Delimiter); ok {
			if count == maxUploads {
				res.IsTruncated = true
				return res, nil
			}
			res.CommonPrefixes = append(res.CommonPrefixes, cp)
			res.NextKeyMarker, res.NextUploadIDMarker = cp, ""
			count++
			m.seek(prefixEnd(append(bytes.Clone(scope), cp...)))
			continue
		}
		if count == maxUploads {
			res.IsTruncated = true
			return res, nil
		}
		res.Uploads = append(res.Uploads, uploadInfo(bucket, key, id, newest))
		res.NextKeyMarker, res.NextUploadIDMarker = key, id
		count++
	}
}
