package objectlayer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zones3/zones3/erasure"
	"github.com/zones3/zones3/storage"
)

// repairCluster is a test cluster whose scanner runs only when a test
// asks for a heal.
func repairCluster(t testing.TB, o clusterOptions) *testCluster {
	t.Helper()
	if o.layer.ScanInterval == 0 {
		o.layer.ScanInterval = -1
	}
	return newTestCluster(t, o)
}

// runHeal runs a full pass and returns it once finished.
func runHeal(t testing.TB, l *Layer) PassStatus {
	t.Helper()
	p, err := l.StartHeal()
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		for _, ps := range l.RepairStatus(context.Background()).Passes {
			if ps.ID == p.ID && ps.State != PassWaiting && ps.State != PassRunning {
				t.Logf("pass %d: %s, %d objects, %d repaired, %d records, %d shards rebuilt, %d missing, %d bitrot, %d orphans, %d tombstones, %d unrepaired %v",
					ps.ID, ps.State, ps.ObjectsScanned, ps.ObjectsRepaired, ps.RecordsRepaired, ps.ShardsRebuilt,
					ps.MissingFound, ps.BitrotFound, ps.OrphansRemoved, ps.TombstonesRemoved, ps.Unrepaired, ps.Problems)
				return ps
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("pass %d did not finish", p.ID)
	return PassStatus{}
}

func mustHeal(t testing.TB, l *Layer) PassStatus {
	t.Helper()
	ps := runHeal(t, l)
	if !ps.Complete() {
		t.Fatalf("heal did not complete: %+v", ps)
	}
	return ps
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// recordOn reads the object record of bucket/key on node i.
func recordOn(c *testCluster, i int, bucket, key string) (*objectRecord, error) {
	v, err := c.locals[i].Get(context.Background(), objectKey(bucket, key))
	if err != nil {
		return nil, err
	}
	return decodeObjectRecord(v)
}

// nodeHolds checks, without the layer, that node i holds the newest
// version of bucket/key in full: its record, with its own shard index,
// and a shard whose every block checksum holds.
func nodeHolds(c *testCluster, i int, bucket, key string) error {
	ctx := context.Background()
	var newest *objectRecord
	for j := range c.locals {
		if r, err := recordOn(c, j, bucket, key); err == nil && (newest == nil || newerThan(r, newest)) {
			newest = r
		}
	}
	if newest == nil {
		return errors.New("no node has a record")
	}
	r, err := recordOn(c, i, bucket, key)
	if err != nil {
		return fmt.Errorf("node %d: record: %w", i, err)
	}
	if !sameRecord(r, newest) {
		return fmt.Errorf("node %d holds version %d, newest is %d", i, r.hlc, newest.hlc)
	}
	if r.tombstone {
		return nil
	}
	slot := -1
	for j, n := range c.topo.Place(bucket, key) {
		if n == i {
			slot = j
		}
	}
	if r.shard != slot {
		return fmt.Errorf("node %d: shard index %d, want %d", i, r.shard, slot)
	}
	if r.inline {
		return erasure.Verify(bytes.NewReader(r.data), r.layout, r.size)
	}
	if _, err := c.locals[i].Get(ctx, listKey(bucket, key)); err != nil {
		return fmt.Errorf("node %d: list entry: %w", i, err)
	}
	for _, d := range r.dataIDs() {
		rc, err := c.locals[i].ReadShard(ctx, shardName(d.id, slot), 0, -1)
		if err != nil {
			return fmt.Errorf("node %d: %s: %w", i, d, err)
		}
		err = erasure.Verify(rc, r.layout, d.size)
		rc.Close()
		if err != nil {
			return fmt.Errorf("node %d: %s: %w", i, d, err)
		}
	}
	return nil
}

// shardFilePath is the path of the shard file of bucket/key's current
// version (of part partIndex, or the only data) on node i.
func shardFilePath(t testing.TB, c *testCluster, i int, bucket, key string, partIndex int) string {
	t.Helper()
	r, err := recordOn(c, i, bucket, key)
	if err != nil {
		t.Fatalf("record on node %d: %v", i, err)
	}
	name := shardName(r.dataIDs()[partIndex].id, r.shard)
	paths, err := globShards(c.locals[i].Dir())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if filepath.Base(p) == name {
			return p
		}
	}
	t.Fatalf("node %d has no file %s", i, name)
	return ""
}

// wipeNode replaces node i's data folder with an empty one, as a
// replaced disk.
func wipeNode(t testing.TB, c *testCluster, i int) {
	t.Helper()
	dir := c.locals[i].Dir()
	if err := c.locals[i].Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	l, err := storage.OpenLocal(dir, storage.LocalOptions{ID: c.locals[i].ID(), Zone: "zone", Logger: c.layer.log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	c.locals[i] = l
	c.nodes[i].Node = l
}

// checkAllReadable reads every object back byte for byte.
func checkAllReadable(t *testing.T, l *Layer, bucket string, objects map[string][]byte) {
	t.Helper()
	for key, data := range objects {
		if got := mustGet(t, l, bucket, key, 0, -1); !bytes.Equal(got, data) {
			t.Fatalf("get %s: %d bytes, want %d, or contents differ", key, len(got), len(data))
		}
	}
}

func TestHealRestoresDeletedShardFile(t *testing.T) {
	for _, remote := range []bool{false, true} {
		t.Run(fmt.Sprintf("remote=%v", remote), func(t *testing.T) {
			c := repairCluster(t, clusterOptions{remote: remote})
			mustMakeBucket(t, c.layer, "b")
			data := randomBytes(1, 3<<20+17)
			mustPut(t, c.layer, "b", "k", data)
			path := shardFilePath(t, c, 1, "b", "k", 0)
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if err := nodeHolds(c, 1, "b", "k"); err == nil {
				t.Fatal("node 1 holds the object with its shard file deleted")
			}
			ps := mustHeal(t, c.layer)
			if ps.ShardsRebuilt != 1 || ps.MissingFound != 1 || ps.ObjectsRepaired != 1 {
				t.Errorf("pass rebuilt %d shards, found %d missing, repaired %d objects; want 1 each", ps.ShardsRebuilt, ps.MissingFound, ps.ObjectsRepaired)
			}
			for i := range c.locals {
				if err := nodeHolds(c, i, "b", "k"); err != nil {
					t.Error(err)
				}
			}
			// Redundancy is back: any one node may go.
			for down := range c.nodes {
				c.setDown(down, true)
				checkObject(t, c.layer, "b", "k", data)
				c.setDown(down, false)
			}
			// A second pass finds nothing to do.
			if ps := mustHeal(t, c.layer); ps.ShardsRebuilt != 0 || ps.ObjectsRepaired != 0 {
				t.Errorf("second pass repaired %d objects", ps.ObjectsRepaired)
			}
		})
	}
}

func TestHealFindsBitrot(t *testing.T) {
	c := repairCluster(t, clusterOptions{})
	mustMakeBucket(t, c.layer, "b")
	data := randomBytes(2, 2<<20+5)
	mustPut(t, c.layer, "b", "k", data)
	path := shardFilePath(t, c, 0, "b", "k", 0)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	corruptFile(t, path, int64(len(orig)/2))
	ps := mustHeal(t, c.layer)
	if ps.BitrotFound != 1 || ps.ShardsRebuilt != 1 {
		t.Errorf("pass found %d corrupt shards and rebuilt %d; want 1 and 1", ps.BitrotFound, ps.ShardsRebuilt)
	}
	if ps.BytesVerified < int64(2*len(orig)) {
		t.Errorf("pass verified %d bytes, want at least the %d of the two intact shards", ps.BytesVerified, 2*len(orig))
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, orig) {
		t.Errorf("rebuilt shard file differs from the original (%v)", err)
	}
	for i := range c.nodes {
		c.setDown(i, true)
		checkObject(t, c.layer, "b", "k", data)
		c.setDown(i, false)
	}
}

// TestReadQueuesRepairOfCorruptShard: a GET that meets a corrupt shard
// serves the right bytes from parity and has the shard repaired without
// waiting for a pass.
func TestReadQueuesRepairOfCorruptShard(t *testing.T) {
	c := repairCluster(t, clusterOptions{})
	mustMakeBucket(t, c.layer, "b")
	data := randomBytes(3, 3<<20)
	mustPut(t, c.layer, "b", "k", data)
	placed := c.topo.Place("b", "k")
	dataNode := placed[0] // a data shard: the read uses it
	path := shardFilePath(t, c, dataNode, "b", "k", 0)
	orig, _ := os.ReadFile(path)
	corruptFile(t, path, 100)
	if got := mustGet(t, c.layer, "b", "k", 0, -1); !bytes.Equal(got, data) {
		t.Fatal("GET with a corrupt shard served wrong bytes")
	}
	waitFor(t, 30*time.Second, "queued repair of the corrupt shard", func() error {
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, orig) {
			return errors.New("shard file not repaired yet")
		}
		return nil
	})
	waitFor(t, 10*time.Second, "queue drained", func() error {
		if objects, _, _, _ := c.layer.rep.queue.counts(); objects != 0 {
			return fmt.Errorf("%d objects queued", objects)
		}
		return nil
	})
}

// TestHealRefillsWipedNode replaces a node's data folder with an empty
// one: the heal writes back every bucket record, object record and shard
// (inline, single-part, multipart, empty), and then the cluster survives
// losing another node.
func TestHealRefillsWipedNode(t *testing.T) {
	c := repairCluster(t, clusterOptions{})
	ctx := context.Background()
	mustMakeBucket(t, c.layer, "b")
	mustMakeBucket(t, c.layer, "other")
	objects := map[string][]byte{}
	for i, size := range []int{0, 1, 4 << 10, 100 << 10, 200 << 10, 1 << 20, 3<<20 + 1} {
		key := fmt.Sprintf("obj-%d", i)
		objects[key] = randomBytes(uint64(10+i), size)
		mustPut(t, c.layer, "b", key, objects[key])
	}
	// A streamed object of unknown size (shard files even when small).
	objects["streamed"] = randomBytes(30, 50<<10)
	if _, err := c.layer.PutObject(ctx, "b", "streamed", bytes.NewReader(objects["streamed"]), PutOptions{Size: -1, Seal: putOpts(objects["streamed"]).Seal}); err != nil {
		t.Fatal(err)
	}
	mp := putMultipart(t, c.layer, "b", "multi", 3)
	objects["multi"] = mp
	mustPut(t, c.layer, "b", "deleted", []byte("gone"))
	if err := c.layer.DeleteObject(ctx, "b", "deleted"); err != nil {
		t.Fatal(err)
	}

	wipeNode(t, c, 2)
	ps := mustHeal(t, c.layer)
	if ps.ShardsRebuilt == 0 || ps.RecordsRepaired < int64(len(objects)) {
		t.Errorf("pass rebuilt %d shards and wrote %d records for %d objects", ps.ShardsRebuilt, ps.RecordsRepaired, len(objects))
	}
	for key := range objects {
		if err := nodeHolds(c, 2, "b", key); err != nil {
			t.Errorf("%s: %v", key, err)
		}
	}
	for _, b := range []string{"b", "other"} {
		if _, err := c.locals[2].Get(ctx, bucketKey(b)); err != nil {
			t.Errorf("bucket record %s not restored: %v", b, err)
		}
	}
	if r, err := recordOn(c, 2, "b", "deleted"); err != nil || !r.tombstone {
		t.Errorf("tombstone of a deleted object not restored: %v", err)
	}
	// Every object now survives the loss of any other node.
	for down := range 2 {
		c.setDown(down, true)
		checkAllReadable(t, c.layer, "b", objects)
		if _, err := c.layer.GetBucket(ctx, "other"); err != nil {
			t.Errorf("bucket with node %d down: %v", down, err)
		}
		res, err := c.layer.ListObjects(ctx, "b", ListOptions{MaxKeys: 1000})
		if err != nil || len(res.Objects) != len(objects) {
			t.Errorf("list with node %d down: %d objects, %v; want %d", down, len(res.Objects), err, len(objects))
		}
		c.setDown(down, false)
	}
}

// putMultipart uploads parts parts (5 MiB but the last) and returns the
// object's bytes.
func putMultipart(t testing.TB, l *Layer, bucket, key string, parts int) []byte {
	t.Helper()
	ctx := context.Background()
	id, err := l.NewMultipartUpload(ctx, bucket, key, Upload{})
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	var cps []CompletePart
	for p := 1; p <= parts; p++ {
		size := MinPartSize
		if p == parts {
			size = 300 << 10
		}
		data := randomBytes(uint64(1000+p), size)
		info := mustPutPart(t, l, bucket, key, id, p, data)
		cps = append(cps, CompletePart{PartNumber: p, ETag: info.ETag})
		all = append(all, data...)
	}
	if _, err := l.CompleteMultipartUpload(ctx, bucket, key, id, cps); err != nil {
		t.Fatal(err)
	}
	return all
}

func TestHealMultipartPart(t *testing.T) {
	c := repairCluster(t, clusterOptions{})
	mustMakeBucket(t, c.layer, "b")
	data := putMultipart(t, c.layer, "b", "m", 2)
	if err := os.Remove(shardFilePath(t, c, 0, "b", "m", 1)); err != nil {
		t.Fatal(err)
	}
	corruptFile(t, shardFilePath(t, c, 1, "b", "m", 0), 1<<20)
	ps := mustHeal(t, c.layer)
	if ps.ShardsRebuilt != 2 || ps.BitrotFound != 1 || ps.MissingFound != 1 {
		t.Errorf("pass rebuilt %d shards, %d corrupt, %d missing; want 2, 1, 1", ps.ShardsRebuilt, ps.BitrotFound, ps.MissingFound)
	}
	for i := range c.nodes {
		if err := nodeHolds(c, i, "b", "m"); err != nil {
			t.Error(err)
		}
		c.setDown(i, true)
		checkPartObject(t, c.layer, "b", "m", data)
		c.setDown(i, false)
	}
}

// TestHealInlineRecords restores an inline object's record deleted from a
// node, and one whose inline shard rotted.
func TestHealInlineRecords(t *testing.T) {
	c := repairCluster(t, clusterOptions{})
	ctx := context.Background()
	mustMakeBucket(t, c.layer, "b")
	small := randomBytes(5, 20<<10)
	mustPut(t, c.layer, "b", "lost", small)
	mustPut(t, c.layer, "b", "rotten", small)
	mustApply(t, c.locals[0], storage.Op{Kind: storage.OpDelete, Key: objectKey("b", "lost")})
	r, err := recordOn(c, 1, "b", "rotten")
	if err != nil {
		t.Fatal(err)
	}
	r.data = bytes.Clone(r.data)
	r.data[len(r.data)/2] ^= 1
	mustApply(t, c.locals[1], storage.Op{Kind: storage.OpPut, Key: objectKey("b", "rotten"), Value: r.marshal()})
	if err := nodeHolds(c, 1, "b", "rotten"); err == nil {
		t.Fatal("rotten inline shard verifies")
	}
	ps := mustHeal(t, c.layer)
	if ps.ShardsRebuilt != 2 || ps.BitrotFound != 1 {
		t.Errorf("pass rebuilt %d inline shards and found %d corrupt; want 2 and 1", ps.ShardsRebuilt, ps.BitrotFound)
	}
	for i := range c.nodes {
		for _, key := range []string{"lost", "rotten"} {
			if err := nodeHolds(c, i, "b", key); err != nil {
				t.Errorf("%s: %v", key, err)
			}
		}
		c.setDown(i, true)
		checkObject(t, c.layer, "b", "lost", small)
		checkObject(t, c.layer, "b", "rotten", small)
		c.setDown(i, false)
	}
	_ = ctx
}

func mustApply(t testing.TB, n storage.Node, ops ...storage.Op) {
	t.Helper()
	if _, err := n.Apply(context.Background(), storage.Batch{Ops: ops}); err != nil {
		t.Fatal(err)
	}
}

// TestWriteWithNodeDownIsRepaired: a PUT and a DELETE that reach a quorum
// but miss a node are queued, persisted, and repaired once the node is
// back, without a pass.
func TestWriteWithNodeDownIsRepaired(t *testing.T) {
	c := repairCluster(t, clusterOptions{})
	ctx := context.Background()
	mustMakeBucket(t, c.layer, "b")
	mustPut(t, c.layer, "b", "to-delete", randomBytes(6, 1<<20))
	c.setDown(2, true)
	large := randomBytes(7, 2<<20+3)
	small := randomBytes(8, 1000)
	mustPut(t, c.layer, "b", "large", large)
	mustPut(t, c.layer, "b", "small", small)
	if err := c.layer.DeleteObject(ctx, "b", "to-delete"); err != nil {
		t.Fatal(err)
	}
	// The queue persists its entries on the nodes that are up.
	waitFor(t, 10*time.Second, "repair entries persisted", func() error {
		for _, key := range []string{"large", "small", "to-delete"} {
			if _, err := c.locals[0].Get(ctx, repairKey(objectKey("b", key))); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
		}
		return nil
	})
	if st := c.layer.RepairStatus(ctx); st.QueueObjects != 3 || st.QueueShards != 3 {
		t.Errorf("status: %d objects, %d shards queued; want 3 and 3", st.QueueObjects, st.QueueShards)
	}
	c.setDown(2, false)
	waitFor(t, 30*time.Second, "node 2 repaired", func() error {
		for _, key := range []string{"large", "small", "to-delete"} {
			if err := nodeHolds(c, 2, "b", key); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
		}
		return nil
	})
	waitFor(t, 10*time.Second, "repair entries removed", func() error {
		for i := range c.locals {
			kvs, err := c.locals[i].Scan(ctx, storage.ScanRange{Start: []byte(prefixRepair), End: prefixEnd([]byte(prefixRepair))})
			if err != nil || len(kvs) > 0 {
				return fmt.Errorf("node %d holds %d entries (%v)", i, len(kvs), err)
			}
		}
		return nil
	})
	// The old version's shard file on node 2 went with the tombstone.
	if r, err := recordOn(c, 2, "b", "to-delete"); err != nil || !r.tombstone {
		t.Errorf("node 2 record of the deleted object: %v", err)
	}
	for i := range 2 {
		c.setDown(i, true)
		checkObject(t, c.layer, "b", "large", large)
		checkObject(t, c.layer, "b", "small", small)
		c.setDown(i, false)
	}
}

// TestRepairQueueSurvivesRestart: the entries a gateway persisted are
// repaired by the next gateway over the same nodes.
func TestRepairQueueSurvivesRestart(t *testing.T) {
	c := repairCluster(t, clusterOptions{})
	ctx := context.Background()
	mustMakeBucket(t, c.layer, "b")
	c.setDown(1, true)
	data := randomBytes(9, 1<<20+1)
	mustPut(t, c.layer, "b", "k", data)
	waitFor(t, 10*time.Second, "repair entry persisted", func() error {
		_, err := c.locals[0].Get(ctx, repairKey(objectKey("b", "k")))
		return err
	})
	c.layer.Close()
	c.setDown(1, false)
	nodes := make([]storage.Node, len(c.nodes))
	for i, n := range c.nodes {
		nodes[i] = n
	}
	l, err := New(nodes, c.topo, Options{Logger: c.layer.log, ProbeInterval: -1, RepairOptions: RepairOptions{ScanInterval: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	waitFor(t, 30*time.Second, "repaired by the new gateway", func() error { return nodeHolds(c, 1, "b", "k") })
	c.layer = l
	c.setDown(0, true)
	checkObject(t, l, "b", "k", data)
}

// TestHealReportsNodeDown: a heal with a node down cannot finish, and
// says which node.
func TestHealReportsNodeDown(t *testing.T) {
	c := repairCluster(t, clusterOptions{})
	mustMakeBucket(t, c.layer, "b")
	mustPut(t, c.layer, "b", "k", randomBytes(10, 1<<20))
	c.setDown(1, true)
	ps := runHeal(t, c.layer)
	if ps.Complete() || ps.Unrepaired != 1 {
		t.Fatalf("heal with a node down: complete %v, %d unrepaired; want 1", ps.Complete(), ps.Unrepaired)
	}
	if !strings.Contains(strings.Join(ps.Problems, "\n"), "node1") {
		t.Errorf("problems do not name node1: %q", ps.Problems)
	}
}

// TestCollectOrphanShards: shard files no record refers to go once older
// than the grace period; referenced ones, young ones and the parts of an
// upload in progress stay.
func TestCollectOrphanShards(t *testing.T) {
	c := repairCluster(t, clusterOptions{layer: Options{RepairOptions: RepairOptions{GCGrace: time.Hour}}})
	ctx := context.Background()
	mustMakeBucket(t, c.layer, "b")
	data := randomBytes(11, 2<<20)
	mustPut(t, c.layer, "b", "k", data)
	id, err := c.layer.NewMultipartUpload(ctx, "b", "upload", Upload{})
	if err != nil {
		t.Fatal(err)
	}
	mustPutPart(t, c.layer, "b", "upload", id, 1, randomBytes(12, 1<<20))

	n := c.locals[0]
	for _, name := range []string{"orphan-old.0", "orphan-young.0"} {
		if _, err := n.CreateShard(ctx, name, strings.NewReader("garbage")); err != nil {
			t.Fatal(err)
		}
		mustApply(t, n, storage.Op{Kind: storage.OpCommitShard, Name: name})
	}
	old := time.Now().Add(-2 * time.Hour)
	paths, _ := globShards(n.Dir())
	for _, p := range paths {
		if filepath.Base(p) != "orphan-young.0" {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	ps := mustHeal(t, c.layer)
	if ps.OrphansRemoved != 1 {
		t.Errorf("pass removed %d orphans, want 1", ps.OrphansRemoved)
	}
	infos, err := n.StatShards(ctx, []string{"orphan-old.0", "orphan-young.0"})
	if err != nil {
		t.Fatal(err)
	}
	if infos[0].Size != -1 || infos[1].Size < 0 {
		t.Errorf("old orphan size %d (want gone), young orphan size %d (want kept)", infos[0].Size, infos[1].Size)
	}
	checkObject(t, c.layer, "b", "k", data)
	if err := nodeHolds(c, 0, "b", "k"); err != nil {
		t.Error(err)
	}
	res, err := c.layer.ListParts(ctx, "b", "upload", id, 0, 0)
	if err != nil || len(res.Parts) != 1 {
		t.Fatalf("list parts: %v, %v", res.Parts, err)
	}
	// The part's shard files survived: the upload completes and reads
	// back from any two nodes.
	if _, err := c.layer.CompleteMultipartUpload(ctx, "b", "upload", id, []CompletePart{{PartNumber: 1, ETag: res.Parts[0].ETag}}); err != nil {
		t.Fatal(err)
	}
	for i := range c.nodes {
		if err := nodeHolds(c, i, "b", "upload"); err != nil {
			t.Errorf("part's shard after the pass: %v", err)
		}
	}
}

// TestCollectTombstones: a delete that missed a node is completed, and
// its tombstones are removed once every node holds them; the object does
// not come back.
func TestCollectTombstones(t *testing.T) {
	c := repairCluster(t, clusterOptions{layer: Options{RepairOptions: RepairOptions{GCGrace: 50 * time.Millisecond}}})
	ctx := context.Background()
	mustMakeBucket(t, c.layer, "b")
	mustPut(t, c.layer, "b", "k", randomBytes(13, 1<<20))
	c.setDown(2, true)
	if err := c.layer.DeleteObject(ctx, "b", "k"); err != nil {
		t.Fatal(err)
	}
	c.setDown(2, false)
	time.Sleep(100 * time.Millisecond)
	// The tombstone reaches node 2 (queue or pass) and goes once every
	// node held it: within two passes.
	removed := mustHeal(t, c.layer).TombstonesRemoved
	removed += mustHeal(t, c.layer).TombstonesRemoved
	if removed != 1 {
		t.Errorf("passes removed %d tombstones, want 1", removed)
	}
	for i := range c.locals {
		if _, err := recordOn(c, i, "b", "k"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("node %d still has a record: %v", i, err)
		}
	}
	if _, err := c.layer.StatObject(ctx, "b", "k"); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("stat after the tombstones went: %v", err)
	}
	paths, _ := globShards(c.locals[2].Dir())
	if len(paths) != 0 {
		t.Errorf("node 2 kept %d shard files of the deleted object", len(paths))
	}
}

// TestFailedWriteRecordReplaced: a node holding the record of a newer
// write that never reached a quorum gets the current version back once
// that record is older than the grace period.
func TestFailedWriteRecordReplaced(t *testing.T) {
	c := repairCluster(t, clusterOptions{layer: Options{RepairOptions: RepairOptions{GCGrace: 50 * time.Millisecond}}})
	mustMakeBucket(t, c.layer, "b")
	data := randomBytes(14, 10<<10)
	mustPut(t, c.layer, "b", "k", data)
	r, err := recordOn(c, 0, "b", "k")
	if err != nil {
		t.Fatal(err)
	}
	failed := *r
	failed.hlc = r.hlc + 1000
	failed.versionID = "failed-write"
	mustApply(t, c.locals[0], storage.Op{Kind: storage.OpPutIfNewer, Key: objectKey("b", "k"), Value: failed.marshal(), HLC: failed.hlc})
	time.Sleep(100 * time.Millisecond)
	mustHeal(t, c.layer)
	for i := range c.nodes {
		if err := nodeHolds(c, i, "b", "k"); err != nil {
			t.Error(err)
		}
	}
	c.setDown(1, true)
	checkObject(t, c.layer, "b", "k", data)
}

func TestPassDue(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	for _, tc := range []struct {
		name             string
		st               scanState
		have             bool
		interval, bitrot time.Duration
		run, full        bool
	}{
		{"disabled", scanState{}, false, -1, time.Hour, false, false},
		{"first pass ever: presence only", scanState{}, false, time.Hour, time.Hour, true, false},
		{"recent pass", scanState{lastStart: ago(time.Minute), lastFull: ago(time.Minute)}, true, time.Hour, 24 * time.Hour, false, false},
		{"interval passed", scanState{lastStart: ago(2 * time.Hour), lastFull: ago(2 * time.Hour)}, true, time.Hour, 24 * time.Hour, true, false},
		{"bitrot due", scanState{lastStart: ago(2 * time.Hour), lastFull: ago(25 * time.Hour)}, true, time.Hour, 24 * time.Hour, true, true},
		{"bitrot due but a pass is recent", scanState{lastStart: ago(time.Minute), lastFull: ago(25 * time.Hour)}, true, time.Hour, 24 * time.Hour, false, false},
		{"bitrot off", scanState{lastStart: ago(2 * time.Hour)}, true, time.Hour, -1, true, false},
	} {
		run, full := passDue(now, tc.st, tc.have, tc.interval, tc.bitrot)
		if run != tc.run || full != tc.full {
			t.Errorf("%s: run %v full %v, want %v %v", tc.name, run, full, tc.run, tc.full)
		}
	}
}

func TestScanStateRoundTrip(t *testing.T) {
	st := scanState{hlc: 42, lastStart: time.Unix(100, 0), lastFull: time.Unix(50, 0)}
	got, err := decodeScanState(st.marshal())
	if err != nil || got != st {
		t.Errorf("decode = %+v, %v; want %+v", got, err, st)
	}
	if _, err := decodeScanState([]byte("short")); err == nil {
		t.Error("decoded a short value")
	}
}

func TestRepairEntryRoundTrip(t *testing.T) {
	e, ok := decodeRepairEntry(encodeRepairEntry(7, 2, true, "why"))
	if !ok || e != (repairEntry{hlc: 7, shards: 2, verify: true, reason: "why"}) {
		t.Errorf("decode = %+v, %v", e, ok)
	}
}

func TestBloomHasWhatWasAdded(t *testing.T) {
	b := newBloom(10000)
	for i := range 10000 {
		b.add(fmt.Sprintf("%032x.%d", i, i%3))
	}
	for i := range 10000 {
		if !b.has(fmt.Sprintf("%032x.%d", i, i%3)) {
			t.Fatalf("added name %d not found", i)
		}
	}
	fp := 0
	for i := range 10000 {
		if b.has(fmt.Sprintf("absent-%d", i)) {
			fp++
		}
	}
	if fp > 300 {
		t.Errorf("%d false positives in 10000, want about 1%%", fp)
	}
}

func TestRepairMetrics(t *testing.T) {
	c := repairCluster(t, clusterOptions{})
	mustMakeBucket(t, c.layer, "b")
	mustPut(t, c.layer, "b", "k", randomBytes(15, 1<<20))
	if err := os.Remove(shardFilePath(t, c, 2, "b", "k", 0)); err != nil {
		t.Fatal(err)
	}
	mustHeal(t, c.layer)
	var buf bytes.Buffer
	c.layer.WriteRepairMetrics(&buf)
	text := buf.String()
	for _, line := range []string{
		"zones3_repair_queue_objects 0",
		"zones3_repair_shards_healed_total 1",
		"zones3_repair_missing_found_total 1",
		"zones3_scan_running 0",
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("metrics lack %q:\n%s", line, text)
		}
	}
	if strings.Contains(text, "zones3_scan_last_complete_timestamp_seconds 0\n") {
		t.Error("last complete pass time not set")
	}
}

// TestHealLeavesVersionWithoutQuorum: a record whose version no write
// quorum holds (a failed write, or an object that lost too many shards)
// is reported and left alone: a node that lost its disk may come back.
func TestHealLeavesVersionWithoutQuorum(t *testing.T) {
	c := repairCluster(t, clusterOptions{layer: Options{RepairOptions: RepairOptions{GCGrace: 50 * time.Millisecond}}})
	mustMakeBucket(t, c.layer, "b")
	mustPut(t, c.layer, "b", "k", randomBytes(16, 10<<10))
	for i := 1; i < 3; i++ {
		mustApply(t, c.locals[i], storage.Op{Kind: storage.OpDelete, Key: objectKey("b", "k")})
	}
	time.Sleep(100 * time.Millisecond)
	ps := runHeal(t, c.layer)
	if ps.Complete() || ps.Unrepaired != 1 || !strings.Contains(strings.Join(ps.Problems, "\n"), "no version has a write quorum") {
		t.Errorf("pass: complete %v, %d unrepaired, problems %q", ps.Complete(), ps.Unrepaired, ps.Problems)
	}
	if _, err := recordOn(c, 0, "b", "k"); err != nil {
		t.Errorf("the last record was removed: %v", err)
	}
}

// TestHealKeepsAndRepairsVersions: the scanner counts the shard files of
// noncurrent versions as referenced (garbage collection must not take
// them) and rebuilds a noncurrent version's lost shard.
func TestHealKeepsAndRepairsVersions(t *testing.T) {
	c := repairCluster(t, clusterOptions{layer: Options{RepairOptions: RepairOptions{GCGrace: time.Millisecond}}})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	// A version from before versioning, then versions with IDs.
	old := randomBytes(30, 300<<10)
	mustPut(t, l, "b", "k", old)
	mustSetVersioning(t, l, "b", VersioningEnabled)
	datas := [][]byte{randomBytes(31, 400<<10), randomBytes(32, 500<<10)}
	var ids []string
	for _, d := range datas {
		ids = append(ids, mustPut(t, l, "b", "k", d).VersionID)
	}
	if _, err := l.DeleteObjectVersion(ctx, "b", "k", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	files, _ := c.shardFiles(t)
	time.Sleep(10 * time.Millisecond) // past the grace period
	if ps := mustHeal(t, l); ps.OrphansRemoved != 0 {
		t.Fatalf("heal removed %d shard files of live versions", ps.OrphansRemoved)
	}
	if after, _ := c.shardFiles(t); len(after) != len(files) {
		t.Fatalf("%d shard files after heal, %d before", len(after), len(files))
	}
	// Lose one shard file of the oldest versioned version on node 0.
	paths, err := globShards(c.locals[0].Dir())
	if err != nil || len(paths) != 3 {
		t.Fatalf("node 0 holds %d shard files (%v), want 3", len(paths), err)
	}
	victim := paths[0]
	if err := os.Remove(victim); err != nil {
		t.Fatal(err)
	}
	if ps := mustHeal(t, l); ps.ShardsRebuilt != 1 {
		t.Errorf("heal rebuilt %d shards, want 1", ps.ShardsRebuilt)
	}
	if after, _ := c.shardFiles(t); len(after) != len(files) {
		t.Fatalf("%d shard files after the repair, want %d", len(after), len(files))
	}
	// Every version reads back with any one node down.
	for down := range c.nodes {
		c.setDown(down, true)
		if got := mustGetVersion(t, l, "b", "k", NullVersionID); !bytes.Equal(got, old) {
			t.Errorf("node %d down: null version differs", down)
		}
		for i, id := range ids {
			if got := mustGetVersion(t, l, "b", "k", id); !bytes.Equal(got, datas[i]) {
				t.Errorf("node %d down: version %d differs", down, i)
			}
		}
		c.setDown(down, false)
	}
}

// TestReadWithNodeDownQueuesNothing: a shard missing because its node is
// down is whole on that node; reads do not queue it, a deleted file does.
func TestReadWithNodeDownQueuesNothing(t *testing.T) {
	c := repairCluster(t, clusterOptions{})
	mustMakeBucket(t, c.layer, "b")
	data := randomBytes(17, 2<<20)
	mustPut(t, c.layer, "b", "k", data)
	dataNode := c.topo.Place("b", "k")[0]
	c.setDown(dataNode, true)
	for range 5 {
		if got := mustGet(t, c.layer, "b", "k", 0, -1); !bytes.Equal(got, data) {
			t.Fatal("wrong bytes with a node down")
		}
	}
	if objects, _, _, _ := c.layer.rep.queue.counts(); objects != 0 {
		t.Errorf("reads with a node down queued %d objects", objects)
	}
	c.setDown(dataNode, false)
	if err := os.Remove(shardFilePath(t, c, dataNode, "b", "k", 0)); err != nil {
		t.Fatal(err)
	}
	mustGet(t, c.layer, "b", "k", 0, -1)
	waitFor(t, 30*time.Second, "deleted shard file repaired after a read", func() error { return nodeHolds(c, dataNode, "b", "k") })
}
