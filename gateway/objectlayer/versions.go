package objectlayer

import (
	"bytes"
	"context"
	"fmt"
	"strings"
)

// Listing versions. The version list entries (w/) of a key lie together,
// the null version's slot first and then the others newest first, since
// version IDs sort that way. A lister merges them, across the nodes, with
// the key's current entry (l/), which alone knows a null version written
// before the bucket had versioning. Within a key the null version is held
// back until its place (its ID's) comes, so a key with many versions is
// streamed, never gathered, and a marker inside a key is a seek.

// versionItem is one step of a versionLister: a version or a common
// prefix.
type versionItem struct {
	key    string
	prefix bool // key is a common prefix
	entry  listEntry
	latest bool
}

// peekScan is a mergeScan that can show its next key without taking it.
type peekScan struct {
	m      *mergeScan
	key    []byte
	vals   [][]byte
	held   bool
	finish bool
}

func (p *peekScan) peek(ctx context.Context) ([]byte, [][]byte, error) {
	if !p.held && !p.finish {
		key, vals, err := p.m.next(ctx)
		if err != nil {
			return nil, nil, err
		}
		if key == nil {
			p.finish = true
		} else {
			p.key, p.vals, p.held = key, vals, true
		}
	}
	if !p.held {
		return nil, nil, nil
	}
	return p.key, p.vals, nil
}

func (p *peekScan) take() { p.held = false }

// seek skips every key below to.
func (p *peekScan) seek(to []byte) {
	if p.held && bytes.Compare(p.key, to) < 0 {
		p.held = false
	}
	if !p.held {
		p.m.seek(to)
	}
}

// versionLister walks the versions of a bucket; see the top of the file.
// Keys in w/ are escaped (appendEscapedKey); the l/ ones are not.
type versionLister struct {
	l                 *Layer
	prefix, delimiter string
	scopeL, scopeW    []byte
	heads, vers       *peekScan

	// The key being walked.
	inKey      bool
	key        string
	keyW       []byte // scopeW + key + 0: the start of its w/ keys
	held       *listEntry
	pending    *listEntry // a version taken while the held one went first
	skipNull   bool       // the null slot is shown already (or was before a marker)
	afterOrder string     // show only versions sorting after this (a marker)
	emitted    int
}

// newVersionLister starts after keyMarker (every version of it) or, with
// versionMarker, after that version of keyMarker.
func (l *Layer) newVersionLister(ctx context.Context, bucket, prefix, delimiter, keyMarker, versionMarker string, page int) (*versionLister, error) {
	v := &versionLister{
		l:         l,
		prefix:    prefix,
		delimiter: delimiter,
		scopeL:    bucketScope(prefixList, bucket),
		scopeW:    bucketScope(prefixVersionList, bucket),
	}
	startL := append(bytes.Clone(v.scopeL), prefix...)
	startW := appendEscapedKey(bytes.Clone(v.scopeW), prefix)
	endL, endW := prefixEnd(startL), prefixEnd(startW)
	var fromL, fromW []byte
	switch {
	case keyMarker == "":
	case isCommonPrefix(keyMarker, prefix, delimiter):
		fromL = prefixEnd(append(bytes.Clone(v.scopeL), keyMarker...))
		fromW = prefixEnd(appendEscapedKey(bytes.Clone(v.scopeW), keyMarker))
	case versionMarker == "":
		fromL = append(append(bytes.Clone(v.scopeL), keyMarker...), 0)
		fromW = prefixEnd(append(appendEscapedKey(bytes.Clone(v.scopeW), keyMarker), 0))
	default:
		fromL = append(append(bytes.Clone(v.scopeL), keyMarker...), 0)
		keyW := append(appendEscapedKey(bytes.Clone(v.scopeW), keyMarker), 0)
		null, err := v.readNull(ctx, keyW, tolerance(l))
		if err != nil {
			return nil, err
		}
		v.inKey, v.key, v.keyW, v.skipNull, v.emitted = true, keyMarker, keyW, true, 1
		if versionMarker == NullVersionID {
			if null != nil {
				v.afterOrder = null.orderID()
			}
		} else {
			if _, ok := parseVersionID(versionMarker); !ok {
				return nil, fmt.Errorf("version marker %q: %w", versionMarker, ErrInvalidArgument)
			}
			v.afterOrder = versionMarker
			if null != nil && null.orderID() > versionMarker {
				v.held = null
			}
		}
		fromW = append(append(bytes.Clone(keyW), v.afterOrder...), 0)
	}
	if bytes.Compare(fromL, startL) > 0 {
		startL = fromL
	}
	if bytes.Compare(fromW, startW) > 0 {
		startW = fromW
	}
	if v.inKey && !strings.HasPrefix(keyMarker, prefix) {
		v.inKey, v.held = false, nil // the marker lies outside the prefix
	}
	nodes := l.allNodes()
	v.heads = &peekScan{m: l.newMergeScan(nodes, startL, endL, tolerance(l), page)}
	v.vers = &peekScan{m: l.newMergeScan(nodes, startW, endW, tolerance(l), page)}
	return v, nil
}

