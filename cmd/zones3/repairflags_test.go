package main

import (
	"io"
	"testing"
	"time"

	"github.com/zones3/zones3/gateway/objectlayer"
)

func TestRepairFlags(t *testing.T) {
	c, err := parseServerFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	o := c.repair.options()
	if o.ScanInterval != objectlayer.DefaultScanInterval || o.BitrotInterval != objectlayer.DefaultBitrotInterval ||
		o.BitrotRate != objectlayer.DefaultBitrotRate || o.GCGrace != objectlayer.DefaultGCGrace {
		t.Errorf("defaults: %+v", o)
	}

	g, err := parseGatewayFlags([]string{"--node", "z=127.0.0.1:1", "--scan-interval", "10m",
		"--bitrot-interval", "24h", "--bitrot-rate", "64MiB", "--gc-grace", "2h"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	o = g.repair.options()
	if o.ScanInterval != 10*time.Minute || o.BitrotInterval != 24*time.Hour || o.BitrotRate != 64<<20 || o.GCGrace != 2*time.Hour {
		t.Errorf("parsed: %+v", o)
	}

	// Zero switches a schedule or the rate limit off.
	g, err = parseGatewayFlags([]string{"--node", "z=127.0.0.1:1", "--scan-interval", "0", "--bitrot-interval", "0", "--bitrot-rate", "0"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o = g.repair.options(); o.ScanInterval >= 0 || o.BitrotInterval >= 0 || o.BitrotRate >= 0 {
		t.Errorf("zeros: %+v, want all off (negative)", o)
	}

	for _, args := range [][]string{
		{"--scan-interval", "-1m"},
		{"--bitrot-interval", "-1h"},
		{"--bitrot-rate", "fast"},
		{"--gc-grace", "1s"},
	} {
		if _, err := parseServerFlags(args, io.Discard); err == nil {
			t.Errorf("parseServerFlags(%q) accepted", args)
		}
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 3 << 20: "3.0 MiB", 5<<30 + 1<<29: "5.5 GiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
