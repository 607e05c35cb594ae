package objectlayer

import (
	"bytes"
	"context"
	"fmt"
	"strings"
)

// commonPrefix returns the common prefix that key rolls up into under
// prefix and delimiter: key up to and including the first delimiter after
// prefix.
func commonPrefix(key, prefix, delimiter string) (string, bool) {
	if delimiter == "" || !strings.HasPrefix(key, prefix) {
		return "", false
	}
	i := strings.Index(key[len(prefix):], delimiter)
	if i < 0 {
		return "", false
	}
	return key[:len(prefix)+i+len(delimiter)], true
}

// isCommonPrefix reports whether s is itself a common prefix under prefix
// and delimiter, as a marker returned after a common prefix is.
func isCommonPrefix(s, prefix, delimiter string) bool {
	cp, ok := commonPrefix(s, prefix, delimiter)
	return ok && cp == s
}

// ListObjects lists the current versions of bucket in key order. Each node
// holds the list entries of the objects placed on it; the nodes' sorted
// ranges are merged, and of each key the newest entry among the answers
// counts (a tombstone or a delete marker hides the key). Only the current
// entries (l/) are read, however many versions a key has. With a delimiter, keys that share a
// common prefix are reported once, and the scan then seeks past them.
//
// MaxKeys <= 0 or above 1000 means 1000; a request for zero keys is for the
// caller to answer.
func (l *Layer) ListObjects(ctx context.Context, bucket string, opts ListOptions) (ListResult, error) {
	if err := l.requireBucket(ctx, bucket); err != nil {
		return ListResult{}, err
	}
	maxKeys := opts.MaxKeys
	if maxKeys <= 0 || maxKeys > maxListed {
		maxKeys = maxListed
	}
	scope := bucketScope(prefixList, bucket)
	start := append(bytes.Clone(scope), opts.Prefix...)
	end := prefixEnd(start)
	if opts.After != "" {
		from := append(bytes.Clone(scope), opts.After...)
		if isCommonPrefix(opts.After, opts.Prefix, opts.Delimiter) {
			from = prefixEnd(from)
		} else {
			from = append(from, 0)
		}
		if bytes.Compare(from, start) > 0 {
			start = from
		}
	}
	// Each key is on its placed nodes and was written to a write quorum of
	// them, so up to WriteQuorum-1 failed nodes still leave every key (and
	// its newest version) seen.
	tolerance := min(l.topo.WriteQuorum()-1, len(l.nodes)-l.topo.ReadQuorum())
	m := l.newMergeScan(l.allNodes(), start, end, tolerance, maxKeys+1)
	var res ListResult
	count := 0
	for {
		skey, vals, err := m.next(ctx)
		if err != nil {
			return ListResult{}, fmt.Errorf("list %s: %w", bucket, err)
		}
		if skey == nil {
			return res, nil
		}
		var newest listEntry
		found := false
		for _, v := range vals {
			e, err := decodeListEntry(v)
			if err != nil {
				l.log.Warn("corrupt list entry", "key", skey, "err", err)
				continue
			}
			if !found || e.hlc > newest.hlc {
				newest, found = e, true
			}
		}
		if !found || newest.tombstone || newest.deleteMarker {
			continue
		}
		l.clock.observe(newest.hlc)
		key := string(skey[len(scope):])
		if cp, ok := commonPrefix(key, opts.Prefix, opts.Delimiter); ok {
			if count == maxKeys {
				res.IsTruncated = true
				return res, nil
			}
			res.CommonPrefixes = append(res.CommonPrefixes, cp)
			res.NextAfter = cp
			count++
			m.seek(prefixEnd(append(bytes.Clone(scope), cp...)))
			continue
		}
		if count == maxKeys {
			res.IsTruncated = true
			return res, nil
		}
		res.Objects = append(res.Objects, ObjectInfo{
			Bucket:       bucket,
			Key:          key,
			Size:         newest.size,
			ETag:         newest.etag,
			LastModified: hlcTime(newest.modified),
			Checksums:    newest.checksums,
			ChecksumType: newest.checksumType,
			Parts:        newest.parts,
		})
		res.NextAfter = key
		count++
	}
}