// tolerance is how many nodes a bucket-wide scan may lose: each key was
// written to a write quorum of its placed nodes.
func tolerance(l *Layer) int {
	return min(l.topo.WriteQuorum()-1, len(l.nodes)-l.topo.ReadQuorum())
}

// readNull reads the null version's list entry of the key whose w/ keys
// start with keyW.
func (v *versionLister) readNull(ctx context.Context, keyW []byte, tol int) (*listEntry, error) {
	m := v.l.newMergeScan(v.l.allNodes(), keyW, append(bytes.Clone(keyW), 0), tol, 2)
	key, vals, err := m.next(ctx)
	if err != nil || key == nil {
		return nil, err
	}
	e, ok := v.chooseVersion(vals, m.failed)
	if !ok {
		return nil, nil
	}
	return &e, nil
}

// chooseVersion picks, among the nodes' entries of one version slot, the
// newest, and reports whether it is a version to show: not a tombstone,
// and on enough nodes (counting the failed ones) to have been written.
func (v *versionLister) chooseVersion(vals [][]byte, failed int) (listEntry, bool) {
	var newest listEntry
	entries := make([]listEntry, 0, len(vals))
	for _, val := range vals {
		e, err := decodeListEntry(val)
		if err != nil {
			v.l.log.Warn("corrupt version list entry", "err", err)
			continue
		}
		if len(entries) == 0 || e.hlc > newest.hlc {
			newest = e
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 || newest.tombstone {
		return newest, false
	}
	holders := 0
	for _, e := range entries {
		if !e.tombstone && e.versionID == newest.versionID && e.modified == newest.modified {
			holders++
		}
	}
	if holders+failed < v.l.topo.WriteQuorum() {
		return newest, false
	}
	v.l.clock.observe(newest.hlc)
	return newest, true
}

// chooseHead picks the newest of the nodes' current entries of a key.
func (v *versionLister) chooseHead(vals [][]byte) (listEntry, bool) {
	var newest listEntry
	found := false
	for _, val := range vals {
		e, err := decodeListEntry(val)
		if err != nil {
			v.l.log.Warn("corrupt list entry", "err", err)
			continue
		}
		if !found || e.hlc > newest.hlc {
			newest, found = e, true
		}
	}
	if found {
		v.l.clock.observe(newest.hlc)
	}
	return newest, found
}

// next returns the next version or common prefix; ok is false at the end.
func (v *versionLister) next(ctx context.Context) (item versionItem, ok bool, err error) {
	for {
		if v.inKey {
			if v.pending != nil {
				e := v.pending
				v.pending = nil
				return v.emit(*e), true, nil
			}
			skey, vals, err := v.vers.peek(ctx)
			if err != nil {
				return item, false, err
			}
			if skey != nil && bytes.HasPrefix(skey, v.keyW) {
				slot := string(skey[len(v.keyW):])
				e, live := v.chooseVersion(vals, v.vers.m.failed)
				v.vers.take()
				if !live {
					continue
				}
				order := e.orderID()
				if slot == "" {
					if !v.skipNull && order > v.afterOrder {
						v.held = &e
					}
					continue
				}
				if order <= v.afterOrder {
					continue
				}
				if v.held != nil && v.held.orderID() < order {
					h := v.held
					v.held, v.pending = nil, &e
					return v.emit(*h), true, nil
				}
				return v.emit(e), true, nil
			}
			if v.held != nil {
				h := v.held
				v.held = nil
				return v.emit(*h), true, nil
			}
			v.inKey = false
		}

		// The next key: the smaller of the two streams'.
		hkey, hvals, err := v.heads.peek(ctx)
		if err != nil {
			return item, false, err
		}
		wkey, _, err := v.vers.peek(ctx)
		if err != nil {
			return item, false, err
		}
		var key string
		switch {
		case hkey == nil && wkey == nil:
			return item, false, nil
		case wkey == nil:
			key = string(hkey[len(v.scopeL):])
		default:
			k, _, okSplit := splitVersionKey(wkey[len(v.scopeW):])
			if !okSplit {
				v.l.log.Warn("malformed version list key", "key", wkey)
				v.vers.take()
				continue
			}
			key = k
			if hkey != nil && string(hkey[len(v.scopeL):]) < key {
				key = string(hkey[len(v.scopeL):])
			}
		}
		var head listEntry
		hasHead := false
		if hkey != nil && string(hkey[len(v.scopeL):]) == key {
			head, hasHead = v.chooseHead(hvals)
			v.heads.take()
		}
		v.inKey, v.key, v.held, v.pending, v.skipNull, v.afterOrder, v.emitted = true, key, nil, nil, false, "", 0
		v.keyW = append(appendEscapedKey(append(v.keyW[:0], v.scopeW...), key), 0)
		legacy := hasHead && !head.tombstone && !head.versioned
		if cp, isCP := commonPrefix(key, v.prefix, v.delimiter); isCP {
			v.inKey = false
			if legacy || hasHead && !head.tombstone {
				// The current entry shows a version exists.
			} else if any, err := v.anyVersion(ctx); err != nil {
				return item, false, err
			} else if !any {
				continue
			}
			v.heads.seek(prefixEnd(append(bytes.Clone(v.scopeL), cp...)))
			v.vers.seek(prefixEnd(appendEscapedKey(bytes.Clone(v.scopeW), cp)))
			return versionItem{key: cp, prefix: true}, true, nil
		}
		if legacy {
			// A null version from before versioning is the current one;
			// an older null version in v/ was replaced by it.
			v.skipNull = true
			head.versionID = ""
			return v.emit(head), true, nil
		}
	}
}

// anyVersion reports whether the key being entered has a version to show,
// taking its entries.
func (v *versionLister) anyVersion(ctx context.Context) (bool, error) {
	for {
		skey, vals, err := v.vers.peek(ctx)
		if err != nil || skey == nil || !bytes.HasPrefix(skey, v.keyW) {
			return false, err
		}
		_, live := v.chooseVersion(vals, v.vers.m.failed)
		v.vers.take()
		if live {
			return true, nil
		}
	}
}

// emit returns e as the next version of the key being walked.
func (v *versionLister) emit(e listEntry) versionItem {
	it := versionItem{key: v.key, entry: e, latest: v.emitted == 0}
	v.emitted++
	return it
}

// versionInfo is what a listing shows of one version.
func versionInfo(bucket string, it versionItem) ObjectInfo {
	e := &it.entry
	id := shownVersionID(e.hasVersionID, e.versioned, e.versionID)
	if id == "" {
		id = NullVersionID
	}
	return ObjectInfo{
		Bucket:       bucket,
		Key:          it.key,
		VersionID:    id,
		Size:         e.size,
		ETag:         e.etag,
		LastModified: hlcTime(e.modified),
		Checksums:    e.checksums,
		ChecksumType: e.checksumType,
		Parts:        e.parts,
		DeleteMarker: e.deleteMarker,
		IsLatest:     it.latest,
		Tags:         e.tags,
		Stamp:        expiryStamp(it),
	}
}

// ListObjectVersions implements API. MaxKeys <= 0 or above 1000 means
// 1000; a request for zero keys is for the caller to answer.
func (l *Layer) ListObjectVersions(ctx context.Context, bucket string, opts ListVersionsOptions) (ListVersionsResult, error) {
	if err := l.requireBucket(ctx, bucket); err != nil {
		return ListVersionsResult{}, err
	}
	if opts.VersionIDMarker != "" && !ValidVersionID(opts.VersionIDMarker) {
		return ListVersionsResult{}, fmt.Errorf("list versions of %s: version marker %q: %w", bucket, opts.VersionIDMarker, ErrInvalidArgument)
	}
	maxKeys := opts.MaxKeys
	if maxKeys <= 0 || maxKeys > maxListed {
		maxKeys = maxListed
	}
	v, err := l.newVersionLister(ctx, bucket, opts.Prefix, opts.Delimiter, opts.KeyMarker, opts.VersionIDMarker, maxKeys+1)
	if err != nil {
		return ListVersionsResult{}, fmt.Errorf("list versions of %s: %w", bucket, err)
	}
	var res ListVersionsResult
	for count := 0; ; count++ {
		it, ok, err := v.next(ctx)
		if err != nil {
			return ListVersionsResult{}, fmt.Errorf("list versions of %s: %w", bucket, err)
		}
		if !ok {
			return res, nil
		}
		if count == maxKeys {
			res.IsTruncated = true
			return res, nil
		}
		if it.prefix {
			res.CommonPrefixes = append(res.CommonPrefixes, it.key)
			res.NextKeyMarker, res.NextVersionIDMarker = it.key, ""
			continue
		}
		info := versionInfo(bucket, it)
		res.Versions = append(res.Versions, info)
		res.NextKeyMarker, res.NextVersionIDMarker = it.key, info.VersionID
	}
}
