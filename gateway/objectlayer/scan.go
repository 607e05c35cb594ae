package objectlayer

import (
	"bytes"
	"context"

	"github.com/zones3/zones3/storage"
)

// mergeScan walks a key range on several nodes at once, in key order,
// yielding every key once with the values the nodes hold for it. Each node
// is read in pages; seek skips ahead without reading what lies between.
type mergeScan struct {
	l         *Layer
	cursors   []scanCursor
	end       []byte
	page      int
	tolerance int // nodes that may fail before the scan fails
	failed    int
	errs      []error

	vals [][]byte // reused by next
	from []int    // reused by next: the cursor of each value
}

// scanCursor is one node's position in a mergeScan.
type scanCursor struct {
	node   int
	buf    []storage.KV
	pos    int
	from   []byte // where the next page starts
	done   bool   // the node has nothing more in range
	failed bool
}

// newMergeScan scans [start, end) on nodes, page keys per node and round;
// up to tolerance nodes may fail before the scan reports ErrQuorum.
func (l *Layer) newMergeScan(nodes []int, start, end []byte, tolerance, page int) *mergeScan {
	m := &mergeScan{l: l, end: end, page: max(page, 2), tolerance: max(tolerance, 0)}
	m.cursors = make([]scanCursor, len(nodes))
	for j, i := range nodes {
		m.cursors[j] = scanCursor{node: i, from: bytes.Clone(start)}
	}
	m.errs = make([]error, len(nodes))
	return m
}

// fill fetches the next page of every cursor that ran dry, in parallel.
func (m *mergeScan) fill(ctx context.Context) error {
	var need []int
	for j := range m.cursors {
		c := &m.cursors[j]
		if c.pos >= len(c.buf) && !c.done && !c.failed {
			need = append(need, j)
		}
	}
	if len(need) == 0 {
		return nil
	}
	forEach(len(need), func(x int) {
		c := &m.cursors[need[x]]
		kvs, err := m.l.scan(ctx, c.node, storage.ScanRange{Start: c.from, End: m.end, Limit: m.page})
		if err != nil {
			c.failed = true
			c.buf, c.pos = nil, 0
			m.errs[need[x]] = err
			return
		}
		c.buf, c.pos = kvs, 0
		if len(kvs) < m.page {
			c.done = true
		} else {
			c.from = append(bytes.Clone(kvs[len(kvs)-1].Key), 0)
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	m.failed = 0
	for j := range m.cursors {
		if m.cursors[j].failed {
			m.failed++
		}
	}
	if m.failed > m.tolerance {
		return quorumError("scan", len(m.cursors)-m.failed, len(m.cursors)-m.tolerance, m.errs)
	}
	return nil
}

// next returns the next key and the values of the nodes holding it, or a
// nil key at the end of the range. The slices are valid until the next
// call; fromCursor says which cursor (index into the scan's nodes) each
// value came from.
func (m *mergeScan) next(ctx context.Context) (key []byte, vals [][]byte, err error) {
	if err := m.fill(ctx); err != nil {
		return nil, nil, err
	}
	for j := range m.cursors {
		c := &m.cursors[j]
		if c.pos < len(c.buf) && (key == nil || bytes.Compare(c.buf[c.pos].Key, key) < 0) {
			key = c.buf[c.pos].Key
		}
	}
	if key == nil {
		return nil, nil, nil
	}
	m.vals, m.from = m.vals[:0], m.from[:0]
	for j := range m.cursors {
		c := &m.cursors[j]
		if c.pos < len(c.buf) && bytes.Equal(c.buf[c.pos].Key, key) {
			m.vals = append(m.vals, c.buf[c.pos].Value)
			m.from = append(m.from, j)
			c.pos++
		}
	}
	return key, m.vals, nil
}

// fromCursor returns the cursor of each value of the last next.
func (m *mergeScan) fromCursor() []int { return m.from }

// seek skips every key below to; a nil to skips to the end.
func (m *mergeScan) seek(to []byte) {
	for j := range m.cursors {
		if to == nil {
			m.cursors[j].pos, m.cursors[j].done = len(m.cursors[j].buf), true
			continue
		}
		c := &m.cursors[j]
		for c.pos < len(c.buf) && bytes.Compare(c.buf[c.pos].Key, to) < 0 {
			c.pos++
		}
		if c.pos >= len(c.buf) && !c.done && bytes.Compare(c.from, to) < 0 {
			c.from = bytes.Clone(to)
		}
	}
}
