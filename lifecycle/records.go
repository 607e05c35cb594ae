package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Counts are what the worker did in one bucket.
type Counts struct {
	// Scanned counts the versions and uploads evaluated.
	Scanned int64 `json:"scanned,omitempty"`
	// ObjectsExpired counts object versions expired: current versions
	// deleted or hidden behind a delete marker, and noncurrent versions
	// deleted. BytesExpired is their size. A version hidden behind a
	// delete marker keeps its space until a NoncurrentVersionExpiration
	// removes it.
	ObjectsExpired int64 `json:"objectsExpired,omitempty"`
	BytesExpired   int64 `json:"bytesExpired,omitempty"`
	// MarkersRemoved counts delete markers removed: expired object delete
	// markers and noncurrent ones.
	MarkersRemoved int64 `json:"markersRemoved,omitempty"`
	UploadsAborted int64 `json:"uploadsAborted,omitempty"`
	// Errors counts actions and listings that failed; what they concerned
	// is evaluated again in the next pass.
	Errors int64 `json:"errors,omitempty"`
}

func (c *Counts) add(o Counts) {
	c.Scanned += o.Scanned
	c.ObjectsExpired += o.ObjectsExpired
	c.BytesExpired += o.BytesExpired
	c.MarkersRemoved += o.MarkersRemoved
	c.UploadsAborted += o.UploadsAborted
	c.Errors += o.Errors
}

// recordVersion is the version of the cursor and pass records' encoding.
const recordVersion = 1

// Phases of a bucket in a pass.
const (
	phaseVersions = "versions"
	phaseUploads  = "uploads"
	phaseDone     = "done"
)

// passCursor is the position of the pass in progress (MetaCursor): the
// bucket, the phase, the last version or upload dealt with, the walk's
// carried facts, and what the pass did so far. A worker that takes over,
// or restarts, resumes there.
type passCursor struct {
	V       int       `json:"v"`
	Started time.Time `json:"started"`
	Holder  string    `json:"holder"`
	Bucket  string    `json:"bucket,omitempty"`
	Phase   string    `json:"phase,omitempty"`
	// After is the last version dealt with in the bucket, Carry what the
	// walk knows of its key.
	After       VersionMarker `json:"after,omitzero"`
	Carry       keyCarry      `json:"carry,omitzero"`
	UploadAfter UploadMarker  `json:"uploadAfter,omitzero"`
	// Counts are this pass's, by bucket.
	Counts map[string]*Counts `json:"counts,omitempty"`
}

func (c *passCursor) counts(bucket string) *Counts {
	if c.Counts == nil {
		c.Counts = map[string]*Counts{}
	}
	n := c.Counts[bucket]
	if n == nil {
		n = &Counts{}
		c.Counts[bucket] = n
	}
	return n
}

// Pass is the record of the last complete pass (MetaPass).
type Pass struct {
	Started   time.Time `json:"started"`
	Completed time.Time `json:"completed"`
	// Holder is the worker that completed it.
	Holder string `json:"holder"`
	// Buckets are the counts of every bucket with a lifecycle
	// configuration, across the workers that took part in the pass.
	Buckets map[string]Counts `json:"buckets,omitempty"`
}

type storedPass struct {
	V int `json:"v"`
	Pass
}

// Progress is the pass in progress.
type Progress struct {
	Started time.Time
	// Bucket is the bucket being worked on or last finished, Phase
	// "versions", "uploads" or "done".
	Bucket, Phase string
	// Done is what the pass did so far, over all buckets, as of the last
	// checkpoint (every CheckpointEvery).
	Done Counts
}

// Status is what the worker's records in Meta tell: who holds the lease,
// the last complete pass and the pass in progress. Any gateway can read
// it, whether or not its own worker acts.
type Status struct {
	// Holder is the ID of the worker that holds (or last held) the lease,
	// "" when there is none; HolderExpires is when its lease ends unless
	// renewed, by the holder's clock.
	Holder        string
	HolderExpires time.Time
	// LastPass is nil before the first complete pass.
	LastPass *Pass
	// Running is nil when no pass is in progress.
	Running *Progress
}

// ReadStatus reads the worker's records.
func ReadStatus(ctx context.Context, meta Meta) (Status, error) {
	var st Status
	b, found, err := meta.GetMeta(ctx, MetaLease)
	if err != nil {
		return st, fmt.Errorf("read lifecycle lease: %w", err)
	}
	if found {
		r := parseLeaseRecord(b)
		st.Holder, st.HolderExpires = r.Holder, r.Expires
	}
	if st.LastPass, err = loadPass(ctx, meta); err != nil {
		return st, err
	}
	c, err := loadCursor(ctx, meta)
	if err != nil {
		return st, err
	}
	if c != nil {
		st.Running = &Progress{Started: c.Started, Bucket: c.Bucket, Phase: c.Phase}
		for _, n := range c.Counts {
			st.Running.Done.add(*n)
		}
	}
	return st, nil
}

func loadPass(ctx context.Context, meta Meta) (*Pass, error) {
	b, found, err := meta.GetMeta(ctx, MetaPass)
	if err != nil {
		return nil, fmt.Errorf("read lifecycle pass: %w", err)
	}
	if !found {
		return nil, nil
	}
	var p storedPass
	if err := json.Unmarshal(b, &p); err != nil || p.V != recordVersion {
		return nil, fmt.Errorf("%w (version %d): %v", errPassUnreadable, p.V, err)
	}
	return &p.Pass, nil
}

func marshalPass(p Pass) []byte {
	b, _ := json.Marshal(storedPass{V: recordVersion, Pass: p}) // maps, strings, numbers, times
	return b
}

// Records that cannot be decoded (written by a later zones3, or damaged):
// the worker starts a new pass, which writes them anew.
var (
	errCursorUnreadable = errors.New("lifecycle cursor record is not readable")
	errPassUnreadable   = errors.New("lifecycle pass record is not readable")
)

func loadCursor(ctx context.Context, meta Meta) (*passCursor, error) {
	b, found, err := meta.GetMeta(ctx, MetaCursor)
	if err != nil {
		return nil, fmt.Errorf("read lifecycle cursor: %w", err)
	}
	if !found {
		return nil, nil
	}
	var c passCursor
	if err := json.Unmarshal(b, &c); err != nil || c.V != recordVersion {
		return nil, fmt.Errorf("%w (version %d): %v", errCursorUnreadable, c.V, err)
	}
	return &c, nil
}

func (c *passCursor) marshal() []byte {
	c.V = recordVersion
	b, _ := json.Marshal(c)
	return b
}
