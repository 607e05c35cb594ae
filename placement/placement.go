package placement

// Node is one storage node of the topology.
type Node struct {
	ID     string
	Zone   string
	Weight float64 // relative share of objects; 0 means 1
}

// The following are implemented in the rest of the package:
//
//	type Topology struct { Nodes []Node; K, M int; ... }
//	func New(nodes []Node) (*Topology, error)            // picks K and M by the zone rule
//	func NewWithLayout(nodes []Node, k, m int) (*Topology, error)
//	func (t *Topology) Place(bucket, key string) []int    // node indexes, len K+M; shard i goes to Nodes[Place[i]]
//	func (t *Topology) WriteQuorum() int                  // K, or K+1 when K == M
//	func (t *Topology) ReadQuorum() int                   // K
//	func (t *Topology) MetaQuorum() int                   // majority of all nodes, for records kept on every node
