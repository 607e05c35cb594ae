package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/lifecycle"
)

// Lifecycle on the request path. An object whose expiration is due is
// gone as far as clients can tell, whether or not the lifecycle worker
// has reached it yet: GET and HEAD of its current version answer 404
// NoSuchKey. Responses that show a current version which a rule will
// expire carry x-amz-expiration.

// lifecycleCache keeps the parsed lifecycle configuration of each bucket,
// parsed again only when the stored encoding changes; the encodings come
// from the object layer, which caches them for a short time.
type lifecycleCache struct {
	day     time.Duration
	now     func() time.Time // nil: time.Now
	mu      sync.Mutex
	entries map[string]cachedLifecycle
}

type cachedLifecycle struct {
	enc []byte
	cfg *lifecycle.Configuration
}

// config returns the bucket's lifecycle configuration, nil when it has
// none or it cannot be read: a read failure must not fail the request it
// would only annotate.
func (c *lifecycleCache) config(ctx context.Context, layer objectlayer.API, bucket string, log *slog.Logger) *lifecycle.Configuration {
	enc, err := layer.GetBucketConfig(ctx, bucket, objectlayer.ConfigLifecycle)
	if err != nil {
		if !errors.Is(err, objectlayer.ErrNoSuchMeta) && !errors.Is(err, objectlayer.ErrNoSuchBucket) {
			log.Warn("read bucket lifecycle configuration", "bucket", bucket, "err", err)
		}
		return nil
	}
	c.mu.Lock()
	e, ok := c.entries[bucket]
	c.mu.Unlock()
	if ok && bytes.Equal(e.enc, enc) {
		return e.cfg
	}
	cfg, err := lifecycle.Unmarshal(enc)
	if err != nil {
		log.Warn("bucket lifecycle configuration does not decode", "bucket", bucket, "err", err)
		return nil
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) > 10000 {
		c.entries = make(map[string]cachedLifecycle)
	}
	c.entries[bucket] = cachedLifecycle{enc: bytes.Clone(enc), cfg: cfg}
	c.mu.Unlock()
	return cfg
}

// expiration tells, for the current version info of a key, the
// x-amz-expiration header value ("" when no rule expires it) and whether
// the expiration is already due.
func (h *handler) expiration(ctx context.Context, bucket string, info objectlayer.ObjectInfo) (header string, due bool) {
	if info.DeleteMarker {
		return "", false
	}
	cfg := h.lifecycles.config(ctx, h.layer, bucket, h.log)
	if cfg == nil {
		return "", false
	}
	obj := lifecycle.Object{Key: info.Key, Size: info.Size, Tags: info.Tags, ModTime: info.LastModified, IsLatest: true}
	at, rule, ok := cfg.Expiry(obj, h.lifecycles.day)
	if !ok {
		return "", false
	}
	now := time.Now
	if h.lifecycles.now != nil {
		now = h.lifecycles.now
	}
	return lifecycle.ExpirationHeader(at, rule), !at.After(now())
}

// checkExpired is what GET and HEAD of a current version do with the
// bucket's lifecycle rules: an object already due is answered as missing,
// any other that a rule expires gets x-amz-expiration.
func (h *handler) checkExpired(ctx context.Context, hdr http.Header, bucket string, info objectlayer.ObjectInfo) error {
	v, due := h.expiration(ctx, bucket, info)
	if due {
		return fmt.Errorf("%s/%s: expired by lifecycle: %w", bucket, info.Key, objectlayer.ErrNoSuchKey)
	}
	if v != "" {
		hdr.Set("X-Amz-Expiration", v)
	}
	return nil
}

// setExpirationHeader sets x-amz-expiration on the response to a write
// that made info the current version.
func (h *handler) setExpirationHeader(ctx context.Context, hdr http.Header, bucket string, info objectlayer.ObjectInfo) {
	if v, _ := h.expiration(ctx, bucket, info); v != "" {
		hdr.Set("X-Amz-Expiration", v)
	}
}
