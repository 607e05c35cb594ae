package objectlayer

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/zones3/zones3/gateway/checksum"
)

// sealOpts returns PutOptions whose Seal returns data's MD5 and its
// checksums of algs.
func sealOpts(data []byte, algs ...checksum.Algorithm) PutOptions {
	return PutOptions{
		Size: int64(len(data)),
		Seal: func() (string, map[string]string, error) {
			sums := map[string]string{}
			for _, a := range algs {
				h := a.New()
				h.Write(data)
				sums[string(a)] = checksum.EncodeDigest(h.Sum(nil))
			}
			return md5Hex(data), sums, nil
		},
	}
}

func mustPutPart(t testing.TB, l *Layer, bucket, key, id string, num int, data []byte, algs ...checksum.Algorithm) PartInfo {
	t.Helper()
	p, err := l.PutObjectPart(context.Background(), bucket, key, id, num, bytes.NewReader(data), sealOpts(data, algs...))
	if err != nil {
		t.Fatalf("put part %d: %v", num, err)
	}
	if p.PartNumber != num || p.Size != int64(len(data)) || p.ETag != md5Hex(data) {
		t.Fatalf("part info %+v", p)
	}
	return p
}

func multipartETag(parts ...[]byte) string {
	var md5s []byte
	for _, p := range parts {
		sum := md5.Sum(p)
		md5s = append(md5s, sum[:]...)
	}
	sum := md5.Sum(md5s)
	return hex.EncodeToString(sum[:]) + "-" + strconv.Itoa(len(parts))
}

