package storage

import (
	"context"
	"errors"
	"io"
	"time"
)

// Node is what the gateway sees of one storage node: an ordered, durable
// key-value store (Pebble) plus write-once shard files. The in-process
// implementation (Local) and the internode client (Remote) both satisfy it,
// and behave identically: every method is safe for concurrent use.
//
// The node knows nothing of S3. Keys and values are the gateway's schema;
// the node only understands the few operations below, which is what lets one
// synced Pebble batch make a version (metadata plus its shard file) durable
// and visible in a single step.
//
// Keys starting with the byte 0xff are reserved for the node's own records
// (see ReservedKeyPrefix): Apply and Get refuse them with ErrInvalidKey and
// Scan never returns them. The gateway's keys never start with 0xff.
//
// Shard names are plain file names (see ValidShardName). A name is written
// once: the gateway never reuses a name for different content.
type Node interface {
	// ID is the node's stable identifier (the --id flag).
	ID() string

	// CreateShard streams r into a new temporary shard file called name,
	// fsyncs it and returns the bytes written. The file is invisible to
	// ReadShard until a committed batch holds OpCommitShard for it; temporary
	// files that are never committed are removed by OpAbortShard or at the
	// node's next start.
	CreateShard(ctx context.Context, name string, r io.Reader) (int64, error)

	// ReadShard streams length bytes of the committed shard file name from
	// offset (length < 0 means to the end). A missing file returns
	// ErrNotFound.
	ReadShard(ctx context.Context, name string, offset, length int64) (io.ReadCloser, error)

	// Apply commits the batch atomically in one synced Pebble batch; it
	// returns only once the batch is durable. See Op for the semantics of
	// each kind. Conditional puts that lose (OpPutIfNewer against a newer
	// record) are skipped silently; Apply reports which ones were applied:
	// applied[i] is false only for a skipped conditional op and for an
	// OpCommitShard aborted with it. On error nothing is applied.
	Apply(ctx context.Context, b Batch) (applied []bool, err error)

	// Get returns the value stored under key, or ErrNotFound.
	Get(ctx context.Context, key []byte) ([]byte, error)

	// Scan returns up to limit pairs with start <= key < end, in key order.
	// An empty end means no upper bound (reserved keys excluded); a Limit <= 0
	// means no limit, so callers that may meet many keys paginate. Values are
	// returned unless KeysOnly is set.
	Scan(ctx context.Context, r ScanRange) ([]KV, error)

	// Info reports the node's identity and usage.
	Info(ctx context.Context) (NodeInfo, error)

	// StatShards reports on the committed shard files names, in order,
	// without reading their data: each one's size and modification time,
	// or Size -1 when no committed file of that name exists (never
	// committed, removed, or its file is gone from the disk). At most
	// MaxStatShards names per call. It is the repair scanner's presence
	// check.
	StatShards(ctx context.Context, names []string) ([]ShardInfo, error)

	// ListShards returns up to limit committed shard files whose names
	// sort after after, in name order (limit <= 0 or above MaxListShards
	// means MaxListShards). The repair scanner collects the ones no
	// record references.
	ListShards(ctx context.Context, after string, limit int) ([]ShardInfo, error)
}

// ShardInfo describes one committed shard file.
type ShardInfo struct {
	Name    string
	Size    int64     // bytes; -1 when there is no committed file
	ModTime time.Time // when the file was last written
}

// Bounds of one StatShards or ListShards call.
const (
	MaxStatShards = 10000
	MaxListShards = 10000
)

// OpKind names one kind of batch operation.
type OpKind uint8

const (
	// OpPut stores Value under Key unconditionally.
	OpPut OpKind = iota + 1
	// OpPutIfNewer stores Value under Key only if there is no value there or
	// the stored value's HLC (the first 8 bytes, big-endian) is less than
	// HLC. Values written with this op must start with their HLC. This is
	// the last-writer-wins rule for concurrent writes of one key.
	OpPutIfNewer
	// OpDelete removes Key.
	OpDelete
	// OpDeleteIfNotNewer removes Key only if the stored value's HLC is <=
	// HLC (so a delete never removes a newer write).
	OpDeleteIfNotNewer
	// OpCommitShard makes the temporary shard file Name permanent, in the
	// same atomic step as the batch. If Key is set, the op is tied to the
	// conditional op on that Key in the same batch (the nearest one before
	// it, else the first after it; a batch with none is invalid): when that
	// op is skipped, the shard is aborted instead and the op reports false.
	// A missing temporary file fails the whole batch with ErrNotFound, unless
	// the shard is already committed (a retried commit succeeds).
	OpCommitShard
	// OpAbortShard removes the temporary shard file Name (no error if absent).
	OpAbortShard
	// OpRemoveShard removes the committed shard file Name once the batch is
	// durable (no error if absent).
	OpRemoveShard
)

// Op is one operation of a Batch.
type Op struct {
	Kind  OpKind
	Key   []byte
	Value []byte
	HLC   uint64
	Name  string // shard file name, for the shard ops
}

// Batch is an ordered list of operations applied atomically.
type Batch struct {
	Ops []Op
}

// ScanRange selects the keys of a Scan.
type ScanRange struct {
	Start, End []byte
	Limit      int
	KeysOnly   bool
}

// KV is one key-value pair returned by Scan.
type KV struct {
	Key   []byte
	Value []byte
}

// NodeInfo describes a node for health checks and `zones3 admin status`.
type NodeInfo struct {
	ID         string `json:"id"`
	Zone       string `json:"zone"`
	UsedBytes  int64  `json:"usedBytes"`  // bytes of shard files and Pebble
	FreeBytes  int64  `json:"freeBytes"`  // free space on the data volume
	ShardFiles int64  `json:"shardFiles"` // committed shard files
}

// Errors every Node implementation returns, wrapped with context. Callers
// test them with errors.Is.
var (
	// ErrNotFound: no such key or shard file.
	ErrNotFound = errors.New("not found")
	// ErrUnavailable: the node could not be reached or did not answer in
	// time. The caller treats the node as down for this request.
	ErrUnavailable = errors.New("node unavailable")
	// ErrUnauthorized: the internode request was not signed with the
	// cluster secret.
	ErrUnauthorized = errors.New("internode request not authorized")
	// ErrInvalidName: a shard name that is not a plain file name.
	ErrInvalidName = errors.New("invalid shard name")
	// ErrInvalidKey: an empty key, or one in the reserved 0xff range.
	ErrInvalidKey = errors.New("invalid key")
)

// ReservedKeyPrefix is the first byte of every key the node keeps for
// itself (shard file references, probes). Gateway keys never start with it.
const ReservedKeyPrefix = 0xff
