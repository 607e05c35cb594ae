package objectlayer

import (
	"context"
	"errors"
	"strings"
	"sync"
)

// readGuard counts the reads in progress of each data ID (the shard files
// of one version or part), so that removing the files of a replaced or
// deleted version waits for the reads of it that this gateway started
// first. A read opens its shard streams when it reaches them: the parts of
// a multipart object one after the other, a parity shard only when a data
// shard fails. Without the guard an overwrite that lands meanwhile removes
// files the read has yet to open, and a response already under way is cut
// short. (A read that the removal overtakes before it registers has sent
// nothing yet; GetObject then reads the key again.) Reads through other
// gateways are not seen here.
type readGuard struct {
	mu    sync.Mutex
	reads map[string]*readCount
}

type readCount struct {
	n    int
	idle chan struct{} // made by the first wait, closed when n drops to 0
}

// enter registers a read of each of ids until the returned function runs.
// It is on every GET's path: a map entry per ID, no channel until a
// removal waits.
func (g *readGuard) enter(ids []string) (leave func()) {
	if len(ids) == 0 {
		return func() {}
	}
	g.mu.Lock()
	if g.reads == nil {
		g.reads = make(map[string]*readCount)
	}
	for _, id := range ids {
		c := g.reads[id]
		if c == nil {
			c = &readCount{}
			g.reads[id] = c
		}
		c.n++
	}
	g.mu.Unlock()
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		for _, id := range ids {
			c := g.reads[id]
			if c.n--; c.n == 0 {
				if c.idle != nil {
					close(c.idle)
				}
				delete(g.reads, id)
			}
		}
	}
}

// errStopped is wait's error when stop closed first.
var errStopped = errors.New("layer closing")

// wait returns once no read of id is in progress, or with an error when
// ctx ends or stop closes first.
func (g *readGuard) wait(ctx context.Context, stop <-chan struct{}, id string) error {
	g.mu.Lock()
	c := g.reads[id]
	if c == nil {
		g.mu.Unlock()
		return nil
	}
	if c.idle == nil {
		c.idle = make(chan struct{})
	}
	idle := c.idle
	g.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-stop:
		return errStopped
	}
}

// dataIDOf returns the data ID of a shard file name (see shardName).
func dataIDOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[:i]
	}
	return name
}
