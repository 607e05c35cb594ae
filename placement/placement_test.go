package placement

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// cluster builds nodes named z<zone>n<i> for the given zone sizes.
func cluster(sizes ...int) []Node {
	var nodes []Node
	for z, n := range sizes {
		for i := range n {
			nodes = append(nodes, Node{ID: fmt.Sprintf("z%dn%d", z, i), Zone: fmt.Sprintf("zone-%d", z)})
		}
	}
	return nodes
}

func repeat(n, size int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = size
	}
	return s
}

func TestNewLayout(t *testing.T) {
	for _, tc := range []struct {
		name    string
		zones   []int
		k, m    int
		warning string // substring; "" means no warning
	}{
		{"3x1", []int{1, 1, 1}, 2, 1, ""},
		{"3x2", []int{2, 2, 2}, 4, 2, ""},
		{"4x1", []int{1, 1, 1, 1}, 3, 1, ""},
		{"2x2", []int{2, 2}, 2, 2, ""},
		{"2x1", []int{1, 1}, 1, 1, ""},
		{"2-2-1", []int{2, 2, 1}, 3, 2, ""},
		{"3-1", []int{3, 1}, 1, 3, ""},
		{"3x3", []int{3, 3, 3}, 6, 3, ""},
		{"16x1", repeat(16, 1), 15, 1, ""},
		{"3x6", []int{6, 6, 6}, 10, 5, ""},
		{"4x5", []int{5, 5, 5, 5}, 12, 4, ""},
		{"2x10", []int{10, 10}, 8, 8, ""},
		{"single node", []int{1}, 1, 0, "no parity"},
		{"one zone of 3", []int{3}, 2, 1, "losing that zone"},
		{"one zone of 20", []int{20}, 15, 1, "losing that zone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topo, err := New(cluster(tc.zones...))
			if err != nil {
				t.Fatal(err)
			}
			if topo.K != tc.k || topo.M != tc.m {
				t.Errorf("layout RS(%d,%d), want RS(%d,%d)", topo.K, topo.M, tc.k, tc.m)
			}
			if tc.warning == "" && topo.Warning != "" || !strings.Contains(topo.Warning, tc.warning) {
				t.Errorf("warning %q, want one containing %q", topo.Warning, tc.warning)
			}
			if topo.Shards() > MaxShards || topo.Shards() > len(topo.Nodes) {
				t.Errorf("%d shards on %d nodes", topo.Shards(), len(topo.Nodes))
			}
		})
	}
}

func TestNewInvalid(t *testing.T) {
	for name, nodes := range map[string][]Node{
		"none":         nil,
		"no id":        {{ID: "", Zone: "a"}},
		"duplicate id": {{ID: "x", Zone: "a"}, {ID: "x", Zone: "b"}},
		"no zone":      {{ID: "x"}},
		"negative":     {{ID: "x", Zone: "a", Weight: -1}},
		"nan":          {{ID: "x", Zone: "a", Weight: math.NaN()}},
		"inf":          {{ID: "x", Zone: "a", Weight: math.Inf(1)}},
	} {
		if _, err := New(nodes); err == nil {
			t.Errorf("%s: New accepted %v", name, nodes)
		}
	}
}

