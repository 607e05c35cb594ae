package storage

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// The shard information calls of the internode API (routes in server.go):
//
//	POST /internode/v1/stat-shards                 body: names in the scan encoding (values empty)
//	GET  /internode/v1/list-shards?after=&limit=   (after hex)
//
// Both answer in the scan encoding (codec.go), one pair per shard: the
// name, then 16 bytes: the size and the modification time in Unix
// nanoseconds, both big-endian (the size as int64, -1 for no file).

// StatShards implements Node.
func (l *Local) StatShards(ctx context.Context, names []string) ([]ShardInfo, error) {
	if len(names) > MaxStatShards {
		return nil, fmt.Errorf("storage: stat shards: %w: %d names, at most %d", errInvalidOp, len(names), MaxStatShards)
	}
	for _, name := range names {
		if err := ValidShardName(name); err != nil {
			return nil, fmt.Errorf("storage: stat shards: %w", err)
		}
	}
	if err := l.enter(); err != nil {
		return nil, err
	}
	defer l.mu.RUnlock()
	out := make([]ShardInfo, len(names))
	for i, name := range names {
		if i%256 == 255 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("storage: stat shards: %w", err)
			}
		}
		ok, err := l.hasRef(name)
		if err != nil {
			return nil, err
		}
		out[i] = ShardInfo{Name: name, Size: -1}
		if ok {
			out[i] = l.statFile(name)
		}
	}
	return out, nil
}

// statFile describes the file of a committed shard; Size is -1 when the
// file is gone although its reference is not.
func (l *Local) statFile(name string) ShardInfo {
	fi, err := os.Stat(l.shardPath(name))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			l.log.Warn("stat shard file", "name", name, "err", err)
		}
		return ShardInfo{Name: name, Size: -1}
	}
	return ShardInfo{Name: name, Size: fi.Size(), ModTime: fi.ModTime()}
}

// ListShards implements Node. It walks the committed references, so files
// being written or awaiting their commit are never listed.
func (l *Local) ListShards(ctx context.Context, after string, limit int) ([]ShardInfo, error) {
	if limit <= 0 || limit > MaxListShards {
		limit = MaxListShards
	}
	if err := l.enter(); err != nil {
		return nil, err
	}
	defer l.mu.RUnlock()
	lower := shardRefKey(after)
	if after != "" {
		lower = append(lower, 0)
	}
	upper := append(bytes.Clone(shardRefPrefix[:len(shardRefPrefix)-1]), shardRefPrefix[len(shardRefPrefix)-1]+1)
	it, err := l.db.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, fmt.Errorf("storage: list shards: %w", err)
	}
	var out []ShardInfo
	for valid := it.First(); valid && len(out) < limit; valid = it.Next() {
		if len(out)%256 == 255 {
			if err := ctx.Err(); err != nil {
				_ = it.Close()
				return nil, fmt.Errorf("storage: list shards: %w", err)
			}
		}
		out = append(out, l.statFile(string(it.Key()[len(shardRefPrefix):])))
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("storage: list shards: %w", err)
	}
	return out, nil
}

// shardInfoKVs encodes infos as scan pairs.
func shardInfoKVs(infos []ShardInfo) []KV {
	kvs := make([]KV, len(infos))
	for i, s := range infos {
		v := binary.BigEndian.AppendUint64(make([]byte, 0, 16), uint64(s.Size))
		var mt int64
		if !s.ModTime.IsZero() {
			mt = s.ModTime.UnixNano()
		}
		kvs[i] = KV{Key: []byte(s.Name), Value: binary.BigEndian.AppendUint64(v, uint64(mt))}
	}
	return kvs
}

func shardInfosFromKVs(kvs []KV) ([]ShardInfo, error) {
	out := make([]ShardInfo, len(kvs))
	for i, kv := range kvs {
		if len(kv.Value) != 16 {
			return nil, fmt.Errorf("shard info of %q: %d bytes, want 16", kv.Key, len(kv.Value))
		}
		out[i] = ShardInfo{Name: string(kv.Key), Size: int64(binary.BigEndian.Uint64(kv.Value))}
		if mt := int64(binary.BigEndian.Uint64(kv.Value[8:])); mt != 0 {
			out[i].ModTime = time.Unix(0, mt)
		}
	}
	return out, nil
}

