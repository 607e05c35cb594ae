package tagging

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// storageVersion is the first byte of the stored encoding.
const storageVersion = 1

// Marshal encodes the set for storage in a version or bucket record:
// a version byte, the number of tags, then each key and value with its
// length, all lengths as uvarints. The empty set encodes as nothing.
func (s Set) Marshal() []byte {
	if len(s) == 0 {
		return nil
	}
	n := 1 + binary.MaxVarintLen64
	for _, t := range s {
		n += 2*binary.MaxVarintLen64 + len(t.Key) + len(t.Value)
	}
	b := make([]byte, 0, n)
	b = append(b, storageVersion)
	b = binary.AppendUvarint(b, uint64(len(s)))
	for _, t := range s {
		b = binary.AppendUvarint(b, uint64(len(t.Key)))
		b = append(b, t.Key...)
		b = binary.AppendUvarint(b, uint64(len(t.Value)))
		b = append(b, t.Value...)
	}
	return b
}

var errCorrupt = errors.New("tagging: stored tag set is corrupt")

// Unmarshal decodes what Marshal encoded. Nothing decodes as the empty set.
// It checks the encoding's shape (lengths, sorted unique keys, UTF-8), not
// S3's rules on tags, which were applied when the tags were set.
func Unmarshal(data []byte) (Set, error) {
	if len(data) == 0 {
		return nil, nil
	}
	if data[0] != storageVersion {
		return nil, fmt.Errorf("tagging: stored tag set has version %d, want %d", data[0], storageVersion)
	}
	rest := data[1:]
	count, n := binary.Uvarint(rest)
	if n <= 0 || count > MaxBucketTags {
		return nil, errCorrupt
	}
	rest = rest[n:]
	s := make(Set, 0, count)
	field := func() (string, bool) {
		l, n := binary.Uvarint(rest)
		if n <= 0 || l > uint64(len(rest)-n) {
			return "", false
		}
		v := string(rest[n : n+int(l)])
		rest = rest[n+int(l):]
		return v, utf8.ValidString(v)
	}
	for range count {
		k, ok1 := field()
		v, ok2 := field()
		if !ok1 || !ok2 || k == "" || (len(s) > 0 && k <= s[len(s)-1].Key) {
			return nil, errCorrupt
		}
		s = append(s, Tag{Key: k, Value: v})
	}
	if len(rest) != 0 {
		return nil, errCorrupt
	}
	return s, nil
}
