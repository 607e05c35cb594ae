package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// syncShardDir makes CreateShard fsync the fanout directory after the
// file. On ext4 the file's fsync already commits the new directory entry
// (same journal transaction), so the directory fsync finds nothing to do
// and costs about a microsecond; POSIX does not promise that, so it stays.
var syncShardDir = true

// CreateShard implements Node. The data goes straight to its final path
// shards/<fanout>/<name>, created with O_EXCL, and is fsynced there with
// its directory entry. The file is not committed yet: ReadShard requires
// the reference record that OpCommitShard writes, and OpenLocal removes
// files without one. While it is being written the name is in l.writing,
// so that a commit cannot reference a partial file.
//
// Creating a name whose file exists (a complete uncommitted one, or one
// being written) replaces it: the new data goes to a partial file in tmp/
// and is renamed over the old one once complete. Creating a committed
// name again leaves the new file in tmp/<name> for a commit to rename over
// the committed one, as gateway retries may do; the gateway never reuses
// a name for different content.
func (l *Local) CreateShard(ctx context.Context, name string, r io.Reader) (int64, error) {
	if err := ValidShardName(name); err != nil {
		return 0, fmt.Errorf("storage: create shard: %w", err)
	}
	if err := l.enter(); err != nil {
		return 0, err
	}
	f, prevSize, token, err := l.openShard(name)
	// The shard files need no protection from Close; do not hold Close up
	// for the length of a stream.
	l.mu.RUnlock()
	if err != nil {
		return 0, fmt.Errorf("storage: create shard %q: %w", name, err)
	}
	if f == nil {
		return l.createReplacement(ctx, name, r)
	}
	n, err := l.writeShard(ctx, f, r, prevSize)
	if err == nil && syncShardDir {
		err = l.syncFanoutDir(name)
	}
	l.finishShard(name, token, err)
	if err != nil {
		return n, fmt.Errorf("storage: create shard %q: %w", name, err)
	}
	return n, nil
}

// openShard creates the file of name in shards/, or moves a recycled
// file there (recycle.go) and returns its size, and registers it as being
// written. It returns a nil file when the name exists already (committed,
// or a file is there) and the data must go through createReplacement.
func (l *Local) openShard(name string) (f *os.File, prevSize int64, token uint64, err error) {
	unlock, ok, err := l.lockRef(name)
	defer unlock()
	if err != nil || ok {
		return nil, 0, 0, err
	}
	path := l.shardPath(name)
	prevSize, recycled, err := l.recycled.take(path)
	if err == nil {
		if recycled {
			f, err = os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				_ = os.Remove(path)
			}
		} else {
			f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		}
	}
	if errors.Is(err, fs.ErrExist) {
		return nil, 0, 0, nil
	}
	if err != nil {
		return nil, 0, 0, err
	}
	l.shardMu.Lock()
	l.writeSeq++
	token = l.writeSeq
	l.writing[name] = token
	l.shardMu.Unlock()
	return f, prevSize, token, nil
}

// writeShard streams r into f, cuts off what is left of a recycled file's
// prevSize bytes past the end, fsyncs and closes it. A full disk empties
// the recycling pool, whose files hold space no shard uses.
func (l *Local) writeShard(ctx context.Context, f *os.File, r io.Reader, prevSize int64) (int64, error) {
	bufp := l.bufPool.Get().(*[]byte)
	n, err := l.copyShard(ctx, f, r, *bufp)
	l.bufPool.Put(bufp)
	if err == nil && prevSize > n {
		err = f.Truncate(n)
	}
	if err == nil {
		start := time.Now()
		err = f.Sync()
		blockedSince(start)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.ENOSPC) {
		if dropped := l.recycled.drain(); dropped > 0 {
			l.log.Info("disk full: unlinked the recycled shard files", "count", dropped)
		}
	}
	return n, err
}

