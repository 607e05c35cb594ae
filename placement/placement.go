package placement

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Node is one storage node of the topology.
type Node struct {
	ID     string
	Zone   string
	Weight float64 // relative share of objects; 0 means 1
}

// MaxShards is the most shards New gives an object; with more nodes than
// this, each object goes to a subset of them chosen by rendezvous hashing.
const MaxShards = 16

// maxLayoutShards is the most shards NewWithLayout accepts (the
// Reed-Solomon limit).
const maxLayoutShards = 256

// Topology is the set of storage nodes and the erasure layout new objects
// get on them. It is immutable once built and safe for concurrent use.
type Topology struct {
	// Nodes are the storage nodes in the order they were given; Place
	// returns indexes into this slice.
	Nodes []Node
	// K data and M parity shards per object.
	K, M int
	// Warning is not empty when the topology cannot survive the loss of a
	// zone (one zone only) or of any node at all (M == 0). Such a
	// topology is allowed, for tests and single-machine use; operators
	// should be told.
	Warning string

	zoneCap int       // most shards of one object a zone may hold
	zones   int       // number of zones
	zone    []int     // zone number of each node
	seed    []uint64  // hash of each node ID
	weight  []float64 // effective weight of each node
}

// New builds a topology and chooses its layout: n = min(len(nodes), 16)
// shards per object, and M the smallest count such that the n shards fit
// with no zone holding more than M of them, so that losing any one zone
// loses at most M shards. With one zone the nodes are the failure domains
// (M = 1, or M = 0 for a single node) and Warning says a zone loss loses
// data. See the package documentation for the reasoning and examples.
func New(nodes []Node) (*Topology, error) {
	t, err := newTopology(nodes)
	if err != nil {
		return nil, err
	}
	sizes := t.zoneSizes()
	n := min(len(nodes), MaxShards)
	switch {
	case len(sizes) == 1 && n == 1:
		t.K, t.M, t.zoneCap = 1, 0, 1
	case len(sizes) == 1:
		// One zone: the nodes are the failure domains.
		t.K, t.M, t.zoneCap = n-1, 1, n
	default:
		m := minZoneCap(sizes, n)
		if len(nodes) > MaxShards {
			// More nodes than shards: pick the shard count with the
			// least storage overhead n/K (ties go to more shards, for
			// more parallelism). Three equal zones so get RS(10,5)
			// rather than RS(10,6).
			for c := MaxShards - 1; c >= 2; c-- {
				cm := minZoneCap(sizes, c)
				if c-cm >= 1 && c*(n-m) < n*(c-cm) {
					n, m = c, cm
				}
			}
		}
		t.K, t.M, t.zoneCap = n-m, m, m
	}
	t.setWarning(len(sizes))
	return t, nil
}

// NewWithLayout builds a topology with a layout chosen by the operator. It
// checks that the k+m shards of an object fit on distinct nodes with no
// zone holding more than m of them, so that any one zone can be lost. With
// a single zone that rule cannot hold; the layout is accepted with a
// Warning.
func NewWithLayout(nodes []Node, k, m int) (*Topology, error) {
	t, err := newTopology(nodes)
	if err != nil {
		return nil, err
	}
	n := k + m
	switch {
	case k < 1 || m < 0:
		return nil, fmt.Errorf("placement: layout RS(%d,%d): need k >= 1 and m >= 0", k, m)
	case n > maxLayoutShards:
		return nil, fmt.Errorf("placement: layout RS(%d,%d): more than %d shards", k, m, maxLayoutShards)
	case n > len(nodes):
		return nil, fmt.Errorf("placement: layout RS(%d,%d) needs %d nodes, topology has %d", k, m, n, len(nodes))
	}
	t.K, t.M = k, m
	sizes := t.zoneSizes()
	if len(sizes) == 1 {
		t.zoneCap = n
	} else {
		if fit := fitting(sizes, m); fit < n {
			return nil, fmt.Errorf("placement: layout RS(%d,%d): with at most %d shards per zone only %d of %d shards fit on zones of %v nodes; a zone loss would lose data",
				k, m, m, fit, n, sizes)
		}
		t.zoneCap = m
	}
	t.setWarning(len(sizes))
	return t, nil
}

func newTopology(nodes []Node) (*Topology, error) {
	if len(nodes) == 0 {
		return nil, errors.New("placement: no nodes")
	}
	t := &Topology{
		Nodes:  slices.Clone(nodes),
		zone:   make([]int, len(nodes)),
		seed:   make([]uint64, len(nodes)),
		weight: make([]float64, len(nodes)),
	}
	ids := make(map[string]bool, len(nodes))
	zones := map[string]int{}
	for i, n := range nodes {
		switch {
		case n.ID == "":
			return nil, fmt.Errorf("placement: node %d has no ID", i)
		case ids[n.ID]:
			return nil, fmt.Errorf("placement: node ID %q appears twice", n.ID)
		case n.Zone == "":
			return nil, fmt.Errorf("placement: node %q has no zone", n.ID)
		case n.Weight < 0 || math.IsNaN(n.Weight) || math.IsInf(n.Weight, 0):
			return nil, fmt.Errorf("placement: node %q has weight %v; need a finite weight >= 0", n.ID, n.Weight)
		}
		ids[n.ID] = true
		z, ok := zones[n.Zone]
		if !ok {
			z = len(zones)
			zones[n.Zone] = z
		}
		t.zone[i] = z
		t.seed[i] = mix64(stringHash(n.ID))
		t.weight[i] = n.Weight
		if n.Weight == 0 {
			t.weight[i] = 1
		}
	}
	t.zones = len(zones)
	return t, nil
}

