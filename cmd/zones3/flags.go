package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"strings"
	"time"
)

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("zones3 "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args and rejects positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		// The flag package has already printed the error and the usage.
		return exitCodeError{code: exitUsage}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// logLevel is a flag holding a slog level: debug, info, warn or error.
type logLevel struct{ slog.Level }

func (l *logLevel) String() string { return strings.ToLower(l.Level.String()) }

func (l *logLevel) Set(s string) error {
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return fmt.Errorf("want debug, info, warn or error")
	}
	return nil
}

// newLogger logs text lines to stderr at level.
func newLogger(stderr io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
}

// tlsFlags are the --tls-cert and --tls-key flags.
type tlsFlags struct {
	cert, key string
}

func (t *tlsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.cert, "tls-cert", "", "serve HTTPS with this PEM certificate `file` (needs --tls-key)")
	fs.StringVar(&t.key, "tls-key", "", "PEM private key `file` of --tls-cert")
}

func (t *tlsFlags) validate() error {
	if (t.cert == "") != (t.key == "") {
		return usagef("--tls-cert and --tls-key go together")
	}
	return nil
}

func (t *tlsFlags) enabled() bool { return t.cert != "" }

// lifecycleFlags are --lifecycle-interval, --lifecycle-day and
// --lifecycle-rate.
type lifecycleFlags struct {
	interval time.Duration // how often the worker scans
	day      time.Duration // how long one lifecycle "day" lasts
	rate     float64       // most actions a second; 0 no bound
}

// defaultLifecycleRate bounds the worker's expirations a second. With
// batched expirations the worker could take far more of a small machine
// than the foreground can spare; at this rate a 2-core server expiring
// 1,000,000 small objects keeps over 70% of its foreground throughput
// (lifecycle/doc.go, Measured over the object layer).
const defaultLifecycleRate = 6000

func (l *lifecycleFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&l.interval, "lifecycle-interval", time.Minute, "how often the lifecycle worker scans")
	fs.DurationVar(&l.day, "lifecycle-day", 24*time.Hour, "length of one lifecycle day (shorten for tests)")
	fs.Float64Var(&l.rate, "lifecycle-rate", defaultLifecycleRate, "most lifecycle actions (expirations, removals, aborts) a second; 0 for no bound")
}

func (l *lifecycleFlags) validate() error {
	if l.interval <= 0 {
		return usagef("--lifecycle-interval must be positive, got %s", l.interval)
	}
	if l.day <= 0 {
		return usagef("--lifecycle-day must be positive, got %s", l.day)
	}
	if l.rate < 0 || math.IsNaN(l.rate) || math.IsInf(l.rate, 0) {
		return usagef("--lifecycle-rate must be 0 (no bound) or positive, got %v", l.rate)
	}
	return nil
}

// s3Flags are the gateway's --region and --domain flags.
type s3Flags struct {
	region  string
	domains stringList
}

func (s *s3Flags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.region, "region", "us-east-1", "the region this endpoint serves")
	fs.Var(&s.domains, "domain", "base `domain` of virtual-host-style requests (bucket.DOMAIN); repeatable")
}

func (s *s3Flags) validate() error {
	if s.region == "" {
		return usagef("--region must not be empty")
	}
	for _, d := range s.domains {
		if d == "" || strings.ContainsAny(d, "/ :") {
			return usagef("invalid --domain %q: want a host name such as s3.example.com", d)
		}
	}
	return nil
}

// nodeAddr is one --node ZONE=ADDR of the gateway.
type nodeAddr struct {
	zone string
	addr string // as given: the node's placement ID and its address
	url  string // base URL of its internode API (http:// when not given)
}

// parseNodeAddr parses ZONE=ADDR, where ADDR is host:port or an http(s) URL.
func parseNodeAddr(s string) (nodeAddr, error) {
	zone, addr, ok := strings.Cut(s, "=")
	if !ok || zone == "" || addr == "" {
		return nodeAddr{}, fmt.Errorf("invalid --node %q: want ZONE=ADDR, e.g. zone-a=10.0.0.1:9100", s)
	}
	base := addr
	hasScheme := strings.Contains(addr, "://")
	if !hasScheme {
		base = "http://" + addr
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(!hasScheme && u.Port() == "") || (u.Path != "" && u.Path != "/") {
		return nodeAddr{}, fmt.Errorf("invalid --node %q: ADDR must be host:port or http(s)://host:port", s)
	}
	return nodeAddr{zone: zone, addr: addr, url: strings.TrimRight(base, "/")}, nil
}
