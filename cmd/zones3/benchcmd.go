package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/zones3/zones3/bench"
)

// sizeFlag is a flag holding a byte count such as 64MiB.
type sizeFlag int64

func (s *sizeFlag) String() string { return bench.FormatSize(int64(*s)) }

func (s *sizeFlag) Set(v string) error {
	n, err := bench.ParseSize(v)
	if err != nil {
		return err
	}
	*s = sizeFlag(n)
	return nil
}

func parseBenchFlags(args []string, stderr io.Writer) (bench.Config, error) {
	c := bench.Config{Cleanup: true}
	size := sizeFlag(64 << 20)
	var op string
	fs := newFlagSet("bench", stderr)
	fs.StringVar(&c.Endpoint, "endpoint", defaultEndpoint, "the S3 endpoint `URL`")
	fs.StringVar(&op, "op", "put", "put, get, or mixed (70% GET, 30% PUT)")
	fs.Var(&size, "size", "object `size`: 4KiB, 1MiB, 64MiB, 1GiB, or a byte count")
	fs.IntVar(&c.Concurrency, "concurrency", 8, "number of parallel requests")
	fs.DurationVar(&c.Duration, "duration", 30*time.Second, "how long to run")
	fs.StringVar(&c.Bucket, "bucket", "zones3-bench", "bucket to use, created if absent")
	fs.IntVar(&c.Keys, "keys", 0, "number of distinct objects (default concurrency*4, at most 4 GiB in all, at least concurrency)")
	fs.BoolVar(&c.Cleanup, "cleanup", true, "delete the objects at the end (keep them to reuse them in the next GET run)")
	fs.IntVar(&c.ServerPID, "server-pid", 0, "`PID` of the server process, to report its peak RSS (VmHWM); "+
		"by default the process listening on a loopback endpoint's port, else the endpoint's /metrics is sampled")
	fs.StringVar(&c.Region, "region", "us-east-1", "region to sign requests for")
	fs.BoolVar(&c.Insecure, "insecure", false, "skip TLS certificate verification")
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	c.Op = bench.Op(op)
	c.Size = int64(size)
	if err := c.Validate(); err != nil && !errors.Is(err, bench.ErrNoCredentials) {
		return c, usageError{err.Error()}
	}
	return c, nil
}

// cmdBench runs one benchmark and prints its table. It fails when any
// request failed or read back wrong bytes.
func cmdBench(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	cfg, err := parseBenchFlags(args, stderr)
	if err != nil {
		return err
	}
	creds, source, ok := clientCredentials(getenv)
	if !ok {
		return fmt.Errorf("no credentials: set %s and %s (or %s and %s), or run from the folder holding the server's %s",
			envAWSAccessKey, envAWSSecretKey, envRootAccessKey, envRootSecretKey, defaultDataDir+"/"+credentialsFile)
	}
	cfg.AccessKey, cfg.SecretKey = creds.AccessKey, creds.SecretKey
	cfg.Logger = newLogger(stderr, 0)
	cfg.Logger.Debug("credentials", "source", source)
	if cfg.ServerPID == 0 {
		if pid, err := bench.LocalServerPID(cfg.Endpoint); err == nil {
			cfg.ServerPID = pid
			cfg.Logger.Info("reporting the peak RSS of the process listening on the endpoint", "pid", pid)
		}
	}

	rep, err := bench.Run(ctx, cfg)
	if rep != nil {
		if werr := rep.WriteTable(stdout); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return exitCodeError{code: exitError, msg: "interrupted"}
		}
		return err
	}
	if rep.Failed() {
		return exitCodeError{code: exitError, msg: "some requests failed or returned wrong bytes"}
	}
	return nil
}
