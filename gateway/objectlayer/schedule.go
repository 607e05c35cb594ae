package objectlayer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/zones3/zones3/storage"
)

// passDue decides from the shared scan state whether a scheduled pass is
// due now, and whether it is a full one.
func passDue(now time.Time, st scanState, have bool, interval, bitrotInterval time.Duration) (run, full bool) {
	if interval <= 0 {
		return false, false
	}
	if !have {
		return true, false
	}
	if now.Sub(st.lastStart) < interval {
		return false, false
	}
	return true, bitrotInterval > 0 && now.Sub(st.lastFull) >= bitrotInterval
}

// scanStateKey is the cluster's shared scan state, on every node.
var scanStateKey = []byte("s/scan")

// scanState is when the last passes of any gateway started.
type scanState struct {
	hlc         uint64
	lastStart   time.Time // the last pass claimed
	lastPassEnd time.Time // start of the last complete pass
	lastFull    time.Time // start of the last complete full pass
}

func (s scanState) marshal() []byte {
	b := binary.BigEndian.AppendUint64(nil, s.hlc)
	b = append(b, recordVersion, 0)
	for _, t := range []time.Time{s.lastStart, s.lastPassEnd, s.lastFull} {
		b = binary.AppendVarint(b, unixOrZero(t))
	}
	return b
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func fromUnix(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}

func decodeScanState(v []byte) (scanState, error) {
	d := decoder{b: v}
	var s scanState
	d.header(&s.hlc)
	var ts [3]int64
	for i := range ts {
		if d.err != nil {
			break
		}
		x, n := binary.Varint(d.b)
		if n <= 0 {
			d.err = errCorruptRecord
			break
		}
		ts[i], d.b = x, d.b[n:]
	}
	s.lastStart, s.lastPassEnd, s.lastFull = fromUnix(ts[0]), fromUnix(ts[1]), fromUnix(ts[2])
	return s, d.err
}

// readScanState reads the newest scan state of the nodes; have is false
// when none holds one. It needs MetaQuorum answers.
func (l *Layer) readScanState(ctx context.Context) (st scanState, have bool, err error) {
	n := len(l.nodes)
	vals := make([][]byte, n)
	errs := make([]error, n)
	forEach(n, func(i int) {
		v, err := l.get(ctx, i, scanStateKey)
		if !errors.Is(err, storage.ErrNotFound) {
			vals[i], errs[i] = v, err
		}
	})
	if ok := countNil(errs); ok < l.topo.MetaQuorum() {
		return st, false, quorumError("read scan state", ok, l.topo.MetaQuorum(), errs)
	}
	for _, v := range vals {
		if v == nil {
			continue
		}
		if s, err := decodeScanState(v); err == nil && (!have || s.hlc > st.hlc) {
			st, have = s, true
		}
	}
	return st, have, nil
}

// writeScanState puts st, with a new HLC, on every node (MetaQuorum).
func (l *Layer) writeScanState(ctx context.Context, st scanState) error {
	st.hlc = l.clock.next()
	ok := l.applyAll(ctx, []storage.Op{{Kind: storage.OpPutIfNewer, Key: scanStateKey, Value: st.marshal(), HLC: st.hlc}})
	if ok < l.topo.MetaQuorum() {
		return fmt.Errorf("write scan state: %d nodes, %d needed: %w", ok, l.topo.MetaQuorum(), ErrQuorum)
	}
	return nil
}
