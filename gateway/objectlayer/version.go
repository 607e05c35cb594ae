package objectlayer

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	mrand "math/rand/v2"
)

// NullVersionID is the version ID S3 shows for the version written while
// a bucket had no versioning or had it suspended.
const NullVersionID = "null"

// versionIDAlphabet is URL-safe and in ASCII order, so that version IDs
// sort as the bytes they encode.
const versionIDAlphabet = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

var versionIDEncoding = base64.NewEncoding(versionIDAlphabet).WithPadding(base64.NoPadding).Strict()

// versionIDLen is the length of a version ID: 16 bytes in 22 characters.
const versionIDLen = 22

// newVersionID returns a version ID for a version created at hlc: the
// inverted HLC (big-endian) then 64 random bits, in versionIDAlphabet.
// IDs of one key sort newest first, so a node's scan of the key's
// versions yields them in the order ListObjectVersions shows, and the ID
// alone tells a version's place among the others. The random half keeps
// two versions that two gateways created at the same HLC apart.
func newVersionID(hlc uint64) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], ^hlc)
	_, _ = rand.Read(b[8:])
	return versionIDEncoding.EncodeToString(b[:])
}

// versionIDAt returns the smallest-sorting ID of a version created at hlc
// with the given random half: the place of a version recorded before
// version IDs had this form.
func versionIDAt(hlc, random uint64) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], ^hlc)
	binary.BigEndian.PutUint64(b[8:], random)
	return versionIDEncoding.EncodeToString(b[:])
}

// parseVersionID returns the creation HLC encoded in a version ID.
func parseVersionID(id string) (hlc uint64, ok bool) {
	if len(id) != versionIDLen {
		return 0, false
	}
	var b [16]byte
	n, err := versionIDEncoding.Decode(b[:], []byte(id))
	if err != nil || n != 16 {
		return 0, false
	}
	return ^binary.BigEndian.Uint64(b[:8]), true
}

// ValidVersionID reports whether id can name a version: "null" or an ID
// zones3 hands out.
func ValidVersionID(id string) bool {
	if id == NullVersionID {
		return true
	}
	_, ok := parseVersionID(id)
	return ok
}

// orderID is the ID that places r among the versions of its key: its own
// version ID, or, for records from before version IDs sorted, one made
// from its creation HLC.
func (r *objectRecord) orderID() string {
	if _, ok := parseVersionID(r.versionID); ok {
		return r.versionID
	}
	return versionIDAt(r.modified, 0)
}

func (e *listEntry) orderID() string {
	if _, ok := parseVersionID(e.versionID); ok {
		return e.versionID
	}
	return versionIDAt(e.modified, 0)
}

// shownVersionID is the version ID a client sees: "" for an object of a
// bucket that never had versioning, "null" for the null version.
func shownVersionID(hasVersionID, versioned bool, id string) string {
	switch {
	case hasVersionID:
		return id
	case versioned:
		return NullVersionID
	}
	return ""
}

// slot is the last part of the v/ and w/ keys of a version: its ID, or ""
// for the null version, which each new null version replaces.
func slotOf(hasVersionID bool, id string) string {
	if hasVersionID {
		return id
	}
	return ""
}

// versionKey is the key of the v/ (prefixVersion) or w/ record of the
// version in slot of bucket/key: prefix, bucket, 0, the escaped key, 0,
// slot.
func versionKey(prefix, bucket, key, slot string) []byte {
	k := make([]byte, 0, len(prefix)+len(bucket)+len(key)+2+len(slot))
	k = append(k, prefix...)
	k = append(k, bucket...)
	k = append(k, 0)
	k = appendEscapedKey(k, key)
	k = append(k, 0)
	return append(k, slot...)
}

// versionScope is the prefix of every v/ or w/ key of bucket/key.
func versionScope(prefix, bucket, key string) []byte { return versionKey(prefix, bucket, key, "") }