// syncFanoutDir fsyncs the directory holding name's file.
func (l *Local) syncFanoutDir(name string) error {
	if err := l.enter(); err != nil {
		return err
	}
	defer l.mu.RUnlock()
	start := time.Now()
	err := l.fanoutDirs[fanout(name)].Sync()
	blockedSince(start)
	if err != nil {
		return fmt.Errorf("sync shard directory: %w", err)
	}
	return nil
}

// finishShard ends the write registered under token: the file becomes
// committable, or on failure is removed. A replacement may have renamed
// its own file over this one meanwhile (the token is then gone); that file
// is not touched.
func (l *Local) finishShard(name string, token uint64, failed error) {
	mu := l.nameLock(name)
	mu.Lock()
	defer mu.Unlock()
	l.shardMu.Lock()
	mine := l.writing[name] == token
	if mine {
		delete(l.writing, name)
	}
	l.shardMu.Unlock()
	if mine && failed != nil {
		if err := os.Remove(l.shardPath(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			l.log.Warn("remove failed shard", "name", name, "err", err)
		}
	}
}

// createReplacement writes a shard whose name exists already: into a
// partial file in tmp/, fsynced, then renamed over the uncommitted file of
// the name in shards/ or, if the name is committed, to tmp/<name> where a
// commit finds it.
func (l *Local) createReplacement(ctx context.Context, name string, r io.Reader) (int64, error) {
	f, err := os.CreateTemp(l.tmpDir, partialPrefix+"*")
	if err != nil {
		return 0, fmt.Errorf("storage: create shard %q: %w", name, err)
	}
	n, err := l.writeShard(ctx, f, r, 0)
	if err == nil {
		err = l.placeReplacement(name, f.Name())
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return n, fmt.Errorf("storage: create shard %q: %w", name, err)
	}
	return n, nil
}

func (l *Local) placeReplacement(name, partial string) error {
	if err := l.enter(); err != nil {
		return err
	}
	defer l.mu.RUnlock()
	unlock, ok, err := l.lockRef(name)
	defer unlock()
	if err != nil {
		return err
	}
	if ok {
		if err := os.Rename(partial, l.tmpPath(name)); err != nil {
			return err
		}
		l.shardMu.Lock()
		l.replacing[name] = true
		l.shardMu.Unlock()
		return nil
	}
	if err := os.Rename(partial, l.shardPath(name)); err != nil {
		return err
	}
	// A writer still busy with the displaced file must not remove ours.
	l.shardMu.Lock()
	delete(l.writing, name)
	l.shardMu.Unlock()
	if err := l.fanoutDirs[fanout(name)].Sync(); err != nil {
		return fmt.Errorf("sync shard directory: %w", err)
	}
	return nil
}

// writebackChunk is how much written data copyShard lets accumulate before
// starting its writeback, so the closing fsync of a large shard waits for
// little more than the last chunk (as Pebble's BytesPerSync does).
const writebackChunk = 1 << 20

// copyShard copies r to f through buf, filling buf before each write so
// that the file sees few large writes whatever the reader's read sizes.
// A shard longer than buf goes to the device with O_DIRECT (direct.go)
// when mayDirect says the filesystem takes it; buf must then be aligned
// (alignedBuffer) and a multiple of directAlign long.
func (l *Local) copyShard(ctx context.Context, f *os.File, r io.Reader, buf []byte) (int64, error) {
	var written, writeback int64
	w := &shardWriter{f: f}
	for {
		if !w.direct && written-writeback >= writebackChunk {
			// Asynchronous: starts the writeback, waits for nothing.
			// Failure only loses the head start; the fsync still runs.
			_ = unix.SyncFileRange(int(f.Fd()), writeback, written-writeback, unix.SYNC_FILE_RANGE_WRITE)
			writeback = written
		}
		if err := ctx.Err(); err != nil {
			return written, err
		}
		nr, rerr := io.ReadFull(r, buf)
		if written == 0 && rerr == nil && l.mayDirect.Load() {
			if err := w.setDirect(true); err != nil {
				// Refused once, refused for every file of this node.
				l.mayDirect.Store(false)
				l.log.Info("shard files are written through the page cache", "err", err)
			}
		}
		if nr > 0 {
			if rerr != nil && rerr != io.EOF && rerr != io.ErrUnexpectedEOF {
				return written, rerr
			}
			nw, werr := w.write(buf[:nr])
			written += int64(nw)
			if werr != nil {
				return written, werr
			}
		}
		switch rerr {
		case nil:
		case io.EOF, io.ErrUnexpectedEOF:
			return written, ctx.Err()
		default:
			return written, rerr
		}
	}
}

// ReadShard implements Node. A file is readable only while its reference
// record is committed: shards/ also holds files being written and files
// awaiting their commit.
func (l *Local) ReadShard(ctx context.Context, name string, offset, length int64) (io.ReadCloser, error) {
	if err := ValidShardName(name); err != nil {
		return nil, fmt.Errorf("storage: read shard: %w", err)
	}
	if offset < 0 {
		return nil, fmt.Errorf("storage: read shard %q: %w: negative offset %d", name, errInvalidOp, offset)
	}
	f, err := l.openForRead(name)
	if err != nil {
		return nil, fmt.Errorf("storage: read shard %q: %w", name, err)
	}
	sr := &shardReader{f: f, l: l, name: name}
	info, err := f.Stat()
	if err != nil {
		_ = sr.Close()
		return nil, fmt.Errorf("storage: read shard %q: %w", name, err)
	}
	offset = min(offset, info.Size())
	n := info.Size() - offset
	if length >= 0 {
		n = min(n, length)
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			_ = sr.Close()
			return nil, fmt.Errorf("storage: read shard %q: %w", name, err)
		}
	}
	sr.lr = io.LimitedReader{R: f, N: n}
	return sr, nil
}

