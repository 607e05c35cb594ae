package objectlayer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/zones3/zones3/erasure"
)

// Key prefixes of the layer's records on the storage nodes. Every key is
// below 0xff, the range the nodes keep for themselves.
const (
	prefixBucket = "b/" // b/<bucket>: bucket record, on every node
	prefixObject = "o/" // o/<bucket>\x00<key>: object record, on the placed nodes
	prefixList   = "l/" // l/<bucket>\x00<key>: list entry, beside the object record
	prefixUpload = "u/" // u/<bucket>\x00<key>\x00<uploadID>: multipart upload
	prefixPart   = "p/" // p/<uploadID>\x00<%05d part>: uploaded part
	// v/<bucket>\x00<key>\x00<versionID>: version record ("" for the null
	// version), on the key's placed nodes, in buckets that have had
	// versioning.
	prefixVersion = "v/"
	// w/<bucket>\x00<key>\x00<versionID>: version list entry, beside the
	// version record.
	prefixVersionList = "w/"
)

func bucketKey(bucket string) []byte {
	return append(append(make([]byte, 0, len(prefixBucket)+len(bucket)), prefixBucket...), bucket...)
}

// bucketScope is the key prefix of prefix's records of bucket:
// prefix + bucket + "\x00".
func bucketScope(prefix, bucket string) []byte {
	k := make([]byte, 0, len(prefix)+len(bucket)+1)
	k = append(k, prefix...)
	k = append(k, bucket...)
	return append(k, 0)
}

func objectKey(bucket, key string) []byte { return append(bucketScope(prefixObject, bucket), key...) }

func listKey(bucket, key string) []byte { return append(bucketScope(prefixList, bucket), key...) }

func uploadKey(bucket, key, uploadID string) []byte {
	k := append(bucketScope(prefixUpload, bucket), key...)
	k = append(k, 0)
	return append(k, uploadID...)
}

// partScope is the key prefix of the part records of an upload.
func partScope(uploadID string) []byte {
	k := make([]byte, 0, len(prefixPart)+len(uploadID)+6)
	k = append(k, prefixPart...)
	k = append(k, uploadID...)
	return append(k, 0)
}

func partKey(uploadID string, part int) []byte {
	return fmt.Appendf(partScope(uploadID), "%05d", part)
}

// shardName is the shard file of shard index shard of the data dataID.
func shardName(dataID string, shard int) string {
	return dataID + "." + strconv.Itoa(shard)
}

// prefixEnd returns the smallest key greater than every key starting with
// p, or nil when there is none (p is empty or all 0xff).
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// Record flags.
const (
	flagTombstone    = 1 << iota // the key (or version) was deleted at this HLC
	flagInline                   // the object's shards are in the records; in a list entry: the version has no shard files
	flagExt                      // the version's creation HLC and tags follow the parts
	flagDeleteMarker             // the version is a delete marker
	flagVersionID                // the version has its own ID: it is not the null version
	flagVersioned                // the version also has a v/ record (the bucket has had versioning)
)

// recordVersion is the first byte after the HLC of every record; a reader
// refuses versions it does not know.
const recordVersion = 1

// hlcTime is the wall-clock time of an HLC.
func hlcTime(h uint64) time.Time { return time.Unix(0, int64(h)) }

var errCorruptRecord = errors.New("objectlayer: corrupt record")

// objectRecord is the value of o/<bucket>\x00<key> on one node: the current
// version of the object as that node knows it. All holders of one version
// store the same record except for shard and inline.
type objectRecord struct {
	hlc          uint64
	tombstone    bool
	inline       bool
	size         int64
	etag         string
	header       map[string]string
	checksums    map[string]string
	checksumType string
	layout       erasure.Layout
	// versionID is random per write. Two writes that got the same HLC from
	// two gateways still differ in it, so shards of different versions are
	// never mixed.
	versionID string
	// dataID names the shard files of a single-part large object
	// (dataID.<shard>); "" for inline and multipart objects.
	dataID  string
	holders []string // node IDs in shard order
	parts   []partRef

	// Versioning. Records written before a bucket had versioning carry
	// none of these: they are null versions created at their HLC.
	//
	// modified is the version's creation HLC (its LastModified and its
	// place among the key's versions); hlc is that of the last write of
	// the record, newer after a tag change or when an older version is
	// made current again.
	modified     uint64
	deleteMarker bool
	hasVersionID bool // not the null version: versionID is shown to clients
	versioned    bool // a copy lives in v/ (written in a bucket with versioning)
	tags         map[string]string

	// written is, for a tombstone whose HLC sits just past the version it
	// removed rather than at the time it was written (a lifecycle
	// expiration, see expiryTombstoneHLC), the HLC of the time it was
	// written; 0 otherwise. Ageing decisions go by it (see wallHLC).
	written uint64

	// Node-specific fields, encoded last so that the common part of the
	// records of one version is built once.
	shard int    // this node's shard index
	data  []byte // this node's shard of an inline object
}