// zoneSizes returns the number of nodes of each zone, by zone number.
func (t *Topology) zoneSizes() []int {
	var sizes []int
	for _, z := range t.zone {
		if z == len(sizes) {
			sizes = append(sizes, 0)
		}
		sizes[z]++
	}
	return sizes
}

func (t *Topology) setWarning(zones int) {
	var w []string
	if zones == 1 && len(t.Nodes) > 1 {
		w = append(w, fmt.Sprintf("all nodes are in zone %q: losing that zone loses every object", t.Nodes[0].Zone))
	}
	if t.M == 0 {
		w = append(w, fmt.Sprintf("layout RS(%d,0) has no parity: losing any node loses objects", t.K))
	}
	t.Warning = strings.Join(w, "; ")
}

// fitting is how many shards fit on distinct nodes with at most cap per
// zone.
func fitting(sizes []int, cap int) int {
	n := 0
	for _, s := range sizes {
		n += min(s, cap)
	}
	return n
}

// minZoneCap is the smallest per-zone cap with which n shards fit.
func minZoneCap(sizes []int, n int) int {
	for m := 1; ; m++ {
		if fitting(sizes, m) >= n {
			return m
		}
	}
}

// Shards is the number of shards of an object, K+M.
func (t *Topology) Shards() int { return t.K + t.M }

// Index returns the index in Nodes of the node with the given ID, or -1.
func (t *Topology) Index(id string) int {
	return slices.IndexFunc(t.Nodes, func(n Node) bool { return n.ID == id })
}

// WriteQuorum is the number of shard writes that must succeed for a PUT:
// K, or K+1 when K == M so that any two write quorums share a node and a
// read after a write sees it.
func (t *Topology) WriteQuorum() int {
	if t.K == t.M {
		return t.K + 1
	}
	return t.K
}

// ReadQuorum is the number of intact shards a GET needs: K.
func (t *Topology) ReadQuorum() int { return t.K }

// MetaQuorum is the majority of all nodes, for records kept on every node
// (buckets, their configuration, IAM, multipart state).
func (t *Topology) MetaQuorum() int { return len(t.Nodes)/2 + 1 }

// Place returns the nodes that hold the shards of bucket/key, as indexes
// into Nodes in shard order: shard i goes to Nodes[Place(...)[i]]. Each
// shard in turn is placed by weighted rendezvous hashing: every node not
// yet chosen, and whose zone holds fewer than the allowed shards of the
// object, scores -weight/ln(u), with u a hash of the object name, the
// shard number and the node ID mapped into (0,1), and the highest score
// wins. The result depends on the node IDs, zones and weights only, not on
// their order in Nodes. Adding a node changes only the placements it wins a
// shard of, and in those mostly that one shard: a shard's node changes
// only when the new node or the node it displaced outscores it.
func (t *Topology) Place(bucket, key string) []int {
	h := objectHash(bucket, key)
	n := t.Shards()
	out := make([]int, 0, n)
	var usedBuf [64]bool
	used := usedBuf[:]
	if len(t.Nodes) > len(usedBuf) {
		used = make([]bool, len(t.Nodes))
	}
	var zoneBuf [MaxShards]int
	zoneCount := zoneBuf[:]
	if t.zones > len(zoneBuf) {
		zoneCount = make([]int, t.zones)
	}
	for shard := range n {
		hs := shardHash(h, shard)
		best, bestScore := -1, math.Inf(-1)
		for i, node := range t.Nodes {
			if used[i] || zoneCount[t.zone[i]] >= t.zoneCap {
				continue
			}
			s := score(hs, t.seed[i], t.weight[i])
			// Equal scores need a 64-bit hash collision; break them by ID
			// so that the order of Nodes never matters.
			if s > bestScore || s == bestScore && node.ID < t.Nodes[best].ID {
				best, bestScore = i, s
			}
		}
		// The zone caps were checked when the topology was built, so a
		// node is always left: each pick uses up exactly one unit of
		// sum(min(nodes left in zone, shards the zone may still take)).
		used[best] = true
		zoneCount[t.zone[best]]++
		out = append(out, best)
	}
	return out
}

// score is the weighted rendezvous score of a node for an object.
func score(object, node uint64, weight float64) float64 {
	// 53 random bits, offset by half a step so that u is never 0 or 1.
	u := (float64(mix64(object^node)>>11) + 0.5) / (1 << 53)
	return -weight / math.Log(u)
}

// The hashes below are part of the placement format: changing them moves
// every object.

// objectHash is FNV-1a of bucket + "/" + key, finished with mix64.
func objectHash(bucket, key string) uint64 {
	h := fnvAdd(fnvOffset, bucket)
	h = (h ^ '/') * fnvPrime
	return mix64(fnvAdd(h, key))
}

// shardHash derives the hash of one shard of an object.
func shardHash(object uint64, shard int) uint64 {
	return mix64(object + uint64(shard)*0x9e3779b97f4a7c15)
}

func stringHash(s string) uint64 { return fnvAdd(fnvOffset, s) }

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// mix64 is the splitmix64 finaliser: every input bit affects every output
// bit, which plain FNV does not give.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
