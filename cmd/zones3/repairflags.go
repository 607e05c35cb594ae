package main

import (
	"flag"
	"time"

	"github.com/zones3/zones3/bench"
	"github.com/zones3/zones3/gateway/objectlayer"
)

// repairFlags are the scanner's flags of server and gateway.
type repairFlags struct {
	scanInterval   time.Duration
	bitrotInterval time.Duration
	bitrotRate     sizeValue
	gcGrace        time.Duration
}

// sizeValue is a byte count flag ("32MiB").
type sizeValue int64

func (s *sizeValue) String() string { return bench.FormatSize(int64(*s)) }

func (s *sizeValue) Set(v string) error {
	n, err := bench.ParseSize(v)
	if err != nil {
		return err
	}
	*s = sizeValue(n)
	return nil
}

func (r *repairFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&r.scanInterval, "scan-interval", objectlayer.DefaultScanInterval,
		"how often the scanner checks that every object has all its records and shards, and repairs it (0: never on its own; `zones3 admin heal` still runs a pass)")
	fs.DurationVar(&r.bitrotInterval, "bitrot-interval", objectlayer.DefaultBitrotInterval,
		"how often a scanner pass also reads every shard and checks its checksums (0: only `zones3 admin heal` does)")
	r.bitrotRate = objectlayer.DefaultBitrotRate
	fs.Var(&r.bitrotRate, "bitrot-rate", "shard `bytes` per second the bitrot check reads, per gateway (0: unlimited)")
	fs.DurationVar(&r.gcGrace, "gc-grace", objectlayer.DefaultGCGrace,
		"how old a shard file no object refers to, or a tombstone every node holds, must be before the scanner removes it")
}

func (r *repairFlags) validate() error {
	switch {
	case r.scanInterval < 0:
		return usagef("--scan-interval must not be negative, got %s", r.scanInterval)
	case r.bitrotInterval < 0:
		return usagef("--bitrot-interval must not be negative, got %s", r.bitrotInterval)
	case r.gcGrace < time.Minute:
		return usagef("--gc-grace must be at least 1m (writes in flight must not look like garbage), got %s", r.gcGrace)
	}
	return nil
}

// options maps the flags to the object layer's options, where a zero
// means the default and a negative value means off.
func (r *repairFlags) options() objectlayer.RepairOptions {
	o := objectlayer.RepairOptions{
		ScanInterval:   r.scanInterval,
		BitrotInterval: r.bitrotInterval,
		BitrotRate:     int64(r.bitrotRate),
		GCGrace:        r.gcGrace,
	}
	if o.ScanInterval == 0 {
		o.ScanInterval = -1
	}
	if o.BitrotInterval == 0 {
		o.BitrotInterval = -1
	}
	if o.BitrotRate == 0 {
		o.BitrotRate = -1
	}
	return o
}
