package gateway

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestConcurrentPutsETags sends many bodies at once, of sizes on both sides
// of the size from which the MD5 runs behind the reads in shared lanes,
// each with its Content-MD5 (a wrong one for some), and checks every ETag
// and every refusal: concurrent bodies must never mix their digests.
func TestConcurrentPutsETags(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.mkbucket("many")
	const puts = 40
	var wg sync.WaitGroup
	errs := make(chan error, puts)
	for i := range puts {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 17))
			body := make([]byte, 1+rng.IntN(3<<20))
			for j := range body {
				body[j] = byte(rng.Uint32())
			}
			sum := md5.Sum(body)
			contentMD5 := base64.StdEncoding.EncodeToString(sum[:])
			wrong := i%7 == 3
			if wrong {
				other := md5.Sum(append(body[:len(body):len(body)], 'x'))
				contentMD5 = base64.StdEncoding.EncodeToString(other[:])
			}
			key := fmt.Sprintf("k%02d", i)
			out, err := e.client.PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String("many"), Key: aws.String(key),
				Body: bytes.NewReader(body), ContentMD5: aws.String(contentMD5),
			})
			switch {
			case wrong && (err == nil || !strings.Contains(err.Error(), "BadDigest")):
				errs <- fmt.Errorf("%s (%d bytes) with a wrong Content-MD5: %v", key, len(body), err)
			case !wrong && err != nil:
				errs <- fmt.Errorf("%s (%d bytes): %v", key, len(body), err)
			case !wrong && aws.ToString(out.ETag) != `"`+hex.EncodeToString(sum[:])+`"`:
				errs <- fmt.Errorf("%s (%d bytes): ETag %s, want %x", key, len(body), aws.ToString(out.ETag), sum)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
