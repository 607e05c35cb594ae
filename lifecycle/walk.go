package lifecycle

import "time"

// The walk turns the Store's listing of versions (key order, newest first
// within a key) into the Objects Evaluate takes. A version's history
// follows from the versions listed before it: it is current when it comes
// first for its key (and the Store says so), it became noncurrent when the
// version listed just before it was created, and the noncurrent versions
// listed before it are the newer ones. Only OnlyVersion looks ahead: a
// current version is the only one when the next listed version has
// another key. So the walk carries a few facts about the key in progress
// across pages (and across restarts, in the cursor), and holds back a
// page's last version when it starts a key and more pages follow.

// keyCarry is what the walk knows of the key in progress: enough to
// describe its next, older, version without the ones before it.
type keyCarry struct {
	Key string `json:"key,omitempty"`
	// Versions of Key listed so far; 0 before the first.
	Versions int `json:"versions,omitempty"`
	// Noncurrent versions of Key listed so far.
	Noncurrent int `json:"noncurrent,omitempty"`
	// Successor is the creation time of the last version listed: when the
	// next one became noncurrent.
	Successor time.Time `json:"successor,omitzero"`
}

// described is one listed version as a rule sees it.
type described struct {
	Object
	// known is false when the version's history is not known: a version
	// listed first for its key without being current (the Store lists a
	// key whose current version it could not settle), whose noncurrent
	// time no listed version gives. No action is taken on it.
	known bool
}

// describe describes items, which continue the listing after the carried
// key's versions, into out (len(out) >= len(items)) and returns how many
// it described: all of them, except a last item that starts a key while
// more follow, which the caller keeps and passes again in front of the
// next page.
func (c *keyCarry) describe(items []Version, more, versioned bool, out []described) int {
	n := len(items)
	if n > 0 && more {
		last := &items[n-1]
		prevKey := c.Key
		if n > 1 {
			prevKey = items[n-2].Key
		}
		if last.Key != prevKey {
			n--
		}
	}
	for i := range n {
		v := &items[i]
		if v.Key == c.Key && c.Versions > 0 && !v.ModTime.Before(c.Successor) {
			// Listed already: after a version that was replaced since (a
			// null version), a Store may list the key's newer versions
			// again. Versions of a key are listed newest first.
			out[i] = described{}
			continue
		}
		if v.Key != c.Key {
			*c = keyCarry{Key: v.Key}
		}
		d := described{Object: Object{
			Key: v.Key, Size: v.Size, Tags: v.Tags, ModTime: v.ModTime,
			DeleteMarker: v.DeleteMarker, Versioned: versioned,
		}}
		switch {
		case c.Versions == 0:
			if v.IsLatest {
				d.IsLatest, d.known = true, true
				// The last item, when it starts a key, was held back
				// unless the listing ends with it.
				d.OnlyVersion = i+1 == len(items) || items[i+1].Key != v.Key
			} else {
				c.Noncurrent++
			}
		case !v.IsLatest:
			d.NoncurrentSince = c.Successor
			d.NewerNoncurrent = c.Noncurrent
			d.known = true
			c.Noncurrent++
		default:
			// A second current version of one key: the Store contradicts
			// itself; leave the key alone.
			c.Noncurrent++
		}
		c.Versions++
		c.Successor = v.ModTime
		out[i] = d
	}
	return n
}