func TestNewWithLayout(t *testing.T) {
	for _, tc := range []struct {
		zones   []int
		k, m    int
		ok      bool
		warning bool
	}{
		{[]int{1, 1, 1}, 2, 1, true, false},
		{[]int{2, 2, 2}, 4, 2, true, false},
		{[]int{2, 2, 2}, 2, 1, true, false},  // 3 shards over 6 nodes, one per zone
		{[]int{2, 2, 2}, 3, 1, false, false}, // 4 shards cannot fit at one per zone
		{[]int{2, 2, 2}, 5, 1, false, false},
		{[]int{2, 2}, 2, 1, false, false}, // some zone would hold 2 > 1
		{[]int{2, 2}, 2, 2, true, false},
		{[]int{3, 1}, 2, 2, false, false}, // zone 0 would hold 3 > 2
		{[]int{1, 1, 1}, 3, 0, false, false},
		{[]int{1, 1, 1}, 2, 2, false, false}, // more shards than nodes
		{[]int{1, 1, 1}, 0, 3, false, false},
		{[]int{1, 1, 1}, 2, -1, false, false},
		{[]int{5}, 3, 2, true, true}, // one zone: allowed, with a warning
		{[]int{1}, 1, 0, true, true},
		{[]int{6, 6, 6}, 12, 6, true, false},
	} {
		topo, err := NewWithLayout(cluster(tc.zones...), tc.k, tc.m)
		if (err == nil) != tc.ok {
			t.Errorf("zones %v RS(%d,%d): err %v, want ok=%v", tc.zones, tc.k, tc.m, err, tc.ok)
			continue
		}
		if err == nil && (topo.Warning != "") != tc.warning {
			t.Errorf("zones %v RS(%d,%d): warning %q", tc.zones, tc.k, tc.m, topo.Warning)
		}
	}
}

func TestQuorums(t *testing.T) {
	for _, tc := range []struct {
		zones             []int
		k, m              int
		write, read, meta int
	}{
		{[]int{1, 1, 1}, 2, 1, 2, 2, 2},
		{[]int{2, 2, 2}, 4, 2, 4, 4, 4},
		{[]int{2, 2}, 2, 2, 3, 2, 3},
		{[]int{1, 1}, 1, 1, 2, 1, 2},
		{[]int{1}, 1, 0, 1, 1, 1},
		{[]int{1, 1, 1, 1}, 3, 1, 3, 3, 3},
		{[]int{6, 6, 6}, 10, 5, 10, 10, 10},
	} {
		topo, err := New(cluster(tc.zones...))
		if err != nil {
			t.Fatal(err)
		}
		if topo.K != tc.k || topo.M != tc.m {
			t.Fatalf("zones %v: RS(%d,%d), want RS(%d,%d)", tc.zones, topo.K, topo.M, tc.k, tc.m)
		}
		if w, r, m := topo.WriteQuorum(), topo.ReadQuorum(), topo.MetaQuorum(); w != tc.write || r != tc.read || m != tc.meta {
			t.Errorf("zones %v: quorums write %d read %d meta %d, want %d %d %d", tc.zones, w, r, m, tc.write, tc.read, tc.meta)
		}
		// A write quorum and a read quorum of the same object always
		// share a shard holder.
		if topo.WriteQuorum()+topo.ReadQuorum() <= topo.Shards() && topo.K == topo.M {
			t.Errorf("zones %v: write and read quorums may miss each other", tc.zones)
		}
	}
}

func testKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("photos/2026/%06d.jpg", i)
	}
	return keys
}

