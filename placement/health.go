package placement

import (
	"sync"
	"time"
)

// State is what the gateway believes about a node.
type State int

const (
	// Up: the last request to the node succeeded (or none failed yet).
	Up State = iota
	// Suspect: the node failed recently but is not yet considered down,
	// or it is down and due for a probe; use it, but expect failure.
	Suspect
	// Down: the node failed repeatedly or for a while; do not send it
	// requests until the retry interval has passed.
	Down
)

func (s State) String() string {
	switch s {
	case Up:
		return "up"
	case Suspect:
		return "suspect"
	case Down:
		return "down"
	}
	return "unknown"
}

// HealthConfig sets the thresholds of Health. Zero fields take the
// defaults below.
type HealthConfig struct {
	// DownAfter: a node that keeps failing, with no success in between,
	// for this long is down. Default 3s.
	DownAfter time.Duration
	// DownAfterFailures: this many consecutive failures make a node down
	// sooner. Default 3.
	DownAfterFailures int
	// RetryAfter: how long after its last failure a down node is tried
	// again, so that a node that comes back is used within seconds.
	// Default 2s.
	RetryAfter time.Duration
}

// The defaults of HealthConfig.
const (
	DefaultDownAfter         = 3 * time.Second
	DefaultDownAfterFailures = 3
	DefaultRetryAfter        = 2 * time.Second
)

// Health tracks the state of nodes from the outcomes of requests to them.
// It is a pure state machine: time is passed in, it does no I/O and
// starts no goroutines. It is safe for concurrent use.
//
// Rules: a node never seen is up. Any success makes it up. A failure makes
// it suspect; failures for DownAfter (no success in between) or
// DownAfterFailures in a row make it down. A down node turns suspect again
// RetryAfter after its last failure, and Allow grants one request to probe
// it per RetryAfter.
type Health struct {
	cfg   HealthConfig
	mu    sync.Mutex
	nodes map[string]*nodeHealth
}

type nodeHealth struct {
	failures     int       // consecutive failures
	firstFailure time.Time // start of the current run of failures
	lastFailure  time.Time
	lastProbe    time.Time // when Allow last let a request through to a down node
	down         bool
}

// NewHealth returns a Health with cfg, defaults filled in.
func NewHealth(cfg HealthConfig) *Health {
	if cfg.DownAfter <= 0 {
		cfg.DownAfter = DefaultDownAfter
	}
	if cfg.DownAfterFailures <= 0 {
		cfg.DownAfterFailures = DefaultDownAfterFailures
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = DefaultRetryAfter
	}
	return &Health{cfg: cfg, nodes: map[string]*nodeHealth{}}
}

// Config returns the thresholds in use.
func (h *Health) Config() HealthConfig { return h.cfg }

// Observe records the outcome of a request to node at now.
func (h *Health) Observe(node string, ok bool, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ok {
		delete(h.nodes, node) // a node with no record is up
		return
	}
	n := h.nodes[node]
	if n == nil {
		n = &nodeHealth{}
		h.nodes[node] = n
	}
	if n.failures == 0 {
		n.firstFailure = now
	}
	n.failures++
	n.lastFailure = now
	if n.failures >= h.cfg.DownAfterFailures || now.Sub(n.firstFailure) >= h.cfg.DownAfter {
		n.down = true
	}
}

// State returns the state of node at now.
func (h *Health) State(node string, now time.Time) State {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state(h.nodes[node], now)
}

func (h *Health) state(n *nodeHealth, now time.Time) State {
	switch {
	case n == nil:
		return Up
	case n.down && now.Sub(n.lastFailure) < h.cfg.RetryAfter:
		return Down
	default:
		return Suspect
	}
}

// Allow reports whether a request may be sent to node at now: always when
// it is up or suspect, and for a down node due for a retry only once per
// RetryAfter, so that one request, not all of them, pays for probing a node
// that is still dead.
func (h *Health) Allow(node string, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := h.nodes[node]
	if h.state(n, now) == Down {
		return false
	}
	if n == nil || !n.down {
		return true
	}
	if now.Sub(n.lastProbe) < h.cfg.RetryAfter {
		return false
	}
	n.lastProbe = now
	return true
}

// States returns the state of every node that is not up, for status pages.
func (h *Health) States(now time.Time) map[string]State {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]State, len(h.nodes))
	for id, n := range h.nodes {
		out[id] = h.state(n, now)
	}
	return out
}