// partRef is one part of a multipart object.
type partRef struct {
	number    int
	size      int64
	etag      string
	dataID    string
	checksums map[string]string
}

// appendCommon encodes everything but the node-specific fields.
func (r *objectRecord) appendCommon(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, r.hlc)
	b = append(b, recordVersion)
	var flags byte
	if r.tombstone {
		flags |= flagTombstone
	}
	if r.inline {
		flags |= flagInline
	}
	ext := r.hasExt()
	if ext {
		flags |= flagExt
	}
	flags |= r.versionFlags()
	if r.tombstone {
		if r.written > r.hlc {
			return binary.AppendUvarint(append(b, flags|flagExt), r.written)
		}
		return append(b, flags)
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(r.size))
	b = appendString(b, r.etag)
	b = appendMap(b, r.header)
	b = appendMap(b, r.checksums)
	b = appendString(b, r.checksumType)
	b = appendLayout(b, r.layout)
	b = appendString(b, r.versionID)
	b = appendString(b, r.dataID)
	b = binary.AppendUvarint(b, uint64(len(r.holders)))
	for _, h := range r.holders {
		b = appendString(b, h)
	}
	b = binary.AppendUvarint(b, uint64(len(r.parts)))
	for _, p := range r.parts {
		b = binary.AppendUvarint(b, uint64(p.number))
		b = binary.AppendUvarint(b, uint64(p.size))
		b = appendString(b, p.etag)
		b = appendString(b, p.dataID)
		b = appendMap(b, p.checksums)
	}
	if ext {
		b = binary.AppendUvarint(b, r.modified)
		b = appendMap(b, r.tags)
	}
	return b
}

// hasExt reports whether the record needs its extension fields: a
// creation HLC other than its write HLC, or tags.
func (r *objectRecord) hasExt() bool {
	return (r.modified != 0 && r.modified != r.hlc) || len(r.tags) > 0
}

func (r *objectRecord) versionFlags() byte {
	var f byte
	if r.deleteMarker {
		f |= flagDeleteMarker
	}
	if r.hasVersionID {
		f |= flagVersionID
	}
	if r.versioned {
		f |= flagVersioned
	}
	return f
}

// appendNode encodes the node-specific header: the shard index and the
// length of the inline data, which the caller appends next.
func appendNode(b []byte, shard int, dataLen int) []byte {
	b = binary.AppendUvarint(b, uint64(shard))
	return binary.AppendUvarint(b, uint64(dataLen))
}

func (r *objectRecord) marshal() []byte {
	b := r.appendCommon(nil)
	if r.tombstone {
		return b
	}
	b = appendNode(b, r.shard, len(r.data))
	return append(b, r.data...)
}

// decodeObjectRecord parses an object record. The returned record's data
// aliases v.
func decodeObjectRecord(v []byte) (*objectRecord, error) {
	d := decoder{b: v}
	r := &objectRecord{}
	flags := d.header(&r.hlc)
	r.tombstone = flags&flagTombstone != 0
	r.inline = flags&flagInline != 0
	r.deleteMarker = flags&flagDeleteMarker != 0
	r.hasVersionID = flags&flagVersionID != 0
	r.versioned = flags&flagVersioned != 0
	r.modified = r.hlc
	if r.tombstone && flags&flagExt != 0 && d.err == nil {
		r.written = d.uvarint()
	}
	if r.tombstone || d.err != nil {
		return r, d.err
	}
	r.size = int64(d.uvarint())
	r.etag = d.string()
	r.header = d.stringMap()
	r.checksums = d.stringMap()
	r.checksumType = d.string()
	r.layout = d.layout()
	r.versionID = d.string()
	r.dataID = d.string()
	if n := d.count(); n > 0 {
		r.holders = make([]string, n)
		for i := range r.holders {
			r.holders[i] = d.string()
		}
	}
	if n := d.count(); n > 0 {
		r.parts = make([]partRef, n)
		for i := range r.parts {
			p := &r.parts[i]
			p.number = int(d.uvarint())
			p.size = int64(d.uvarint())
			p.etag = d.string()
			p.dataID = d.string()
			p.checksums = d.stringMap()
		}
	}
	if flags&flagExt != 0 {
		r.modified = d.uvarint()
		r.tags = d.stringMap()
	}
	r.shard = int(d.uvarint())
	r.data = d.bytes()
	return r, d.err
}

// wallHLC is when the record was written: its HLC, or for a tombstone
// placed just past the version it removed, when that happened.
func (r *objectRecord) wallHLC() uint64 { return max(r.hlc, r.written) }

