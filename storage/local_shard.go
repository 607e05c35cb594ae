package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// CreateShard implements Node. The data goes to a uniquely named partial
// file that is fsynced and only then renamed to tmp/<name>, so tmp/<name>
// is always complete; creating a name again replaces the earlier file.
func (l *Local) CreateShard(ctx context.Context, name string, r io.Reader) (int64, error) {
	if err := ValidShardName(name); err != nil {
		return 0, fmt.Errorf("storage: create shard: %w", err)
	}
	if err := l.enter(); err != nil {
		return 0, err
	}
	// The shard files need no protection from Close; do not hold Close up
	// for the length of a stream.
	l.mu.RUnlock()

	f, err := os.CreateTemp(l.tmpDir, partialPrefix+"*")
	if err != nil {
		return 0, fmt.Errorf("storage: create shard %q: %w", name, err)
	}
	bufp := l.bufPool.Get().(*[]byte)
	n, err := copyShard(ctx, f, r, *bufp)
	l.bufPool.Put(bufp)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), l.tmpPath(name))
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return n, fmt.Errorf("storage: create shard %q: %w", name, err)
	}
	return n, nil
}

// writebackChunk is how much written data copyShard lets accumulate before
// starting its writeback, so the closing fsync of a large shard waits for
// little more than the last chunk (as Pebble's BytesPerSync does).
const writebackChunk = 1 << 20

// copyShard copies r to f through buf, filling buf before each write so
// that the file sees few large writes whatever the reader's read sizes.
func copyShard(ctx context.Context, f *os.File, r io.Reader, buf []byte) (int64, error) {
	var written, writeback int64
	fd := int(f.Fd())
	for {
		if written-writeback >= writebackChunk {
			// Asynchronous: starts the writeback, waits for nothing.
			// Failure only loses the head start; the fsync still runs.
			_ = unix.SyncFileRange(fd, writeback, written-writeback, unix.SYNC_FILE_RANGE_WRITE)
			writeback = written
		}
		if err := ctx.Err(); err != nil {
			return written, err
		}
		nr, rerr := io.ReadFull(r, buf)
		if nr > 0 {
			if rerr != nil && rerr != io.EOF && rerr != io.ErrUnexpectedEOF {
				return written, rerr
			}
			nw, werr := f.Write(buf[:nr])
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
// record is committed, which hides the instant between a commit's rename
// and its batch becoming durable.
func (l *Local) ReadShard(ctx context.Context, name string, offset, length int64) (io.ReadCloser, error) {
	if err := ValidShardName(name); err != nil {
		return nil, fmt.Errorf("storage: read shard: %w", err)
	}
	if offset < 0 {
		return nil, fmt.Errorf("storage: read shard %q: %w: negative offset %d", name, errInvalidOp, offset)
	}
	if err := l.enter(); err != nil {
		return nil, err
	}
	ok, err := l.hasRef(name)
	l.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("storage: read shard %q: %w", name, ErrNotFound)
	}
	f, err := os.Open(l.shardPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("storage: read shard %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: read shard %q: %w", name, err)
	}
	info, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("storage: read shard %q: %w", name, err)
	}
	offset = min(offset, info.Size())
	n := info.Size() - offset
	if length >= 0 {
		n = min(n, length)
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("storage: read shard %q: %w", name, err)
		}
	}
	return &shardReader{f: f, lr: io.LimitedReader{R: f, N: n}}, nil
}

// shardReader streams part of a shard file. A short file ends the stream
// early: callers know the length they expect and the block checksums tell
// corruption.
type shardReader struct {
	f  *os.File
	lr io.LimitedReader
}

func (s *shardReader) Read(p []byte) (int, error) { return s.lr.Read(p) }

// WriteTo hands the file itself to the writer, which lets a TCP connection
// send it with sendfile(2).
func (s *shardReader) WriteTo(w io.Writer) (int64, error) { return io.Copy(w, &s.lr) }

// Remaining is the number of bytes left to read (the Content-Length the
// internode server announces).
func (s *shardReader) Remaining() int64 { return s.lr.N }

func (s *shardReader) Close() error { return s.f.Close() }

// writeChunk writes at most max bytes to w straight from the file (so a TCP
// writer can use sendfile), for callers that refresh a deadline per chunk.
func (s *shardReader) writeChunk(w io.Writer, max int64) (int64, error) {
	lr := io.LimitedReader{R: s.f, N: min(max, s.lr.N)}
	n, err := io.Copy(w, &lr)
	s.lr.N -= n
	return n, err
}
