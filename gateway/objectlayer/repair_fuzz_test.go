package objectlayer

import (
	"testing"
	"time"
)

// FuzzRepairRecords feeds arbitrary bytes to the decoders of the repair's
// records (queue entries, the shared scan state): they read from every
// node and must fail cleanly, never panic, and round-trip what they accept.
func FuzzRepairRecords(f *testing.F) {
	f.Add(encodeRepairEntry(7, 2, true, "write missed nodes"))
	f.Add(scanState{hlc: 9, lastStart: time.Unix(100, 0), lastPassEnd: time.Unix(90, 0), lastFull: time.Unix(50, 0)}.marshal())
	f.Add([]byte{})
	f.Add([]byte("0123456789\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if e, ok := decodeRepairEntry(b); ok {
			again, ok := decodeRepairEntry(encodeRepairEntry(e.hlc, e.shards, e.verify, e.reason))
			if !ok || again != e {
				t.Fatalf("repair entry %+v re-decodes as %+v, %v", e, again, ok)
			}
		}
		if st, err := decodeScanState(b); err == nil {
			again, err := decodeScanState(st.marshal())
			if err != nil || again != st {
				t.Fatalf("scan state %+v re-decodes as %+v, %v", st, again, err)
			}
		}
	})
}