// shardNames lists the committed shard files this node's record refers
// to, so that they can be removed once the record is replaced.
func (r *objectRecord) shardNames() []string {
	if r == nil || r.tombstone || r.inline || r.deleteMarker {
		return nil
	}
	if r.dataID != "" {
		return []string{shardName(r.dataID, r.shard)}
	}
	names := make([]string, 0, len(r.parts))
	for _, p := range r.parts {
		names = append(names, shardName(p.dataID, r.shard))
	}
	return names
}

// listEntry is the value of l/<bucket>\x00<key>: what a listing shows of
// the version, kept apart from the object record so that listing does not
// read inline data.
//
// The same form is the value of w/<bucket>\x00<key>\x00<versionID>, the
// list entry of one version: versioned entries (and the entries of
// versions in buckets with versioning) carry the extension: creation HLC,
// version ID and tags.
type listEntry struct {
	hlc          uint64
	tombstone    bool
	size         int64
	etag         string
	checksumType string
	checksums    map[string]string
	parts        int

	// noShards is set on the entries of versions that keep no shard
	// files (inline objects and delete markers), so that the lifecycle
	// worker may remove them without reading their records (see
	// ExpireObjects). Entries written before it existed lack it.
	noShards bool

	// As in objectRecord.
	modified     uint64
	deleteMarker bool
	hasVersionID bool
	versioned    bool
	versionID    string
	tags         map[string]string
}

// entryOf returns the list entry of the version r.
func entryOf(r *objectRecord) *listEntry {
	if r.tombstone {
		return &listEntry{hlc: r.hlc, tombstone: true}
	}
	return &listEntry{
		hlc:          r.hlc,
		size:         r.size,
		etag:         r.etag,
		checksumType: r.checksumType,
		checksums:    r.checksums,
		parts:        len(r.parts),
		noShards:     r.inline || r.deleteMarker,
		modified:     r.modified,
		deleteMarker: r.deleteMarker,
		hasVersionID: r.hasVersionID,
		versioned:    r.versioned,
		versionID:    r.versionID,
		tags:         r.tags,
	}
}

// hasExt: entries of records with versioning state carry it; the entries
// of objects in buckets that never had versioning stay as small as before.
func (e *listEntry) hasExt() bool {
	return e.versioned || e.hasVersionID || e.deleteMarker || len(e.tags) > 0 || (e.modified != 0 && e.modified != e.hlc)
}

func (e *listEntry) marshal() []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 96+len(e.etag)), e.hlc)
	b = append(b, recordVersion)
	if e.tombstone {
		return append(b, flagTombstone)
	}
	var flags byte
	ext := e.hasExt()
	if ext {
		flags |= flagExt
	}
	if e.deleteMarker {
		flags |= flagDeleteMarker
	}
	if e.hasVersionID {
		flags |= flagVersionID
	}
	if e.versioned {
		flags |= flagVersioned
	}
	if e.noShards {
		flags |= flagInline
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(e.size))
	b = appendString(b, e.etag)
	b = appendString(b, e.checksumType)
	b = appendMap(b, e.checksums)
	b = binary.AppendUvarint(b, uint64(e.parts))
	if ext {
		modified := e.modified
		if modified == 0 {
			modified = e.hlc
		}
		b = binary.AppendUvarint(b, modified)
		b = appendString(b, e.versionID)
		b = appendMap(b, e.tags)
	}
	return b
}

func decodeListEntry(v []byte) (listEntry, error) {
	d := decoder{b: v}
	var e listEntry
	flags := d.header(&e.hlc)
	e.tombstone = flags&flagTombstone != 0
	e.deleteMarker = flags&flagDeleteMarker != 0
	e.hasVersionID = flags&flagVersionID != 0
	e.versioned = flags&flagVersioned != 0
	e.noShards = flags&flagInline != 0
	e.modified = e.hlc
	if e.tombstone || d.err != nil {
		return e, d.err
	}
	e.size = int64(d.uvarint())
	e.etag = d.string()
	e.checksumType = d.string()
	e.checksums = d.stringMap()
	e.parts = int(d.uvarint())
	if flags&flagExt != 0 {
		e.modified = d.uvarint()
		e.versionID = d.string()
		e.tags = d.stringMap()
	}
	return e, d.err
}

// bucketRecord is the value of b/<bucket>. The bucket's creation time is
// its HLC.
type bucketRecord struct {
	hlc       uint64
	tombstone bool
	region    string
}

func (r *bucketRecord) marshal() []byte {
	b := binary.BigEndian.AppendUint64(nil, r.hlc)
	b = append(b, recordVersion)
	if r.tombstone {
		return append(b, flagTombstone)
	}
	b = append(b, 0)
	return appendString(b, r.region)
}

