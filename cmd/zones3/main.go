package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `zones3 is an S3-compatible object store.

Usage:
  zones3 server  [--listen 127.0.0.1:9000] [--data ./data] [--lifecycle-interval 1m] [--lifecycle-day 24h] [--lifecycle-rate 6000]
  zones3 node    --id ID --zone ZONE --listen ADDR --data DIR
  zones3 gateway --listen ADDR --node ZONE=ADDR [--node ZONE=ADDR ...] [--lifecycle-interval ...] [--lifecycle-day ...]
  zones3 admin   status|heal [--endpoint URL]
  zones3 bench   [--endpoint URL] [--op put|get|mixed] [--size 64MiB] [--concurrency N] [--duration 30s]

Run "zones3 COMMAND -h" for all flags of a command.
`

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command ran and failed
	exitUsage = 2 // bad command line, or a command that is not available
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// env looks up an environment variable; tests pass their own.
type env func(string) string

// usageError is a command-line mistake: it exits with exitUsage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// run executes one command line and returns the process exit code.
func run(args []string, getenv env, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmds := map[string]func(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error{
		"server":  cmdServer,
		"node":    cmdNode,
		"gateway": cmdGateway,
		"admin":   cmdAdmin,
		"bench":   cmdBench,
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	cmd, ok := cmds[name]
	if !ok {
		fmt.Fprintf(stderr, "zones3: unknown command %q\n\n%s", name, usage)
		return exitUsage
	}

	// The first SIGINT or SIGTERM cancels ctx and starts a graceful stop;
	// stop() then restores the default action, so a second one kills.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	defer stop()

	switch name {
	case "server", "node", "gateway":
		startProfiler(getenv("ZONES3_PPROF_ADDR"), slog.New(slog.NewTextHandler(stderr, nil)))
	}
	switch name {
	case "server", "node":
		procsCtx, stopProcs := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			adjustProcs(procsCtx, getenv, slog.New(slog.NewTextHandler(stderr, nil)))
		}()
		defer func() { stopProcs(); <-done }()
	}
	err := cmd(ctx, args[1:], getenv, stdout, stderr)
	var ue usageError
	var ex exitCodeError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "zones3 %s: %v\n", name, err)
		return exitUsage
	case errors.As(err, &ex):
		if ex.msg != "" {
			fmt.Fprintf(stderr, "zones3 %s: %s\n", name, ex.msg)
		}
		return ex.code
	default:
		fmt.Fprintf(stderr, "zones3 %s: %v\n", name, err)
		return exitError
	}
}

// exitCodeError ends a command with a given exit code and message.
type exitCodeError struct {
	code int
	msg  string
}

func (e exitCodeError) Error() string { return e.msg }
