package objectlayer

import (
	"context"
	"errors"
	"time"

	"github.com/zones3/zones3/placement"
	"github.com/zones3/zones3/storage"
)

// nodeHealth feeds the outcome of every node call to the placement.Health
// state machine and asks it before each call, so that a node that is down
// costs a request nothing but the occasional probe.
type nodeHealth struct {
	h   *placement.Health
	ids []string
	now func() time.Time
}

func newNodeHealth(h *placement.Health, nodes []placement.Node) *nodeHealth {
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		ids[i] = n.ID
	}
	return &nodeHealth{h: h, ids: ids, now: time.Now}
}

// usable reports whether node i should be asked now.
func (nh *nodeHealth) usable(i int) bool { return nh.h.Allow(nh.ids[i], nh.now()) }

// up reports whether node i is known to be up.
func (nh *nodeHealth) up(i int) bool { return nh.h.State(nh.ids[i], nh.now()) == placement.Up }

// observe records the outcome of a call to node i. Only an unavailable
// node counts against it; a call cancelled by its own context says nothing.
func (nh *nodeHealth) observe(ctx context.Context, i int, err error) {
	if err != nil && ctx.Err() != nil {
		return
	}
	ok := err == nil || !errors.Is(err, storage.ErrUnavailable)
	nh.h.Observe(nh.ids[i], ok, nh.now())
}

// probe asks the nodes that are not up for their Info every interval, so
// that a node that came back is used again even without traffic, until
// Close.
func (l *Layer) probe(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		for i, n := range l.nodes {
			if l.health.up(i) || !l.health.usable(i) {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), interval)
			_, err := n.Info(ctx)
			cancel()
			l.health.observe(context.Background(), i, err)
		}
	}
}
