// Package storage is the zones3 storage node: a Pebble database holding the
// gateway's metadata records (and small objects inline), write-once shard
// files beside it, the authenticated internode HTTP API that serves both,
// and its client. The Node interface is all the gateway knows of a node;
// Local is the in-process implementation and Remote the internode client.
package storage
