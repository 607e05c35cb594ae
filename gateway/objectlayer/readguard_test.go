package objectlayer

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestReadGuard(t *testing.T) {
	var g readGuard
	ctx := context.Background()
	if err := g.wait(ctx, nil, "a"); err != nil {
		t.Fatalf("wait with no read: %v", err)
	}
	leave1 := g.enter([]string{"a", "b"})
	leave2 := g.enter([]string{"a"})
	waited := make(chan error, 1)
	go func() { waited <- g.wait(ctx, nil, "a") }()
	leave1()
	if err := g.wait(ctx, nil, "b"); err != nil {
		t.Fatalf("b still read after its only read left: %v", err)
	}
	select {
	case err := <-waited:
		t.Fatalf("wait for a returned (%v) while a read of it is in progress", err)
	case <-time.After(50 * time.Millisecond):
	}
	leave2()
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	leave := g.enter([]string{"c"})
	defer leave()
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := g.wait(cctx, nil, "c"); err == nil {
		t.Fatal("wait outlived its context")
	}
	stop := make(chan struct{})
	close(stop)
	if err := g.wait(ctx, stop, "c"); !errors.Is(err, errStopped) {
		t.Fatalf("wait after stop: %v", err)
	}
	if len(g.reads) != 1 {
		t.Fatalf("%d data IDs tracked, want 1", len(g.reads))
	}
}

func TestDataIDOf(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{shardName("0123abcd", 0), "0123abcd"},
		{shardName("0123abcd", 11), "0123abcd"},
		{"nodot", "nodot"},
	} {
		if got := dataIDOf(tc.name); got != tc.want {
			t.Errorf("dataIDOf(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}