func TestMultipartUpload(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	mustPut(t, l, "b", "k", randomBytes(1, 2<<20)) // replaced by the upload

	header := map[string]string{"Content-Type": "text/plain", "X-Amz-Meta-A": "1"}
	id, err := l.NewMultipartUpload(ctx, "b", "k", Upload{Header: header, ChecksumAlgorithm: "CRC32"})
	if err != nil {
		t.Fatal(err)
	}
	p1 := randomBytes(11, MinPartSize)
	p2 := randomBytes(12, MinPartSize+3)
	p3 := randomBytes(13, 1<<20+7)
	unused := randomBytes(14, 1000)
	mustPutPart(t, l, "b", "k", id, 1, p1, checksum.CRC32)
	mustPutPart(t, l, "b", "k", id, 2, randomBytes(99, 100), checksum.CRC32) // replaced below
	mustPutPart(t, l, "b", "k", id, 3, p3, checksum.CRC32)
	mustPutPart(t, l, "b", "k", id, 4, unused, checksum.CRC32)
	mustPutPart(t, l, "b", "k", id, 2, p2, checksum.CRC32)

	lp, err := l.ListParts(ctx, "b", "k", id, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(lp.Parts) != 2 || !lp.IsTruncated || lp.NextPartNumberMarker != 2 || lp.Parts[1].Size != int64(len(p2)) ||
		lp.Upload.Header["Content-Type"] != "text/plain" || lp.Upload.ChecksumAlgorithm != "CRC32" {
		t.Fatalf("list parts: %+v", lp)
	}
	lp, err = l.ListParts(ctx, "b", "k", id, 2, 0)
	if err != nil || len(lp.Parts) != 2 || lp.IsTruncated || lp.Parts[0].PartNumber != 3 {
		t.Fatalf("list parts after 2: %+v, %v", lp, err)
	}
	ups, err := l.ListMultipartUploads(ctx, "b", ListUploadsOptions{})
	if err != nil || len(ups.Uploads) != 1 || ups.Uploads[0].UploadID != id || ups.Uploads[0].Key != "k" {
		t.Fatalf("list uploads: %+v, %v", ups, err)
	}

	var cparts []CompletePart
	var digests [][]byte
	for i, p := range [][]byte{p1, p2, p3} {
		h := checksum.CRC32.New()
		h.Write(p)
		digests = append(digests, h.Sum(nil))
		cparts = append(cparts, CompletePart{PartNumber: i + 1, ETag: `"` + md5Hex(p) + `"`,
			Checksums: map[string]string{"CRC32": checksum.EncodeDigest(h.Sum(nil))}})
	}
	info, err := l.CompleteMultipartUpload(ctx, "b", "k", id, cparts)
	if err != nil {
		t.Fatal(err)
	}
	whole := bytes.Join([][]byte{p1, p2, p3}, nil)
	if info.ETag != multipartETag(p1, p2, p3) || info.Size != int64(len(whole)) || info.Parts != 3 {
		t.Fatalf("complete: %+v", info)
	}
	if want := checksum.CompositeOfParts(checksum.CRC32, digests); info.Checksums["CRC32"] != want || info.ChecksumType != "COMPOSITE" {
		t.Errorf("checksum %v %s, want %s COMPOSITE", info.Checksums, info.ChecksumType, want)
	}
	st, err := l.StatObject(ctx, "b", "k")
	if err != nil || st.ETag != info.ETag || st.Header["X-Amz-Meta-A"] != "1" || st.Parts != 3 {
		t.Fatalf("stat: %+v, %v", st, err)
	}
	if got := mustGet(t, l, "b", "k", 0, -1); !bytes.Equal(got, whole) {
		t.Fatal("multipart object reads back different")
	}
	for _, r := range [][2]int64{{MinPartSize - 10, 20}, {MinPartSize - 1, MinPartSize + 5}, {2*MinPartSize + 2, 10}, {3, -1}, {int64(len(whole)) - 1, 1}} {
		want := whole[r[0]:]
		if r[1] >= 0 {
			want = want[:r[1]]
		}
		if got := mustGet(t, l, "b", "k", r[0], r[1]); !bytes.Equal(got, want) {
			t.Fatalf("range %v differs", r)
		}
	}
	// One node down: still readable.
	c.setDown(2, true)
	if got := mustGet(t, l, "b", "k", 0, -1); !bytes.Equal(got, whole) {
		t.Fatal("multipart object reads back different with a node down")
	}
	c.setDown(2, false)

	// The upload is gone; the replaced part, the unused part and the
	// replaced object left no files.
	if _, err := l.ListParts(ctx, "b", "k", id, 0, 0); !errors.Is(err, ErrNoSuchUpload) {
		t.Errorf("list parts of a completed upload: %v", err)
	}
	if _, err := l.CompleteMultipartUpload(ctx, "b", "k", id, cparts); !errors.Is(err, ErrNoSuchUpload) {
		t.Errorf("complete again: %v", err)
	}
	ups, _ = l.ListMultipartUploads(ctx, "b", ListUploadsOptions{})
	if len(ups.Uploads) != 0 {
		t.Errorf("completed upload still listed: %+v", ups)
	}
	if files, tmp := c.shardFiles(t); len(files) != 9 || tmp != 0 {
		t.Errorf("%d shard files and %d temporary, want 9 and 0: %v", len(files), tmp, files)
	}
	res, err := l.ListObjects(ctx, "b", ListOptions{})
	if err != nil || len(res.Objects) != 1 || res.Objects[0].ETag != info.ETag || res.Objects[0].Size != info.Size {
		t.Errorf("list: %+v, %v", res, err)
	}
	// Overwritten, its parts' files go.
	mustPut(t, l, "b", "k", []byte("small"))
	if files, _ := c.shardFiles(t); len(files) != 0 {
		t.Errorf("replaced multipart object left %d shard files", len(files))
	}
}

func TestMultipartFullObjectChecksum(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	for _, alg := range []checksum.Algorithm{checksum.CRC32C, checksum.CRC64NVME} {
		id, err := l.NewMultipartUpload(ctx, "b", "k", Upload{ChecksumAlgorithm: string(alg), ChecksumType: "FULL_OBJECT"})
		if err != nil {
			t.Fatal(err)
		}
		p1, p2 := randomBytes(1, MinPartSize), randomBytes(2, 12345)
		mustPutPart(t, l, "b", "k", id, 1, p1, alg)
		mustPutPart(t, l, "b", "k", id, 2, p2, alg)
		info, err := l.CompleteMultipartUpload(ctx, "b", "k", id, []CompletePart{{PartNumber: 1, ETag: md5Hex(p1)}, {PartNumber: 2, ETag: md5Hex(p2)}})
		if err != nil {
			t.Fatal(err)
		}
		h := alg.New()
		h.Write(p1)
		h.Write(p2)
		if want := checksum.EncodeDigest(h.Sum(nil)); info.Checksums[string(alg)] != want || info.ChecksumType != "FULL_OBJECT" {
			t.Errorf("%s: %v %s, want %s FULL_OBJECT", alg, info.Checksums, info.ChecksumType, want)
		}
	}
}

func TestMultipartErrors(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	id, err := l.NewMultipartUpload(ctx, "b", "k", Upload{})
	if err != nil {
		t.Fatal(err)
	}
	big, small := randomBytes(1, MinPartSize), randomBytes(2, 100)
	mustPutPart(t, l, "b", "k", id, 1, big)
	mustPutPart(t, l, "b", "k", id, 2, small)
	mustPutPart(t, l, "b", "k", id, 3, small)
	part := func(n int, data []byte) CompletePart { return CompletePart{PartNumber: n, ETag: md5Hex(data)} }
	for _, tc := range []struct {
		parts []CompletePart
		want  error
	}{
		{nil, ErrInvalidPart},
		{[]CompletePart{part(2, small), part(1, big)}, ErrInvalidPartOrder},
		{[]CompletePart{part(1, big), part(1, big)}, ErrInvalidPartOrder},
		{[]CompletePart{part(1, big), part(5, small)}, ErrInvalidPart},
		{[]CompletePart{part(1, small)}, ErrInvalidPart},
		{[]CompletePart{part(1, big), part(2, small), part(3, small)}, ErrEntityTooSmall},
		{[]CompletePart{{PartNumber: 1, ETag: md5Hex(big), Checksums: map[string]string{"CRC32": "AAAAAA=="}}}, nil},
	} {
		_, err := l.CompleteMultipartUpload(ctx, "b", "k", id+"x", tc.parts)
		if !errors.Is(err, ErrNoSuchUpload) {
			t.Errorf("complete of an unknown upload: %v", err)
		}
		if tc.want == nil {
			continue
		}
		_, err = l.CompleteMultipartUpload(ctx, "b", "k", id, tc.parts)
		if !errors.Is(err, tc.want) {
			t.Errorf("complete %v: %v, want %v", tc.parts, err, tc.want)
		}
	}
	// A part checksum that differs from the stored one.
	id2, _ := l.NewMultipartUpload(ctx, "b", "k2", Upload{})
	mustPutPart(t, l, "b", "k2", id2, 1, small, checksum.CRC32)
	if _, err := l.CompleteMultipartUpload(ctx, "b", "k2", id2, []CompletePart{{PartNumber: 1, ETag: md5Hex(small),
		Checksums: map[string]string{"CRC32": "AAAAAA=="}}}); !errors.Is(err, ErrInvalidPart) {
		t.Errorf("complete with a wrong part checksum: %v", err)
	}
	// A single small part is a valid object.
	if _, err := l.CompleteMultipartUpload(ctx, "b", "k2", id2, []CompletePart{part(1, small)}); err != nil {
		t.Errorf("complete with one small part: %v", err)
	}
	checkPartObject(t, l, "b", "k2", small)

	if _, err := l.PutObjectPart(ctx, "b", "k", id, 0, bytes.NewReader(small), sealOpts(small)); err == nil {
		t.Error("part number 0 accepted")
	}
	if _, err := l.PutObjectPart(ctx, "b", "k", "nope", 1, bytes.NewReader(small), sealOpts(small)); !errors.Is(err, ErrNoSuchUpload) {
		t.Errorf("part of an unknown upload: %v", err)
	}
	if _, err := l.PutObjectPart(ctx, "b", "other", id, 1, bytes.NewReader(small), sealOpts(small)); !errors.Is(err, ErrNoSuchUpload) {
		t.Errorf("part of an upload of another key: %v", err)
	}
	if _, err := l.NewMultipartUpload(ctx, "nobucket", "k", Upload{}); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("upload into a missing bucket: %v", err)
	}
	// A part whose body fails leaves nothing.
	bodyErr := errors.New("reset")
	if _, err := l.PutObjectPart(ctx, "b", "k", id, 4, &failingReader{data: big[:1000], err: bodyErr}, sealOpts(big)); !errors.Is(err, bodyErr) {
		t.Errorf("part with failing body: %v", err)
	}
	lp, err := l.ListParts(ctx, "b", "k", id, 0, 0)
	if err != nil || len(lp.Parts) != 3 {
		t.Fatalf("parts: %+v, %v", lp, err)
	}

	if err := l.AbortMultipartUpload(ctx, "b", "k", id); err != nil {
		t.Fatal(err)
	}
	if err := l.AbortMultipartUpload(ctx, "b", "k", id); !errors.Is(err, ErrNoSuchUpload) {
		t.Errorf("abort twice: %v", err)
	}
	if _, err := l.PutObjectPart(ctx, "b", "k", id, 1, bytes.NewReader(small), sealOpts(small)); !errors.Is(err, ErrNoSuchUpload) {
		t.Errorf("part of an aborted upload: %v", err)
	}
	if _, err := l.CompleteMultipartUpload(ctx, "b", "k", id, []CompletePart{part(1, big)}); !errors.Is(err, ErrNoSuchUpload) {
		t.Errorf("complete of an aborted upload: %v", err)
	}
	files, tmp := c.shardFiles(t)
	if len(files) != 3 || tmp != 0 { // k2's one part
		t.Errorf("%d shard files and %d temporary after abort, want 3 and 0", len(files), tmp)
	}
}

