package iam

import (
	"context"
	"errors"
	"time"
)

// Store keeps the IAM records: small named values that every gateway must
// agree on. The object layer's cluster metadata (a majority quorum of the
// storage nodes, last writer wins) is the store of a zones3 deployment;
// cmd/zones3 adapts it to this interface.
type Store interface {
	// GetMeta returns the record called name, or an error wrapping
	// ErrNoSuchRecord.
	GetMeta(ctx context.Context, name string) (MetaEntry, error)
	// PutMeta stores value under name; a later write wins over an earlier.
	PutMeta(ctx context.Context, name string, value []byte) error
	// DeleteMeta removes name.
	DeleteMeta(ctx context.Context, name string) error
	// ListMeta returns the records whose names start with prefix, sorted by
	// name.
	ListMeta(ctx context.Context, prefix string) ([]MetaEntry, error)
}

// MetaEntry is one stored record.
type MetaEntry struct {
	Name     string
	Value    []byte
	Modified time.Time
}

// ErrNoSuchRecord is what a Store's GetMeta wraps for a name without a
// record.
var ErrNoSuchRecord = errors.New("iam: no such record")
