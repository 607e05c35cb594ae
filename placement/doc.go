// Package placement owns the topology of a zones3 cluster: the storage
// nodes with their zones and weights, the erasure layout objects get on
// them, which nodes hold the shards of an object, the quorum rules, and
// the up/suspect/down state of each node as the gateway sees it. It is
// pure logic: no I/O, no goroutines, no S3 and no Pebble.
//
// # Choosing the layout
//
// New gives every object n = min(nodes, 16) shards, one per node, and
// picks the parity count M as the most shards any one zone must hold of an
// object when the n shards are spread as evenly as the zone sizes allow:
// the smallest M with sum over zones of min(zone size, M) >= n. Place never
// puts more than M shards of an object in one zone, so losing a whole zone
// loses at most M shards and every object still has K = n - M, enough to
// read. Spreading evenly keeps M, and with it the storage overhead n/K, as
// small as the zone rule allows:
//
//	zones × nodes        layout    overhead   note
//	3 × 1                RS(2,1)   1.5        the default cluster
//	3 × 2                RS(4,2)   1.5
//	4 × 1                RS(3,1)   1.33
//	2 × 2                RS(2,2)   2          half the shards sit in each zone
//	2 × 1                RS(1,1)   2          a mirror
//	zones of 2, 2, 1     RS(3,2)   1.67
//	zones of 3, 1        RS(1,3)   4          the lone node must hold a whole copy
//	3 × 6 (18 nodes)     RS(10,5)  1.5        n < 16 when that lowers the overhead
//	1 × 3 (one zone)     RS(2,1)   1.5        Warning: a zone loss loses data
//	1 × 1                RS(1,0)   1          Warning: no redundancy at all
//
// With more than 16 nodes each object goes to n of them chosen by
// rendezvous hashing, and n is the count up to 16 with the least overhead
// (ties to more shards). With a single zone the zone rule cannot hold; the
// nodes become the failure domains (M = 1, any one node may be lost) and
// Topology.Warning says so. NewWithLayout takes K and M from the operator
// and refuses them when the zone sizes cannot keep every zone at M shards
// or fewer.
//
// # Placing an object
//
// Place is weighted rendezvous (highest random weight) hashing of
// bucket + "/" + key, one shard at a time: for shard i every node not yet
// chosen, in a zone that holds fewer than M shards of the object, scores
// -w/ln(u), with u a 64-bit hash of the object name, i and the node ID
// mapped into (0,1); the highest score takes the shard. The scores depend
// only on node IDs and weights, so the result does not depend on the order
// of Nodes. Adding a node changes only the placements in which it wins a
// shard, and scoring each shard on its own (rather than ranking the nodes
// once and numbering shards by rank) keeps the other shards of such an
// object mostly where they were: adding a seventh node to 3 zones × 2 with
// RS(2,1) moves 17% of shards against an ideal 14%, and a 19th node to
// 3 zones × 6 with RS(10,5) 12% against 5% (ranking moved 33%). Weights
// are exact for the first shard; an object cannot put two shards on one
// node, which flattens the shares of heavy nodes somewhat. The hashes are
// part of the stored format: changing them moves every object.
//
// # Quorums
//
// A read needs K intact shards. A write needs K acknowledgements, K+1 when
// K == M, so that any write quorum and any read quorum share a node and a
// client reads its own writes through any gateway. Records kept on every
// node (buckets, their configuration, IAM, multipart uploads) need a
// majority of all nodes.
//
// # Node health
//
// Health turns the outcomes of requests into a state per node: one
// failure makes a node suspect, failures for DownAfter (3s) or 3 in a row
// make it down, any success makes it up. A down node is offered one probe
// request (Allow) RetryAfter (2s) after its last failure, so a dead node
// costs requests nothing and a node that comes back is used again within
// seconds.
package placement
