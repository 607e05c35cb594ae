package objectlayer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
)

// BenchmarkManyVersions measures the reads that must not slow down when
// one key has thousands of versions: GET and HEAD of the key's current
// version, a ListObjects page over the bucket, and ListObjectVersions
// pages at the start of the key and resumed deep inside it (key and
// version markers: a seek). versions=1 is the baseline.
func BenchmarkManyVersions(b *testing.B) {
	for _, versions := range []int{1, 5000} {
		c := newTestCluster(b, clusterOptions{})
		l := c.layer
		ctx := context.Background()
		mustMakeBucket(b, l, "b")
		mustSetVersioning(b, l, "b", VersioningEnabled)
		// 999 other keys around the hot one, so that a listing page is
		// full either way.
		for i := range 999 {
			key := fmt.Sprintf("k%04d", i)
			if i >= 500 {
				key = fmt.Sprintf("m%04d", i)
			}
			if _, err := l.PutObject(ctx, "b", key, bytes.NewReader([]byte("x")), benchOpts(1)); err != nil {
				b.Fatal(err)
			}
		}
		data := randomBytes(9, 4<<10)
		var mid string
		for i := range versions {
			info, err := l.PutObject(ctx, "b", "l-hot", bytes.NewReader(data), benchOpts(len(data)))
			if err != nil {
				b.Fatal(err)
			}
			if i == versions/2 {
				mid = info.VersionID
			}
		}
		name := fmt.Sprintf("versions=%d", versions)
		b.Run(name+"/GetCurrent", func(b *testing.B) {
			for b.Loop() {
				if _, err := l.GetObject(ctx, "b", "l-hot", GetOptions{Length: -1}, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/GetVersion", func(b *testing.B) {
			for b.Loop() {
				if _, err := l.GetObject(ctx, "b", "l-hot", GetOptions{Length: -1, VersionID: mid}, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/Head", func(b *testing.B) {
			for b.Loop() {
				if _, err := l.StatObject(ctx, "b", "l-hot"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/ListObjects1000", func(b *testing.B) {
			for b.Loop() {
				res, err := l.ListObjects(ctx, "b", ListOptions{})
				if err != nil || len(res.Objects) != 1000 {
					b.Fatalf("%d objects, %v", len(res.Objects), err)
				}
			}
		})
		b.Run(name+"/ListVersions100AtKey", func(b *testing.B) {
			for b.Loop() {
				res, err := l.ListObjectVersions(ctx, "b", ListVersionsOptions{KeyMarker: "k0499", MaxKeys: 100})
				if err != nil || len(res.Versions) != 100 {
					b.Fatalf("%d versions, %v", len(res.Versions), err)
				}
			}
		})
		b.Run(name+"/ListVersions100Resumed", func(b *testing.B) {
			for b.Loop() {
				res, err := l.ListObjectVersions(ctx, "b", ListVersionsOptions{KeyMarker: "l-hot", VersionIDMarker: mid, MaxKeys: 100})
				if err != nil || len(res.Versions) != 100 {
					b.Fatalf("%d versions, %v", len(res.Versions), err)
				}
			}
		})
	}
}