func (s *server) statShards(w http.ResponseWriter, r *http.Request) error {
	if r.ContentLength > MaxBatchBytes {
		return fmt.Errorf("%w: %d bytes of names", errBadRequest, r.ContentLength)
	}
	want, err := hex.DecodeString(r.Header.Get(headerContentSHA256))
	if err != nil || len(want) != sha256.Size {
		return fmt.Errorf("%w: missing or malformed %s", errBadRequest, headerContentSHA256)
	}
	body, err := readAllInto(nil, http.MaxBytesReader(w, r.Body, MaxBatchBytes))
	if err != nil {
		return fmt.Errorf("%w: reading names: %w", errBadRequest, err)
	}
	if sum := sha256.Sum256(body); !hmac.Equal(sum[:], want) {
		return fmt.Errorf("names do not match their signed digest: %w", ErrUnauthorized)
	}
	kvs, err := readScan(bufio.NewReader(bytes.NewReader(body)), true)
	if err != nil {
		return fmt.Errorf("%w: %w", errBadRequest, err)
	}
	names := make([]string, len(kvs))
	for i, kv := range kvs {
		names[i] = string(kv.Key)
	}
	infos, err := s.node.StatShards(r.Context(), names)
	if err != nil {
		return err
	}
	return s.writeShardInfos(w, infos)
}

func (s *server) listShards(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	after, err := queryHex(q.Get("after"))
	if err != nil {
		return err
	}
	limit, err := queryInt(q.Get("limit"), 0)
	if err != nil {
		return err
	}
	infos, err := s.node.ListShards(r.Context(), string(after), int(min(max(limit, 0), MaxListShards)))
	if err != nil {
		return err
	}
	return s.writeShardInfos(w, infos)
}

func (s *server) writeShardInfos(w http.ResponseWriter, infos []ShardInfo) error {
	w.Header().Set("Content-Type", "application/octet-stream")
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := writeScan(bw, shardInfoKVs(infos)); err != nil {
		s.log.Debug("shard info response cut", "err", err)
	}
	return nil
}

// StatShards implements Node.
func (r *Remote) StatShards(ctx context.Context, names []string) ([]ShardInfo, error) {
	if len(names) > MaxStatShards {
		return nil, fmt.Errorf("storage: stat shards: %w: %d names, at most %d", errInvalidOp, len(names), MaxStatShards)
	}
	for _, name := range names {
		if err := ValidShardName(name); err != nil {
			return nil, fmt.Errorf("storage: stat shards: %w", err)
		}
	}
	kvs := make([]KV, len(names))
	for i, n := range names {
		kvs[i] = KV{Key: []byte(n)}
	}
	var body bytes.Buffer
	bw := bufio.NewWriter(&body)
	_ = writeScan(bw, kvs)
	sum := sha256.Sum256(body.Bytes())
	cctx, cancel := context.WithTimeout(ctx, r.callTimeout)
	defer cancel()
	req, err := r.newRequest(cctx, http.MethodPost, internodePrefix+"stat-shards", nil, bytes.NewReader(body.Bytes()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set(headerContentSHA256, hex.EncodeToString(sum[:]))
	infos, err := r.shardInfoCall(ctx, "stat shards", req)
	if err == nil && len(infos) != len(names) {
		err = fmt.Errorf("storage: stat shards on node %s: %d answers for %d names", r.id, len(infos), len(names))
	}
	return infos, err
}

// ListShards implements Node.
func (r *Remote) ListShards(ctx context.Context, after string, limit int) ([]ShardInfo, error) {
	q := url.Values{}
	if after != "" {
		q.Set("after", hex.EncodeToString([]byte(after)))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	cctx, cancel := context.WithTimeout(ctx, r.callTimeout)
	defer cancel()
	req, err := r.newRequest(cctx, http.MethodGet, internodePrefix+"list-shards", q, nil)
	if err != nil {
		return nil, err
	}
	return r.shardInfoCall(ctx, "list shards", req)
}

func (r *Remote) shardInfoCall(ctx context.Context, op string, req *http.Request) ([]ShardInfo, error) {
	resp, err := r.do(ctx, op, req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	kvs, err := readScan(bufio.NewReaderSize(io.LimitReader(resp.Body, MaxBatchBytes), 64<<10), false)
	if err != nil {
		return nil, r.transportError(ctx, op, err)
	}
	infos, err := shardInfosFromKVs(kvs)
	if err != nil {
		return nil, fmt.Errorf("storage: %s on node %s: %w", op, r.id, err)
	}
	return infos, nil
}