// appendEscapedKey appends an object key with its 0x00 and 0x01 bytes
// written as 0x01 0x01 and 0x01 0x02, so that the 0x00 after it in a v/ or
// w/ key ends it even for keys that hold one. The escape keeps both the
// order of keys and prefixes: esc(p+s) = esc(p)+esc(s).
func appendEscapedKey(b []byte, key string) []byte {
	for i := 0; i < len(key); i++ {
		switch c := key[i]; c {
		case 0, 1:
			b = append(b, 1, c+1)
		default:
			b = append(b, c)
		}
	}
	return b
}

// unescapeKey reverses appendEscapedKey.
func unescapeKey(b []byte) (string, bool) {
	if bytes.IndexByte(b, 1) < 0 {
		return string(b), true
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != 1 {
			out = append(out, b[i])
			continue
		}
		if i+1 == len(b) || b[i+1] < 1 || b[i+1] > 2 {
			return "", false
		}
		out = append(out, b[i+1]-1)
		i++
	}
	return string(out), true
}

// splitVersionKey splits the part of a v/ or w/ key after its bucket
// scope into the object key and the slot.
func splitVersionKey(rest []byte) (key, slot string, ok bool) {
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return "", "", false
	}
	key, ok = unescapeKey(rest[:i])
	return key, string(rest[i+1:]), ok
}

// rewriteHLC is the write HLC of a rewrite of a record whose HLC is h (a
// tag change, a version tombstone, an older version made current again):
// just past h, with a little randomness so that two gateways rewriting
// the same record at once still pick one winner on every node. Staying
// next to h rather than taking the clock keeps such a rewrite from
// winning over a version written meanwhile. Like the clock's values it is
// even (see hlcClock.next).
func rewriteHLC(h uint64) uint64 { return (h + 2 + mrand.Uint64N(256)) &^ 1 }

// VersioningState is a bucket's versioning configuration.
type VersioningState string

// The versioning states. A bucket starts unversioned and, once versioning
// was enabled, can only be suspended.
const (
	VersioningOff       VersioningState = ""
	VersioningEnabled   VersioningState = "Enabled"
	VersioningSuspended VersioningState = "Suspended"
)

// BucketVersioning returns the bucket's versioning state. It may be up to
// bucketConfigTTL old when it was changed through another gateway.
func (l *Layer) BucketVersioning(ctx context.Context, bucket string) (VersioningState, error) {
	if err := l.requireBucket(ctx, bucket); err != nil {
		return VersioningOff, err
	}
	return l.versioning(ctx, bucket, false)
}

// versioning reads the versioning state from the configuration cache, or
// from the nodes when fresh is set.
func (l *Layer) versioning(ctx context.Context, bucket string, fresh bool) (VersioningState, error) {
	if fresh {
		l.forgetConfig(bucket, ConfigVersioning)
	}
	v, err := l.GetBucketConfig(ctx, bucket, ConfigVersioning)
	switch {
	case errors.Is(err, ErrNoSuchMeta):
		return VersioningOff, nil
	case err != nil:
		return VersioningOff, err
	}
	switch s := VersioningState(v); s {
	case VersioningEnabled, VersioningSuspended:
		return s, nil
	}
	l.log.Warn("unknown bucket versioning state", "bucket", bucket, "state", string(v))
	return VersioningEnabled, nil
}

// SetBucketVersioning enables or suspends versioning of bucket. A bucket
// that had versioning cannot return to having none.
func (l *Layer) SetBucketVersioning(ctx context.Context, bucket string, state VersioningState) error {
	if state != VersioningEnabled && state != VersioningSuspended {
		return fmt.Errorf("bucket %s: versioning state %q: %w", bucket, state, ErrInvalidArgument)
	}
	return l.PutBucketConfig(ctx, bucket, ConfigVersioning, []byte(state))
}

// forgetConfig drops a cached bucket configuration.
func (l *Layer) forgetConfig(bucket, config string) {
	l.configs.mu.Lock()
	delete(l.configs.entries, bucketConfigName(bucket, config))
	l.configs.mu.Unlock()
}