func checkPartObject(t *testing.T, l *Layer, bucket, key string, data []byte) {
	t.Helper()
	if got := mustGet(t, l, bucket, key, 0, -1); !bytes.Equal(got, data) {
		t.Fatalf("%s reads back different", key)
	}
}

func TestListMultipartUploads(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	type up struct{ key, id string }
	var all []up
	for _, key := range []string{"a", "dir/x", "dir/y", "dir/sub/z", "e", "a"} {
		id, err := l.NewMultipartUpload(ctx, "b", key, Upload{})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, up{key, id})
	}
	// By key, then by initiation: the two uploads of "a" in creation order.
	want := []up{all[0], all[5], all[3], all[1], all[2], all[4]}
	var got []up
	opts := ListUploadsOptions{MaxUploads: 2}
	for {
		res, err := l.ListMultipartUploads(ctx, "b", opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range res.Uploads {
			got = append(got, up{u.Key, u.UploadID})
			if u.Initiated.IsZero() || u.Bucket != "b" {
				t.Errorf("upload %+v", u)
			}
		}
		if !res.IsTruncated {
			break
		}
		opts.KeyMarker, opts.UploadIDMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("uploads %v, want %v", got, want)
	}
	res, err := l.ListMultipartUploads(ctx, "b", ListUploadsOptions{Delimiter: "/"})
	if err != nil || len(res.Uploads) != 3 || fmt.Sprint(res.CommonPrefixes) != "[dir/]" {
		t.Errorf("with delimiter: %+v, %v", res, err)
	}
	res, err = l.ListMultipartUploads(ctx, "b", ListUploadsOptions{Prefix: "dir/", Delimiter: "/"})
	if err != nil || len(res.Uploads) != 2 || fmt.Sprint(res.CommonPrefixes) != "[dir/sub/]" {
		t.Errorf("with prefix and delimiter: %+v, %v", res, err)
	}
	res, err = l.ListMultipartUploads(ctx, "b", ListUploadsOptions{KeyMarker: "a"})
	if err != nil || len(res.Uploads) != 4 || res.Uploads[0].Key != "dir/sub/z" {
		t.Errorf("after key a: %+v, %v", res, err)
	}
}

