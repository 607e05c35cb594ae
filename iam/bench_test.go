package iam

import (
	"net/http"
	"testing"
	"time"
)

func BenchmarkVerify(b *testing.B) {
	for _, c := range []struct {
		name string
		r    func(testing.TB) *http.Request
	}{
		{"v4-header", func(t testing.TB) *http.Request {
			return sign(t, signOpts{method: "PUT", url: "http://h/bucket/some/key%20with%20spaces.txt?x-id=PutObject", body: "x",
				header: http.Header{"Content-Type": {"text/plain"}, "X-Amz-Checksum-Crc32": {"AAAAAA=="}}})
		}},
		{"v4-presigned", func(t testing.TB) *http.Request {
			return presign(t, signOpts{url: "http://h/bucket/some/key.txt"}, time.Hour)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := c.r(b)
			v := testVerifier()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