func decodeBucketRecord(v []byte) (bucketRecord, error) {
	d := decoder{b: v}
	var r bucketRecord
	flags := d.header(&r.hlc)
	r.tombstone = flags&flagTombstone != 0
	if r.tombstone || d.err != nil {
		return r, d.err
	}
	r.region = d.string()
	return r, d.err
}

// uploadRecord is the value of u/<bucket>\x00<key>\x00<uploadID>. The
// upload's initiation time is its HLC.
type uploadRecord struct {
	hlc               uint64
	tombstone         bool
	header            map[string]string
	checksumAlgorithm string
	checksumType      string
	layout            erasure.Layout
	tags              map[string]string // of the object it completes; absent in older records
}

func (r *uploadRecord) marshal() []byte {
	b := binary.BigEndian.AppendUint64(nil, r.hlc)
	b = append(b, recordVersion)
	if r.tombstone {
		return append(b, flagTombstone)
	}
	b = append(b, 0)
	b = appendMap(b, r.header)
	b = appendString(b, r.checksumAlgorithm)
	b = appendString(b, r.checksumType)
	b = appendLayout(b, r.layout)
	if len(r.tags) > 0 {
		b = appendMap(b, r.tags)
	}
	return b
}

func decodeUploadRecord(v []byte) (uploadRecord, error) {
	d := decoder{b: v}
	var r uploadRecord
	flags := d.header(&r.hlc)
	r.tombstone = flags&flagTombstone != 0
	if r.tombstone || d.err != nil {
		return r, d.err
	}
	r.header = d.stringMap()
	r.checksumAlgorithm = d.string()
	r.checksumType = d.string()
	r.layout = d.layout()
	if d.err == nil && len(d.b) > 0 {
		r.tags = d.stringMap()
	}
	return r, d.err
}

// partRecord is the value of p/<uploadID>\x00<part> on one node. Its
// upload time is its HLC.
type partRecord struct {
	hlc       uint64
	size      int64
	etag      string
	checksums map[string]string
	dataID    string
	layout    erasure.Layout
	shard     int // this node's shard index
}

func (r *partRecord) marshal() []byte {
	b := binary.BigEndian.AppendUint64(nil, r.hlc)
	b = append(b, recordVersion, 0)
	b = binary.AppendUvarint(b, uint64(r.size))
	b = appendString(b, r.etag)
	b = appendMap(b, r.checksums)
	b = appendString(b, r.dataID)
	b = appendLayout(b, r.layout)
	return binary.AppendUvarint(b, uint64(r.shard))
}

func decodePartRecord(v []byte) (partRecord, error) {
	d := decoder{b: v}
	var r partRecord
	d.header(&r.hlc)
	r.size = int64(d.uvarint())
	r.etag = d.string()
	r.checksums = d.stringMap()
	r.dataID = d.string()
	r.layout = d.layout()
	r.shard = int(d.uvarint())
	return r, d.err
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendMap(b []byte, m map[string]string) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	for k, v := range m {
		b = appendString(b, k)
		b = appendString(b, v)
	}
	return b
}

func appendLayout(b []byte, l erasure.Layout) []byte {
	b = binary.AppendUvarint(b, uint64(l.K))
	b = binary.AppendUvarint(b, uint64(l.M))
	b = binary.AppendUvarint(b, uint64(l.BlockSize))
	return append(b, byte(l.Hash))
}

// decoder reads the fields appended above. The first error sticks; later
// reads return zero values.
type decoder struct {
	b   []byte
	err error
}

// header reads the HLC, checks the version and returns the flags.
func (d *decoder) header(hlc *uint64) byte {
	if len(d.b) < 10 {
		d.err = errCorruptRecord
		return 0
	}
	*hlc = binary.BigEndian.Uint64(d.b)
	if d.b[8] != recordVersion {
		d.err = fmt.Errorf("%w: unknown record version %d", errCorruptRecord, d.b[8])
		return 0
	}
	flags := d.b[9]
	d.b = d.b[10:]
	return flags
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorruptRecord
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length that must fit in the rest of the record.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = errCorruptRecord
		return 0
	}
	return int(n)
}

func (d *decoder) bytes() []byte {
	n := d.count()
	if d.err != nil {
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string { return string(d.bytes()) }

func (d *decoder) stringMap() map[string]string {
	n := d.count()
	if n == 0 || d.err != nil {
		return nil
	}
	m := make(map[string]string, n)
	for range n {
		k := d.string()
		m[k] = d.string()
	}
	return m
}

func (d *decoder) layout() erasure.Layout {
	var l erasure.Layout
	l.K = int(d.uvarint())
	l.M = int(d.uvarint())
	l.BlockSize = int(d.uvarint())
	if d.err == nil {
		if len(d.b) == 0 {
			d.err = errCorruptRecord
			return l
		}
		l.Hash = erasure.HashAlgorithm(d.b[0])
		d.b = d.b[1:]
	}
	return l
}