// TestMultipartPartList: the reads of a multipart object show its parts
// (number, size, checksums) so that one part can be read by its range;
// listings do not carry them.
func TestMultipartPartList(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	mustSetVersioning(t, l, "b", VersioningEnabled)
	id, err := l.NewMultipartUpload(ctx, "b", "k", Upload{ChecksumAlgorithm: "CRC32"})
	if err != nil {
		t.Fatal(err)
	}
	// Uploaded as parts 2, 5 and 7: the list is in object order.
	numbers := []int{2, 5, 7}
	data := [][]byte{randomBytes(21, MinPartSize), randomBytes(22, MinPartSize+1), randomBytes(23, 3<<20)}
	var cparts []CompletePart
	for i, n := range numbers {
		p := mustPutPart(t, l, "b", "k", id, n, data[i], checksum.CRC32)
		cparts = append(cparts, CompletePart{PartNumber: n, ETag: p.ETag})
	}
	done, err := l.CompleteMultipartUpload(ctx, "b", "k", id, cparts)
	if err != nil {
		t.Fatal(err)
	}
	whole := bytes.Join(data, nil)
	check := func(what string, info ObjectInfo) {
		t.Helper()
		if len(info.PartList) != len(data) || info.Parts != len(data) {
			t.Fatalf("%s: %d parts listed, Parts %d, want %d", what, len(info.PartList), info.Parts, len(data))
		}
		for i, p := range info.PartList {
			h := checksum.CRC32.New()
			h.Write(data[i])
			if p.Number != numbers[i] || p.Size != int64(len(data[i])) || p.Checksums["CRC32"] != checksum.EncodeDigest(h.Sum(nil)) {
				t.Errorf("%s: part %d = %+v, want number %d size %d", what, i+1, p, numbers[i], len(data[i]))
			}
		}
	}
	st, err := l.StatObject(ctx, "b", "k")
	if err != nil {
		t.Fatal(err)
	}
	check("stat", st)
	vs, err := l.StatVersion(ctx, "b", "k", done.VersionID)
	if err != nil {
		t.Fatal(err)
	}
	check("stat of the version", vs)

	// The part sizes give each part's range; a ranged read returns the
	// part's bytes.
	var off int64
	for i, p := range st.PartList {
		var buf bytes.Buffer
		info, err := l.GetObject(ctx, "b", "k", GetOptions{Offset: off, Length: p.Size, VersionID: done.VersionID}, &buf)
		if err != nil {
			t.Fatalf("get part %d: %v", i+1, err)
		}
		check("get", info)
		if !bytes.Equal(buf.Bytes(), data[i]) {
			t.Errorf("bytes %d+%d are not part %d", off, p.Size, i+1)
		}
		off += p.Size
	}
	oi, rc, err := l.OpenObject(ctx, "b", "k", GetOptions{Offset: off - st.PartList[2].Size, Length: -1})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, whole[off-st.PartList[2].Size:]) {
		t.Fatalf("open from the last part: %d bytes, %v", len(got), err)
	}
	check("open", oi)

	// A newer version without parts; the old one keeps its list.
	mustPut(t, l, "b", "k", []byte("single"))
	if st, _ := l.StatObject(ctx, "b", "k"); st.Parts != 0 || st.PartList != nil {
		t.Errorf("single PUT over it: Parts %d, %d parts listed", st.Parts, len(st.PartList))
	}
	vs, err = l.StatVersion(ctx, "b", "k", done.VersionID)
	if err != nil {
		t.Fatal(err)
	}
	check("stat of the older version", vs)

	res, err := l.ListObjectVersions(ctx, "b", ListVersionsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range res.Versions {
		if v.PartList != nil {
			t.Errorf("listed version %s carries %d parts", v.VersionID, len(v.PartList))
		}
	}
}