// TestPlaceZoneRule checks over 10,000 keys that every placement has K+M
// distinct nodes and no zone holds more than M shards of one object.
func TestPlaceZoneRule(t *testing.T) {
	keys := testKeys(10_000)
	type layout struct {
		zones []int
		k, m  int // 0, 0: chosen by New
	}
	for _, tc := range []layout{
		{[]int{1, 1, 1}, 0, 0}, {[]int{2, 2, 2}, 0, 0}, {[]int{2, 2, 1}, 0, 0}, {[]int{3, 1}, 0, 0},
		{[]int{2, 2}, 0, 0}, {[]int{6, 6, 6}, 0, 0}, {[]int{5, 5, 5, 5}, 0, 0}, {[]int{7, 3, 9}, 0, 0},
		{[]int{3}, 0, 0}, {[]int{1}, 0, 0},
		{[]int{4, 4, 4}, 2, 1}, {[]int{3, 3, 3}, 4, 2}, {[]int{5, 1, 2}, 3, 3}, {[]int{2, 2, 2, 2}, 5, 3},
	} {
		zones := tc.zones
		topo, err := New(cluster(zones...))
		if tc.k > 0 {
			topo, err = NewWithLayout(cluster(zones...), tc.k, tc.m)
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range keys {
			p := topo.Place("bucket", key)
			if len(p) != topo.Shards() {
				t.Fatalf("zones %v: %d nodes for %d shards", zones, len(p), topo.Shards())
			}
			perZone := map[string]int{}
			seen := map[int]bool{}
			for _, i := range p {
				if seen[i] {
					t.Fatalf("zones %v key %s: node %d holds two shards: %v", zones, key, i, p)
				}
				seen[i] = true
				perZone[topo.Nodes[i].Zone]++
			}
			if len(zones) > 1 {
				for z, c := range perZone {
					if c > topo.M {
						t.Fatalf("zones %v key %s: zone %s holds %d shards, M=%d", zones, key, z, c, topo.M)
					}
				}
			}
		}
	}
}

func placedIDs(topo *Topology, bucket, key string) []string {
	var ids []string
	for _, i := range topo.Place(bucket, key) {
		ids = append(ids, topo.Nodes[i].ID)
	}
	return ids
}

func TestPlaceDeterministicAndOrderFree(t *testing.T) {
	nodes := cluster(3, 3, 2)
	nodes[2].Weight = 2
	nodes[5].Weight = 0.5
	a, err := New(nodes)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 5 {
		shuffled := slices.Clone(nodes)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		b, err := New(shuffled)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range testKeys(2000) {
			pa, pb := placedIDs(a, "b", key), placedIDs(b, "b", key)
			if !slices.Equal(pa, pb) {
				t.Fatalf("trial %d key %s: %v, shuffled %v", trial, key, pa, pb)
			}
			if again := placedIDs(a, "b", key); !slices.Equal(pa, again) {
				t.Fatalf("key %s: placed %v then %v", key, pa, again)
			}
		}
	}
	// The bucket is part of the name: the same key in two buckets lands
	// differently often enough.
	same := 0
	for _, key := range testKeys(1000) {
		if slices.Equal(placedIDs(a, "b1", key), placedIDs(a, "b2", key)) {
			same++
		}
	}
	if same > 500 {
		t.Errorf("%d of 1000 keys placed the same in two buckets", same)
	}
}

// TestPlaceFixedVectors pins the hash: a change of these placements moves
// stored objects and must be deliberate.
func TestPlaceFixedVectors(t *testing.T) {
	topo, err := NewWithLayout(cluster(4, 4, 4), 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string][]string{
		"a":              {"z1n2", "z2n0", "z0n0"},
		"photos/cat.jpg": {"z2n1", "z0n0", "z1n1"},
		"":               {"z1n2", "z0n2", "z2n1"},
	} {
		if got := placedIDs(topo, "bucket", key); !slices.Equal(got, want) {
			t.Errorf("bucket/%s: placed %q, want %q", key, got, want)
		}
	}
}

// TestPlaceStableOnAddingNode adds a node to a cluster with a fixed layout:
// a placement changes only when it takes in the new node, that happens for
// about the new node's share of objects, and few shards move.
func TestPlaceStableOnAddingNode(t *testing.T) {
	for _, tc := range []struct {
		zones []int
		k, m  int
		add   Node
	}{
		{[]int{2, 2, 2}, 2, 1, Node{ID: "new", Zone: "zone-1"}},
		{[]int{3, 3, 3}, 4, 2, Node{ID: "new", Zone: "zone-0"}},
		{[]int{6, 6, 6}, 10, 5, Node{ID: "new", Zone: "zone-2"}},
		{[]int{2, 2, 2}, 2, 1, Node{ID: "new", Zone: "zone-3"}}, // a new zone
	} {
		nodes := cluster(tc.zones...)
		before, err := NewWithLayout(nodes, tc.k, tc.m)
		if err != nil {
			t.Fatal(err)
		}
		after, err := NewWithLayout(append(slices.Clone(nodes), tc.add), tc.k, tc.m)
		if err != nil {
			t.Fatal(err)
		}
		keys := testKeys(10_000)
		moved, shardsMoved := 0, 0
		for _, key := range keys {
			pb, pa := placedIDs(before, "b", key), placedIDs(after, "b", key)
			for i := range pb {
				if pb[i] != pa[i] {
					shardsMoved++
				}
			}
			if slices.Equal(pb, pa) {
				continue
			}
			moved++
			if !slices.Contains(pa, tc.add.ID) {
				t.Fatalf("%v+%s key %s: %v became %v without the new node", tc.zones, tc.add.Zone, key, pb, pa)
			}
		}
		// Expected: the new node's share of shard slots, (k+m)/(nodes+1)
		// for an unconstrained cluster; allow some slack for the zone
		// rule and chance.
		expect := float64(tc.k+tc.m) / float64(len(nodes)+1)
		frac := float64(moved) / float64(len(keys))
		if frac > 1.5*expect {
			t.Errorf("%v+%s: %.1f%% of objects moved, expected about %.1f%%", tc.zones, tc.add.Zone, 100*frac, 100*expect)
		}
		// Ideally only the shards the new node takes move: 1/(nodes+1) of
		// them. The zone rule forces some more.
		idealShards := 1 / float64(len(nodes)+1)
		shardFrac := float64(shardsMoved) / float64(len(keys)*(tc.k+tc.m))
		if shardFrac > 2.5*idealShards {
			t.Errorf("%v+%s: %.1f%% of shards moved, ideal %.1f%%", tc.zones, tc.add.Zone, 100*shardFrac, 100*idealShards)
		}
		t.Logf("%v RS(%d,%d) + node in %s: %.1f%% of objects changed (node share %.1f%%), %.1f%% of shards moved (ideal %.1f%%)",
			tc.zones, tc.k, tc.m, tc.add.Zone, 100*frac, 100*expect, 100*shardFrac, 100*idealShards)
	}
}

// TestPlaceBalance checks that shards spread over the nodes in proportion
// to their weights.
func TestPlaceBalance(t *testing.T) {
	const keys = 20_000
	for _, tc := range []struct {
		name string
		topo func() (*Topology, error)
	}{
		{"3x2 RS(4,2)", func() (*Topology, error) { return New(cluster(2, 2, 2)) }},
		{"3x4 RS(2,1)", func() (*Topology, error) { return NewWithLayout(cluster(4, 4, 4), 2, 1) }},
		// Weights are exact for the first shard; further shards of one
		// object cannot go to a node already chosen, which flattens the
		// shares, so the weighted case places one shard.
		{"one zone weighted", func() (*Topology, error) {
			nodes := cluster(6)
			nodes[0].Weight = 2
			nodes[1].Weight = 0.5
			nodes[2].Weight = 3
			return NewWithLayout(nodes, 1, 0)
		}},
	} {
		topo, err := tc.topo()
		if err != nil {
			t.Fatal(err)
		}
		counts := make([]float64, len(topo.Nodes))
		for _, key := range testKeys(keys) {
			for _, i := range topo.Place("b", key) {
				counts[i]++
			}
		}
		// Expected share: proportional to weight within each zone, the
		// zones receiving equal numbers of shards here.
		var total float64
		for _, n := range topo.Nodes {
			total += max(n.Weight, 0) + b2f(n.Weight == 0)
		}
		for i, n := range topo.Nodes {
			w := n.Weight
			if w == 0 {
				w = 1
			}
			want := keys * float64(topo.Shards()) * w / total
			if math.Abs(counts[i]-want) > 0.08*want {
				t.Errorf("%s: node %s (weight %v) holds %.0f shards, want about %.0f", tc.name, n.ID, w, counts[i], want)
			}
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func TestIndex(t *testing.T) {
	topo, _ := New(cluster(1, 1, 1))
	if i := topo.Index("z1n0"); i != 1 {
		t.Errorf("Index(z1n0) = %d", i)
	}
	if i := topo.Index("nope"); i != -1 {
		t.Errorf("Index(nope) = %d", i)
	}
}

func BenchmarkPlace(b *testing.B) {
	for _, zones := range [][]int{{1, 1, 1}, {6, 6, 6}} {
		topo, _ := New(cluster(zones...))
		b.Run(fmt.Sprint(zones), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				topo.Place("bucket", "photos/2026/000123.jpg")
			}
		})
	}
}