// openForRead opens name's committed file and counts it among the name's
// readers until the shardReader is closed. Under name's lock, so that a
// remove either sees the reader (and unlinks the file rather than
// recycling it) or moved the file away before the open, which then fails
// with ErrNotFound.
func (l *Local) openForRead(name string) (*os.File, error) {
	if err := l.enter(); err != nil {
		return nil, err
	}
	defer l.mu.RUnlock()
	unlock, ok, err := l.lockRef(name)
	defer unlock()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotFound
	}
	f, err := os.Open(l.shardPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	l.shardMu.Lock()
	l.readers[name]++
	l.shardMu.Unlock()
	return f, nil
}

// shardReader streams part of a shard file. A short file ends the stream
// early: callers know the length they expect and the block checksums tell
// corruption.
type shardReader struct {
	f    *os.File
	lr   io.LimitedReader
	l    *Local
	name string
	once sync.Once
}

func (s *shardReader) Read(p []byte) (int, error) { return s.lr.Read(p) }

// WriteTo hands the file itself to the writer, which lets a TCP connection
// send it with sendfile(2).
func (s *shardReader) WriteTo(w io.Writer) (int64, error) { return io.Copy(w, &s.lr) }

// Remaining is the number of bytes left to read (the Content-Length the
// internode server announces).
func (s *shardReader) Remaining() int64 { return s.lr.N }

// Close closes the file and ends its count as a reader; a second Close
// does nothing.
func (s *shardReader) Close() error {
	err := os.ErrClosed
	s.once.Do(func() {
		err = s.f.Close()
		s.l.shardMu.Lock()
		if s.l.readers[s.name]--; s.l.readers[s.name] <= 0 {
			delete(s.l.readers, s.name)
		}
		s.l.shardMu.Unlock()
	})
	return err
}

// writeChunk writes at most max bytes to w straight from the file (so a TCP
// writer can use sendfile), for callers that refresh a deadline per chunk.
func (s *shardReader) writeChunk(w io.Writer, max int64) (int64, error) {
	lr := io.LimitedReader{R: s.f, N: min(max, s.lr.N)}
	n, err := io.Copy(w, &lr)
	s.lr.N -= n
	return n, err
}