// gateWriter collects what a GET writes and, once it holds more than
// after bytes, blocks until release is closed.
type gateWriter struct {
	buf     bytes.Buffer
	after   int
	reached chan struct{}
	release chan struct{}
}

func (w *gateWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	if w.reached != nil && w.buf.Len() > w.after {
		close(w.reached)
		w.reached = nil
		<-w.release
	}
	return len(p), nil
}

// A GET of a multipart object opens each part's shards when it reaches
// the part. An overwrite that lands while the GET is in its first part
// must not remove the files of the parts it has yet to read: the GET
// serves the whole old object, and the old files go once it ended.
func TestGetOutlivesOverwrite(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	p1, p2 := randomBytes(61, MinPartSize), randomBytes(62, 1<<20+9)
	id, err := l.NewMultipartUpload(ctx, "b", "k", Upload{})
	if err != nil {
		t.Fatal(err)
	}
	mustPutPart(t, l, "b", "k", id, 1, p1)
	mustPutPart(t, l, "b", "k", id, 2, p2)
	if _, err := l.CompleteMultipartUpload(ctx, "b", "k", id, []CompletePart{
		{PartNumber: 1, ETag: md5Hex(p1)}, {PartNumber: 2, ETag: md5Hex(p2)}}); err != nil {
		t.Fatal(err)
	}
	old := append(append([]byte(nil), p1...), p2...)
	oldFiles, _ := c.shardFiles(t)

	w := &gateWriter{after: 1 << 20, reached: make(chan struct{}), release: make(chan struct{})}
	reached := w.reached
	done := make(chan error, 1)
	go func() {
		_, err := l.GetObject(ctx, "b", "k", GetOptions{Length: -1}, w)
		done <- err
	}()
	<-reached
	cur := randomBytes(63, 3<<20)
	mustPut(t, l, "b", "k", cur)
	// Give the replaced files' removal every chance to run.
	time.Sleep(300 * time.Millisecond)
	close(w.release)
	if err := <-done; err != nil {
		t.Fatalf("GET overtaken by an overwrite: %v", err)
	}
	if !bytes.Equal(w.buf.Bytes(), old) {
		t.Fatalf("GET served %d bytes, not the %d of the object it started on", w.buf.Len(), len(old))
	}
	checkObject(t, l, "b", "k", cur)
	files, _ := c.shardFiles(t) // waits for the removal
	for _, f := range files {
		if slices.Contains(oldFiles, f) {
			t.Fatalf("replaced shard file %s still there after the GET ended", f)
		}
	}
}
